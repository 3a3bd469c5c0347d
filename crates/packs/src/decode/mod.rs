//! Decoding of the positioned YAML tree into the typed model: allowed keys,
//! scalar types, enum spellings and the normalisation of §0.2. Everything
//! found here is reported and decoding goes on, so a file's problems all
//! show up in one pass.

mod cases;
mod eval;
mod pack;
mod security;
mod tools;

pub(crate) use pack::decode_pack;

use serde_json::Value;

use crate::diagnostics::{Severity, Sink};
use crate::model::{JsonMap, StrEnum};
use crate::suggest::closest;
use crate::yaml::{Entry, Kind, Node, Resolved};

/// How scalars are typed: outside `evaluation_spec` any scalar may fill a
/// string field and booleans accept `yes/no/on/off`; inside, types are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone {
    Lenient,
    Strict,
}

/// Facts noticed while decoding that later rules need (they are not part of
/// the normalised model).
#[derive(Debug, Default)]
pub(crate) struct Notes {
    /// `allowed_tool_kinds` was written as an explicit empty list.
    pub empty_tool_kinds: bool,
    /// `version.tool_policy` was a non-empty mapping.
    pub tool_policy_present: bool,
    /// `version.sandbox` was present and not null.
    pub sandbox_present: bool,
    /// Input sets (by index) whose cases came from legacy `items`.
    pub legacy_item_sets: Vec<usize>,
    /// Validators (by index) whose `config` key was present.
    pub validator_config_present: Vec<bool>,
    /// Judge key → mode as written, for judges whose mode did not decode.
    pub judge_modes: std::collections::HashMap<String, String>,
}

/// Decoding state: the diagnostic sink and the paths whose subtree could not
/// be decoded (later rules stay quiet about them).
pub(crate) struct Decoder<'s> {
    pub sink: &'s mut Sink,
    pub broken: Vec<String>,
    pub notes: Notes,
}

/// A mapping node whose keys were checked.
pub(crate) struct Obj<'n> {
    pub node: &'n Node,
    entries: &'n [Entry],
    pub path: String,
    pub zone: Zone,
}

impl<'n> Obj<'n> {
    /// The value under `key`, `None` when absent or null.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
            .filter(|n| !n.is_null())
    }

    /// Whether `key` is written at all (even as null).
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    /// Path of a child key.
    pub fn child(&self, key: &str) -> String {
        join(&self.path, key)
    }
}

/// `parent.key`, or `key` at the root.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// `parent[i]`.
pub(crate) fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// Where a misplaced key belongs, for a friendlier message than "unknown".
const ROOT_KEYS: &[&str] = &[
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
const VERSION_KEYS: &[&str] = &[
    "number",
    "execution_mode",
    "tool_policy",
    "filesystem",
    "sandbox",
    "deployment_defaults",
    "evaluation_spec",
    "assets",
];

impl<'s> Decoder<'s> {
    /// A new decoder writing into `sink`.
    pub fn new(sink: &'s mut Sink) -> Self {
        Self {
            sink,
            broken: Vec::new(),
            notes: Notes::default(),
        }
    }

    /// Records a diagnostic at a node.
    pub fn report(&mut self, sev: Severity, path: &str, node: &Node, msg: impl Into<String>) {
        self.sink.push(sev, path, node.pos, msg, None);
    }

    /// Records an error at a node.
    pub fn error(&mut self, path: &str, node: &Node, msg: impl Into<String>) {
        self.report(Severity::Error, path, node, msg);
    }

    /// Records a structural failure: an error, and silence for later rules.
    fn broken(&mut self, path: &str, node: &Node, msg: impl Into<String>) {
        self.error(path, node, msg);
        self.broken.push(path.to_owned());
    }

    /// Opens a mapping, reporting keys outside `allowed` with severity
    /// `unknown`. `None` when absent, null, or not a mapping.
    pub fn obj<'n>(
        &mut self,
        node: Option<&'n Node>,
        path: &str,
        allowed: &[&str],
        zone: Zone,
        unknown: Severity,
    ) -> Option<Obj<'n>> {
        let node = node.filter(|n| !n.is_null())?;
        let Kind::Map(entries) = &node.kind else {
            self.broken(
                path,
                node,
                format!("must be a mapping (got {})", node.type_name()),
            );
            return None;
        };
        for e in entries {
            if allowed.contains(&e.key.as_str()) {
                continue;
            }
            let key_path = join(path, &e.key);
            let (mut message, suggestion) = self.unknown_key_message(path, &e.key, allowed);
            if unknown == Severity::Error {
                message = message
                    .replace(" (ignored)", "")
                    .replace(" and is ignored", "");
            }
            self.sink
                .push(unknown, &key_path, e.key_pos, message, suggestion);
        }
        Some(Obj {
            node,
            entries,
            path: path.to_owned(),
            zone,
        })
    }

    fn unknown_key_message(
        &self,
        path: &str,
        key: &str,
        allowed: &[&str],
    ) -> (String, Option<String>) {
        let here = if path.is_empty() {
            "the top level"
        } else {
            path
        };
        if path == "version" && ROOT_KEYS.contains(&key) {
            return (
                format!(
                    "`{key}` is not allowed under `version` and is ignored; it belongs at the top level"
                ),
                None,
            );
        }
        if path.is_empty() && VERSION_KEYS.contains(&key) {
            return (
                format!(
                    "`{key}` is not allowed at the top level and is ignored; it belongs under `version`"
                ),
                None,
            );
        }
        let suggestion = closest(key, allowed).map(str::to_owned);
        (
            format!("unknown field \"{key}\" in {here} (ignored)"),
            suggestion,
        )
    }

    /// A scalar rendered as text, honouring the zone's typing rules.
    /// `None` when absent/null or of the wrong type (reported).
    pub fn raw_string(&mut self, node: Option<&Node>, path: &str, zone: Zone) -> Option<String> {
        let node = node.filter(|n| !n.is_null())?;
        let Some(s) = node.scalar() else {
            self.error(
                path,
                node,
                format!("must be a string (got {})", node.type_name()),
            );
            return None;
        };
        match (zone, s.resolve()) {
            (_, Resolved::Str(t)) => Some(t.to_owned()),
            (Zone::Lenient, _) => Some(s.text.clone()),
            (Zone::Strict, _) => {
                self.error(
                    path,
                    node,
                    format!("must be a string (got {})", node.type_name()),
                );
                None
            }
        }
    }

    /// A trimmed string field; empty when absent.
    pub fn text(&mut self, o: &Obj, key: &str) -> String {
        self.raw_string(o.get(key), &o.child(key), o.zone)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    }

    /// A trimmed optional string field; `None` when absent or blank.
    pub fn opt_text(&mut self, o: &Obj, key: &str) -> Option<String> {
        Some(self.text(o, key)).filter(|s| !s.is_empty())
    }

    /// An untrimmed optional string field.
    pub fn opt_raw(&mut self, o: &Obj, key: &str) -> Option<String> {
        self.raw_string(o.get(key), &o.child(key), o.zone)
    }

    /// An integer field.
    pub fn int(&mut self, o: &Obj, key: &str) -> Option<i64> {
        let node = o.get(key)?;
        let path = o.child(key);
        match node.scalar().map(|s| s.resolve()) {
            Some(Resolved::Int(i)) => Some(i),
            Some(Resolved::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => {
                self.error(
                    &path,
                    node,
                    format!("must be an integer (got {})", node.type_name()),
                );
                None
            }
        }
    }

    /// A 32-bit integer field.
    pub fn int32(&mut self, o: &Obj, key: &str) -> Option<i32> {
        let v = self.int(o, key)?;
        match i32::try_from(v) {
            Ok(v) => Some(v),
            Err(_) => {
                if let Some(node) = o.get(key) {
                    self.error(&o.child(key), node, "must fit in a 32-bit integer");
                }
                None
            }
        }
    }

    /// A finite number field.
    pub fn float(&mut self, o: &Obj, key: &str) -> Option<f64> {
        let node = o.get(key)?;
        let path = o.child(key);
        match node.scalar().map(|s| s.resolve()) {
            Some(Resolved::Int(i)) => Some(i as f64),
            Some(Resolved::Float(f)) if f.is_finite() => Some(f),
            Some(Resolved::Float(_)) => {
                self.error(&path, node, "must be a finite number");
                None
            }
            _ => {
                self.error(
                    &path,
                    node,
                    format!("must be a number (got {})", node.type_name()),
                );
                None
            }
        }
    }

    /// A boolean field (`yes/no/on/off` also accepted in the lenient zone).
    pub fn boolean(&mut self, o: &Obj, key: &str) -> Option<bool> {
        self.boolean_in(o, key, o.zone)
    }

    /// A boolean field with an explicit typing zone.
    pub fn boolean_in(&mut self, o: &Obj, key: &str, zone: Zone) -> Option<bool> {
        let node = o.get(key)?;
        let s = node.scalar();
        if let Some(Resolved::Bool(b)) = s.map(|s| s.resolve()) {
            return Some(b);
        }
        if zone == Zone::Lenient
            && let Some(s) = s.filter(|s| s.plain)
        {
            match s.text.to_ascii_lowercase().as_str() {
                "yes" | "on" => return Some(true),
                "no" | "off" => return Some(false),
                _ => {}
            }
        }
        let path = o.child(key);
        self.error(
            &path,
            node,
            format!("must be a boolean (got {})", node.type_name()),
        );
        None
    }

    /// The items of a list field with their paths; empty when absent.
    pub fn seq<'n>(&mut self, o: &Obj<'n>, key: &str) -> Vec<(String, &'n Node)> {
        let path = o.child(key);
        let Some(node) = o.get(key) else {
            return Vec::new();
        };
        match &node.kind {
            Kind::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, n)| (index(&path, i), n))
                .collect(),
            _ => {
                self.broken(
                    &path,
                    node,
                    format!("must be a list (got {})", node.type_name()),
                );
                Vec::new()
            }
        }
    }

    /// A list of trimmed strings.
    pub fn strings(&mut self, o: &Obj, key: &str) -> Vec<String> {
        let zone = o.zone;
        self.seq(o, key)
            .into_iter()
            .filter_map(|(p, n)| self.raw_string(Some(n), &p, zone))
            .map(|s| s.trim().to_owned())
            .collect()
    }

    /// A free-form value converted to JSON (non-finite numbers rejected).
    pub fn json(&mut self, node: &Node, path: &str) -> Value {
        match &node.kind {
            Kind::Scalar(s) => match s.resolve() {
                Resolved::Null => Value::Null,
                Resolved::Bool(b) => Value::Bool(b),
                Resolved::Int(i) => Value::from(i),
                Resolved::Float(f) => match serde_json::Number::from_f64(f) {
                    Some(n) => Value::Number(n),
                    None => {
                        self.error(
                            path,
                            node,
                            "non-finite numbers cannot be represented in JSON",
                        );
                        Value::Null
                    }
                },
                Resolved::Str(t) => Value::String(t.to_owned()),
            },
            Kind::Seq(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| self.json(n, &index(path, i)))
                    .collect(),
            ),
            Kind::Map(entries) => {
                let mut m = JsonMap::new();
                for e in entries {
                    let v = self.json(&e.value, &format!("{path}[\"{}\"]", e.key));
                    m.insert(e.key.clone(), v);
                }
                Value::Object(m)
            }
        }
    }

    /// A free-form value, `None` when absent or null.
    pub fn opt_json(&mut self, o: &Obj, key: &str) -> Option<Value> {
        let node = o.get(key)?;
        Some(self.json(node, &o.child(key)))
    }

    /// A free-form mapping field.
    pub fn json_map(&mut self, o: &Obj, key: &str) -> Option<JsonMap> {
        let node = o.get(key)?;
        let path = o.child(key);
        match self.json(node, &path) {
            Value::Object(m) => Some(m),
            _ => {
                self.broken(
                    &path,
                    node,
                    format!("must be a mapping (got {})", node.type_name()),
                );
                None
            }
        }
    }

    /// An enum field. `lower` trims and lower-cases first (security enums);
    /// otherwise the value is compared exactly. Unknown spellings are
    /// reported with a suggestion and decode as the `Invalid` placeholder.
    pub fn enumeration<E: StrEnum>(&mut self, o: &Obj, key: &str, lower: bool) -> Option<E> {
        let node = o.get(key)?;
        let path = o.child(key);
        let raw = self.raw_string(Some(node), &path, o.zone)?;
        self.enum_text(&raw, node, &path, lower)
    }

    /// Parses an enum from text already extracted from `node`.
    pub fn enum_text<E: StrEnum>(
        &mut self,
        raw: &str,
        node: &Node,
        path: &str,
        lower: bool,
    ) -> Option<E> {
        let value = if lower {
            raw.trim().to_lowercase()
        } else {
            raw.to_owned()
        };
        if let Some(v) = E::parse(&value) {
            return Some(v);
        }
        let suggestion = closest(value.trim(), E::NAMES).map(str::to_owned);
        self.sink.push(
            Severity::Error,
            path,
            node.pos,
            format!("must be one of {} (got \"{raw}\")", E::NAMES.join(", ")),
            suggestion,
        );
        Some(E::INVALID)
    }

    /// Reports a required field that is missing, at the parent mapping.
    pub fn require(&mut self, o: &Obj, key: &str) -> bool {
        if o.get(key).is_some() {
            return true;
        }
        let path = o.child(key);
        self.sink
            .push(Severity::Error, &path, o.node.pos, "is required", None);
        false
    }
}
