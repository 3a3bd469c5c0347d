//! The agent side of one case: the native tool-calling loop and
//! `prompt_eval`, the tool catalogue a pack allows, and the limits that stop
//! a case. Everything the agent does is reported through an [`EventSink`];
//! this crate has no database and no Temporal.
//!
//! Boundary: depends on `packs` (the pack model), `providers` (model calls)
//! and `sandbox` (where tools run); never on `store` or `workflows`.

mod case;
pub mod context;
pub mod events;
pub mod limits;
mod native;
mod prompt_eval;
mod recording;
pub mod template;
pub mod tools;
pub mod verifier;

pub use case::{CaseError, CaseInput, CaseResult, ModelHandle, run_case};
pub use events::{AgentEvent, EventSink, MemorySink, SinkError};
pub use limits::{CaseLimits, StopReason};
pub use recording::RecordingSandbox;
