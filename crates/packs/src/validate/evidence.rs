//! Evidence references (§5.2): the syntax validators and judges use to name
//! the value they read, and how a resolved value becomes text.

use serde_json::Value;

/// A parsed evidence reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Evidence<'a> {
    /// `final_output` / `run.final_output`.
    FinalOutput,
    /// `challenge_input`.
    ChallengeInput,
    /// `case.payload[.path]`: the dotted path (empty for the whole payload).
    CasePayload(&'a str),
    /// `case.inputs.<key>[.path]`: key and dotted path.
    CaseInput(&'a str, &'a str),
    /// `case.expectations.<key>[.path]`: key and dotted path.
    CaseExpectation(&'a str, &'a str),
    /// `artifact.<key>[.field]`: key and field path.
    Artifact(&'a str, &'a str),
    /// `file:<check key>`.
    File(&'a str),
    /// `literal:<text>`.
    Literal(&'a str),
    /// `transcript.*`.
    Transcript,
    /// `transcript.from_mismatch` (unavailable without a mismatch).
    TranscriptFromMismatch,
    /// `turn.expectations`.
    TurnExpectations,
    /// `tool_calls`.
    ToolCalls,
}

fn segments_ok(s: &str) -> bool {
    s.split('.').all(|p| !p.is_empty())
}

/// `<key>[.path]` with non-empty segments: the key and the path.
fn keyed(rest: &str) -> Option<(&str, &str)> {
    if !segments_ok(rest) {
        return None;
    }
    Some(rest.split_once('.').unwrap_or((rest, "")))
}

/// Parses a reference; `None` when it is not a supported form.
pub(crate) fn parse(s: &str) -> Option<Evidence<'_>> {
    if let Some(t) = s.strip_prefix("literal:") {
        return Some(Evidence::Literal(t));
    }
    if let Some(k) = s.strip_prefix("file:") {
        return (!k.trim().is_empty()).then_some(Evidence::File(k.trim()));
    }
    if let Some(n) = s.strip_prefix("transcript.last_n:") {
        return n
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(|_| Evidence::Transcript);
    }
    match s {
        "final_output" | "run.final_output" => return Some(Evidence::FinalOutput),
        "challenge_input" => return Some(Evidence::ChallengeInput),
        "case.payload" => return Some(Evidence::CasePayload("")),
        "transcript.full" => return Some(Evidence::Transcript),
        "transcript.from_mismatch" => return Some(Evidence::TranscriptFromMismatch),
        "turn.expectations" => return Some(Evidence::TurnExpectations),
        "tool_calls" => return Some(Evidence::ToolCalls),
        _ => {}
    }
    if let Some(p) = s.strip_prefix("case.payload.") {
        return segments_ok(p).then_some(Evidence::CasePayload(p));
    }
    if let Some(r) = s.strip_prefix("case.inputs.") {
        return keyed(r).map(|(k, p)| Evidence::CaseInput(k, p));
    }
    if let Some(r) = s.strip_prefix("case.expectations.") {
        return keyed(r).map(|(k, p)| Evidence::CaseExpectation(k, p));
    }
    if let Some(r) = s.strip_prefix("artifact.") {
        return keyed(r).map(|(k, p)| Evidence::Artifact(k, p));
    }
    None
}

impl Evidence<'_> {
    /// Whether the reference reads data of one case (§4.5): such evidence
    /// is unavailable when several cases are in scope.
    pub(crate) fn case_scoped(self) -> bool {
        matches!(
            self,
            Self::ChallengeInput
                | Self::CasePayload(_)
                | Self::CaseInput(..)
                | Self::CaseExpectation(..)
                | Self::Artifact(..)
        )
    }
}

/// Walks a dotted path through maps (by key) and lists (by decimal index),
/// as evidence resolution does; also returns the YAML path suffix walked.
pub(crate) fn walk<'v>(mut v: &'v Value, path: &str) -> Option<(&'v Value, String)> {
    let mut suffix = String::new();
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        v = match v {
            Value::Object(m) => {
                suffix.push('.');
                suffix.push_str(seg);
                m.get(seg)?
            }
            Value::Array(items) => {
                let i: usize = seg.parse().ok()?;
                suffix.push_str(&format!("[{i}]"));
                items.get(i)?
            }
            _ => return None,
        };
    }
    Some((v, suffix))
}

/// The string a resolved value becomes when a validator reads it (§5.2):
/// strings as-is, `value`/`content`/`text`/`answer` members and one-element
/// lists collapse, everything else is compact JSON.
pub(crate) fn stringify(v: &Value) -> String {
    match loose(v) {
        Some(s) => s.to_owned(),
        None => match v {
            Value::Bool(b) => b.to_string(),
            Value::Null => "null".to_owned(),
            Value::Number(n) => n.to_string(),
            other => other.to_string(),
        },
    }
}

/// The member a mapping collapses to, when it does (§5.2 quirk).
pub(crate) fn collapsing_member(v: &Value) -> Option<&'static str> {
    let m = v.as_object()?;
    COLLAPSING
        .iter()
        .copied()
        .find(|k| m.get(*k).is_some_and(|x| loose(x).is_some()))
}

const COLLAPSING: [&str; 4] = ["value", "content", "text", "answer"];

fn loose(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(m) => COLLAPSING.iter().find_map(|k| m.get(*k).and_then(loose)),
        Value::Array(items) if items.len() == 1 => loose(&items[0]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(parse("final_output"), Some(Evidence::FinalOutput));
        assert_eq!(
            parse("case.expectations.a.b"),
            Some(Evidence::CaseExpectation("a", "b"))
        );
        assert_eq!(parse("case.payload"), Some(Evidence::CasePayload("")));
        assert_eq!(parse("artifact.k"), Some(Evidence::Artifact("k", "")));
        assert_eq!(parse("case.inputs."), None);
        assert_eq!(parse("case.payload.a..b"), None);
        assert_eq!(parse("file: "), None);
        assert_eq!(parse("literal:"), Some(Evidence::Literal("")));
        assert_eq!(parse("transcript.last_n:3"), Some(Evidence::Transcript));
        assert_eq!(parse("transcript.last_n:0"), None);
        assert_eq!(parse("final"), None);
    }

    #[test]
    fn walking_and_stringifying() {
        let v = serde_json::json!({"a": [{"b": 1}, {"b": "two"}]});
        let (x, suffix) = walk(&v, "a.1.b").expect("resolves");
        assert_eq!((x, suffix.as_str()), (&serde_json::json!("two"), ".a[1].b"));
        assert!(walk(&v, "a.x").is_none());
        assert_eq!(
            stringify(&serde_json::json!({"path": "$.p", "value": "urgent"})),
            "urgent"
        );
        assert_eq!(
            collapsing_member(&serde_json::json!({"path": "$.p", "value": "urgent"})),
            Some("value")
        );
        assert_eq!(stringify(&serde_json::json!(["only"])), "only");
        assert_eq!(
            stringify(&serde_json::json!({"type": "object"})),
            r#"{"type":"object"}"#
        );
        assert_eq!(stringify(&serde_json::json!(true)), "true");
    }
}
