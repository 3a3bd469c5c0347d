//! `RunAgentWorkflow`: one lane. Moves the lane `queued → ready →
//! executing`, runs each case as its own activity (at most
//! `max_parallel_cases` at once), then finishes the lane. A failed case is a
//! result and never stops the lane; cancellation reaches running cases
//! through their heartbeats and the lane records it.

use crate::activities::{FailLaneInput, LanePlan, LaneTransition, RunActivities};
use crate::case_activity::{CaseActivities, CaseActivityInput, MAX_CASE_ATTEMPTS};
use crate::run_workflow::db_local_options;
use agentclash_core::RunAgentStatus;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
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
            ctx.execute_local_activity(
                RunActivities::transition_lane,
                step,
                db_local_options(None),
            )
            .await?;
        }
        // A sliding window: `width` runners take the next case as soon as
        // theirs is done. Workflow code is single-threaded and the order of
        // completions comes from history, so this is deterministic on replay.
        let width = usize::try_from(plan.max_parallel_cases.max(1)).unwrap_or(1);
        let queue = RefCell::new(plan.case_keys.iter().cloned().collect::<VecDeque<_>>());
        let cancelled = Cell::new(false);
        let runner = || async {
            loop {
                if cancelled.get() || ctx.cancellation_token().is_cancelled() {
                    cancelled.set(true);
                    return;
                }
                let Some(case_key) = queue.borrow_mut().pop_front() else {
                    return;
                };
                let input = CaseActivityInput {
                    workspace_id: plan.lane.workspace_id,
                    run_id: plan.lane.run_id,
                    run_agent_id: plan.lane.run_agent_id,
                    case_key,
                };
                let result = ctx
                    .execute_activity(CaseActivities::run_case, input, case_options())
                    .await;
                if let Err(temporalio_sdk::ActivityExecutionError::Cancelled(_)) = result {
                    cancelled.set(true);
                }
            }
        };
        join_all((0..width.min(plan.case_keys.len().max(1))).map(|_| runner())).await;
        let cancelled = cancelled.get() || ctx.cancellation_token().is_cancelled();
        // Fresh tokens: recording the end must happen even when cancelled.
        let options = db_local_options(Some(WorkflowCancellationToken::new()));
        if cancelled {
            let end = FailLaneInput {
                lane: plan.lane.clone(),
                reason: "cancelled".into(),
            };
            return Ok(ctx
                .execute_local_activity(RunActivities::fail_lane, end, options)
                .await?);
        }
        Ok(ctx
            .execute_local_activity(RunActivities::finish_lane, plan.lane.clone(), options)
            .await?)
    }
}
