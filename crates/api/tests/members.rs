//! Workspace and organization members, invitations and sign-up over HTTP.

mod common;

use agentclash_api::{AppState, TemporalHandle};
use agentclash_core::{OrgRole, WorkspaceRole};
use common::{
    ClientExt as _, TestApi, client_with_token, dead_address, error_of, start_with_tenant,
};
use serde_json::{Value, json};

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A user with `role` in the tenant's workspace and a token.
async fn member(
    api: &TestApi,
    db: &agentclash_testkit::TestDb,
    who: &str,
    role: WorkspaceRole,
) -> (agentclash_store::users::User, reqwest::Client) {
    let user = db.user(who).await;
    db.store
        .set_workspace_role(api.tenant.workspace.id, user.id, role)
        .await
        .expect("grant");
    let client = client_with_token(&db.token_for(&user).await);
    (user, client)
}

/// Serves the full app over `db` with `configure` applied to the state.
async fn serve_configured(
    db: &agentclash_testkit::TestDb,
    configure: impl FnOnce(AppState) -> AppState,
) -> String {
    let queue = agentclash_testkit::unique_task_queue("members-test");
    let state = AppState::new(
        db.store.clone(),
        TemporalHandle::new(common::temporal_config(&dead_address(), &queue)),
        queue,
    );
    common::serve(agentclash_api::app(configure(state), 1 << 20)).await
}

#[tokio::test]
async fn admins_change_roles_and_remove_members_but_keep_one_admin() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let owner = api.tenant.user.id;
    let (viewer, as_viewer) = member(&api, &db, "viewer", WorkspaceRole::Viewer).await;

    // Any member lists; the list shows who, their role and since when.
    let (status, listed) = json_of(as_viewer.get_sent(api.ws_url("/members")).await).await;
    assert_eq!(status, 200, "{listed}");
    let rows: Vec<(&str, &str)> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| {
            (
                m["email"].as_str().expect("email"),
                m["role"].as_str().expect("role"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("owner@test.local", "workspace_admin"),
            ("viewer@test.local", "workspace_viewer")
        ]
    );
    assert!(listed["items"][0]["since"].is_string());
    assert!(listed["items"][0]["user_id"].is_string());

    // Only admins manage.
    let url = api.ws_url(&format!("/members/{}", viewer.id));
    let r = as_viewer
        .put_json(&url, &json!({"role": "workspace_admin"}))
        .await;
    assert_eq!(error_of(r).await.0, 403);
    assert_eq!(as_viewer.delete_sent(&url).await.status(), 403);

    let (status, changed) = json_of(
        api.http
            .put_json(&url, &json!({"role": "workspace_member"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, changed["role"].as_str()),
        (200, Some("workspace_member"))
    );
    let r = api.http.put_json(&url, &json!({"role": "owner"})).await;
    assert_eq!(error_of(r).await.0, 400, "unknown role");
    let r = api
        .http
        .put_json(&url, &json!({"role": "workspace_member", "extra": 1}))
        .await;
    assert_eq!(error_of(r).await.0, 400, "unknown field");

    // The last admin can neither step down nor leave.
    let own = api.ws_url(&format!("/members/{owner}"));
    for r in [
        api.http
            .put_json(&own, &json!({"role": "workspace_viewer"}))
            .await,
        api.http.delete_sent(&own).await,
    ] {
        let (status, code, message) = error_of(r).await;
        assert_eq!((status, code.as_str()), (409, "conflict"));
        assert!(message.contains("last workspace_admin"), "{message}");
    }

    // Not a member, or not an id: 404.
    let stranger = db.user("stranger").await;
    for path in [format!("/members/{}", stranger.id), "/members/nope".into()] {
        let r = api
            .http
            .put_json(api.ws_url(&path), &json!({"role": "workspace_viewer"}))
            .await;
        assert_eq!(error_of(r).await.0, 404, "{path}");
    }

    assert_eq!(api.http.delete_sent(&url).await.status(), 204);
    assert_eq!(api.http.delete_sent(&url).await.status(), 404);
}

#[tokio::test]
async fn a_removed_member_loses_access_at_once_but_keeps_their_tokens() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let (member, as_member) = member(&api, &db, "member", WorkspaceRole::Member).await;
    assert_eq!(as_member.get_sent(api.ws_url("/runs")).await.status(), 200);
    assert_eq!(
        api.http
            .delete_sent(api.ws_url(&format!("/members/{}", member.id)))
            .await
            .status(),
        204
    );
    // The very next request with the same token no longer reaches it.
    let (status, code, message) = error_of(as_member.get_sent(api.ws_url("/runs")).await).await;
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (404, "not_found", "workspace not found")
    );
    // The token itself still works (nothing else was revoked).
    assert_eq!(
        as_member.get_sent(api.url("/v1/users/me")).await.status(),
        200
    );
    let (_, workspaces) = json_of(as_member.get_sent(api.url("/v1/workspaces")).await).await;
    assert_eq!(workspaces["items"], json!([]));
}

#[tokio::test]
async fn org_admins_manage_org_members_and_org_members_only_list() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let org = api.tenant.workspace.organization_id;
    let bob = db.user("bob").await;
    db.store
        .set_org_role(org, bob.id, OrgRole::Member)
        .await
        .expect("grant");
    db.store
        .set_workspace_role(api.tenant.workspace.id, bob.id, WorkspaceRole::Member)
        .await
        .expect("grant");
    let as_bob = client_with_token(&db.token_for(&bob).await);
    let members = api.url(&format!("/v1/organizations/{org}/members"));
    let bob_url = format!("{members}/{}", bob.id);

    let (status, listed) = json_of(as_bob.get_sent(&members).await).await;
    assert_eq!(status, 200);
    assert_eq!(listed["items"].as_array().expect("items").len(), 2);
    let r = as_bob
        .put_json(&bob_url, &json!({"role": "org_admin"}))
        .await;
    assert_eq!(error_of(r).await.0, 403, "org members do not manage");

    let outsider = db.tenant("outsider").await;
    let r = client_with_token(&outsider.token).get_sent(&members).await;
    assert_eq!(
        error_of(r).await.0,
        404,
        "another organization does not exist for them"
    );
    let r = api
        .http
        .get_sent(api.url("/v1/organizations/not-an-id/members"))
        .await;
    assert_eq!(error_of(r).await.0, 404);

    let own = format!("{members}/{}", api.tenant.user.id);
    let r = api
        .http
        .put_json(&own, &json!({"role": "org_member"}))
        .await;
    let (status, _, message) = error_of(r).await;
    assert_eq!(status, 409);
    assert!(message.contains("last org_admin"), "{message}");

    let (status, changed) = json_of(
        api.http
            .put_json(&bob_url, &json!({"role": "org_admin"}))
            .await,
    )
    .await;
    assert_eq!((status, changed["role"].as_str()), (200, Some("org_admin")));
    // Now the owner may step down: bob administers the organization.
    let (status, _) = json_of(
        api.http
            .put_json(&own, &json!({"role": "org_member"}))
            .await,
    )
    .await;
    assert_eq!(status, 200);

    // Removing from the organization removes from its workspaces.
    assert_eq!(
        as_bob.delete_sent(&own).await.status(),
        409,
        "the owner is the workspace's last admin"
    );
    assert_eq!(
        as_bob
            .put_json(&own, &json!({"role": "org_admin"}))
            .await
            .status(),
        200
    );
    assert_eq!(api.http.delete_sent(&bob_url).await.status(), 204);
    let r = as_bob.get_sent(api.ws_url("/runs")).await;
    assert_eq!(error_of(r).await.0, 404, "bob left the workspace too");
}

/// Creates an invitation as the tenant owner; returns (id, token).
async fn invite(api: &TestApi, email: &str, role: &str) -> (String, String) {
    let (status, created) = json_of(
        api.http
            .post_json(
                api.ws_url("/invitations"),
                &json!({"email": email, "role": role}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    (
        created["id"].as_str().expect("id").to_owned(),
        created["token"].as_str().expect("token").to_owned(),
    )
}

#[tokio::test]
async fn invitation_lifecycle_create_list_accept_reuse_revoke_expire() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let ws = api.tenant.workspace.id;
    let (_, as_member) = member(&api, &db, "member", WorkspaceRole::Member).await;

    // Only admins invite and see invitations.
    let r = as_member
        .post_json(
            api.ws_url("/invitations"),
            &json!({"email": "x@y.z", "role": "workspace_viewer"}),
        )
        .await;
    assert_eq!(error_of(r).await.0, 403);
    assert_eq!(
        as_member
            .get_sent(api.ws_url("/invitations"))
            .await
            .status(),
        403
    );
    let r = api
        .http
        .post_json(
            api.ws_url("/invitations"),
            &json!({"email": "not an email", "role": "workspace_viewer"}),
        )
        .await;
    assert_eq!(error_of(r).await.0, 400);
    let r = api
        .http
        .post_json(
            api.ws_url("/invitations"),
            &json!({"email": "member@test.local", "role": "workspace_viewer"}),
        )
        .await;
    assert_eq!(error_of(r).await.0, 409, "already a member");

    let (id, token) = invite(&api, "Ada@Example.com", "workspace_member").await;
    assert!(
        token.starts_with("aci_"),
        "invitation tokens are recognisable as such: {token}"
    );
    let (_, listed) = json_of(api.http.get_sent(api.ws_url("/invitations")).await).await;
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["email"], "ada@example.com");
    assert_eq!(items[0]["role"], "workspace_member");
    assert!(
        items[0].get("token").is_none(),
        "never shown again: {listed}"
    );
    assert!(!listed.to_string().contains(&token));

    // Someone else signed in cannot use it.
    let eve = db.user("eve").await;
    let as_eve = client_with_token(&db.token_for(&eve).await);
    let r = as_eve
        .post_json(api.url("/v1/invitations/accept"), &json!({"token": token}))
        .await;
    assert_eq!(error_of(r).await.0, 403);

    // The invited user accepts: member of the workspace and of the organization.
    let ada = db
        .store
        .create_user("ada@example.com", "Ada", None)
        .await
        .expect("user");
    let as_ada = client_with_token(&db.token_for(&ada).await);
    assert_eq!(as_ada.get_sent(api.ws_url("/runs")).await.status(), 404);
    let (status, joined) = json_of(
        as_ada
            .post_json(api.url("/v1/invitations/accept"), &json!({"token": token}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(
        (joined["id"].as_str(), joined["role"].as_str()),
        (Some(ws.to_string().as_str()), Some("workspace_member"))
    );
    assert_eq!(as_ada.get_sent(api.ws_url("/runs")).await.status(), 200);
    assert_eq!(
        db.store
            .org_role(ada.id, api.tenant.workspace.organization_id)
            .await
            .expect("q"),
        Some(OrgRole::Member)
    );

    // Reuse: 409; revoking an accepted invitation: 409; unknown token: 404.
    let r = as_ada
        .post_json(api.url("/v1/invitations/accept"), &json!({"token": token}))
        .await;
    assert_eq!(error_of(r).await.0, 409);
    let r = api
        .http
        .delete_sent(api.ws_url(&format!("/invitations/{id}")))
        .await;
    assert_eq!(error_of(r).await.0, 409);
    let r = as_ada
        .post_json(
            api.url("/v1/invitations/accept"),
            &json!({"token": "aci_unknown"}),
        )
        .await;
    let (status, _, message) = error_of(r).await;
    assert_eq!(
        (status, message.as_str()),
        (404, "unknown or revoked invitation")
    );

    // Revoked: gone from the list, and 404 like an unknown token.
    let bob = db.user("bob").await;
    let as_bob = client_with_token(&db.token_for(&bob).await);
    let (revoked_id, revoked) = invite(&api, "bob@test.local", "workspace_viewer").await;
    let url = api.ws_url(&format!("/invitations/{revoked_id}"));
    assert_eq!(api.http.delete_sent(&url).await.status(), 204);
    assert_eq!(api.http.delete_sent(&url).await.status(), 204, "idempotent");
    let r = as_bob
        .post_json(
            api.url("/v1/invitations/accept"),
            &json!({"token": revoked}),
        )
        .await;
    assert_eq!(error_of(r).await.0, 404);
    let (_, listed) = json_of(api.http.get_sent(api.ws_url("/invitations")).await).await;
    assert_eq!(listed["items"], json!([]));
    let r = api
        .http
        .delete_sent(api.ws_url("/invitations/01a20bc9-5f8d-705c-be2e-516269f773ee"))
        .await;
    assert_eq!(error_of(r).await.0, 404);

    // Expired: a distinct `expired_token` error.
    let (expired_id, expired) = invite(&api, "bob@test.local", "workspace_viewer").await;
    sqlx::query("UPDATE workspace_invitations SET expires_at = now() - interval '1 second' WHERE id = $1::uuid")
        .bind(&expired_id)
        .execute(db.store.pool())
        .await
        .expect("expire");
    let r = as_bob
        .post_json(
            api.url("/v1/invitations/accept"),
            &json!({"token": expired}),
        )
        .await;
    let (status, code, _) = error_of(r).await;
    assert_eq!((status, code.as_str()), (400, "expired_token"));

    // Anonymous callers must sign in (or sign up) to accept.
    let r = api
        .anonymous
        .post_json(
            api.url("/v1/invitations/accept"),
            &json!({"token": expired}),
        )
        .await;
    assert_eq!(error_of(r).await.0, 401);
}

#[tokio::test]
async fn sign_up_needs_an_invitation_unless_open_and_accepts_it_in_one_step() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let users = api.url("/v1/users");
    let body = |email: &str, token: Option<&str>| json!({"email": email, "password": "correct horse battery", "display_name": "New", "invitation_token": token});

    let r = api
        .anonymous
        .post_json(&users, &body("new@test.local", None))
        .await;
    let (status, code, message) = error_of(r).await;
    assert_eq!((status, code.as_str()), (403, "forbidden"));
    assert!(message.contains("invitation"), "{message}");

    let (_, token) = invite(&api, "new@test.local", "workspace_viewer").await;
    let r = api
        .anonymous
        .post_json(&users, &body("other@test.local", Some(&token)))
        .await;
    assert_eq!(error_of(r).await.0, 403, "the invited email must sign up");
    let r = api
        .anonymous
        .post_json(
            &users,
            &json!({"email": "new@test.local", "password": "short", "invitation_token": token}),
        )
        .await;
    let (status, _, message) = error_of(r).await;
    assert_eq!(status, 400);
    assert!(message.contains("password"), "{message}");

    let (status, created) = json_of(
        api.anonymous
            .post_json(&users, &body("NEW@test.local", Some(&token)))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["user"]["email"], "new@test.local");
    assert_eq!(created["workspace"]["role"], "workspace_viewer");
    assert!(created.get("password").is_none() && !created.to_string().contains("horse"));

    // The new account signs in and reaches the workspace.
    let login = api
        .anonymous
        .post_json(
            api.url("/v1/auth/login"),
            &json!({"email": "new@test.local", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(login.status(), 200);
    let user = db
        .store
        .find_user_by_email("new@test.local")
        .await
        .expect("q")
        .expect("created")
        .0;
    let as_new = client_with_token(&db.token_for(&user).await);
    assert_eq!(as_new.get_sent(api.ws_url("/runs")).await.status(), 200);

    // The token is spent; the email is taken.
    let r = api
        .anonymous
        .post_json(&users, &body("new2@test.local", Some(&token)))
        .await;
    assert_eq!(error_of(r).await.0, 409);

    // With open sign-up, no invitation is needed; duplicates are 409.
    let open = serve_configured(&db, |s| s.with_open_signup(true)).await;
    let client = reqwest::Client::new();
    let (status, created) = json_of(
        client
            .post_json(
                format!("{open}/v1/users"),
                &json!({"email": "Solo@Test.local", "password": "long enough password"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["user"]["email"], "solo@test.local");
    assert_eq!(created["user"]["display_name"], "solo");
    assert_eq!(created["workspace"], Value::Null);
    let r = client
        .post_json(
            format!("{open}/v1/users"),
            &json!({"email": "solo@test.local", "password": "long enough password"}),
        )
        .await;
    assert_eq!(error_of(r).await.0, 409);
}

#[tokio::test]
async fn anonymous_sign_ups_are_throttled() {
    let db = agentclash_testkit::TestDb::new().await;
    let base = serve_configured(&db, |s| s.with_signup_limit(3)).await;
    let client = reqwest::Client::new();
    let body = json!({"email": "x@test.local", "password": "long enough password"});
    let url = format!("{base}/v1/users");
    let attempt = || client.post_json(&url, &body);
    for _ in 0..3 {
        assert_eq!(
            attempt().await.status(),
            403,
            "closed server, within the limit"
        );
    }
    let r = attempt().await;
    assert!(r.headers().contains_key("retry-after"));
    let (status, code, _) = error_of(r).await;
    assert_eq!((status, code.as_str()), (429, "too_many_requests"));
}

/// Reads every page of `path` (a list under `base`), `limit` at a time.
async fn all_pages(client: &reqwest::Client, url: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    for _ in 0..50 {
        let sep = if url.contains('?') { '&' } else { '?' };
        let (status, page) = json_of(
            client
                .get_sent(format!("{url}{sep}limit={limit}{cursor}"))
                .await,
        )
        .await;
        assert_eq!(status, 200, "{url}: {page}");
        let batch = page["items"].as_array().expect("items");
        assert!(batch.len() <= limit as usize);
        items.extend(batch.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return items,
        }
    }
    panic!("{url} never ended");
}

#[tokio::test]
async fn identity_secret_and_pack_lists_are_cursor_paginated() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let org = api.tenant.workspace.organization_id;
    for i in 0..3 {
        let r = api
            .http
            .post_json(
                api.url("/v1/auth/tokens"),
                &json!({"name": format!("t{i}")}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let r = api
            .http
            .post_json(
                api.url("/v1/workspaces"),
                &json!({"organization_id": org, "slug": format!("ws-{i}"), "name": "x"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        db.store
            .create_organization(api.tenant.user.id, &format!("org-{i}"), "x")
            .await
            .expect("org");
        let r = api
            .http
            .put_json(
                api.ws_url(&format!("/secrets/S{i}")),
                &json!({"value": "v"}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let (_, first) = json_of(api.http.get_sent(api.url("/v1/auth/tokens?limit=2")).await).await;
    assert_eq!(first["items"].as_array().expect("items").len(), 2);
    assert!(first["next_cursor"].is_string());

    let tokens = all_pages(&api.http, &api.url("/v1/auth/tokens"), 2).await;
    assert_eq!(tokens.len(), 4, "the tenant's token and three more");
    let workspaces = all_pages(&api.http, &api.url("/v1/workspaces"), 2).await;
    let slugs: Vec<&str> = workspaces
        .iter()
        .filter_map(|w| w["slug"].as_str())
        .collect();
    assert_eq!(slugs, ["main", "ws-0", "ws-1", "ws-2"]);
    let orgs = all_pages(&api.http, &api.url("/v1/organizations"), 2).await;
    assert_eq!(orgs.len(), 4);
    let secrets = all_pages(&api.http, &api.ws_url("/secrets"), 2).await;
    let names: Vec<&str> = secrets.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["S0", "S1", "S2"]);

    // Packs and their versions.
    let pack = |n: u32| {
        common::example("packs/unit-conversion.yaml").replacen(
            "\n",
            &format!("\n# revision {n}\n"),
            1,
        )
    };
    for n in 0..3 {
        api.post_ok(
            &api.ws_path("/challenge-packs"),
            &json!({"source": pack(n)}),
        )
        .await;
    }
    let packs = all_pages(&api.http, &api.ws_url("/challenge-packs"), 1).await;
    assert_eq!(packs.len(), 1);
    assert_eq!(packs[0]["latest_version"], 3);
    let slug = packs[0]["slug"].as_str().expect("slug");
    let versions = all_pages(
        &api.http,
        &api.ws_url(&format!("/challenge-packs/{slug}/versions")),
        2,
    )
    .await;
    let numbers: Vec<i64> = versions
        .iter()
        .filter_map(|v| v["version"].as_i64())
        .collect();
    assert_eq!(numbers, [3, 2, 1], "newest first");

    // Bad paging parameters are 400s naming the parameter.
    for bad in [
        "/v1/auth/tokens?limit=0",
        "/v1/workspaces?limit=101",
        "/v1/organizations?cursor=nope",
    ] {
        let (status, _, message) = error_of(api.http.get_sent(api.url(bad)).await).await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            message.contains("limit") || message.contains("cursor"),
            "{bad}: {message}"
        );
    }
}
