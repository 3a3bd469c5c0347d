//! Tool-call arguments and streamed tool calls, shared by the adapters.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::types::ToolCall;

/// Arguments text from the model: parsed JSON, `{}` when empty, or the raw
/// text as `Value::String` when it does not parse (the agent reports it).
pub(crate) fn parse_arguments(raw: &str) -> Value {
    if raw.trim().is_empty() {
        return Value::Object(Map::new());
    }
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// Arguments for providers that require a JSON object when the
/// conversation is sent back: objects as they are, anything else (e.g. the
/// raw text of unparsable arguments) wrapped as `{"_raw": value}`.
pub(crate) fn arguments_as_object(arguments: &Value) -> Value {
    match arguments {
        Value::Object(_) => arguments.clone(),
        other => {
            let mut map = Map::new();
            map.insert("_raw".into(), other.clone());
            Value::Object(map)
        }
    }
}

/// Arguments as the JSON text OpenAI expects: raw text is sent back as it
/// was received.
pub(crate) fn arguments_as_text(arguments: &Value) -> String {
    match arguments {
        Value::String(raw) => raw.clone(),
        other => other.to_string(),
    }
}

#[derive(Debug, Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

/// Builds tool calls from streamed fragments keyed by the provider's index:
/// id and name usually come first, argument text in arbitrary pieces.
#[derive(Debug, Default)]
pub(crate) struct ToolCallAssembler {
    calls: BTreeMap<u64, PartialCall>,
}

impl ToolCallAssembler {
    /// Adds a fragment of call `index`; empty pieces change nothing.
    pub(crate) fn fragment(
        &mut self,
        index: u64,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Option<&str>,
    ) {
        let call = self.calls.entry(index).or_default();
        if let Some(id) = id.filter(|s| !s.is_empty()) {
            call.id = id.to_owned();
        }
        if let Some(name) = name.filter(|s| !s.is_empty()) {
            call.name.push_str(name);
        }
        if let Some(args) = arguments {
            call.arguments.push_str(args);
        }
    }

    /// The calls in index order; a call without id gets `fallback_id(position)`.
    pub(crate) fn finish(self, fallback_id: impl Fn(usize) -> String) -> Vec<ToolCall> {
        self.calls
            .into_values()
            .enumerate()
            .map(|(i, call)| ToolCall {
                id: if call.id.is_empty() {
                    fallback_id(i)
                } else {
                    call.id
                },
                name: call.name,
                arguments: parse_arguments(&call.arguments),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fragments_are_assembled_per_index_in_order() {
        let mut asm = ToolCallAssembler::default();
        asm.fragment(1, Some("b"), Some("second"), Some(""));
        asm.fragment(0, Some("a"), Some("first"), Some("{\"q\":"));
        asm.fragment(1, None, None, Some("{}"));
        asm.fragment(0, None, None, Some("\"x\"}"));
        let calls = asm.finish(|i| format!("fallback{i}"));
        assert_eq!(calls.len(), 2);
        assert_eq!(
            (calls[0].id.as_str(), calls[0].name.as_str()),
            ("a", "first")
        );
        assert_eq!(calls[0].arguments, json!({"q": "x"}));
        assert_eq!(calls[1].arguments, json!({}));
    }

    #[test]
    fn unparsable_arguments_are_kept_as_raw_text() {
        assert_eq!(
            parse_arguments("{\"a\": 1"),
            Value::String("{\"a\": 1".into())
        );
        assert_eq!(parse_arguments("  "), json!({}));
        assert_eq!(
            arguments_as_object(&Value::String("oops".into())),
            json!({"_raw": "oops"})
        );
        assert_eq!(arguments_as_text(&Value::String("oops".into())), "oops");
        assert_eq!(arguments_as_text(&json!({"a": 1})), "{\"a\":1}");
    }
}
