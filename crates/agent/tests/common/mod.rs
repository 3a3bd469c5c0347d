//! Shared fixtures of the agent crate's integration tests: a real
//! bubblewrap sandbox provider in a temporary root, the real scripted
//! provider behind the router, inline packs, and direct tool calls.

#![allow(dead_code)]

use agentclash_agent::tools::{ToolConfig, ToolEnv, ToolOutcome, ToolSet};
use agentclash_agent::{
    AgentEvent, CaseError, CaseInput, CaseLimits, CaseResult, MemorySink, ModelHandle, run_case,
};
use agentclash_core::agents::AgentPolicy;
use agentclash_packs::Pack;
use agentclash_providers::{
    AccountConfig, CallOptions, PricingTable, ProviderKind, ProviderRouter, RouterConfig,
};
use agentclash_sandbox::{BwrapProvider, Sandbox, SandboxProvider, SandboxSpec};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A bubblewrap provider rooted in a fresh temporary directory.
pub struct Sandboxes {
    dir: tempfile::TempDir,
    pub provider: BwrapProvider,
}

impl Sandboxes {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("agentclash-agent-test-")
            .tempdir_in("/var/tmp")
            .expect("create a sandbox root");
        let provider = BwrapProvider::new(dir.path().join("sandboxes"))
            .expect("the local provider needs root, bwrap, prlimit and setpriv");
        Self { dir, provider }
    }

    /// The host directory holding one subdirectory per live sandbox.
    pub fn root(&self) -> &Path {
        self.provider.root()
    }

    /// Names of the sandboxes still on disk.
    pub fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.root())
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A fresh sandbox (no network).
    pub async fn sandbox(&self) -> Box<dyn Sandbox> {
        self.provider
            .create(SandboxSpec {
                label: "agent-test".into(),
                ..SandboxSpec::default()
            })
            .await
            .expect("create a sandbox")
    }
}

/// Tool config from the pack-shaped JSON of `tool_policy` and `tools`.
pub fn tool_config(policy: Value, tools: Value) -> ToolConfig {
    ToolConfig {
        policy: serde_json::from_value(policy).expect("tool policy"),
        tools: serde_json::from_value(tools).expect("tools block"),
        ..ToolConfig::default()
    }
}

/// Names of the tools the model is shown.
pub fn visible(set: &ToolSet) -> Vec<String> {
    set.specs().into_iter().map(|s| s.name).collect()
}

/// Calls `name` through the catalogue with a 30 s step limit.
pub async fn call(
    set: &ToolSet,
    sandbox: Option<&dyn Sandbox>,
    name: &str,
    args: Value,
) -> ToolOutcome {
    let env = ToolEnv {
        sandbox,
        step_timeout: Duration::from_secs(30),
    };
    set.call(name, &args, &env).await
}

/// The error message of a failed call (panics on success).
pub fn error_of(outcome: &ToolOutcome) -> String {
    assert!(outcome.is_error, "expected an error, got {outcome:?}");
    outcome.content["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message in {outcome:?}"))
        .to_owned()
}

/// The envelope's `content` of a successful call (panics otherwise).
pub fn content_of(outcome: &ToolOutcome) -> &Value {
    assert!(!outcome.is_error, "expected success, got {outcome:?}");
    assert_eq!(outcome.content["truncated"], json!(false), "{outcome:?}");
    &outcome.content["content"]
}

/// Parses an inline pack, failing with its diagnostics when invalid.
pub fn pack(yaml: &str) -> Pack {
    let report = agentclash_packs::validate(yaml, &Default::default());
    match report.pack {
        Some(pack) => pack,
        None => panic!("invalid test pack: {:#?}\n{yaml}", report.diagnostics),
    }
}

/// Expected answer planted in every test case; it must never reach the agent.
pub const EXPECTED: &str = "EXPECTED-ANSWER-7f3a";

/// A native pack. `version` is inserted under `version:` (two-space
/// indented lines), `top` at the top level (e.g. a `tools:` block), and
/// `cases` under `cases:` (six-space indented list items).
pub fn native_yaml(version: &str, top: &str, cases: &str) -> String {
    format!(
        "pack: {{slug: agent-test, name: Agent test, family: test}}
version:
  number: 1
  execution_mode: native
{version}
  evaluation_spec:
    name: agent-test
    version_number: 1
    judge_mode: deterministic
    validators:
      - {{key: answer, type: exact_match, target: final_output, expected_from: case.expectations.answer}}
    scorecard:
      strategy: weighted
      dimensions:
        - {{key: correctness, source: validators, validators: [answer]}}
{top}
challenges:
  - key: c
    title: Task
    category: test
    difficulty: easy
    instructions: Work on {{{{topic}}}} and submit.
input_sets:
  - key: default
    name: Default
    cases:
{cases}
"
    )
}

/// One plain case `one` with a payload topic and a planted expectation.
pub fn one_case() -> String {
    format!(
        "      - {{case_key: one, challenge_key: c, payload: {{topic: alpha}}, expectations: [{{key: answer, kind: text, value: {EXPECTED}}}]}}"
    )
}

/// A native pack with one case and the given version lines.
pub fn native_pack(version: &str) -> Pack {
    pack(&native_yaml(version, "", &one_case()))
}

/// A model handle on the real scripted provider.
pub fn scripted(config: Value) -> ModelHandle {
    ModelHandle {
        router: ProviderRouter::new(RouterConfig::default()),
        account: AccountConfig {
            id: "scripted-test".into(),
            kind: ProviderKind::Scripted,
            base_url: None,
            api_key: None,
            max_concurrency: None,
            requests_per_minute: None,
            tokens_per_minute: None,
        },
        options: CallOptions {
            scripted: Some(config),
            ..CallOptions::default()
        },
        model: "scripted-model".into(),
        temperature: None,
        max_output_tokens: None,
        pricing: PricingTable::default(),
    }
}

/// A scripted config answering step k with `steps[k]` (each a list of
/// `[name, arguments]` tool calls).
pub fn steps(steps: &[&[(&str, Value)]]) -> Value {
    let responses: Vec<Value> = steps
        .iter()
        .map(|calls| {
            json!({"tool_calls": calls.iter().map(|(name, args)| json!({"name": name, "arguments": args})).collect::<Vec<_>>()})
        })
        .collect();
    json!({ "responses": responses })
}

/// What a case produced.
pub struct Outcome {
    pub result: Result<CaseResult, CaseError>,
    pub events: Vec<AgentEvent>,
}

impl Outcome {
    /// The result, which must not be an attempt failure.
    pub fn result(&self) -> &CaseResult {
        match &self.result {
            Ok(r) => r,
            Err(e) => panic!("case attempt failed: {e}; events: {:#?}", self.events),
        }
    }

    /// Events of one type, in order.
    pub fn of(&self, event_type: &str) -> Vec<&AgentEvent> {
        self.events
            .iter()
            .filter(|e| e.event_type == event_type)
            .collect()
    }

    /// Event types in order.
    pub fn types(&self) -> Vec<&'static str> {
        self.events.iter().map(|e| e.event_type).collect()
    }

    /// Results of the completed or failed calls of tool `name`, in order.
    pub fn tool_results(&self, name: &str) -> Vec<(&Value, bool)> {
        self.events
            .iter()
            .filter(|e| matches!(e.event_type, "tool.call.completed" | "tool.call.failed"))
            .filter(|e| e.payload["name"] == name)
            .map(|e| (&e.payload["result"], e.payload["is_error"] == json!(true)))
            .collect()
    }
}

/// Knobs of one `run_case` call.
pub struct Run<'a> {
    pub pack: &'a Pack,
    pub case_key: &'a str,
    pub model: ModelHandle,
    pub policy: AgentPolicy,
    pub limits: CaseLimits,
    pub overrides: ToolConfig,
    pub sandboxes: Option<&'a dyn SandboxProvider>,
    pub cancel: CancellationToken,
}

impl<'a> Run<'a> {
    pub fn new(pack: &'a Pack, model: ModelHandle, sandboxes: &'a Sandboxes) -> Self {
        Self {
            pack,
            case_key: "one",
            model,
            policy: AgentPolicy::default(),
            limits: CaseLimits::default(),
            overrides: ToolConfig::default(),
            sandboxes: Some(&sandboxes.provider),
            cancel: CancellationToken::new(),
        }
    }

    /// Runs the case, collecting its events.
    pub async fn go(self) -> Outcome {
        let sink = MemorySink::default();
        let input = CaseInput {
            pack: self.pack,
            input_set_key: "default",
            case_key: self.case_key,
            policy: &self.policy,
            limits: self.limits,
            tool_overrides: self.overrides,
            model: &self.model,
            sandboxes: self.sandboxes,
            sandbox_label: "agent-test".into(),
            cancel: self.cancel,
        };
        let result = run_case(input, &sink).await;
        Outcome {
            result,
            events: sink.events(),
        }
    }
}
