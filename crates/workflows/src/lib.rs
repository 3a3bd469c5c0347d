//! Temporal workflows and activities: the glue that drives a run.
//!
//! This is the only crate that combines the store with (later) the agent loop
//! and scoring. Workflow code is deterministic and does no I/O; every side
//! effect is an activity. The API starts workflows through [`start_run`]; the
//! worker hosts them through [`worker_options`].

mod activities;
mod case_activity;
mod case_scoring;
pub mod engine;
mod evidence;
pub mod judging;
mod lane_workflow;
pub mod recorder;
mod rescore_workflow;
mod run_scoring;
mod run_workflow;
mod scoring_activity;
pub mod temporal;

pub use activities::{RunActivities, TransitionInput};
pub use case_activity::{CaseActivities, MAX_CASE_ATTEMPTS};
pub use engine::{Engine, EngineConfig, EngineError};
pub use lane_workflow::RunAgentWorkflow;
pub use rescore_workflow::RescoreWorkflow;
pub use run_scoring::{PassReport, SCORING_ATTEMPT_BASE};
pub use run_workflow::{RunWorkflow, RunWorkflowInput};
pub use scoring_activity::{RescoreInput, ScoringActivities};
pub use temporal::{
    TemporalError, cancel_run, connect, ping, start_rescore, start_run, worker_options,
};
