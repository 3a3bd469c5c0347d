//! Temporal workflows and activities: the glue that drives a run.
//!
//! This is the only crate that combines the store with (later) the agent loop
//! and scoring. Workflow code is deterministic and does no I/O; every side
//! effect is an activity. The API starts workflows through [`start_run`]; the
//! worker hosts them through [`worker_options`].

mod activities;
mod case_activity;
pub mod engine;
mod evidence;
mod lane_workflow;
pub mod recorder;
mod run_workflow;
pub mod temporal;

pub use activities::{RunActivities, TransitionInput};
pub use case_activity::{CaseActivities, MAX_CASE_ATTEMPTS};
pub use engine::{Engine, EngineConfig, EngineError};
pub use lane_workflow::RunAgentWorkflow;
pub use run_workflow::{RunWorkflow, RunWorkflowInput};
pub use temporal::{TemporalError, cancel_run, connect, ping, start_run, worker_options};
