//! Records a case attempt's events: buffered, written in batches with
//! gap-free per-lane sequence numbers, idempotent per (attempt, index), and
//! with payloads over [`OFFLOAD_BYTES`] moved to artifact storage.

use agentclash_agent::{AgentEvent, EventSink, SinkError};
use agentclash_artifacts::{ArtifactRef, ArtifactStore};
use agentclash_core::{RunAgentId, RunId, WorkspaceId};
use agentclash_store::Store;
use agentclash_store::artifacts::NewArtifact;
use agentclash_store::events::{EventStream, NewEvent};
use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// Payloads larger than this (encoded) are stored as artifacts.
pub const OFFLOAD_BYTES: usize = 32 * 1024;
/// Events buffered before a write is forced.
const BATCH: usize = 64;
/// Characters of an offloaded payload kept inline as a preview.
const PREVIEW_CHARS: usize = 1024;

/// Where one case attempt's events go.
pub struct CaseRecorder {
    store: Store,
    artifacts: ArtifactStore,
    ws: WorkspaceId,
    run: RunId,
    lane: RunAgentId,
    case_key: String,
    attempt: i32,
    state: Mutex<Buffer>,
}

#[derive(Default)]
struct Buffer {
    pending: Vec<NewEvent>,
    next_index: i32,
}

/// Longest string field kept next to an offloaded payload's reference.
const KEPT_STRING_CHARS: usize = 200;

/// The short scalar fields of an offloaded payload (ids, names, flags,
/// counts), kept inline so readers that pair events (a tool call's start
/// and end by `tool_call_id`) or filter them never need the blob.
fn identifying_fields(payload: &Value) -> serde_json::Map<String, Value> {
    let Value::Object(fields) = payload else {
        return serde_json::Map::new();
    };
    fields
        .iter()
        .filter(|(key, value)| {
            key.as_str() != "artifact"
                && key.as_str() != "preview"
                && match value {
                    Value::String(s) => s.chars().count() <= KEPT_STRING_CHARS,
                    Value::Bool(_) | Value::Number(_) | Value::Null => true,
                    _ => false,
                }
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

impl CaseRecorder {
    /// A recorder for `attempt` (1-based) of `case_key` in `lane`.
    pub fn new(
        store: Store,
        artifacts: ArtifactStore,
        ws: WorkspaceId,
        run: RunId,
        lane: RunAgentId,
        case_key: &str,
        attempt: i32,
    ) -> Self {
        Self {
            store,
            artifacts,
            ws,
            run,
            lane,
            case_key: case_key.to_owned(),
            attempt,
            state: Mutex::new(Buffer::default()),
        }
    }

    /// Stores `bytes` in artifact storage (once per content) and records
    /// the artifact on the lane, so the API can serve it to the workspace.
    pub async fn store_blob(
        &self,
        name: &str,
        bytes: Vec<u8>,
        media_type: &str,
    ) -> Result<ArtifactRef, SinkError> {
        let stored = self
            .artifacts
            .put(bytes, media_type)
            .await
            .map_err(|e| SinkError(format!("storing {name}: {e}")))?;
        let location = self
            .artifacts
            .location(&stored.sha256)
            .map_err(|e| SinkError(format!("locating {name}: {e}")))?;
        self.store
            .record_artifact(
                self.ws,
                &NewArtifact {
                    run: Some(self.run),
                    lane: Some(self.lane),
                    name,
                    media_type: &stored.media_type,
                    size_bytes: i64::try_from(stored.size).unwrap_or(i64::MAX),
                    content_hash: &stored.sha256,
                    storage_key: location.as_ref(),
                },
            )
            .await
            .map_err(|e| SinkError(e.to_string()))?;
        Ok(stored)
    }

    async fn offload(&self, payload: Value) -> Result<Value, SinkError> {
        let encoded = payload.to_string();
        if encoded.len() <= OFFLOAD_BYTES {
            return Ok(payload);
        }
        let stored = self
            .store_blob(
                "event-payload",
                encoded.clone().into_bytes(),
                "application/json",
            )
            .await?;
        let preview: String = encoded.chars().take(PREVIEW_CHARS).collect();
        let mut kept = identifying_fields(&payload);
        kept.insert(
            "artifact".into(),
            json!({"sha256": stored.sha256, "size": stored.size, "media_type": stored.media_type}),
        );
        kept.insert("preview".into(), Value::String(preview));
        Ok(Value::Object(kept))
    }

    async fn write(&self, state: &mut Buffer) -> Result<(), SinkError> {
        if state.pending.is_empty() {
            return Ok(());
        }
        let stream = EventStream {
            run: self.run,
            lane: self.lane,
            case_key: &self.case_key,
            attempt: self.attempt,
        };
        self.store
            .append_events(self.ws, &stream, &state.pending)
            .await
            .map_err(|e| SinkError(e.to_string()))?;
        state.pending.clear();
        Ok(())
    }
}

#[async_trait]
impl EventSink for CaseRecorder {
    async fn emit(&self, event: AgentEvent) -> Result<(), SinkError> {
        let payload = self.offload(event.payload).await?;
        let mut state = self.state.lock().await;
        let index = state.next_index;
        state.next_index += 1;
        state.pending.push(NewEvent {
            id: event.id,
            event_type: event.event_type.to_owned(),
            occurred_at: chrono::Utc::now(),
            attempt_seq: index,
            step: event.step.and_then(|s| i32::try_from(s).ok()),
            payload,
            summary: event.summary,
        });
        if state.pending.len() >= BATCH {
            self.write(&mut state).await?;
        }
        Ok(())
    }

    async fn flush(&self) -> Result<(), SinkError> {
        let mut state = self.state.lock().await;
        self.write(&mut state).await
    }
}
