//! Workspace secrets: values go in and never come out.

mod common;

use common::ClientExt as _;

use agentclash_core::WorkspaceRole;
use common::{client_with_token, dead_address, error_of, start_with_tenant};
use serde_json::{Value, json};

const CANARY: &str = "canary-3f9a1c77-never-show-me";

#[tokio::test]
async fn a_secret_value_never_appears_in_responses_or_database_rows() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 20).await;
    let url = api.ws_url("/secrets/OPENAI_API_KEY");
    let r = api.http.put_json(&url, &json!({ "value": CANARY })).await;
    assert_eq!(r.status(), 201);
    assert!(!r.text().await.expect("body").contains(CANARY));
    let r = api.http.put_json(&url, &json!({ "value": CANARY })).await;
    assert_eq!(r.status(), 204, "replacing answers 204");

    let mut seen = String::new();
    for path in [
        api.ws_path("/secrets"),
        api.ws_path("/runs"),
        "/v1/workspaces".to_owned(),
        "/v1/users/me".to_owned(),
        "/v1/auth/tokens".to_owned(),
        "/metrics".to_owned(),
    ] {
        seen.push_str(
            &api.http
                .get_sent(api.url(&path))
                .await
                .text()
                .await
                .expect("body"),
        );
    }
    assert!(!seen.contains(CANARY), "a response leaked the secret");
    let listed: Value = api
        .http
        .get_sent(api.ws_url("/secrets"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"][0]["name"], "OPENAI_API_KEY");
    assert!(listed["items"][0].get("value").is_none());

    // Every row of every table, as text: the value exists only as ciphertext.
    common::assert_not_in_database(db.store.pool(), CANARY).await;
    // The ciphertext decrypts under the server key and this secret's identity only.
    let sealed = db
        .store
        .secret_ciphertext(api.tenant.workspace.id, "OPENAI_API_KEY")
        .await
        .expect("stored");
    let secret_box = agentclash_auth::SecretBox::new(&common::TEST_SECRETS_KEY);
    let context = format!(
        "workspace-secret/{}/OPENAI_API_KEY",
        api.tenant.workspace.id
    );
    assert_eq!(
        secret_box.open(&context, &sealed).expect("opens"),
        CANARY.as_bytes()
    );
    assert!(
        secret_box
            .open(
                &format!("workspace-secret/{}/OTHER", api.tenant.workspace.id),
                &sealed
            )
            .is_err()
    );

    let r = api.http.delete_sent(&url).await;
    assert_eq!(r.status(), 204);
    let r = api.http.delete_sent(&url).await;
    assert_eq!(error_of(r).await.0, 404);
}

#[tokio::test]
async fn only_admins_write_secrets_and_names_are_validated() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 20).await;
    let ws = api.tenant.workspace.id;
    let member = db.user("member").await;
    db.store
        .set_workspace_role(ws, member.id, WorkspaceRole::Member)
        .await
        .expect("grant");
    let as_member = client_with_token(&db.token_for(&member).await);
    let r = as_member
        .put_json(api.ws_url("/secrets/KEY"), &json!({ "value": "v" }))
        .await;
    assert_eq!(error_of(r).await.0, 403);
    assert_eq!(
        as_member.get_sent(api.ws_url("/secrets")).await.status(),
        200
    );

    let viewer = db.user("viewer").await;
    db.store
        .set_workspace_role(ws, viewer.id, WorkspaceRole::Viewer)
        .await
        .expect("grant");
    let as_viewer = client_with_token(&db.token_for(&viewer).await);
    assert_eq!(
        error_of(as_viewer.get_sent(api.ws_url("/secrets")).await)
            .await
            .0,
        403
    );

    for bad in ["1KEY", "KEY-WITH-DASH"] {
        let r = api
            .http
            .put_json(
                api.ws_url(&format!("/secrets/{bad}")),
                &json!({ "value": "v" }),
            )
            .await;
        let (status, _, message) = error_of(r).await;
        assert_eq!(status, 400, "{bad}");
        assert!(message.contains("secret names"), "{message}");
    }
    let r = api
        .http
        .put_json(api.ws_url("/secrets/EMPTY"), &json!({ "value": "" }))
        .await;
    assert_eq!(error_of(r).await.0, 400);
}

#[tokio::test]
async fn a_secret_value_never_reaches_the_api_logs_even_at_trace_level() {
    let db = agentclash_testkit::TestDb::new().await;
    let log = std::env::temp_dir().join(format!("agentclash-canary-{}.log", std::process::id()));
    let mut api = common::LiveApi::start(&db, &[("RUST_LOG", "trace")], Some(&log)).await;
    let client = client_with_token(&api.token);
    let url = format!(
        "{}/v1/workspaces/{}/secrets/LOGGED_KEY",
        api.base, api.workspace_id
    );
    let r = client.put_json(&url, &json!({ "value": CANARY })).await;
    assert_eq!(r.status(), 201);
    let r = client
        .put_json(&url, &json!({ "value": CANARY, "extra": 1 }))
        .await;
    assert_eq!(r.status(), 400, "a rejected body must not be echoed either");
    client
        .get_sent(format!(
            "{}/v1/workspaces/{}/secrets",
            api.base, api.workspace_id
        ))
        .await;
    api.stop();
    let logs = std::fs::read_to_string(&log).expect("log written");
    std::fs::remove_file(&log).ok();
    assert!(logs.lines().count() > 5, "the API logged: {logs}");
    assert!(
        !logs.contains(CANARY),
        "the secret value appears in the logs"
    );
}
