//! Router behaviour that does not depend on a wire protocol: per-account
//! concurrency, the SSRF guard end to end, timeouts, and the API key never
//! reaching the logs.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentclash_providers::{CallOptions, ErrorClass, ProviderKind};
use serde_json::json;
use support::{
    FakeServer, Recorder, Reply, account, fast_router, hello, local_opts, openai_completion,
};

fn ok_reply() -> Reply {
    Reply::ok(openai_completion(
        json!({"role": "assistant", "content": "ok"}),
        "stop",
    ))
}

/// Runs 6 calls at once against a server holding each request 300 ms and
/// returns the most requests it saw at the same time.
async fn peak_concurrency(max_concurrency: Option<u32>) -> usize {
    let server = FakeServer::start_holding(vec![ok_reply()], Duration::from_millis(300)).await;
    let mut acc = account(ProviderKind::OpenAi, &server, "k");
    acc.max_concurrency = max_concurrency;
    let router = fast_router();
    let calls = (0..6).map(|_| {
        let (router, acc) = (router.clone(), acc.clone());
        tokio::spawn(async move {
            router
                .chat(
                    &acc,
                    &hello("gpt-4.1"),
                    &local_opts(false, 1),
                    &mut Recorder::default(),
                )
                .await
        })
    });
    for call in futures::future::join_all(calls).await {
        call.expect("task").expect("call succeeds");
    }
    assert_eq!(server.requests().len(), 6);
    server.max_in_flight()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrency_bounds_calls_in_flight() {
    let limited = peak_concurrency(Some(2)).await;
    assert!(limited <= 2, "at most 2 in flight, saw {limited}");
    // Control: without the limit the same load does overlap more.
    let unlimited = peak_concurrency(None).await;
    assert!(
        unlimited > 2,
        "without a limit the calls overlap, saw {unlimited}"
    );
}

#[tokio::test]
async fn ssrf_guard_refuses_loopback_targets_in_production_mode() {
    let server = FakeServer::start(vec![ok_reply()]).await;
    let port = server.base_url.rsplit(':').next().expect("port");
    let production = CallOptions {
        max_attempts: 3,
        ..CallOptions::default()
    };
    let cases = [
        (server.base_url.clone(), "only https is allowed"),
        (
            format!("https://127.0.0.1:{port}"),
            "127.0.0.1 is a loopback address",
        ),
        (
            format!("https://[::ffff:127.0.0.1]:{port}"),
            "loopback address",
        ),
        // A name is checked on what it resolves to, at connect time.
        (format!("https://localhost:{port}"), "resolved to"),
    ];
    for (base, rule) in cases {
        let mut acc = account(ProviderKind::OpenAi, &server, "k");
        acc.base_url = Some(base.clone());
        let err = fast_router()
            .chat(
                &acc,
                &hello("gpt-4.1"),
                &production,
                &mut Recorder::default(),
            )
            .await
            .expect_err("refused");
        assert_eq!(err.class, ErrorClass::InvalidRequest, "{base}: {err}");
        assert!(
            err.message.contains("SSRF guard") && err.message.contains(rule),
            "{base}: {err}"
        );
    }
    assert!(
        server.requests().is_empty(),
        "nothing reached the loopback server"
    );

    // The same target is fine in local mode.
    let response = fast_router()
        .chat(
            &account(ProviderKind::OpenAi, &server, "k"),
            &hello("gpt-4.1"),
            &local_opts(false, 1),
            &mut Recorder::default(),
        )
        .await
        .expect("local mode allows loopback");
    assert_eq!(response.text, "ok");
}

#[tokio::test]
async fn slow_answers_time_out() {
    let server = FakeServer::start_holding(vec![ok_reply()], Duration::from_secs(5)).await;
    let opts = CallOptions {
        timeout: Duration::from_millis(200),
        ..local_opts(false, 1)
    };
    let err = fast_router()
        .chat(
            &account(ProviderKind::OpenAi, &server, "k"),
            &hello("gpt-4.1"),
            &opts,
            &mut Recorder::default(),
        )
        .await
        .expect_err("too slow");
    assert_eq!(err.class, ErrorClass::Timeout, "{err}");
}

/// A `MakeWriter` collecting all log output.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn api_key_never_reaches_logs_or_errors() {
    let canary = "sk-canary-log-3c1d9e77";
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    for kind in [
        ProviderKind::OpenAi,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
    ] {
        // A 500 that echoes the request headers: retried once (logged), then failed (logged).
        let server = FakeServer::start(vec![Reply::EchoHeaders { status: 500 }]).await;
        for stream in [false, true] {
            let err = fast_router()
                .chat(
                    &account(kind, &server, canary),
                    &hello("m"),
                    &local_opts(stream, 2),
                    &mut Recorder::default(),
                )
                .await
                .expect_err("server error");
            assert!(
                err.message.contains("[REDACTED]"),
                "{kind}: the server echoed the key: {err}"
            );
            assert!(
                !format!("{err} {err:?}").contains(canary),
                "{kind}: key in error"
            );
        }
        assert_eq!(server.requests().len(), 4);
    }
    let logs = String::from_utf8(logs.0.lock().expect("log lock").clone()).expect("utf-8 logs");
    assert!(
        logs.contains("retrying provider call") && logs.contains("provider call failed"),
        "{logs}"
    );
    assert!(!logs.contains(canary), "key in logs:\n{logs}");
}
