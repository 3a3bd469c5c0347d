//! What the agent is told and given for one case: the messages that open
//! the conversation, the agent-visible benchmark context (format spec §4.5,
//! without expectations, evaluation spec or security block) and the files
//! staged into its sandbox.

use crate::template::{case_context, format_value, render_lenient};
use agentclash_core::agents::AgentPolicy;
use agentclash_packs::model::{Case, Challenge, Pack};
use serde_json::{Value, json};

/// A case looked up in its pack.
#[derive(Debug, Clone, Copy)]
pub struct CaseRef<'a> {
    /// The pack.
    pub pack: &'a Pack,
    /// The case.
    pub case: &'a Case,
    /// The challenge it exercises.
    pub challenge: &'a Challenge,
}

/// Why a case cannot be found in its pack.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// No such input set.
    #[error("the pack version has no input set `{0}`")]
    InputSet(String),
    /// No such case.
    #[error("input set `{0}` has no case `{1}`")]
    Case(String, String),
    /// The case names a challenge the pack lacks.
    #[error("case `{0}` names unknown challenge `{1}`")]
    Challenge(String, String),
    /// Files to stage (`payload.workspace_files`, a `workspace` input) are
    /// not a list of `{path, content}` strings under `/workspace`.
    #[error("case `{0}`: {1}")]
    Workspace(String, String),
}

impl<'a> CaseRef<'a> {
    /// Finds `case_key` of `input_set_key` in `pack`.
    pub fn find(pack: &'a Pack, input_set_key: &str, case_key: &str) -> Result<Self, ContextError> {
        let set = pack
            .input_sets
            .iter()
            .find(|s| s.key == input_set_key)
            .ok_or_else(|| ContextError::InputSet(input_set_key.to_owned()))?;
        let case = set
            .cases
            .iter()
            .find(|c| c.case_key == case_key)
            .ok_or_else(|| ContextError::Case(input_set_key.to_owned(), case_key.to_owned()))?;
        let challenge = pack
            .challenges
            .iter()
            .find(|c| c.key == case.challenge_key)
            .ok_or_else(|| {
                ContextError::Challenge(case_key.to_owned(), case.challenge_key.clone())
            })?;
        Ok(Self {
            pack,
            case,
            challenge,
        })
    }

    /// The challenge's instructions (`definition.instructions` wins).
    pub fn instructions(&self) -> String {
        self.challenge
            .definition
            .get("instructions")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| self.challenge.instructions.clone())
    }

    /// The case as the agent may see it: no expectations, no turn `expects`.
    pub fn visible_case(&self) -> Value {
        let mut case = serde_json::to_value(self.case).unwrap_or(Value::Null);
        if let Some(obj) = case.as_object_mut() {
            obj.remove("expectations");
            if let Some(phases) = obj
                .get_mut("user_simulator")
                .and_then(|u| u.get_mut("phases"))
                .and_then(Value::as_array_mut)
            {
                for phase in phases {
                    if let Some(turns) = phase.get_mut("turns").and_then(Value::as_array_mut) {
                        for turn in turns {
                            if let Some(t) = turn.as_object_mut() {
                                t.remove("expects");
                            }
                        }
                    }
                }
            }
        }
        case
    }

    /// The benchmark context JSON (manifest without the evaluation spec,
    /// input sets or security block; the case's challenge; the case).
    pub fn benchmark_context(&self) -> Value {
        let mut manifest = serde_json::to_value(self.pack).unwrap_or(Value::Null);
        if let Some(obj) = manifest.as_object_mut() {
            obj.remove("input_sets");
            obj.remove("security");
            obj.remove("challenges");
            if let Some(version) = obj.get_mut("version").and_then(Value::as_object_mut) {
                version.remove("evaluation_spec");
            }
        }
        json!({
            "manifest": manifest,
            "challenge": serde_json::to_value(self.challenge).unwrap_or(Value::Null),
            "case": self.visible_case(),
        })
    }

    /// The `prompt_eval` prompt: instructions rendered from this case.
    pub fn rendered_instructions(&self) -> String {
        render_lenient(&self.instructions(), &case_context(self.case))
    }

    /// Files to place in the sandbox before the agent starts: the context
    /// files, `payload.workspace_files`, `workspace` inputs (format spec
    /// §4.3) and every other input that names a path.
    pub fn staged_files(&self) -> Result<Vec<(String, Vec<u8>)>, ContextError> {
        let context = self.benchmark_context();
        let pretty = |v: &Value| serde_json::to_vec_pretty(v).unwrap_or_default();
        let mut files = vec![
            (
                "/workspace/agentclash/run-context.json".to_owned(),
                pretty(&context),
            ),
            (
                "/workspace/agentclash/challenge-pack-manifest.json".to_owned(),
                pretty(&context["manifest"]),
            ),
            (
                "/workspace/agentclash/challenges.json".to_owned(),
                pretty(&json!([context["challenge"]])),
            ),
            (
                "/workspace/agentclash/challenge-input-set.json".to_owned(),
                pretty(&json!({"cases": [context["case"]]})),
            ),
        ];
        if let Some(list) = self.case.payload.get("workspace_files") {
            files.extend(self.workspace_files("payload.workspace_files", list)?);
        }
        for input in &self.case.inputs {
            if input.kind == "workspace" {
                let what = format!("workspace input `{}`", input.key);
                files.extend(
                    self.workspace_files(&what, input.value.as_ref().unwrap_or(&Value::Null))?,
                );
            } else if let (Some(path), Some(value)) = (&input.path, &input.value)
                && let Ok(target) = crate::tools::confine(path)
            {
                files.push((target, format_value(value).into_bytes()));
            }
        }
        Ok(files)
    }

    /// A list of `{path, content}` as files to stage.
    fn workspace_files(
        &self,
        what: &str,
        list: &Value,
    ) -> Result<Vec<(String, Vec<u8>)>, ContextError> {
        let bad = |why: String| {
            ContextError::Workspace(self.case.case_key.clone(), format!("{what} {why}"))
        };
        let items = list
            .as_array()
            .ok_or_else(|| bad("must be a list of {path, content}".into()))?;
        items
            .iter()
            .map(|item| {
                match (
                    item.get("path").and_then(Value::as_str),
                    item.get("content").and_then(Value::as_str),
                ) {
                    (Some(path), Some(content)) => Ok((
                        crate::tools::confine(path)
                            .map_err(|e| bad(format!("has a bad path: {e}")))?,
                        content.as_bytes().to_vec(),
                    )),
                    _ => Err(bad("must be a list of {path, content} strings".into())),
                }
            })
            .collect()
    }
}

/// The system message: the agent's policy (role, prompt, instructions).
pub fn system_text(policy: &AgentPolicy) -> String {
    let mut parts = Vec::new();
    if !policy.role.trim().is_empty() {
        parts.push(format!("You are {}.", policy.role.trim()));
    }
    for text in [&policy.system_prompt, &policy.instructions] {
        if !text.trim().is_empty() {
            parts.push(text.trim().to_owned());
        }
    }
    parts.join("\n\n")
}

/// The opening user message of a native case: the raw instructions plus
/// the case data as JSON.
pub fn native_task_message(case: &CaseRef<'_>) -> String {
    let data = serde_json::to_string_pretty(&case.visible_case()).unwrap_or_default();
    format!(
        "{}\n\nCase data (JSON):\n{data}\n\nYour working directory is /workspace (the benchmark context is in /workspace/agentclash/). \
         Use the tools to do the work, then call `submit` with your final answer. Every reply must call at least one tool.",
        case.instructions().trim()
    )
}
