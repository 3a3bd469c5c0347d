//! Decoding of the top level, `pack`, `version` (except the evaluation spec),
//! assets and the voice sections.

use std::collections::BTreeMap;

use super::{Decoder, Obj, Zone};
use crate::diagnostics::Severity;
use crate::model::{
    ArtifactRef, Asset, DeploymentDefaults, ExecutionMode, Filesystem, InterfaceSpec, Modality,
    Pack, PackMeta, Sandbox, Scenario, ToolKind, ToolPolicy, Version,
};
use crate::yaml::{Kind, Node, Resolved};

const ROOT: &[&str] = &[
    "pack",
    "version",
    "tools",
    "challenges",
    "input_sets",
    "security",
    "modality",
    "interface_spec",
    "scenario",
];
const PACK: &[&str] = &["slug", "name", "family", "description"];
const VERSION: &[&str] = &[
    "number",
    "execution_mode",
    "tool_policy",
    "filesystem",
    "sandbox",
    "deployment_defaults",
    "evaluation_spec",
    "assets",
];
const TOOL_POLICY: &[&str] = &["allowed_tool_kinds", "allow_shell", "allow_network"];
const FILESYSTEM: &[&str] = &[
    "working_directory",
    "readable_roots",
    "writable_roots",
    "max_workspace_bytes",
];
const SANDBOX: &[&str] = &[
    "network_access",
    "network_allowlist",
    "env_vars",
    "additional_packages",
    "sandbox_template_id",
];
const ASSET: &[&str] = &["key", "kind", "path", "media_type", "artifact_id"];
const INTERFACE_SPEC: &[&str] = &["transports", "channel_profile", "supports_barge_in"];
const SCENARIO: &[&str] = &["persona", "language", "max_turns", "max_duration_ms"];

const WARN: Severity = Severity::Warning;

/// Decodes a whole bundle. `None` only when the root is not a mapping.
pub(crate) fn decode_pack(d: &mut Decoder, root: &Node) -> Option<Pack> {
    if let Kind::Map(entries) = &root.kind {
        let legacy = entries.iter().find(|e| {
            e.key == "tasks"
                || e.key == "scoring"
                || (e.key == "version"
                    && matches!(
                        e.value.scalar().map(|s| s.resolve()),
                        Some(Resolved::Str(_))
                    ))
        });
        if let Some(e) = legacy {
            d.sink.push(
                Severity::Error,
                &e.key,
                e.key_pos,
                "this looks like the legacy `challenge_pack/v0` schema (top-level `tasks`, `scoring` or a string `version`), which is not supported; rewrite it with `pack`, `version`, `challenges` and `input_sets`",
                None,
            );
            return None;
        }
    }
    let Some(o) = d.obj(Some(root), "", ROOT, Zone::Lenient, WARN) else {
        if !root.is_null() {
            return None;
        }
        d.error("bundle", root, "is required");
        return None;
    };
    d.require(&o, "pack");
    d.require(&o, "version");
    d.require(&o, "challenges");
    let pack = pack_meta(d, &o);
    let version = version(d, &o);
    let tools = super::tools::decode_tools(d, &o);
    let challenges = super::cases::decode_challenges(d, &o);
    let input_sets = super::cases::decode_input_sets(d, &o);
    let security = super::security::decode_security(d, &o);
    let modality = match d.opt_text(&o, "modality") {
        Some(m) => {
            let node = o.get("modality")?;
            d.enum_text::<Modality>(&m, node, "modality", false)
        }
        None => None,
    };
    let interface_spec = interface_spec(d, &o);
    let scenario = scenario(d, &o);
    Some(Pack {
        pack,
        version,
        tools,
        challenges,
        input_sets,
        security,
        modality,
        interface_spec,
        scenario,
    })
}

fn pack_meta(d: &mut Decoder, root: &Obj) -> PackMeta {
    let Some(o) = d.obj(root.get("pack"), "pack", PACK, Zone::Lenient, WARN) else {
        return PackMeta::default();
    };
    PackMeta {
        slug: d.text(&o, "slug"),
        name: d.text(&o, "name"),
        family: d.text(&o, "family").to_lowercase(),
        description: d.opt_raw(&o, "description"),
    }
}

fn version(d: &mut Decoder, root: &Obj) -> Version {
    let Some(o) = d.obj(root.get("version"), "version", VERSION, Zone::Lenient, WARN) else {
        return Version::default();
    };
    let number = d.int32(&o, "number").unwrap_or(0);
    let execution_mode = match d.opt_text(&o, "execution_mode") {
        Some(m) => o
            .get("execution_mode")
            .and_then(|n| d.enum_text::<ExecutionMode>(&m, n, "version.execution_mode", false)),
        None => None,
    };
    let tool_policy = tool_policy(d, &o);
    let filesystem = filesystem(d, &o);
    let sandbox = sandbox(d, &o);
    let deployment_defaults = deployment_defaults(d, &o);
    let evaluation_spec = super::eval::decode_spec(d, &o);
    let assets = assets(d, &o, "assets");
    Version {
        number,
        execution_mode,
        tool_policy,
        filesystem,
        sandbox,
        deployment_defaults,
        evaluation_spec,
        assets,
    }
}

fn tool_policy(d: &mut Decoder, v: &Obj) -> ToolPolicy {
    let path = "version.tool_policy";
    let Some(o) = d.obj(v.get("tool_policy"), path, TOOL_POLICY, Zone::Lenient, WARN) else {
        return ToolPolicy::default();
    };
    d.notes.tool_policy_present = matches!(&o.node.kind, Kind::Map(e) if !e.is_empty());
    let mut kinds = Vec::new();
    let kinds_path = o.child("allowed_tool_kinds");
    if let Some(node) = o.get("allowed_tool_kinds") {
        match &node.kind {
            Kind::Seq(items) => {
                d.notes.empty_tool_kinds = items.is_empty();
                for (i, item) in items.iter().enumerate() {
                    let p = super::index(&kinds_path, i);
                    let text = match item.scalar().map(|s| s.resolve()) {
                        Some(Resolved::Str(t)) if !t.trim().is_empty() => t.to_owned(),
                        _ => {
                            d.error(&p, item, "must be a supported tool kind string");
                            continue;
                        }
                    };
                    if let Some(k) = d.enum_text::<ToolKind>(&text, item, &p, true) {
                        kinds.push(k);
                    }
                }
            }
            _ => d.error(
                &kinds_path,
                node,
                "must be an array of supported tool kind strings",
            ),
        }
    }
    ToolPolicy {
        allowed_tool_kinds: kinds,
        allow_shell: d
            .boolean_in(&o, "allow_shell", Zone::Strict)
            .unwrap_or(false),
        allow_network: d
            .boolean_in(&o, "allow_network", Zone::Strict)
            .unwrap_or(false),
    }
}

fn filesystem(d: &mut Decoder, v: &Obj) -> Filesystem {
    let path = "version.filesystem";
    let Some(o) = d.obj(v.get("filesystem"), path, FILESYSTEM, Zone::Lenient, WARN) else {
        return Filesystem::default();
    };
    Filesystem {
        working_directory: d.opt_text(&o, "working_directory"),
        readable_roots: d.strings(&o, "readable_roots"),
        writable_roots: d.strings(&o, "writable_roots"),
        max_workspace_bytes: d.int(&o, "max_workspace_bytes").unwrap_or(0),
    }
}

fn sandbox(d: &mut Decoder, v: &Obj) -> Option<Sandbox> {
    let node = v.get("sandbox");
    d.notes.sandbox_present = node.is_some();
    let o = d.obj(node, "version.sandbox", SANDBOX, Zone::Lenient, WARN)?;
    let mut env_vars = BTreeMap::new();
    for (key, key_node, value) in string_map(d, &o, "env_vars") {
        if let Some(value) = value {
            env_vars.insert(key, value);
        } else {
            let _ = key_node;
        }
    }
    Some(Sandbox {
        network_access: d.boolean(&o, "network_access").unwrap_or(false),
        network_allowlist: d.strings(&o, "network_allowlist"),
        env_vars,
        additional_packages: d.strings(&o, "additional_packages"),
        sandbox_template_id: d.opt_text(&o, "sandbox_template_id"),
    })
}

/// Entries of a free-form `name → scalar` map: (key, value node, text).
fn string_map<'n>(
    d: &mut Decoder,
    o: &Obj<'n>,
    key: &str,
) -> Vec<(String, &'n Node, Option<String>)> {
    let path = o.child(key);
    let Some(node) = o.get(key) else {
        return Vec::new();
    };
    let Kind::Map(entries) = &node.kind else {
        d.error(
            &path,
            node,
            format!("must be a mapping (got {})", node.type_name()),
        );
        return Vec::new();
    };
    entries
        .iter()
        .map(|e| {
            let p = format!("{path}[{}]", e.key);
            let v = d.raw_string(Some(&e.value), &p, Zone::Lenient);
            (e.key.clone(), &e.value, v)
        })
        .collect()
}

fn deployment_defaults(d: &mut Decoder, v: &Obj) -> Option<DeploymentDefaults> {
    let path = "version.deployment_defaults";
    let o = d.obj(
        v.get("deployment_defaults"),
        path,
        &["aliases", "lineups"],
        Zone::Lenient,
        WARN,
    )?;
    let mut out = DeploymentDefaults::default();
    let aliases_path = o.child("aliases");
    for (key, node, value) in string_map(d, &o, "aliases") {
        let p = format!("{aliases_path}[\"{key}\"]");
        let Some(k) = trimmed_unique_key(d, &key, node, &p, out.aliases.contains_key(key.trim()))
        else {
            continue;
        };
        let value = value.map(|s| s.trim().to_owned()).unwrap_or_default();
        if value.is_empty() {
            d.error(&p, node, "selector is required");
        }
        out.aliases.insert(k, value);
    }
    let lineups_path = o.child("lineups");
    if let Some(node) = o.get("lineups") {
        match &node.kind {
            Kind::Map(entries) => {
                for e in entries {
                    let p = format!("{lineups_path}[\"{}\"]", e.key);
                    let dup = out.lineups.contains_key(e.key.trim());
                    let Some(k) = trimmed_unique_key(d, &e.key, &e.value, &p, dup) else {
                        continue;
                    };
                    let mut selectors = Vec::new();
                    match &e.value.kind {
                        Kind::Seq(items) => {
                            for (i, item) in items.iter().enumerate() {
                                let ip = super::index(&p, i);
                                let s = d
                                    .raw_string(Some(item), &ip, Zone::Lenient)
                                    .map(|s| s.trim().to_owned())
                                    .unwrap_or_default();
                                if s.is_empty() {
                                    d.error(&ip, item, "selector is required");
                                }
                                selectors.push(s);
                            }
                        }
                        _ if e.value.is_null() => {}
                        _ => d.error(&p, &e.value, "must be a list of deployment selectors"),
                    }
                    if selectors.is_empty() {
                        d.error(
                            &p,
                            &e.value,
                            "must include at least one deployment selector",
                        );
                    }
                    out.lineups.insert(k, selectors);
                }
            }
            _ => d.error(&lineups_path, node, "must be a mapping of lineups"),
        }
    }
    if out.aliases.is_empty() && out.lineups.is_empty() {
        return None;
    }
    if out.lineups.is_empty() {
        d.error(
            &lineups_path,
            o.node,
            "must include at least a default lineup",
        );
    } else if !out.lineups.contains_key("default") {
        d.error(&format!("{lineups_path}.default"), o.node, "is required");
    }
    Some(out)
}

fn trimmed_unique_key(
    d: &mut Decoder,
    key: &str,
    node: &Node,
    path: &str,
    duplicate: bool,
) -> Option<String> {
    let k = key.trim();
    if k.is_empty() {
        d.error(path, node, "key is required");
        return None;
    }
    if duplicate {
        d.error(path, node, "key must be unique after trimming whitespace");
        return None;
    }
    Some(k.to_owned())
}

/// Decodes an asset list.
pub(crate) fn assets(d: &mut Decoder, o: &Obj, key: &str) -> Vec<Asset> {
    let mut out = Vec::new();
    for (p, node) in d.seq(o, key) {
        let Some(a) = d.obj(Some(node), &p, ASSET, Zone::Lenient, WARN) else {
            out.push(Asset::default());
            continue;
        };
        let artifact_id = d.opt_text(&a, "artifact_id");
        if let Some(id) = &artifact_id
            && !is_uuid(id)
            && let Some(n) = a.get("artifact_id")
        {
            d.error(
                &a.child("artifact_id"),
                n,
                format!("must be a UUID (got \"{id}\")"),
            );
        }
        out.push(Asset {
            key: d.text(&a, "key"),
            path: d.text(&a, "path"),
            kind: d.opt_text(&a, "kind"),
            media_type: d.opt_text(&a, "media_type"),
            artifact_id,
        });
    }
    out
}

/// Decodes a list of `{key}` references to version assets.
pub(crate) fn artifact_refs(d: &mut Decoder, o: &Obj, key: &str) -> Vec<ArtifactRef> {
    let mut out = Vec::new();
    for (p, node) in d.seq(o, key) {
        let r = d.obj(Some(node), &p, &["key"], Zone::Lenient, WARN);
        let key = r.map(|r| d.text(&r, "key")).unwrap_or_default();
        out.push(ArtifactRef { key });
    }
    out
}

/// Accepts the textual UUID forms Go's parser accepts: hyphenated, bare,
/// braced and `urn:uuid:`.
fn is_uuid(s: &str) -> bool {
    let s = s.strip_prefix("urn:uuid:").unwrap_or(s);
    let s = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(s);
    let hex = |p: &str| p.chars().all(|c| c.is_ascii_hexdigit());
    match s.len() {
        32 => hex(s),
        36 => {
            let parts: Vec<&str> = s.split('-').collect();
            parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| hex(p))
        }
        _ => false,
    }
}

fn interface_spec(d: &mut Decoder, root: &Obj) -> Option<InterfaceSpec> {
    let path = "interface_spec";
    let o = d.obj(root.get(path), path, INTERFACE_SPEC, Zone::Lenient, WARN)?;
    let mut transports = Vec::new();
    for (p, node) in d.seq(&o, "transports") {
        let Some(t) = d.raw_string(Some(node), &p, Zone::Lenient) else {
            continue;
        };
        if let Some(t) = d.enum_text(t.trim(), node, &p, false) {
            if transports.contains(&t) {
                d.error(&p, node, "must be unique");
            }
            transports.push(t);
        }
    }
    Some(InterfaceSpec {
        transports,
        channel_profile: d.text(&o, "channel_profile"),
        supports_barge_in: d.boolean(&o, "supports_barge_in").unwrap_or(false),
    })
}

fn scenario(d: &mut Decoder, root: &Obj) -> Option<Scenario> {
    let o = d.obj(
        root.get("scenario"),
        "scenario",
        SCENARIO,
        Zone::Lenient,
        WARN,
    )?;
    Some(Scenario {
        persona: d.text(&o, "persona"),
        language: d.text(&o, "language"),
        max_turns: d.int32(&o, "max_turns").unwrap_or(0),
        max_duration_ms: d.int(&o, "max_duration_ms").unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::is_uuid;

    #[test]
    fn uuid_forms() {
        assert!(is_uuid("0190a5b2-7c3e-7d4f-8a9b-1c2d3e4f5a6b"));
        assert!(is_uuid("0190a5b27c3e7d4f8a9b1c2d3e4f5a6b"));
        assert!(is_uuid("{0190a5b2-7c3e-7d4f-8a9b-1c2d3e4f5a6b}"));
        assert!(!is_uuid("not-a-uuid"));
        assert!(!is_uuid("0190a5b2-7c3e-7d4f-8a9b1c2d3e4f5a6b-"));
    }
}
