//! The native tool-calling loop (PRODUCT.md §4): each step checks limits,
//! calls the model, runs its tool calls in the sandbox and appends the
//! results, until the agent submits or a limit stops it.

use crate::case::{CaseError, CaseInput, LoopEnd};
use crate::context::{CaseRef, native_task_message, system_text};
use crate::events::{AgentEvent, EventSink};
use crate::limits::{Budget, StopReason};
use crate::recording::RecordingSandbox;
use crate::tools::{ToolConfig, ToolEnv, ToolOutcome, ToolSet};
use agentclash_providers::{ChatResponse, DeltaSink, ErrorClass, Message, ProviderError, ToolCall};
use agentclash_sandbox::Sandbox;
use serde_json::{Value, json};

const REMINDER: &str = "Your reply did not call any tool. Continue the task with the tools, and call `submit` with your final answer when you are done.";

/// Streams text deltas into `model.output.delta` events (at most one event
/// per call per 256 characters, to keep traces small).
struct DeltaEvents<'a> {
    sink: &'a dyn EventSink,
    step: u32,
    pending: String,
    flushed: Vec<String>,
}

impl DeltaSink for DeltaEvents<'_> {
    fn on_text_delta(&mut self, text: &str) {
        self.pending.push_str(text);
        if self.pending.len() >= 256 {
            self.flushed.push(std::mem::take(&mut self.pending));
        }
    }
}

impl DeltaEvents<'_> {
    async fn drain(&mut self) -> Result<(), CaseError> {
        if !self.pending.is_empty() {
            self.flushed.push(std::mem::take(&mut self.pending));
        }
        for text in self.flushed.drain(..) {
            self.sink
                .emit(AgentEvent::new(
                    "model.output.delta",
                    Some(self.step),
                    json!({"text": text}),
                ))
                .await?;
        }
        Ok(())
    }
}

/// A provider error either ends the case (the agent's configuration is
/// wrong) or is retried as a new attempt (the provider is down).
pub(crate) fn provider_failure(e: ProviderError) -> Result<LoopEnd, CaseError> {
    if e.is_retryable() {
        Err(CaseError::Infrastructure(format!("model call failed: {e}")))
    } else {
        Ok((StopReason::ProviderError, None, Some(e.to_string())))
    }
}

/// Makes one model call, recording it; `Ok(Err(end))` when the case ends.
pub(crate) async fn model_step(
    input: &CaseInput<'_>,
    budget: &mut Budget,
    sink: &dyn EventSink,
    messages: &[Message],
    tools: &[agentclash_providers::ToolSpec],
) -> Result<Result<ChatResponse, LoopEnd>, CaseError> {
    if let Err(stop) = budget.before_model_call() {
        return Ok(Err((stop, None, None)));
    }
    let step = budget.steps + 1;
    sink.emit(
        AgentEvent::new(
            "model.call.started",
            Some(step),
            json!({"model": input.model.model, "messages": messages.len(), "tools": tools.len()}),
        )
        .summary(format!("step {step}: calling {}", input.model.model)),
    )
    .await?;
    let mut deltas = DeltaEvents {
        sink,
        step,
        pending: String::new(),
        flushed: Vec::new(),
    };
    let allowance = budget.step_allowance();
    let started = std::time::Instant::now();
    let call = tokio::select! {
        biased;
        () = input.cancel.cancelled() => return Ok(Err((StopReason::Cancelled, None, None))),
        r = tokio::time::timeout(allowance, input.model.call(messages, tools, allowance, &mut deltas)) => r,
    };
    deltas.drain().await?;
    // The router's own per-attempt limit is the same allowance and may fire
    // first: that is this step running out of time, not a provider outage.
    let provider_timed_out =
        |e: &ProviderError| e.class == ErrorClass::Timeout && started.elapsed() >= allowance;
    let response = match call {
        Ok(Ok(r)) => r,
        Ok(Err(e)) if !provider_timed_out(&e) => {
            sink.emit(
                AgentEvent::new(
                    "model.call.failed",
                    Some(step),
                    json!({"error": e.to_string(), "class": e.class.as_str(), "status": e.status}),
                )
                .summary(format!("step {step}: {}", e.class.as_str())),
            )
            .await?;
            return provider_failure(e).map(Err);
        }
        Ok(Err(_)) | Err(_) => {
            sink.emit(AgentEvent::new(
                "model.call.failed",
                Some(step),
                json!({"error": "step timed out", "class": "timeout"}),
            ))
            .await?;
            return Ok(Err((
                StopReason::Timeout,
                None,
                Some("the model call exceeded the step or case time limit".into()),
            )));
        }
    };
    let cost = input.model.cost(&response);
    budget.record_call(
        response.usage.input_tokens,
        response.usage.output_tokens,
        cost,
    );
    sink.emit(
        AgentEvent::new(
            "model.call.completed",
            Some(step),
            json!({"model": response.model, "text": response.text, "tool_calls": response.tool_calls,
                   "finish_reason": response.finish_reason.as_str(), "usage": response.usage, "cost_usd": cost,
                   "time_to_first_token_ms": response.time_to_first_token.map(|d| d.as_millis() as u64),
                   "duration_ms": response.duration.as_millis() as u64, "attempts": response.attempts}),
        )
        .summary(format!("step {step}: {} tool call(s), {} tokens", response.tool_calls.len(), response.usage.input_tokens + response.usage.output_tokens)),
    )
    .await?;
    // Durable at once: live viewers see the answer before the tools run.
    sink.flush().await?;
    Ok(Ok(response))
}

/// Runs the loop in `sandbox` until the case ends.
pub async fn run(
    input: &CaseInput<'_>,
    case: &CaseRef<'_>,
    budget: &mut Budget,
    sink: &dyn EventSink,
    sandbox: &dyn Sandbox,
    tool_config: ToolConfig,
) -> Result<LoopEnd, CaseError> {
    let recorded = RecordingSandbox::new(sandbox, sink);
    for (path, bytes) in case.staged_files()? {
        recorded
            .write_file(&path, &bytes)
            .await
            .map_err(|e| CaseError::Infrastructure(format!("staging {path} failed: {e}")))?;
    }
    let tools = ToolSet::new(tool_config);
    let specs = tools.specs();
    let mut messages = Vec::new();
    let system = system_text(input.policy);
    if !system.is_empty() {
        messages.push(Message::system(system));
    }
    messages.push(Message::user(native_task_message(case)));
    let mut reminded = false;
    loop {
        sink.flush().await?;
        let response = match model_step(input, budget, sink, &messages, &specs).await? {
            Ok(r) => r,
            Err(end) => return Ok(end),
        };
        let step = budget.steps;
        recorded.set_step(step);
        messages.push(Message::assistant(
            response.text.clone(),
            response.tool_calls.clone(),
        ));
        if response.tool_calls.is_empty() {
            if reminded {
                return Ok((
                    StopReason::NoSubmit,
                    None,
                    Some("the model answered twice without calling a tool".into()),
                ));
            }
            reminded = true;
            sink.emit(AgentEvent::new(
                "system.step.reminder",
                Some(step),
                json!({"message": REMINDER}),
            ))
            .await?;
            messages.push(Message::user(REMINDER));
            continue;
        }
        // The limit is two replies without a tool call in a row.
        reminded = false;
        let alone = response.tool_calls.len() == 1;
        let env = ToolEnv {
            sandbox: Some(&recorded),
            step_timeout: budget.limits().step_timeout,
        };
        for call in &response.tool_calls {
            if call.name == "submit" {
                let (outcome, answer) = submit(call, alone);
                tool_started(sink, step, call).await?;
                record_tool(sink, step, call, &outcome).await?;
                messages.push(Message::tool(call.id.clone(), outcome.content.to_string()));
                if let Some(answer) = answer {
                    return Ok((StopReason::Submitted, Some(answer), None));
                }
                continue;
            }
            if let Err(stop) = budget.before_tool_call() {
                return Ok((stop, None, None));
            }
            budget.tool_calls += 1;
            tool_started(sink, step, call).await?;
            let allowance = budget.step_allowance();
            let outcome = tokio::select! {
                biased;
                () = input.cancel.cancelled() => return Ok((StopReason::Cancelled, None, None)),
                r = tokio::time::timeout(allowance, tools.call(&call.name, &call.arguments, &env)) => {
                    r.unwrap_or_else(|_| ToolOutcome::error(format!("`{}` exceeded its time limit", call.name)))
                }
            };
            record_tool(sink, step, call, &outcome).await?;
            messages.push(Message::tool(call.id.clone(), outcome.content.to_string()));
            if budget.remaining().is_zero() {
                return Ok((StopReason::Timeout, None, None));
            }
        }
        if let Err(stop) = budget.check_spend() {
            return Ok((stop, None, None));
        }
    }
}

/// Checks a `submit` call: the answer when it is valid and alone.
fn submit(call: &ToolCall, alone: bool) -> (ToolOutcome, Option<String>) {
    if !alone {
        return (ToolOutcome::error("submit must be called by itself"), None);
    }
    match call.arguments.get("answer").and_then(Value::as_str) {
        Some(answer) if !answer.trim().is_empty() => (
            ToolOutcome::ok(json!({"submitted": true})),
            Some(answer.to_owned()),
        ),
        _ => (
            ToolOutcome::error("`answer` must be a non-blank string"),
            None,
        ),
    }
}

async fn tool_started(sink: &dyn EventSink, step: u32, call: &ToolCall) -> Result<(), CaseError> {
    sink.emit(
        AgentEvent::new(
            "tool.call.started",
            Some(step),
            json!({"tool_call_id": call.id, "name": call.name, "arguments": call.arguments}),
        )
        .summary(format!("step {step}: {}", call.name)),
    )
    .await?;
    // Durable before the tool runs, so live viewers see a long tool running.
    sink.flush().await?;
    Ok(())
}

async fn record_tool(
    sink: &dyn EventSink,
    step: u32,
    call: &ToolCall,
    outcome: &ToolOutcome,
) -> Result<(), CaseError> {
    let event_type = if outcome.is_error {
        "tool.call.failed"
    } else {
        "tool.call.completed"
    };
    let mut payload = json!({"tool_call_id": call.id, "name": call.name, "result": outcome.content, "is_error": outcome.is_error});
    if let Some((primitive, chain)) = &outcome.resolved {
        payload["resolved_primitive"] = json!(primitive);
        payload["chain"] = json!(chain);
    }
    if call.name == "submit" {
        payload["arguments"] = call.arguments.clone();
    }
    sink.emit(
        AgentEvent::new(event_type, Some(step), payload).summary(format!(
            "step {step}: {} {}",
            call.name,
            if outcome.is_error { "failed" } else { "ok" }
        )),
    )
    .await?;
    Ok(())
}
