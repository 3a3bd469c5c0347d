//! Stored lane comparisons (with their release-gate verdict) and named
//! workspace baselines. The comparison JSON is computed by
//! `agentclash-scoring`; this module only keeps it. Both lanes of a row
//! belong to its workspace (composite foreign keys), and every query takes
//! the workspace id.

use crate::{Store, StoreError};
use agentclash_core::{PackVersionId, RunAgentId, RunId, UserId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// A stored comparison of a candidate lane with a baseline lane.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredComparison {
    /// Identity.
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// Owning workspace.
    pub workspace_id: WorkspaceId,
    /// The baseline lane.
    pub baseline_run_agent_id: RunAgentId,
    /// The candidate lane.
    pub candidate_run_agent_id: RunAgentId,
    /// Same pack version and cases, both scored.
    pub comparable: bool,
    /// Deltas, flips and paired statistics.
    #[schema(value_type = Object)]
    pub comparison: Value,
    /// The gate policy applied, when one was.
    #[schema(value_type = Option<Object>)]
    pub policy: Option<Value>,
    /// The gate result (verdict and reasons), when a policy was applied.
    #[schema(value_type = Option<Object>)]
    pub gate: Option<Value>,
    /// `pass`, `warn`, `fail` or `insufficient_evidence`.
    pub verdict: Option<String>,
    /// Who stored it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// What storing a comparison needs.
#[derive(Debug, Clone)]
pub struct NewComparison<'a> {
    /// The baseline lane.
    pub baseline: RunAgentId,
    /// The candidate lane.
    pub candidate: RunAgentId,
    /// Whether the lanes were comparable.
    pub comparable: bool,
    /// The comparison JSON.
    pub comparison: &'a Value,
    /// Policy, gate result and verdict, together or not at all.
    pub gate: Option<(&'a Value, &'a Value, &'a str)>,
    /// Who stores it.
    pub created_by: UserId,
}

/// A named baseline of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Baseline {
    /// The name, unique in the workspace.
    pub name: String,
    /// The lane it points at.
    pub run_agent_id: RunAgentId,
    /// That lane's run.
    pub run_id: RunId,
    /// That lane's label.
    pub label: String,
    /// The pack version the lane's run evaluated.
    pub pack_version_id: Option<PackVersionId>,
    /// Who set it.
    pub set_by: Option<UserId>,
    /// When.
    pub set_at: DateTime<Utc>,
}

const COMPARISON_COLUMNS: &str = "id, workspace_id, baseline_run_agent_id, candidate_run_agent_id, comparable, \
     comparison, policy, gate, verdict, created_by, created_at";

const BASELINE_SELECT: &str = "SELECT b.name, b.run_agent_id, a.run_id, a.label, b.pack_version_id, b.set_by, b.set_at \
     FROM workspace_baselines b JOIN run_agents a ON a.id = b.run_agent_id AND a.workspace_id = b.workspace_id";

fn comparison_row(r: &PgRow) -> Result<StoredComparison, StoreError> {
    Ok(StoredComparison {
        id: r.try_get("id")?,
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        baseline_run_agent_id: RunAgentId(r.try_get("baseline_run_agent_id")?),
        candidate_run_agent_id: RunAgentId(r.try_get("candidate_run_agent_id")?),
        comparable: r.try_get("comparable")?,
        comparison: r.try_get("comparison")?,
        policy: r.try_get("policy")?,
        gate: r.try_get("gate")?,
        verdict: r.try_get("verdict")?,
        created_by: r.try_get::<Option<Uuid>, _>("created_by")?.map(UserId),
        created_at: r.try_get("created_at")?,
    })
}

fn baseline_row(r: &PgRow) -> Result<Baseline, StoreError> {
    Ok(Baseline {
        name: r.try_get("name")?,
        run_agent_id: RunAgentId(r.try_get("run_agent_id")?),
        run_id: RunId(r.try_get("run_id")?),
        label: r.try_get("label")?,
        pack_version_id: r
            .try_get::<Option<Uuid>, _>("pack_version_id")?
            .map(PackVersionId),
        set_by: r.try_get::<Option<Uuid>, _>("set_by")?.map(UserId),
        set_at: r.try_get("set_at")?,
    })
}

impl Store {
    /// Stores a comparison; both lanes must belong to `ws` (`NotFound`
    /// otherwise).
    pub async fn save_comparison(
        &self,
        ws: WorkspaceId,
        new: &NewComparison<'_>,
    ) -> Result<StoredComparison, StoreError> {
        let (policy, gate, verdict) = match new.gate {
            Some((p, g, v)) => (Some(p), Some(g), Some(v)),
            None => (None, None, None),
        };
        let row = sqlx::query(&format!(
            "INSERT INTO comparisons (id, workspace_id, baseline_run_agent_id, candidate_run_agent_id, \
             comparable, comparison, policy, gate, verdict, created_by) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
             WHERE (SELECT count(*) FROM run_agents WHERE workspace_id = $2 AND id IN ($3, $4)) = \
                   (CASE WHEN $3 = $4 THEN 1 ELSE 2 END) \
             RETURNING {COMPARISON_COLUMNS}"
        ))
        .bind(Uuid::now_v7())
        .bind(ws.0)
        .bind(new.baseline.0)
        .bind(new.candidate.0)
        .bind(new.comparable)
        .bind(new.comparison)
        .bind(policy)
        .bind(gate)
        .bind(verdict)
        .bind(new.created_by.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        comparison_row(&row)
    }

    /// One stored comparison of the workspace.
    pub async fn get_comparison(
        &self,
        ws: WorkspaceId,
        id: Uuid,
    ) -> Result<StoredComparison, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COMPARISON_COLUMNS} FROM comparisons WHERE id = $1 AND workspace_id = $2"
        ))
        .bind(id)
        .bind(ws.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        comparison_row(&row)
    }

    /// Points the baseline `name` at `lane` (creating or moving it). The
    /// lane must belong to `ws` (`NotFound` otherwise).
    pub async fn set_baseline(
        &self,
        ws: WorkspaceId,
        name: &str,
        lane: RunAgentId,
        set_by: UserId,
    ) -> Result<Baseline, StoreError> {
        let done = sqlx::query(
            "INSERT INTO workspace_baselines (workspace_id, name, run_agent_id, pack_version_id, set_by) \
             SELECT a.workspace_id, $2, a.id, r.pack_version_id, $4 \
             FROM run_agents a JOIN runs r ON r.id = a.run_id AND r.workspace_id = a.workspace_id \
             WHERE a.id = $3 AND a.workspace_id = $1 \
             ON CONFLICT (workspace_id, name) DO UPDATE SET run_agent_id = EXCLUDED.run_agent_id, \
             pack_version_id = EXCLUDED.pack_version_id, set_by = EXCLUDED.set_by, set_at = now()",
        )
        .bind(ws.0)
        .bind(name)
        .bind(lane.0)
        .bind(set_by.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_baseline(ws, name).await
    }

    /// The baseline `name` of the workspace.
    pub async fn get_baseline(&self, ws: WorkspaceId, name: &str) -> Result<Baseline, StoreError> {
        let row = sqlx::query(&format!(
            "{BASELINE_SELECT} WHERE b.workspace_id = $1 AND b.name = $2"
        ))
        .bind(ws.0)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        baseline_row(&row)
    }

    /// Every baseline of the workspace, by name.
    pub async fn list_baselines(&self, ws: WorkspaceId) -> Result<Vec<Baseline>, StoreError> {
        sqlx::query(&format!(
            "{BASELINE_SELECT} WHERE b.workspace_id = $1 ORDER BY b.name"
        ))
        .bind(ws.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(baseline_row)
        .collect()
    }

    /// Removes the baseline `name`; `false` when there was none.
    pub async fn delete_baseline(&self, ws: WorkspaceId, name: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("DELETE FROM workspace_baselines WHERE workspace_id = $1 AND name = $2")
                .bind(ws.0)
                .bind(name)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }
}
