//! Run events: per-lane, gap-free sequences assigned at write time, batched
//! inserts, and idempotent re-writes of a batch an activity retried.

use crate::{Store, StoreError};
use agentclash_core::{RunAgentId, RunId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

/// An event to append. Its idempotency key is (lane, case key, attempt,
/// `attempt_seq`): writing it again is a no-op.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Identity, chosen by the producer so other records (verdicts) can
    /// point at the event before it is written.
    pub id: Uuid,
    /// Event type (`system.case.started`, `model.call.completed`, …).
    pub event_type: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Index of the event within its attempt (0, 1, …).
    pub attempt_seq: i32,
    /// Agent step (model call index), when the event belongs to one.
    pub step: Option<i32>,
    /// Details; large blobs are replaced by artifact references beforehand.
    pub payload: Value,
    /// One line for humans.
    pub summary: Option<String>,
}

/// Which stream a batch of events belongs to.
#[derive(Debug, Clone)]
pub struct EventStream<'a> {
    /// The run.
    pub run: RunId,
    /// The lane.
    pub lane: RunAgentId,
    /// The case (`""` for lane-level events).
    pub case_key: &'a str,
    /// The attempt (Temporal activity attempt, 1-based; 0 for lane-level).
    pub attempt: i32,
}

/// An event as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunEvent {
    /// Identity.
    #[schema(value_type = String, format = Uuid)]
    pub event_id: Uuid,
    /// The run.
    #[schema(value_type = String, format = Uuid)]
    pub run_id: Uuid,
    /// The lane (absent for run-level events).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub run_agent_id: Option<Uuid>,
    /// Gap-free position within the lane: the authoritative order.
    pub sequence: i64,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The case, when the event belongs to one.
    pub case_key: Option<String>,
    /// The case attempt, when the event belongs to one.
    pub attempt: Option<i32>,
    /// Agent step.
    pub step: Option<i32>,
    /// Details.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// One line for humans.
    pub summary: Option<String>,
    /// When the event was written to the database.
    pub recorded_at: DateTime<Utc>,
}

/// A page of events in (lane, sequence) order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventPage {
    /// The events.
    pub items: Vec<RunEvent>,
    /// Pass back as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this lane.
    pub lane: Option<RunAgentId>,
    /// Only types starting with this prefix (`tool.`, `model.call.completed`).
    pub type_prefix: Option<String>,
    /// Continue after this cursor (from `next_cursor`).
    pub cursor: Option<String>,
    /// Page size (1..=1000).
    pub limit: u32,
}

impl Store {
    /// Appends a batch to a lane, assigning the next sequence numbers in one
    /// transaction. Events of the batch already stored (same stream and
    /// `attempt_seq`) are skipped, so a retried write never duplicates.
    /// Returns how many were new.
    pub async fn append_events(
        &self,
        ws: WorkspaceId,
        stream: &EventStream<'_>,
        events: &[NewEvent],
    ) -> Result<usize, StoreError> {
        if events.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT next_sequence FROM run_agents WHERE id = $1 AND run_id = $2 AND workspace_id = $3 FOR UPDATE",
        )
        .bind(stream.lane.0)
        .bind(stream.run.0)
        .bind(ws.0)
        .fetch_optional(&mut *tx)
        .await?;
        let mut next = next.ok_or(StoreError::NotFound)?;
        let seqs: Vec<i32> = events.iter().map(|e| e.attempt_seq).collect();
        let existing: Vec<i32> = sqlx::query_scalar(
            "SELECT attempt_seq FROM run_events WHERE run_agent_id = $1 AND case_key = $2 AND attempt = $3 \
             AND attempt_seq = ANY($4)",
        )
        .bind(stream.lane.0)
        .bind(stream.case_key)
        .bind(stream.attempt)
        .bind(&seqs)
        .fetch_all(&mut *tx)
        .await?;
        let fresh: Vec<&NewEvent> = events
            .iter()
            .filter(|e| !existing.contains(&e.attempt_seq))
            .collect();
        if fresh.is_empty() {
            return Ok(0);
        }
        let mut ids = Vec::with_capacity(fresh.len());
        let mut sequences = Vec::with_capacity(fresh.len());
        for event in &fresh {
            ids.push(event.id);
            sequences.push(next);
            next += 1;
        }
        sqlx::query(
            "INSERT INTO run_events (id, run_id, run_agent_id, sequence, event_type, occurred_at, case_key, step, \
             payload, summary, attempt, attempt_seq) \
             SELECT id, $2, $3, seq, et, at, $4, step, payload, summary, $5, aseq \
             FROM unnest($1::uuid[], $6::bigint[], $7::text[], $8::timestamptz[], $9::int[], $10::jsonb[], $11::text[], $12::int[]) \
                  AS t(id, seq, et, at, step, payload, summary, aseq)",
        )
        .bind(&ids)
        .bind(stream.run.0)
        .bind(stream.lane.0)
        .bind(stream.case_key)
        .bind(stream.attempt)
        .bind(&sequences)
        .bind(fresh.iter().map(|e| e.event_type.clone()).collect::<Vec<_>>())
        .bind(fresh.iter().map(|e| e.occurred_at).collect::<Vec<_>>())
        .bind(fresh.iter().map(|e| e.step).collect::<Vec<_>>())
        .bind(fresh.iter().map(|e| e.payload.clone()).collect::<Vec<_>>())
        .bind(fresh.iter().map(|e| e.summary.clone()).collect::<Vec<_>>())
        .bind(fresh.iter().map(|e| e.attempt_seq).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE run_agents SET next_sequence = $2 WHERE id = $1")
            .bind(stream.lane.0)
            .bind(next)
            .execute(&mut *tx)
            .await?;
        self.commit_announcing(tx, stream.run).await?;
        Ok(fresh.len())
    }

    /// A run's events in (lane index, sequence) order, filtered and paged.
    pub async fn list_events(
        &self,
        ws: WorkspaceId,
        run: RunId,
        filter: &EventFilter,
    ) -> Result<EventPage, StoreError> {
        self.get_run(ws, run).await?;
        let (after_lane, after_seq) = match &filter.cursor {
            None => (-2i32, -1i64),
            Some(c) => parse_cursor(c)?,
        };
        let limit = i64::from(filter.limit.clamp(1, 1000));
        let rows = sqlx::query(
            "SELECT e.id, e.run_id, e.run_agent_id, e.sequence, e.event_type, e.occurred_at, e.case_key, e.attempt, \
                    e.step, e.payload, e.summary, e.recorded_at, COALESCE(a.lane_index, -1) AS lane_index \
             FROM run_events e LEFT JOIN run_agents a ON a.id = e.run_agent_id \
             WHERE e.run_id = $1 \
               AND ($2::uuid IS NULL OR e.run_agent_id = $2) \
               AND ($3::text IS NULL OR starts_with(e.event_type, $3)) \
               AND (COALESCE(a.lane_index, -1), e.sequence) > ($4, $5) \
             ORDER BY COALESCE(a.lane_index, -1), e.sequence LIMIT $6",
        )
        .bind(run.0)
        .bind(filter.lane.map(|l| l.0))
        .bind(&filter.type_prefix)
        .bind(after_lane)
        .bind(after_seq)
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut positions = Vec::with_capacity(rows.len());
        for row in &rows {
            positions.push((
                row.try_get::<i32, _>("lane_index")?,
                row.try_get::<i64, _>("sequence")?,
            ));
            items.push(event_from_row(row)?);
        }
        let next_cursor = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            positions
                .get(items.len() - 1)
                .map(|(lane, seq)| format!("{lane}.{seq}"))
        } else {
            None
        };
        Ok(EventPage { items, next_cursor })
    }
}

pub use crate::fanout::{Heard, RUN_EVENTS_CHANNEL, RunEventListener};

/// Where a reader of a run's events is: the last sequence read per lane
/// index (`-1` for run-level events). Lanes are independent, gap-free
/// sequences, so a reader that resumes from these positions misses nothing
/// and reads nothing twice, whatever order lanes commit in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamPosition(pub std::collections::BTreeMap<i32, i64>);

impl StreamPosition {
    /// `lane:seq,lane:seq` (the SSE event id).
    pub fn encode(&self) -> String {
        self.0
            .iter()
            .map(|(lane, seq)| format!("{lane}:{seq}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Parses [`StreamPosition::encode`]'s output.
    pub fn decode(text: &str) -> Result<Self, StoreError> {
        let bad = || StoreError::InvalidInput(format!("`{text}` is not an event id this API sent"));
        let mut positions = std::collections::BTreeMap::new();
        for part in text.split(',').filter(|p| !p.is_empty()) {
            let (lane, seq) = part.split_once(':').ok_or_else(bad)?;
            positions.insert(
                lane.parse().map_err(|_| bad())?,
                seq.parse().map_err(|_| bad())?,
            );
        }
        Ok(Self(positions))
    }
}

impl Store {
    /// Events of a run after `position`, at most `limit`, each lane in
    /// sequence order; returns them with their lane index. Each lane is read
    /// as an index range from its position, so a live stream's read costs
    /// what is new, not the run's whole history.
    pub async fn events_after(
        &self,
        ws: WorkspaceId,
        run: RunId,
        position: &StreamPosition,
        limit: u32,
    ) -> Result<Vec<(i32, RunEvent)>, StoreError> {
        let lanes: Vec<i32> = position.0.keys().copied().collect();
        let seqs: Vec<i64> = position.0.values().copied().collect();
        let rows = sqlx::query(
            "WITH pos AS (SELECT * FROM unnest($3::int[], $4::bigint[]) AS p(lane, seq)), \
             lanes AS (SELECT a.id, a.lane_index FROM run_agents a \
                       JOIN runs r ON r.id = a.run_id AND r.workspace_id = $2 WHERE a.run_id = $1) \
             SELECT e.id, e.run_id, e.run_agent_id, e.sequence, e.event_type, e.occurred_at, e.case_key, e.attempt, \
                    e.step, e.payload, e.summary, e.recorded_at, e.lane_index \
             FROM ( \
               SELECT e.*, l.lane_index FROM lanes l LEFT JOIN pos ON pos.lane = l.lane_index \
               CROSS JOIN LATERAL (SELECT * FROM run_events e \
                 WHERE e.run_id = $1 AND e.run_agent_id = l.id AND e.sequence > COALESCE(pos.seq, -1) \
                 ORDER BY e.sequence LIMIT $5) e \
               UNION ALL \
               SELECT e.*, -1 FROM run_events e JOIN runs r ON r.id = e.run_id AND r.workspace_id = $2 \
               WHERE e.run_id = $1 AND e.run_agent_id IS NULL \
                 AND e.sequence > COALESCE((SELECT seq FROM pos WHERE lane = -1), -1) \
             ) e \
             ORDER BY e.recorded_at, e.lane_index, e.sequence LIMIT $5",
        )
        .bind(run.0)
        .bind(ws.0)
        .bind(&lanes)
        .bind(&seqs)
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get::<i32, _>("lane_index")?, event_from_row(row)?)))
            .collect()
    }
}

fn event_from_row(row: &sqlx::postgres::PgRow) -> Result<RunEvent, StoreError> {
    Ok(RunEvent {
        event_id: row.try_get("id")?,
        run_id: row.try_get("run_id")?,
        run_agent_id: row.try_get("run_agent_id")?,
        sequence: row.try_get("sequence")?,
        event_type: row.try_get("event_type")?,
        occurred_at: row.try_get("occurred_at")?,
        case_key: row.try_get("case_key")?,
        attempt: row.try_get("attempt")?,
        step: row.try_get("step")?,
        payload: row.try_get("payload")?,
        summary: row.try_get("summary")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

fn parse_cursor(cursor: &str) -> Result<(i32, i64), StoreError> {
    let bad = || {
        StoreError::InvalidInput(format!(
            "`cursor` `{cursor}` is not a cursor this API returned"
        ))
    };
    let (lane, seq) = cursor.split_once('.').ok_or_else(bad)?;
    Ok((
        lane.parse().map_err(|_| bad())?,
        seq.parse().map_err(|_| bad())?,
    ))
}

impl Store {
    /// The sequence at which step `index` of a lane's replay starts (the
    /// `index`-th event that starts a step), or `None` past the end.
    pub async fn replay_step_start(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
        index: u64,
    ) -> Result<Option<i64>, StoreError> {
        let offset = i64::try_from(index)
            .map_err(|_| StoreError::InvalidInput("step index too large".into()))?;
        Ok(sqlx::query_scalar(
            "SELECT e.sequence FROM run_events e JOIN run_agents a ON a.id = e.run_agent_id \
             WHERE e.run_agent_id = $1 AND a.workspace_id = $2 AND NOT (e.event_type = ANY($3)) \
             ORDER BY e.sequence OFFSET $4 LIMIT 1",
        )
        .bind(lane.0)
        .bind(ws.0)
        .bind(agentclash_core::replay::CONTINUATION_TYPES)
        .bind(offset)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The index of the replay step an event belongs to: the step it starts,
    /// or for a continuation (a tool call's or model call's later events)
    /// the step of its start. `None` when the lane has no such event.
    pub async fn replay_step_of_event(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
        event: Uuid,
    ) -> Result<Option<u64>, StoreError> {
        let starts: Option<i64> = sqlx::query_scalar(
            "WITH target AS ( \
               SELECT e.* FROM run_events e JOIN run_agents a ON a.id = e.run_agent_id \
               WHERE e.id = $3 AND e.run_agent_id = $1 AND a.workspace_id = $2), \
             anchor AS ( \
               SELECT COALESCE(CASE \
                 WHEN t.event_type LIKE 'tool.call.%' AND t.event_type <> 'tool.call.started' THEN \
                   (SELECT max(s.sequence) FROM run_events s WHERE s.run_agent_id = $1 \
                      AND s.event_type = 'tool.call.started' AND s.sequence < t.sequence \
                      AND s.payload->>'tool_call_id' IS NOT DISTINCT FROM t.payload->>'tool_call_id' \
                      AND s.case_key IS NOT DISTINCT FROM t.case_key AND s.attempt IS NOT DISTINCT FROM t.attempt) \
                 WHEN t.event_type LIKE 'model.%' AND t.event_type <> 'model.call.started' THEN \
                   (SELECT max(s.sequence) FROM run_events s WHERE s.run_agent_id = $1 \
                      AND s.event_type = 'model.call.started' AND s.sequence < t.sequence \
                      AND s.step IS NOT DISTINCT FROM t.step \
                      AND s.case_key IS NOT DISTINCT FROM t.case_key AND s.attempt IS NOT DISTINCT FROM t.attempt) \
               END, t.sequence) AS sequence FROM target t) \
             SELECT (SELECT count(*) FROM run_events s WHERE s.run_agent_id = $1 \
                       AND NOT (s.event_type = ANY($4)) AND s.sequence <= anchor.sequence) \
             FROM anchor",
        )
        .bind(lane.0)
        .bind(ws.0)
        .bind(event)
        .bind(agentclash_core::replay::CONTINUATION_TYPES)
        .fetch_optional(&self.pool)
        .await?;
        Ok(starts
            .and_then(|n| u64::try_from(n).ok())
            .and_then(|n| n.checked_sub(1)))
    }

    /// Up to `limit` events of a lane from sequence `from` on, for folding.
    pub async fn replay_events(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
        from: i64,
        limit: u32,
    ) -> Result<Vec<agentclash_core::replay::FoldEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.sequence, e.event_type, e.occurred_at, e.case_key, e.attempt, e.step, e.payload, e.summary \
             FROM run_events e JOIN run_agents a ON a.id = e.run_agent_id \
             WHERE e.run_agent_id = $1 AND a.workspace_id = $2 AND e.sequence >= $3 \
             ORDER BY e.sequence LIMIT $4",
        )
        .bind(lane.0)
        .bind(ws.0)
        .bind(from)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let at: DateTime<Utc> = row.try_get("occurred_at")?;
                Ok(agentclash_core::replay::FoldEvent {
                    sequence: row.try_get("sequence")?,
                    event_type: row.try_get("event_type")?,
                    occurred_at: at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                    case_key: row.try_get("case_key")?,
                    attempt: row.try_get("attempt")?,
                    step: row.try_get("step")?,
                    payload: row.try_get("payload")?,
                    summary: row.try_get("summary")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Every event of one case attempt of a lane, in sequence order (what
    /// scoring reads to rebuild the agent's trace).
    pub async fn case_attempt_events(
        &self,
        ws: WorkspaceId,
        lane: RunAgentId,
        case_key: &str,
        attempt: i32,
    ) -> Result<Vec<RunEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.id, e.run_id, e.run_agent_id, e.sequence, e.event_type, e.occurred_at, e.case_key, e.attempt, \
                    e.step, e.payload, e.summary, e.recorded_at \
             FROM run_events e JOIN run_agents a ON a.id = e.run_agent_id \
             WHERE e.run_agent_id = $1 AND a.workspace_id = $2 AND e.case_key = $3 AND e.attempt = $4 \
             ORDER BY e.sequence",
        )
        .bind(lane.0)
        .bind(ws.0)
        .bind(case_key)
        .bind(attempt)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}
