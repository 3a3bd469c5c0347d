//! The normalised request/response every adapter translates to and from, so
//! the agent loop never sees a provider's wire format.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One model call: the conversation so far plus the tools the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Provider model id, sent as is (e.g. `gpt-4.1`, `claude-sonnet-4-5`).
    pub model: String,
    /// The conversation, oldest first.
    pub messages: Vec<Message>,
    /// Tools the model may call; empty means no tools are offered.
    #[serde(default)]
    pub tools: Vec<ToolSpec>,
    /// Output token cap; adapters whose API requires one use a default.
    #[serde(default)]
    pub max_output_tokens: Option<u32>,
    /// Sampling temperature; `None` leaves the provider default.
    #[serde(default)]
    pub temperature: Option<f32>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions from the deployment.
    System,
    /// The user (or the case input).
    User,
    /// The model's own earlier turns.
    Assistant,
    /// The result of a tool call.
    Tool,
}

/// One conversation turn.
///
/// A `Tool` message carries the tool's result JSON text in `content` and the
/// id of the call it answers in `tool_call_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Author of the turn.
    pub role: Role,
    /// Text of the turn (tool result JSON text for `Tool`).
    pub content: String,
    /// Tool calls the assistant made in this turn.
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    /// For `Tool` messages: the id of the answered call.
    #[serde(default)]
    pub tool_call_id: Option<String>,
}

impl Message {
    /// A system instruction.
    pub fn system(content: impl Into<String>) -> Self {
        Self::plain(Role::System, content)
    }

    /// A user turn.
    pub fn user(content: impl Into<String>) -> Self {
        Self::plain(Role::User, content)
    }

    /// An assistant turn, possibly with tool calls.
    pub fn assistant(content: impl Into<String>, tool_calls: Vec<ToolCall>) -> Self {
        Self {
            tool_calls,
            ..Self::plain(Role::Assistant, content)
        }
    }

    /// The result of the tool call `tool_call_id`.
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            tool_call_id: Some(tool_call_id.into()),
            ..Self::plain(Role::Tool, content)
        }
    }

    fn plain(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// Name the model uses to call it.
    pub name: String,
    /// What the tool does, shown to the model.
    pub description: String,
    /// JSON Schema of the arguments object.
    pub parameters: serde_json::Value,
}

/// A tool call made by the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// Id that the tool result must quote (synthesised when the provider has none).
    pub id: String,
    /// Name of the called tool.
    pub name: String,
    /// Parsed arguments; `Value::String(raw)` when the model sent unparsable
    /// JSON, so the agent can report a tool error instead of failing the call.
    pub arguments: serde_json::Value,
}

/// Token counts of one call.
///
/// `input_tokens` counts every prompt token, cached ones included;
/// `cached_input_tokens` is the part of it served from the provider's cache
/// (Anthropic's separate cache counters are folded in accordingly).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// All prompt tokens, cached included.
    pub input_tokens: u64,
    /// Generated tokens (reasoning/thinking tokens included).
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's cache.
    pub cached_input_tokens: u64,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FinishReason {
    /// Natural end of the answer.
    Stop,
    /// The model wants tool results.
    ToolCalls,
    /// The output token cap was reached.
    Length,
    /// The provider filtered the output.
    ContentFilter,
    /// Any other provider-specific reason, verbatim.
    Other(String),
}

impl FinishReason {
    /// Stable snake_case name (the raw value for `Other`), for event payloads.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Stop => "stop",
            Self::ToolCalls => "tool_calls",
            Self::Length => "length",
            Self::ContentFilter => "content_filter",
            Self::Other(raw) => raw,
        }
    }
}

impl From<&str> for FinishReason {
    fn from(raw: &str) -> Self {
        match raw {
            "stop" => Self::Stop,
            "tool_calls" => Self::ToolCalls,
            "length" => Self::Length,
            "content_filter" => Self::ContentFilter,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl Serialize for FinishReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FinishReason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Ok(Self::from(raw.as_str()))
    }
}

/// The model's answer plus what it cost in tokens and time.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    /// Concatenated text output.
    pub text: String,
    /// Tool calls, in the order the model made them.
    pub tool_calls: Vec<ToolCall>,
    /// Token counts reported by the provider (estimated for `scripted` without usage).
    pub usage: Usage,
    /// Why the model stopped.
    pub finish_reason: FinishReason,
    /// Model id reported by the provider (the requested one when it reports none).
    pub model: String,
    /// Streamed calls: time from the start of the successful attempt to its
    /// first text or tool-call content. `None` when not streamed.
    pub time_to_first_token: Option<Duration>,
    /// Wall time of the whole call, retries and limiter waits included.
    pub duration: Duration,
    /// Number of attempts made (1 = no retry).
    pub attempts: u32,
}
