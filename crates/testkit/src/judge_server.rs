//! A judge model for tests: an HTTP server on 127.0.0.1 speaking the OpenAI
//! chat-completions wire protocol (JSON and `stream: true` server-sent
//! events, `usage`, bearer auth with the provider's 401 error body). Its
//! answers are deterministic functions of the conversation, so concurrent
//! samples get the same answers in any order: the first rule whose needles
//! all occur in the first user message answers; once the conversation holds
//! a repair request, the rule's repair answer is used instead. The same
//! rules answer on the Anthropic Messages wire (`POST /v1/messages`, base
//! URL [`FakeJudgeServer::anthropic_base_url`]).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// What a rule answers.
#[derive(Debug, Clone)]
pub enum JudgeAnswer {
    /// This exact text.
    Text(String),
    /// An n_wise ranking: candidates (`### candidate <id>` sections of the
    /// prompt) whose evidence contains the needle first, the rest after, each
    /// group in prompt order.
    RankContaining(String),
}

/// One answering rule.
#[derive(Debug, Clone)]
pub struct JudgeRule {
    /// Texts the first user message must all contain.
    pub needles: Vec<String>,
    /// First answer.
    pub answer: JudgeAnswer,
    /// Answer to the repair request (defaults to `answer`).
    pub repair: Option<JudgeAnswer>,
}

impl JudgeRule {
    /// A rule answering `text` to prompts containing `needle`.
    pub fn text(needle: &str, text: &str) -> Self {
        Self {
            needles: vec![needle.to_owned()],
            answer: JudgeAnswer::Text(text.to_owned()),
            repair: None,
        }
    }

    /// The same rule, only for prompts that also contain `needle`.
    pub fn and(mut self, needle: &str) -> Self {
        self.needles.push(needle.to_owned());
        self
    }

    /// The same rule, answering `text` to the repair request.
    pub fn repaired_with(mut self, text: &str) -> Self {
        self.repair = Some(JudgeAnswer::Text(text.to_owned()));
        self
    }

    /// A rule ranking candidates whose evidence contains `best` first.
    pub fn rank(needle: &str, best: &str) -> Self {
        Self {
            needles: vec![needle.to_owned()],
            answer: JudgeAnswer::RankContaining(best.to_owned()),
            repair: None,
        }
    }
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct JudgeRequest {
    /// Requested model.
    pub model: String,
    /// Every message's content, in order.
    pub messages: Vec<String>,
}

struct Shared {
    rules: Vec<JudgeRule>,
    api_key: Option<String>,
    requests: Mutex<Vec<JudgeRequest>>,
}

/// The running server; stops when dropped.
pub struct FakeJudgeServer {
    /// `http://127.0.0.1:<port>/v1`, the base URL to configure.
    pub base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// Marks the repair request the worker sends after an unusable answer.
const REPAIR_MARK: &str = "Your answer could not be used";

impl FakeJudgeServer {
    /// Starts a server answering by `rules`; with `api_key`, requests
    /// without `Authorization: Bearer <api_key>` get the provider's 401.
    pub async fn start(rules: Vec<JudgeRule>, api_key: Option<&str>) -> Self {
        let shared = Arc::new(Shared {
            rules,
            api_key: api_key.map(str::to_owned),
            requests: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(complete))
            .route("/v1/messages", axum::routing::post(messages))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("judge server binds");
        let addr = listener.local_addr().expect("judge server address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{addr}/v1"),
            shared,
            task,
        }
    }

    /// Base URL for an Anthropic-wire account (`…/v1/messages` is appended).
    pub fn anthropic_base_url(&self) -> String {
        self.base_url.trim_end_matches("/v1").to_owned()
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<JudgeRequest> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Drop for FakeJudgeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn ranking(prompt: &str, best: &str) -> String {
    let mut first = Vec::new();
    let mut rest = Vec::new();
    for section in prompt.split("### candidate ").skip(1) {
        let (id, body) = section.split_once('\n').unwrap_or((section, ""));
        let id = id.trim().to_owned();
        if body.contains(best) {
            first.push(id);
        } else {
            rest.push(id);
        }
    }
    first.extend(rest);
    json!({ "ranking": first }).to_string()
}

fn answer(shared: &Shared, messages: &[String]) -> String {
    let prompt = messages.first().map(String::as_str).unwrap_or_default();
    let repairing = messages.iter().skip(1).any(|m| m.contains(REPAIR_MARK));
    let Some(rule) = shared
        .rules
        .iter()
        .find(|r| r.needles.iter().all(|n| prompt.contains(n.as_str())))
    else {
        return "I have no rule for this prompt.".to_owned();
    };
    let chosen = if repairing {
        rule.repair.as_ref().unwrap_or(&rule.answer)
    } else {
        &rule.answer
    };
    match chosen {
        JudgeAnswer::Text(t) => t.clone(),
        JudgeAnswer::RankContaining(best) => ranking(prompt, best),
    }
}

fn tokens(s: &str) -> u64 {
    (s.len() as u64).div_ceil(4)
}

async fn complete(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(key) = &shared.api_key {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if sent != Some(format!("Bearer {key}").as_str()) {
            let error = json!({"error": {"message": "Incorrect API key provided.",
                "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}});
            return (StatusCode::UNAUTHORIZED, Json(error)).into_response();
        }
    }
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    let messages: Vec<String> = body["messages"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let text = answer(&shared, &messages);
    let usage = json!({
        "prompt_tokens": messages.iter().map(|m| tokens(m)).sum::<u64>(),
        "completion_tokens": tokens(&text),
        "total_tokens": messages.iter().map(|m| tokens(m)).sum::<u64>() + tokens(&text),
    });
    remember(&shared, &model, &messages);
    if body["stream"].as_bool() == Some(true) {
        let chunk = |delta: Value, finish: Value, usage: Value| {
            json!({"id": "chatcmpl-judge", "object": "chat.completion.chunk", "created": 0,
                "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                "usage": usage})
        };
        let events = [
            chunk(
                json!({"role": "assistant", "content": text}),
                Value::Null,
                Value::Null,
            ),
            chunk(json!({}), json!("stop"), usage),
        ];
        let mut sse: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
        sse.push_str("data: [DONE]\n\n");
        return ([(header::CONTENT_TYPE, "text/event-stream")], sse).into_response();
    }
    Json(json!({
        "id": "chatcmpl-judge",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
            "finish_reason": "stop"}],
        "usage": usage,
    }))
    .into_response()
}

/// The text of an Anthropic message's content (a string or text blocks).
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn remember(shared: &Shared, model: &str, messages: &[String]) {
    shared
        .requests
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(JudgeRequest {
            model: model.to_owned(),
            messages: messages.to_vec(),
        });
}

async fn messages(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(key) = &shared.api_key {
        let sent = headers.get("x-api-key").and_then(|v| v.to_str().ok());
        if sent != Some(key.as_str()) {
            let error = json!({"type": "error", "error": {"type": "authentication_error",
                "message": "invalid x-api-key"}});
            return (StatusCode::UNAUTHORIZED, Json(error)).into_response();
        }
    }
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    let messages: Vec<String> = body["messages"]
        .as_array()
        .map(|ms| ms.iter().map(|m| content_text(&m["content"])).collect())
        .unwrap_or_default();
    let text = answer(&shared, &messages);
    let input_tokens: u64 = messages.iter().map(|m| tokens(m)).sum();
    remember(&shared, &model, &messages);
    Json(json!({
        "id": "msg_judge",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": {"input_tokens": input_tokens, "output_tokens": tokens(&text)},
    }))
    .into_response()
}
