//! Wire adapters: each translates the normalised request into one provider's
//! HTTP request and that provider's answers (whole or streamed) back.

pub(crate) mod anthropic;
pub(crate) mod gemini;
pub(crate) mod openai;
pub(crate) mod scripted;
mod tool_calls;

use http::HeaderMap;
use serde_json::Value;
use url::Url;

use crate::config::ProviderKind;
use crate::delta::Emitter;
use crate::error::{ErrorClass, ProviderError, class_for_status, mentions_context_length};
use crate::sse::SseEvent;
use crate::types::{ChatRequest, FinishReason, Message, Role, ToolCall, Usage};

pub(crate) use tool_calls::{
    ToolCallAssembler, arguments_as_object, arguments_as_text, parse_arguments,
};

/// An adapter's answer before the router adds timing and attempt counts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Completion {
    pub(crate) text: String,
    pub(crate) tool_calls: Vec<ToolCall>,
    pub(crate) usage: Usage,
    pub(crate) finish_reason: FinishReason,
    /// Model id the provider reported, if any.
    pub(crate) model: Option<String>,
}

/// A ready-to-send HTTP request.
#[derive(Debug)]
pub(crate) struct WireRequest {
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

/// One provider's HTTP wire protocol.
pub(crate) trait WireAdapter: Send + Sync {
    /// Base URL used when the account has none.
    fn default_base_url(&self) -> &'static str;

    /// The HTTP request for `req` against `base` (already SSRF-checked).
    fn build(
        &self,
        base: Url,
        api_key: Option<&str>,
        req: &ChatRequest,
        stream: bool,
    ) -> Result<WireRequest, ProviderError>;

    /// Decodes a non-streamed answer.
    fn parse(&self, body: Value, req: &ChatRequest) -> Result<Completion, ProviderError>;

    /// A decoder for one streamed answer.
    fn stream_decoder(&self, req: &ChatRequest) -> Box<dyn StreamDecoder>;
}

/// Folds a provider's server-sent events into a [`Completion`].
pub(crate) trait StreamDecoder: Send {
    /// Handles one event, forwarding text deltas; `Ok(true)` once the
    /// provider's end-of-stream marker arrived (nothing more to read).
    fn on_event(&mut self, event: SseEvent, emit: &mut Emitter<'_>) -> Result<bool, ProviderError>;

    /// The completed answer; fails when the stream ended before the
    /// provider's final event (a truncated stream).
    fn finish(self: Box<Self>) -> Result<Completion, ProviderError>;
}

/// The wire adapter of a network provider (`None` for `scripted`).
pub(crate) fn wire_adapter(kind: ProviderKind) -> Option<&'static dyn WireAdapter> {
    match kind {
        ProviderKind::OpenAi => Some(&openai::OpenAi),
        ProviderKind::Anthropic => Some(&anthropic::Anthropic),
        ProviderKind::Gemini => Some(&gemini::Gemini),
        ProviderKind::Scripted => None,
    }
}

/// Appends path segments to a base URL (a trailing slash on the base is ignored).
pub(crate) fn join_path(mut base: Url, segments: &[&str]) -> Result<Url, ProviderError> {
    base.path_segments_mut()
        .map_err(|()| ProviderError::invalid_request("base URL cannot have a path"))?
        .pop_if_empty()
        .extend(segments);
    Ok(base)
}

/// A header value holding a secret: marked sensitive so it is never
/// printed by HTTP-library debug output. The error never quotes the key.
pub(crate) fn secret_header(value: &str) -> Result<http::HeaderValue, ProviderError> {
    let mut header = http::HeaderValue::from_str(value).map_err(|_| {
        ProviderError::invalid_request(
            "API key contains characters that are not allowed in an HTTP header",
        )
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// Parses a JSON event payload, mapping failure to a malformed-response error.
pub(crate) fn event_json(event: &SseEvent) -> Result<Value, ProviderError> {
    serde_json::from_str(&event.data)
        .map_err(|e| ProviderError::malformed(format!("event data is not JSON: {e}")))
}

/// Deserialises a provider payload into its typed shape.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    value: Value,
    what: &str,
) -> Result<T, ProviderError> {
    serde_json::from_value(value).map_err(|e| ProviderError::malformed(format!("{what}: {e}")))
}

/// Number of assistant turns already in the conversation: the step index
/// used for deterministic tool-call ids.
pub(crate) fn assistant_turns(req: &ChatRequest) -> usize {
    req.messages
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .count()
}

/// Deterministic id for the `index`-th tool call of assistant turn `step`
/// (providers without ids, and `scripted`).
pub(crate) fn synthetic_call_id(step: usize, index: usize) -> String {
    format!("call_{step}_{index}")
}

/// The id a `Tool` message answers; an error naming the message index
/// when it is missing.
pub(crate) fn answered_call_id(message: &Message, index: usize) -> Result<&str, ProviderError> {
    message.tool_call_id.as_deref().ok_or_else(|| {
        ProviderError::invalid_request(format!(
            "messages[{index}]: a tool message needs tool_call_id"
        ))
    })
}

/// Characters to tokens at 4 characters per token, rounded up: the
/// deterministic estimate used for `scripted` usage and TPM reservations.
pub(crate) fn estimate_tokens(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

/// Characters of the messages' text and tool calls.
pub(crate) fn conversation_chars(messages: &[Message]) -> usize {
    messages
        .iter()
        .map(|m| m.content.chars().count() + tool_calls_chars(&m.tool_calls))
        .sum()
}

/// Characters of tool-call names and argument text.
pub(crate) fn tool_calls_chars(calls: &[ToolCall]) -> usize {
    calls
        .iter()
        .map(|c| c.name.chars().count() + arguments_as_text(&c.arguments).chars().count())
        .sum()
}

/// System messages joined into one instruction (providers that take the
/// system prompt outside the message list); `None` when there are none.
pub(crate) fn joined_system_prompt(req: &ChatRequest) -> Option<String> {
    let parts: Vec<&str> = req
        .messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(|m| m.content.as_str())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// Human-readable message from a provider error body. All three providers
/// use `{"error": {"message": …, "type"|"code"|"status": …}}`; anything
/// else is quoted (truncated).
pub(crate) fn error_body_message(body: &[u8]) -> String {
    const MAX: usize = 1000;
    if let Ok(value) = serde_json::from_slice::<Value>(body)
        && let Some(msg) = error_object_message(&value)
    {
        return msg;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "no error details in the response body".into();
    }
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn error_object_message(value: &Value) -> Option<String> {
    let error = value.get("error")?;
    if let Some(text) = error.as_str() {
        return Some(text.to_owned());
    }
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("(no message)");
    let kind = ["type", "code", "status"]
        .iter()
        .filter_map(|k| error.get(*k))
        .filter_map(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        })
        .collect::<Vec<_>>();
    Some(if kind.is_empty() {
        message.to_owned()
    } else {
        format!("{}: {message}", kind.join("/"))
    })
}

/// Error reported inside a stream (`{"error": {...}}` payloads, Anthropic's
/// `error` event): classified by its numeric code or type name.
pub(crate) fn stream_error(payload: &Value) -> ProviderError {
    let message = error_object_message(payload).unwrap_or_else(|| payload.to_string());
    let error = payload.get("error").unwrap_or(payload);
    let code = error
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok());
    let kind = ["type", "status", "code"]
        .iter()
        .find_map(|k| error.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let class = match code {
        Some(code) => class_for_status(code, &message),
        None if kind.contains("rate_limit") || kind.contains("resource_exhausted") => {
            ErrorClass::RateLimit
        }
        None if kind.contains("authentication")
            || kind.contains("permission")
            || kind.contains("unauthenticated") =>
        {
            ErrorClass::Auth
        }
        None if mentions_context_length(&message) => ErrorClass::ContextLength,
        None if kind.contains("invalid") || kind.contains("not_found") => {
            ErrorClass::InvalidRequest
        }
        None => ErrorClass::Unavailable,
    };
    ProviderError::new(class, format!("error in stream: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_bodies_of_each_provider_become_readable_messages() {
        let openai = json!({"error": {"message": "Incorrect API key", "type": "invalid_request_error", "code": "invalid_api_key"}});
        assert_eq!(
            error_body_message(openai.to_string().as_bytes()),
            "invalid_request_error/invalid_api_key: Incorrect API key"
        );
        let gemini =
            json!({"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}});
        assert_eq!(
            error_body_message(gemini.to_string().as_bytes()),
            "400/INVALID_ARGUMENT: bad"
        );
        assert_eq!(
            error_body_message(b"<html>gateway</html>"),
            "<html>gateway</html>"
        );
        assert_eq!(error_body_message(&[b'x'; 2000]).chars().count(), 1001);
    }

    #[test]
    fn stream_errors_are_classified_by_code_or_type() {
        let class = |v: Value| stream_error(&v).class;
        assert_eq!(
            class(
                json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
            ),
            ErrorClass::Unavailable
        );
        assert_eq!(
            class(json!({"error": {"type": "rate_limit_error", "message": "slow"}})),
            ErrorClass::RateLimit
        );
        assert_eq!(
            class(
                json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota"}})
            ),
            ErrorClass::RateLimit
        );
        assert_eq!(
            class(
                json!({"error": {"type": "invalid_request_error", "message": "prompt is too long"}})
            ),
            ErrorClass::ContextLength
        );
        assert_eq!(
            class(json!({"error": {"type": "invalid_request_error", "message": "bad"}})),
            ErrorClass::InvalidRequest
        );
    }

    #[test]
    fn paths_are_appended_to_the_base_path() {
        let url = join_path(
            Url::parse("https://proxy.example/v1/").expect("url"),
            &["chat", "completions"],
        )
        .expect("join");
        assert_eq!(url.as_str(), "https://proxy.example/v1/chat/completions");
        let url = join_path(
            Url::parse("https://g.example").expect("url"),
            &["v1beta", "models", "m:generateContent"],
        )
        .expect("join");
        assert_eq!(
            url.as_str(),
            "https://g.example/v1beta/models/m:generateContent"
        );
    }
}
