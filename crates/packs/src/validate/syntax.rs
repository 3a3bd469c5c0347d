//! Small syntax checkers shared by the rules: JSON Schemas, CIDR blocks,
//! identifiers and the two template languages (regexes live in `re2.rs`).

use serde_json::Value;

const SCHEMA_DRAFTS: &[&str] = &[
    "https://json-schema.org/draft/2020-12/schema",
    "http://json-schema.org/draft-07/schema#",
    "https://json-schema.org/draft-07/schema#",
    "http://json-schema.org/draft-07/schema",
    "https://json-schema.org/draft-07/schema",
];

/// Why `schema` is not a usable JSON Schema (2020-12 or draft-07), if it is not.
pub(crate) fn schema_error(schema: &Value) -> Option<String> {
    if !matches!(schema, Value::Object(_) | Value::Bool(_)) {
        return Some("a schema must be a JSON object or boolean".into());
    }
    if let Some(uri) = schema.get("$schema") {
        match uri.as_str() {
            Some(u) if SCHEMA_DRAFTS.contains(&u) => {}
            _ => {
                return Some(format!(
                    "unsupported $schema {uri}; use draft 2020-12 or draft-07"
                ));
            }
        }
    }
    jsonschema::validator_for(schema)
        .err()
        .map(|e| e.to_string())
}

/// True for `10.0.0.0/8`-style IPv4 or IPv6 CIDR blocks.
pub(crate) fn is_cidr(s: &str) -> bool {
    let Some((addr, bits)) = s.split_once('/') else {
        return false;
    };
    let Ok(bits) = bits.parse::<u8>() else {
        return false;
    };
    if bits.to_string().len() != s.len() - addr.len() - 1 {
        return false;
    }
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => bits <= 32,
        Ok(std::net::IpAddr::V6(_)) => bits <= 128,
        Err(_) => false,
    }
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`.
pub(crate) fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `^[a-z0-9][a-z0-9.+\-]+$`.
pub(crate) fn is_apt_package(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.len() >= 2
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".+-".contains(c))
}

/// A `{{ path }}` placeholder: the path when well-formed, else the raw text.
pub(crate) fn case_placeholders(text: &str) -> Vec<Result<String, String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        let inner = after[..end].trim();
        let valid = inner
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        out.push(if valid {
            Ok(inner.to_owned())
        } else {
            Err(inner.to_owned())
        });
        rest = &after[end + 2..];
    }
    out
}

/// Resolves a dotted `{{…}}` path against a template context (maps only).
pub(crate) fn resolve_path<'v>(
    ctx: &'v serde_json::Map<String, Value>,
    path: &str,
) -> Option<&'v Value> {
    let mut parts = path.split('.');
    let mut cur = ctx.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

/// A problem with a `${…}` placeholder.
#[derive(Debug, PartialEq)]
pub(crate) enum PlaceholderError {
    /// `${` without a closing `}`; carries the rest of the string.
    Unclosed(String),
    /// `${}` or blank; carries the whole placeholder.
    Empty(String),
}

/// The expressions of every `${…}` in `text`.
pub(crate) fn dollar_placeholders(text: &str) -> Vec<Result<String, PlaceholderError>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            out.push(Err(PlaceholderError::Unclosed(rest[i..].to_owned())));
            break;
        };
        let inner = &after[..end];
        if inner.trim().is_empty() {
            out.push(Err(PlaceholderError::Empty(format!("${{{inner}}}"))));
        } else {
            out.push(Ok(inner.to_owned()));
        }
        rest = &after[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas() {
        assert!(schema_error(&serde_json::json!({"type": "object"})).is_none());
        assert!(schema_error(&serde_json::json!({"type": "strin"})).is_some());
        assert!(schema_error(&serde_json::json!({"$schema": "http://x"})).is_some());
    }

    #[test]
    fn cidrs_and_names() {
        assert!(is_cidr("10.0.0.0/8"));
        assert!(is_cidr("fd00::/8"));
        assert!(!is_cidr("10.0.0.0/33"));
        assert!(!is_cidr("10.0.0.0"));
        assert!(is_env_name("_A1"));
        assert!(!is_env_name("1A"));
        assert!(is_apt_package("libssl3"));
        assert!(!is_apt_package("Lib"));
    }

    #[test]
    fn placeholders() {
        assert_eq!(
            case_placeholders("a {{ x.y }} b {{1bad}}"),
            vec![Ok("x.y".to_owned()), Err("1bad".to_owned())]
        );
        assert_eq!(
            dollar_placeholders("${a} ${} ${b"),
            vec![
                Ok("a".to_owned()),
                Err(PlaceholderError::Empty("${}".into())),
                Err(PlaceholderError::Unclosed("${b".into()))
            ]
        );
    }
}
