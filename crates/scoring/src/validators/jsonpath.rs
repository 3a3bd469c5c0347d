//! The JSON path subset of §5.3.3: `$`, `.name` (`[A-Za-z0-9_-]`), `[N]`,
//! `["name"]`, an unquoted non-integer bracket as a name, and single-quoted
//! names of one character. Hand-written because the reference's subset (and
//! its quirks) differs from RFC 9535 JSONPath.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Object member.
    Name(String),
    /// Array index.
    Index(usize),
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Parses a path; `Err` explains the syntax problem.
pub fn parse(path: &str) -> Result<Vec<Step>, String> {
    let path = path.trim();
    let Some(mut rest) = path.strip_prefix('$') else {
        return Err(format!("JSON path {path:?} must start with $"));
    };
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(|c: char| !is_name_char(c)).unwrap_or(r.len());
            if end == 0 {
                return Err(format!("empty member name in JSON path {path:?}"));
            }
            steps.push(Step::Name(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let (inner, after) =
                bracket(r).ok_or_else(|| format!("unclosed [ in JSON path {path:?}"))?;
            steps.push(bracket_step(inner));
            rest = after;
        } else {
            return Err(format!("unexpected {rest:?} in JSON path {path:?}"));
        }
    }
    Ok(steps)
}

/// Splits `inner]after`, honouring a double-quoted name that may contain `]`.
fn bracket(r: &str) -> Option<(&str, &str)> {
    if let Some(q) = r.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in q.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let after = q[i + 1..].strip_prefix(']')?;
                    return Some((&r[..i + 2], after));
                }
                _ => escaped = false,
            }
        }
        return None;
    }
    let end = r.find(']')?;
    Some((&r[..end], &r[end + 1..]))
}

fn bracket_step(inner: &str) -> Step {
    if inner.starts_with('"')
        && let Ok(Value::String(s)) = serde_json::from_str::<Value>(inner)
    {
        return Step::Name(s);
    }
    let mut chars = inner.chars();
    if let (Some('\''), Some(c), Some('\''), None) =
        (chars.next(), chars.next(), chars.next(), chars.next())
    {
        return Step::Name(c.to_string());
    }
    match inner.parse::<usize>() {
        Ok(n) if !inner.starts_with('+') => Step::Index(n),
        _ => Step::Name(inner.to_string()),
    }
}

/// Follows the steps; `None` when any step does not resolve.
pub fn select<'v>(root: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    let mut v = root;
    for s in steps {
        v = match (s, v) {
            (Step::Name(n), Value::Object(m)) => m.get(n)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_documented_subset() {
        let doc = json!({"a": {"b-c": [10, {"x y": 5, "q": 7}]}});
        let get = |p: &str| select(&doc, &parse(p).expect("valid path")).cloned();
        assert_eq!(get("$.a.b-c[0]"), Some(json!(10)));
        assert_eq!(get("$.a[\"b-c\"][1][\"x y\"]"), Some(json!(5)));
        assert_eq!(get("$.a[b-c][1]['q']"), Some(json!(7)));
        assert_eq!(get("$.a[b-c][5]"), None);
        assert_eq!(get("$"), Some(doc.clone()));
        assert!(parse("a.b").is_err());
        assert!(parse("$.").is_err());
        assert!(parse("$[0").is_err());
    }
}
