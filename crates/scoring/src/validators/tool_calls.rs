//! `tool_call_assertion` (§5.3.7): presence, count, argument and ordering
//! checks over the tool-call trace. Raw arguments never reach the verdict.

use agentclash_packs::model::JsonMap;
use serde::Deserialize;
use serde_json::Value;

use super::json::deep_equal;
use super::{Run, decode_config};
use crate::evidence::{Evidence, ToolCallRecord};
use crate::verdict::Check;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    tool_name: Option<String>,
    #[serde(default)]
    must_call: Option<bool>,
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    min_count: Option<u64>,
    #[serde(default)]
    max_count: Option<u64>,
    #[serde(default)]
    arguments_contain: Option<Value>,
    #[serde(default)]
    ordered_tools: Option<Vec<String>>,
    #[serde(default)]
    order_mode: Option<String>,
}

/// Recursive containment: maps need every expected key, lists need each
/// expected element in a distinct actual element, scalars must be equal.
pub(crate) fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| contains(av, ev))),
        (Value::Array(a), Value::Array(e)) => {
            let mut used = vec![false; a.len()];
            e.iter().all(|ev| {
                let slot = a
                    .iter()
                    .enumerate()
                    .find(|(i, av)| !used[*i] && contains(av, ev))
                    .map(|(i, _)| i);
                slot.map(|i| used[i] = true).is_some()
            })
        }
        _ => deep_equal(actual, expected),
    }
}

/// Arguments as a JSON value (some providers send a JSON-encoded string).
fn arguments(call: &ToolCallRecord) -> Value {
    match &call.arguments {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| call.arguments.clone()),
        other => other.clone(),
    }
}

fn is_subsequence(needle: &[String], hay: &[&str]) -> bool {
    let mut it = hay.iter();
    needle.iter().all(|n| it.any(|h| h == n))
}

/// `tool_call_assertion`.
pub(super) fn check(run: &mut Run<'_>, evidence: &Evidence, config: Option<&JsonMap>) -> Check {
    let cfg: Config = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let any_key = cfg.tool_name.is_some()
        || cfg.must_call.is_some()
        || cfg.count.is_some()
        || cfg.min_count.is_some()
        || cfg.max_count.is_some()
        || cfg.arguments_contain.is_some()
        || cfg.ordered_tools.is_some();
    if !any_key {
        return Check::pack("config must declare at least one tool call assertion");
    }
    let ok_calls: Vec<&ToolCallRecord> =
        evidence.tool_calls.iter().filter(|c| !c.is_error).collect();
    let matches: Vec<&ToolCallRecord> = ok_calls
        .iter()
        .copied()
        .filter(|c| cfg.tool_name.as_ref().is_none_or(|n| &c.name == n))
        .filter(|c| {
            cfg.arguments_contain
                .as_ref()
                .is_none_or(|e| contains(&arguments(c), e))
        })
        .collect();
    let names: Vec<&str> = ok_calls.iter().map(|c| c.name.as_str()).collect();
    let event = matches
        .first()
        .or(ok_calls.first())
        .and_then(|c| c.event_id.clone());
    run.read("target", "tool_calls", &names.join(", "), event);

    let n = matches.len() as u64;
    let mut problems = Vec::new();
    let has_count = cfg.count.is_some() || cfg.min_count.is_some() || cfg.max_count.is_some();
    let implicit = !has_count && (cfg.tool_name.is_some() || cfg.arguments_contain.is_some());
    let what = cfg.tool_name.as_deref().unwrap_or("a matching tool");
    match cfg.must_call.or(implicit.then_some(true)) {
        Some(true) if n == 0 => problems.push(format!("expected a call to {what}, found none")),
        Some(false) if n > 0 => problems.push(format!("expected no call to {what}, found {n}")),
        _ => {}
    }
    if let Some(c) = cfg.count.filter(|c| *c != n) {
        problems.push(format!("expected exactly {c} matching calls, found {n}"));
    }
    if let Some(c) = cfg.min_count.filter(|c| n < *c) {
        problems.push(format!("expected at least {c} matching calls, found {n}"));
    }
    if let Some(c) = cfg.max_count.filter(|c| n > *c) {
        problems.push(format!("expected at most {c} matching calls, found {n}"));
    }
    if cfg.order_mode.is_some() && cfg.ordered_tools.is_none() {
        return Check::pack("ordered_tools is required when order_mode is set");
    }
    if let Some(order) = &cfg.ordered_tools {
        let ok = match cfg.order_mode.as_deref() {
            None | Some("subsequence") => is_subsequence(order, &names),
            Some("exact") => order.iter().map(String::as_str).eq(names.iter().copied()),
            Some(other) => return Check::pack(format!("unknown order_mode {other:?}")),
        };
        if !ok {
            problems.push(format!(
                "calls [{}] do not follow [{}]",
                names.join(", "),
                order.join(", ")
            ));
        }
    }
    if problems.is_empty() {
        Check::Binary(
            true,
            format!("{n} matching successful calls; every assertion held"),
        )
    } else {
        Check::Binary(false, problems.join("; "))
    }
}
