//! What a validator type can do with its expected value (§5.3): a regex
//! must compile as RE2, a schema must be a usable JSON Schema, a JSON-path
//! expectation must use the supported path subset, and so on. Used for
//! `literal:` values and for the case values an `expected_from` reads, so a
//! broken expectation is reported where it is written instead of turning
//! every run's verdict into an error.

use serde_json::Value;

use super::Reporter;
use super::syntax::schema_error;
use crate::model::{JsonMap, ValidatorType as T};

const COMPARATORS: &[&str] = &["exists", "equals", "contains", "greater_than", "less_than"];

/// The problem with `text` as the expected value of a validator of type `t`
/// (with its `config`), phrased to follow a subject ("literal …").
pub(crate) fn problem(
    r: &mut Reporter,
    t: T,
    config: Option<&JsonMap>,
    text: &str,
) -> Option<String> {
    let mode = config
        .and_then(|c| c.get("match_mode"))
        .and_then(Value::as_str);
    match t {
        T::RegexMatch => regex(r, text),
        T::FileContentMatch if mode == Some("regex") => regex(r, text),
        T::FileContentMatch if mode == Some("json_equal") => json(text).err(),
        T::JsonSchema => match json(text) {
            Err(e) => Some(e),
            Ok(schema) => schema_error(&schema).map(|e| format!("is not a valid JSON Schema: {e}")),
        },
        T::JsonPathMatch => json_path_expectation(text),
        T::BooleanAssert => {
            let v = text.trim().to_lowercase();
            (!["true", "1", "yes", "false", "0", "no"].contains(&v.as_str()))
                .then(|| "is not a boolean (true/false/1/0/yes/no)".to_owned())
        }
        T::NumericMatch => {
            let extract = config
                .and_then(|c| c.get("extract_number"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let ok = if extract {
                text.chars().any(|c| c.is_ascii_digit())
            } else {
                text.trim().parse::<f64>().is_ok_and(f64::is_finite)
            };
            (!ok).then(|| {
                if extract {
                    "contains no number".to_owned()
                } else {
                    "is not a number (set config.extract_number to pull one out of text)".to_owned()
                }
            })
        }
        T::MathEquivalence => text
            .trim()
            .is_empty()
            .then(|| "is empty; math_equivalence needs an expression".to_owned()),
        T::BleuScore | T::RougeScore | T::ChrfScore => references(text),
        _ => None,
    }
}

fn regex(r: &mut Reporter, text: &str) -> Option<String> {
    r.regex_error(text)
        .map(|e| format!("is not a valid regular expression (RE2 syntax): {e}"))
}

fn json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text.trim()).map_err(|e| format!("is not valid JSON: {e}"))
}

/// A trimmed `[`-prefixed expected value that parses as a JSON list is a
/// list of references, which must all be strings.
fn references(text: &str) -> Option<String> {
    let t = text.trim();
    if !t.starts_with('[') {
        return None;
    }
    match serde_json::from_str::<Value>(t) {
        Ok(Value::Array(items)) if !items.iter().all(Value::is_string) => {
            Some("is a JSON list of references with non-string items".to_owned())
        }
        _ => None,
    }
}

/// `$…` (existence) or `{"path", "comparator", "value"}` (§5.3.3).
fn json_path_expectation(text: &str) -> Option<String> {
    if text.starts_with('$') {
        return (!json_path_ok(text)).then(|| format!("has an invalid JSON path \"{text}\""));
    }
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return Some(
            "must be a JSON path starting with $ or a JSON object {\"path\", \"comparator\", \"value\"}"
                .to_owned(),
        );
    };
    match m.get("path").and_then(Value::as_str) {
        Some(p) if json_path_ok(p) => {}
        _ => return Some("needs a \"path\" string that is a valid JSON path".to_owned()),
    }
    match m.get("comparator") {
        Some(c) if !c.as_str().is_some_and(|c| COMPARATORS.contains(&c)) => Some(format!(
            "has a comparator that is not one of {}",
            COMPARATORS.join(", ")
        )),
        _ => None,
    }
}

/// The JSON-path subset of §5.3.3: `$`, `.name`, `[N]`, `["name"]`.
pub(crate) fn json_path_ok(p: &str) -> bool {
    let Some(mut rest) = p.strip_prefix('$') else {
        return false;
    };
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(after.len());
            if end == 0 {
                return false;
            }
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let Some(end) = after.find(']') else {
                return false;
            };
            if after[..end].is_empty() {
                return false;
            }
            rest = &after[end + 1..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths() {
        assert!(json_path_ok("$"));
        assert!(json_path_ok("$.a[0][\"b c\"].d-e"));
        assert!(!json_path_ok("a.b"));
        assert!(!json_path_ok("$..a"));
        assert!(!json_path_ok("$[]"));
        assert_eq!(json_path_expectation("$.priority"), None);
        assert_eq!(
            json_path_expectation(r#"{"path": "$.p", "comparator": "equals", "value": 1}"#),
            None
        );
        assert!(json_path_expectation("urgent").is_some());
        assert!(json_path_expectation(r#"{"path": "$.p", "comparator": "like"}"#).is_some());
    }

    #[test]
    fn reference_lists() {
        assert_eq!(references(r#"["a", "b"]"#), None);
        assert!(references("[1, 2]").is_some());
        assert_eq!(references("[not json"), None);
    }
}
