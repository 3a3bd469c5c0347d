//! Run agents (lanes) and their cases: lifecycle with compare-and-set plus a
//! history row, and the per-case outcome of the latest attempt.

use crate::{Store, StoreError};
use agentclash_core::{DeploymentId, RunAgentId, RunAgentStatus, RunId, SnapshotId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// What a lane is created from.
#[derive(Debug, Clone)]
pub struct NewLane {
    /// Display label (the deployment's name).
    pub label: String,
    /// The deployment.
    pub deployment_id: DeploymentId,
    /// Its frozen snapshot.
    pub snapshot_id: SnapshotId,
}

/// A lane as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RunAgent {
    /// Identity.
    #[sqlx(try_from = "Uuid")]
    pub id: RunAgentId,
    /// The run.
    #[sqlx(try_from = "Uuid")]
    pub run_id: RunId,
    /// 0-based position in the run.
    pub lane_index: i32,
    /// Display label.
    pub label: String,
    /// Lifecycle state.
    #[sqlx(try_from = "String")]
    pub status: RunAgentStatus,
    /// Why it failed, when it did.
    pub failure_reason: Option<String>,
    /// The deployment run.
    #[sqlx(try_from = "Option<Uuid>")]
    #[schema(value_type = Option<String>)]
    pub deployment_id: OptionalId<DeploymentId>,
    /// The frozen snapshot run.
    #[sqlx(try_from = "Option<Uuid>")]
    #[schema(value_type = Option<String>)]
    pub deployment_snapshot_id: OptionalId<SnapshotId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When it reached a terminal state.
    pub finished_at: Option<DateTime<Utc>>,
}

/// An optional typed id readable by `sqlx::FromRow` (which needs a
/// `TryFrom<Option<Uuid>>` target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OptionalId<T>(pub Option<T>);

impl<T: From<Uuid>> From<Option<Uuid>> for OptionalId<T> {
    fn from(v: Option<Uuid>) -> Self {
        Self(v.map(T::from))
    }
}

/// The latest attempt's outcome of one case of a lane.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RunCase {
    /// The lane.
    #[sqlx(try_from = "Uuid")]
    pub run_agent_id: RunAgentId,
    /// The case.
    pub case_key: String,
    /// Position in the run's case order.
    pub position: i32,
    /// `pending`, `running`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// Attempts started so far (infrastructure retries add attempts).
    pub attempt: i32,
    /// Why the agent stopped (`submitted`, `step_limit`, `tool_limit`,
    /// `timeout`, `budget`, `no_submit`, `error`, …).
    pub stop_reason: Option<String>,
    /// The agent's final answer.
    pub final_output: Option<String>,
    /// What went wrong, for failed cases.
    pub error: Option<String>,
    /// Tokens sent.
    pub input_tokens: i64,
    /// Tokens received.
    pub output_tokens: i64,
    /// Cost, when the model is priced.
    pub cost_usd: Option<f64>,
    /// Model calls.
    pub steps: i32,
    /// Tool calls (not counting `submit`).
    pub tool_calls: i32,
    /// Wall time of the latest attempt.
    pub duration_ms: Option<i64>,
}

/// How a case attempt ended.
#[derive(Debug, Clone, Default)]
pub struct CaseOutcome {
    /// `completed` (the agent produced a result, right or wrong), `failed`
    /// (it could not: error, limit) or `cancelled`.
    pub status: String,
    /// Why the agent stopped.
    pub stop_reason: String,
    /// The final answer.
    pub final_output: Option<String>,
    /// What went wrong.
    pub error: Option<String>,
    /// Tokens sent.
    pub input_tokens: i64,
    /// Tokens received.
    pub output_tokens: i64,
    /// Cost.
    pub cost_usd: Option<f64>,
    /// Model calls.
    pub steps: i32,
    /// Tool calls.
    pub tool_calls: i32,
    /// Wall time.
    pub duration_ms: i64,
}

const LANE_COLUMNS: &str = "id, run_id, lane_index, label, status, failure_reason, deployment_id, deployment_snapshot_id, created_at, finished_at";
const CASE_COLUMNS: &str = "run_agent_id, case_key, position, status, attempt, stop_reason, final_output, error, input_tokens, output_tokens, cost_usd, steps, tool_calls, duration_ms";

/// Inserts a lane with its history row and a pending row per case.
pub(crate) async fn insert_lane(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    ws: WorkspaceId,
    run: RunId,
    lane_index: usize,
    lane: &NewLane,
    case_keys: &[String],
) -> Result<(), StoreError> {
    let id = RunAgentId::new();
    let index =
        i32::try_from(lane_index).map_err(|_| StoreError::InvalidInput("too many lanes".into()))?;
    sqlx::query(
        "INSERT INTO run_agents (id, run_id, workspace_id, lane_index, label, status, deployment_id, deployment_snapshot_id) \
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7)",
    )
    .bind(id.0)
    .bind(run.0)
    .bind(ws.0)
    .bind(index)
    .bind(&lane.label)
    .bind(lane.deployment_id.0)
    .bind(lane.snapshot_id.0)
    .execute(&mut **tx)
    .await?;
    insert_lane_history(tx, id, None, RunAgentStatus::Queued, None).await?;
    sqlx::query(
        "INSERT INTO run_cases (run_agent_id, case_key, workspace_id, run_id, position, status) \
         SELECT $1, key, $2, $3, (ord - 1)::int, 'pending' FROM unnest($4::text[]) WITH ORDINALITY AS t(key, ord)",
    )
    .bind(id.0)
    .bind(ws.0)
    .bind(run.0)
    .bind(case_keys)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_lane_history(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: RunAgentId,
    from: Option<RunAgentStatus>,
    to: RunAgentStatus,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO run_agent_status_history (run_agent_id, from_status, to_status, reason) VALUES ($1, $2, $3, $4)",
    )
    .bind(id.0)
    .bind(from.map(RunAgentStatus::as_str))
    .bind(to.as_str())
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// The run's lanes, by lane index.
    pub async fn list_run_agents(
        &self,
        ws: WorkspaceId,
        run: RunId,
    ) -> Result<Vec<RunAgent>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {LANE_COLUMNS} FROM run_agents WHERE run_id = $1 AND workspace_id = $2 ORDER BY lane_index"
        ))
        .bind(run.0)
        .bind(ws.0)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One lane of the workspace.
    pub async fn get_run_agent(
        &self,
        ws: WorkspaceId,
        id: RunAgentId,
    ) -> Result<RunAgent, StoreError> {
        sqlx::query_as(&format!(
            "SELECT {LANE_COLUMNS} FROM run_agents WHERE id = $1 AND workspace_id = $2"
        ))
        .bind(id.0)
        .bind(ws.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// Moves a lane `from → to` if it is still in `from` (repeating a done
    /// transition is a no-op), recording the change.
    pub async fn transition_run_agent(
        &self,
        ws: WorkspaceId,
        id: RunAgentId,
        from: RunAgentStatus,
        to: RunAgentStatus,
        reason: Option<&str>,
    ) -> Result<RunAgent, StoreError> {
        if !from.can_transition_to(to) {
            return Err(StoreError::Conflict(format!(
                "a run agent cannot go from {from} to {to}"
            )));
        }
        let mut tx = self.pool.begin().await?;
        let lane: Option<RunAgent> = sqlx::query_as(&format!(
            "UPDATE run_agents SET status = $4, updated_at = now(), \
                 failure_reason = CASE WHEN $4 = 'failed' THEN $5 ELSE failure_reason END, \
                 finished_at = CASE WHEN $4 IN ('completed', 'failed') THEN now() ELSE finished_at END \
             WHERE id = $1 AND workspace_id = $2 AND status = $3 RETURNING {LANE_COLUMNS}"
        ))
        .bind(id.0)
        .bind(ws.0)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(reason)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(lane) = lane else {
            drop(tx);
            let current = self.get_run_agent(ws, id).await?;
            if current.status == to {
                return Ok(current);
            }
            return Err(StoreError::Conflict(format!(
                "run agent {id} is {}, not {from}; cannot move it to {to}",
                current.status
            )));
        };
        insert_lane_history(&mut tx, id, Some(from), to, reason).await?;
        tx.commit().await?;
        Ok(lane)
    }

    /// Fails a lane from whatever non-terminal state it is in; a terminal
    /// lane is returned unchanged.
    pub async fn fail_run_agent(
        &self,
        ws: WorkspaceId,
        id: RunAgentId,
        reason: &str,
    ) -> Result<RunAgent, StoreError> {
        for _ in 0..5 {
            let current = self.get_run_agent(ws, id).await?;
            if current.status.is_terminal() {
                return Ok(current);
            }
            match self
                .transition_run_agent(ws, id, current.status, RunAgentStatus::Failed, Some(reason))
                .await
            {
                Err(StoreError::Conflict(_)) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict(format!(
            "run agent {id} kept changing; could not fail it"
        )))
    }

    /// The lane's cases in run order.
    pub async fn list_run_cases(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
    ) -> Result<Vec<RunCase>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CASE_COLUMNS} FROM run_cases WHERE run_agent_id = $1 AND workspace_id = $2 ORDER BY position"
        ))
        .bind(lane.0)
        .bind(ws.0)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every case of every lane of a run, by lane then position.
    pub async fn list_cases_of_run(
        &self,
        ws: WorkspaceId,
        run: RunId,
    ) -> Result<Vec<RunCase>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT c.{} FROM run_cases c JOIN run_agents a ON a.id = c.run_agent_id \
             WHERE c.run_id = $1 AND c.workspace_id = $2 ORDER BY a.lane_index, c.position",
            CASE_COLUMNS.replace(", ", ", c.")
        ))
        .bind(run.0)
        .bind(ws.0)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Marks a case attempt as started. Attempts only grow: a stale retry
    /// cannot move a case back.
    pub async fn start_case(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
        case_key: &str,
        attempt: i32,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE run_cases SET status = 'running', attempt = $4, started_at = now() \
             WHERE run_agent_id = $1 AND workspace_id = $2 AND case_key = $3 AND attempt <= $4 \
               AND status IN ('pending', 'running')",
        )
        .bind(lane.0)
        .bind(ws.0)
        .bind(case_key)
        .bind(attempt)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records how a case attempt ended (only the latest attempt may write).
    pub async fn finish_case(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
        case_key: &str,
        attempt: i32,
        outcome: &CaseOutcome,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE run_cases SET status = $5, stop_reason = $6, final_output = $7, error = $8, \
                 input_tokens = $9, output_tokens = $10, cost_usd = $11, steps = $12, tool_calls = $13, \
                 duration_ms = $14, finished_at = now() \
             WHERE run_agent_id = $1 AND workspace_id = $2 AND case_key = $3 AND attempt <= $4",
        )
        .bind(lane.0)
        .bind(ws.0)
        .bind(case_key)
        .bind(attempt)
        .bind(&outcome.status)
        .bind(&outcome.stop_reason)
        .bind(&outcome.final_output)
        .bind(&outcome.error)
        .bind(outcome.input_tokens)
        .bind(outcome.output_tokens)
        .bind(outcome.cost_usd)
        .bind(outcome.steps)
        .bind(outcome.tool_calls)
        .bind(outcome.duration_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks every unfinished case of a run as cancelled.
    pub async fn cancel_open_cases(&self, ws: WorkspaceId, run: RunId) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE run_cases SET status = 'cancelled', stop_reason = COALESCE(stop_reason, 'cancelled'), finished_at = now() \
             WHERE run_id = $1 AND workspace_id = $2 AND status IN ('pending', 'running')",
        )
        .bind(run.0)
        .bind(ws.0)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}
