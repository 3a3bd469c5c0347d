//! Activities of the run's scoring phase and of re-scoring: they call
//! judge models, so they are ordinary (not local) activities that
//! heartbeat while the calls are out.

use std::sync::Arc;
use std::time::Duration;

use agentclash_core::{RunId, WorkspaceId};
use serde::{Deserialize, Serialize};
use temporalio_common::RetryPolicy;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::{
    ActivityCancellationType, ActivityCloseTimeouts, ActivityOptions, ApplicationFailure,
};

use crate::activities::RunRef;
use crate::engine::{Engine, EngineError};
use crate::run_scoring::{PassReport, rank, scoring_pass};

/// How often a scoring activity heartbeats.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);

/// Input of [`ScoringActivities::rescore_run`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RescoreInput {
    /// Tenancy scope.
    pub workspace_id: WorkspaceId,
    /// The finished run.
    pub run_id: RunId,
    /// The pass (from `begin_rescore`).
    pub generation: i32,
}

/// Input of [`ScoringActivities::finish_rescore`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FinishRescoreInput {
    /// The pass.
    pub rescore: RescoreInput,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// Activities that score with judges. Holds the engine.
pub struct ScoringActivities {
    engine: Arc<Engine>,
}

impl ScoringActivities {
    /// Wraps the engine.
    pub fn new(engine: Arc<Engine>) -> Self {
        Self { engine }
    }
}

/// Database trouble is retried by Temporal; anything else will not fix itself.
fn failure(e: EngineError) -> ActivityError {
    let error = std::io::Error::other(e.to_string());
    ActivityError::application(match &e {
        EngineError::Store(s) if s.is_unavailable() => ApplicationFailure::new(error),
        _ => ApplicationFailure::non_retryable(error),
    })
}

/// Runs `work` while heartbeating, so a dead worker is noticed quickly.
async fn heartbeating<T>(ctx: &ActivityContext, work: impl std::future::Future<Output = T>) -> T {
    let beat = async {
        loop {
            tokio::time::sleep(HEARTBEAT_EVERY).await;
            let _ = ctx.record_heartbeat(()).await;
        }
    };
    tokio::select! {
        out = work => out,
        never = beat => never,
    }
}

#[activities]
impl ScoringActivities {
    /// The run's n_wise judges (they rank the lanes of each case, so they
    /// run once every lane is done), then the ranking. A no-op pass when
    /// the pack has no n_wise judge.
    #[activity]
    pub async fn score_run(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: RunRef,
    ) -> Result<PassReport, ActivityError> {
        let engine = &self.engine;
        let (ws, run) = (input.workspace_id, input.run_id);
        heartbeating(&ctx, async {
            let report = scoring_pass(engine, ws, run, 0, false).await?;
            rank(&engine.store, ws, run).await?;
            Ok::<_, EngineError>(report)
        })
        .await
        .map_err(failure)
    }

    /// One re-scoring pass: every judge asked again over the stored
    /// evidence, every score, scorecard and the ranking stored anew.
    #[activity]
    pub async fn rescore_run(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: RescoreInput,
    ) -> Result<PassReport, ActivityError> {
        let engine = &self.engine;
        let (ws, run) = (input.workspace_id, input.run_id);
        heartbeating(&ctx, async {
            let report = scoring_pass(engine, ws, run, input.generation, true).await?;
            rank(&engine.store, ws, run).await?;
            Ok::<_, EngineError>(report)
        })
        .await
        .map_err(failure)
    }

    /// Records how a re-scoring pass ended.
    #[activity]
    pub async fn finish_rescore(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: FinishRescoreInput,
    ) -> Result<(), ActivityError> {
        let r = &input.rescore;
        self.engine
            .store
            .finish_rescore(
                r.workspace_id,
                r.run_id,
                r.generation,
                input.error.as_deref(),
            )
            .await
            .map_err(|e| failure(e.into()))
    }
}

/// Options of the judge-calling activities: judge calls time out after 60 s
/// each by default, so a pass may take a while; heartbeats catch a dead
/// worker within 30 s.
pub(crate) fn scoring_options() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::StartToClose(Duration::from_secs(
        2 * 3600,
    )))
    .heartbeat_timeout(Duration::from_secs(30))
    .cancellation_type(ActivityCancellationType::TryCancel)
    .retry_policy(
        RetryPolicy::builder()
            .initial_interval(Duration::from_secs(1))
            .maximum_interval(Duration::from_secs(30))
            .maximum_attempts(3)
            .build(),
    )
    .build()
}
