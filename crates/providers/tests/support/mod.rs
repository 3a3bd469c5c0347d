//! Shared test support: a fake provider HTTP server on 127.0.0.1 that
//! records what the client sent and plays back scripted replies, helpers to
//! build accounts and options, and the error-handling scenarios every wire
//! adapter must pass (instantiated per adapter with `error_scenarios!`).
#![allow(dead_code, unused_macros)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentclash_providers::{
    AccountConfig, CallOptions, ChatRequest, ChatResponse, DeltaSink, ErrorClass, Message,
    ProviderError, ProviderKind, ProviderRouter, RetryPolicy, RouterConfig, ToolCall, ToolSpec,
};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// What the fake server answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A JSON body with a status and extra headers.
    Json {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Value,
    },
    /// A body that is not valid JSON, declared as JSON.
    Malformed,
    /// A server-sent-event stream. The events are concatenated and sent in
    /// `split`-byte pieces (so events and lines straddle chunk boundaries);
    /// with `abort` the connection is cut after the last piece instead of
    /// ending the body cleanly.
    Sse {
        events: Vec<String>,
        split: usize,
        abort: bool,
    },
    /// An error whose body quotes every request header (a provider that
    /// echoes the API key back).
    EchoHeaders { status: u16 },
}

impl Reply {
    /// A 200 JSON answer.
    pub fn ok(body: Value) -> Self {
        Self::Json {
            status: 200,
            headers: Vec::new(),
            body,
        }
    }

    /// An error answer with the usual `{"error": {"message": …}}` body.
    pub fn error(status: u16, message: &str) -> Self {
        Self::Json {
            status,
            headers: Vec::new(),
            body: json!({"error": {"message": message}}),
        }
    }

    /// A complete event stream split into 7-byte pieces.
    pub fn sse(events: Vec<String>) -> Self {
        Self::Sse {
            events,
            split: 7,
            abort: false,
        }
    }

    /// An event stream whose connection is cut after `events`.
    pub fn sse_aborted(events: Vec<String>) -> Self {
        Self::Sse {
            events,
            split: 64,
            abort: true,
        }
    }
}

/// An OpenAI chat completion answering `message` (also the generic "some
/// provider answered" body of router tests).
pub fn openai_completion(message: Value, finish: &str) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4.1-2025-04-14",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150,
                  "prompt_tokens_details": {"cached_tokens": 100}},
    })
}

/// `data: <json>` event text.
pub fn data(value: Value) -> String {
    format!("data: {value}\n\n")
}

/// `event: <name>` + `data: <json>` event text.
pub fn named(name: &str, value: Value) -> String {
    format!("event: {name}\ndata: {value}\n\n")
}

/// A request as the fake server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Recorded {
    /// A header value as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct ServerState {
    replies: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Recorded>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    hold: Duration,
}

/// A fake provider on an ephemeral loopback port. Replies are used in
/// order; the last one repeats.
pub struct FakeServer {
    pub base_url: String,
    state: Arc<ServerState>,
}

impl FakeServer {
    /// Starts a server answering with `replies`.
    pub async fn start(replies: Vec<Reply>) -> Self {
        Self::start_holding(replies, Duration::ZERO).await
    }

    /// Like `start`, but each request is held for `hold` before answering
    /// (to observe concurrency).
    pub async fn start_holding(replies: Vec<Reply>, hold: Duration) -> Self {
        let state = Arc::new(ServerState {
            replies: Mutex::new(replies.into()),
            hold,
            ..ServerState::default()
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake server");
        });
        Self {
            base_url: format!("http://{addr}"),
            state,
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().expect("requests lock").clone()
    }

    /// The only request received (fails otherwise).
    pub fn single_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request");
        requests.into_iter().next().expect("one request")
    }

    /// Most requests that were in progress at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn handle(State(state): State<Arc<ServerState>>, request: Request) -> Response {
    let current = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(current, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("request body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let recorded = Recorded {
        path_and_query: parts
            .uri
            .path_and_query()
            .map(ToString::to_string)
            .unwrap_or_default(),
        headers: parts.headers,
        body,
    };
    state
        .requests
        .lock()
        .expect("requests lock")
        .push(recorded.clone());
    if !state.hold.is_zero() {
        tokio::time::sleep(state.hold).await;
    }
    let reply = {
        let mut replies = state.replies.lock().expect("replies lock");
        if replies.len() > 1 {
            replies.pop_front()
        } else {
            replies.front().cloned()
        }
    };
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    render(reply.expect("the fake server has a reply"), &recorded)
}

fn render(reply: Reply, request: &Recorded) -> Response {
    match reply {
        Reply::Json {
            status,
            headers,
            body,
        } => {
            let mut response = (status_code(status), axum::Json(body)).into_response();
            for (name, value) in headers {
                response
                    .headers_mut()
                    .insert(name, value.parse().expect("header value"));
            }
            response
        }
        Reply::Malformed => (
            [(header::CONTENT_TYPE, "application/json")],
            "{\"choices\": [ {\"mess",
        )
            .into_response(),
        Reply::EchoHeaders { status } => {
            let echoed: Vec<String> = request
                .headers
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("?")))
                .collect();
            let body =
                json!({"error": {"message": format!("rejected; you sent {}", echoed.join("; "))}});
            (status_code(status), axum::Json(body)).into_response()
        }
        Reply::Sse {
            events,
            split,
            abort,
        } => {
            use futures::StreamExt;
            let text = events.concat().into_bytes();
            let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
                text.chunks(split.max(1)).map(|c| Ok(c.to_vec())).collect();
            // The cut comes after a pause so the pieces are on the wire first.
            let cut = futures::stream::once(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Err(std::io::Error::other("connection cut by the fake server"))
            })
            .filter(move |_| std::future::ready(abort));
            let body = Body::from_stream(futures::stream::iter(pieces).chain(cut));
            ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
        }
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).expect("valid status")
}

/// An account of `kind` pointing at `server` with `key`.
pub fn account(kind: ProviderKind, server: &FakeServer, key: &str) -> AccountConfig {
    AccountConfig {
        id: format!("{kind}-test"),
        kind,
        base_url: Some(server.base_url.clone()),
        api_key: Some(key.to_owned()),
        max_concurrency: None,
        requests_per_minute: None,
        tokens_per_minute: None,
    }
}

/// Local-mode options (loopback allowed) with `max_attempts` attempts.
pub fn local_opts(stream: bool, max_attempts: u32) -> CallOptions {
    CallOptions {
        stream,
        timeout: Duration::from_secs(30),
        max_attempts,
        allow_private_network: true,
        scripted: None,
    }
}

/// A router whose backoff is short enough for tests.
pub fn fast_router() -> ProviderRouter {
    ProviderRouter::new(RouterConfig {
        retry: RetryPolicy {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        },
        ..RouterConfig::default()
    })
}

/// A conversation exercising every role: system prompt, user turn, an
/// assistant tool call, its result, and one tool on offer.
pub fn tool_conversation(model: &str) -> ChatRequest {
    ChatRequest {
        model: model.to_owned(),
        messages: vec![
            Message::system("You are terse."),
            Message::user("What is the weather in Oslo?"),
            Message::assistant(
                "Checking.",
                vec![ToolCall {
                    id: "call_w1".into(),
                    name: "get_weather".into(),
                    arguments: json!({"city": "Oslo"}),
                }],
            ),
            Message::tool("call_w1", "{\"temp_c\": 3}"),
        ],
        tools: vec![weather_tool()],
        max_output_tokens: Some(256),
        temperature: Some(0.5),
    }
}

/// The `get_weather` tool.
pub fn weather_tool() -> ToolSpec {
    ToolSpec {
        name: "get_weather".into(),
        description: "Current weather for a city".into(),
        parameters: json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    }
}

/// A one-message user request.
pub fn hello(model: &str) -> ChatRequest {
    ChatRequest {
        model: model.to_owned(),
        messages: vec![Message::user("hello")],
        tools: Vec::new(),
        max_output_tokens: None,
        temperature: None,
    }
}

/// A sink that records deltas and restarts.
#[derive(Debug, Default)]
pub struct Recorder {
    pub deltas: Vec<String>,
    pub restarts: Vec<u32>,
}

impl DeltaSink for Recorder {
    fn on_text_delta(&mut self, text: &str) {
        self.deltas.push(text.to_owned());
    }

    fn on_restart(&mut self, attempt: u32) {
        self.restarts.push(attempt);
    }
}

/// What differs between adapters in the shared error scenarios.
pub struct Protocol {
    pub kind: ProviderKind,
    pub model: &'static str,
    /// Path (and query) of a non-streamed call.
    pub path: &'static str,
    /// A successful non-streamed answer whose text is `"ok"`.
    pub ok: fn() -> Value,
    /// The first events of a streamed answer, without its final event.
    pub partial_stream: fn() -> Vec<String>,
}

impl Protocol {
    async fn call(
        &self,
        replies: Vec<Reply>,
        stream: bool,
        attempts: u32,
    ) -> (Result<ChatResponse, ProviderError>, FakeServer, Recorder) {
        let server = FakeServer::start(replies).await;
        let mut sink = Recorder::default();
        let result = fast_router()
            .chat(
                &account(self.kind, &server, "sk-test-key"),
                &hello(self.model),
                &local_opts(stream, attempts),
                &mut sink,
            )
            .await;
        (result, server, sink)
    }

    /// 401 → `auth`, not retried.
    pub async fn unauthorized_is_auth_without_retry(&self) {
        let (result, server, _) = self
            .call(vec![Reply::error(401, "invalid x-api-key")], false, 3)
            .await;
        let err = result.expect_err("401 fails");
        assert_eq!(
            (err.class, err.status),
            (ErrorClass::Auth, Some(401)),
            "{err}"
        );
        assert!(err.message.contains("invalid x-api-key"), "{err}");
        assert_eq!(server.requests().len(), 1, "auth errors are not retried");
    }

    /// 429 with `Retry-After: 1` → waits at least a second, then succeeds.
    pub async fn rate_limit_honours_retry_after(&self) {
        let limited = Reply::Json {
            status: 429,
            headers: vec![("retry-after", "1".into())],
            body: json!({"error": {"message": "slow down"}}),
        };
        let started = std::time::Instant::now();
        let (result, server, sink) = self
            .call(vec![limited, Reply::ok((self.ok)())], false, 3)
            .await;
        let response = result.expect("second attempt succeeds");
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "waited {:?}",
            started.elapsed()
        );
        assert_eq!((response.text.as_str(), response.attempts), ("ok", 2));
        assert_eq!(server.requests().len(), 2);
        assert_eq!(sink.restarts, vec![2], "the sink hears about the retry");
    }

    /// 500 on every attempt → retried up to the limit, then `unavailable`.
    pub async fn server_errors_are_retried_then_unavailable(&self) {
        let (result, server, _) = self.call(vec![Reply::error(500, "boom")], false, 3).await;
        let err = result.expect_err("always 500");
        assert_eq!(
            (err.class, err.status),
            (ErrorClass::Unavailable, Some(500)),
            "{err}"
        );
        assert!(err.message.contains("after 3 attempts"), "{err}");
        assert_eq!(server.requests().len(), 3);
    }

    /// A 500 followed by success → one retry.
    pub async fn transient_server_error_recovers(&self) {
        let (result, server, _) = self
            .call(
                vec![Reply::error(503, "busy"), Reply::ok((self.ok)())],
                false,
                3,
            )
            .await;
        assert_eq!(result.expect("recovers").attempts, 2);
        assert_eq!(server.requests().len(), 2);
    }

    /// A stream cut before its final event → `unavailable` (and retried).
    pub async fn truncated_stream_is_unavailable(&self) {
        let cases = [
            (
                Reply::sse_aborted((self.partial_stream)()),
                "response interrupted",
            ),
            (Reply::sse((self.partial_stream)()), "truncated"),
        ];
        for (reply, expected) in cases {
            let (result, server, sink) = self.call(vec![reply], true, 2).await;
            let err = result.expect_err("truncated");
            assert_eq!(err.class, ErrorClass::Unavailable, "{err}");
            assert!(err.message.contains(expected), "{err}");
            assert_eq!(server.requests().len(), 2, "retried as a whole");
            assert_eq!(sink.restarts, vec![2]);
            assert!(
                !sink.deltas.is_empty(),
                "partial text reached the sink before the cut"
            );
        }
    }

    /// A body that is not JSON → `unavailable`.
    pub async fn malformed_json_is_unavailable(&self) {
        let (result, server, _) = self.call(vec![Reply::Malformed], false, 1).await;
        let err = result.expect_err("malformed");
        assert_eq!(err.class, ErrorClass::Unavailable, "{err}");
        assert!(err.message.contains("malformed response"), "{err}");
        assert_eq!(server.requests().len(), 1);
    }

    /// A 400 saying the prompt is too long → `context_length`.
    pub async fn context_overflow_is_context_length(&self) {
        let (result, _, _) = self
            .call(
                vec![Reply::error(
                    400,
                    "prompt is too long: 300000 tokens > 200000 maximum",
                )],
                false,
                3,
            )
            .await;
        assert_eq!(
            result.expect_err("too long").class,
            ErrorClass::ContextLength
        );
    }

    /// The API key never appears in errors even when the provider echoes it.
    pub async fn echoed_key_is_redacted(&self) {
        let canary = "sk-canary-5f0b7d0e9a";
        let server = FakeServer::start(vec![Reply::EchoHeaders { status: 401 }]).await;
        let err = fast_router()
            .chat(
                &account(self.kind, &server, canary),
                &hello(self.model),
                &local_opts(false, 1),
                &mut Recorder::default(),
            )
            .await
            .expect_err("401");
        assert!(
            err.message.contains("[REDACTED]"),
            "the server did echo the key: {err}"
        );
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(canary), "key leaked: {text}");
        }
    }

    /// The non-streamed request goes to the documented path.
    pub async fn non_streamed_path(&self) {
        let (result, server, _) = self.call(vec![Reply::ok((self.ok)())], false, 1).await;
        assert_eq!(result.expect("ok").text, "ok");
        assert_eq!(server.single_request().path_and_query, self.path);
    }
}

/// Instantiates every shared error scenario as a test for `$protocol`.
macro_rules! error_scenarios {
    ($protocol:expr) => {
        mod error_scenarios {
            use super::*;

            #[tokio::test]
            async fn unauthorized_is_auth_without_retry() {
                $protocol.unauthorized_is_auth_without_retry().await;
            }
            #[tokio::test]
            async fn rate_limit_honours_retry_after() {
                $protocol.rate_limit_honours_retry_after().await;
            }
            #[tokio::test]
            async fn server_errors_are_retried_then_unavailable() {
                $protocol.server_errors_are_retried_then_unavailable().await;
            }
            #[tokio::test]
            async fn transient_server_error_recovers() {
                $protocol.transient_server_error_recovers().await;
            }
            #[tokio::test]
            async fn truncated_stream_is_unavailable() {
                $protocol.truncated_stream_is_unavailable().await;
            }
            #[tokio::test]
            async fn malformed_json_is_unavailable() {
                $protocol.malformed_json_is_unavailable().await;
            }
            #[tokio::test]
            async fn context_overflow_is_context_length() {
                $protocol.context_overflow_is_context_length().await;
            }
            #[tokio::test]
            async fn echoed_key_is_redacted() {
                $protocol.echoed_key_is_redacted().await;
            }
            #[tokio::test]
            async fn non_streamed_path() {
                $protocol.non_streamed_path().await;
            }
        }
    };
}
