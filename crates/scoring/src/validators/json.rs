//! `json_schema` and `json_path_match` (§5.3.3).

use serde_json::Value;

use super::jsonpath;
use crate::cache;
use crate::text::canonical_json;
use crate::verdict::Check;

/// Most schema errors listed in a reason.
const MAX_LISTED_ERRORS: usize = 3;

/// Parses the agent's output as exactly one JSON value.
pub(crate) fn parse_actual(actual: &str) -> Result<Value, Check> {
    serde_json::from_str(actual.trim())
        .map_err(|e| Check::malformed(format!("output is not a single JSON value: {e}")))
}

/// Validates `instance` against a schema value.
pub(crate) fn validate_schema(schema: &Value, instance: &Value) -> Check {
    let key = canonical_json(schema);
    let compiled = cache::schema(&key, schema);
    let validator = match compiled.as_ref() {
        Ok(v) => v,
        Err(e) => return Check::pack(e.clone()),
    };
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(MAX_LISTED_ERRORS)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Check::Binary(true, "output matches the JSON Schema".into())
    } else {
        Check::Binary(false, format!("schema violations: {}", errors.join("; ")))
    }
}

/// 1 iff the output (JSON) validates against the expected schema.
pub(super) fn schema(actual: &str, expected: &str) -> Check {
    let schema: Value = match serde_json::from_str(expected.trim()) {
        Ok(v) => v,
        Err(e) => return Check::pack(format!("expected schema is not JSON: {e}")),
    };
    match parse_actual(actual) {
        Ok(instance) => validate_schema(&schema, &instance),
        Err(c) => c,
    }
}

/// Numbers compare numerically (at any depth), everything else structurally.
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| deep_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        _ => a == b,
    }
}

/// A parsed `json_path_match` expectation.
struct Expectation {
    path: String,
    comparator: String,
    value: Option<Value>,
}

fn parse_expectation(expected: &str) -> Result<Expectation, Check> {
    let trimmed = expected.trim();
    if trimmed.starts_with('$') {
        return Ok(Expectation {
            path: trimmed.to_string(),
            comparator: "exists".into(),
            value: None,
        });
    }
    let obj = match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Object(m)) => m,
        _ => {
            return Err(Check::pack(
                "expected value must be a JSON path or a {path, comparator, value} object",
            ));
        }
    };
    let Some(path) = obj.get("path").and_then(Value::as_str) else {
        return Err(Check::pack("expectation has no string \"path\""));
    };
    let value = obj.get("value").filter(|v| !v.is_null()).cloned();
    let comparator = match obj.get("comparator") {
        Some(Value::String(c)) => c.clone(),
        None | Some(Value::Null) => if value.is_some() { "equals" } else { "exists" }.to_string(),
        Some(_) => return Err(Check::pack("\"comparator\" must be a string")),
    };
    Ok(Expectation {
        path: path.to_string(),
        comparator,
        value,
    })
}

/// Applies a comparator to the selected value (`None` = path unresolved).
pub(crate) fn compare(
    selected: Option<&Value>,
    comparator: &str,
    expected: Option<&Value>,
    path: &str,
) -> Check {
    let known = ["exists", "equals", "contains", "greater_than", "less_than"];
    if !known.contains(&comparator) {
        return Check::pack(format!("unknown comparator {comparator:?}"));
    }
    let Some(actual) = selected else {
        return Check::Binary(false, format!("{path} does not resolve in the output"));
    };
    let shown = canonical_json(actual);
    let need = |what: &str| Check::pack(format!("comparator {comparator:?} needs a {what}"));
    match comparator {
        "exists" => Check::Binary(true, format!("{path} exists")),
        "equals" => {
            let Some(e) = expected else {
                return need("value");
            };
            let ok = deep_equal(actual, e);
            Check::Binary(
                ok,
                format!("{path} is {shown}, expected {}", canonical_json(e)),
            )
        }
        "contains" => {
            let Some(e) = expected else {
                return need("value");
            };
            let ok = match actual {
                Value::String(s) => match e {
                    Value::String(needle) => s.contains(needle.as_str()),
                    _ => return need("string value for a string"),
                },
                Value::Array(items) => items.iter().any(|i| deep_equal(i, e)),
                other => {
                    let needle = e
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| canonical_json(e));
                    canonical_json(other).contains(&needle)
                }
            };
            Check::Binary(
                ok,
                format!("{path} is {shown}; contains {}: {ok}", canonical_json(e)),
            )
        }
        _ => {
            let (Some(a), Some(e)) = (actual.as_f64(), expected.and_then(Value::as_f64)) else {
                return Check::malformed(format!(
                    "{comparator} needs numbers on both sides ({path} is {shown})"
                ));
            };
            let ok = if comparator == "greater_than" {
                a > e
            } else {
                a < e
            };
            Check::Binary(ok, format!("{path} is {a}; {comparator} {e}: {ok}"))
        }
    }
}

/// `json_path_match`: selects a value from the output and compares it.
pub(super) fn path_match(actual: &str, expected: &str) -> Check {
    let exp = match parse_expectation(expected) {
        Ok(e) => e,
        Err(c) => return c,
    };
    let steps = match jsonpath::parse(&exp.path) {
        Ok(s) => s,
        Err(e) => return Check::pack(e),
    };
    let doc = match parse_actual(actual) {
        Ok(d) => d,
        Err(c) => return c,
    };
    compare(
        jsonpath::select(&doc, &steps),
        &exp.comparator,
        exp.value.as_ref(),
        &exp.path,
    )
}
