//! Authentication and tenancy over HTTP: bearer tokens, roles, and foreign
//! workspaces answering 404.

mod common;

use common::ClientExt as _;

use agentclash_core::WorkspaceRole;
use common::{client_with_token, dead_address, error_of, start_with_tenant};
use serde_json::{Value, json};

#[tokio::test]
async fn requests_without_a_live_token_are_401_in_the_envelope() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    for path in [
        "/v1/users/me",
        "/v1/workspaces",
        "/v1/auth/tokens",
        &api.ws_path("/runs"),
    ] {
        let r = api.anonymous.get_sent(api.url(path)).await;
        let (status, code, _) = error_of(r).await;
        assert_eq!((status, code.as_str()), (401, "unauthorized"), "{path}");
        let r = client_with_token("acl_not-a-real-token")
            .get_sent(api.url(path))
            .await;
        assert_eq!(r.status(), 401, "{path}");
    }
    // A revoked token stops working at once.
    let token = db.token_for(&api.tenant.user).await;
    let client = client_with_token(&token);
    assert_eq!(client.get_sent(api.url("/v1/users/me")).await.status(), 200);
    let tokens: Value = client
        .get_sent(api.url("/v1/auth/tokens"))
        .await
        .json()
        .await
        .expect("json");
    let id = tokens["items"][0]["id"].as_str().expect("id").to_owned();
    let r = client
        .delete_sent(api.url(&format!("/v1/auth/tokens/{id}")))
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(client.get_sent(api.url("/v1/users/me")).await.status(), 401);
}

#[tokio::test]
async fn a_created_token_is_shown_once_and_works() {
    let (api, _db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let me: Value = api
        .http
        .get_sent(api.url("/v1/users/me"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["email"], "owner@test.local");
    assert!(me.get("password_hash").is_none());

    let r = api
        .http
        .post_json(
            api.url("/v1/auth/tokens"),
            &json!({ "name": "ci", "expires_in_days": 30 }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.expect("json");
    let token = created["token"]
        .as_str()
        .expect("plaintext once")
        .to_owned();
    assert!(token.starts_with("acl_"));
    assert!(created["expires_at"].is_string());

    let listed = api
        .http
        .get_sent(api.url("/v1/auth/tokens"))
        .await
        .text()
        .await
        .expect("body");
    assert!(!listed.contains(&token), "lists never show the token");
    assert!(listed.contains(created["prefix"].as_str().expect("prefix")));
    let me_again = client_with_token(&token)
        .get_sent(api.url("/v1/users/me"))
        .await;
    assert_eq!(me_again.status(), 200);

    let r = api
        .http
        .post_json(
            api.url("/v1/auth/tokens"),
            &json!({ "name": "x", "expires_in_days": 0 }),
        )
        .await;
    let (status, _, message) = error_of(r).await;
    assert_eq!(status, 400);
    assert!(message.contains("expires_in_days"), "{message}");
}

#[tokio::test]
async fn another_workspace_is_404_and_roles_gate_writes() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let ws = api.tenant.workspace.id;
    let inputs = api
        .runnable("unit-conversion.yaml", &[("right", "units-correct.json")])
        .await;
    let run_body =
        json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": inputs.deployment_ids});

    // A stranger with their own workspace sees nothing of ours, not even its existence.
    let stranger = db.tenant("stranger").await;
    let as_stranger = client_with_token(&stranger.token);
    for r in [
        as_stranger.get_sent(api.ws_url("/runs")).await,
        as_stranger.post_json(api.ws_url("/runs"), &json!({})).await,
        as_stranger
            .get_sent(api.ws_url("/runs/01a20bc9-5f8d-705c-be2e-516269f773ee"))
            .await,
    ] {
        let (status, code, message) = error_of(r).await;
        assert_eq!(
            (status, code.as_str(), message.as_str()),
            (404, "not_found", "workspace not found")
        );
    }
    let listed: Value = as_stranger
        .get_sent(api.url("/v1/workspaces"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);
    assert_eq!(listed["items"][0]["id"], stranger.workspace.id.to_string());

    // A viewer reads but cannot start runs.
    let viewer = db.user("viewer").await;
    db.store
        .set_workspace_role(ws, viewer.id, WorkspaceRole::Viewer)
        .await
        .expect("grant");
    let as_viewer = client_with_token(&db.token_for(&viewer).await);
    assert_eq!(as_viewer.get_sent(api.ws_url("/runs")).await.status(), 200);
    let r = as_viewer.post_json(api.ws_url("/runs"), &run_body).await;
    let (status, code, _) = error_of(r).await;
    assert_eq!((status, code.as_str()), (403, "forbidden"));

    // A member passes authorisation (Temporal is down here, so the run fails honestly).
    let member = db.user("member").await;
    db.store
        .set_workspace_role(ws, member.id, WorkspaceRole::Member)
        .await
        .expect("grant");
    let as_member = client_with_token(&db.token_for(&member).await);
    let r = as_member.post_json(api.ws_url("/runs"), &run_body).await;
    assert_eq!(r.status(), 503);
}

#[tokio::test]
async fn only_org_admins_create_workspaces() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let org = api.tenant.workspace.organization_id;
    let body = json!({ "organization_id": org, "slug": "second", "name": "Second" });
    let r = api.http.post_json(api.url("/v1/workspaces"), &body).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.expect("json");
    assert_eq!(created["role"], "workspace_admin");
    let r = api.http.post_json(api.url("/v1/workspaces"), &body).await;
    assert_eq!(error_of(r).await.0, 409, "slug taken");

    let outsider = db.tenant("outsider").await;
    let r = client_with_token(&outsider.token)
        .post_json(
            api.url("/v1/workspaces"),
            &json!({ "organization_id": org, "slug": "third", "name": "Third" }),
        )
        .await;
    assert_eq!(
        error_of(r).await.0,
        404,
        "a foreign organization does not exist for them"
    );

    let r = api
        .http
        .post_json(
            api.url("/v1/workspaces"),
            &json!({ "organization_id": org, "slug": "Bad Slug", "name": "x" }),
        )
        .await;
    let (status, _, message) = error_of(r).await;
    assert_eq!(status, 400);
    assert!(message.contains("slug"), "{message}");
}
