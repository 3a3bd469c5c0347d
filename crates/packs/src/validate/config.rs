//! Per-type validator `config` rules (§5.3, §12): allowed keys with their
//! JSON types, ranges and combinations.

use serde_json::Value;

use super::Reporter;
use super::expected::json_path_ok;
use super::syntax::schema_error;
use crate::diagnostics::Severity;
use crate::model::{JsonMap, ValidatorType as T};
use crate::suggest::closest;

/// JSON type expected for a config key.
#[derive(Clone, Copy)]
enum J {
    Num,
    Int,
    Bool,
    Str,
    StrList,
    Obj,
    Any,
}

/// Allowed keys per type, and whether unknown keys are errors ("strict") or
/// warnings (configs the reference parsed leniently at scoring time).
fn table(t: T) -> Option<(&'static [(&'static str, J)], bool)> {
    use J::*;
    let keys: &'static [(&'static str, J)] = match t {
        T::FuzzyMatch => &[
            ("threshold", Num),
            ("case_insensitive", Bool),
            ("normalize", Bool),
        ],
        T::NumericMatch => &[
            ("absolute_tolerance", Num),
            ("relative_tolerance", Num),
            ("extract_number", Bool),
            ("significant_digits", Int),
            ("tolerance_mode", Str),
            ("tolerance", Num),
        ],
        T::NormalizedMatch => &[("pipeline", StrList), ("normalizations", StrList)],
        T::TokenF1 => &[
            ("threshold", Num),
            ("normalize", Bool),
            ("remove_articles", Bool),
            ("remove_punctuation", Bool),
        ],
        T::MathEquivalence => &[
            ("extract_answer", Bool),
            ("answer_delimiter", Str),
            ("comparison_mode", Str),
            ("numeric_fallback", Bool),
            ("tolerance", Num),
        ],
        T::BleuScore => &[
            ("threshold", Num),
            ("max_ngram", Int),
            ("smoothing", Str),
            ("case_insensitive", Bool),
            ("normalize", Bool),
        ],
        T::RougeScore => &[
            ("threshold", Num),
            ("variant", Str),
            ("beta", Num),
            ("case_insensitive", Bool),
            ("normalize", Bool),
        ],
        T::ChrfScore => &[
            ("threshold", Num),
            ("char_order", Int),
            ("beta", Num),
            ("case_insensitive", Bool),
            ("normalize", Bool),
        ],
        T::CodeExecution => &[
            ("test_command", Str),
            ("timeout_ms", Int),
            ("scoring", Str),
            ("pass_threshold", Num),
        ],
        T::ToolCallAssertion => &[
            ("tool_name", Str),
            ("must_call", Bool),
            ("count", Int),
            ("min_count", Int),
            ("max_count", Int),
            ("arguments_contain", Obj),
            ("ordered_tools", StrList),
            ("order_mode", Str),
        ],
        T::Postcondition => &[("condition", Str), ("value", Any), ("json_path", Str)],
        T::FileExists => return Some((&[("must_exist", Bool)], false)),
        T::FileContentMatch => {
            return Some((&[("match_mode", Str), ("ignore_whitespace", Bool)], false));
        }
        T::FileJsonSchema => return Some((&[("schema", Obj)], false)),
        T::DirectoryStructure => {
            return Some((
                &[
                    ("required_files", StrList),
                    ("forbidden_files", StrList),
                    ("required_directories", StrList),
                ],
                false,
            ));
        }
        _ => return None,
    };
    Some((keys, true))
}

fn type_ok(v: &Value, j: J) -> bool {
    match j {
        J::Num => v.is_number(),
        J::Int => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        J::Bool => v.is_boolean(),
        J::Str => v.is_string(),
        J::StrList => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        J::Obj => v.is_object(),
        J::Any => true,
    }
}

fn num(c: &JsonMap, k: &str) -> Option<f64> {
    c.get(k).and_then(Value::as_f64)
}

fn text<'c>(c: &'c JsonMap, k: &str) -> Option<&'c str> {
    c.get(k).and_then(Value::as_str)
}

pub(crate) fn check(r: &mut Reporter, path: &str, t: T, config: Option<&JsonMap>, present: bool) {
    let cp = format!("{path}.config");
    let Some((keys, strict)) = table(t) else {
        if present && t != T::Invalid {
            r.warn(&cp, format!("is ignored for {t} validators"));
        }
        return;
    };
    let Some(c) = config else {
        match t {
            T::Postcondition => r.error(&cp, "is required"),
            T::ToolCallAssertion => r.error(&cp, "tool_call_assertion config is required"),
            T::CodeExecution => r.error(&format!("{cp}.test_command"), "is required"),
            T::FileJsonSchema => r.error(&format!("{cp}.schema"), "is required"),
            T::DirectoryStructure => r.error(&cp, "is required"),
            _ => {}
        }
        return;
    };
    let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    for (k, v) in c {
        let kp = format!("{cp}.{k}");
        match keys.iter().find(|(name, _)| name == k) {
            None => {
                let (sev, msg) = if strict {
                    (
                        Severity::Error,
                        format!("invalid JSON: unknown field \"{k}\""),
                    )
                } else {
                    (
                        Severity::Warning,
                        format!("unknown field \"{k}\" (ignored by the scorer)"),
                    )
                };
                r.push(sev, &kp, msg, closest(k, &names).map(str::to_owned));
            }
            Some((_, j)) if !type_ok(v, *j) => {
                let want = match j {
                    J::Num => "a number",
                    J::Int => "an integer",
                    J::Bool => "a boolean",
                    J::Str => "a string",
                    J::StrList => "a list of strings",
                    J::Obj => "a mapping",
                    J::Any => "any value",
                };
                r.error(&kp, format!("must be {want}"));
            }
            Some(_) => {}
        }
    }
    ranges(r, &cp, t, c);
}

fn in_unit(r: &mut Reporter, cp: &str, c: &JsonMap, k: &str) {
    if let Some(v) = num(c, k)
        && !(0.0..=1.0).contains(&v)
    {
        r.error(&format!("{cp}.{k}"), "must be between 0 and 1");
    }
}

fn positive(r: &mut Reporter, cp: &str, c: &JsonMap, k: &str) {
    if num(c, k).is_some_and(|v| v <= 0.0) {
        r.error(&format!("{cp}.{k}"), "must be greater than 0");
    }
}

fn non_negative(r: &mut Reporter, cp: &str, c: &JsonMap, k: &str) {
    if num(c, k).is_some_and(|v| v < 0.0) {
        r.error(&format!("{cp}.{k}"), "must be greater than or equal to 0");
    }
}

fn one_of(r: &mut Reporter, cp: &str, c: &JsonMap, k: &str, allowed: &[&str], msg: &str) {
    if let Some(v) = text(c, k)
        && !allowed.contains(&v)
    {
        let hint = closest(v, allowed).map(str::to_owned);
        r.push(Severity::Error, &format!("{cp}.{k}"), msg, hint);
    }
}

const STEPS: &[&str] = &[
    "trim",
    "lowercase",
    "collapse_whitespace",
    "strip_punctuation",
    "strip_currency",
    "strip_formatting",
    "normalize_unicode",
    "remove_articles",
    "sort_words",
    "sort_lines",
];

fn ranges(r: &mut Reporter, cp: &str, t: T, c: &JsonMap) {
    match t {
        T::FuzzyMatch | T::TokenF1 => in_unit(r, cp, c, "threshold"),
        T::BleuScore => {
            in_unit(r, cp, c, "threshold");
            positive(r, cp, c, "max_ngram");
            one_of(
                r,
                cp,
                c,
                "smoothing",
                &["none", "method1"],
                "must be \"none\" or \"method1\"",
            );
        }
        T::RougeScore => {
            in_unit(r, cp, c, "threshold");
            positive(r, cp, c, "beta");
            let v = &["rouge-1", "rouge-2", "rouge-l"];
            one_of(
                r,
                cp,
                c,
                "variant",
                v,
                "must be \"rouge-1\", \"rouge-2\", or \"rouge-l\"",
            );
        }
        T::ChrfScore => {
            in_unit(r, cp, c, "threshold");
            positive(r, cp, c, "char_order");
            positive(r, cp, c, "beta");
        }
        T::NumericMatch => {
            non_negative(r, cp, c, "absolute_tolerance");
            non_negative(r, cp, c, "relative_tolerance");
            positive(r, cp, c, "significant_digits");
            let legacy = c.contains_key("tolerance_mode") || c.contains_key("tolerance");
            if legacy
                && (c.contains_key("absolute_tolerance") || c.contains_key("relative_tolerance"))
            {
                r.error(cp, "cannot mix tolerance_mode/tolerance with absolute_tolerance/relative_tolerance");
            }
            one_of(
                r,
                cp,
                c,
                "tolerance_mode",
                &["absolute", "relative"],
                "tolerance_mode must be either \"absolute\" or \"relative\"",
            );
        }
        T::NormalizedMatch => {
            if c.contains_key("pipeline") && c.contains_key("normalizations") {
                r.error(cp, "cannot mix pipeline with normalizations");
            }
            for key in ["pipeline", "normalizations"] {
                let steps = c.get(key).and_then(Value::as_array).into_iter().flatten();
                for (j, s) in steps.enumerate() {
                    if let Some(s) = s.as_str().filter(|s| !STEPS.contains(s)) {
                        r.push(
                            Severity::Error,
                            &format!("{cp}.{key}[{j}]"),
                            format!("\"{s}\" is not a supported normalization step"),
                            closest(s, STEPS).map(str::to_owned),
                        );
                    }
                }
            }
        }
        T::MathEquivalence => {
            let modes = &["symbolic", "numeric"];
            one_of(
                r,
                cp,
                c,
                "comparison_mode",
                modes,
                "must be \"symbolic\" or \"numeric\"",
            );
            non_negative(r, cp, c, "tolerance");
        }
        T::CodeExecution => code_execution(r, cp, c),
        T::ToolCallAssertion => tool_call_assertion(r, cp, c),
        T::Postcondition => postcondition(r, cp, c),
        T::FileContentMatch => {
            let modes = &["contains", "exact", "regex", "not_contains", "json_equal"];
            one_of(
                r,
                cp,
                c,
                "match_mode",
                modes,
                "must be one of contains, exact, regex, not_contains, json_equal",
            );
        }
        T::FileJsonSchema => match c.get("schema") {
            None => r.error(&format!("{cp}.schema"), "is required"),
            Some(s) => {
                if let Some(e) = schema_error(s) {
                    r.error(
                        &format!("{cp}.schema"),
                        format!("must be a valid JSON Schema: {e}"),
                    );
                }
            }
        },
        _ => {}
    }
}

fn code_execution(r: &mut Reporter, cp: &str, c: &JsonMap) {
    if text(c, "test_command").is_none_or(|s| s.trim().is_empty()) {
        r.error(&format!("{cp}.test_command"), "is required");
    }
    positive(r, cp, c, "timeout_ms");
    in_unit(r, cp, c, "pass_threshold");
    match text(c, "scoring") {
        Some("pass_at_k") => r.error(
            &format!("{cp}.scoring"),
            "pass_at_k requires multi-sample execution and is not supported yet",
        ),
        _ => {
            let modes = &["fraction_passed", "all_or_nothing", "pass_at_k"];
            one_of(
                r,
                cp,
                c,
                "scoring",
                modes,
                "must be one of fraction_passed, all_or_nothing, pass_at_k",
            );
        }
    }
}

fn tool_call_assertion(r: &mut Reporter, cp: &str, c: &JsonMap) {
    for k in ["count", "min_count", "max_count"] {
        non_negative(r, cp, c, k);
    }
    let count = num(c, "count");
    let (min, max) = (num(c, "min_count"), num(c, "max_count"));
    if count.is_some() && (min.is_some() || max.is_some()) {
        r.error(
            &format!("{cp}.count"),
            "cannot be combined with min_count or max_count",
        );
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        r.error(
            &format!("{cp}.min_count"),
            "must be less than or equal to max_count",
        );
    }
    let mp = format!("{cp}.must_call");
    match c.get("must_call").and_then(Value::as_bool) {
        Some(true) if count == Some(0.0) => r.error(&mp, "cannot be true when count is 0"),
        Some(true) if max == Some(0.0) => r.error(&mp, "cannot be true when max_count is 0"),
        Some(false) if count.is_some_and(|n| n > 0.0) => {
            r.error(&mp, "cannot be false when count is greater than 0");
        }
        Some(false) if min.is_some_and(|n| n > 0.0) => {
            r.error(&mp, "cannot be false when min_count is greater than 0");
        }
        _ => {}
    }
    let ordered = c.get("ordered_tools").and_then(Value::as_array);
    for (j, t) in ordered.into_iter().flatten().enumerate() {
        if t.as_str().is_some_and(|s| s.trim().is_empty()) {
            r.error(&format!("{cp}.ordered_tools[{j}]"), "must not be empty");
        }
    }
    one_of(
        r,
        cp,
        c,
        "order_mode",
        &["subsequence", "exact"],
        "must be \"subsequence\" or \"exact\"",
    );
    if c.contains_key("order_mode") && ordered.is_none() {
        r.error(
            &format!("{cp}.ordered_tools"),
            "is required when order_mode is set",
        );
    }
    let any = [
        "tool_name",
        "must_call",
        "count",
        "min_count",
        "max_count",
        "arguments_contain",
        "ordered_tools",
    ]
    .iter()
    .any(|k| c.contains_key(*k));
    if !any {
        r.error(cp, "must declare at least one tool call assertion");
    }
}

const CONDITIONS: &[&str] = &[
    "exists",
    "not_exists",
    "contains",
    "not_contains",
    "regex_match",
    "json_path_match",
    "equals",
];

fn postcondition(r: &mut Reporter, cp: &str, c: &JsonMap) {
    let Some(cond) = text(c, "condition") else {
        r.error(&format!("{cp}.condition"), "is required");
        return;
    };
    if !CONDITIONS.contains(&cond) {
        r.push(
            Severity::Error,
            &format!("{cp}.condition"),
            format!("must be one of {}", CONDITIONS.join(", ")),
            closest(cond, CONDITIONS).map(str::to_owned),
        );
        return;
    }
    let vp = format!("{cp}.value");
    let value = c.get("value").filter(|v| !v.is_null());
    match (cond, value) {
        ("exists" | "not_exists", Some(_)) => r.error(&vp, format!("must be omitted for {cond}")),
        ("contains" | "not_contains", Some(v)) if !v.is_string() => {
            r.error(&vp, "must be a string")
        }
        ("regex_match", Some(Value::String(p))) => {
            if let Some(e) = r.regex_error(p) {
                r.error(&vp, format!("must be a valid regex: {e}"));
            }
        }
        ("regex_match", _) => r.error(&vp, "must be a string regex pattern"),
        ("equals" | "json_path_match", None) => r.error(&vp, "is required"),
        _ => {}
    }
    let jp = format!("{cp}.json_path");
    match (cond, c.contains_key("json_path")) {
        ("json_path_match", false) => r.error(&jp, "is required"),
        ("json_path_match", true) => {
            if text(c, "json_path").is_some_and(|p| !json_path_ok(p)) {
                r.error(
                    &jp,
                    "must be a JSON path in the supported subset ($, .name, [N], [\"name\"])",
                );
            }
        }
        (_, false) => {}
        (_, true) => r.error(&jp, format!("must be omitted for {cond}")),
    }
}
