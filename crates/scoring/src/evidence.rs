//! Everything a case's scoring may read. The worker gathers it from the
//! recorded events (and the verifier sandbox); scoring only reads it.

use std::collections::BTreeMap;

use agentclash_packs::model::{Asset, Case, Challenge};
use serde::{Deserialize, Serialize};

/// Identifier of the recorded event that produced a piece of evidence, so a
/// verdict can point back into the replay.
pub type EventId = String;

/// The evidence of one case of one lane.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The run's final output (native: submitted answer; prompt_eval: model
    /// text; multi_turn: last assistant turn). `None` when the agent never
    /// produced one.
    #[serde(default)]
    pub final_output: Option<String>,
    /// Event that finalised the output.
    #[serde(default)]
    pub final_output_event_id: Option<EventId>,
    /// The case being scored (payload, inputs, expectations, assets).
    #[serde(default)]
    pub case: Case,
    /// The challenge the case exercises.
    #[serde(default)]
    pub challenge: Option<Challenge>,
    /// How many cases were in scope of the run that produced this evidence;
    /// case-scoped references are unavailable when it is above 1 (§4.5).
    /// 0 is read as 1 (per-case fan-out).
    #[serde(default)]
    pub cases_in_scope: usize,
    /// The version's assets (`version.assets`), used to resolve artifact
    /// references of the case.
    #[serde(default)]
    pub version_assets: Vec<Asset>,
    /// Content of assets by key, when the worker downloaded it
    /// (`artifact.<key>.content`).
    #[serde(default)]
    pub artifact_contents: BTreeMap<String, ArtifactContent>,
    /// Post-execution captures by check key (`file:<key>`).
    #[serde(default)]
    pub files: BTreeMap<String, CapturedFile>,
    /// Results of `code_execution` test commands by validator key.
    #[serde(default)]
    pub code_executions: BTreeMap<String, CodeExecution>,
    /// The tool-call trace in call order (model-visible names, `submit`
    /// included).
    #[serde(default)]
    pub tool_calls: Vec<ToolCallRecord>,
    /// Multi-turn conversation turns in order.
    #[serde(default)]
    pub turns: Vec<TurnRecord>,
    /// Run facts for metrics, dimensions and the failure taxonomy.
    #[serde(default)]
    pub run: RunFacts,
}

/// Downloaded content of an asset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArtifactContent {
    /// Content (lossy UTF-8 when the bytes were not text).
    pub content: String,
    /// Event or artifact record it came from.
    #[serde(default)]
    pub event_id: Option<EventId>,
}

/// One post-execution capture and the event that recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapturedFile {
    /// What was captured.
    pub capture: Capture,
    /// Event recording the capture.
    #[serde(default)]
    pub event_id: Option<EventId>,
}

/// The result of a `file_capture` or `directory_listing` check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Capture {
    /// A file's content (possibly cut at the capture cap).
    File {
        /// Sandbox path.
        path: String,
        /// Captured bytes (may be non-UTF-8; read lossily).
        content: Vec<u8>,
        /// Size of the whole file.
        size: u64,
        /// Whether `content` was cut.
        truncated: bool,
    },
    /// A directory listing.
    Listing {
        /// Listed directory.
        path: String,
        /// Entries (paths relative to the directory or absolute).
        entries: Vec<ListingEntry>,
    },
    /// The file or directory did not exist or could not be read.
    Missing {
        /// Sandbox path.
        path: String,
    },
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingEntry {
    /// Entry path.
    pub path: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
}

/// What the verifier sandbox reported for one `code_execution` command.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CodeExecution {
    /// Exit code; `None` when killed or never started.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Standard output (capped by the verifier).
    #[serde(default)]
    pub stdout: String,
    /// Standard error (capped by the verifier).
    #[serde(default)]
    pub stderr: String,
    /// Killed at its timeout.
    #[serde(default)]
    pub timed_out: bool,
    /// Wall time.
    #[serde(default)]
    pub duration_ms: u64,
    /// Why the command could not start (infrastructure), if it could not.
    #[serde(default)]
    pub launch_error: Option<String>,
    /// Event recording the execution.
    #[serde(default)]
    pub event_id: Option<EventId>,
}

/// Why a tool call failed, as classified by the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolErrorKind {
    /// The model called a tool that does not exist or is hidden.
    UnknownTool,
    /// The arguments did not match the tool's schema.
    InvalidArguments,
    /// The tool policy refused the call.
    PolicyDenied,
    /// The tool ran and reported an error.
    Execution,
    /// The sandbox failed underneath the tool (infrastructure).
    Sandbox,
}

/// One tool call of the trace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRecord {
    /// Model-visible tool name.
    pub name: String,
    /// Arguments as sent by the model.
    #[serde(default)]
    pub arguments: serde_json::Value,
    /// Result returned to the model.
    #[serde(default)]
    pub result: Option<serde_json::Value>,
    /// The call failed (error result).
    #[serde(default)]
    pub is_error: bool,
    /// Why it failed, when known.
    #[serde(default)]
    pub error_kind: Option<ToolErrorKind>,
    /// Agent step the call belongs to.
    #[serde(default)]
    pub step: u32,
    /// Event recording the call.
    #[serde(default)]
    pub event_id: Option<EventId>,
}

impl ToolCallRecord {
    /// True when the runtime's policy refused the call.
    pub fn policy_denied(&self) -> bool {
        self.error_kind == Some(ToolErrorKind::PolicyDenied)
    }
}

/// One multi-turn conversation turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    /// 0-based turn index.
    pub turn_index: u32,
    /// Phase that produced the user message.
    #[serde(default)]
    pub phase_id: String,
    /// User message.
    #[serde(default)]
    pub user: String,
    /// Assistant answer.
    #[serde(default)]
    pub assistant: String,
    /// Whether a turn expectation failed.
    #[serde(default)]
    pub mismatch: bool,
    /// Event recording the turn.
    #[serde(default)]
    pub event_id: Option<EventId>,
}

/// Why the agent loop stopped, as recorded by the engine.
pub use agentclash_core::StopReason;

/// Token usage of one model, for cost via the spec's pricing table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelUsage {
    /// Provider key (`openai`, `anthropic`, …).
    pub provider_key: String,
    /// Provider model id.
    pub model_id: String,
    /// Input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
}

/// Facts about the run of one case, from the run summary and events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunFacts {
    /// Why the loop stopped; `None` when no terminal event was recorded.
    #[serde(default)]
    pub stop_reason: Option<StopReason>,
    /// Whether the run completed successfully; `None` without a terminal event.
    #[serde(default)]
    pub completed: Option<bool>,
    /// Agent steps (model calls).
    #[serde(default)]
    pub steps: u32,
    /// Tool calls from the run summary (excluding `submit`); `None` falls
    /// back to the trace length.
    #[serde(default)]
    pub tool_call_count: Option<u64>,
    /// Input tokens from the run summary.
    #[serde(default)]
    pub input_tokens: Option<u64>,
    /// Output tokens from the run summary.
    #[serde(default)]
    pub output_tokens: Option<u64>,
    /// Total tokens when reported separately.
    #[serde(default)]
    pub total_tokens: Option<u64>,
    /// Tokens injected as race context (peer standings).
    #[serde(default)]
    pub race_context_tokens: u64,
    /// Per-model usage (priced with the spec's pricing table).
    #[serde(default)]
    pub model_usage: Vec<ModelUsage>,
    /// Cost reported by the provider router; used when the spec has no
    /// pricing rows.
    #[serde(default)]
    pub reported_cost_usd: Option<f64>,
    /// Milliseconds from run start to terminal event.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// Milliseconds to the first output.
    #[serde(default)]
    pub ttft_ms: Option<u64>,
    /// Failed sandbox commands outside tool calls.
    #[serde(default)]
    pub failed_sandbox_commands: u64,
    /// Event of the terminal run event.
    #[serde(default)]
    pub terminal_event_id: Option<EventId>,
}

impl Evidence {
    /// Number of cases in scope, with 0 read as 1.
    pub fn scope(&self) -> usize {
        self.cases_in_scope.max(1)
    }
}
