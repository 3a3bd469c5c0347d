//! Replay steps folded from a lane's events: what a person reading a trace
//! wants to see as one thing (a model call with its streamed output and
//! result, a tool call with its arguments and result, a sandbox command with
//! its output), in the order the steps started.
//!
//! A step starts at one event and may be completed by later ones; steps of
//! concurrent cases interleave, so completions are matched by case, attempt
//! and the step's own key (agent step, tool call id, open command).

use serde::Serialize;
use serde_json::Value;

/// The kind of a replay step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A case started or ended.
    Case,
    /// One model call (with streamed output).
    ModelCall,
    /// One tool call.
    ToolCall,
    /// One command in the sandbox.
    SandboxCommand,
    /// A file read or written in the sandbox.
    File,
    /// Sandbox created or destroyed.
    Sandbox,
    /// Anything else the run recorded (reminders, scoring, …).
    Other,
}

/// Whether an event type starts a step. Completion events (and streamed
/// deltas) join the step they belong to instead.
pub fn starts_step(event_type: &str) -> bool {
    !matches!(
        event_type,
        "model.call.completed"
            | "model.call.failed"
            | "model.output.delta"
            | "tool.call.completed"
            | "tool.call.failed"
            | "sandbox.command.completed"
            | "sandbox.command.failed"
    )
}

/// Every event type that starts a step can be listed by this (for SQL
/// filters): the complement of [`starts_step`] among known types.
pub const CONTINUATION_TYPES: &[&str] = &[
    "model.call.completed",
    "model.call.failed",
    "model.output.delta",
    "tool.call.completed",
    "tool.call.failed",
    "sandbox.command.completed",
    "sandbox.command.failed",
];

/// An event as the fold needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldEvent {
    /// Per-lane sequence.
    pub sequence: i64,
    /// Event type.
    pub event_type: String,
    /// When it happened (RFC 3339).
    pub occurred_at: String,
    /// Case.
    pub case_key: Option<String>,
    /// Attempt.
    pub attempt: Option<i32>,
    /// Agent step.
    pub step: Option<i32>,
    /// Payload.
    pub payload: Value,
    /// Summary.
    pub summary: Option<String>,
}

/// One replay step.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReplayStep {
    /// Position in the lane's replay (0-based).
    pub index: u64,
    /// What it is.
    pub kind: StepKind,
    /// Type of the event that started it.
    pub event_type: String,
    /// Case.
    pub case_key: Option<String>,
    /// Attempt.
    pub attempt: Option<i32>,
    /// Agent step.
    pub agent_step: Option<i32>,
    /// Sequence of the starting event.
    pub first_sequence: i64,
    /// Sequence of the last event folded in.
    pub last_sequence: i64,
    /// When it started.
    pub started_at: String,
    /// When it ended (absent while in progress).
    pub ended_at: Option<String>,
    /// `ok`, `error` or `running`.
    pub status: String,
    /// One line for humans.
    pub summary: Option<String>,
    /// The starting event's payload.
    #[schema(value_type = Object)]
    pub input: Value,
    /// The completing event's payload (absent while in progress).
    #[schema(value_type = Object)]
    pub output: Option<Value>,
    /// Text streamed by a model call.
    pub streamed_text: Option<String>,
}

fn kind_of(event_type: &str) -> StepKind {
    match event_type {
        t if t.starts_with("system.case.") => StepKind::Case,
        "model.call.started" => StepKind::ModelCall,
        "tool.call.started" => StepKind::ToolCall,
        "sandbox.command.started" => StepKind::SandboxCommand,
        t if t.starts_with("sandbox.file.") => StepKind::File,
        "sandbox.created" | "sandbox.destroyed" => StepKind::Sandbox,
        _ => StepKind::Other,
    }
}

/// Whether `step` is the open step `event` continues.
fn continues(step: &ReplayStep, event: &FoldEvent) -> bool {
    if step.ended_at.is_some() || step.case_key != event.case_key || step.attempt != event.attempt {
        return false;
    }
    let t = event.event_type.as_str();
    match step.kind {
        StepKind::ModelCall => t.starts_with("model.") && step.agent_step == event.step,
        StepKind::ToolCall => {
            t.starts_with("tool.call.")
                && step.input.get("tool_call_id") == event.payload.get("tool_call_id")
        }
        StepKind::SandboxCommand => t.starts_with("sandbox.command."),
        _ => false,
    }
}

/// Folds events (in sequence order) into steps numbered from `first_index`.
/// Continuations whose start lies before the first event are dropped; a
/// step with no completion yet is `running`.
pub fn fold(events: &[FoldEvent], first_index: u64) -> Vec<ReplayStep> {
    let mut steps: Vec<ReplayStep> = Vec::new();
    for event in events {
        if starts_step(&event.event_type) {
            let kind = kind_of(&event.event_type);
            let single = !matches!(
                kind,
                StepKind::ModelCall | StepKind::ToolCall | StepKind::SandboxCommand
            );
            let failed = event.payload.get("error").is_some_and(|e| !e.is_null());
            steps.push(ReplayStep {
                index: first_index + steps.len() as u64,
                kind,
                event_type: event.event_type.clone(),
                // Lane-level events (lifecycle) carry an empty case key.
                case_key: event.case_key.clone().filter(|k| !k.is_empty()),
                attempt: event.attempt,
                agent_step: event.step,
                first_sequence: event.sequence,
                last_sequence: event.sequence,
                started_at: event.occurred_at.clone(),
                ended_at: single.then(|| event.occurred_at.clone()),
                status: if !single {
                    "running"
                } else if failed {
                    "error"
                } else {
                    "ok"
                }
                .to_owned(),
                summary: event.summary.clone(),
                input: event.payload.clone(),
                output: None,
                streamed_text: None,
            });
            continue;
        }
        // The most recent open step this event continues.
        let Some(step) = steps.iter_mut().rev().find(|s| continues(s, event)) else {
            continue;
        };
        step.last_sequence = event.sequence;
        if event.event_type == "model.output.delta" {
            let text = event
                .payload
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("");
            step.streamed_text
                .get_or_insert_with(String::new)
                .push_str(text);
            continue;
        }
        let failed = event.event_type.ends_with(".failed")
            || event.payload.get("is_error") == Some(&Value::Bool(true));
        step.status = if failed { "error" } else { "ok" }.to_owned();
        step.ended_at = Some(event.occurred_at.clone());
        step.output = Some(event.payload.clone());
        if event.summary.is_some() {
            step.summary = event.summary.clone();
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(seq: i64, ty: &str, case: &str, step: Option<i32>, payload: Value) -> FoldEvent {
        FoldEvent {
            sequence: seq,
            event_type: ty.into(),
            occurred_at: format!("t{seq}"),
            case_key: Some(case.into()),
            attempt: Some(1),
            step,
            payload,
            summary: None,
        }
    }

    #[test]
    fn interleaved_cases_fold_into_their_own_steps() {
        let events = vec![
            ev(0, "system.case.started", "a", None, json!({})),
            ev(1, "system.case.started", "b", None, json!({})),
            ev(2, "model.call.started", "a", Some(1), json!({})),
            ev(3, "model.call.started", "b", Some(1), json!({})),
            ev(
                4,
                "model.output.delta",
                "b",
                Some(1),
                json!({"text": "hel"}),
            ),
            ev(5, "model.output.delta", "b", Some(1), json!({"text": "lo"})),
            ev(
                6,
                "model.call.completed",
                "b",
                Some(1),
                json!({"text": "hello"}),
            ),
            ev(
                7,
                "tool.call.started",
                "b",
                Some(1),
                json!({"tool_call_id": "c1", "name": "exec"}),
            ),
            ev(
                8,
                "sandbox.command.started",
                "b",
                Some(1),
                json!({"command": ["true"]}),
            ),
            ev(
                9,
                "model.call.failed",
                "a",
                Some(1),
                json!({"error": "boom"}),
            ),
            ev(
                10,
                "sandbox.command.completed",
                "b",
                Some(1),
                json!({"exit_code": 0}),
            ),
            ev(
                11,
                "tool.call.failed",
                "b",
                Some(1),
                json!({"tool_call_id": "c1", "is_error": true}),
            ),
        ];
        let steps = fold(&events, 10);
        let kinds: Vec<(u64, StepKind, Option<&str>, &str)> = steps
            .iter()
            .map(|s| (s.index, s.kind, s.case_key.as_deref(), s.status.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (10, StepKind::Case, Some("a"), "ok"),
                (11, StepKind::Case, Some("b"), "ok"),
                (12, StepKind::ModelCall, Some("a"), "error"),
                (13, StepKind::ModelCall, Some("b"), "ok"),
                (14, StepKind::ToolCall, Some("b"), "error"),
                (15, StepKind::SandboxCommand, Some("b"), "ok"),
            ]
        );
        assert_eq!(steps[3].streamed_text.as_deref(), Some("hello"));
        assert_eq!(steps[3].last_sequence, 6);
        assert_eq!(
            steps[4].output,
            Some(json!({"tool_call_id": "c1", "is_error": true}))
        );
    }

    #[test]
    fn an_unfinished_step_is_running_and_orphan_completions_are_dropped() {
        let events = vec![
            ev(
                5,
                "tool.call.completed",
                "a",
                Some(1),
                json!({"tool_call_id": "old"}),
            ),
            ev(6, "model.call.started", "a", Some(2), json!({})),
        ];
        let steps = fold(&events, 0);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].status, "running");
        assert!(steps[0].ended_at.is_none());
    }
}
