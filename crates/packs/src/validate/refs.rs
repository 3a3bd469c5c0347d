//! Evidence references checked against what will resolve them (§4.5, §5.2):
//! the cases (keys, payload paths, artifacts, the expected values a
//! validator reads) and the execution mode (case scope, sandbox captures,
//! transcripts). A reference that can never resolve is a warning (the
//! reference platform accepted it and reported `unavailable` at run time);
//! an expected value the validator cannot use (a regex that does not
//! compile, a schema that is not one) is an error at the value itself.

use std::collections::HashSet;

use serde_json::Value;

use super::Reporter;
use super::evidence::{Evidence, collapsing_member, parse, stringify, walk};
use super::expected;
use super::syntax::schema_error;
use crate::model::{Case, ExecutionMode, JsonMap, Pack};

const ES: &str = "version.evaluation_spec";

/// One evidence reference of the spec; `validator` is set for the
/// `expected_from` of a validator (its index).
struct Ref<'p> {
    path: String,
    text: &'p str,
    validator: Option<usize>,
}

/// A case with the YAML path it was written at.
struct CaseAt<'p> {
    path: String,
    case: &'p Case,
}

/// What a reference resolves to in one case, as far as the pack tells.
enum Found<'c> {
    /// An inline value, with its YAML path.
    Value(&'c Value, String),
    /// Available, but its content is not in the pack (an asset, a path).
    Opaque,
    /// Unavailable in this case.
    Missing,
}

pub(crate) fn check(r: &mut Reporter, p: &Pack) {
    let refs = collect(p);
    let cases = cases(r, p);
    let version_assets: HashSet<&str> = p.version.assets.iter().map(|a| a.key.as_str()).collect();
    let mut checked = HashSet::new();
    for rf in &refs {
        let Some(e) = parse(rf.text) else {
            continue;
        };
        mode_scope(r, p, rf, e);
        if !cases.is_empty() {
            always_unavailable(r, rf, e, &cases, &version_assets);
        }
        if let Some(v) = rf.validator {
            expected_values(r, p, v, e, &cases, &mut checked);
        }
    }
    multi_case_sets(r, p, &refs);
    unused_expectations(r, &refs, &cases);
    expectation_kinds(r, &cases, &checked);
}

fn collect(p: &Pack) -> Vec<Ref<'_>> {
    let es = &p.version.evaluation_spec;
    let mut refs = Vec::new();
    for (v, val) in es.validators.iter().enumerate() {
        refs.push(Ref {
            path: format!("{ES}.validators[{v}].target"),
            text: &val.target,
            validator: None,
        });
        if let Some(e) = &val.expected_from {
            refs.push(Ref {
                path: format!("{ES}.validators[{v}].expected_from"),
                text: e,
                validator: Some(v),
            });
        }
    }
    for (j, judge) in es.llm_judges.iter().enumerate() {
        for (k, c) in judge.context_from.iter().enumerate() {
            refs.push(Ref {
                path: format!("{ES}.llm_judges[{j}].context_from[{k}]"),
                text: c,
                validator: None,
            });
        }
        if let Some(rf) = &judge.reference_from {
            refs.push(Ref {
                path: format!("{ES}.llm_judges[{j}].reference_from"),
                text: rf,
                validator: None,
            });
        }
    }
    refs
}

fn cases<'p>(r: &Reporter, p: &'p Pack) -> Vec<CaseAt<'p>> {
    let mut out = Vec::new();
    for (i, set) in p.input_sets.iter().enumerate() {
        let list = if r.notes.legacy_item_sets.contains(&i) {
            "items"
        } else {
            "cases"
        };
        for (j, case) in set.cases.iter().enumerate() {
            out.push(CaseAt {
                path: format!("input_sets[{i}].{list}[{j}]"),
                case,
            });
        }
    }
    out
}

/// Evidence that the execution mode never produces.
fn mode_scope(r: &mut Reporter, p: &Pack, rf: &Ref, e: Evidence) {
    let mode = p.version.effective_mode();
    let sandboxless = matches!(mode, ExecutionMode::PromptEval | ExecutionMode::Responses);
    match e {
        Evidence::File(_) if sandboxless => r.warn(
            &rf.path,
            format!("post-execution captures run only in native and multi_turn runs, so in {mode} mode this evidence is never available"),
        ),
        Evidence::Transcript | Evidence::TranscriptFromMismatch | Evidence::TurnExpectations
            if mode != ExecutionMode::MultiTurn =>
        {
            r.warn(
                &rf.path,
                format!("transcripts and turn expectations exist only in multi_turn runs, so in {mode} mode this evidence is never available"),
            );
        }
        Evidence::TranscriptFromMismatch => r.warn(
            &rf.path,
            "transcript.from_mismatch is unavailable when no turn mismatches, which makes this judge (and its dimension) unavailable on good runs",
        ),
        _ => {}
    }
}

/// Resolves a case-scoped reference in one case.
fn resolve<'c>(c: &CaseAt<'c>, e: Evidence, version_assets: &HashSet<&str>) -> Found<'c> {
    let case = c.case;
    match e {
        Evidence::CasePayload("") => Found::Opaque,
        Evidence::CasePayload(path) => match walk_map(&case.payload, path) {
            Some((v, suffix)) => Found::Value(v, format!("{}.payload{suffix}", c.path)),
            None => Found::Missing,
        },
        Evidence::CaseInput(key, path) => input(c, key, path),
        Evidence::CaseExpectation(key, path) => {
            let Some((k, exp)) = case
                .expectations
                .iter()
                .enumerate()
                .find(|(_, x)| x.key == key)
            else {
                return Found::Missing;
            };
            if let Some(v) = exp.value.as_ref().filter(|v| !v.is_null()) {
                return at(v, path, format!("{}.expectations[{k}].value", c.path));
            }
            match exp.source.as_deref() {
                Some(s) if s.starts_with("input:") => input(c, s["input:".len()..].trim(), path),
                Some(_) => Found::Opaque,
                None if exp.artifact_key.is_some() => Found::Opaque,
                None => Found::Missing,
            }
        }
        Evidence::Artifact(key, field) => {
            if !visible_assets(case, version_assets).contains(key) {
                Found::Missing
            } else if field.is_empty() || ["key", "kind", "path", "media_type"].contains(&field) {
                Found::Opaque
            } else {
                Found::Missing
            }
        }
        _ => Found::Opaque,
    }
}

fn input<'c>(c: &CaseAt<'c>, key: &str, path: &str) -> Found<'c> {
    let Some((k, inp)) = c.case.inputs.iter().enumerate().find(|(_, i)| i.key == key) else {
        return Found::Missing;
    };
    match &inp.value {
        Some(v) if !v.is_null() => at(v, path, format!("{}.inputs[{k}].value", c.path)),
        _ if inp.artifact_key.is_some() || inp.path.is_some() => Found::Opaque,
        _ => Found::Missing,
    }
}

fn at<'v>(v: &'v Value, path: &str, base: String) -> Found<'v> {
    match walk(v, path) {
        Some((x, suffix)) => Found::Value(x, format!("{base}{suffix}")),
        None => Found::Missing,
    }
}

fn walk_map<'v>(m: &'v JsonMap, path: &str) -> Option<(&'v Value, String)> {
    let (first, rest) = path.split_once('.').unwrap_or((path, ""));
    let (v, suffix) = walk(m.get(first)?, rest)?;
    Some((v, format!(".{first}{suffix}")))
}

/// Asset keys a case can read as `artifact.<key>` (§5.2): its own assets
/// and the version assets it names.
fn visible_assets<'c>(case: &'c Case, version_assets: &HashSet<&str>) -> HashSet<&'c str> {
    let named = case
        .artifacts
        .iter()
        .map(|a| a.key.as_str())
        .chain(case.inputs.iter().filter_map(|i| i.artifact_key.as_deref()))
        .chain(
            case.expectations
                .iter()
                .filter_map(|x| x.artifact_key.as_deref()),
        )
        .chain(case.expectations.iter().filter_map(|x| {
            x.source
                .as_deref()
                .and_then(|s| s.strip_prefix("artifact:"))
                .map(str::trim)
        }))
        .filter(|k| version_assets.contains(k));
    case.assets
        .iter()
        .map(|a| a.key.as_str())
        .chain(named)
        .collect()
}

/// A reference that resolves in no case at all.
fn always_unavailable(
    r: &mut Reporter,
    rf: &Ref,
    e: Evidence,
    cases: &[CaseAt],
    version_assets: &HashSet<&str>,
) {
    if !e.case_scoped() || matches!(e, Evidence::ChallengeInput | Evidence::CasePayload("")) {
        return;
    }
    let resolves = cases
        .iter()
        .any(|c| !matches!(resolve(c, e, version_assets), Found::Missing));
    if resolves {
        return;
    }
    let declares = |f: &dyn Fn(&Case) -> bool| cases.iter().any(|c| f(c.case));
    let why = match e {
        Evidence::CaseExpectation(k, _)
            if !declares(&|c| c.expectations.iter().any(|x| x.key == k)) =>
        {
            format!("no case declares an expectation \"{k}\"")
        }
        Evidence::CaseInput(k, _) if !declares(&|c| c.inputs.iter().any(|x| x.key == k)) => {
            format!("no case declares an input \"{k}\"")
        }
        Evidence::CaseExpectation(k, p) | Evidence::CaseInput(k, p) => {
            format!("no case gives \"{k}\" a value with the path \"{p}\"")
        }
        Evidence::CasePayload(p) => format!("no case payload has the path \"{p}\""),
        Evidence::Artifact(k, _)
            if !cases
                .iter()
                .any(|c| visible_assets(c.case, version_assets).contains(k)) =>
        {
            format!(
                "no case makes an artifact \"{k}\" visible (its own assets, or a version asset named by its artifacts, an input's or expectation's artifact_key, or an artifact: source)"
            )
        }
        Evidence::Artifact(_, f) => {
            format!("artifact field \"{f}\" is not one of key, kind, path, media_type")
        }
        _ => return,
    };
    r.warn(
        &rf.path,
        format!("{why}, so this evidence is always unavailable"),
    );
}

/// Case values read as a validator's expected value must suit its type.
fn expected_values(
    r: &mut Reporter,
    p: &Pack,
    v: usize,
    e: Evidence,
    cases: &[CaseAt],
    checked: &mut HashSet<String>,
) {
    let Some(val) = p.version.evaluation_spec.validators.get(v) else {
        return;
    };
    for c in cases {
        let Found::Value(x, path) = resolve(c, e, &HashSet::new()) else {
            continue;
        };
        let text = stringify(x);
        if let Some(msg) = expected::problem(r, val.kind, val.config.as_ref(), &text) {
            let hint = match collapsing_member(x) {
                Some(m) if x.is_object() => format!(
                    "; a mapping with a \"{m}\" member collapses to that member, so write the object as a JSON string"
                ),
                _ => String::new(),
            };
            r.error(
                &path,
                format!("{msg} (expected value of validator \"{}\"{hint})", val.key),
            );
        }
        checked.insert(path);
    }
}

/// §4.5, for the original platform only (it did not fan out per case):
/// case-scoped evidence is unavailable when an input set holds several
/// cases, and prompt-style and multi-turn runs use only the first case.
/// This platform runs every case on its own, so the check is off by default.
fn multi_case_sets(r: &mut Reporter, p: &Pack, refs: &[Ref]) {
    if !r.reference {
        return;
    }
    let Some(scoped) = refs
        .iter()
        .find(|rf| parse(rf.text).is_some_and(Evidence::case_scoped))
    else {
        return;
    };
    for (i, set) in p.input_sets.iter().enumerate() {
        if set.cases.len() > 1 {
            r.warn(
                &format!("input_sets[{i}].cases"),
                format!(
                    "has {} cases: without per-case fan-out (the original platform) case-scoped evidence ({} at {}) is unavailable with more than one case in scope, and prompt_eval, responses and multi_turn runs use only the first case; give each case its own input set",
                    set.cases.len(),
                    scoped.text,
                    scoped.path
                ),
            );
        }
    }
}

/// Expectations that no validator or judge reads.
fn unused_expectations(r: &mut Reporter, refs: &[Ref], cases: &[CaseAt]) {
    let read: HashSet<&str> = refs
        .iter()
        .filter_map(|rf| match parse(rf.text) {
            Some(Evidence::CaseExpectation(k, _)) => Some(k),
            _ => None,
        })
        .collect();
    for c in cases {
        for (k, x) in c.case.expectations.iter().enumerate() {
            if !x.key.is_empty() && !read.contains(x.key.as_str()) {
                r.warn(
                    &format!("{}.expectations[{k}].key", c.path),
                    format!(
                        "expectation \"{}\" is not used by any validator or judge",
                        x.key
                    ),
                );
            }
        }
    }
}

/// An expectation whose `kind` says it is a schema or a regex must be one,
/// even when no validator reads it (yet).
fn expectation_kinds(r: &mut Reporter, cases: &[CaseAt], checked: &HashSet<String>) {
    for c in cases {
        for (k, x) in c.case.expectations.iter().enumerate() {
            let path = format!("{}.expectations[{k}].value", c.path);
            let Some(v) = x.value.as_ref().filter(|_| !checked.contains(&path)) else {
                continue;
            };
            let problem = match x.kind.as_str() {
                "json_schema" => match v {
                    Value::String(s) => match serde_json::from_str::<Value>(s) {
                        Ok(schema) => schema_error(&schema),
                        Err(e) => Some(format!("not valid JSON: {e}")),
                    },
                    other => schema_error(other),
                }
                .map(|e| format!("is not a valid JSON Schema (kind json_schema): {e}")),
                "regex" => v.as_str().and_then(|s| r.regex_error(s)).map(|e| {
                    format!("is not a valid regular expression (kind regex, RE2 syntax): {e}")
                }),
                _ => None,
            };
            if let Some(msg) = problem {
                r.error(&path, msg);
            }
        }
    }
}
