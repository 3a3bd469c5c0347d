//! `RescoreWorkflow`: one re-scoring pass of a finished run (started by
//! `POST …/runs/{id}/rescore`), then its outcome recorded on the run —
//! also when the pass failed, so a run never stays "re-scoring" forever.

use crate::run_workflow::db_local_options;
use crate::scoring_activity::{
    FinishRescoreInput, RescoreInput, ScoringActivities, scoring_options,
};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkflowCancellationToken, WorkflowContext, WorkflowResult};

/// Re-scores a finished run from its stored evidence.
#[workflow]
#[derive(Default)]
pub struct RescoreWorkflow;

/// Workflow id of a run's pass `generation` (one pass per id, so a
/// duplicate start is rejected).
pub fn rescore_workflow_id(input: &RescoreInput) -> String {
    format!("rescore-{}-{}", input.run_id, input.generation)
}

#[workflow_methods]
impl RescoreWorkflow {
    /// Runs the pass and records how it ended.
    #[run(name = "RescoreWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, input: RescoreInput) -> WorkflowResult<()> {
        let error = ctx
            .execute_activity(
                ScoringActivities::rescore_run,
                input.clone(),
                scoring_options(),
            )
            .await
            .err()
            .map(|e| format!("re-scoring failed: {e}"));
        let finish = FinishRescoreInput {
            rescore: input,
            error,
        };
        ctx.execute_local_activity(
            ScoringActivities::finish_rescore,
            finish,
            db_local_options(Some(WorkflowCancellationToken::new())),
        )
        .await?;
        Ok(())
    }
}
