//! Warnings: valid but suspicious constructs (§10 N15–N17) and the known
//! quirks of real packs (§11), each pointing at the YAML that causes it.

use std::collections::HashSet;

use serde_json::Value;

use super::Reporter;
use super::syntax::case_placeholders;
use crate::model::{
    Actor, Collector, DimensionSource, ExecutionMode, Pack, Strategy, Trigger, ValidatorType,
};

const ES: &str = "version.evaluation_spec";

pub(crate) fn check(r: &mut Reporter, p: &Pack) {
    if r.notes.empty_tool_kinds {
        r.warn(
            "version.tool_policy.allowed_tool_kinds",
            "an empty list enables every tool kind (file, data, network, build), not none; list the kinds you want",
        );
    }
    instructions(r, p);
    scorecard(r, p);
    header_comments(r, p);
    simulator(r, p);
    adversarial(r, p);
    for (v, val) in p.version.evaluation_spec.validators.iter().enumerate() {
        let trivial = matches!(
            val.expected_from.as_deref().map(str::trim_end),
            Some("literal:.+" | "literal:.*" | "literal:(?s).+" | "literal:(?s).*")
        );
        if val.kind == ValidatorType::RegexMatch && trivial {
            r.warn(
                &format!("{ES}.validators[{v}].expected_from"),
                "this regex matches any output, so the validator only checks that an answer was produced",
            );
        }
    }
}

/// Dimension sources a comment can name, with the words that name them.
const SOURCE_WORDS: &[(DimensionSource, &[&str])] = &[
    (DimensionSource::Validators, &["validator", "validators"]),
    (DimensionSource::Metric, &["metric", "metrics"]),
    (DimensionSource::Reliability, &["reliability"]),
    (DimensionSource::Latency, &["latency"]),
    (DimensionSource::Cost, &["cost"]),
    (DimensionSource::Behavioral, &["behavioral", "behavioural"]),
    (
        DimensionSource::LlmJudge,
        &["llm_judge", "llm-judge", "llm judge"],
    ),
    (
        DimensionSource::HumanPreference,
        &["human_preference", "human-preference", "human preference"],
    ),
];

/// §11 (`fibonacci-e2e-showcase`): the header comment block describes
/// scorecard dimensions that the scorecard does not declare.
fn header_comments(r: &mut Reporter, p: &Pack) {
    let dims = &p.version.evaluation_spec.scorecard.dimensions;
    let source = r.source;
    for (n, line) in source.lines().enumerate() {
        let body = line.trim_start();
        if body.is_empty() {
            continue;
        }
        if !body.starts_with('#') {
            break;
        }
        let lower = body.to_lowercase();
        if !lower.contains("dimension") {
            continue;
        }
        for (src, words) in SOURCE_WORDS {
            let named = words.iter().find(|w| mentions(&lower, w));
            if let Some(word) = named
                && !dims.iter().any(|d| d.source == *src)
            {
                let pos = crate::diagnostics::Pos {
                    line: n + 1,
                    column: line.len() - body.len() + 1,
                };
                r.warn_at(
                    &format!("{ES}.scorecard.dimensions"),
                    pos,
                    format!("the header comment mentions a {word} dimension, but the scorecard declares no dimension with source {src}"),
                );
            }
        }
    }
}

/// Whether `word` occurs in `text` as a whole word.
fn mentions(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// N17 and files named in instructions that nothing provides.
fn instructions(r: &mut Reporter, p: &Pack) {
    let mode = p.version.effective_mode();
    let rendered = matches!(mode, ExecutionMode::PromptEval | ExecutionMode::Responses);
    let mut provided: HashSet<String> = HashSet::new();
    for c in &p.version.evaluation_spec.post_execution_checks {
        provided.insert(c.path.clone());
    }
    let assets = p
        .version
        .assets
        .iter()
        .chain(p.challenges.iter().flat_map(|c| c.assets.iter()));
    for a in assets {
        provided.insert(a.path.clone());
    }
    for set in &p.input_sets {
        for c in &set.cases {
            for a in &c.assets {
                provided.insert(a.path.clone());
            }
            let files = c.payload.get("workspace_files").and_then(Value::as_array);
            let input_files = c
                .inputs
                .iter()
                .filter(|i| i.kind == "workspace")
                .filter_map(|i| i.value.as_ref().and_then(Value::as_array));
            for f in files.into_iter().chain(input_files).flatten() {
                if let Some(path) = f.get("path").and_then(Value::as_str) {
                    provided.insert(path.to_owned());
                }
            }
        }
    }
    for (i, ch) in p.challenges.iter().enumerate() {
        let path = format!("challenges[{i}].instructions");
        if !rendered
            && case_placeholders(&ch.instructions)
                .iter()
                .any(Result::is_ok)
        {
            r.warn(
                &path,
                format!("contains {{{{…}}}} placeholders, which are never rendered in {mode} mode (the agent sees them literally)"),
            );
        }
        if rendered {
            continue;
        }
        for file in workspace_paths(&ch.instructions) {
            if !provided.contains(file) {
                r.warn(
                    &path,
                    format!("mentions {file}, but no asset, workspace file or post-execution check provides it"),
                );
            }
        }
    }
}

/// Absolute `/workspace/...` file paths mentioned in a text.
fn workspace_paths(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("/workspace/") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| c.is_whitespace() || "`'\",;:)(".contains(c))
            .unwrap_or(tail.len());
        let candidate = tail[..end].trim_end_matches('.');
        if candidate
            .rsplit('/')
            .next()
            .is_some_and(|f| f.contains('.'))
            && !out.contains(&candidate)
        {
            out.push(candidate);
        }
        rest = &tail[end.max(1)..];
    }
    out
}

fn scorecard(r: &mut Reporter, p: &Pack) {
    let es = &p.version.evaluation_spec;
    let sc = &es.scorecard;
    if sc.judge_limits.is_some() {
        r.warn(
            &format!("{ES}.scorecard.judge_limits"),
            "judge_limits were validated but never enforced by the original platform; runs there ignored them",
        );
    }
    let has = |c: Collector| es.metrics.iter().any(|m| m.collector == c);
    for (i, d) in sc.dimensions.iter().enumerate() {
        if d.source == DimensionSource::Reliability
            && !(has(Collector::RunCompletedSuccessfully) && has(Collector::RunFailureCount))
        {
            r.warn(
                &format!("{ES}.scorecard.dimensions[{i}]"),
                "a reliability dimension needs metrics with collectors run_completed_successfully and run_failure_count; it will always be unavailable",
            );
        }
    }
    if sc.strategy == Strategy::Binary || sc.dimensions.len() < 2 {
        return;
    }
    let total: f64 = sc.dimensions.iter().map(|d| d.weight).sum();
    let non_gate: f64 = sc
        .dimensions
        .iter()
        .filter(|d| !d.gate)
        .map(|d| d.weight)
        .sum();
    if (total - 1.0).abs() > 1e-6 && (non_gate - 1.0).abs() > 1e-6 {
        r.warn(
            &format!("{ES}.scorecard.dimensions"),
            format!("dimension weights sum to {total}, not 1 (scores are divided by the sum, so only their ratios matter)"),
        );
    }
}

fn simulator(r: &mut Reporter, p: &Pack) {
    for (i, set) in p.input_sets.iter().enumerate() {
        for (j, c) in set.cases.iter().enumerate() {
            let Some(us) = &c.user_simulator else {
                continue;
            };
            for (k, ph) in us.phases.iter().enumerate() {
                if ph.actor == Actor::Human && ph.trigger == Some(Trigger::Manual) {
                    r.warn(
                        &format!("input_sets[{i}].cases[{j}].user_simulator.phases[{k}].trigger"),
                        "a manual trigger always runs: every run waits for an operator (up to timeout_ms) before stopping",
                    );
                }
            }
        }
    }
}

/// Adversarial prompts that no case or scripted turn ever sends.
fn adversarial(r: &mut Reporter, p: &Pack) {
    let Some(sec) = &p.security else {
        return;
    };
    let mut texts: Vec<String> = Vec::new();
    for c in p.input_sets.iter().flat_map(|s| s.cases.iter()) {
        texts.push(Value::Object(c.payload.clone()).to_string());
        let turns = c
            .user_simulator
            .iter()
            .flat_map(|u| u.phases.iter())
            .flat_map(|ph| ph.turns.iter());
        texts.extend(turns.map(|t| t.message.clone()));
    }
    for (i, a) in sec.adversarial_prompts.iter().enumerate() {
        let needle = a.text.trim();
        let json_needle = Value::String(needle.to_owned()).to_string();
        let json_needle = json_needle.trim_matches('"');
        let sent = !needle.is_empty()
            && texts
                .iter()
                .any(|t| t.contains(needle) || t.contains(json_needle));
        if !sent {
            r.warn(
                &format!("security.adversarial_prompts[{i}]"),
                "this prompt is never sent to the agent (no case payload or scripted turn contains it), so its refusal pattern is never checked",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::workspace_paths;

    #[test]
    fn whole_words() {
        assert!(super::mentions(
            "mix of validator-backed and behavioral.",
            "behavioral"
        ));
        assert!(!super::mentions("a costly run", "cost"));
        assert!(super::mentions("judge cost.", "cost"));
    }

    #[test]
    fn finds_workspace_files() {
        assert_eq!(
            workspace_paths(
                "The script at /workspace/deploy.sh is failing; see `/workspace/a.py`."
            ),
            vec!["/workspace/deploy.sh", "/workspace/a.py"]
        );
        assert!(workspace_paths("in /workspace/ dir").is_empty());
    }
}
