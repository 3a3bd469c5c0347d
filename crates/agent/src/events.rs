//! What the agent reports while it works. The worker turns these into stored
//! run events (sequence numbers, batching, artifact offload); tests collect
//! them in memory.

use async_trait::async_trait;
use serde_json::Value;

/// One thing that happened during a case.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentEvent {
    /// Identity (UUIDv7), fixed when the event is created, so records made
    /// before it is written (verdicts) can point at it.
    pub id: uuid::Uuid,
    /// Event type (`model.call.completed`, `tool.call.started`, …).
    pub event_type: &'static str,
    /// The agent step (model call index, from 1) it belongs to.
    pub step: Option<u32>,
    /// Details.
    pub payload: Value,
    /// One line for humans.
    pub summary: Option<String>,
}

impl AgentEvent {
    /// An event with a payload and no summary.
    pub fn new(event_type: &'static str, step: Option<u32>, payload: Value) -> Self {
        Self {
            id: uuid::Uuid::now_v7(),
            event_type,
            step,
            payload,
            summary: None,
        }
    }

    /// Adds a one-line summary.
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }
}

/// Recording failed: the case cannot continue without losing its trace.
#[derive(Debug, thiserror::Error)]
#[error("could not record events: {0}")]
pub struct SinkError(pub String);

/// Where a case's events go. Implementations may buffer; `flush` makes
/// everything emitted so far durable.
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Records one event (possibly buffered).
    async fn emit(&self, event: AgentEvent) -> Result<(), SinkError>;
    /// Makes every emitted event durable.
    async fn flush(&self) -> Result<(), SinkError>;
}

/// Collects events in memory (tests, benchmarks).
#[derive(Debug, Default)]
pub struct MemorySink {
    events: std::sync::Mutex<Vec<AgentEvent>>,
}

impl MemorySink {
    /// Everything emitted so far.
    pub fn events(&self) -> Vec<AgentEvent> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl EventSink for MemorySink {
    async fn emit(&self, event: AgentEvent) -> Result<(), SinkError> {
        self.events
            .lock()
            .map_err(|_| SinkError("memory sink poisoned".into()))?
            .push(event);
        Ok(())
    }

    async fn flush(&self) -> Result<(), SinkError> {
        Ok(())
    }
}
