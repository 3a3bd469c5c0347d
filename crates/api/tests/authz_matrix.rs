//! The authorisation matrix: every operation of the OpenAPI document, called
//! as every kind of caller, answers the expected status. An operation added
//! to the API without a row here fails the test, and so does a row whose
//! operation no longer exists.

mod common;

use common::ClientExt as _;

use agentclash_core::{OrgRole, WorkspaceRole};
use agentclash_store::runs::NewRun;
use common::{client_with_token, dead_address, start_with_tenant};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The callers, in the order of every row's expected statuses.
const CALLERS: [&str; 6] = [
    "anonymous",
    "viewer",
    "member",
    "admin",
    "org_admin",
    "outsider",
];

/// What a row needs to build its request for one caller.
struct Ctx<'a> {
    ws: String,
    org: String,
    run: String,
    /// A lane of a second run (with a deployment), for the replay rows.
    lane: String,
    spare_token: String,
    pack_source: String,
    pack_slug: String,
    /// Agent resources created during set-up.
    agents: &'a Agents,
    /// Users and an invitation the membership rows act on.
    people: &'a People,
    caller: &'a str,
}

/// Ids the membership and invitation rows use.
struct People {
    /// A workspace viewer whose role the PUT row sets (idempotently).
    ws_target: String,
    /// An org member whose role the PUT row sets (idempotently).
    org_target: String,
    /// Per caller: a workspace member and an org member the DELETE rows remove.
    removable: std::collections::BTreeMap<&'static str, (String, String)>,
    /// A pending invitation the DELETE row revokes (idempotently).
    invitation: String,
}

/// Ids of the agent resources the rows use; `spare_*` ones get archived.
struct Agents {
    pack_version: String,
    account: String,
    profile: String,
    build: String,
    draft: String,
    to_ready: String,
    ready: String,
    deployment: String,
    spare_account: String,
    spare_profile: String,
    spare_build: String,
    spare_deployment: String,
}

type Build = fn(&Ctx<'_>) -> (String, Option<Value>);

/// (operation, request builder, expected status per caller in `CALLERS` order).
fn rows() -> Vec<(&'static str, Build, [u16; 6])> {
    vec![
        ("GET /healthz", |_| ("/healthz".into(), None), [200; 6]),
        // Temporal is down in this test, so readiness is 503 for everyone.
        (
            "GET /healthz/ready",
            |_| ("/healthz/ready".into(), None),
            [503; 6],
        ),
        ("GET /metrics", |_| ("/metrics".into(), None), [200; 6]),
        (
            "GET /v1/users/me",
            |_| ("/v1/users/me".into(), None),
            [401, 200, 200, 200, 200, 200],
        ),
        (
            "POST /v1/auth/login",
            // A different account per caller, so sign-in throttling stays out of the way.
            |c| {
                (
                    "/v1/auth/login".into(),
                    Some(
                        json!({ "email": format!("{}@test.local", c.caller), "password": "not the password" }),
                    ),
                )
            },
            [401; 6],
        ),
        (
            "POST /v1/auth/logout",
            |_| ("/v1/auth/logout".into(), None),
            [401, 204, 204, 204, 204, 204],
        ),
        (
            "GET /v1/auth/session",
            |_| ("/v1/auth/session".into(), None),
            [401; 6],
        ),
        (
            "POST /v1/auth/device/code",
            |_| ("/v1/auth/device/code".into(), Some(json!({}))),
            [200; 6],
        ),
        (
            "POST /v1/auth/device/token",
            |_| {
                (
                    "/v1/auth/device/token".into(),
                    Some(json!({ "device_code": "acl_unknown" })),
                )
            },
            [400; 6],
        ),
        (
            "POST /v1/auth/device/approve",
            |_| {
                (
                    "/v1/auth/device/approve".into(),
                    Some(json!({ "user_code": "NOPE-NOPE" })),
                )
            },
            [401, 404, 404, 404, 404, 404],
        ),
        (
            "POST /v1/auth/device/deny",
            |_| {
                (
                    "/v1/auth/device/deny".into(),
                    Some(json!({ "user_code": "NOPE-NOPE" })),
                )
            },
            [401, 404, 404, 404, 404, 404],
        ),
        (
            "GET /v1/auth/tokens",
            |_| ("/v1/auth/tokens".into(), None),
            [401, 200, 200, 200, 200, 200],
        ),
        (
            "POST /v1/auth/tokens",
            |_| ("/v1/auth/tokens".into(), Some(json!({ "name": "matrix" }))),
            [401, 201, 201, 201, 201, 201],
        ),
        (
            // Only the owner (admin) can revoke their token; for everyone else it does not exist.
            "DELETE /v1/auth/tokens/{token_id}",
            |c| (format!("/v1/auth/tokens/{}", c.spare_token), None),
            [401, 404, 404, 204, 404, 404],
        ),
        (
            "GET /v1/organizations",
            |_| ("/v1/organizations".into(), None),
            [401, 200, 200, 200, 200, 200],
        ),
        (
            "GET /v1/workspaces",
            |_| ("/v1/workspaces".into(), None),
            [401, 200, 200, 200, 200, 200],
        ),
        (
            // Workspace members who are not in the organization cannot see it.
            "POST /v1/workspaces",
            |c| {
                (
                    "/v1/workspaces".into(),
                    Some(
                        json!({ "organization_id": c.org, "slug": format!("ws-{}", c.caller.replace('_', "-")), "name": "x" }),
                    ),
                )
            },
            [401, 404, 404, 201, 201, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/runs",
            |c| (format!("/v1/workspaces/{}/runs", c.ws), None),
            [401, 200, 200, 200, 200, 404],
        ),
        (
            // Members pass authorisation; Temporal is down, so the run is failed honestly (503).
            "POST /v1/workspaces/{workspace_id}/runs",
            |c| {
                (
                    format!("/v1/workspaces/{}/runs", c.ws),
                    Some(
                        json!({"pack_version_id": c.agents.pack_version, "deployment_ids": [c.agents.deployment]}),
                    ),
                )
            },
            [401, 403, 503, 503, 503, 404],
        ),
        (
            // Temporal is down, so members get 503 after passing authorisation.
            "POST /v1/workspaces/{workspace_id}/runs/{run_id}/cancel",
            |c| {
                (
                    format!("/v1/workspaces/{}/runs/{}/cancel", c.ws, c.run),
                    None,
                )
            },
            [401, 403, 503, 503, 503, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/runs/{run_id}/events",
            |c| {
                (
                    format!("/v1/workspaces/{}/runs/{}/events", c.ws, c.run),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            // The queued run never ends here; the status line is all the row needs.
            "GET /v1/workspaces/{workspace_id}/runs/{run_id}/events/stream",
            |c| {
                (
                    format!("/v1/workspaces/{}/runs/{}/events/stream", c.ws, c.run),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay",
            |c| {
                (
                    format!("/v1/workspaces/{}/run-agents/{}/replay", c.ws, c.lane),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            // The lane has no events yet, so there is no step 0.
            "GET /v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay/steps/{index}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/run-agents/{}/replay/steps/0",
                        c.ws, c.lane
                    ),
                    None,
                )
            },
            [401, 404, 404, 404, 404, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay/export",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/run-agents/{}/replay/export",
                        c.ws, c.lane
                    ),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            // Nothing is scored yet: 202 with the status.
            "GET /v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/scorecard",
            |c| {
                (
                    format!("/v1/workspaces/{}/run-agents/{}/scorecard", c.ws, c.lane),
                    None,
                )
            },
            [401, 202, 202, 202, 202, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/runs/{run_id}/ranking",
            |c| {
                (
                    format!("/v1/workspaces/{}/runs/{}/ranking", c.ws, c.run),
                    None,
                )
            },
            [401, 202, 202, 202, 202, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/runs/{run_id}/failures",
            |c| {
                (
                    format!("/v1/workspaces/{}/runs/{}/failures", c.ws, c.run),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            // The run has not finished, so members get 409 after passing authorisation.
            "POST /v1/workspaces/{workspace_id}/runs/{run_id}/rescore",
            |c| {
                (
                    format!("/v1/workspaces/{}/runs/{}/rescore", c.ws, c.run),
                    None,
                )
            },
            [401, 403, 409, 409, 409, 404],
        ),
        (
            // The lane has no such event: members pass authorisation and get 404.
            "GET /v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay/locate",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/run-agents/{}/replay/locate?event_id={}",
                        c.ws,
                        c.lane,
                        uuid::Uuid::nil()
                    ),
                    None,
                )
            },
            [401, 404, 404, 404, 404, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/case-scores",
            |c| {
                (
                    format!("/v1/workspaces/{}/run-agents/{}/case-scores", c.ws, c.lane),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/runs/{run_id}/rescore",
            |c| {
                (
                    format!("/v1/workspaces/{}/runs/{}/rescore", c.ws, c.run),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            // The lane is not scored: comparable false, with the reasons.
            "GET /v1/workspaces/{workspace_id}/compare",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/compare?baseline={}&candidate={}",
                        c.ws, c.lane, c.lane
                    ),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/comparisons",
            |c| {
                (
                    format!("/v1/workspaces/{}/comparisons", c.ws),
                    Some(json!({"baseline": c.lane, "candidate": c.lane,
                        "policy": {"required_dimensions": ["correctness"]}})),
                )
            },
            [401, 403, 201, 201, 201, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/comparisons/{comparison_id}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/comparisons/{}",
                        c.ws,
                        uuid::Uuid::now_v7()
                    ),
                    None,
                )
            },
            [401, 404, 404, 404, 404, 404],
        ),
        (
            "PUT /v1/workspaces/{workspace_id}/baselines/{name}",
            |c| {
                (
                    format!("/v1/workspaces/{}/baselines/matrix", c.ws),
                    Some(json!({"run_agent_id": c.lane})),
                )
            },
            [401, 403, 200, 200, 200, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/baselines/{name}",
            |c| (format!("/v1/workspaces/{}/baselines/matrix", c.ws), None),
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/baselines",
            |c| (format!("/v1/workspaces/{}/baselines", c.ws), None),
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "DELETE /v1/workspaces/{workspace_id}/baselines/{name}",
            |c| (format!("/v1/workspaces/{}/baselines/gone", c.ws), None),
            [401, 403, 204, 204, 204, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/runs/{run_id}/cases",
            |c| {
                (
                    format!("/v1/workspaces/{}/runs/{}/cases", c.ws, c.run),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            // A hash the workspace holds no row for is absent, for everyone.
            "GET /v1/workspaces/{workspace_id}/artifacts/{sha256}",
            |c| {
                (
                    format!("/v1/workspaces/{}/artifacts/{}", c.ws, "ab".repeat(32)),
                    None,
                )
            },
            [401, 404, 404, 404, 404, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/provider-accounts",
            |c| (format!("/v1/workspaces/{}/provider-accounts", c.ws), None),
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/provider-accounts",
            |c| {
                (
                    format!("/v1/workspaces/{}/provider-accounts", c.ws),
                    Some(json!({"name": format!("acct {}", c.caller), "provider": "scripted"})),
                )
            },
            [401, 403, 403, 201, 201, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/provider-accounts/{id}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/provider-accounts/{}",
                        c.ws, c.agents.account
                    ),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/provider-accounts/{id}/archive",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/provider-accounts/{}/archive",
                        c.ws, c.agents.spare_account
                    ),
                    None,
                )
            },
            [401, 403, 403, 204, 204, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/runtime-profiles",
            |c| (format!("/v1/workspaces/{}/runtime-profiles", c.ws), None),
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/runtime-profiles",
            |c| {
                (
                    format!("/v1/workspaces/{}/runtime-profiles", c.ws),
                    Some(json!({"name": format!("profile {}", c.caller)})),
                )
            },
            [401, 403, 201, 201, 201, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/runtime-profiles/{id}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/runtime-profiles/{}",
                        c.ws, c.agents.profile
                    ),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/runtime-profiles/{id}/archive",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/runtime-profiles/{}/archive",
                        c.ws, c.agents.spare_profile
                    ),
                    None,
                )
            },
            [401, 403, 204, 204, 204, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/agent-builds",
            |c| (format!("/v1/workspaces/{}/agent-builds", c.ws), None),
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/agent-builds",
            |c| {
                (
                    format!("/v1/workspaces/{}/agent-builds", c.ws),
                    Some(json!({"name": format!("build {}", c.caller)})),
                )
            },
            [401, 403, 201, 201, 201, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/agent-builds/{id}",
            |c| {
                (
                    format!("/v1/workspaces/{}/agent-builds/{}", c.ws, c.agents.build),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/agent-builds/{id}/archive",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/agent-builds/{}/archive",
                        c.ws, c.agents.spare_build
                    ),
                    None,
                )
            },
            [401, 403, 204, 204, 204, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/agent-builds/{id}/versions",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/agent-builds/{}/versions",
                        c.ws, c.agents.build
                    ),
                    Some(json!({"policy": {"system_prompt": "x"}})),
                )
            },
            [401, 403, 201, 201, 201, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/agent-build-versions/{id}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/agent-build-versions/{}",
                        c.ws, c.agents.ready
                    ),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "PUT /v1/workspaces/{workspace_id}/agent-build-versions/{id}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/agent-build-versions/{}",
                        c.ws, c.agents.draft
                    ),
                    Some(json!({"policy": {"system_prompt": c.caller}})),
                )
            },
            [401, 403, 200, 200, 200, 404],
        ),
        (
            // The first member makes it ready; repeating a done transition is a no-op.
            "POST /v1/workspaces/{workspace_id}/agent-build-versions/{id}/status",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/agent-build-versions/{}/status",
                        c.ws, c.agents.to_ready
                    ),
                    Some(json!({"status": "ready"})),
                )
            },
            [401, 403, 200, 200, 200, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/deployments",
            |c| (format!("/v1/workspaces/{}/deployments", c.ws), None),
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/deployments",
            |c| {
                (
                    format!("/v1/workspaces/{}/deployments", c.ws),
                    Some(
                        json!({"name": format!("deployment {}", c.caller), "build_version_id": c.agents.ready,
                        "runtime_profile_id": c.agents.profile, "provider_account_id": c.agents.account, "model": "m",
                        "provider_options": {"scripted": {"default": {"text": "x"}}}}),
                    ),
                )
            },
            [401, 403, 201, 201, 201, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/deployments/{id}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/deployments/{}",
                        c.ws, c.agents.deployment
                    ),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/deployments/{id}/archive",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/deployments/{}/archive",
                        c.ws, c.agents.spare_deployment
                    ),
                    None,
                )
            },
            [401, 403, 204, 204, 204, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/runs/{run_id}",
            |c| (format!("/v1/workspaces/{}/runs/{}", c.ws, c.run), None),
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/secrets",
            |c| (format!("/v1/workspaces/{}/secrets", c.ws), None),
            [401, 403, 200, 200, 200, 404],
        ),
        (
            "PUT /v1/workspaces/{workspace_id}/secrets/{name}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/secrets/PUT_{}",
                        c.ws,
                        c.caller.to_uppercase()
                    ),
                    Some(json!({ "value": "v" })),
                )
            },
            [401, 403, 403, 201, 201, 404],
        ),
        (
            "DELETE /v1/workspaces/{workspace_id}/secrets/{name}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/secrets/DEL_{}",
                        c.ws,
                        c.caller.to_uppercase()
                    ),
                    None,
                )
            },
            [401, 403, 403, 204, 204, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/challenge-packs/validate",
            |c| {
                (
                    format!("/v1/workspaces/{}/challenge-packs/validate", c.ws),
                    Some(json!({ "source": "pack: {}" })),
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            // The pack was published during set-up, so members get the existing version (200).
            "POST /v1/workspaces/{workspace_id}/challenge-packs",
            |c| {
                (
                    format!("/v1/workspaces/{}/challenge-packs", c.ws),
                    Some(json!({ "source": c.pack_source })),
                )
            },
            [401, 403, 200, 200, 200, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/challenge-packs",
            |c| (format!("/v1/workspaces/{}/challenge-packs", c.ws), None),
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/challenge-packs/{slug}/versions",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/challenge-packs/{}/versions",
                        c.ws, c.pack_slug
                    ),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/challenge-packs/{slug}/versions/{version}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/challenge-packs/{}/versions/1",
                        c.ws, c.pack_slug
                    ),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/challenge-packs/{slug}/versions/{version}/input-sets",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/challenge-packs/{}/versions/1/input-sets",
                        c.ws, c.pack_slug
                    ),
                    None,
                )
            },
            [401, 200, 200, 200, 200, 404],
        ),
        (
            // Anonymous sign-up; this server has no open sign-up, so without an invitation: 403.
            "POST /v1/users",
            |c| {
                (
                    "/v1/users".into(),
                    Some(
                        json!({"email": format!("signup-{}@test.local", c.caller), "password": "long enough password"}),
                    ),
                )
            },
            [403; 6],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/members",
            |c| (format!("/v1/workspaces/{}/members", c.ws), None),
            [401, 200, 200, 200, 200, 404],
        ),
        (
            "PUT /v1/workspaces/{workspace_id}/members/{user_id}",
            |c| {
                (
                    format!("/v1/workspaces/{}/members/{}", c.ws, c.people.ws_target),
                    Some(json!({"role": "workspace_viewer"})),
                )
            },
            [401, 403, 403, 200, 200, 404],
        ),
        (
            "DELETE /v1/workspaces/{workspace_id}/members/{user_id}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/members/{}",
                        c.ws, c.people.removable[c.caller].0
                    ),
                    None,
                )
            },
            [401, 403, 403, 204, 204, 404],
        ),
        (
            // Workspace members outside the organization do not see it.
            "GET /v1/organizations/{organization_id}/members",
            |c| (format!("/v1/organizations/{}/members", c.org), None),
            [401, 404, 404, 200, 200, 404],
        ),
        (
            "PUT /v1/organizations/{organization_id}/members/{user_id}",
            |c| {
                (
                    format!(
                        "/v1/organizations/{}/members/{}",
                        c.org, c.people.org_target
                    ),
                    Some(json!({"role": "org_member"})),
                )
            },
            [401, 404, 404, 200, 200, 404],
        ),
        (
            "DELETE /v1/organizations/{organization_id}/members/{user_id}",
            |c| {
                (
                    format!(
                        "/v1/organizations/{}/members/{}",
                        c.org, c.people.removable[c.caller].1
                    ),
                    None,
                )
            },
            [401, 404, 404, 204, 204, 404],
        ),
        (
            "GET /v1/workspaces/{workspace_id}/invitations",
            |c| (format!("/v1/workspaces/{}/invitations", c.ws), None),
            [401, 403, 403, 200, 200, 404],
        ),
        (
            "POST /v1/workspaces/{workspace_id}/invitations",
            |c| {
                (
                    format!("/v1/workspaces/{}/invitations", c.ws),
                    Some(
                        json!({"email": format!("invitee-{}@test.local", c.caller), "role": "workspace_viewer"}),
                    ),
                )
            },
            [401, 403, 403, 201, 201, 404],
        ),
        (
            "DELETE /v1/workspaces/{workspace_id}/invitations/{invitation_id}",
            |c| {
                (
                    format!(
                        "/v1/workspaces/{}/invitations/{}",
                        c.ws, c.people.invitation
                    ),
                    None,
                )
            },
            [401, 403, 403, 204, 204, 404],
        ),
        (
            // Any signed-in user may try; this token matches nothing.
            "POST /v1/invitations/accept",
            |_| {
                (
                    "/v1/invitations/accept".into(),
                    Some(json!({"token": "acl_unknown"})),
                )
            },
            [401, 404, 404, 404, 404, 404],
        ),
    ]
}

#[tokio::test]
async fn every_operation_answers_every_caller_as_specified() {
    let (api, db) = start_with_tenant(&dead_address(), 4 << 20).await;
    let ws = api.tenant.workspace.id;
    let org = api.tenant.workspace.organization_id;

    // The matrix covers exactly the operations of the OpenAPI document.
    let doc = serde_json::to_value(agentclash_api::openapi()).expect("document serialises");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                documented.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    // Every operation has its own operationId (generated clients name
    // functions after them).
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                assert!(
                    ids.insert(id.to_owned()),
                    "operationId `{id}` repeats at {method} {path}"
                );
            }
        }
    }
    let rows = rows();
    let covered: BTreeSet<String> = rows.iter().map(|(op, _, _)| (*op).to_owned()).collect();
    assert_eq!(
        documented, covered,
        "every documented operation needs a matrix row, and only those"
    );

    // Callers.
    let mut tokens = vec![None];
    for (who, role) in [
        ("viewer", WorkspaceRole::Viewer),
        ("member", WorkspaceRole::Member),
    ] {
        let user = db.user(who).await;
        db.store
            .set_workspace_role(ws, user.id, role)
            .await
            .expect("grant");
        tokens.push(Some(db.token_for(&user).await));
    }
    tokens.push(Some(api.tenant.token.clone()));
    let org_admin = db.user("orgadmin").await;
    db.store
        .set_org_role(org, org_admin.id, OrgRole::Admin)
        .await
        .expect("grant");
    tokens.push(Some(db.token_for(&org_admin).await));
    tokens.push(Some(db.tenant("outsider").await.token));

    // Resources the rows refer to.
    let run = db
        .store
        .create_run(ws, &NewRun::named("existing"))
        .await
        .expect("run")
        .id
        .to_string();
    let spare = agentclash_auth::mint_token();
    let spare_token = db
        .store
        .create_api_token(
            api.tenant.user.id,
            "spare",
            &spare.hash.0,
            &spare.display_prefix,
            None,
        )
        .await
        .expect("token")
        .id
        .to_string();
    for caller in CALLERS {
        db.store
            .put_secret(
                ws,
                &format!("DEL_{}", caller.to_uppercase()),
                b"x",
                api.tenant.user.id,
            )
            .await
            .expect("secret");
    }

    let pack_source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/packs/prompt-injection-classic.yaml"),
    )
    .expect("shared pack");
    let published: Value = client_with_token(&api.tenant.token)
        .post_json(
            api.ws_url("/challenge-packs"),
            &json!({ "source": pack_source }),
        )
        .await
        .json()
        .await
        .expect("json");
    let pack_slug = published["slug"].as_str().expect("published").to_owned();
    let agents = agents(&db.store, ws, published["id"].as_str().expect("version id")).await;
    let (snapshot_id, snapshot) = db
        .store
        .snapshot_deployment(ws, agents.deployment.parse().expect("deployment id"))
        .await
        .expect("snapshot");
    let with_lane = db
        .store
        .create_run(
            ws,
            &NewRun {
                name: "with a lane".into(),
                lanes: vec![agentclash_store::lanes::NewLane {
                    label: snapshot.deployment_name,
                    deployment_id: snapshot.deployment_id,
                    snapshot_id,
                }],
                ..NewRun::default()
            },
        )
        .await
        .expect("run");
    let lane = db
        .store
        .list_run_agents(ws, with_lane.id)
        .await
        .expect("lanes")[0]
        .id
        .to_string();

    let people = people(&db, ws, org, api.tenant.user.id).await;

    let mut failures = Vec::new();
    for (op, build, expected) in rows {
        let (method, _) = op.split_once(' ').expect("METHOD path");
        for (i, caller) in CALLERS.iter().enumerate() {
            let ctx = Ctx {
                ws: ws.to_string(),
                org: org.to_string(),
                run: run.clone(),
                lane: lane.clone(),
                spare_token: spare_token.clone(),
                pack_source: pack_source.clone(),
                pack_slug: pack_slug.clone(),
                agents: &agents,
                people: &people,
                caller,
            };
            let (path, body) = build(&ctx);
            let client = tokens[i]
                .as_deref()
                .map_or_else(reqwest::Client::new, client_with_token);
            let mut request = client.request(method.parse().expect("method"), api.url(&path));
            if let Some(body) = body {
                request = request.json(&body);
            }
            let got = request.send().await.expect("send").status().as_u16();
            if got != expected[i] {
                failures.push(format!(
                    "{op} as {caller}: expected {}, got {got}",
                    expected[i]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix mismatches:\n{}",
        failures.join("\n")
    );
}

/// Creates the users and the invitation the membership rows act on.
async fn people(
    db: &agentclash_testkit::TestDb,
    ws: agentclash_core::WorkspaceId,
    org: agentclash_core::OrganizationId,
    inviter: agentclash_core::UserId,
) -> People {
    let ws_target = db.user("ws-target").await;
    db.store
        .set_workspace_role(ws, ws_target.id, WorkspaceRole::Viewer)
        .await
        .expect("grant");
    let org_target = db.user("org-target").await;
    db.store
        .set_org_role(org, org_target.id, OrgRole::Member)
        .await
        .expect("grant");
    let mut removable = std::collections::BTreeMap::new();
    for caller in CALLERS {
        let in_ws = db.user(&format!("ws-del-{caller}")).await;
        db.store
            .set_workspace_role(ws, in_ws.id, WorkspaceRole::Member)
            .await
            .expect("grant");
        let in_org = db.user(&format!("org-del-{caller}")).await;
        db.store
            .set_org_role(org, in_org.id, OrgRole::Member)
            .await
            .expect("grant");
        removable.insert(caller, (in_ws.id.to_string(), in_org.id.to_string()));
    }
    let invitation = db
        .store
        .create_invitation(
            ws,
            &agentclash_store::invitations::NewInvitation {
                email: "matrix-invitee@test.local",
                role: WorkspaceRole::Viewer,
                token_hash: &agentclash_auth::mint_token().hash.0,
                expires_at: chrono::Utc::now() + chrono::Duration::days(1),
                invited_by: inviter,
            },
        )
        .await
        .expect("invitation")
        .id
        .to_string();
    People {
        ws_target: ws_target.id.to_string(),
        org_target: org_target.id.to_string(),
        removable,
        invitation,
    }
}

/// Creates the agent resources the rows use, straight through the store.
async fn agents(
    store: &agentclash_store::Store,
    ws: agentclash_core::WorkspaceId,
    pack_version: &str,
) -> Agents {
    use agentclash_core::agents::{AgentPolicy, BuildVersionStatus, ProviderKind, RuntimeLimits};
    use agentclash_store::agents::{NewDeployment, NewProviderAccount, NewRuntimeProfile};
    let account = |name: &str| NewProviderAccount {
        name: name.into(),
        kind: ProviderKind::Scripted,
        base_url: None,
        credential_ref: None,
        max_concurrency: None,
        requests_per_minute: None,
        tokens_per_minute: None,
    };
    let profile = |name: &str| NewRuntimeProfile {
        name: name.into(),
        limits: RuntimeLimits {
            max_iterations: 5,
            max_tool_calls: 5,
            step_timeout_ms: 1000,
            run_timeout_ms: 1000,
            max_parallel_cases: 1,
            allow_shell: None,
            allow_network: None,
        },
    };
    let acct = store
        .create_provider_account(ws, &account("main"))
        .await
        .expect("account");
    let spare_account = store
        .create_provider_account(ws, &account("spare"))
        .await
        .expect("account");
    let prof = store
        .create_runtime_profile(ws, &profile("main"))
        .await
        .expect("profile");
    let spare_profile = store
        .create_runtime_profile(ws, &profile("spare"))
        .await
        .expect("profile");
    let build = store
        .create_agent_build(ws, "main", "")
        .await
        .expect("build");
    let spare_build = store
        .create_agent_build(ws, "spare", "")
        .await
        .expect("build");
    let policy = AgentPolicy::default();
    let ready = store
        .create_build_version(ws, build.id, &policy)
        .await
        .expect("version");
    store
        .transition_build_version(ws, ready.id, BuildVersionStatus::Ready)
        .await
        .expect("ready");
    let draft = store
        .create_build_version(ws, build.id, &policy)
        .await
        .expect("version");
    let to_ready = store
        .create_build_version(ws, build.id, &policy)
        .await
        .expect("version");
    let deployment = |name: &str| NewDeployment {
        name: name.into(),
        build_version_id: ready.id,
        runtime_profile_id: prof.id,
        provider_account_id: acct.id,
        model: "m".into(),
        provider_options: json!({}),
    };
    let main = store
        .create_deployment(ws, &deployment("main"))
        .await
        .expect("deployment");
    let spare = store
        .create_deployment(ws, &deployment("spare"))
        .await
        .expect("deployment");
    Agents {
        pack_version: pack_version.to_owned(),
        account: acct.id.to_string(),
        profile: prof.id.to_string(),
        build: build.id.to_string(),
        draft: draft.id.to_string(),
        to_ready: to_ready.id.to_string(),
        ready: ready.id.to_string(),
        deployment: main.id.to_string(),
        spare_account: spare_account.id.to_string(),
        spare_profile: spare_profile.id.to_string(),
        spare_build: spare_build.id.to_string(),
        spare_deployment: spare.id.to_string(),
    }
}

#[tokio::test]
async fn the_openapi_document_is_served_and_is_3_1() {
    let (api, _db) = start_with_tenant(&dead_address(), 1 << 16).await;
    let doc: Value = api
        .anonymous
        .get_sent(api.url("/v1/openapi.json"))
        .await
        .json()
        .await
        .expect("json");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
}
