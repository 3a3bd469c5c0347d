//! `RunWorkflow`: drives one run through its lifecycle: provisioning, one
//! child `RunAgentWorkflow` per lane (all lanes at once; a run has at most
//! 16), then scoring and completion. A run fails only when every lane
//! failed; cancellation reaches the lanes and is recorded as `cancelled`.

use crate::activities::{FailRunInput, LanePlan, RunActivities, RunRef, TransitionInput};
use crate::lane_workflow::RunAgentWorkflow;
use crate::scoring_activity::{ScoringActivities, scoring_options};
use agentclash_core::{RunAgentStatus, RunId, RunStatus, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ChildWorkflowCancellationType, ChildWorkflowOptions, LocalActivityOptions,
    WorkflowCancellationToken, WorkflowContext, WorkflowResult,
};
use temporalio_workflow::join_all;

/// Input of [`RunWorkflow`]: which run, in which workspace.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunWorkflowInput {
    /// Tenancy scope of the run.
    pub workspace_id: WorkspaceId,
    /// The run to drive.
    pub run_id: RunId,
}

/// Drives one run from `queued` to a terminal state.
#[workflow]
#[derive(Default)]
pub struct RunWorkflow;

/// Why a run could not finish normally.
enum Interrupted {
    Cancelled,
    Failed(String),
}

impl RunWorkflow {
    async fn step(
        ctx: &WorkflowContext<Self>,
        input: &RunWorkflowInput,
        from: RunStatus,
        to: RunStatus,
    ) -> Result<(), Interrupted> {
        let step = TransitionInput {
            workspace_id: input.workspace_id,
            run_id: input.run_id,
            from,
            to,
            reason: None,
        };
        ctx.execute_local_activity(RunActivities::transition_run, step, db_local_options(None))
            .await
            .map(|_| ())
            .map_err(|error| match error {
                temporalio_sdk::ActivityExecutionError::Cancelled(_) => Interrupted::Cancelled,
                other => Interrupted::Failed(format!("{from} → {to} failed: {other}")),
            })
    }

    async fn lanes(
        ctx: &WorkflowContext<Self>,
        input: &RunWorkflowInput,
    ) -> Result<(), Interrupted> {
        Self::step(ctx, input, RunStatus::Queued, RunStatus::Provisioning).await?;
        let run = RunRef {
            workspace_id: input.workspace_id,
            run_id: input.run_id,
        };
        let plans: Vec<LanePlan> = ctx
            .execute_local_activity(RunActivities::plan_run, run, db_local_options(None))
            .await
            .map_err(|e| match e {
                temporalio_sdk::ActivityExecutionError::Cancelled(_) => Interrupted::Cancelled,
                other => Interrupted::Failed(format!("planning failed: {other}")),
            })?;
        Self::step(ctx, input, RunStatus::Provisioning, RunStatus::Running).await?;
        let children = plans.iter().map(|plan| {
            let options = ChildWorkflowOptions::builder()
                .workflow_id(format!("run-{}-lane-{}", input.run_id, plan.lane_index))
                .cancel_type(ChildWorkflowCancellationType::WaitCancellationCompleted)
                .build();
            async move {
                let started = ctx
                    .start_child_workflow(RunAgentWorkflow::run, plan.clone(), options)
                    .await;
                match started {
                    Ok(child) => child.result().await.ok(),
                    Err(_) => None,
                }
            }
        });
        let outcomes = join_all(children).await;
        if ctx.cancellation_token().is_cancelled() {
            return Err(Interrupted::Cancelled);
        }
        let completed = outcomes
            .iter()
            .filter(|o| **o == Some(RunAgentStatus::Completed))
            .count();
        if !plans.is_empty() && completed == 0 {
            return Err(Interrupted::Failed(format!(
                "every lane ({}) failed",
                plans.len()
            )));
        }
        Self::step(ctx, input, RunStatus::Running, RunStatus::Scoring).await?;
        let run = RunRef {
            workspace_id: input.workspace_id,
            run_id: input.run_id,
        };
        ctx.execute_activity(ScoringActivities::score_run, run, scoring_options())
            .await
            .map_err(|e| match e {
                temporalio_sdk::ActivityExecutionError::Cancelled(_) => Interrupted::Cancelled,
                other => Interrupted::Failed(format!("scoring failed: {other}")),
            })?;
        Self::step(ctx, input, RunStatus::Scoring, RunStatus::Completed).await
    }
}

#[workflow_methods]
impl RunWorkflow {
    /// Runs every step; on failure or cancellation records the terminal
    /// state before finishing.
    #[run(name = "RunWorkflow")]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: RunWorkflowInput,
    ) -> WorkflowResult<RunStatus> {
        let (reason, cancelled) = match Self::lanes(ctx, &input).await {
            Ok(()) => return Ok(RunStatus::Completed),
            Err(Interrupted::Cancelled) => (
                ctx.cancellation_token()
                    .reason()
                    .unwrap_or_else(|| "cancelled".to_owned()),
                true,
            ),
            Err(Interrupted::Failed(reason)) => (reason, false),
        };
        // A fresh token: recording the end must happen even when the
        // workflow itself is being cancelled.
        let options = || db_local_options(Some(WorkflowCancellationToken::new()));
        if cancelled {
            let run = RunRef {
                workspace_id: input.workspace_id,
                run_id: input.run_id,
            };
            ctx.execute_local_activity(RunActivities::cancel_open_cases, run, options())
                .await?;
        }
        let end = FailRunInput {
            workspace_id: input.workspace_id,
            run_id: input.run_id,
            reason,
            cancelled,
        };
        Ok(ctx
            .execute_local_activity(RunActivities::fail_run, end, options())
            .await?)
    }
}

/// Database steps are short, so they run as local activities (no task-queue
/// round trip per step). When the database is down they retry with backoff
/// capped at 5 s for up to 10 minutes, so a run resumes soon after Postgres
/// comes back.
pub(crate) fn db_local_options(token: Option<WorkflowCancellationToken>) -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(Duration::from_secs(30))
        .schedule_to_close_timeout(Duration::from_secs(600))
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
