//! Request rate limits per caller and per workspace: 429 with Retry-After.

mod common;

use common::ClientExt as _;

use agentclash_api::{AppState, TemporalHandle};
use agentclash_testkit::TestDb;
use common::{client_with_token, dead_address, error_of, serve, temporal_config};

#[tokio::test]
async fn a_caller_over_its_limit_gets_429_with_retry_after_and_others_do_not() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let other = db.tenant("other").await;
    let state = AppState::new(
        db.store.clone(),
        TemporalHandle::new(temporal_config(&dead_address(), "q")),
        "q".into(),
    )
    .with_rate_limits(5, 0);
    let base = serve(agentclash_api::app(state, 1 << 16)).await;
    let me = format!("{base}/v1/users/me");
    let as_owner = client_with_token(&owner.token);
    for _ in 0..5 {
        assert_eq!(as_owner.get_sent(&me).await.status(), 200);
    }
    let r = as_owner.get_sent(&me).await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=12).contains(&retry), "{retry}");
    let (status, code, _) = error_of(r).await;
    assert_eq!((status, code.as_str()), (429, "too_many_requests"));
    assert_eq!(
        client_with_token(&other.token).get_sent(&me).await.status(),
        200
    );
    assert_eq!(
        reqwest::get(format!("{base}/healthz"))
            .await
            .expect("send")
            .status(),
        200,
        "health is never limited"
    );
}

#[tokio::test]
async fn a_busy_workspace_is_limited_across_its_callers() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let ws = owner.workspace.id;
    let member = db.user("member").await;
    db.store
        .set_workspace_role(ws, member.id, agentclash_core::WorkspaceRole::Member)
        .await
        .expect("grant");
    let state = AppState::new(
        db.store.clone(),
        TemporalHandle::new(temporal_config(&dead_address(), "q")),
        "q".into(),
    )
    .with_rate_limits(0, 4);
    let base = serve(agentclash_api::app(state, 1 << 16)).await;
    let runs = format!("{base}/v1/workspaces/{ws}/runs");
    let callers = [
        client_with_token(&owner.token),
        client_with_token(&db.token_for(&member).await),
    ];
    for i in 0..4 {
        assert_eq!(callers[i % 2].get_sent(&runs).await.status(), 200);
    }
    assert_eq!(callers[1].get_sent(&runs).await.status(), 429);
    assert_eq!(
        callers[0]
            .get_sent(format!("{base}/v1/users/me"))
            .await
            .status(),
        200,
        "other routes are not the workspace's"
    );
}
