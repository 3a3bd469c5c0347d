//! Rules on custom tools (§3.4–§3.6, §9.4, N2–N6): names, delegation
//! targets, `${…}` argument templates, secrets, mocks, cycles and depth.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::Reporter;
use super::syntax::{PlaceholderError, dollar_placeholders, schema_error};
use crate::model::{
    ComposedTool, MockStrategy, MockTool, PRIMITIVES, Pack, ToolImplementation, ToolKind,
};
use crate::suggest::closest;

/// Longest accepted chain of composed tools.
const MAX_DELEGATION_DEPTH: usize = 8;

pub(crate) fn check(r: &mut Reporter, p: &Pack) {
    let custom = &p.tools.custom;
    let names: HashSet<&str> = custom.iter().map(|t| t.name.as_str()).collect();
    let mut seen = HashSet::new();
    for (i, t) in custom.iter().enumerate() {
        let path = format!("tools.custom[{i}]");
        let name_path = format!("{path}.name");
        if r.required(&name_path, &t.name) {
            if PRIMITIVES.contains(&t.name.as_str()) {
                r.error(
                    &name_path,
                    format!("must not shadow the primitive \"{}\"", t.name),
                );
            } else if !seen.insert(t.name.as_str()) {
                r.error(&name_path, "must be unique");
            }
        }
        match &t.implementation {
            ToolImplementation::Mock(m) => mock(r, &format!("{path}.implementation"), m),
            ToolImplementation::Composed(c) => {
                if let Some(schema) = &t.parameters
                    && let Some(e) = schema_error(schema)
                {
                    r.error(
                        &format!("{path}.parameters"),
                        format!("must be a valid JSON Schema: {e}"),
                    );
                }
                let declared: HashSet<&str> = t
                    .parameters
                    .as_ref()
                    .and_then(|s| s.get("properties"))
                    .and_then(Value::as_object)
                    .map(|m| m.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                composed(r, p, &path, &t.name, c, &names, &declared);
            }
        }
    }
    delegation(r, p);
}

fn composed(
    r: &mut Reporter,
    p: &Pack,
    path: &str,
    name: &str,
    c: &ComposedTool,
    names: &HashSet<&str>,
    declared: &HashSet<&str>,
) {
    let prim_path = format!("{path}.implementation.primitive");
    if r.required(&prim_path, &c.primitive) {
        if c.primitive == name {
            r.error(&prim_path, "cannot reference the tool's own name");
        } else if !PRIMITIVES.contains(&c.primitive.as_str())
            && !names.contains(c.primitive.as_str())
        {
            let mut candidates: Vec<&str> = PRIMITIVES.to_vec();
            candidates.extend(names.iter().copied());
            let hint = closest(&c.primitive, &candidates).map(str::to_owned);
            r.push(
                crate::diagnostics::Severity::Error,
                &prim_path,
                format!("references unknown tool \"{}\"", c.primitive),
                hint,
            );
        } else if let Some(kind) = primitive_kind(&c.primitive) {
            let policy = &p.version.tool_policy;
            let enabled = match kind {
                PrimitiveGate::Shell => policy.allow_shell,
                PrimitiveGate::Kind(k) => {
                    policy.allowed_tool_kinds.is_empty() || policy.allowed_tool_kinds.contains(&k)
                }
            };
            if !enabled {
                r.warn(
                    &prim_path,
                    format!(
                        "delegates to \"{}\", which version.tool_policy does not enable; the tool will be dropped at run start",
                        c.primitive
                    ),
                );
            }
        }
    }
    let args_path = format!("{path}.implementation.args");
    let mut uses_secrets = false;
    for (p, text) in strings_in(&Value::Object(c.args.clone()), &args_path) {
        for ph in dollar_placeholders(&text) {
            match ph {
                Err(PlaceholderError::Unclosed(rest)) => {
                    r.error(&p, format!("contains an unclosed placeholder: \"{rest}\""));
                }
                Err(PlaceholderError::Empty(t)) => {
                    r.error(&p, format!("contains an empty placeholder: \"{t}\""));
                }
                Ok(expr) => {
                    let e = ["json:", "query:", "path:"]
                        .iter()
                        .find_map(|pre| expr.strip_prefix(pre))
                        .unwrap_or(&expr);
                    if let Some(secret) = e.strip_prefix("secrets.") {
                        uses_secrets |= !secret.is_empty();
                        if !secret.is_empty() {
                            continue;
                        }
                    }
                    let root = e.split('.').next().unwrap_or("");
                    if e != "parameters" && !declared.contains(root) {
                        r.error(&p, format!("contains unknown placeholder \"${{{expr}}}\""));
                    }
                }
            }
        }
    }
    let output_path = c
        .args
        .get("output_path")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    if uses_secrets && (c.primitive != "http_request" || output_path) {
        r.error(
            &args_path,
            "secrets are only allowed for http_request without output_path",
        );
    }
}

enum PrimitiveGate {
    Shell,
    Kind(ToolKind),
}

fn primitive_kind(name: &str) -> Option<PrimitiveGate> {
    Some(match name {
        "read_file" | "write_file" | "list_files" | "search_files" | "search_text" => {
            PrimitiveGate::Kind(ToolKind::File)
        }
        "query_json" | "query_sql" => PrimitiveGate::Kind(ToolKind::Data),
        "http_request" => PrimitiveGate::Kind(ToolKind::Network),
        "run_tests" | "build" => PrimitiveGate::Kind(ToolKind::Build),
        "exec" => PrimitiveGate::Shell,
        _ => return None,
    })
}

/// Every string inside a JSON value, with its path.
fn strings_in(v: &Value, path: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![(path.to_owned(), v)];
    while let Some((p, v)) = stack.pop() {
        match v {
            Value::String(s) => out.push((p, s.clone())),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    stack.push((format!("{p}[{i}]"), item));
                }
            }
            Value::Object(m) => {
                for (k, item) in m {
                    stack.push((format!("{p}.{k}"), item));
                }
            }
            _ => {}
        }
    }
    out
}

fn mock(r: &mut Reporter, path: &str, m: &MockTool) {
    let (field, ok) = match m.strategy {
        MockStrategy::Static => ("response", m.response.is_some()),
        MockStrategy::Lookup => {
            if m.lookup_key.is_none() {
                r.error(
                    &format!("{path}.lookup_key"),
                    "is required for the lookup strategy",
                );
            }
            ("responses", m.responses.is_some())
        }
        MockStrategy::Echo => ("template", m.template.is_some()),
        MockStrategy::Invalid => return,
    };
    if !ok {
        r.error(
            &format!("{path}.{field}"),
            format!("is required for the {} strategy", m.strategy),
        );
    }
    if let Some(t) = &m.template {
        for (p, text) in strings_in(&Value::Object(t.clone()), &format!("{path}.template")) {
            for ph in dollar_placeholders(&text) {
                match ph {
                    Err(PlaceholderError::Unclosed(rest)) => {
                        r.error(&p, format!("contains an unclosed placeholder: \"{rest}\""));
                    }
                    Err(PlaceholderError::Empty(t)) => {
                        r.error(&p, format!("contains an empty placeholder: \"{t}\""));
                    }
                    Ok(_) => {}
                }
            }
        }
    }
}

/// Cycle and depth limits over composed-tool delegation edges (§3.5.3).
fn delegation(r: &mut Reporter, p: &Pack) {
    let edges: HashMap<&str, &str> = p
        .tools
        .custom
        .iter()
        .filter_map(|t| match &t.implementation {
            ToolImplementation::Composed(c) if !t.name.is_empty() => {
                Some((t.name.as_str(), c.primitive.as_str()))
            }
            _ => None,
        })
        .collect();
    for (i, t) in p.tools.custom.iter().enumerate() {
        let Some(mut target) = edges.get(t.name.as_str()).copied() else {
            continue;
        };
        if target == t.name {
            continue;
        }
        let path = format!("tools.custom[{i}].implementation.primitive");
        let mut on_path = vec![t.name.as_str()];
        while let Some(next) = edges.get(target).copied() {
            if on_path.contains(&target) {
                r.error(
                    &path,
                    format!(
                        "tool \"{}\" has a delegation cycle through \"{target}\"",
                        t.name
                    ),
                );
                break;
            }
            on_path.push(target);
            if on_path.len() > MAX_DELEGATION_DEPTH {
                r.error(
                    &path,
                    format!(
                        "tool \"{}\" exceeds maximum delegation depth of {MAX_DELEGATION_DEPTH}",
                        t.name
                    ),
                );
                break;
            }
            target = next;
        }
    }
}
