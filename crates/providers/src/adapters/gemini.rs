//! Google Gemini API (`POST {base}/v1beta/models/{model}:generateContent`,
//! `:streamGenerateContent?alt=sse`). The key goes in `x-goog-api-key`,
//! never in the URL, so it cannot end up in access logs.

use std::collections::HashMap;

use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use url::Url;

use super::{
    Completion, StreamDecoder, WireAdapter, WireRequest, answered_call_id, arguments_as_object,
    assistant_turns, decode, event_json, join_path, joined_system_prompt, secret_header,
    stream_error, synthetic_call_id,
};
use crate::delta::Emitter;
use crate::error::ProviderError;
use crate::sse::SseEvent;
use crate::types::{ChatRequest, FinishReason, Role, ToolCall, Usage};

/// The Gemini adapter.
pub(crate) struct Gemini;

impl WireAdapter for Gemini {
    fn default_base_url(&self) -> &'static str {
        "https://generativelanguage.googleapis.com"
    }

    fn build(
        &self,
        base: Url,
        api_key: Option<&str>,
        req: &ChatRequest,
        stream: bool,
    ) -> Result<WireRequest, ProviderError> {
        let model = req.model.strip_prefix("models/").unwrap_or(&req.model);
        let method = if stream {
            "streamGenerateContent"
        } else {
            "generateContent"
        };
        let mut url = join_path(base, &["v1beta", "models", &format!("{model}:{method}")])?;
        if stream {
            url.query_pairs_mut().append_pair("alt", "sse");
        }
        let mut headers = HeaderMap::new();
        if let Some(key) = api_key {
            headers.insert("x-goog-api-key", secret_header(key)?);
        }
        let mut body = Map::new();
        body.insert("contents".into(), Value::Array(contents(req)?));
        if let Some(system) = joined_system_prompt(req) {
            body.insert(
                "systemInstruction".into(),
                json!({"parts": [{"text": system}]}),
            );
        }
        if !req.tools.is_empty() {
            let declarations: Vec<Value> = req
                .tools
                .iter()
                .map(|t| json!({"name": t.name, "description": t.description, "parameters": t.parameters}))
                .collect();
            body.insert(
                "tools".into(),
                json!([{"functionDeclarations": declarations}]),
            );
        }
        let mut generation = Map::new();
        if let Some(max) = req.max_output_tokens {
            generation.insert("maxOutputTokens".into(), json!(max));
        }
        if let Some(t) = req.temperature {
            generation.insert("temperature".into(), json!(t));
        }
        if !generation.is_empty() {
            body.insert("generationConfig".into(), Value::Object(generation));
        }
        Ok(WireRequest {
            url,
            headers,
            body: Value::Object(body),
        })
    }

    fn parse(&self, body: Value, req: &ChatRequest) -> Result<Completion, ProviderError> {
        let mut acc = Accumulator::new(req);
        acc.absorb(decode(body, "generateContent response")?, None);
        acc.completion()
    }

    fn stream_decoder(&self, req: &ChatRequest) -> Box<dyn StreamDecoder> {
        Box::new(Accumulator::new(req))
    }
}

/// Conversation as Gemini contents: roles `user`/`model`, tool results as
/// `functionResponse` parts of a user turn (named after the call they
/// answer, since Gemini matches them by name), same-role turns merged.
fn contents(req: &ChatRequest) -> Result<Vec<Value>, ProviderError> {
    let names: HashMap<&str, &str> = req
        .messages
        .iter()
        .flat_map(|m| &m.tool_calls)
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    let mut out: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for (index, m) in req.messages.iter().enumerate() {
        let text = (!m.content.is_empty()).then(|| json!({"text": m.content}));
        let (role, parts): (&'static str, Vec<Value>) = match m.role {
            Role::System => continue,
            Role::User => ("user", text.into_iter().collect()),
            Role::Assistant => {
                let calls = m
                    .tool_calls
                    .iter()
                    .map(|c| json!({"functionCall": {"name": c.name, "args": arguments_as_object(&c.arguments)}}));
                ("model", text.into_iter().chain(calls).collect())
            }
            Role::Tool => {
                let id = answered_call_id(m, index)?;
                let name = names.get(id).ok_or_else(|| {
                    ProviderError::invalid_request(format!(
                        "messages[{index}]: tool_call_id {id:?} does not match any earlier tool call"
                    ))
                })?;
                let response = match serde_json::from_str::<Value>(&m.content) {
                    Ok(Value::Object(obj)) => Value::Object(obj),
                    Ok(other) => json!({"result": other}),
                    Err(_) => json!({"result": m.content}),
                };
                (
                    "user",
                    vec![json!({"functionResponse": {"name": name, "response": response}})],
                )
            }
        };
        if parts.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some((last, existing)) if *last == role => existing.extend(parts),
            _ => out.push((role, parts)),
        }
    }
    Ok(out
        .into_iter()
        .map(|(role, parts)| json!({"role": role, "parts": parts}))
        .collect())
}

fn finish_reason(raw: &str, has_tool_calls: bool) -> FinishReason {
    match raw {
        "STOP" if has_tool_calls => FinishReason::ToolCalls,
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            FinishReason::ContentFilter
        }
        other => FinishReason::Other(other.to_owned()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireResponse {
    candidates: Option<Vec<Candidate>>,
    usage_metadata: Option<UsageMetadata>,
    model_version: Option<String>,
    prompt_feedback: Option<PromptFeedback>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<Content>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    parts: Option<Vec<Part>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part {
    text: Option<String>,
    #[serde(default)]
    thought: bool,
    function_call: Option<FunctionCall>,
}

#[derive(Deserialize)]
struct FunctionCall {
    id: Option<String>,
    name: String,
    args: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageMetadata {
    prompt_token_count: Option<u64>,
    candidates_token_count: Option<u64>,
    thoughts_token_count: Option<u64>,
    cached_content_token_count: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

/// Folds one or more responses (a streamed answer is a series of partial
/// responses; the one with `finishReason` ends it).
struct Accumulator {
    step: usize,
    text: String,
    calls: Vec<ToolCall>,
    finish: Option<String>,
    blocked: bool,
    usage: Usage,
    model: Option<String>,
}

impl Accumulator {
    fn new(req: &ChatRequest) -> Self {
        Self {
            step: assistant_turns(req),
            text: String::new(),
            calls: Vec::new(),
            finish: None,
            blocked: false,
            usage: Usage::default(),
            model: None,
        }
    }

    fn absorb(&mut self, resp: WireResponse, mut emit: Option<&mut Emitter<'_>>) {
        self.model = resp.model_version.or(self.model.take());
        if let Some(u) = resp.usage_metadata {
            self.usage = Usage {
                input_tokens: u.prompt_token_count.unwrap_or_default(),
                output_tokens: u.candidates_token_count.unwrap_or_default()
                    + u.thoughts_token_count.unwrap_or_default(),
                cached_input_tokens: u.cached_content_token_count.unwrap_or_default(),
            };
        }
        if resp.prompt_feedback.and_then(|f| f.block_reason).is_some() {
            self.blocked = true;
        }
        let Some(candidate) = resp.candidates.and_then(|c| c.into_iter().next()) else {
            return;
        };
        for part in candidate.content.and_then(|c| c.parts).unwrap_or_default() {
            if let Some(text) = part.text.filter(|_| !part.thought) {
                if let Some(emit) = emit.as_deref_mut() {
                    emit.text(&text);
                }
                self.text.push_str(&text);
            }
            if let Some(call) = part.function_call {
                if let Some(emit) = emit.as_deref_mut() {
                    emit.content();
                }
                let index = self.calls.len();
                self.calls.push(ToolCall {
                    id: call
                        .id
                        .filter(|id| !id.is_empty())
                        .unwrap_or_else(|| synthetic_call_id(self.step, index)),
                    name: call.name,
                    arguments: call.args.unwrap_or_else(|| Value::Object(Map::new())),
                });
            }
        }
        if candidate.finish_reason.is_some() {
            self.finish = candidate.finish_reason;
        }
    }

    fn completion(self) -> Result<Completion, ProviderError> {
        let finish_reason = match (&self.finish, self.blocked) {
            (Some(raw), _) => finish_reason(raw, !self.calls.is_empty()),
            (None, true) => FinishReason::ContentFilter,
            (None, false) => {
                return Err(ProviderError::unavailable(
                    "response ended without a finishReason (truncated)",
                ));
            }
        };
        Ok(Completion {
            text: self.text,
            tool_calls: self.calls,
            usage: self.usage,
            finish_reason,
            model: self.model,
        })
    }
}

impl StreamDecoder for Accumulator {
    fn on_event(&mut self, event: SseEvent, emit: &mut Emitter<'_>) -> Result<bool, ProviderError> {
        let payload = event_json(&event)?;
        if payload.get("error").is_some() {
            return Err(stream_error(&payload));
        }
        self.absorb(
            decode(payload, "streamed generateContent response")?,
            Some(emit),
        );
        // Usage may follow the finishReason chunk: read to the end of the stream.
        Ok(false)
    }

    fn finish(self: Box<Self>) -> Result<Completion, ProviderError> {
        self.completion()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Message;

    #[test]
    fn tool_results_are_named_after_their_call_and_wrapped_as_objects() {
        let req = ChatRequest {
            model: "models/gemini-2.5-flash".into(),
            messages: vec![
                Message::user("hi"),
                Message::assistant(
                    "",
                    vec![ToolCall {
                        id: "call_0_0".into(),
                        name: "lookup".into(),
                        arguments: json!({"q": 1}),
                    }],
                ),
                Message::tool("call_0_0", "[1,2]"),
            ],
            tools: vec![],
            max_output_tokens: None,
            temperature: None,
        };
        let built = Gemini
            .build(
                Url::parse("https://g.example").expect("url"),
                Some("k"),
                &req,
                true,
            )
            .expect("build");
        assert_eq!(
            built.url.as_str(),
            "https://g.example/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        );
        assert_eq!(
            built.body["contents"][2]["parts"][0],
            json!({"functionResponse": {"name": "lookup", "response": {"result": [1, 2]}}})
        );
        assert!(built.body.get("generationConfig").is_none());

        let mut orphan = req.clone();
        orphan.messages[2].tool_call_id = Some("nope".into());
        let err = Gemini
            .build(
                Url::parse("https://g.example").expect("url"),
                None,
                &orphan,
                false,
            )
            .expect_err("unknown id");
        assert!(err.message.contains("messages[2]"), "{err}");
    }

    #[test]
    fn finish_reasons_map_to_normalised_ones() {
        assert_eq!(finish_reason("STOP", true), FinishReason::ToolCalls);
        assert_eq!(finish_reason("STOP", false), FinishReason::Stop);
        assert_eq!(finish_reason("MAX_TOKENS", false), FinishReason::Length);
        assert_eq!(finish_reason("SAFETY", false), FinishReason::ContentFilter);
        assert_eq!(
            finish_reason("MALFORMED_FUNCTION_CALL", false),
            FinishReason::Other("MALFORMED_FUNCTION_CALL".into())
        );
    }
}
