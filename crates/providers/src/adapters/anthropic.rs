//! Anthropic Messages API (`POST {base}/v1/messages`).

use http::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use url::Url;

use super::{
    Completion, StreamDecoder, ToolCallAssembler, WireAdapter, WireRequest, answered_call_id,
    arguments_as_object, decode, event_json, join_path, joined_system_prompt, secret_header,
    stream_error,
};
use crate::delta::Emitter;
use crate::error::ProviderError;
use crate::sse::SseEvent;
use crate::types::{ChatRequest, FinishReason, Message, Role, ToolCall, Usage};

/// The Anthropic adapter.
pub(crate) struct Anthropic;

/// `max_tokens` is mandatory in the Messages API; used when the request sets none.
pub(crate) const DEFAULT_MAX_TOKENS: u32 = 4096;

const API_VERSION: &str = "2023-06-01";

impl WireAdapter for Anthropic {
    fn default_base_url(&self) -> &'static str {
        "https://api.anthropic.com"
    }

    fn build(
        &self,
        base: Url,
        api_key: Option<&str>,
        req: &ChatRequest,
        stream: bool,
    ) -> Result<WireRequest, ProviderError> {
        let url = join_path(base, &["v1", "messages"])?;
        let mut headers = HeaderMap::new();
        if let Some(key) = api_key {
            headers.insert("x-api-key", secret_header(key)?);
        }
        headers.insert("anthropic-version", HeaderValue::from_static(API_VERSION));
        let mut body = Map::new();
        body.insert("model".into(), json!(req.model));
        body.insert(
            "max_tokens".into(),
            json!(req.max_output_tokens.unwrap_or(DEFAULT_MAX_TOKENS)),
        );
        if let Some(system) = joined_system_prompt(req) {
            body.insert("system".into(), json!(system));
        }
        body.insert("messages".into(), Value::Array(messages(req)?));
        if !req.tools.is_empty() {
            let tools = req
                .tools
                .iter()
                .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
                .collect();
            body.insert("tools".into(), Value::Array(tools));
        }
        if let Some(t) = req.temperature {
            body.insert("temperature".into(), json!(t));
        }
        if stream {
            body.insert("stream".into(), json!(true));
        }
        Ok(WireRequest {
            url,
            headers,
            body: Value::Object(body),
        })
    }

    fn parse(&self, body: Value, _req: &ChatRequest) -> Result<Completion, ProviderError> {
        let message: WireMessage = decode(body, "message")?;
        let mut text = String::new();
        let mut tool_calls = Vec::new();
        for block in message.content {
            match block {
                Block::Text { text: t } => text.push_str(&t),
                Block::ToolUse { id, name, input } => tool_calls.push(ToolCall {
                    id,
                    name,
                    arguments: input,
                }),
                Block::Other => {}
            }
        }
        Ok(Completion {
            text,
            tool_calls,
            usage: message.usage.map(Usage::from).unwrap_or_default(),
            finish_reason: stop_reason(message.stop_reason.as_deref()),
            model: message.model,
        })
    }

    fn stream_decoder(&self, _req: &ChatRequest) -> Box<dyn StreamDecoder> {
        Box::new(Decoder::default())
    }
}

/// Conversation as Anthropic messages: system turns are top-level, tool
/// results are `tool_result` blocks of a user turn, and consecutive turns of
/// the same role are merged into one message.
fn messages(req: &ChatRequest) -> Result<Vec<Value>, ProviderError> {
    let mut out: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for (index, m) in req.messages.iter().enumerate() {
        let (role, blocks) = match m.role {
            Role::System => continue,
            Role::User => ("user", text_block(m)),
            Role::Tool => (
                "user",
                vec![
                    json!({"type": "tool_result", "tool_use_id": answered_call_id(m, index)?, "content": m.content}),
                ],
            ),
            Role::Assistant => {
                let mut blocks = text_block(m);
                blocks.extend(m.tool_calls.iter().map(|c| {
                    json!({"type": "tool_use", "id": c.id, "name": c.name, "input": arguments_as_object(&c.arguments)})
                }));
                ("assistant", blocks)
            }
        };
        if blocks.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some((last, existing)) if *last == role => existing.extend(blocks),
            _ => out.push((role, blocks)),
        }
    }
    Ok(out
        .into_iter()
        .map(|(role, content)| json!({"role": role, "content": content}))
        .collect())
}

/// The API rejects empty text blocks, so empty text adds none.
fn text_block(m: &Message) -> Vec<Value> {
    if m.content.is_empty() {
        Vec::new()
    } else {
        vec![json!({"type": "text", "text": m.content})]
    }
}

fn stop_reason(raw: Option<&str>) -> FinishReason {
    match raw {
        None | Some("end_turn" | "stop_sequence") => FinishReason::Stop,
        Some("tool_use") => FinishReason::ToolCalls,
        Some("max_tokens" | "model_context_window_exceeded") => FinishReason::Length,
        Some("refusal") => FinishReason::ContentFilter,
        Some(other) => FinishReason::Other(other.to_owned()),
    }
}

#[derive(Deserialize)]
struct WireMessage {
    model: Option<String>,
    #[serde(default)]
    content: Vec<Block>,
    stop_reason: Option<String>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    #[serde(other)]
    Other,
}

/// Anthropic counts cache reads and cache writes apart from `input_tokens`;
/// the normalised input count includes both.
#[derive(Deserialize, Default, Clone, Copy)]
struct WireUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
}

impl WireUsage {
    /// Fields present in `newer` replace ours (stream usage is cumulative).
    fn merge(&mut self, newer: WireUsage) {
        self.input_tokens = newer.input_tokens.or(self.input_tokens);
        self.output_tokens = newer.output_tokens.or(self.output_tokens);
        self.cache_read_input_tokens = newer
            .cache_read_input_tokens
            .or(self.cache_read_input_tokens);
        self.cache_creation_input_tokens = newer
            .cache_creation_input_tokens
            .or(self.cache_creation_input_tokens);
    }
}

impl From<WireUsage> for Usage {
    fn from(u: WireUsage) -> Self {
        let cached = u.cache_read_input_tokens.unwrap_or_default();
        Usage {
            input_tokens: u.input_tokens.unwrap_or_default()
                + cached
                + u.cache_creation_input_tokens.unwrap_or_default(),
            output_tokens: u.output_tokens.unwrap_or_default(),
            cached_input_tokens: cached,
        }
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StreamEvent {
    MessageStart {
        message: StartMessage,
    },
    ContentBlockStart {
        index: u64,
        content_block: StartBlock,
    },
    ContentBlockDelta {
        index: u64,
        delta: BlockDelta,
    },
    MessageDelta {
        delta: MessageDeltaBody,
        usage: Option<WireUsage>,
    },
    MessageStop,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct StartMessage {
    model: Option<String>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StartBlock {
    Text {
        #[serde(default)]
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockDelta {
    TextDelta {
        text: String,
    },
    InputJsonDelta {
        partial_json: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct MessageDeltaBody {
    stop_reason: Option<String>,
}

/// Streaming state; `message_stop` marks a complete stream.
#[derive(Default)]
struct Decoder {
    text: String,
    calls: ToolCallAssembler,
    stop_reason: Option<String>,
    usage: WireUsage,
    model: Option<String>,
    done: bool,
}

impl Decoder {
    fn text(&mut self, piece: &str, emit: &mut Emitter<'_>) {
        emit.text(piece);
        self.text.push_str(piece);
    }
}

impl StreamDecoder for Decoder {
    fn on_event(&mut self, event: SseEvent, emit: &mut Emitter<'_>) -> Result<bool, ProviderError> {
        let payload = event_json(&event)?;
        if event.event.as_deref() == Some("error")
            || payload.get("type").and_then(Value::as_str) == Some("error")
        {
            return Err(stream_error(&payload));
        }
        match decode::<StreamEvent>(payload, "stream event")? {
            StreamEvent::MessageStart { message } => {
                self.model = message.model;
                if let Some(usage) = message.usage {
                    self.usage.merge(usage);
                }
            }
            StreamEvent::ContentBlockStart {
                index,
                content_block,
            } => match content_block {
                StartBlock::Text { text } => self.text(&text, emit),
                StartBlock::ToolUse { id, name } => {
                    emit.content();
                    self.calls.fragment(index, Some(&id), Some(&name), None);
                }
                StartBlock::Other => {}
            },
            StreamEvent::ContentBlockDelta { index, delta } => match delta {
                BlockDelta::TextDelta { text } => self.text(&text, emit),
                BlockDelta::InputJsonDelta { partial_json } => {
                    self.calls.fragment(index, None, None, Some(&partial_json));
                }
                BlockDelta::Other => {}
            },
            StreamEvent::MessageDelta { delta, usage } => {
                self.stop_reason = delta.stop_reason.or(self.stop_reason.take());
                if let Some(usage) = usage {
                    self.usage.merge(usage);
                }
            }
            StreamEvent::MessageStop => {
                self.done = true;
                return Ok(true);
            }
            StreamEvent::Other => {}
        }
        Ok(false)
    }

    fn finish(self: Box<Self>) -> Result<Completion, ProviderError> {
        if !self.done {
            return Err(ProviderError::unavailable(
                "stream ended before message_stop (truncated)",
            ));
        }
        Ok(Completion {
            text: self.text,
            // Every tool_use block carries its id in content_block_start.
            tool_calls: self.calls.finish(|i| format!("toolu_missing_{i}")),
            usage: self.usage.into(),
            finish_reason: stop_reason(self.stop_reason.as_deref()),
            model: self.model,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_tool_results_and_user_text_merge_into_one_user_turn() {
        let req = ChatRequest {
            model: "claude".into(),
            messages: vec![
                Message::system("sys"),
                Message::user("go"),
                Message::assistant(
                    "",
                    vec![
                        ToolCall {
                            id: "t1".into(),
                            name: "a".into(),
                            arguments: json!({}),
                        },
                        ToolCall {
                            id: "t2".into(),
                            name: "b".into(),
                            arguments: Value::String("{bad".into()),
                        },
                    ],
                ),
                Message::tool("t1", "1"),
                Message::tool("t2", "2"),
                Message::user("and?"),
            ],
            tools: vec![],
            max_output_tokens: None,
            temperature: None,
        };
        let msgs = messages(&req).expect("convert");
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[1]["content"][1]["input"], json!({"_raw": "{bad"}));
        let roles: Vec<_> = msgs[2]["content"]
            .as_array()
            .expect("blocks")
            .iter()
            .map(|b| b["type"].as_str().expect("type"))
            .collect();
        assert_eq!(msgs[2]["role"], "user");
        assert_eq!(roles, ["tool_result", "tool_result", "text"]);
    }

    #[test]
    fn cache_reads_and_writes_count_as_input() {
        let usage = Usage::from(WireUsage {
            input_tokens: Some(10),
            output_tokens: Some(5),
            cache_read_input_tokens: Some(100),
            cache_creation_input_tokens: Some(20),
        });
        assert_eq!(
            usage,
            Usage {
                input_tokens: 130,
                output_tokens: 5,
                cached_input_tokens: 100
            }
        );
    }
}
