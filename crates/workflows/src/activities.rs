//! Activities: every side effect a workflow performs.

use agentclash_core::{RunAgentId, RunAgentStatus, RunId, RunStatus, WorkspaceId};
use agentclash_store::events::{EventStream, NewEvent};
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

/// Input of the lane activities.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LaneRef {
    /// Tenancy scope.
    pub workspace_id: WorkspaceId,
    /// The run.
    pub run_id: RunId,
    /// The lane.
    pub run_agent_id: RunAgentId,
}

/// Input of [`RunActivities::transition_lane`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LaneTransition {
    /// The lane.
    pub lane: LaneRef,
    /// The state it must be in.
    pub from: RunAgentStatus,
    /// The state to move it to.
    pub to: RunAgentStatus,
}

/// Input of [`RunActivities::fail_lane`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FailLaneInput {
    /// The lane.
    pub lane: LaneRef,
    /// Recorded as the lane's failure reason.
    pub reason: String,
}

/// What a lane workflow needs to run its cases.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LanePlan {
    /// The lane.
    pub lane: LaneRef,
    /// Its index in the run.
    pub lane_index: i32,
    /// Cases in flight at once.
    pub max_parallel_cases: u32,
    /// The cases, in order.
    pub case_keys: Vec<String>,
}

/// Input of [`RunActivities::plan_run`] and [`RunActivities::cancel_open_cases`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunRef {
    /// Tenancy scope.
    pub workspace_id: WorkspaceId,
    /// The run.
    pub run_id: RunId,
}

#[activities]
impl RunActivities {
    /// The run's lanes with their cases and parallelism.
    #[activity]
    pub async fn plan_run(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: RunRef,
    ) -> Result<Vec<LanePlan>, ActivityError> {
        let run = self
            .store
            .get_run(input.workspace_id, input.run_id)
            .await
            .map_err(activity_error)?;
        let lanes = self
            .store
            .list_run_agents(input.workspace_id, input.run_id)
            .await
            .map_err(activity_error)?;
        let mut plans = Vec::with_capacity(lanes.len());
        for lane in lanes {
            let max_parallel_cases = match lane.deployment_snapshot_id.0 {
                Some(id) => self
                    .store
                    .get_snapshot(input.workspace_id, id)
                    .await
                    .map_err(activity_error)?
                    .limits
                    .max_parallel_cases
                    .max(1),
                None => 1,
            };
            plans.push(LanePlan {
                lane: LaneRef {
                    workspace_id: input.workspace_id,
                    run_id: input.run_id,
                    run_agent_id: lane.id,
                },
                lane_index: lane.lane_index,
                max_parallel_cases,
                case_keys: run.case_keys.clone(),
            });
        }
        Ok(plans)
    }

    /// Compare-and-set one lifecycle step of a lane.
    #[activity]
    pub async fn transition_lane(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: LaneTransition,
    ) -> Result<RunAgentStatus, ActivityError> {
        let lane = &input.lane;
        let status = self
            .store
            .transition_run_agent(
                lane.workspace_id,
                lane.run_agent_id,
                input.from,
                input.to,
                None,
            )
            .await
            .map_err(activity_error)?
            .status;
        self.announce(lane, status, None).await;
        Ok(status)
    }

    /// Fails a lane from whatever state it is in.
    #[activity]
    pub async fn fail_lane(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: FailLaneInput,
    ) -> Result<RunAgentStatus, ActivityError> {
        let lane = &input.lane;
        let status = self
            .store
            .fail_run_agent(lane.workspace_id, lane.run_agent_id, &input.reason)
            .await
            .map_err(activity_error)?
            .status;
        self.announce(lane, status, Some(&input.reason)).await;
        Ok(status)
    }

    /// Ends a lane after its cases: `completed` unless no case could run at
    /// all (every case failed for infrastructure reasons), then `failed`.
    #[activity]
    pub async fn finish_lane(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: LaneRef,
    ) -> Result<RunAgentStatus, ActivityError> {
        let (ws, id) = (input.workspace_id, input.run_agent_id);
        let cases = self
            .store
            .list_run_cases(ws, id)
            .await
            .map_err(activity_error)?;
        let broken = cases
            .iter()
            .filter(|c| c.stop_reason.as_deref() == Some("infrastructure"))
            .count();
        if !cases.is_empty() && broken == cases.len() {
            let reason = format!("every case ({broken}) failed for infrastructure reasons");
            let status = self
                .store
                .fail_run_agent(ws, id, &reason)
                .await
                .map_err(activity_error)?
                .status;
            self.announce(&input, status, Some(&reason)).await;
            return Ok(status);
        }
        self.store
            .transition_run_agent(
                ws,
                id,
                RunAgentStatus::Executing,
                RunAgentStatus::Evaluating,
                None,
            )
            .await
            .map_err(activity_error)?;
        self.announce(&input, RunAgentStatus::Evaluating, None)
            .await;
        self.score_lane(&input).await?;
        self.store
            .transition_run_agent(
                ws,
                id,
                RunAgentStatus::Evaluating,
                RunAgentStatus::Completed,
                None,
            )
            .await
            .map_err(activity_error)?;
        self.announce(&input, RunAgentStatus::Completed, None).await;
        Ok(RunAgentStatus::Completed)
    }

    /// Marks every unfinished case of a run cancelled.
    #[activity]
    pub async fn cancel_open_cases(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: RunRef,
    ) -> Result<u64, ActivityError> {
        self.store
            .cancel_open_cases(input.workspace_id, input.run_id)
            .await
            .map_err(activity_error)
    }

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

/// Lane-level events (lifecycle) use attempt 0 and no case; each status is
/// reached at most once, so its position in the lifecycle is a stable
/// `attempt_seq` and a retried activity never records it twice.
fn lane_status_seq(status: RunAgentStatus) -> i32 {
    match status {
        RunAgentStatus::Queued => 0,
        RunAgentStatus::Ready => 1,
        RunAgentStatus::Executing => 2,
        RunAgentStatus::Evaluating => 3,
        RunAgentStatus::Completed => 4,
        RunAgentStatus::Failed => 5,
    }
}

impl RunActivities {
    /// Records a lane's new status as a `system.lane.status` event, so live
    /// streams and replays show the lane's lifecycle. Best effort: the
    /// status itself is already stored, and failing here would make a
    /// retried compare-and-set fail.
    async fn announce(&self, lane: &LaneRef, status: RunAgentStatus, reason: Option<&str>) {
        let stream = EventStream {
            run: lane.run_id,
            lane: lane.run_agent_id,
            case_key: "",
            attempt: 0,
        };
        let event = NewEvent {
            id: uuid::Uuid::now_v7(),
            event_type: "system.lane.status".to_owned(),
            occurred_at: chrono::Utc::now(),
            attempt_seq: lane_status_seq(status),
            step: None,
            payload: serde_json::json!({"status": status, "reason": reason}),
            summary: Some(match reason {
                Some(why) => format!("lane {status}: {why}"),
                None => format!("lane {status}"),
            }),
        };
        if let Err(e) = self
            .store
            .append_events(lane.workspace_id, &stream, &[event])
            .await
        {
            tracing::warn!(lane = %lane.run_agent_id, %status, error = %e, "lane status event not recorded");
        }
    }

    /// Aggregates a lane's case scores into its scorecard (stored; a lane
    /// whose cases cannot be aggregated gets `{"error": …}` instead).
    async fn score_lane(&self, lane: &LaneRef) -> Result<(), ActivityError> {
        let ws = lane.workspace_id;
        let Some(spec) = crate::run_scoring::run_spec(&self.store, ws, lane.run_id)
            .await
            .map_err(activity_error)?
        else {
            return Ok(());
        };
        crate::run_scoring::aggregate_lane_card(&self.store, ws, &spec, lane.run_agent_id)
            .await
            .map_err(activity_error)
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
