//! Builds a case's scoring evidence from what was recorded: the attempt's
//! events (final output, tool calls, model usage, run facts) and the
//! verifier's output (test runs, captures). Scoring and re-scoring both use
//! it, so a re-score reads exactly what the first score read.

use agentclash_agent::verifier::{Capture as VerifierCapture, Verification};
use agentclash_packs::Pack;
use agentclash_scoring::{
    Capture, CapturedFile, CodeExecution, Evidence, ListingEntry, ModelUsage, RunFacts, StopReason,
    ToolCallRecord, ToolErrorKind,
};
use agentclash_store::events::RunEvent;
use serde_json::Value;
use std::collections::BTreeMap;

/// What kind of failure a tool error message describes.
fn error_kind(message: &str) -> ToolErrorKind {
    let m = message.to_ascii_lowercase();
    if m.starts_with("unknown tool") {
        ToolErrorKind::UnknownTool
    } else if m.contains("refused by policy") || m.contains("not enabled by this pack") {
        ToolErrorKind::PolicyDenied
    } else if m.contains("argument") || m.contains("must be") {
        ToolErrorKind::InvalidArguments
    } else if m.starts_with("sandbox:") {
        ToolErrorKind::Sandbox
    } else {
        ToolErrorKind::Execution
    }
}

/// Evidence of one case attempt.
pub fn build(
    pack: &Pack,
    input_set_key: &str,
    case_key: &str,
    events: &[RunEvent],
    verification: Option<&Verification>,
) -> Evidence {
    let set = pack.input_sets.iter().find(|s| s.key == input_set_key);
    let case = set
        .and_then(|s| s.cases.iter().find(|c| c.case_key == case_key))
        .cloned()
        .unwrap_or_default();
    let challenge = pack
        .challenges
        .iter()
        .find(|c| c.key == case.challenge_key)
        .cloned();
    let mut evidence = Evidence {
        case,
        challenge,
        // Each case is scored on its own (per-case fan-out).
        cases_in_scope: 1,
        version_assets: pack.version.assets.clone(),
        ..Evidence::default()
    };
    let mut arguments: BTreeMap<String, Value> = BTreeMap::new();
    for event in events {
        let p = &event.payload;
        let id = Some(event.event_id.to_string());
        match event.event_type.as_str() {
            "tool.call.started" => {
                if let Some(call) = p.get("tool_call_id").and_then(Value::as_str) {
                    arguments.insert(
                        call.to_owned(),
                        p.get("arguments").cloned().unwrap_or(Value::Null),
                    );
                }
            }
            "tool.call.completed" | "tool.call.failed" => {
                let call = p.get("tool_call_id").and_then(Value::as_str).unwrap_or("");
                let is_error = p.get("is_error").and_then(Value::as_bool).unwrap_or(false);
                let message = p
                    .get("result")
                    .and_then(|r| r.get("error"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                evidence.tool_calls.push(ToolCallRecord {
                    name: p
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    arguments: arguments.remove(call).unwrap_or(Value::Null),
                    result: p.get("result").cloned(),
                    is_error,
                    error_kind: is_error.then(|| error_kind(message)),
                    step: event.step.and_then(|s| u32::try_from(s).ok()).unwrap_or(0),
                    event_id: id.clone(),
                });
            }
            "model.call.completed" => {
                let usage = p.get("usage");
                let count = |k: &str| {
                    usage
                        .and_then(|u| u.get(k))
                        .and_then(Value::as_u64)
                        .unwrap_or(0)
                };
                evidence.run.model_usage.push(ModelUsage {
                    provider_key: String::new(),
                    model_id: p
                        .get("model")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    input_tokens: count("input_tokens"),
                    output_tokens: count("output_tokens"),
                });
                if evidence.run.ttft_ms.is_none() {
                    evidence.run.ttft_ms = p.get("time_to_first_token_ms").and_then(Value::as_u64);
                }
            }
            "sandbox.command.completed" => {
                let failed = p.get("exit_code").and_then(Value::as_i64) != Some(0)
                    || p.get("timed_out").and_then(Value::as_bool).unwrap_or(false);
                evidence.run.failed_sandbox_commands += u64::from(failed);
            }
            "system.case.completed" => {
                let number = |k: &str| p.get(k).and_then(Value::as_u64);
                evidence.final_output = p
                    .get("final_output")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                evidence.final_output_event_id = id.clone();
                let stop = p
                    .get("stop_reason")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<StopReason>().ok());
                evidence.run = RunFacts {
                    stop_reason: stop,
                    completed: Some(stop == Some(StopReason::Submitted)),
                    steps: number("steps")
                        .and_then(|s| u32::try_from(s).ok())
                        .unwrap_or(0),
                    tool_call_count: number("tool_calls"),
                    input_tokens: number("input_tokens"),
                    output_tokens: number("output_tokens"),
                    total_tokens: Some(
                        number("input_tokens").unwrap_or(0) + number("output_tokens").unwrap_or(0),
                    ),
                    reported_cost_usd: p.get("cost_usd").and_then(Value::as_f64),
                    duration_ms: number("duration_ms"),
                    terminal_event_id: id,
                    ..std::mem::take(&mut evidence.run)
                };
            }
            _ => {}
        }
    }
    if let Some(v) = verification {
        for (key, run) in &v.executions {
            evidence.code_executions.insert(
                key.clone(),
                CodeExecution {
                    exit_code: run.exit_code,
                    stdout: run.stdout.clone(),
                    stderr: run.stderr.clone(),
                    timed_out: run.timed_out,
                    duration_ms: run.duration_ms,
                    launch_error: run.launch_error.clone(),
                    event_id: Some(run.event_id.to_string()),
                },
            );
        }
        for (key, captured) in &v.captures {
            let (capture, event_id) = match captured {
                VerifierCapture::File {
                    path,
                    exists: false,
                    event_id,
                    ..
                }
                | VerifierCapture::Listing {
                    path,
                    exists: false,
                    event_id,
                    ..
                } => (Capture::Missing { path: path.clone() }, event_id),
                VerifierCapture::File {
                    path,
                    content,
                    size,
                    truncated,
                    event_id,
                    ..
                } => (
                    Capture::File {
                        path: path.clone(),
                        content: content.clone(),
                        size: *size,
                        truncated: *truncated,
                    },
                    event_id,
                ),
                VerifierCapture::Listing {
                    path,
                    entries,
                    event_id,
                    ..
                } => (
                    Capture::Listing {
                        path: path.clone(),
                        entries: entries
                            .iter()
                            .map(|e| ListingEntry {
                                path: e.clone(),
                                size: 0,
                            })
                            .collect(),
                    },
                    event_id,
                ),
            };
            evidence.files.insert(
                key.clone(),
                CapturedFile {
                    capture,
                    event_id: Some(event_id.to_string()),
                },
            );
        }
    }
    evidence
}
