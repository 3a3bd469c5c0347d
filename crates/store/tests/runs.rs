//! Runs against a real Postgres: lifecycle compare-and-set, history, tenancy
//! and pagination.

use agentclash_core::{RunId, RunStatus, WorkspaceId};
use agentclash_store::runs::NewRun;
use agentclash_store::{Store, StoreError};
use agentclash_testkit::TestDb;

async fn store_with_workspace() -> (Store, WorkspaceId) {
    let db = TestDb::new().await;
    let tenant = db.tenant("owner").await;
    (db.store, tenant.workspace.id)
}

#[tokio::test]
async fn a_run_walks_its_lifecycle_and_every_step_is_recorded() {
    let (store, ws) = store_with_workspace().await;
    let run = store
        .create_run(ws, &NewRun::named("lifecycle"))
        .await
        .expect("create");
    assert_eq!(run.status, RunStatus::Queued);
    assert_eq!(
        run.workflow_id.as_deref(),
        Some(format!("run-{}", run.id).as_str())
    );
    use RunStatus::*;
    for (from, to) in [
        (Queued, Provisioning),
        (Provisioning, Running),
        (Running, Scoring),
        (Scoring, Completed),
    ] {
        let moved = store
            .transition_run(ws, run.id, from, to, None)
            .await
            .expect("legal step");
        assert_eq!(moved.status, to);
    }
    let done = store.get_run(ws, run.id).await.expect("get");
    assert!(done.finished_at.is_some());
    let history = store.run_history(ws, run.id).await.expect("history");
    let steps: Vec<_> = history.iter().map(|h| (h.from, h.to)).collect();
    assert_eq!(
        steps,
        vec![
            (None, Queued),
            (Some(Queued), Provisioning),
            (Some(Provisioning), Running),
            (Some(Running), Scoring),
            (Some(Scoring), Completed)
        ]
    );
}

#[tokio::test]
async fn compare_and_set_rejects_a_stale_from_state_but_repeating_a_step_is_harmless() {
    let (store, ws) = store_with_workspace().await;
    let run = store
        .create_run(ws, &NewRun::named("cas"))
        .await
        .expect("create");
    store
        .transition_run(ws, run.id, RunStatus::Queued, RunStatus::Provisioning, None)
        .await
        .expect("first");
    // A retried activity repeats the step: no error, no second history row.
    let again = store
        .transition_run(ws, run.id, RunStatus::Queued, RunStatus::Provisioning, None)
        .await
        .expect("repeat is a no-op");
    assert_eq!(again.status, RunStatus::Provisioning);
    assert_eq!(
        store.run_history(ws, run.id).await.expect("history").len(),
        2
    );
    // A step from a state the run is not in loses.
    let err = store
        .transition_run(ws, run.id, RunStatus::Running, RunStatus::Scoring, None)
        .await
        .expect_err("stale from-state");
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("is provisioning")),
        "{err}"
    );
    // Illegal edges are refused before touching the database.
    let err = store
        .transition_run(
            ws,
            run.id,
            RunStatus::Provisioning,
            RunStatus::Completed,
            None,
        )
        .await
        .expect_err("skips a phase");
    assert!(matches!(err, StoreError::Conflict(_)));
}

#[tokio::test]
async fn failing_records_the_reason_from_any_state_and_terminal_runs_stay_put() {
    let (store, ws) = store_with_workspace().await;
    let run = store
        .create_run(ws, &NewRun::named("fail"))
        .await
        .expect("create");
    store
        .transition_run(ws, run.id, RunStatus::Queued, RunStatus::Provisioning, None)
        .await
        .expect("step");
    let failed = store
        .fail_run(ws, run.id, "sandbox exploded")
        .await
        .expect("fail");
    assert_eq!(failed.status, RunStatus::Failed);
    assert_eq!(failed.failure_reason.as_deref(), Some("sandbox exploded"));
    let still = store
        .cancel_run(ws, run.id, "too late")
        .await
        .expect("no-op");
    assert_eq!(still.status, RunStatus::Failed);
    let last = store
        .run_history(ws, run.id)
        .await
        .expect("history")
        .pop()
        .expect("rows");
    assert_eq!(
        (last.from, last.to),
        (Some(RunStatus::Provisioning), RunStatus::Failed)
    );
    assert_eq!(last.reason.as_deref(), Some("sandbox exploded"));
}

#[tokio::test]
async fn another_workspace_cannot_see_or_move_a_run() {
    let (store, ws) = store_with_workspace().await;
    let run = store
        .create_run(ws, &NewRun::named("private"))
        .await
        .expect("create");
    let stranger = WorkspaceId::new();
    assert!(matches!(
        store.get_run(stranger, run.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.run_history(stranger, run.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .transition_run(
                stranger,
                run.id,
                RunStatus::Queued,
                RunStatus::Provisioning,
                None
            )
            .await
            .is_err()
    );
    assert!(
        store
            .list_runs(stranger, 20, None, &Default::default())
            .await
            .expect("list")
            .items
            .is_empty()
    );
    assert_eq!(
        store
            .get_run(ws, run.id)
            .await
            .expect("owner sees it")
            .status,
        RunStatus::Queued
    );
}

#[tokio::test]
async fn listing_pages_newest_first_with_a_stable_cursor() {
    let (store, ws) = store_with_workspace().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            store
                .create_run(ws, &NewRun::named(&format!("run {i}")))
                .await
                .expect("create")
                .id,
        );
    }
    ids.reverse();
    let mut seen: Vec<RunId> = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_runs(ws, 2, cursor, &Default::default())
            .await
            .expect("page");
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|r| r.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let db = TestDb::new().await;
    db.store.migrate().await.expect("second run is a no-op");
    db.tenant("after-migrate").await;
}

#[tokio::test]
async fn an_unreachable_database_is_reported_as_unavailable() {
    let store = Store::connect_lazy("postgres://nobody@127.0.0.1:1/none").expect("url parses");
    let err = store.ping().await.expect_err("nothing listens on port 1");
    assert!(err.is_unavailable(), "{err:?}");
}

#[tokio::test]
async fn text_with_a_nul_character_is_invalid_input_not_a_database_error() {
    let (store, ws) = store_with_workspace().await;
    let err = store
        .create_run(ws, &NewRun::named("bad\0name"))
        .await
        .expect_err("NUL cannot be stored");
    assert!(matches!(err, StoreError::InvalidInput(_)), "{err:?}");
}
