//! `http_request` against a server this test starts on 127.0.0.1: network
//! permission, the loopback guard and `network_allowlist`, redirects,
//! redaction of authentication-like headers and of secrets, size and time
//! limits. No traffic leaves loopback.

mod common;

use agentclash_agent::tools::{ToolConfig, ToolSet};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::{any, get};
use common::{Sandboxes, call, content_of, error_of, tool_config};
use serde_json::json;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the server saw.
#[derive(Default)]
struct Seen {
    hits: AtomicUsize,
    authorization: std::sync::Mutex<Vec<String>>,
}

struct Server {
    addr: SocketAddr,
    seen: Arc<Seen>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn hits(&self) -> usize {
        self.seen.hits.load(Ordering::SeqCst)
    }
}

async fn start() -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let seen = Arc::new(Seen::default());
    let port = addr.port();
    let app = Router::new()
        .route(
            "/hello",
            get(|| async {
                (
                    [
                        ("set-cookie", "sid=abc"),
                        ("authorization", "Bearer server-side"),
                        ("x-amz-security-token", "tok"),
                        ("x-goog-api-key", "key"),
                        ("x-request-id", "req-1"),
                    ],
                    "hello",
                )
            }),
        )
        .route(
            "/echo",
            any(
                |State(seen): State<Arc<Seen>>,
                 method: Method,
                 headers: HeaderMap,
                 RawQuery(q): RawQuery,
                 body: String| async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    if let Ok(mut all) = seen.authorization.lock() {
                        all.push(auth.clone());
                    }
                    format!(
                        "{method} auth={auth} query={} body={body}",
                        q.unwrap_or_default()
                    )
                },
            ),
        )
        .route("/big", get(|| async { vec![b'a'; 5 * 1024 * 1024 + 1] }))
        .route(
            "/redirect",
            get(|| async { (StatusCode::FOUND, [("location", "/hello")]) }),
        )
        .route(
            "/redirect-out",
            get(move || async move {
                (
                    StatusCode::FOUND,
                    [("location", format!("http://127.0.0.2:{port}/hello"))],
                )
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .layer(axum::middleware::from_fn_with_state(seen.clone(), count))
        .with_state(seen.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("test server stopped: {e}");
        }
    });
    Server { addr, seen }
}

async fn count(
    State(seen): State<Arc<Seen>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    seen.hits.fetch_add(1, Ordering::SeqCst);
    next.run(request).await
}

/// Network permitted, with `allowlist`.
fn network(allowlist: &[&str]) -> ToolConfig {
    let mut config = tool_config(
        json!({"allowed_tool_kinds": ["network", "file"], "allow_network": true}),
        json!({}),
    );
    config.network_allowlist = allowlist.iter().map(|s| (*s).to_owned()).collect();
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn loopback_is_refused_unless_allowlisted() {
    let server = start().await;
    let get = json!({"method": "GET", "url": server.url("/hello")});

    let no_permission = ToolSet::new(tool_config(json!({}), json!({})));
    let refused = call(&no_permission, None, "http_request", get.clone()).await;
    assert!(error_of(&refused).contains("refused by policy"));

    for allowlist in [&[][..], &["10.0.0.0/8", "127.0.0.2/32"][..]] {
        let set = ToolSet::new(network(allowlist));
        let blocked = call(&set, None, "http_request", get.clone()).await;
        let message = error_of(&blocked);
        assert!(
            message.contains("127.0.0.1") && message.contains("network_allowlist"),
            "{message}"
        );
        let by_name = call(&set, None, "http_request", json!({"method": "GET", "url": format!("http://localhost:{}/hello", server.addr.port())})).await;
        assert!(
            error_of(&by_name).contains("not allowed"),
            "names resolving to loopback are refused too"
        );
    }
    assert_eq!(
        server.hits(),
        0,
        "a refused request never reaches the server"
    );

    let set = ToolSet::new(network(&["127.0.0.1/32"]));
    let ok = call(&set, None, "http_request", get).await;
    let c = content_of(&ok);
    assert_eq!(
        (&c["status_code"], &c["body"], &c["body_bytes"]),
        (&json!(200), &json!("hello"), &json!(5))
    );
    assert_eq!(c["url"], server.url("/hello"));
    assert_eq!(server.hits(), 1);

    let headers = &c["headers"];
    for secret in [
        "set-cookie",
        "authorization",
        "x-amz-security-token",
        "x-goog-api-key",
    ] {
        assert_eq!(headers[secret], "[redacted]", "{secret}: {headers}");
    }
    assert_eq!(headers["x-request-id"], "req-1");
    assert!(!ok.content.to_string().contains("server-side"));

    for url in ["file:///etc/passwd", "ftp://127.0.0.1/x"] {
        let outcome = call(
            &set,
            None,
            "http_request",
            json!({"method": "GET", "url": url}),
        )
        .await;
        assert!(error_of(&outcome).contains("only http and https"), "{url}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_carry_a_body_follow_checked_redirects_and_save_answers() {
    let server = start().await;
    let env = Sandboxes::new();
    let sandbox = env.sandbox().await;
    let set = ToolSet::new(network(&["127.0.0.1/32"]));

    let post = call(
        &set,
        None,
        "http_request",
        json!({"method": "post", "url": server.url("/echo?x=1"), "body": "payload", "headers": {"Authorization": "Bearer mine"}}),
    )
    .await;
    assert_eq!(
        content_of(&post)["body"],
        "POST auth=Bearer mine query=x=1 body=payload"
    );

    let followed = call(
        &set,
        None,
        "http_request",
        json!({"method": "GET", "url": server.url("/redirect")}),
    )
    .await;
    let c = content_of(&followed);
    assert_eq!(
        (&c["status_code"], &c["body"], &c["url"]),
        (&json!(200), &json!("hello"), &json!(server.url("/hello")))
    );

    let hits = server.hits();
    let out = call(
        &set,
        None,
        "http_request",
        json!({"method": "GET", "url": server.url("/redirect-out")}),
    )
    .await;
    assert!(
        error_of(&out).contains("127.0.0.2"),
        "every redirect is checked again: {out:?}"
    );
    assert_eq!(server.hits(), hits + 1, "only the first hop was sent");

    let saved = call(
        &set,
        Some(sandbox.as_ref()),
        "http_request",
        json!({"method": "GET", "url": server.url("/hello"), "output_path": "downloads/hello.txt"}),
    )
    .await;
    let c = content_of(&saved);
    assert_eq!(
        (&c["output_path"], &c["bytes_downloaded"]),
        (&json!("/workspace/downloads/hello.txt"), &json!(5))
    );
    assert!(c.get("body").is_none());
    assert_eq!(
        sandbox
            .read_file("/workspace/downloads/hello.txt")
            .await
            .expect("saved"),
        b"hello"
    );

    let escape = call(
        &set,
        Some(sandbox.as_ref()),
        "http_request",
        json!({"method": "GET", "url": server.url("/hello"), "output_path": "../x"}),
    )
    .await;
    assert!(error_of(&escape).contains("outside /workspace"));
    let huge_body = call(
        &set,
        None,
        "http_request",
        json!({"method": "POST", "url": server.url("/echo"), "body": "x".repeat(1024 * 1024 + 1)}),
    )
    .await;
    assert!(error_of(&huge_body).contains("1 MiB"));
}

#[tokio::test(flavor = "multi_thread")]
async fn large_and_slow_answers_are_refused() {
    let server = start().await;
    let set = ToolSet::new(network(&["127.0.0.0/8"]));
    let big = call(
        &set,
        None,
        "http_request",
        json!({"method": "GET", "url": server.url("/big")}),
    )
    .await;
    assert!(error_of(&big).contains("exceeds 5 MiB"));

    let started = Instant::now();
    let slow = call(
        &set,
        None,
        "http_request",
        json!({"method": "GET", "url": server.url("/slow"), "timeout_seconds": 1}),
    )
    .await;
    assert!(error_of(&slow).starts_with("request failed"), "{slow:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "timeout_seconds was not applied"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_are_sent_but_never_shown_to_the_model() {
    let server = start().await;
    let mut config = network(&["127.0.0.1/32"]);
    config.tools = serde_json::from_value(json!({"custom": [
        {"name": "call_api", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
         "implementation": {"primitive": "http_request", "args": {
            "method": "GET", "url": format!("{}?q=${{query:q}}&key=${{secrets.API_KEY}}", server.url("/echo")),
            "headers": {"Authorization": "Bearer ${secrets.API_KEY}"}}}},
        {"name": "call_closed", "implementation": {"primitive": "http_request", "args": {
            "method": "GET", "url": "http://127.0.0.1:1/?key=${secrets.API_KEY}"}}},
    ]}))
    .expect("tools");
    config.secrets = BTreeMap::from([("API_KEY".to_owned(), "sk-live-5ecret".to_owned())]);
    let set = ToolSet::new(config);

    let answer = call(&set, None, "call_api", json!({"q": "a b"})).await;
    assert!(!answer.is_error, "{answer:?}");
    let body = answer.content["content"]["body"].as_str().expect("body");
    assert_eq!(
        body,
        "GET auth=Bearer [redacted] query=q=a+b&key=[redacted] body="
    );
    assert!(
        !answer.content.to_string().contains("sk-live-5ecret"),
        "{}",
        answer.content
    );
    assert_eq!(
        answer.resolved,
        Some(("http_request".to_owned(), vec!["call_api".to_owned()]))
    );
    let seen = server.seen.authorization.lock().expect("seen").clone();
    assert_eq!(
        seen,
        ["Bearer sk-live-5ecret"],
        "the server got the real secret"
    );

    // Errors quote the URL; the secret in it is redacted too.
    let failed = call(&set, None, "call_closed", json!({})).await;
    let message = error_of(&failed);
    assert!(message.starts_with("call_closed failed: "), "{message}");
    assert!(!message.contains("sk-live-5ecret"), "{message}");
}
