//! `{{ path }}` case templates (format spec §4.4): rendered leniently, so an
//! unresolved placeholder stays in the text as written.

use agentclash_packs::model::Case;
use serde_json::{Map, Value};

/// The values a case offers to templates: payload keys, then inputs with a
/// value (inputs win).
pub fn case_context(case: &Case) -> Map<String, Value> {
    let mut context: Map<String, Value> = case
        .payload
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for input in &case.inputs {
        if let Some(value) = &input.value
            && !value.is_null()
        {
            context.insert(input.key.clone(), value.clone());
        }
    }
    context
}

/// Renders every `{{ path }}` that resolves; leaves the others as written.
pub fn render_lenient(text: &str, context: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let path = after[..close].trim();
        match resolve(path, context) {
            Some(value) => out.push_str(&format_value(value)),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

fn valid_path(path: &str) -> bool {
    let mut chars = path.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn resolve<'a>(path: &str, context: &'a Map<String, Value>) -> Option<&'a Value> {
    if !valid_path(path) {
        return None;
    }
    let mut segments = path.split('.');
    let mut current = context.get(segments.next()?)?;
    for segment in segments {
        current = current.as_object()?.get(segment)?;
    }
    Some(current)
}

/// Strings verbatim; integers in decimal; floats with up to 6 decimals and
/// no trailing zeros; maps and lists as compact JSON.
pub fn format_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                n.to_string()
            } else {
                let fixed = format!("{:.6}", n.as_f64().unwrap_or(0.0));
                let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
                if trimmed == "-0" {
                    "0".to_owned()
                } else {
                    trimmed.to_owned()
                }
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn renders_known_paths_and_keeps_unknown_ones() {
        let c = ctx(
            json!({"name": "Ada", "n": 5, "x": 1.5, "y": 2.0, "t": true, "m": {"a": {"b": "deep"}}, "l": [1, 2]}),
        );
        assert_eq!(
            render_lenient(
                "Hi {{name}}, {{ n }} {{x}} {{y}} {{t}} {{m.a.b}} {{l}} {{missing}} {{m.zz}}",
                &c
            ),
            "Hi Ada, 5 1.5 2 true deep [1,2] {{missing}} {{m.zz}}"
        );
        assert_eq!(render_lenient("unclosed {{name", &c), "unclosed {{name");
        assert_eq!(render_lenient("{{1bad}}", &c), "{{1bad}}");
    }

    #[test]
    fn inputs_win_over_payload() {
        let case: Case = serde_json::from_value(json!({
            "challenge_key": "c", "case_key": "k",
            "payload": {"q": "from payload", "p": 1},
            "inputs": [{"key": "q", "kind": "text", "value": "from input"}, {"key": "z", "kind": "text", "value": null}]
        }))
        .expect("case");
        let c = case_context(&case);
        assert_eq!(c["q"], json!("from input"));
        assert_eq!(c["p"], json!(1));
        assert!(!c.contains_key("z"));
    }
}
