//! The live event stream of a run (server-sent events): stored events
//! first, then new ones as they commit, resumable with `Last-Event-ID`;
//! ends with an `end` event once the run is terminal. Wake-ups come from
//! Postgres LISTEN/NOTIFY or Redis pub/sub through the process's
//! [`EventHub`]; each wake-up reads what committed since the stream's
//! position, so nothing is polled and nothing is sent twice.
//!
//! [`EventHub`]: crate::event_hub::EventHub

use crate::auth::WorkspaceScope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::routes::agents::parse_id;
use crate::routes::identity::not_found_as;
use crate::state::AppState;
use agentclash_core::{ErrorCode, RunId, WorkspaceId};
use agentclash_store::Store;
use agentclash_store::events::StreamPosition;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, watch};

/// Events read per database round trip.
const PAGE: u32 = 500;
/// Comment lines keep idle connections (and proxies) alive.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// Server-sent events of one run. Each `data` is a run event as in
/// `GET …/events`; each `id` is the stream position to resume from. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runs/{run_id}/events/stream", tag = "runs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_id" = String, Path, description = "Run id"),
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id")),
    responses((status = 200, description = "text/event-stream of run events, then an `end` event", content_type = "text/event-stream", body = String),
        (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn stream(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, run_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let run_id: RunId = parse_id(&run_id, "run")?;
    state
        .store
        .get_run(scope.id(), run_id)
        .await
        .map_err(not_found_as("run"))?;
    let position = match headers.get("last-event-id") {
        None => StreamPosition::default(),
        Some(raw) => StreamPosition::decode(raw.to_str().unwrap_or("?"))?,
    };
    let permit = state.events.admit().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unavailable,
            "this server is serving its maximum of live streams; retry shortly",
        )
    })?;
    // Subscribe before the first read, so no commit falls between them.
    let wake = state.events.subscribe(run_id.0);
    let reader = Reader {
        store: state.store.clone(),
        ws: scope.id(),
        run: run_id,
        position,
        wake,
        pending: VecDeque::new(),
        done: false,
        _permit: permit,
    };
    let events = futures::stream::unfold(reader, |mut reader| async move {
        let event = reader.next().await?;
        Some((Ok(event), reader))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(HEARTBEAT)))
}

/// One stream's state.
struct Reader {
    store: Store,
    ws: WorkspaceId,
    run: RunId,
    position: StreamPosition,
    wake: watch::Receiver<u64>,
    pending: VecDeque<Event>,
    done: bool,
    _permit: OwnedSemaphorePermit,
}

impl Reader {
    /// The next SSE event; `None` once the `end` (or `error`) event was sent.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if self.done {
                return None;
            }
            if let Err(message) = self.fill().await {
                self.done = true;
                return Some(Event::default().event("error").data(message));
            }
            if self.pending.is_empty() && !self.done && self.wake.changed().await.is_err() {
                self.done = true;
            }
        }
    }

    /// Reads what committed since the position; queues `end` when the run
    /// is terminal and everything was read.
    async fn fill(&mut self) -> Result<(), String> {
        // Status first: a run becomes terminal only after its last event.
        let run = self
            .store
            .get_run(self.ws, self.run)
            .await
            .map_err(|e| e.to_string())?;
        let batch = self
            .store
            .events_after(self.ws, self.run, &self.position, PAGE)
            .await
            .map_err(|e| e.to_string())?;
        let full = batch.len() == PAGE as usize;
        for (lane, event) in batch {
            self.position.0.insert(lane, event.sequence);
            let data = serde_json::to_string(&event).map_err(|e| e.to_string())?;
            self.pending.push_back(
                Event::default()
                    .id(self.position.encode())
                    .event("run_event")
                    .data(data),
            );
        }
        if !full && run.status.is_terminal() {
            self.pending.push_back(
                Event::default()
                    .event("end")
                    .data(serde_json::json!({"status": run.status}).to_string()),
            );
            self.done = true;
        }
        Ok(())
    }
}
