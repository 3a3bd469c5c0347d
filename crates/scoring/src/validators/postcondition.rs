//! `postcondition` (§5.3.9): one condition on the target evidence.

use agentclash_packs::model::JsonMap;
use serde::Deserialize;
use serde_json::Value;

use super::json::{compare, deep_equal, parse_actual};
use super::{Run, decode_config, jsonpath};
use crate::cache;
use crate::evidence::Evidence;
use crate::reference::{Reference, Resolution, parse_reference, resolve};
use crate::verdict::Check;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    condition: String,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    json_path: Option<String>,
}

fn string_value<'c>(cfg: &'c Config, what: &str) -> Result<&'c str, Check> {
    match &cfg.value {
        Some(Value::String(s)) => Ok(s),
        _ => Err(Check::pack(format!("value must be a string for {what}"))),
    }
}

/// `postcondition`.
pub(super) fn check(run: &mut Run<'_>, evidence: &Evidence, config: Option<&JsonMap>) -> Check {
    if config.is_none() {
        return Check::pack("config is required for postcondition");
    }
    let cfg: Config = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let target = run.validator.target.clone();
    let cond = cfg.condition.as_str();
    if matches!(cond, "exists" | "not_exists") {
        if let Some(Reference::File(k)) = parse_reference(&target)
            && !evidence.files.contains_key(k)
        {
            return Check::Unavailable(format!("no post-execution capture {k:?}"));
        }
        let present = match resolve(evidence, &target) {
            Resolution::Value(r) => {
                run.read("target", &target, &r.text, r.event_id);
                true
            }
            Resolution::Unavailable { .. } => false,
            Resolution::Unsupported { reason } => return Check::pack(reason),
        };
        let ok = present == (cond == "exists");
        let state = if present { "present" } else { "absent" };
        return Check::Binary(ok, format!("{target} is {state}"));
    }
    let known = [
        "contains",
        "not_contains",
        "regex_match",
        "json_path_match",
        "equals",
    ];
    if !known.contains(&cond) {
        return Check::pack(format!("unknown condition {cond:?}"));
    }
    let actual = match run.resolve(evidence, "target", &target) {
        Ok(a) => a,
        Err(c) => return c,
    };
    let result = match cond {
        "contains" | "not_contains" => string_value(&cfg, cond).map(|needle| {
            let found = actual.contains(needle);
            let ok = found == (cond == "contains");
            Check::Binary(
                ok,
                format!("substring {}", if found { "present" } else { "absent" }),
            )
        }),
        "regex_match" => string_value(&cfg, cond).map(|pat| match cache::regex(pat).as_ref() {
            Ok(re) => {
                let ok = re.is_match(&actual);
                Check::Binary(
                    ok,
                    format!("pattern {}", if ok { "matched" } else { "did not match" }),
                )
            }
            Err(e) => Check::pack(e.clone()),
        }),
        "equals" => match &cfg.value {
            None | Some(Value::Null) => Err(Check::pack("value is required for equals")),
            Some(Value::String(s)) => {
                Ok(Check::Binary(actual == *s, "string equality".to_string()))
            }
            Some(expected) => parse_actual(&actual).map(|a| {
                let ok = deep_equal(&a, expected);
                Check::Binary(
                    ok,
                    format!("JSON equality {}", if ok { "held" } else { "did not hold" }),
                )
            }),
        },
        _ => json_path(&cfg, &actual),
    };
    result.unwrap_or_else(|c| c)
}

fn json_path(cfg: &Config, actual: &str) -> Result<Check, Check> {
    let Some(path) = cfg.json_path.as_deref() else {
        return Err(Check::pack("json_path is required for json_path_match"));
    };
    let Some(expected) = cfg.value.as_ref().filter(|v| !v.is_null()) else {
        return Err(Check::pack("value is required for json_path_match"));
    };
    let steps = jsonpath::parse(path).map_err(Check::pack)?;
    let doc = parse_actual(actual)?;
    Ok(compare(
        jsonpath::select(&doc, &steps),
        "equals",
        Some(expected),
        path,
    ))
}
