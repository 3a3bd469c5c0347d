//! File validators over post-execution captures (§5.3.6): `file_exists`,
//! `file_content_match`, `file_json_schema`, `directory_structure`.

use agentclash_packs::model::JsonMap;
use serde::Deserialize;
use serde_json::Value;

use super::json::{deep_equal, parse_actual, validate_schema};
use super::{Run, decode_config};
use crate::cache;
use crate::evidence::{Capture, Evidence};
use crate::reference::{Reference, Resolution, parse_reference, resolve};
use crate::text::normalize_ws;
use crate::verdict::Check;

fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
struct ExistsConfig {
    #[serde(default = "default_true")]
    must_exist: bool,
}

impl Default for ExistsConfig {
    fn default() -> Self {
        Self { must_exist: true }
    }
}

/// `file_exists`: never unavailable; missing evidence means "absent".
pub(super) fn exists(run: &mut Run<'_>, evidence: &Evidence, config: Option<&JsonMap>) -> Check {
    let cfg: ExistsConfig = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let target = run.validator.target.clone();
    let present = match resolve(evidence, &target) {
        Resolution::Value(r) => {
            run.read("target", &target, &r.text, r.event_id);
            true
        }
        Resolution::Unavailable { .. } => {
            if let Some(f) = file_key(&target).and_then(|k| evidence.files.get(k)) {
                run.event_id.clone_from(&f.event_id);
            }
            false
        }
        Resolution::Unsupported { reason } => return Check::pack(reason),
    };
    let ok = present == cfg.must_exist;
    let state = if present { "exists" } else { "does not exist" };
    let want = if cfg.must_exist {
        "must exist"
    } else {
        "must not exist"
    };
    Check::Binary(ok, format!("{target} {state} ({want})"))
}

fn file_key(target: &str) -> Option<&str> {
    match parse_reference(target) {
        Some(Reference::File(k)) => Some(k),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
struct ContentConfig {
    #[serde(default)]
    match_mode: Option<String>,
    #[serde(default)]
    ignore_whitespace: bool,
}

/// `file_content_match`.
pub(super) fn content_match(actual: &str, expected: &str, config: Option<&JsonMap>) -> Check {
    let cfg: ContentConfig = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let mode = cfg.match_mode.as_deref().unwrap_or("contains");
    let ws = |s: &str| {
        if cfg.ignore_whitespace {
            normalize_ws(s)
        } else {
            s.to_string()
        }
    };
    let ok = match mode {
        "contains" => ws(actual).contains(&ws(expected)),
        "not_contains" => !ws(actual).contains(&ws(expected)),
        "exact" => ws(actual) == ws(expected),
        "regex" => match cache::regex(expected).as_ref() {
            Ok(re) => re.is_match(actual),
            Err(e) => return Check::pack(e.clone()),
        },
        "json_equal" => {
            let e: Value = match serde_json::from_str(expected.trim()) {
                Ok(v) => v,
                Err(e) => return Check::pack(format!("expected value is not JSON: {e}")),
            };
            match parse_actual(actual) {
                Ok(a) => deep_equal(&a, &e),
                Err(c) => return c,
            }
        }
        other => return Check::pack(format!("unknown match_mode {other:?}")),
    };
    Check::Binary(
        ok,
        format!("{mode} check {}", if ok { "held" } else { "did not hold" }),
    )
}

#[derive(Deserialize, Default)]
struct SchemaConfig {
    #[serde(default)]
    schema: Option<Value>,
}

/// `file_json_schema`: schema from the config.
pub(super) fn json_schema(actual: &str, config: Option<&JsonMap>) -> Check {
    let cfg: SchemaConfig = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let Some(schema) = cfg.schema else {
        return Check::pack("config.schema is required");
    };
    match parse_actual(actual) {
        Ok(instance) => validate_schema(&schema, &instance),
        Err(c) => c,
    }
}

#[derive(Deserialize, Default)]
struct DirConfig {
    #[serde(default)]
    required_files: Vec<String>,
    #[serde(default)]
    forbidden_files: Vec<String>,
    #[serde(default)]
    required_directories: Vec<String>,
}

/// Both spellings of a listing entry: relative to the listed directory and
/// absolute.
fn entry_forms(dir: &str, entry: &str) -> [String; 2] {
    let dir = dir.trim_end_matches('/');
    let clean = entry.trim_end_matches('/');
    if let Some(rel) = clean.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) {
        [rel.to_string(), clean.to_string()]
    } else if clean.starts_with('/') {
        [clean.to_string(), clean.to_string()]
    } else {
        let rel = clean.trim_start_matches("./");
        [rel.to_string(), format!("{dir}/{rel}")]
    }
}

/// `directory_structure` over a `directory_listing` capture.
pub(super) fn directory_structure(
    run: &mut Run<'_>,
    evidence: &Evidence,
    config: Option<&JsonMap>,
) -> Check {
    if config.is_none() {
        return Check::pack("config is required for directory_structure");
    }
    let cfg: DirConfig = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let target = run.validator.target.clone();
    let Some(key) = file_key(&target) else {
        return Check::pack("directory_structure needs a file:<key> target");
    };
    let Some(file) = evidence.files.get(key) else {
        return Check::Unavailable(format!("no post-execution capture {key:?}"));
    };
    let (dir, entries) = match &file.capture {
        Capture::Listing { path, entries } => (path, entries),
        Capture::Missing { path } => return Check::Unavailable(format!("{path} did not exist")),
        Capture::File { .. } => {
            return Check::pack(format!(
                "{target} is a file capture, not a directory listing"
            ));
        }
    };
    if let Resolution::Value(r) = resolve(evidence, &target) {
        run.read("target", &target, &r.text, r.event_id);
    }
    let present: std::collections::HashSet<String> = entries
        .iter()
        .flat_map(|e| entry_forms(dir, &e.path))
        .collect();
    let has = |p: &str| {
        let p = p.trim_end_matches('/');
        present.contains(p.trim_start_matches("./"))
    };
    let mut problems = Vec::new();
    for f in &cfg.required_files {
        if !has(f) {
            problems.push(format!("missing required file {f}"));
        }
    }
    for f in &cfg.forbidden_files {
        if has(f) {
            problems.push(format!("forbidden file {f} is present"));
        }
    }
    for d in &cfg.required_directories {
        if !has(d) {
            problems.push(format!("missing required directory {d}"));
        }
    }
    if problems.is_empty() {
        Check::Binary(true, "directory matches the required structure".into())
    } else {
        Check::Binary(false, problems.join("; "))
    }
}
