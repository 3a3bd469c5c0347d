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
}
