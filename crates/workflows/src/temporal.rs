//! Connecting to Temporal, starting runs and configuring the worker.

use crate::activities::RunActivities;
use crate::case_activity::CaseActivities;
use crate::engine::Engine;
use crate::lane_workflow::RunAgentWorkflow;
use crate::rescore_workflow::{RescoreWorkflow, rescore_workflow_id};
use crate::run_workflow::{RunWorkflow, RunWorkflowInput};
use crate::scoring_activity::{RescoreInput, ScoringActivities};
use agentclash_core::RunId;
use agentclash_store::runs::run_workflow_id;
use std::sync::Arc;
use std::time::Duration;
use temporalio_client::{
    Client, ClientOptions, Connection, ConnectionOptions, WorkflowStartOptions,
};
use temporalio_sdk::WorkerOptions;

/// Why talking to Temporal failed.
#[derive(Debug, thiserror::Error)]
pub enum TemporalError {
    /// The address could not be used.
    #[error("invalid Temporal address: {0}")]
    Address(String),
    /// The server could not be reached (or did not answer in time).
    #[error("Temporal is unreachable: {0}")]
    Unreachable(String),
    /// The server answered with an error.
    #[error("Temporal rejected the request: {0}")]
    Rejected(String),
    /// The worker options are inconsistent (a bug).
    #[error("invalid worker options: {0}")]
    Options(String),
}

/// How long one connection attempt may take before Temporal counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Connects a client to `url` (e.g. `http://127.0.0.1:7233`) in `namespace`.
pub async fn connect(url: &str, namespace: &str, identity: &str) -> Result<Client, TemporalError> {
    let target: url::Url = url
        .parse()
        .map_err(|e| TemporalError::Address(format!("{e}")))?;
    let options = ConnectionOptions::new(target)
        .identity(identity.to_owned())
        .connect_timeout(CONNECT_TIMEOUT)
        .build();
    let connection = tokio::time::timeout(CONNECT_TIMEOUT * 2, Connection::connect(options))
        .await
        .map_err(|_| TemporalError::Unreachable("connection timed out".into()))?
        .map_err(|e| TemporalError::Unreachable(e.to_string()))?;
    Client::new(connection, ClientOptions::new(namespace.to_owned()).build())
        .map_err(|e| TemporalError::Unreachable(e.to_string()))
}

/// Starts the run's `RunWorkflow`. The workflow id is derived from the run id,
/// so a duplicate start is rejected rather than run twice.
pub async fn start_run(
    client: &Client,
    task_queue: &str,
    input: RunWorkflowInput,
) -> Result<String, TemporalError> {
    let workflow_id = run_workflow_id(input.run_id);
    let options = WorkflowStartOptions::new(task_queue.to_owned(), workflow_id.clone()).build();
    tokio::time::timeout(
        CONNECT_TIMEOUT * 2,
        client.start_workflow(RunWorkflow::run, input, options),
    )
    .await
    .map_err(|_| TemporalError::Unreachable("start timed out".into()))?
    .map_err(|e| TemporalError::Rejected(e.to_string()))?;
    Ok(workflow_id)
}

/// Starts re-scoring pass `input.generation` of a finished run.
pub async fn start_rescore(
    client: &Client,
    task_queue: &str,
    input: RescoreInput,
) -> Result<String, TemporalError> {
    let workflow_id = rescore_workflow_id(&input);
    let options = WorkflowStartOptions::new(task_queue.to_owned(), workflow_id.clone()).build();
    tokio::time::timeout(
        CONNECT_TIMEOUT * 2,
        client.start_workflow(RescoreWorkflow::run, input, options),
    )
    .await
    .map_err(|_| TemporalError::Unreachable("start timed out".into()))?
    .map_err(|e| TemporalError::Rejected(e.to_string()))?;
    Ok(workflow_id)
}

/// Asks Temporal to cancel a run's workflow. `Ok(false)` when the workflow
/// does not exist (never started, or long gone), so the caller can record
/// the cancellation itself.
pub async fn cancel_run(
    client: &Client,
    run_id: RunId,
    reason: &str,
) -> Result<bool, TemporalError> {
    use temporalio_client::{WorkflowCancelOptions, errors::WorkflowInteractionError};
    let handle = client.get_workflow_handle::<RunWorkflow>(run_workflow_id(run_id));
    let options = WorkflowCancelOptions::builder()
        .reason(reason.to_owned())
        .build();
    match tokio::time::timeout(CONNECT_TIMEOUT * 2, handle.cancel(options)).await {
        Err(_) => Err(TemporalError::Unreachable("cancel timed out".into())),
        Ok(Ok(())) => Ok(true),
        Ok(Err(WorkflowInteractionError::NotFound(_))) => Ok(false),
        Ok(Err(e)) => Err(TemporalError::Unreachable(e.to_string())),
    }
}

/// Worker options for the run task queue with every workflow and activity
/// registered.
///
/// Tuned for a small machine: the sticky-queue schedule-to-start timeout is
/// short so a workflow task stuck on a dead worker's sticky queue moves to the
/// shared queue in 2 s instead of the default 10 s.
pub fn worker_options(
    task_queue: &str,
    engine: Arc<Engine>,
    max_concurrent_activities: usize,
) -> Result<WorkerOptions, TemporalError> {
    use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
    let tuner = TunerHolder::builder()
        .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(max_concurrent_activities.max(2)))
        .activity_task_slot_supplier(FixedSizeSlotSupplier::new(max_concurrent_activities))
        .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(max_concurrent_activities))
        .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .build();
    Ok(WorkerOptions::new(task_queue.to_owned())
        .tuner(tuner)
        .sticky_queue_schedule_to_start_timeout(Duration::from_secs(2))
        .graceful_shutdown_period(Duration::from_secs(10))
        .register_activities(RunActivities::new(engine.store.clone()))
        .register_activities(ScoringActivities::new(engine.clone()))
        .register_activities(CaseActivities::new(engine))
        .register_workflow::<RunWorkflow>()
        .map_err(|e| TemporalError::Options(e.to_string()))?
        .register_workflow::<RescoreWorkflow>()
        .map_err(|e| TemporalError::Options(e.to_string()))?
        .register_workflow::<RunAgentWorkflow>()
        .map_err(|e| TemporalError::Options(e.to_string()))?
        .build())
}

/// A cheap round trip to the frontend, for readiness checks.
pub async fn ping(client: &Client) -> Result<(), TemporalError> {
    use temporalio_common::protos::temporal::api::workflowservice::v1::GetSystemInfoRequest;
    let mut service = client.connection().workflow_service();
    tokio::time::timeout(
        CONNECT_TIMEOUT,
        service.get_system_info(tonic::Request::new(GetSystemInfoRequest::default())),
    )
    .await
    .map_err(|_| TemporalError::Unreachable("no answer within 3 s".into()))?
    .map(|_| ())
    .map_err(|status| TemporalError::Unreachable(status.message().to_owned()))
}

impl TemporalError {
    /// A one-line reason fit to store on a run (no transport internals).
    pub fn brief(&self) -> &'static str {
        match self {
            Self::Address(_) => "the Temporal address is invalid",
            Self::Unreachable(_) => "Temporal was unreachable",
            Self::Rejected(_) => "Temporal rejected the workflow start",
            Self::Options(_) => "the worker options are invalid",
        }
    }
}
