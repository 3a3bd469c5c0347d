//! The case activity: one attempt of one case of one lane. It loads the
//! frozen inputs, runs the agent with a recorder, heartbeats so
//! cancellation and dead workers are noticed within seconds, and records the
//! outcome. Infrastructure failures are retried by Temporal as new attempts
//! (each with its own events); on the last attempt the case is recorded as
//! failed instead, so a lane always finishes.

use crate::case_scoring::{LaneModelError, lane_model, score_and_save, store_evidence};
use crate::engine::{Engine, EngineError};
use crate::judging::{JudgeContext, LaneSink};
use crate::recorder::CaseRecorder;
use agentclash_agent::tools::ToolConfig;
use agentclash_agent::{
    CaseError, CaseInput, CaseLimits, CaseResult, ModelHandle, StopReason, run_case,
};
use agentclash_core::{RunAgentId, RunId, WorkspaceId};
use agentclash_store::lanes::CaseOutcome;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use tokio_util::sync::CancellationToken;

/// Attempts of a case before an infrastructure failure is recorded as the
/// case's result.
pub const MAX_CASE_ATTEMPTS: u32 = 3;
/// How often a running case heartbeats.
const HEARTBEAT_EVERY: Duration = Duration::from_millis(1000);

/// Input of [`CaseActivities::run_case`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CaseActivityInput {
    /// Tenancy scope.
    pub workspace_id: WorkspaceId,
    /// The run.
    pub run_id: RunId,
    /// The lane.
    pub run_agent_id: RunAgentId,
    /// The case.
    pub case_key: String,
}

/// What the lane learns about a case.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CaseSummary {
    /// `completed`, `failed` or `cancelled`.
    pub status: String,
    /// Why the agent stopped.
    pub stop_reason: String,
}

/// Activities that run agents. Holds the engine.
pub struct CaseActivities {
    engine: Arc<Engine>,
}

impl CaseActivities {
    /// Wraps the engine.
    pub fn new(engine: Arc<Engine>) -> Self {
        Self { engine }
    }
}

fn retryable(message: String) -> ActivityError {
    ActivityError::application(ApplicationFailure::new(std::io::Error::other(message)))
}

#[activities]
impl CaseActivities {
    /// Runs one attempt of a case.
    #[activity]
    pub async fn run_case(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: CaseActivityInput,
    ) -> Result<CaseSummary, ActivityError> {
        let attempt = ctx.info().attempt.max(1);
        let cancel = CancellationToken::new();
        let heartbeat = async {
            loop {
                tokio::select! {
                    () = ctx.cancelled() => {
                        cancel.cancel();
                        std::future::pending::<()>().await;
                    }
                    () = tokio::time::sleep(HEARTBEAT_EVERY) => {
                        let _ = ctx.record_heartbeat(attempt).await;
                    }
                }
            }
        };
        let work = attempt_case(&self.engine, &input, attempt, cancel.clone());
        let outcome = tokio::select! {
            r = work => r,
            () = heartbeat => unreachable_heartbeat(),
        };
        let store = &self.engine.store;
        match outcome {
            Ok(result) => {
                let summary = record(&self.engine, &input, attempt, &result).await?;
                Ok(summary)
            }
            Err(failure) if attempt < MAX_CASE_ATTEMPTS && !cancel.is_cancelled() => {
                tracing::warn!(run_id = %input.run_id, case = %input.case_key, attempt, error = %failure, "case attempt failed; retrying");
                Err(retryable(failure.to_string()))
            }
            Err(failure) => {
                let status = if cancel.is_cancelled() {
                    "cancelled"
                } else {
                    "failed"
                };
                let outcome = CaseOutcome {
                    status: status.into(),
                    stop_reason: if cancel.is_cancelled() {
                        "cancelled".into()
                    } else {
                        "infrastructure".into()
                    },
                    error: Some(failure.to_string()),
                    ..CaseOutcome::default()
                };
                finish(store, &input, attempt, outcome).await
            }
        }
    }
}

fn unreachable_heartbeat() -> Result<CaseResult, AttemptError> {
    Err(AttemptError::Engine(EngineError::Setup(
        "heartbeat loop ended".into(),
    )))
}

fn attempt_i32(attempt: u32) -> i32 {
    i32::try_from(attempt).unwrap_or(i32::MAX)
}

/// Why an attempt produced no result.
#[derive(Debug, thiserror::Error)]
enum AttemptError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Case(#[from] CaseError),
}

async fn attempt_case(
    engine: &Engine,
    input: &CaseActivityInput,
    attempt: u32,
    cancel: CancellationToken,
) -> Result<CaseResult, AttemptError> {
    let ws = input.workspace_id;
    let store = &engine.store;
    let run = store
        .get_run(ws, input.run_id)
        .await
        .map_err(EngineError::from)?;
    let lane = store
        .get_run_agent(ws, input.run_agent_id)
        .await
        .map_err(EngineError::from)?;
    let version_id = run
        .pack_version_id
        .ok_or_else(|| EngineError::Invalid("the run has no pack version".into()))?;
    let snapshot_id = lane
        .deployment_snapshot_id
        .0
        .ok_or_else(|| EngineError::Invalid("the lane has no deployment snapshot".into()))?;
    let pack = engine.pack(ws, version_id.0).await?;
    let snapshot = engine.snapshot(ws, snapshot_id).await?;
    let input_set_key = run.input_set_key.clone().unwrap_or_default();
    store
        .start_case(ws, lane.id, &input.case_key, attempt_i32(attempt))
        .await
        .map_err(EngineError::from)?;
    let recorder = CaseRecorder::new(
        store.clone(),
        engine.artifacts.clone(),
        ws,
        run.id,
        lane.id,
        &input.case_key,
        attempt_i32(attempt),
    );
    let model = match lane_model(engine, ws, &pack, &snapshot).await {
        Ok(model) => model,
        Err(LaneModelError::Setup(why)) => return Ok(setup_failure(why)),
        Err(LaneModelError::Engine(e)) => return Err(e.into()),
    };
    let limits = case_limits(&pack, &snapshot.limits, &input_set_key, &input.case_key);
    let case_input = CaseInput {
        pack: &pack,
        input_set_key: &input_set_key,
        case_key: &input.case_key,
        policy: &snapshot.policy,
        limits,
        tool_overrides: ToolConfig {
            deployment_allowed: snapshot.policy.tool_overrides.allowed.clone(),
            deployment_denied: snapshot.policy.tool_overrides.denied.clone(),
            allow_shell: snapshot.limits.allow_shell,
            allow_network: snapshot.limits.allow_network,
            secrets: tool_secrets(engine, ws, &pack).await?,
            ..ToolConfig::default()
        },
        model: &model,
        sandboxes: Some(engine.sandboxes.as_ref()),
        sandbox_label: format!("{}-{}", lane.id, input.case_key),
        cancel,
    };
    let result = run_case(case_input, &recorder).await?;
    if result.stop_reason != StopReason::Cancelled {
        let lane = LaneInputs {
            pack: &pack,
            input_set_key: &input_set_key,
            model: &model,
        };
        score_attempt(engine, lane, input, attempt, &result, &recorder).await?;
    }
    Ok(result)
}

/// What scoring an attempt needs from the lane.
struct LaneInputs<'a> {
    pack: &'a agentclash_packs::Pack,
    input_set_key: &'a str,
    model: &'a ModelHandle,
}

/// Scores a finished attempt from its recorded events and the verifier's
/// output: stores the evidence (so the case can be re-scored without the
/// agent), runs the case's LLM judges, then stores the score and records a
/// `scoring.case.completed` event citing the verdicts.
async fn score_attempt(
    engine: &Engine,
    lane: LaneInputs<'_>,
    input: &CaseActivityInput,
    attempt: u32,
    result: &CaseResult,
    recorder: &CaseRecorder,
) -> Result<(), AttemptError> {
    let LaneInputs {
        pack,
        input_set_key,
        model,
    } = lane;
    let ws = input.workspace_id;
    let events = engine
        .store
        .case_attempt_events(
            ws,
            input.run_agent_id,
            &input.case_key,
            attempt_i32(attempt),
        )
        .await
        .map_err(EngineError::from)?;
    let evidence = crate::evidence::build(
        pack,
        input_set_key,
        &input.case_key,
        &events,
        result.verification.as_ref(),
    );
    let stored = store_evidence(recorder, &evidence).await?;
    let spec = &pack.version.evaluation_spec;
    let out = LaneSink {
        lane: input.run_agent_id,
        sink: recorder,
    };
    let judges = JudgeContext {
        engine,
        ws,
        lane_account: &model.account,
        pricing: &model.pricing,
        limits: spec.scorecard.judge_limits.as_ref(),
        generation: 0,
    }
    .judge_case(spec, &evidence, &out)
    .await;
    score_and_save(engine, ws, &out, spec, &evidence, judges, Some(&stored)).await?;
    Ok(())
}

/// A case that cannot start for a reason retrying will not fix.
fn setup_failure(why: String) -> CaseResult {
    CaseResult {
        stop_reason: StopReason::Error,
        final_output: None,
        error: Some(why),
        steps: 0,
        tool_calls: 0,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: None,
        duration: Duration::ZERO,
        verification: None,
    }
}

/// Secrets named by the pack's composed tools (`${secrets.NAME}`); missing
/// ones are left out, which disables the tools that need them.
async fn tool_secrets(
    engine: &Engine,
    ws: WorkspaceId,
    pack: &agentclash_packs::Pack,
) -> Result<std::collections::BTreeMap<String, String>, EngineError> {
    let text = serde_json::to_string(&pack.tools).unwrap_or_default();
    let mut secrets = std::collections::BTreeMap::new();
    for piece in text.split("${secrets.").skip(1) {
        let name: String = piece
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || secrets.contains_key(&name) {
            continue;
        }
        if let Some(value) = engine.secret(ws, &name).await? {
            secrets.insert(name, value);
        }
    }
    Ok(secrets)
}

/// The limits of a case: the runtime profile, narrowed by the pack's
/// `runtime_limits` and the case's own timeout.
fn case_limits(
    pack: &agentclash_packs::Pack,
    profile: &agentclash_core::agents::RuntimeLimits,
    input_set_key: &str,
    case_key: &str,
) -> CaseLimits {
    let pack_limits = &pack.version.evaluation_spec.runtime_limits;
    let mut case_timeout = Duration::from_millis(profile.run_timeout_ms);
    if let Some(ms) = pack_limits
        .max_duration_ms
        .and_then(|v| u64::try_from(v).ok())
        .filter(|v| *v > 0)
    {
        case_timeout = case_timeout.min(Duration::from_millis(ms));
    }
    let case_seconds = pack
        .input_sets
        .iter()
        .find(|s| s.key == input_set_key)
        .and_then(|s| s.cases.iter().find(|c| c.case_key == case_key))
        .map(|c| c.case_timeout_seconds)
        .unwrap_or(0);
    if let Ok(secs) = u64::try_from(case_seconds)
        && secs > 0
    {
        case_timeout = case_timeout.min(Duration::from_secs(secs));
    }
    CaseLimits {
        max_iterations: pack_limits
            .max_iterations
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 0)
            .unwrap_or(profile.max_iterations),
        max_tool_calls: profile.max_tool_calls,
        step_timeout: Duration::from_millis(profile.step_timeout_ms),
        case_timeout,
        max_total_tokens: pack_limits
            .max_total_tokens
            .and_then(|v| u64::try_from(v).ok())
            .filter(|v| *v > 0),
        max_cost_usd: pack_limits.max_cost_usd.filter(|v| *v > 0.0),
    }
}

/// Stores a case result and says what the lane should know.
async fn record(
    engine: &Engine,
    input: &CaseActivityInput,
    attempt: u32,
    result: &CaseResult,
) -> Result<CaseSummary, ActivityError> {
    let status = match result.stop_reason {
        StopReason::Submitted => "completed",
        StopReason::Cancelled => "cancelled",
        _ => "failed",
    };
    let outcome = CaseOutcome {
        status: status.into(),
        stop_reason: result.stop_reason.as_str().into(),
        final_output: result.final_output.clone(),
        error: result.error.clone(),
        input_tokens: i64::try_from(result.input_tokens).unwrap_or(i64::MAX),
        output_tokens: i64::try_from(result.output_tokens).unwrap_or(i64::MAX),
        cost_usd: result.cost_usd,
        steps: i32::try_from(result.steps).unwrap_or(i32::MAX),
        tool_calls: i32::try_from(result.tool_calls).unwrap_or(i32::MAX),
        duration_ms: i64::try_from(result.duration.as_millis()).unwrap_or(i64::MAX),
    };
    finish(&engine.store, input, attempt, outcome).await
}

/// Stores how an attempt ended and tells the lane.
async fn finish(
    store: &agentclash_store::Store,
    input: &CaseActivityInput,
    attempt: u32,
    outcome: CaseOutcome,
) -> Result<CaseSummary, ActivityError> {
    store
        .finish_case(
            input.workspace_id,
            input.run_agent_id,
            &input.case_key,
            attempt_i32(attempt),
            &outcome,
        )
        .await
        .map_err(|e| retryable(e.to_string()))?;
    Ok(CaseSummary {
        status: outcome.status,
        stop_reason: outcome.stop_reason,
    })
}
