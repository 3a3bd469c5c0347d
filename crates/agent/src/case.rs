//! One case, start to finish: sandbox, staging, the mode's loop, teardown,
//! and the result. Infrastructure failures (sandbox could not start,
//! provider unavailable after its own retries, events not recordable) are
//! errors the caller retries as a new attempt; everything the agent did,
//! right or wrong, is a [`CaseResult`].

use crate::context::{CaseRef, ContextError};
use crate::events::{AgentEvent, EventSink, SinkError};
use crate::limits::{Budget, CaseLimits, StopReason};
use crate::tools::ToolConfig;
use agentclash_core::agents::AgentPolicy;
use agentclash_packs::model::{ExecutionMode, Pack};
use agentclash_providers::{
    AccountConfig, CallOptions, ChatRequest, ChatResponse, DeltaSink, Message, PricingTable,
    ProviderError, ProviderRouter, ToolSpec, cost_usd,
};
use agentclash_sandbox::{SandboxLimits, SandboxProvider, SandboxSpec};
use serde_json::json;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How a case reaches its model.
#[derive(Clone)]
pub struct ModelHandle {
    /// The shared router (limits, retries).
    pub router: ProviderRouter,
    /// The account, credential resolved.
    pub account: AccountConfig,
    /// Per-call options (streaming, attempts, scripted config).
    pub options: CallOptions,
    /// Model id.
    pub model: String,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Output token cap.
    pub max_output_tokens: Option<u32>,
    /// Prices (built-in table with the pack's overrides).
    pub pricing: PricingTable,
}

impl ModelHandle {
    /// One model call bounded by `timeout`.
    pub async fn call(
        &self,
        messages: &[Message],
        tools: &[ToolSpec],
        timeout: Duration,
        deltas: &mut dyn DeltaSink,
    ) -> Result<ChatResponse, ProviderError> {
        let request = ChatRequest {
            model: self.model.clone(),
            messages: messages.to_vec(),
            tools: tools.to_vec(),
            max_output_tokens: self.max_output_tokens,
            temperature: self.temperature,
        };
        let mut options = self.options.clone();
        options.timeout = timeout;
        self.router
            .chat(&self.account, &request, &options, deltas)
            .await
    }

    /// The cost of a call, when the model is priced.
    pub fn cost(&self, response: &ChatResponse) -> Option<f64> {
        cost_usd(&self.pricing, &self.model, &response.usage)
    }
}

/// Everything one case needs.
pub struct CaseInput<'a> {
    /// The pack version's content.
    pub pack: &'a Pack,
    /// The input set.
    pub input_set_key: &'a str,
    /// The case.
    pub case_key: &'a str,
    /// The agent's policy.
    pub policy: &'a AgentPolicy,
    /// Limits in force.
    pub limits: CaseLimits,
    /// Deployment overrides and secrets for the tool catalogue (the pack's
    /// own policy and tools are filled in from `pack`).
    pub tool_overrides: ToolConfig,
    /// The model.
    pub model: &'a ModelHandle,
    /// Where native cases get their sandbox.
    pub sandboxes: Option<&'a dyn SandboxProvider>,
    /// Label of the sandbox (for `ps` and logs).
    pub sandbox_label: String,
    /// Fires when the run is cancelled.
    pub cancel: CancellationToken,
}

/// What the agent did in a case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// The submitted answer.
    pub final_output: Option<String>,
    /// What went wrong, when something did.
    pub error: Option<String>,
    /// Model calls.
    pub steps: u32,
    /// Tool calls (not counting `submit`).
    pub tool_calls: u32,
    /// Tokens sent.
    pub input_tokens: u64,
    /// Tokens received.
    pub output_tokens: u64,
    /// Spend, when priced.
    pub cost_usd: Option<f64>,
    /// Wall time.
    pub duration: Duration,
    /// What the verifier produced (native cases whose pack has hidden tests
    /// or post-execution checks).
    pub verification: Option<crate::verifier::Verification>,
}

/// Why a case attempt could not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// Retry as a new attempt: the infrastructure failed, not the agent.
    #[error("infrastructure failure: {0}")]
    Infrastructure(String),
    /// The trace could not be recorded.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// The case cannot run as defined (retrying will not help).
    #[error("{0}")]
    Invalid(String),
}

impl From<ContextError> for CaseError {
    fn from(e: ContextError) -> Self {
        Self::Invalid(e.to_string())
    }
}

/// Runs one case in the pack's execution mode.
pub async fn run_case(input: CaseInput<'_>, sink: &dyn EventSink) -> Result<CaseResult, CaseError> {
    let case = CaseRef::find(input.pack, input.input_set_key, input.case_key)?;
    let mode = input.pack.version.effective_mode();
    sink.emit(
        AgentEvent::new(
            "system.case.started",
            None,
            json!({"case_key": input.case_key, "challenge_key": case.challenge.key, "mode": mode.as_str(),
                   "model": input.model.model, "provider": input.model.account.kind.as_str()}),
        )
        .summary(format!("case {} started ({})", input.case_key, mode.as_str())),
    )
    .await?;
    let mut budget = Budget::start(input.limits.clone());
    let result = match mode {
        ExecutionMode::PromptEval => crate::prompt_eval::run(&input, &case, &mut budget, sink)
            .await
            .map(|(stop, output, error)| (stop, output, error, None)),
        ExecutionMode::Native => run_native_in_sandbox(&input, &case, &mut budget, sink).await,
        other => Err(CaseError::Invalid(format!(
            "execution mode `{}` is not supported by this worker yet",
            other.as_str()
        ))),
    };
    let (stop_reason, final_output, error, verification) = match result {
        Ok(end) => end,
        Err(CaseError::Invalid(message)) => (StopReason::Error, None, Some(message), None),
        Err(other) => {
            let _ = sink
                .emit(
                    AgentEvent::new(
                        "system.case.attempt_failed",
                        None,
                        json!({"error": other.to_string()}),
                    )
                    .summary(other.to_string()),
                )
                .await;
            sink.flush().await?;
            return Err(other);
        }
    };
    let outcome = CaseResult {
        stop_reason,
        final_output,
        error,
        steps: budget.steps,
        tool_calls: budget.tool_calls,
        input_tokens: budget.input_tokens,
        output_tokens: budget.output_tokens,
        cost_usd: budget.cost_usd,
        duration: budget.elapsed(),
        verification,
    };
    sink.emit(
        AgentEvent::new(
            "system.case.completed",
            None,
            json!({"stop_reason": stop_reason.as_str(), "final_output": outcome.final_output, "error": outcome.error,
                   "steps": outcome.steps, "tool_calls": outcome.tool_calls, "input_tokens": outcome.input_tokens,
                   "output_tokens": outcome.output_tokens, "cost_usd": outcome.cost_usd,
                   "duration_ms": outcome.duration.as_millis() as u64}),
        )
        .summary(format!("case {} ended: {}", input.case_key, stop_reason.as_str())),
    )
    .await?;
    sink.flush().await?;
    Ok(outcome)
}

/// How a mode's loop ended: stop reason, final output, error message.
pub(crate) type LoopEnd = (StopReason, Option<String>, Option<String>);

async fn run_native_in_sandbox(
    input: &CaseInput<'_>,
    case: &CaseRef<'_>,
    budget: &mut Budget,
    sink: &dyn EventSink,
) -> Result<
    (
        StopReason,
        Option<String>,
        Option<String>,
        Option<crate::verifier::Verification>,
    ),
    CaseError,
> {
    let provider = input
        .sandboxes
        .ok_or_else(|| CaseError::Invalid("native cases need a sandbox provider".into()))?;
    let pack_sandbox = input.pack.version.sandbox.clone().unwrap_or_default();
    let tool_config = ToolConfig {
        policy: input.pack.version.tool_policy.clone(),
        tools: input.pack.tools.clone(),
        network_access: pack_sandbox.network_access,
        network_allowlist: pack_sandbox.network_allowlist.clone(),
        ..input.tool_overrides.clone()
    };
    let network = tool_config
        .allow_network
        .unwrap_or(tool_config.policy.allow_network)
        || tool_config.network_access;
    let workspace_cap =
        u64::try_from(input.pack.version.filesystem.max_workspace_bytes).unwrap_or(0);
    let spec = SandboxSpec {
        network,
        env: pack_sandbox.env_vars.clone(),
        limits: SandboxLimits {
            max_workspace_bytes: workspace_cap,
            ..SandboxLimits::default()
        },
        label: input.sandbox_label.clone(),
    };
    let sandbox = provider.create(spec).await.map_err(|e| {
        if e.is_retryable() {
            CaseError::Infrastructure(format!("sandbox could not start: {e}"))
        } else {
            CaseError::Invalid(format!("sandbox could not start: {e}"))
        }
    })?;
    sink.emit(
        AgentEvent::new(
            "sandbox.created",
            None,
            json!({"sandbox_id": sandbox.id(), "provider": provider.name(), "network": network}),
        )
        .summary(format!("sandbox {} created", sandbox.id())),
    )
    .await?;
    let result = crate::native::run(input, case, budget, sink, sandbox.as_ref(), tool_config).await;
    // The verifier grades the final workspace (not after a cancellation or
    // an infrastructure failure, when there is nothing to grade).
    let result = match result {
        Ok((stop, output, error)) if stop != StopReason::Cancelled => {
            match crate::verifier::verify(
                case,
                sandbox.as_ref(),
                provider,
                &input.sandbox_label,
                sink,
            )
            .await
            {
                Ok(v) => Ok((stop, output, error, Some(v))),
                Err(why) => {
                    let _ = sink
                        .emit(
                            AgentEvent::new(
                                "grader.verification.failed",
                                None,
                                json!({"error": why}),
                            )
                            .summary(why.clone()),
                        )
                        .await;
                    Ok((stop, output, error, None))
                }
            }
        }
        Ok((stop, output, error)) => Ok((stop, output, error, None)),
        Err(e) => Err(e),
    };
    // Always tear down, whatever happened (cancellation included).
    let destroyed = sandbox.destroy().await;
    let _ = sink
        .emit(AgentEvent::new(
            "sandbox.destroyed",
            None,
            json!({"sandbox_id": sandbox.id(), "error": destroyed.as_ref().err().map(ToString::to_string)}),
        ))
        .await;
    result
}
