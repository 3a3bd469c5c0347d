//! Cross-cutting HTTP behaviour: the error envelope everywhere, request ids,
//! metrics, body cap, panics.

mod common;

use common::ClientExt as _;

use agentclash_api::AppState;
use agentclash_testkit::TestDb;
use axum::routing::get;
use common::{dead_address, error_of, start_with_tenant};

#[tokio::test]
async fn every_kind_of_error_uses_the_json_envelope() {
    let (api, _db) = start_with_tenant(&dead_address(), 4096).await;
    let http = &api.http;

    let r = http.get_sent(api.url("/no/such/route")).await;
    assert_eq!(
        error_of(r).await,
        (404, "not_found".into(), "no such route".into())
    );

    let r = http.delete_sent(api.ws_url("/runs")).await;
    let (status, code, _) = error_of(r).await;
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"));

    let r = http
        .post(api.ws_url("/runs"))
        .header("content-type", "application/json")
        .body(format!("{{\"name\":\"{}\"}}", "x".repeat(10_000)))
        .send()
        .await
        .expect("send");
    let (status, code, _) = error_of(r).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));

    let r = http
        .post(api.ws_url("/runs"))
        .body("{}")
        .send()
        .await
        .expect("send");
    let (status, code, _) = error_of(r).await;
    assert_eq!((status, code.as_str()), (415, "unsupported_media_type"));

    let r = http
        .post_json(api.ws_url("/runs"), &serde_json::json!({ "nmae": "typo" }))
        .await;
    let (status, code, message) = error_of(r).await;
    assert_eq!((status, code.as_str()), (400, "bad_request"));
    assert!(message.contains("unknown field `nmae`"), "{message}");

    let r = http
        .post(api.ws_url("/runs"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    let (status, _, message) = error_of(r).await;
    assert_eq!(status, 400);
    assert!(message.starts_with("malformed JSON"), "{message}");

    let r = http.get_sent(api.ws_url("/runs?limit=500")).await;
    let (status, _, message) = error_of(r).await;
    assert_eq!(status, 400);
    assert!(message.contains("limit"), "{message}");

    let r = http.get_sent(api.ws_url("/runs/not-a-uuid")).await;
    assert_eq!(error_of(r).await.0, 404);
}

async fn boom() -> &'static str {
    panic!("kaboom with secret detail")
}

#[tokio::test]
async fn a_panicking_handler_answers_500_in_the_envelope_and_the_server_survives() {
    let db = TestDb::new().await;
    let state = AppState::new(
        db.store,
        agentclash_api::TemporalHandle::new(common::temporal_config(&dead_address(), "unused")),
        "unused".into(),
    );
    let routes = axum::Router::new()
        .route("/boom", get(boom))
        .route("/fine", get(|| async { "fine" }));
    let base = common::serve(agentclash_api::with_standard_layers(routes, state, 4096)).await;
    let http = reqwest::Client::new();
    let r = http.get_sent(format!("{base}/boom")).await;
    let (status, code, message) = error_of(r).await;
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (500, "internal", "internal error")
    );
    let r = http.get_sent(format!("{base}/fine")).await;
    assert_eq!(r.text().await.expect("body"), "fine");
}

#[tokio::test]
async fn request_ids_are_generated_or_propagated() {
    let (api, _db) = start_with_tenant(&dead_address(), 4096).await;
    let r = api.http.get_sent(api.url("/healthz")).await;
    let generated = r.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(generated.len(), 36, "a uuid: {generated}");
    let r = api
        .http
        .get(api.url("/healthz"))
        .header("x-request-id", "caller-chosen-id")
        .send()
        .await
        .expect("send");
    assert_eq!(r.headers()["x-request-id"], "caller-chosen-id");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_not_raw_path() {
    let (api, _db) = start_with_tenant(&dead_address(), 4096).await;
    for id in [
        "01a20bc9-5f8d-705c-be2e-516269f773ee",
        "01a20bc9-5f8d-705c-be2e-516269f773ef",
    ] {
        api.http.get_sent(api.ws_url(&format!("/runs/{id}"))).await;
    }
    api.http.get_sent(api.url("/healthz")).await;
    let text = api
        .http
        .get_sent(api.url("/metrics"))
        .await
        .text()
        .await
        .expect("body");
    assert!(
        text.contains(
            r#"http_requests_total{method="GET",route="/v1/workspaces/{workspace_id}/runs/{run_id}",status="404"} 2"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#));
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(
        !text.contains("516269f773ee"),
        "raw ids must not become labels"
    );
}
