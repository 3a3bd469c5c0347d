//! Evidence references (§5.2): parsing the reference syntax and resolving a
//! reference against a case's [`Evidence`]. Missing evidence is reported as
//! [`Resolution::Unavailable`] with a reason, never as a panic or a value.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use agentclash_packs::model::{Asset, Input};

use crate::evidence::{Capture, EventId, Evidence};
use crate::text::{canonical_json, stringify};

/// A parsed evidence reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference<'a> {
    /// `final_output` / `run.final_output`.
    FinalOutput,
    /// `challenge_input`.
    ChallengeInput,
    /// `case.payload[.<path>]`.
    CasePayload(Vec<&'a str>),
    /// `case.inputs.<key>[.<path>]`.
    CaseInput(&'a str, Vec<&'a str>),
    /// `case.expectations.<key>[.<path>]`.
    CaseExpectation(&'a str, Vec<&'a str>),
    /// `artifact.<key>[.<field>]`.
    Artifact(&'a str, Option<&'a str>),
    /// `file:<check key>`.
    File(&'a str),
    /// `literal:<text>`.
    Literal(&'a str),
    /// `transcript.full`.
    TranscriptFull,
    /// `transcript.last_n:<N>`.
    TranscriptLastN(usize),
    /// `transcript.from_mismatch`.
    TranscriptFromMismatch,
    /// `turn.expectations`.
    TurnExpectations,
    /// `tool_calls` (only for `tool_call_assertion`).
    ToolCalls,
}

fn segments(s: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = s.split('.').collect();
    parts.iter().all(|p| !p.is_empty()).then_some(parts)
}

fn keyed(rest: &str) -> Option<(&str, Vec<&str>)> {
    let mut parts = segments(rest)?;
    let key = parts.remove(0);
    Some((key, parts))
}

/// Parses a reference; `None` when the syntax is not a supported form.
pub fn parse_reference(s: &str) -> Option<Reference<'_>> {
    if let Some(t) = s.strip_prefix("literal:") {
        return Some(Reference::Literal(t.trim_end()));
    }
    if let Some(k) = s.strip_prefix("file:") {
        let k = k.trim();
        return (!k.is_empty()).then_some(Reference::File(k));
    }
    if let Some(n) = s.strip_prefix("transcript.last_n:") {
        return n
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .map(Reference::TranscriptLastN);
    }
    match s {
        "final_output" | "run.final_output" => return Some(Reference::FinalOutput),
        "challenge_input" => return Some(Reference::ChallengeInput),
        "case.payload" => return Some(Reference::CasePayload(Vec::new())),
        "transcript.full" => return Some(Reference::TranscriptFull),
        "transcript.from_mismatch" => return Some(Reference::TranscriptFromMismatch),
        "turn.expectations" => return Some(Reference::TurnExpectations),
        "tool_calls" => return Some(Reference::ToolCalls),
        _ => {}
    }
    if let Some(p) = s.strip_prefix("case.payload.") {
        return segments(p).map(Reference::CasePayload);
    }
    if let Some(r) = s.strip_prefix("case.inputs.") {
        return keyed(r).map(|(k, p)| Reference::CaseInput(k, p));
    }
    if let Some(r) = s.strip_prefix("case.expectations.") {
        return keyed(r).map(|(k, p)| Reference::CaseExpectation(k, p));
    }
    if let Some(r) = s.strip_prefix("artifact.") {
        return match keyed(r)? {
            (k, p) if p.is_empty() => Some(Reference::Artifact(k, None)),
            (k, p) if p.len() == 1 => Some(Reference::Artifact(k, Some(p[0]))),
            _ => None,
        };
    }
    None
}

/// A resolved piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    /// The stringified value.
    pub text: String,
    /// Event that produced it, if any (case data has none).
    pub event_id: Option<EventId>,
}

/// Outcome of resolving a reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Resolution {
    /// The evidence exists.
    Value(Resolved),
    /// The evidence is missing; the validator is `unavailable`.
    Unavailable {
        /// Why.
        reason: String,
    },
    /// The reference is not a supported form here; the validator is `error`.
    Unsupported {
        /// Why.
        reason: String,
    },
}

fn unavailable(reason: impl Into<String>) -> Resolution {
    Resolution::Unavailable {
        reason: reason.into(),
    }
}

fn value(text: String, event_id: Option<EventId>) -> Resolution {
    Resolution::Value(Resolved { text, event_id })
}

/// Walks maps by key and lists by decimal index.
fn walk<'v>(mut v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    for seg in path {
        v = match v {
            Value::Object(m) => m.get(*seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Resolves `reference` against `evidence` (§5.2).
pub fn resolve(evidence: &Evidence, reference: &str) -> Resolution {
    let Some(parsed) = parse_reference(reference) else {
        return Resolution::Unsupported {
            reason: format!("{reference:?} is not a supported evidence reference"),
        };
    };
    let case_scoped = matches!(
        parsed,
        Reference::ChallengeInput
            | Reference::CasePayload(_)
            | Reference::CaseInput(..)
            | Reference::CaseExpectation(..)
            | Reference::Artifact(..)
    );
    if case_scoped && evidence.scope() > 1 {
        return unavailable(format!(
            "{reference} needs exactly one case in scope ({} are)",
            evidence.scope()
        ));
    }
    match parsed {
        Reference::FinalOutput => match &evidence.final_output {
            Some(out) => value(out.clone(), evidence.final_output_event_id.clone()),
            None => unavailable("the run produced no final output"),
        },
        Reference::Literal(t) => value(t.to_string(), None),
        Reference::ChallengeInput | Reference::CasePayload(_) => {
            let payload = Value::Object(evidence.case.payload.clone());
            let path = match &parsed {
                Reference::CasePayload(p) => p.as_slice(),
                _ => &[],
            };
            match walk(&payload, path) {
                Some(v) => value(stringify(v), None),
                None => unavailable(format!("{reference} is not in the case payload")),
            }
        }
        Reference::CaseInput(key, path) => resolve_input(evidence, key, &path, reference),
        Reference::CaseExpectation(key, path) => {
            resolve_expectation(evidence, key, &path, reference)
        }
        Reference::Artifact(key, field) => resolve_artifact(evidence, key, field),
        Reference::File(key) => resolve_file(evidence, key),
        Reference::TranscriptFull => transcript(evidence, 0),
        Reference::TranscriptLastN(n) => {
            transcript(evidence, evidence.turns.len().saturating_sub(n))
        }
        Reference::TranscriptFromMismatch => match evidence.turns.iter().position(|t| t.mismatch) {
            Some(i) => transcript(evidence, i),
            None => unavailable("no turn mismatched"),
        },
        Reference::TurnExpectations => {
            let rows: Vec<Value> = evidence
                .turns
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "turn_index": t.turn_index,
                        "phase_id": t.phase_id,
                        "mismatch": t.mismatch,
                    })
                })
                .collect();
            if rows.is_empty() {
                unavailable("the run has no conversation turns")
            } else {
                let event = evidence.turns.last().and_then(|t| t.event_id.clone());
                value(canonical_json(&Value::Array(rows)), event)
            }
        }
        Reference::ToolCalls => Resolution::Unsupported {
            reason: "tool_calls is only valid as the target of tool_call_assertion".into(),
        },
    }
}

fn find_input<'e>(evidence: &'e Evidence, key: &str) -> Option<&'e Input> {
    evidence.case.inputs.iter().find(|i| i.key == key)
}

fn resolve_input(evidence: &Evidence, key: &str, path: &[&str], reference: &str) -> Resolution {
    let Some(input) = find_input(evidence, key) else {
        return unavailable(format!("case has no input {key:?}"));
    };
    if let Some(v) = input.value.as_ref().filter(|v| !v.is_null()) {
        return match walk(v, path) {
            Some(v) => value(stringify(v), None),
            None => unavailable(format!("{reference} does not exist in the input value")),
        };
    }
    if let Some(k) = &input.artifact_key {
        return resolve_artifact(evidence, k, None);
    }
    match &input.path {
        Some(p) => value(p.clone(), None),
        None => unavailable(format!("input {key:?} has no value, artifact or path")),
    }
}

fn resolve_expectation(
    evidence: &Evidence,
    key: &str,
    path: &[&str],
    reference: &str,
) -> Resolution {
    let Some(exp) = evidence.case.expectations.iter().find(|e| e.key == key) else {
        return unavailable(format!("case has no expectation {key:?}"));
    };
    if let Some(v) = exp.value.as_ref().filter(|v| !v.is_null()) {
        return match walk(v, path) {
            Some(v) => value(stringify(v), None),
            None => unavailable(format!("{reference} does not exist in the expectation")),
        };
    }
    if let Some(src) = &exp.source {
        if let Some(k) = src.strip_prefix("input:") {
            // Inputs carry no `source` of their own, so the chain is one hop
            // (well within the reference's depth limit of 8).
            return resolve_input(evidence, k.trim(), path, reference);
        }
        if let Some(k) = src.strip_prefix("artifact:") {
            return resolve_artifact(evidence, k.trim(), None);
        }
    }
    if let Some(k) = &exp.artifact_key {
        return resolve_artifact(evidence, k, None);
    }
    unavailable(format!(
        "expectation {key:?} has no value, source or artifact"
    ))
}

/// Assets visible to the case: its own, plus version assets it references
/// through `artifacts`, inputs and expectations.
fn visible_asset<'e>(evidence: &'e Evidence, key: &str) -> Option<&'e Asset> {
    if let Some(a) = evidence.case.assets.iter().find(|a| a.key == key) {
        return Some(a);
    }
    let case = &evidence.case;
    let referenced = case.artifacts.iter().any(|r| r.key == key)
        || case
            .inputs
            .iter()
            .any(|i| i.artifact_key.as_deref() == Some(key))
        || case.expectations.iter().any(|e| {
            e.artifact_key.as_deref() == Some(key)
                || e.source
                    .as_deref()
                    .and_then(|s| s.strip_prefix("artifact:"))
                    .map(str::trim)
                    == Some(key)
        });
    if !referenced {
        return None;
    }
    evidence.version_assets.iter().find(|a| a.key == key)
}

fn resolve_artifact(evidence: &Evidence, key: &str, field: Option<&str>) -> Resolution {
    let Some(asset) = visible_asset(evidence, key) else {
        return unavailable(format!("asset {key:?} is not visible to this case"));
    };
    let found = match field {
        None | Some("path") => Some(asset.path.clone()),
        Some("key") => Some(asset.key.clone()),
        Some("kind") => asset.kind.clone(),
        Some("media_type") => asset.media_type.clone(),
        Some("content") => {
            return match evidence.artifact_contents.get(key) {
                Some(c) => value(c.content.clone(), c.event_id.clone()),
                None => unavailable(format!("content of asset {key:?} was not loaded")),
            };
        }
        Some(other) => {
            return unavailable(format!("asset field {other:?} does not exist"));
        }
    };
    match found {
        Some(v) => value(v, None),
        None => unavailable(format!("asset {key:?} has no {}", field.unwrap_or("path"))),
    }
}

/// The JSON shape of a directory listing as evidence.
#[derive(Serialize)]
struct ListingJson<'a> {
    key: &'a str,
    path: &'a str,
    entries: &'a [crate::evidence::ListingEntry],
}

fn resolve_file(evidence: &Evidence, key: &str) -> Resolution {
    let Some(file) = evidence.files.get(key) else {
        return unavailable(format!("no post-execution capture {key:?}"));
    };
    match &file.capture {
        Capture::File { content, .. } => value(
            String::from_utf8_lossy(content).into_owned(),
            file.event_id.clone(),
        ),
        Capture::Listing { path, entries } => {
            let json = serde_json::to_string(&ListingJson { key, path, entries });
            match json {
                Ok(text) => value(text, file.event_id.clone()),
                Err(e) => unavailable(format!("listing could not be encoded: {e}")),
            }
        }
        Capture::Missing { path } => unavailable(format!("{path} did not exist")),
    }
}

fn transcript(evidence: &Evidence, from: usize) -> Resolution {
    let turns = evidence.turns.get(from..).unwrap_or_default();
    if turns.is_empty() {
        return unavailable("the run has no conversation turns");
    }
    let mut out = String::new();
    for t in turns {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "user[{i}]: {}\nassistant[{i}]: {}",
            t.user,
            t.assistant,
            i = t.turn_index
        ));
    }
    value(out, turns.last().and_then(|t| t.event_id.clone()))
}
