//! Scores as produced by `agentclash-scoring`, stored as JSON next to what
//! they score: per case, per lane (scorecard) and per run (ranking).

use crate::{Store, StoreError};
use agentclash_core::{RunAgentId, RunId, WorkspaceId};
use serde_json::Value;
use sqlx::Row;

/// A case's stored score.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseScoreRow {
    /// The case.
    pub case_key: String,
    /// Verdicts, dimensions, overall.
    pub score: Option<Value>,
    /// Failure class, when the case failed.
    pub failure: Option<Value>,
    /// The verifier's evidence in artifact storage.
    pub evidence_sha256: Option<String>,
}

impl Store {
    /// Stores a case's score (replacing an earlier one, e.g. on re-scoring).
    pub async fn save_case_score(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
        case_key: &str,
        score: &Value,
        failure: Option<&Value>,
        evidence_sha256: Option<&str>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE run_cases SET score = $4, failure = $5, evidence_sha256 = COALESCE($6, evidence_sha256) \
             WHERE run_agent_id = $1 AND workspace_id = $2 AND case_key = $3",
        )
        .bind(lane.0)
        .bind(ws.0)
        .bind(case_key)
        .bind(score)
        .bind(failure)
        .bind(evidence_sha256)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The stored scores of a lane's cases, in run order.
    pub async fn case_scores(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
    ) -> Result<Vec<CaseScoreRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT case_key, score, failure, evidence_sha256 FROM run_cases \
             WHERE run_agent_id = $1 AND workspace_id = $2 ORDER BY position",
        )
        .bind(lane.0)
        .bind(ws.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CaseScoreRow {
                    case_key: r.try_get("case_key")?,
                    score: r.try_get("score")?,
                    failure: r.try_get("failure")?,
                    evidence_sha256: r.try_get("evidence_sha256")?,
                })
            })
            .collect()
    }

    /// Stores a lane's scorecard.
    pub async fn save_scorecard(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
        scorecard: &Value,
    ) -> Result<(), StoreError> {
        let done =
            sqlx::query("UPDATE run_agents SET scorecard = $3 WHERE id = $1 AND workspace_id = $2")
                .bind(lane.0)
                .bind(ws.0)
                .bind(scorecard)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// A lane's scorecard (`None` until scored).
    pub async fn scorecard(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
    ) -> Result<Option<Value>, StoreError> {
        sqlx::query_scalar("SELECT scorecard FROM run_agents WHERE id = $1 AND workspace_id = $2")
            .bind(lane.0)
            .bind(ws.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Stores a run's ranking.
    pub async fn save_ranking(
        &self,
        ws: WorkspaceId,
        run: RunId,
        ranking: &Value,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE runs SET ranking = $3 WHERE id = $1 AND workspace_id = $2")
            .bind(run.0)
            .bind(ws.0)
            .bind(ranking)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// A run's ranking (`None` until scored).
    pub async fn ranking(&self, ws: WorkspaceId, run: RunId) -> Result<Option<Value>, StoreError> {
        sqlx::query_scalar("SELECT ranking FROM runs WHERE id = $1 AND workspace_id = $2")
            .bind(run.0)
            .bind(ws.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// What a lane's judges have spent in one scoring pass (`generation`
    /// 0 is the run itself, n the n-th rescore), summed from its
    /// `scoring.judge.call` events.
    pub async fn judge_spend(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
        generation: i32,
    ) -> Result<JudgeSpend, StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM((e.payload->>'cost_usd')::float8), 0) AS cost, \
                    COALESCE(SUM((e.payload->>'input_tokens')::bigint + (e.payload->>'output_tokens')::bigint), 0)::bigint AS tokens \
             FROM run_events e JOIN run_agents a ON a.id = e.run_agent_id \
             WHERE e.run_agent_id = $1 AND a.workspace_id = $2 AND e.event_type = 'scoring.judge.call' \
               AND (e.payload->>'generation')::int = $3",
        )
        .bind(lane.0)
        .bind(ws.0)
        .bind(generation)
        .fetch_one(&self.pool)
        .await?;
        Ok(JudgeSpend {
            cost_usd: row.try_get("cost")?,
            tokens: row.try_get("tokens")?,
        })
    }
}

/// Judge spend of a lane in one scoring pass.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JudgeSpend {
    /// Priced cost, USD.
    pub cost_usd: f64,
    /// Input plus output tokens.
    pub tokens: i64,
}

/// Where a run's latest re-scoring stands.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct RescoreState {
    /// Scoring passes requested so far (0: never re-scored).
    pub generation: i32,
    /// `running`, `completed` or `failed`; absent when never re-scored.
    pub status: Option<String>,
    /// Why the last pass failed.
    pub error: Option<String>,
    /// When the last pass ended.
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Store {
    /// Starts a re-scoring pass of a finished run; returns its generation.
    /// Conflict when the run is still going or a pass is already running.
    pub async fn begin_rescore(&self, ws: WorkspaceId, run: RunId) -> Result<i32, StoreError> {
        let generation: Option<i32> = sqlx::query_scalar(
            "UPDATE runs SET rescore_generation = rescore_generation + 1, rescore_status = 'running', \
             rescore_error = NULL, rescored_at = NULL \
             WHERE id = $1 AND workspace_id = $2 AND status IN ('completed', 'failed', 'cancelled') \
               AND rescore_status IS DISTINCT FROM 'running' \
             RETURNING rescore_generation",
        )
        .bind(run.0)
        .bind(ws.0)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(generation) = generation {
            return Ok(generation);
        }
        let state = self.rescore_state(ws, run).await?;
        Err(StoreError::Conflict(
            if state.status.as_deref() == Some("running") {
                format!("re-scoring pass {} is still running", state.generation)
            } else {
                "the run has not finished; re-score it once it is completed".to_owned()
            },
        ))
    }

    /// Ends pass `generation` (a later pass may already have started).
    pub async fn finish_rescore(
        &self,
        ws: WorkspaceId,
        run: RunId,
        generation: i32,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE runs SET rescore_status = $4, rescore_error = $5, rescored_at = now() \
             WHERE id = $1 AND workspace_id = $2 AND rescore_generation = $3",
        )
        .bind(run.0)
        .bind(ws.0)
        .bind(generation)
        .bind(if error.is_some() {
            "failed"
        } else {
            "completed"
        })
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The run's re-scoring state.
    pub async fn rescore_state(
        &self,
        ws: WorkspaceId,
        run: RunId,
    ) -> Result<RescoreState, StoreError> {
        let row = sqlx::query(
            "SELECT rescore_generation, rescore_status, rescore_error, rescored_at FROM runs \
             WHERE id = $1 AND workspace_id = $2",
        )
        .bind(run.0)
        .bind(ws.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(RescoreState {
            generation: row.try_get("rescore_generation")?,
            status: row.try_get("rescore_status")?,
            error: row.try_get("rescore_error")?,
            finished_at: row.try_get("rescored_at")?,
        })
    }
}
