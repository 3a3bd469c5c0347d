//! Runs and their status history.

use crate::{Store, StoreError};
use agentclash_core::{PackVersionId, RunId, RunStatus, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::postgres::PgRow;

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Run {
    /// Identity.
    pub id: RunId,
    /// Owning workspace.
    pub workspace_id: WorkspaceId,
    /// Human label.
    pub name: String,
    /// Current lifecycle state.
    pub status: RunStatus,
    /// Why the run failed, when it did.
    pub failure_reason: Option<String>,
    /// The Temporal workflow driving the run, once started.
    pub workflow_id: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it reached a terminal state.
    pub finished_at: Option<DateTime<Utc>>,
    /// The pack version evaluated.
    pub pack_version_id: Option<PackVersionId>,
    /// The input set whose cases run.
    pub input_set_key: Option<String>,
    /// The cases, in order.
    pub case_keys: Vec<String>,
}

/// What creating a run needs: the pack version, input set and cases it
/// evaluates and one lane per deployment snapshot. A run without a pack
/// (`NewRun::named`) only walks the lifecycle; the store tests use it.
#[derive(Debug, Clone, Default)]
pub struct NewRun {
    /// Human label.
    pub name: String,
    /// The pack version evaluated.
    pub pack_version_id: Option<PackVersionId>,
    /// The input set whose cases run.
    pub input_set_key: Option<String>,
    /// The cases, in order.
    pub case_keys: Vec<String>,
    /// One lane per deployment.
    pub lanes: Vec<crate::lanes::NewLane>,
}

impl NewRun {
    /// A run with a name and nothing to evaluate.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }
}

/// One step of a run's lifecycle, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunStatusChange {
    /// The state left (`None` for creation).
    pub from: Option<RunStatus>,
    /// The state entered.
    pub to: RunStatus,
    /// Why, when known.
    pub reason: Option<String>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// A page of runs, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunPage {
    /// The runs on this page.
    pub items: Vec<Run>,
    /// Pass back as `cursor` to get the next page; `None` on the last page.
    pub next_cursor: Option<RunId>,
}

const RUN_COLUMNS: &str = "id, workspace_id, name, status, failure_reason, workflow_id, created_at, updated_at, finished_at, pack_version_id, input_set_key, case_keys";

fn run_from_row(row: &PgRow) -> Result<Run, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(Run {
        id: RunId(row.try_get("id")?),
        workspace_id: WorkspaceId(row.try_get("workspace_id")?),
        name: row.try_get("name")?,
        status: status
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        failure_reason: row.try_get("failure_reason")?,
        workflow_id: row.try_get("workflow_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        finished_at: row.try_get("finished_at")?,
        pack_version_id: row
            .try_get::<Option<uuid::Uuid>, _>("pack_version_id")?
            .map(PackVersionId),
        input_set_key: row.try_get("input_set_key")?,
        case_keys: row
            .try_get::<Option<Vec<String>>, _>("case_keys")?
            .unwrap_or_default(),
    })
}

/// Which runs a list returns (every field optional: all runs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunFilter {
    /// Only runs in this state.
    pub status: Option<RunStatus>,
    /// Only runs of this pack version.
    pub pack_version: Option<PackVersionId>,
}

impl Store {
    /// Creates a run in `queued` with its first history row, its lanes (each
    /// `queued`, with its own history row) and a `pending` row per lane and
    /// case, all in one transaction.
    pub async fn create_run(
        &self,
        workspace_id: WorkspaceId,
        new: &NewRun,
    ) -> Result<Run, StoreError> {
        let id = RunId::new();
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO runs (id, workspace_id, name, status, workflow_id, pack_version_id, input_set_key, case_keys) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {RUN_COLUMNS}"
        ))
        .bind(id.0)
        .bind(workspace_id.0)
        .bind(&new.name)
        .bind(RunStatus::Queued.as_str())
        .bind(run_workflow_id(id))
        .bind(new.pack_version_id.map(|v| v.0))
        .bind(&new.input_set_key)
        .bind(&new.case_keys)
        .fetch_one(&mut *tx)
        .await?;
        insert_history(&mut tx, id, None, RunStatus::Queued, None).await?;
        for (lane_index, lane) in new.lanes.iter().enumerate() {
            crate::lanes::insert_lane(&mut tx, workspace_id, id, lane_index, lane, &new.case_keys)
                .await?;
        }
        tx.commit().await?;
        run_from_row(&row)
    }

    /// Reads one run of the workspace.
    pub async fn get_run(&self, workspace_id: WorkspaceId, id: RunId) -> Result<Run, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE id = $1 AND workspace_id = $2"
        ))
        .bind(id.0)
        .bind(workspace_id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        run_from_row(&row)
    }

    /// Lists the workspace's runs, newest first, `limit` at a time.
    pub async fn list_runs(
        &self,
        workspace_id: WorkspaceId,
        limit: u32,
        cursor: Option<RunId>,
        filter: &RunFilter,
    ) -> Result<RunPage, StoreError> {
        let limit = i64::from(limit.clamp(1, 100));
        let rows = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id < $2) \
             AND ($4::text IS NULL OR status = $4) AND ($5::uuid IS NULL OR pack_version_id = $5) \
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(workspace_id.0)
        .bind(cursor.map(|c| c.0))
        .bind(limit + 1)
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.pack_version.map(|p| p.0))
        .fetch_all(&self.pool)
        .await?;
        let mut items = rows
            .iter()
            .map(run_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|r| r.id)
        } else {
            None
        };
        Ok(RunPage { items, next_cursor })
    }

    /// Moves a run from `from` to `to` if, and only if, it is still in `from`,
    /// and records the change. Repeating a transition that already happened is
    /// a no-op returning the run, so a retried activity does no harm.
    pub async fn transition_run(
        &self,
        workspace_id: WorkspaceId,
        id: RunId,
        from: RunStatus,
        to: RunStatus,
        reason: Option<&str>,
    ) -> Result<Run, StoreError> {
        if !from.can_transition_to(to) {
            return Err(StoreError::Conflict(format!(
                "a run cannot go from {from} to {to}"
            )));
        }
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE runs SET status = $4, updated_at = now(), \
                 failure_reason = CASE WHEN $4 = 'failed' THEN $5 ELSE failure_reason END, \
                 finished_at = CASE WHEN $4 IN ('completed', 'failed', 'cancelled') THEN now() ELSE finished_at END \
             WHERE id = $1 AND workspace_id = $2 AND status = $3 RETURNING {RUN_COLUMNS}"
        ))
        .bind(id.0)
        .bind(workspace_id.0)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(reason)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            drop(tx);
            let current = self.get_run(workspace_id, id).await?;
            if current.status == to {
                return Ok(current);
            }
            return Err(StoreError::Conflict(format!(
                "run {id} is {}, not {from}; cannot move it to {to}",
                current.status
            )));
        };
        insert_history(&mut tx, id, Some(from), to, reason).await?;
        self.commit_announcing(tx, id).await?;
        run_from_row(&row)
    }

    /// Fails a run from whatever non-terminal state it is in. Returns the run
    /// unchanged when it is already terminal.
    pub async fn fail_run(
        &self,
        workspace_id: WorkspaceId,
        id: RunId,
        reason: &str,
    ) -> Result<Run, StoreError> {
        self.end_run(workspace_id, id, RunStatus::Failed, reason)
            .await
    }

    /// Cancels a run from whatever non-terminal state it is in. Returns the run
    /// unchanged when it is already terminal.
    pub async fn cancel_run(
        &self,
        workspace_id: WorkspaceId,
        id: RunId,
        reason: &str,
    ) -> Result<Run, StoreError> {
        self.end_run(workspace_id, id, RunStatus::Cancelled, reason)
            .await
    }

    async fn end_run(
        &self,
        workspace_id: WorkspaceId,
        id: RunId,
        to: RunStatus,
        reason: &str,
    ) -> Result<Run, StoreError> {
        // A concurrent step may move the run between our read and our CAS;
        // re-read and retry a few times rather than lose the terminal state.
        for _ in 0..5 {
            let current = self.get_run(workspace_id, id).await?;
            if current.status.is_terminal() {
                return Ok(current);
            }
            match self
                .transition_run(workspace_id, id, current.status, to, Some(reason))
                .await
            {
                Err(StoreError::Conflict(_)) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict(format!(
            "run {id} kept changing; could not move it to {to}"
        )))
    }

    /// The run's lifecycle, oldest first.
    pub async fn run_history(
        &self,
        workspace_id: WorkspaceId,
        id: RunId,
    ) -> Result<Vec<RunStatusChange>, StoreError> {
        // Scope check first: a foreign run id must look absent.
        self.get_run(workspace_id, id).await?;
        let rows = sqlx::query(
            "SELECT from_status, to_status, reason, changed_at FROM run_status_history \
             WHERE run_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let from: Option<String> = row.try_get("from_status")?;
                let to: String = row.try_get("to_status")?;
                let parse = |s: &str| {
                    s.parse::<RunStatus>()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))
                };
                Ok(RunStatusChange {
                    from: from.as_deref().map(parse).transpose()?,
                    to: parse(&to)?,
                    reason: row.try_get("reason")?,
                    changed_at: row.try_get("changed_at")?,
                })
            })
            .collect()
    }
}

/// The Temporal workflow id of a run's `RunWorkflow`: derived from the run id,
/// so starting it twice is rejected by Temporal instead of running twice.
pub fn run_workflow_id(id: RunId) -> String {
    format!("run-{id}")
}

async fn insert_history(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: RunId,
    from: Option<RunStatus>,
    to: RunStatus,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO run_status_history (run_id, from_status, to_status, reason) VALUES ($1, $2, $3, $4)")
        .bind(id.0)
        .bind(from.map(RunStatus::as_str))
        .bind(to.as_str())
        .bind(reason)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
