//! `RunAgentWorkflow`: one lane. Moves the lane `queued → ready →
//! executing`, runs each case as its own activity (at most
//! `max_parallel_cases` at once), then finishes the lane. A failed case is a
//! result and never stops the lane; cancellation reaches running cases
//! through their heartbeats and the lane records it.

use crate::activities::{FailLaneInput, LanePlan, LaneTransition, RunActivities};
use crate::case_activity::{CaseActivities, CaseActivityInput, MAX_CASE_ATTEMPTS};
use crate::run_workflow::db_activity_options;
use agentclash_core::RunAgentStatus;
use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityCancellationType, ActivityCloseTimeouts, ActivityOptions, WorkflowCancellationToken,
    WorkflowContext, WorkflowResult,
};
use temporalio_workflow::join_all;

/// Drives one lane of a run.
#[workflow]
#[derive(Default)]
pub struct RunAgentWorkflow;

/// Longest a case activity may run (limits inside the agent stop it much
/// earlier; this only bounds a stuck attempt).
const CASE_START_TO_CLOSE: Duration = Duration::from_secs(3 * 3600);
/// A worker that stops heartbeating for this long is presumed dead and the
/// case is retried elsewhere.
const CASE_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(5);

fn case_options() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::StartToClose(CASE_START_TO_CLOSE))
        .heartbeat_timeout(CASE_HEARTBEAT_TIMEOUT)
        .cancellation_type(ActivityCancellationType::WaitCancellationCompleted)
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_millis(500))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(10))
                .maximum_attempts(MAX_CASE_ATTEMPTS)
                .build(),
        )
        .build()
}

#[workflow_methods]
impl RunAgentWorkflow {
    /// Runs the lane; returns its final status.
    #[run(name = "RunAgentWorkflow")]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        plan: LanePlan,
    ) -> WorkflowResult<RunAgentStatus> {
        for (from, to) in [
            (RunAgentStatus::Queued, RunAgentStatus::Ready),
            (RunAgentStatus::Ready, RunAgentStatus::Executing),
        ] {
            let step = LaneTransition {
                lane: plan.lane.clone(),
                from,
                to,
            };
            ctx.execute_activity(
                RunActivities::transition_lane,
                step,
                db_activity_options(None),
            )
            .await?;
        }
        let width = usize::try_from(plan.max_parallel_cases.max(1)).unwrap_or(1);
        let mut cancelled = false;
        for chunk in plan.case_keys.chunks(width) {
            let calls = chunk.iter().map(|case_key| {
                let input = CaseActivityInput {
                    workspace_id: plan.lane.workspace_id,
                    run_id: plan.lane.run_id,
                    run_agent_id: plan.lane.run_agent_id,
                    case_key: case_key.clone(),
                };
                ctx.execute_activity(CaseActivities::run_case, input, case_options())
            });
            for result in join_all(calls).await {
                if let Err(error) = result {
                    cancelled |=
                        matches!(error, temporalio_sdk::ActivityExecutionError::Cancelled(_));
                }
            }
            if cancelled || ctx.cancellation_token().is_cancelled() {
                cancelled = true;
                break;
            }
        }
        // Fresh tokens: recording the end must happen even when cancelled.
        let options = db_activity_options(Some(WorkflowCancellationToken::new()));
        if cancelled {
            let end = FailLaneInput {
                lane: plan.lane.clone(),
                reason: "cancelled".into(),
            };
            return Ok(ctx
                .execute_activity(RunActivities::fail_lane, end, options)
                .await?);
        }
        Ok(ctx
            .execute_activity(RunActivities::finish_lane, plan.lane.clone(), options)
            .await?)
    }
}
