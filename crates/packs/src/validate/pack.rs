//! Rules on `pack`, `version` (modes, tool policy, sandbox), voice sections,
//! challenges and asset lists (§9.2, §9.3, §9.5).

use std::collections::HashSet;

use super::syntax::{is_apt_package, is_cidr, is_env_name};
use super::{Reporter, unique_keys};
use crate::model::{ArtifactRef, Asset, ExecutionMode, Modality, Pack};

pub(crate) fn check(r: &mut Reporter, p: &Pack) {
    r.required("pack.slug", &p.pack.slug);
    r.required("pack.name", &p.pack.name);
    r.required("pack.family", &p.pack.family);
    if p.version.number <= 0 {
        r.error("version.number", "must be greater than 0");
    }
    modes(r, p);
    sandbox(r, p);
    voice(r, p);
    if p.pack.family == "security" && p.security.is_none() {
        r.error("security", "is required when pack.family == \"security\"");
    }
    assets(r, "version.assets", &p.version.assets);
    let version_assets: HashSet<&str> = p.version.assets.iter().map(|a| a.key.as_str()).collect();
    if p.challenges.is_empty() {
        r.error("challenges", "must contain at least one challenge");
    }
    for (i, c) in p.challenges.iter().enumerate() {
        let path = format!("challenges[{i}]");
        r.required(&format!("{path}.key"), &c.key);
        r.required(&format!("{path}.title"), &c.title);
        r.required(&format!("{path}.category"), &c.category);
        assets(r, &format!("{path}.assets"), &c.assets);
        artifact_refs(
            r,
            &format!("{path}.artifact_refs"),
            &c.artifact_refs,
            &version_assets,
        );
    }
    unique_keys(
        r,
        p.challenges
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("challenges[{i}].key"), c.key.as_str())),
    );
    if p.input_sets.is_empty() {
        r.error("input_sets", "must contain at least one input set");
    }
}

fn modes(r: &mut Reporter, p: &Pack) {
    let mode = p.version.execution_mode;
    if mode == Some(ExecutionMode::PromptEval) {
        if !p.tools.is_empty() {
            r.error(
                "tools",
                "must be empty when version.execution_mode is prompt_eval",
            );
        }
        if r.notes.sandbox_present {
            r.error(
                "version.sandbox",
                "must be omitted when version.execution_mode is prompt_eval",
            );
        }
        if r.notes.tool_policy_present {
            r.error(
                "version.tool_policy",
                "must be empty when version.execution_mode is prompt_eval",
            );
        }
    }
    if mode == Some(ExecutionMode::Responses) && !p.tools.is_empty() {
        r.error(
            "tools",
            "must be empty when version.execution_mode is responses (use OpenAI Responses tools, not pack-defined tools)",
        );
    }
}

fn sandbox(r: &mut Reporter, p: &Pack) {
    let Some(s) = &p.version.sandbox else {
        return;
    };
    for (i, cidr) in s.network_allowlist.iter().enumerate() {
        if !is_cidr(cidr) {
            r.error(
                &format!("version.sandbox.network_allowlist[{i}]"),
                "must be a valid CIDR (e.g. 10.0.0.0/8)",
            );
        }
    }
    for (k, v) in &s.env_vars {
        let path = format!("version.sandbox.env_vars[{k}]");
        if !is_env_name(k) {
            r.error(&path, "key must match [A-Za-z_][A-Za-z0-9_]*");
        }
        if v.contains("${") {
            let msg = if v.contains("${secrets.") {
                "must be a literal string: secrets cannot be injected through env_vars (use http_request headers in a composed tool)"
            } else {
                "must be a literal string (no ${…} placeholders)"
            };
            r.error(&path, msg);
        }
    }
    for (i, name) in s.additional_packages.iter().enumerate() {
        if !is_apt_package(name) {
            r.error(
                &format!("version.sandbox.additional_packages[{i}]"),
                "must be a valid apt package name",
            );
        }
    }
}

fn voice(r: &mut Reporter, p: &Pack) {
    let voice = p.modality == Some(Modality::Voice);
    if p.modality.is_none() {
        if p.interface_spec.is_some() {
            r.error("modality", "is required when interface_spec is set");
        }
        if p.scenario.is_some() {
            r.error("modality", "is required when scenario is set");
        }
    }
    if !voice {
        return;
    }
    match &p.interface_spec {
        None => r.error("interface_spec", "is required when modality is voice"),
        Some(spec) => {
            if spec.transports.is_empty() {
                r.error(
                    "interface_spec.transports",
                    "must contain at least one transport",
                );
            }
            if spec.channel_profile.is_empty() {
                r.error(
                    "interface_spec.channel_profile",
                    "is required when modality is voice",
                );
            }
        }
    }
    match &p.scenario {
        None => r.error("scenario", "is required when modality is voice"),
        Some(s) => {
            if s.persona.is_empty() {
                r.error("scenario.persona", "is required when modality is voice");
            }
            if s.language.is_empty() {
                r.error("scenario.language", "is required when modality is voice");
            }
            if s.max_turns <= 0 {
                r.error(
                    "scenario.max_turns",
                    "must be greater than 0 when modality is voice",
                );
            }
            if s.max_duration_ms <= 0 {
                r.error(
                    "scenario.max_duration_ms",
                    "must be greater than 0 when modality is voice",
                );
            }
        }
    }
}

/// Key/path rules of any asset list.
pub(crate) fn assets(r: &mut Reporter, path: &str, list: &[Asset]) {
    for (i, a) in list.iter().enumerate() {
        r.required(&format!("{path}[{i}].key"), &a.key);
        r.required(&format!("{path}[{i}].path"), &a.path);
    }
    unique_keys(
        r,
        list.iter()
            .enumerate()
            .map(|(i, a)| (format!("{path}[{i}].key"), a.key.as_str())),
    );
}

/// Rules of `artifact_refs` / case `artifacts`: keys name version assets.
pub(crate) fn artifact_refs(
    r: &mut Reporter,
    path: &str,
    list: &[ArtifactRef],
    version_assets: &HashSet<&str>,
) {
    for (i, a) in list.iter().enumerate() {
        let p = format!("{path}[{i}].key");
        if r.required(&p, &a.key) && !version_assets.contains(a.key.as_str()) {
            r.error(&p, "must reference a declared version asset");
        }
    }
    unique_keys(
        r,
        list.iter()
            .enumerate()
            .map(|(i, a)| (format!("{path}[{i}].key"), a.key.as_str())),
    );
}
