//! The `scripted` provider: answers from the deployment's config, no network,
//! fully deterministic (demos, tests, benchmarks, replays).
//!
//! Step selection: the first rule whose `when_last_user_contains` occurs in
//! the last user message (and whose `at_step`, when set, is the current
//! step), else `responses[k]` with k = number of assistant
//! turns already in the request (so a retried or resumed call gets the same
//! answer), else `default`, else an `invalid_request` error.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    Completion, assistant_turns, conversation_chars, estimate_tokens, synthetic_call_id,
    tool_calls_chars,
};
use crate::delta::Emitter;
use crate::error::ProviderError;
use crate::types::{ChatRequest, FinishReason, Role, ToolCall, Usage};

/// The deployment's scripted config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedConfig {
    /// Answers by step: `responses[k]` answers the call after k assistant turns.
    #[serde(default)]
    pub responses: Vec<ScriptedStep>,
    /// Content-based answers, checked first (e.g. one per prompt_eval case).
    #[serde(default)]
    pub rules: Vec<ScriptedRule>,
    /// Answer when neither a rule nor a step matches.
    #[serde(default)]
    pub default: Option<ScriptedStep>,
}

/// An answer chosen by the content of the last user message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedRule {
    /// Substring (case-sensitive) the last user message must contain.
    pub when_last_user_contains: String,
    /// Only at this step (number of assistant turns so far); any step when absent.
    /// Lets a native agent script depend on the case: same tool calls for
    /// every case, a case-specific `submit` at the last step.
    #[serde(default)]
    pub at_step: Option<usize>,
    /// The answer.
    pub respond: ScriptedStep,
}

/// One scripted answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedStep {
    /// Output text.
    #[serde(default)]
    pub text: String,
    /// Tool calls; ids are assigned as `call_{k}_{i}`.
    #[serde(default)]
    pub tool_calls: Vec<ScriptedToolCall>,
    /// Simulated latency before the answer.
    #[serde(default)]
    pub latency_ms: u64,
    /// Reported usage; estimated (characters / 4) when absent.
    #[serde(default)]
    pub usage: Option<ScriptedUsage>,
}

/// A scripted tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedToolCall {
    /// Tool name.
    pub name: String,
    /// Arguments (any JSON; `{}` when absent).
    #[serde(default = "empty_object")]
    pub arguments: Value,
}

/// Scripted token counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedUsage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cached prompt tokens.
    #[serde(default)]
    pub cached_input_tokens: u64,
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

/// An invalid scripted config, with the JSON path of the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scripted config at {path}: {message}")]
pub struct ScriptedConfigError {
    /// JSON path such as `responses[1].tool_calls[0].name` (`.` for the root).
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl ScriptedConfig {
    /// Parses and validates a deployment's scripted config; use it when the
    /// deployment is saved to report mistakes early.
    pub fn from_value(value: &Value) -> Result<Self, ScriptedConfigError> {
        let config: Self =
            serde_path_to_error::deserialize(value).map_err(|e| ScriptedConfigError {
                path: e.path().to_string(),
                message: e.into_inner().to_string(),
            })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ScriptedConfigError> {
        let error = |path: String, message: &str| ScriptedConfigError {
            path,
            message: message.to_owned(),
        };
        if self.responses.is_empty() && self.rules.is_empty() && self.default.is_none() {
            return Err(error(
                ".".into(),
                "needs at least one of responses, rules or default",
            ));
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.when_last_user_contains.is_empty() {
                return Err(error(
                    format!("rules[{i}].when_last_user_contains"),
                    "must not be empty",
                ));
            }
        }
        let steps = self
            .responses
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("responses[{i}]"), s))
            .chain(
                self.rules
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (format!("rules[{i}].respond"), &r.respond)),
            )
            .chain(self.default.iter().map(|s| ("default".to_owned(), s)));
        for (path, step) in steps {
            if let Some(j) = step
                .tool_calls
                .iter()
                .position(|c| c.name.trim().is_empty())
            {
                return Err(error(
                    format!("{path}.tool_calls[{j}].name"),
                    "must not be empty",
                ));
            }
        }
        Ok(())
    }

    /// The step answering `req` (see the module docs for the order).
    pub fn select(&self, req: &ChatRequest) -> Result<&ScriptedStep, ProviderError> {
        let last_user = req.messages.iter().rev().find(|m| m.role == Role::User);
        let k = assistant_turns(req);
        if let Some(rule) = last_user.and_then(|m| {
            self.rules.iter().find(|r| {
                r.at_step.is_none_or(|step| step == k)
                    && m.content.contains(&r.when_last_user_contains)
            })
        }) {
            return Ok(&rule.respond);
        }
        self.responses
            .get(k)
            .or(self.default.as_ref())
            .ok_or_else(|| {
                ProviderError::invalid_request(format!("scripted responses exhausted at step {k}"))
            })
    }
}

/// Parses the raw `CallOptions::scripted` value for one call.
pub(crate) fn call_config(raw: Option<&Value>) -> Result<ScriptedConfig, ProviderError> {
    let raw = raw.ok_or_else(|| {
        ProviderError::invalid_request(
            "the scripted provider needs a scripted config in the call options",
        )
    })?;
    ScriptedConfig::from_value(raw).map_err(|e| ProviderError::invalid_request(e.to_string()))
}

/// Answers `req` from `config`, honouring the step's latency.
pub(crate) async fn respond(
    config: &ScriptedConfig,
    req: &ChatRequest,
    emit: &mut Emitter<'_>,
) -> Result<Completion, ProviderError> {
    let step = config.select(req)?;
    if step.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(step.latency_ms)).await;
    }
    let k = assistant_turns(req);
    let tool_calls: Vec<ToolCall> = step
        .tool_calls
        .iter()
        .enumerate()
        .map(|(i, c)| ToolCall {
            id: synthetic_call_id(k, i),
            name: c.name.clone(),
            arguments: c.arguments.clone(),
        })
        .collect();
    emit.text(&step.text);
    if !tool_calls.is_empty() {
        emit.content();
    }
    let usage = match step.usage {
        Some(u) => Usage {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cached_input_tokens: u.cached_input_tokens,
        },
        None => estimated_usage(req, &step.text, &tool_calls),
    };
    Ok(Completion {
        finish_reason: if tool_calls.is_empty() {
            FinishReason::Stop
        } else {
            FinishReason::ToolCalls
        },
        text: step.text.clone(),
        tool_calls,
        usage,
        model: Some(req.model.clone()),
    })
}

/// Deterministic estimate (see [`estimate_tokens`]) of the conversation and
/// of the answer's text and tool calls.
fn estimated_usage(req: &ChatRequest, text: &str, calls: &[ToolCall]) -> Usage {
    Usage {
        input_tokens: estimate_tokens(conversation_chars(&req.messages)),
        output_tokens: estimate_tokens(text.chars().count() + tool_calls_chars(calls)),
        cached_input_tokens: 0,
    }
}
