//! Small text helpers shared by resolution and validators: the §5.2
//! stringification rules, canonical JSON, case folding, whitespace
//! collapsing and safe truncation.

use serde_json::Value;

/// Most bytes of evidence copied into a verdict.
pub const EVIDENCE_EXCERPT_BYTES: usize = 2048;

/// Cuts `s` to at most `max` bytes at a char boundary; the flag says
/// whether anything was cut.
pub fn truncate(s: &str, max: usize) -> (&str, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], true)
}

/// Unicode case folding: lower-casing plus the common full-folding
/// expansions (`ß` → `ss`, final sigma → sigma) that `to_lowercase` lacks.
pub fn fold_case(s: &str) -> String {
    let lower = s.to_lowercase();
    if lower.is_ascii() {
        return lower;
    }
    let mut out = String::with_capacity(lower.len());
    for c in lower.chars() {
        match c {
            'ß' | 'ẞ' => out.push_str("ss"),
            'ς' => out.push('σ'),
            _ => out.push(c),
        }
    }
    out
}

/// True for RE2's ASCII `\s` class (`[\t\n\f\r ]`, plus vertical tab).
pub fn is_ascii_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Replaces every run of ASCII whitespace with one space (no trimming).
pub fn collapse_ascii_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_ws = false;
    for c in s.chars() {
        if is_ascii_space(c) {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    out
}

/// Trim plus whitespace collapsing: the `normalize` option of the text
/// similarity validators.
pub fn normalize_ws(s: &str) -> String {
    collapse_ascii_ws(s.trim_matches(is_ascii_space))
}

/// Compact JSON with object keys sorted (independent of serde_json's
/// `preserve_order` feature).
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(child) = m.get(k) {
                    write_canonical(child, out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, child) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(child, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Formats a number in shortest round-trip form, switching to exponent
/// notation when the decimal exponent is < −4 or ≥ 6 (§5.2: `55`, `0.5`,
/// `1e+06`, `1.5e+06`).
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".into();
    }
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{v}")
    }
}

/// The "loose" string of a value: a string, or the first of a map's
/// `value`/`content`/`text`/`answer` members (in that order) or a
/// one-element list's element that is itself loosely a string.
pub fn loose_string(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(m) => ["value", "content", "text", "answer"]
            .iter()
            .find_map(|k| m.get(*k).and_then(loose_string)),
        Value::Array(a) if a.len() == 1 => loose_string(&a[0]),
        _ => None,
    }
}

/// Stringifies a resolved value by the §5.2 rules.
pub fn stringify(v: &Value) -> String {
    if let Some(s) = loose_string(v) {
        return s.to_string();
    }
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n
            .as_f64()
            .map(format_number)
            .unwrap_or_else(|| n.to_string()),
        Value::Null => "null".into(),
        other => canonical_json(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_use_shortest_form_with_exponent_outside_range() {
        assert_eq!(format_number(55.0), "55");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(1e6), "1e+06");
        assert_eq!(format_number(1.5e6), "1.5e+06");
        assert_eq!(format_number(123456.0), "123456");
        assert_eq!(format_number(0.0001), "0.0001");
        assert_eq!(format_number(0.00001), "1e-05");
        assert_eq!(format_number(-2.5), "-2.5");
    }

    #[test]
    fn stringify_collapses_members_and_sorts_keys() {
        assert_eq!(stringify(&json!({"path": "$", "value": "x"})), "x");
        assert_eq!(stringify(&json!({"text": {"answer": "deep"}})), "deep");
        assert_eq!(stringify(&json!(["only"])), "only");
        assert_eq!(
            stringify(&json!({"b": 1, "a": [1, 2]})),
            r#"{"a":[1,2],"b":1}"#
        );
        assert_eq!(stringify(&json!({"value": 3})), r#"{"value":3}"#);
        assert_eq!(stringify(&json!(true)), "true");
        assert_eq!(stringify(&json!(null)), "null");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = "aé€😀";
        for max in 0..s.len() + 2 {
            let (cut, flag) = truncate(s, max);
            assert!(cut.len() <= max);
            assert_eq!(flag, cut.len() < s.len());
        }
    }

    #[test]
    fn folding_expands_sharp_s() {
        assert_eq!(fold_case("STRASSE"), fold_case("Straße"));
        assert_eq!(collapse_ascii_ws("a \t\n b"), "a b");
        assert_eq!(normalize_ws("  a   b  "), "a b");
    }
}
