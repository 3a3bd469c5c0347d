//! `RunWorkflow`: drives one run through its lifecycle.
//!
//! For now each phase is a single state transition; the run-engine and
//! scoring issues fill `running` (one child workflow per lane) and `scoring`.

use crate::activities::{FailRunInput, RunActivities, TransitionInput};
use agentclash_core::{RunId, RunStatus, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityCloseTimeouts, ActivityExecutionError, ActivityOptions, WorkflowCancellationToken,
    WorkflowContext, WorkflowResult,
};

/// Input of [`RunWorkflow`]: which run, in which workspace.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunWorkflowInput {
    /// Tenancy scope of the run.
    pub workspace_id: WorkspaceId,
    /// The run to drive.
    pub run_id: RunId,
}

/// The lifecycle steps the workflow performs, in order.
const STEPS: [(RunStatus, RunStatus); 4] = [
    (RunStatus::Queued, RunStatus::Provisioning),
    (RunStatus::Provisioning, RunStatus::Running),
    (RunStatus::Running, RunStatus::Scoring),
    (RunStatus::Scoring, RunStatus::Completed),
];

/// Drives one run from `queued` to a terminal state.
#[workflow]
#[derive(Default)]
pub struct RunWorkflow;

#[workflow_methods]
impl RunWorkflow {
    /// Runs every step; on a non-retryable failure or cancellation records
    /// the terminal state before finishing.
    #[run(name = "RunWorkflow")]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: RunWorkflowInput,
    ) -> WorkflowResult<RunStatus> {
        for (from, to) in STEPS {
            let step = TransitionInput {
                workspace_id: input.workspace_id,
                run_id: input.run_id,
                from,
                to,
                reason: None,
            };
            match ctx
                .execute_activity(
                    RunActivities::transition_run,
                    step,
                    db_activity_options(None),
                )
                .await
            {
                Ok(_) => {}
                Err(error) => {
                    let cancelled = matches!(error, ActivityExecutionError::Cancelled(_));
                    let reason = if cancelled {
                        "cancelled".to_owned()
                    } else {
                        format!("{from} → {to} failed: {error}")
                    };
                    let end = FailRunInput {
                        workspace_id: input.workspace_id,
                        run_id: input.run_id,
                        reason,
                        cancelled,
                    };
                    // A fresh token: recording the end must happen even when
                    // the workflow itself is being cancelled.
                    let options = db_activity_options(Some(WorkflowCancellationToken::new()));
                    let status = ctx
                        .execute_activity(RunActivities::fail_run, end, options)
                        .await?;
                    return Ok(status);
                }
            }
        }
        Ok(RunStatus::Completed)
    }
}

/// Database activities are short; when the database is down they retry with
/// backoff capped at 5 s for up to 10 minutes, so a run resumes soon after
/// Postgres comes back.
fn db_activity_options(token: Option<WorkflowCancellationToken>) -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: Duration::from_secs(600),
        start_to_close: Duration::from_secs(30),
    })
    .retry_policy(
        RetryPolicy::builder()
            .initial_interval(Duration::from_millis(200))
            .backoff_coefficient(2.0)
            .maximum_interval(Duration::from_secs(5))
            .build(),
    )
    .maybe_cancellation_token(token)
    .build()
}
