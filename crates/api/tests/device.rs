//! The device authorisation flow over HTTP.

mod common;

use common::{ClientExt as _, client_with_token, dead_address, error_of, start_with_tenant};
use serde_json::{Value, json};

async fn new_code(api: &common::TestApi) -> Value {
    let r = api
        .anonymous
        .post_json(
            api.url("/v1/auth/device/code"),
            &json!({ "client_name": "test laptop" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

async fn poll(api: &common::TestApi, code: &Value) -> reqwest::Response {
    api.anonymous
        .post_json(
            api.url("/v1/auth/device/token"),
            &json!({ "device_code": code["device_code"] }),
        )
        .await
}

#[tokio::test]
async fn pending_then_approved_yields_a_working_token_exactly_once() {
    let (api, _db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let code = new_code(&api).await;
    let user_code = code["user_code"].as_str().expect("user code");
    assert_eq!(user_code.len(), 9, "XXXX-XXXX: {user_code}");
    assert!(
        code["verification_uri"]
            .as_str()
            .expect("uri")
            .ends_with("/device")
    );
    assert_eq!(code["interval"], 2);

    let (status, error, _) = error_of(poll(&api, &code).await).await;
    assert_eq!((status, error.as_str()), (400, "authorization_pending"));
    let (_, error, _) = error_of(poll(&api, &code).await).await;
    assert_eq!(error, "slow_down", "polling faster than the interval");

    let r = api
        .http
        .post_json(
            api.url("/v1/auth/device/approve"),
            &json!({ "user_code": user_code.to_lowercase() }),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = poll(&api, &code).await;
    assert_eq!(r.status(), 200);
    let granted: Value = r.json().await.expect("json");
    let token = granted["access_token"].as_str().expect("token");
    let me: Value = client_with_token(token)
        .get_sent(api.url("/v1/users/me"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["email"], "owner@test.local");

    let (_, error, _) = error_of(poll(&api, &code).await).await;
    assert_eq!(error, "expired_token", "a code yields its token once");
    let r = api
        .http
        .post_json(
            api.url("/v1/auth/device/approve"),
            &json!({ "user_code": user_code }),
        )
        .await;
    assert_eq!(
        error_of(r).await.0,
        404,
        "an already used code cannot be approved again"
    );
}

#[tokio::test]
async fn denied_and_unknown_codes_are_distinct_errors() {
    let (api, _db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let code = new_code(&api).await;
    let r = api
        .http
        .post_json(
            api.url("/v1/auth/device/deny"),
            &json!({ "user_code": code["user_code"] }),
        )
        .await;
    assert_eq!(r.status(), 204);
    let (_, error, _) = error_of(poll(&api, &code).await).await;
    assert_eq!(error, "access_denied");

    let (_, error, _) = error_of(poll(&api, &json!({ "device_code": "acl_made_up" })).await).await;
    assert_eq!(error, "expired_token");

    let r = api
        .anonymous
        .post_json(
            api.url("/v1/auth/device/approve"),
            &json!({ "user_code": code["user_code"] }),
        )
        .await;
    assert_eq!(error_of(r).await.0, 401, "approving needs a signed-in user");
}
