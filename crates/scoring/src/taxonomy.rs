//! Failure taxonomy: one primary class per failed case, with `agent_fault`
//! false for infrastructure causes so they never count against an agent.

use agentclash_packs::model::{EvaluationSpec, ValidatorType};
use serde::{Deserialize, Serialize};

use crate::case_score::{GateFailure, GateFailureReason};
use crate::evidence::{EventId, Evidence, StopReason, ToolErrorKind};
use crate::verdict::{ErrorKind, Verdict, VerdictState};

/// Primary cause of a failed case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// The answer was wrong.
    IncorrectOutput,
    /// The agent used the wrong tools (or none).
    ToolSelection,
    /// The agent called the right tool with wrong arguments.
    ToolArguments,
    /// The agent attempted something the policy forbids.
    PolicyViolation,
    /// A step, tool, time or cost limit ended the run.
    TimeoutOrBudget,
    /// The sandbox or verifier failed (infrastructure).
    SandboxError,
    /// The model provider failed (infrastructure).
    ProviderError,
    /// The output could not be parsed as required.
    MalformedOutput,
    /// The agent never submitted an answer.
    NoSubmit,
    /// Not enough evidence to judge.
    InsufficientEvidence,
}

impl FailureClass {
    /// True for causes the agent is responsible for.
    pub fn agent_fault(self) -> bool {
        !matches!(
            self,
            Self::SandboxError | Self::ProviderError | Self::InsufficientEvidence
        )
    }
}

/// The diagnosis of one failed case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureDiagnosis {
    /// Primary class.
    pub class: FailureClass,
    /// False for infrastructure causes (never counted against the agent).
    pub agent_fault: bool,
    /// One-sentence explanation.
    pub reason: String,
    /// Validators that failed or errored.
    pub validators: Vec<String>,
    /// Event to open in the replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
}

fn diagnosis(
    class: FailureClass,
    reason: String,
    validators: Vec<String>,
    event_id: Option<EventId>,
) -> FailureDiagnosis {
    FailureDiagnosis {
        class,
        agent_fault: class.agent_fault(),
        reason,
        validators,
        event_id,
    }
}

/// Classifies a tool-call assertion failure: right tool with wrong
/// arguments, or wrong/missing tools.
fn tool_assertion_class(
    spec: &EvaluationSpec,
    verdict: &Verdict,
    evidence: &Evidence,
) -> FailureClass {
    let config = spec
        .validators
        .iter()
        .find(|v| v.key == verdict.key)
        .and_then(|v| v.config.as_ref());
    let name = config
        .and_then(|c| c.get("tool_name"))
        .and_then(|n| n.as_str());
    let wants_args = config.is_some_and(|c| c.contains_key("arguments_contain"));
    let called = name.is_some_and(|n| {
        evidence
            .tool_calls
            .iter()
            .any(|c| c.name == n && !c.is_error)
    });
    if wants_args && called {
        FailureClass::ToolArguments
    } else {
        FailureClass::ToolSelection
    }
}

/// Diagnoses a case that did not pass.
pub fn classify_failure(
    spec: &EvaluationSpec,
    evidence: &Evidence,
    verdicts: &[Verdict],
    gate_failures: &[GateFailure],
) -> FailureDiagnosis {
    let run = &evidence.run;
    let terminal = run.terminal_event_id.clone();
    let failed: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| matches!(v.state, VerdictState::Fail | VerdictState::Error))
        .collect();
    let failed_keys: Vec<String> = failed.iter().map(|v| v.key.clone()).collect();
    let first_event = failed
        .iter()
        .find_map(|v| v.event_id.clone())
        .or(terminal.clone());

    if let Some(stop) = run.stop_reason {
        let infra = match stop {
            StopReason::ProviderError => Some(FailureClass::ProviderError),
            StopReason::Error | StopReason::Infrastructure => Some(FailureClass::SandboxError),
            StopReason::Cancelled => Some(FailureClass::InsufficientEvidence),
            _ => None,
        };
        if let Some(class) = infra {
            let reason = format!("the run stopped with {stop:?} (infrastructure, not the agent)");
            return diagnosis(class, reason, failed_keys, terminal);
        }
    }
    if let Some(v) = failed
        .iter()
        .find(|v| v.error_kind == Some(ErrorKind::Infra))
    {
        let reason = format!("verifier infrastructure failed for {}: {}", v.key, v.reason);
        return diagnosis(
            FailureClass::SandboxError,
            reason,
            failed_keys,
            v.event_id.clone(),
        );
    }
    if let Some(stop) = run.stop_reason.filter(|s| s.is_limit()) {
        let reason = format!("the run hit a limit ({stop:?}) before finishing");
        return diagnosis(FailureClass::TimeoutOrBudget, reason, failed_keys, terminal);
    }
    let no_output = evidence.final_output.is_none() && evidence.turns.is_empty();
    if run.stop_reason == Some(StopReason::NoSubmit) || (no_output && run.stop_reason.is_some()) {
        let reason = "the agent never submitted a final answer".to_string();
        return diagnosis(FailureClass::NoSubmit, reason, failed_keys, terminal);
    }
    if no_output && evidence.tool_calls.is_empty() {
        let reason = "no run evidence was recorded for this case".to_string();
        return diagnosis(
            FailureClass::InsufficientEvidence,
            reason,
            failed_keys,
            terminal,
        );
    }
    if let Some(c) = evidence.tool_calls.iter().find(|c| c.policy_denied()) {
        let reason = format!("the agent called {} which the tool policy forbids", c.name);
        return diagnosis(
            FailureClass::PolicyViolation,
            reason,
            failed_keys,
            c.event_id.clone(),
        );
    }
    if let Some(v) = failed
        .iter()
        .find(|v| v.error_kind == Some(ErrorKind::MalformedOutput))
    {
        let reason = format!("{}: {}", v.key, v.reason);
        return diagnosis(
            FailureClass::MalformedOutput,
            reason,
            failed_keys,
            v.event_id.clone(),
        );
    }
    let hard_fail: Vec<&&Verdict> = failed
        .iter()
        .filter(|v| v.state == VerdictState::Fail)
        .collect();
    if let Some(v) = hard_fail
        .iter()
        .find(|v| v.kind == ValidatorType::ToolCallAssertion)
    {
        let only_tools = hard_fail
            .iter()
            .all(|v| v.kind == ValidatorType::ToolCallAssertion);
        if only_tools {
            let class = tool_assertion_class(spec, v, evidence);
            let reason = format!("{}: {}", v.key, v.reason);
            return diagnosis(class, reason, failed_keys, v.event_id.clone());
        }
    }
    if hard_fail.is_empty() {
        let trace_class = evidence.tool_calls.iter().find_map(|c| match c.error_kind {
            Some(ToolErrorKind::UnknownTool) => Some((FailureClass::ToolSelection, c)),
            Some(ToolErrorKind::InvalidArguments) => Some((FailureClass::ToolArguments, c)),
            _ => None,
        });
        if let Some((class, c)) = trace_class {
            let reason = format!("tool call {} failed: {:?}", c.name, c.error_kind);
            return diagnosis(class, reason, failed_keys, c.event_id.clone());
        }
        let only_missing = !gate_failures.is_empty()
            && gate_failures
                .iter()
                .all(|g| g.reason == GateFailureReason::Unavailable);
        if only_missing {
            let reason = "required dimensions had no evidence to score".to_string();
            return diagnosis(
                FailureClass::InsufficientEvidence,
                reason,
                failed_keys,
                terminal,
            );
        }
    }
    let reason = if hard_fail.is_empty() {
        "the overall score is below the pass threshold".to_string()
    } else {
        let keys: Vec<&str> = hard_fail.iter().map(|v| v.key.as_str()).collect();
        format!("validators failed: {}", keys.join(", "))
    };
    diagnosis(
        FailureClass::IncorrectOutput,
        reason,
        failed_keys,
        first_event,
    )
}
