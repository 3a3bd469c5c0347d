//! Activities: every side effect a workflow performs.

use agentclash_core::{RunId, RunStatus, WorkspaceId};
use agentclash_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// Activities that read and write run state. Holds the store so every
/// activity shares one connection pool.
pub struct RunActivities {
    store: Store,
}

impl RunActivities {
    /// Wraps the store the activities write to.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

/// Input of [`RunActivities::transition_run`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TransitionInput {
    /// Tenancy scope of the run.
    pub workspace_id: WorkspaceId,
    /// The run to move.
    pub run_id: RunId,
    /// The state it must be in.
    pub from: RunStatus,
    /// The state to move it to.
    pub to: RunStatus,
    /// Why (recorded in the history row).
    pub reason: Option<String>,
}

/// Input of [`RunActivities::fail_run`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FailRunInput {
    /// Tenancy scope of the run.
    pub workspace_id: WorkspaceId,
    /// The run to fail.
    pub run_id: RunId,
    /// Recorded as the run's failure reason.
    pub reason: String,
    /// Record `cancelled` instead of `failed`.
    pub cancelled: bool,
}

#[activities]
impl RunActivities {
    /// Compare-and-set one lifecycle step of a run.
    #[activity]
    pub async fn transition_run(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: TransitionInput,
    ) -> Result<RunStatus, ActivityError> {
        let run = self
            .store
            .transition_run(
                input.workspace_id,
                input.run_id,
                input.from,
                input.to,
                input.reason.as_deref(),
            )
            .await
            .map_err(activity_error)?;
        tracing::info!(run_id = %input.run_id, from = %input.from, to = %run.status, "run transitioned");
        Ok(run.status)
    }

    /// Ends a run as failed (or cancelled) from whatever state it is in.
    #[activity]
    pub async fn fail_run(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: FailRunInput,
    ) -> Result<RunStatus, ActivityError> {
        let run = if input.cancelled {
            self.store
                .cancel_run(input.workspace_id, input.run_id, &input.reason)
                .await
        } else {
            self.store
                .fail_run(input.workspace_id, input.run_id, &input.reason)
                .await
        }
        .map_err(activity_error)?;
        tracing::info!(run_id = %input.run_id, status = %run.status, reason = %input.reason, "run ended early");
        Ok(run.status)
    }
}

/// Infrastructure trouble (database down) is retried by Temporal; anything
/// else (a lost compare-and-set, a missing run) will not fix itself.
fn activity_error(e: StoreError) -> ActivityError {
    if e.is_unavailable() {
        ActivityError::application(ApplicationFailure::new(e))
    } else {
        ActivityError::application(ApplicationFailure::non_retryable(e))
    }
}
