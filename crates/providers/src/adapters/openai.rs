//! OpenAI Chat Completions (`POST {base}/chat/completions`), also spoken by
//! OpenRouter, xAI, Mistral, Groq, DeepSeek, Together, Ollama, vLLM and
//! llama.cpp through the account's base URL.

use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use url::Url;

use super::{
    Completion, StreamDecoder, ToolCallAssembler, WireAdapter, WireRequest, answered_call_id,
    arguments_as_text, assistant_turns, decode, event_json, join_path, parse_arguments,
    secret_header, stream_error, synthetic_call_id,
};
use crate::delta::Emitter;
use crate::error::ProviderError;
use crate::sse::SseEvent;
use crate::types::{ChatRequest, FinishReason, Message, Role, ToolCall, Usage};

/// The OpenAI-compatible adapter.
pub(crate) struct OpenAi;

/// Host whose newer models reject `max_tokens` in favour of `max_completion_tokens`.
const OPENAI_HOST: &str = "api.openai.com";

impl WireAdapter for OpenAi {
    fn default_base_url(&self) -> &'static str {
        "https://api.openai.com/v1"
    }

    fn build(
        &self,
        base: Url,
        api_key: Option<&str>,
        req: &ChatRequest,
        stream: bool,
    ) -> Result<WireRequest, ProviderError> {
        let official = base.host_str() == Some(OPENAI_HOST);
        let url = join_path(base, &["chat", "completions"])?;
        let mut headers = HeaderMap::new();
        if let Some(key) = api_key {
            headers.insert(
                http::header::AUTHORIZATION,
                secret_header(&format!("Bearer {key}"))?,
            );
        }
        let messages = req
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| message(m, i))
            .collect::<Result<Vec<_>, _>>()?;
        let mut body = Map::new();
        body.insert("model".into(), json!(req.model));
        body.insert("messages".into(), Value::Array(messages));
        if !req.tools.is_empty() {
            let tools = req
                .tools
                .iter()
                .map(|t| {
                    json!({"type": "function", "function": {
                        "name": t.name, "description": t.description, "parameters": t.parameters,
                    }})
                })
                .collect();
            body.insert("tools".into(), Value::Array(tools));
        }
        if let Some(max) = req.max_output_tokens {
            let field = if official {
                "max_completion_tokens"
            } else {
                "max_tokens"
            };
            body.insert(field.into(), json!(max));
        }
        if let Some(t) = req.temperature {
            body.insert("temperature".into(), json!(t));
        }
        if stream {
            body.insert("stream".into(), json!(true));
            body.insert("stream_options".into(), json!({"include_usage": true}));
        }
        Ok(WireRequest {
            url,
            headers,
            body: Value::Object(body),
        })
    }

    fn parse(&self, body: Value, req: &ChatRequest) -> Result<Completion, ProviderError> {
        let completion: ChatCompletion = decode(body, "chat completion")?;
        let choice = completion
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| ProviderError::malformed("chat completion without choices"))?;
        let step = assistant_turns(req);
        let tool_calls = choice
            .message
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, call)| ToolCall {
                id: call
                    .id
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(|| synthetic_call_id(step, i)),
                name: call.function.name,
                arguments: parse_arguments(call.function.arguments.as_deref().unwrap_or_default()),
            })
            .collect::<Vec<_>>();
        let text = choice
            .message
            .content
            .or(choice.message.refusal)
            .unwrap_or_default();
        Ok(Completion {
            finish_reason: finish_reason(choice.finish_reason.as_deref(), !tool_calls.is_empty()),
            text,
            tool_calls,
            usage: completion.usage.map(Usage::from).unwrap_or_default(),
            model: completion.model,
        })
    }

    fn stream_decoder(&self, req: &ChatRequest) -> Box<dyn StreamDecoder> {
        Box::new(Decoder {
            step: assistant_turns(req),
            ..Decoder::default()
        })
    }
}

fn message(m: &Message, index: usize) -> Result<Value, ProviderError> {
    Ok(match m.role {
        Role::System => json!({"role": "system", "content": m.content}),
        Role::User => json!({"role": "user", "content": m.content}),
        Role::Tool => json!({
            "role": "tool", "tool_call_id": answered_call_id(m, index)?, "content": m.content,
        }),
        Role::Assistant if m.tool_calls.is_empty() => {
            json!({"role": "assistant", "content": m.content})
        }
        Role::Assistant => {
            let calls: Vec<Value> = m
                .tool_calls
                .iter()
                .map(|c| {
                    json!({"id": c.id, "type": "function", "function": {
                        "name": c.name, "arguments": arguments_as_text(&c.arguments),
                    }})
                })
                .collect();
            let content = if m.content.is_empty() {
                Value::Null
            } else {
                json!(m.content)
            };
            json!({"role": "assistant", "content": content, "tool_calls": calls})
        }
    })
}

fn finish_reason(raw: Option<&str>, has_tool_calls: bool) -> FinishReason {
    match raw {
        Some("tool_calls" | "function_call") => FinishReason::ToolCalls,
        Some(other) => FinishReason::from(other),
        None if has_tool_calls => FinishReason::ToolCalls,
        None => FinishReason::Stop,
    }
}

#[derive(Deserialize)]
struct ChatCompletion {
    model: Option<String>,
    choices: Vec<Choice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ResponseMessage,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ResponseMessage {
    content: Option<String>,
    refusal: Option<String>,
    tool_calls: Option<Vec<ResponseToolCall>>,
}

#[derive(Deserialize)]
struct ResponseToolCall {
    id: Option<String>,
    function: ResponseFunction,
}

#[derive(Deserialize)]
struct ResponseFunction {
    name: String,
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    prompt_tokens_details: Option<PromptDetails>,
}

#[derive(Deserialize)]
struct PromptDetails {
    cached_tokens: Option<u64>,
}

impl From<WireUsage> for Usage {
    fn from(u: WireUsage) -> Self {
        Usage {
            input_tokens: u.prompt_tokens.unwrap_or_default(),
            output_tokens: u.completion_tokens.unwrap_or_default(),
            cached_input_tokens: u
                .prompt_tokens_details
                .and_then(|d| d.cached_tokens)
                .unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
struct Chunk {
    model: Option<String>,
    choices: Option<Vec<ChunkChoice>>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    index: Option<u64>,
    delta: Option<ChunkDelta>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChunkDelta {
    content: Option<String>,
    refusal: Option<String>,
    tool_calls: Option<Vec<ChunkToolCall>>,
}

#[derive(Deserialize)]
struct ChunkToolCall {
    index: Option<u64>,
    id: Option<String>,
    function: Option<ChunkFunction>,
}

#[derive(Deserialize)]
struct ChunkFunction {
    name: Option<String>,
    arguments: Option<String>,
}

/// Streaming state: text, tool-call fragments by index, the last finish
/// reason and usage (sent in a final chunk thanks to `include_usage`).
#[derive(Default)]
struct Decoder {
    step: usize,
    text: String,
    calls: ToolCallAssembler,
    finish: Option<String>,
    usage: Usage,
    model: Option<String>,
    done: bool,
}

impl StreamDecoder for Decoder {
    fn on_event(&mut self, event: SseEvent, emit: &mut Emitter<'_>) -> Result<bool, ProviderError> {
        if event.data.trim() == "[DONE]" {
            self.done = true;
            return Ok(true);
        }
        let payload = event_json(&event)?;
        if payload.get("error").is_some() {
            return Err(stream_error(&payload));
        }
        let chunk: Chunk = decode(payload, "chat completion chunk")?;
        if chunk.model.is_some() {
            self.model = chunk.model;
        }
        if let Some(usage) = chunk.usage {
            self.usage = usage.into();
        }
        for choice in chunk.choices.unwrap_or_default() {
            if choice.index.unwrap_or(0) != 0 {
                continue;
            }
            if let Some(delta) = choice.delta {
                for piece in [delta.content, delta.refusal].into_iter().flatten() {
                    emit.text(&piece);
                    self.text.push_str(&piece);
                }
                for (position, call) in delta.tool_calls.unwrap_or_default().into_iter().enumerate()
                {
                    emit.content();
                    let function = call.function.unwrap_or(ChunkFunction {
                        name: None,
                        arguments: None,
                    });
                    self.calls.fragment(
                        call.index.unwrap_or(position as u64),
                        call.id.as_deref(),
                        function.name.as_deref(),
                        function.arguments.as_deref(),
                    );
                }
            }
            if choice.finish_reason.is_some() {
                self.finish = choice.finish_reason;
            }
        }
        Ok(false)
    }

    fn finish(self: Box<Self>) -> Result<Completion, ProviderError> {
        if !self.done {
            return Err(ProviderError::unavailable(
                "stream ended before [DONE] (truncated)",
            ));
        }
        let step = self.step;
        let tool_calls = self.calls.finish(|i| synthetic_call_id(step, i));
        Ok(Completion {
            finish_reason: finish_reason(self.finish.as_deref(), !tool_calls.is_empty()),
            text: self.text,
            tool_calls,
            usage: self.usage,
            model: self.model,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ToolSpec;

    fn request() -> ChatRequest {
        ChatRequest {
            model: "gpt-4.1".into(),
            messages: vec![
                Message::system("be brief"),
                Message::user("weather?"),
                Message::assistant(
                    "",
                    vec![ToolCall {
                        id: "c1".into(),
                        name: "weather".into(),
                        arguments: json!({"city": "Oslo"}),
                    }],
                ),
                Message::tool("c1", "{\"temp\":3}"),
            ],
            tools: vec![ToolSpec {
                name: "weather".into(),
                description: "d".into(),
                parameters: json!({"type": "object"}),
            }],
            max_output_tokens: Some(100),
            temperature: None,
        }
    }

    #[test]
    fn official_host_gets_max_completion_tokens_compatible_servers_max_tokens() {
        let official = OpenAi
            .build(
                Url::parse("https://api.openai.com/v1").expect("url"),
                None,
                &request(),
                false,
            )
            .expect("build");
        assert_eq!(official.body["max_completion_tokens"], 100);
        assert!(official.body.get("max_tokens").is_none());
        let compatible = OpenAi
            .build(
                Url::parse("http://127.0.0.1:11434/v1").expect("url"),
                None,
                &request(),
                false,
            )
            .expect("build");
        assert_eq!(compatible.body["max_tokens"], 100);
        assert!(
            compatible.headers.get("authorization").is_none(),
            "no key, no header"
        );
    }

    #[test]
    fn tool_message_without_id_is_rejected_with_its_index() {
        let mut req = request();
        req.messages[3].tool_call_id = None;
        let err = OpenAi
            .build(
                Url::parse("https://api.openai.com/v1").expect("url"),
                None,
                &req,
                false,
            )
            .expect_err("missing id");
        assert!(err.message.contains("messages[3]"), "{err}");
    }
}
