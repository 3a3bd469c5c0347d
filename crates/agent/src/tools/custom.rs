//! Pack-defined tools: composed tools (`${…}` argument templates that
//! delegate to a primitive or another custom tool) and mock tools.

use super::{MAX_DELEGATION_DEPTH, ToolOutcome};
use agentclash_packs::model::{
    ComposedTool, CustomTool, MockStrategy, MockTool, ToolImplementation,
};
#[cfg(test)]
use serde_json::json;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Whether a custom tool can run under the current policy: its delegation
/// chain ends at a registered primitive or a mock within the depth limit,
/// without a cycle, and every secret it names exists and is only sent by
/// `http_request` (never written to a file). Tools that cannot are dropped
/// from the catalogue (format spec §3.5.2, §3.8).
pub fn resolvable(
    tool: &CustomTool,
    all: &BTreeMap<String, CustomTool>,
    registered: &BTreeSet<&'static str>,
    secrets: &BTreeMap<String, String>,
) -> bool {
    let mut current = tool;
    let mut seen: Vec<&str> = Vec::new();
    loop {
        let composed = match &current.implementation {
            ToolImplementation::Mock(_) => return true,
            ToolImplementation::Composed(c) => c,
        };
        if seen.contains(&current.name.as_str()) || seen.len() >= MAX_DELEGATION_DEPTH {
            return false;
        }
        let names = secret_names(&Value::Object(composed.args.clone()));
        if !names.is_empty() && !may_use_secrets(composed) {
            tracing::warn!(tool = %current.name, "secrets are only allowed for http_request without output_path; tool disabled");
            return false;
        }
        if !names.iter().all(|name| secrets.contains_key(name)) {
            return false;
        }
        seen.push(&current.name);
        match all.get(&composed.primitive) {
            Some(next) => current = next,
            None => return registered.contains(composed.primitive.as_str()),
        }
    }
}

/// Secrets may only travel in an HTTP request whose answer is not saved to
/// the workspace (format spec §3.8).
fn may_use_secrets(composed: &ComposedTool) -> bool {
    let writes_file = composed
        .args
        .get("output_path")
        .is_some_and(|p| !p.is_null() && p.as_str() != Some(""));
    composed.primitive == "http_request" && !writes_file
}

/// Replaces every value of a secret that `composed` sends by `[redacted]`
/// in the strings of `content`.
pub fn redact_secrets(
    content: &mut Value,
    composed: &ComposedTool,
    secrets: &BTreeMap<String, String>,
) {
    let values: Vec<&str> = secret_names(&Value::Object(composed.args.clone()))
        .iter()
        .filter_map(|name| secrets.get(name))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .collect();
    if !values.is_empty() {
        redact_strings(content, &values);
    }
}

fn redact_strings(value: &mut Value, secrets: &[&str]) {
    match value {
        Value::String(s) => {
            for secret in secrets {
                if s.contains(secret) {
                    *s = s.replace(secret, "[redacted]");
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_strings(v, secrets)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_strings(v, secrets)),
        _ => {}
    }
}

fn secret_names(value: &Value) -> Vec<String> {
    let mut names = Vec::new();
    walk_strings(value, &mut |s| {
        for expr in placeholders(s) {
            if let Some(name) = expr.strip_prefix("secrets.") {
                names.push(name.to_owned());
            }
        }
    });
    names
}

fn walk_strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| walk_strings(v, f)),
        Value::Object(map) => map.values().for_each(|v| walk_strings(v, f)),
        _ => {}
    }
}

/// The expressions inside `${…}` of a string.
fn placeholders(s: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        found.push(&after[..end]);
        rest = &after[end + 1..];
    }
    found
}

/// How a placeholder's value is encoded into the string.
enum Encoding {
    Plain,
    Json,
    Query,
    Path,
}

fn split_encoding(expr: &str) -> (Encoding, &str) {
    if let Some(rest) = expr.strip_prefix("json:") {
        (Encoding::Json, rest)
    } else if let Some(rest) = expr.strip_prefix("query:") {
        (Encoding::Query, rest)
    } else if let Some(rest) = expr.strip_prefix("path:") {
        (Encoding::Path, rest)
    } else {
        (Encoding::Plain, expr)
    }
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn encode(encoding: &Encoding, value: &Value) -> String {
    match encoding {
        Encoding::Plain => as_text(value),
        Encoding::Json => value.to_string(),
        Encoding::Query => {
            url::form_urlencoded::byte_serialize(as_text(value).as_bytes()).collect()
        }
        Encoding::Path => {
            let text = as_text(value);
            let mut out = String::with_capacity(text.len());
            for b in text.bytes() {
                if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
                    out.push(char::from(b));
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            out
        }
    }
}

fn walk_path<'a>(root: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut segments = path.split('.');
    let mut current = root.get(segments.next()?)?;
    for segment in segments {
        current = current.as_object()?.get(segment)?;
    }
    Some(current)
}

/// Looks an expression up; `None` means "unresolvable".
type Lookup<'a> = dyn Fn(&str) -> Option<Value> + 'a;

/// Renders one template string. With `strict`, an unresolvable placeholder
/// is an error; otherwise it stays literally.
fn render_string(s: &str, lookup: &Lookup<'_>, strict: bool) -> Result<Value, String> {
    if let Some(inner) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
        && inner == "parameters"
        && let Some(v) = lookup("parameters")
    {
        return Ok(v);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed `${{` in `{s}`"))?;
        let expr = &after[..end];
        let (encoding, path) = split_encoding(expr);
        match lookup(path) {
            Some(value) => out.push_str(&encode(&encoding, &value)),
            None if strict => return Err(format!("cannot resolve path `{path}`")),
            None => out.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

fn render_value(value: &Value, lookup: &Lookup<'_>, strict: bool) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => render_string(s, lookup, strict)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_value(v, lookup, strict))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_value(v, lookup, strict)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// Resolves a composed tool's `args` from the model's call arguments.
pub fn render_args(
    tool: &CustomTool,
    template: &Map<String, Value>,
    call: &Value,
    secrets: &BTreeMap<String, String>,
) -> Result<Value, String> {
    let call_args = call.as_object().cloned().unwrap_or_default();
    let declared: Vec<String> = tool
        .parameters
        .as_ref()
        .and_then(|p| p.get("properties"))
        .and_then(Value::as_object)
        .map(|props| props.keys().cloned().collect())
        .unwrap_or_default();
    let lookup = |path: &str| -> Option<Value> {
        if path == "parameters" {
            return Some(Value::Object(call_args.clone()));
        }
        if let Some(name) = path.strip_prefix("secrets.") {
            return secrets.get(name).map(|v| Value::String(v.clone()));
        }
        let root = path.split('.').next().unwrap_or(path);
        if !declared.iter().any(|d| d == root) {
            return None;
        }
        walk_path(&call_args, path).cloned()
    };
    render_value(&Value::Object(template.clone()), &lookup, true)
}

/// Answers a mock tool call.
pub fn run_mock(mock: &MockTool, args: &Value) -> ToolOutcome {
    let call_args = args.as_object().cloned().unwrap_or_default();
    match mock.strategy {
        MockStrategy::Static => ToolOutcome::ok(mock.response.clone().unwrap_or(Value::Null)),
        MockStrategy::Lookup => {
            let key = mock.lookup_key.as_deref().unwrap_or("");
            let selected = walk_path(&call_args, key).map(as_text).unwrap_or_default();
            let responses = mock.responses.clone().unwrap_or_default();
            match responses.get(&selected).or_else(|| responses.get("*")) {
                Some(answer) => ToolOutcome::ok(answer.clone()),
                None => ToolOutcome::error(format!(
                    "no mock response for {key}=\"{selected}\" and no fallback defined"
                )),
            }
        }
        MockStrategy::Invalid => ToolOutcome::error("this mock tool has an invalid strategy"),
        MockStrategy::Echo => {
            let lookup = |path: &str| -> Option<Value> {
                if path.starts_with("secrets.") {
                    return None;
                }
                if path == "parameters" {
                    return Some(Value::Object(call_args.clone()));
                }
                walk_path(&call_args, path).cloned()
            };
            let template = Value::Object(mock.template.clone().unwrap_or_default());
            match render_value(&template, &lookup, false) {
                Ok(v) => ToolOutcome::ok(v),
                Err(e) => ToolOutcome::error(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(v: Value) -> CustomTool {
        serde_json::from_value(v).expect("tool")
    }

    #[test]
    fn composed_args_render_declared_parameters_with_encodings() {
        let t = tool(
            json!({"name": "lookup", "parameters": {"type": "object", "properties": {"sku": {"type": "string"}, "n": {"type": "integer"}, "o": {"type": "object"}}},
            "implementation": {"primitive": "http_request", "args": {}}}),
        );
        let template = json!({"url": "https://x/items/${path:sku}?q=${query:sku}", "n": "${n}", "raw": "${parameters}",
                              "j": "${json:o}", "deep": "${o.a}", "key": "Bearer ${secrets.API}"});
        let secrets = BTreeMap::from([("API".to_owned(), "s3cr3t".to_owned())]);
        let out = render_args(
            &t,
            template.as_object().expect("obj"),
            &json!({"sku": "a b/c", "n": 5, "o": {"a": 1}}),
            &secrets,
        )
        .expect("render");
        assert_eq!(out["url"], json!("https://x/items/a%20b%2Fc?q=a+b%2Fc"));
        assert_eq!(out["n"], json!("5"));
        assert_eq!(out["raw"], json!({"sku": "a b/c", "n": 5, "o": {"a": 1}}));
        assert_eq!(out["j"], json!("{\"a\":1}"));
        assert_eq!(out["deep"], json!("1"));
        assert_eq!(out["key"], json!("Bearer s3cr3t"));
        let missing = render_args(
            &t,
            template.as_object().expect("obj"),
            &json!({"sku": "x", "o": {"a": 1}}),
            &secrets,
        );
        assert!(
            missing
                .expect_err("n is missing")
                .contains("cannot resolve path `n`")
        );
    }

    #[test]
    fn mocks_answer_by_strategy() {
        let lookup: MockTool = serde_json::from_value(
            json!({"type": "mock", "strategy": "lookup", "lookup_key": "order.id",
            "responses": {"7": {"status": "shipped"}, "*": {"status": "unknown"}}}),
        )
        .expect("mock");
        assert_eq!(
            run_mock(&lookup, &json!({"order": {"id": 7}})).content,
            json!({"status": "shipped"})
        );
        assert_eq!(
            run_mock(&lookup, &json!({"order": {"id": 8}})).content,
            json!({"status": "unknown"})
        );
        let no_fallback: MockTool = serde_json::from_value(
            json!({"type": "mock", "strategy": "lookup", "lookup_key": "k", "responses": {"a": 1}}),
        )
        .expect("mock");
        let miss = run_mock(&no_fallback, &json!({"k": "b"}));
        assert!(miss.is_error);
        assert_eq!(
            miss.content["error"],
            json!("no mock response for k=\"b\" and no fallback defined")
        );
        let echo: MockTool = serde_json::from_value(json!({"type": "mock", "strategy": "echo",
            "template": {"greeting": "hello ${name}", "secret": "${secrets.X}", "unknown": "${nope}"}})).expect("mock");
        assert_eq!(
            run_mock(&echo, &json!({"name": "Ada"})).content,
            json!({"greeting": "hello Ada", "secret": "${secrets.X}", "unknown": "${nope}"})
        );
    }
}
