//! Evidence references (§5.2): the syntax validators and judges use to name
//! the value they read.

/// A parsed evidence reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Evidence<'a> {
    /// `final_output` / `run.final_output`.
    FinalOutput,
    /// `challenge_input`.
    ChallengeInput,
    /// `case.payload[.path]`.
    CasePayload,
    /// `case.inputs.<key>[.path]`.
    CaseInput(&'a str),
    /// `case.expectations.<key>[.path]`.
    CaseExpectation(&'a str),
    /// `artifact.<key>[.field]`.
    Artifact(&'a str),
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

/// `<key>[.path]` with non-empty segments: the key.
fn keyed(rest: &str) -> Option<&str> {
    if !segments_ok(rest) {
        return None;
    }
    rest.split('.').next()
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
        "case.payload" => return Some(Evidence::CasePayload),
        "transcript.full" => return Some(Evidence::Transcript),
        "transcript.from_mismatch" => return Some(Evidence::TranscriptFromMismatch),
        "turn.expectations" => return Some(Evidence::TurnExpectations),
        "tool_calls" => return Some(Evidence::ToolCalls),
        _ => {}
    }
    if let Some(p) = s.strip_prefix("case.payload.") {
        return segments_ok(p).then_some(Evidence::CasePayload);
    }
    if let Some(r) = s.strip_prefix("case.inputs.") {
        return keyed(r).map(Evidence::CaseInput);
    }
    if let Some(r) = s.strip_prefix("case.expectations.") {
        return keyed(r).map(Evidence::CaseExpectation);
    }
    if let Some(r) = s.strip_prefix("artifact.") {
        return keyed(r).map(Evidence::Artifact);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(parse("final_output"), Some(Evidence::FinalOutput));
        assert_eq!(
            parse("case.expectations.a.b"),
            Some(Evidence::CaseExpectation("a"))
        );
        assert_eq!(parse("case.inputs."), None);
        assert_eq!(parse("case.payload.a..b"), None);
        assert_eq!(parse("file: "), None);
        assert_eq!(parse("literal:"), Some(Evidence::Literal("")));
        assert_eq!(parse("transcript.last_n:3"), Some(Evidence::Transcript));
        assert_eq!(parse("transcript.last_n:0"), None);
        assert_eq!(parse("final"), None);
    }
}
