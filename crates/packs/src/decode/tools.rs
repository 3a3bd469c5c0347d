//! Decoding of the top-level `tools` block (custom composed and mock tools).

use super::{Decoder, Obj, Zone};
use crate::diagnostics::Severity;
use crate::model::{
    ComposedTool, CustomTool, MockMarker, MockStrategy, MockTool, ToolImplementation, Tools,
};

const TOOLS: &[&str] = &["custom", "allowed", "denied"];
const CUSTOM: &[&str] = &["name", "description", "parameters", "implementation"];
const COMPOSED: &[&str] = &["primitive", "args", "type"];
const MOCK: &[&str] = &[
    "type",
    "strategy",
    "response",
    "lookup_key",
    "responses",
    "template",
];
const WARN: Severity = Severity::Warning;

/// Decodes `tools`; absent means empty.
pub(crate) fn decode_tools(d: &mut Decoder, root: &Obj) -> Tools {
    let Some(o) = d.obj(root.get("tools"), "tools", TOOLS, Zone::Lenient, WARN) else {
        return Tools::default();
    };
    let mut custom = Vec::new();
    for (p, node) in d.seq(&o, "custom") {
        let Some(t) = d.obj(Some(node), &p, CUSTOM, Zone::Lenient, WARN) else {
            continue;
        };
        let implementation = implementation(d, &t);
        custom.push(CustomTool {
            name: d.text(&t, "name"),
            description: d.opt_raw(&t, "description").unwrap_or_default(),
            parameters: d.opt_json(&t, "parameters"),
            implementation,
        });
    }
    Tools {
        custom,
        allowed: d.strings(&o, "allowed"),
        denied: d.strings(&o, "denied"),
    }
}

fn implementation(d: &mut Decoder, t: &Obj) -> ToolImplementation {
    let path = t.child("implementation");
    let node = t.get("implementation");
    if node.is_none() {
        d.require(t, "implementation");
    }
    let type_text = node
        .and_then(|n| match &n.kind {
            crate::yaml::Kind::Map(entries) => entries.iter().find(|e| e.key == "type"),
            _ => None,
        })
        .and_then(|e| e.value.scalar())
        .map(|s| s.text.trim().to_lowercase());
    let is_mock = type_text.as_deref() == Some("mock");
    let allowed = if is_mock { MOCK } else { COMPOSED };
    let Some(o) = d.obj(node, &path, allowed, Zone::Lenient, WARN) else {
        return ToolImplementation::Composed(ComposedTool::default());
    };
    if is_mock {
        return ToolImplementation::Mock(mock(d, &o));
    }
    if let (Some(kind), Some(n)) = (type_text, o.get("type")) {
        d.error(
            &o.child("type"),
            n,
            format!("must be \"mock\" or omitted (got \"{kind}\")"),
        );
    }
    if !o.has("args") {
        d.require(&o, "args");
    }
    ToolImplementation::Composed(ComposedTool {
        primitive: d.text(&o, "primitive"),
        args: d.json_map(&o, "args").unwrap_or_default(),
    })
}

fn mock(d: &mut Decoder, o: &Obj) -> MockTool {
    let response = d.opt_json(o, "response");
    let lookup_key = d.opt_text(o, "lookup_key");
    let responses = d.json_map(o, "responses");
    let template = d.json_map(o, "template");
    let strategy = match d.opt_text(o, "strategy") {
        Some(s) => o
            .get("strategy")
            .and_then(|n| d.enum_text(&s.to_lowercase(), n, &o.child("strategy"), false))
            .unwrap_or(MockStrategy::Invalid),
        None if lookup_key.is_some() || responses.is_some() => MockStrategy::Lookup,
        None if template.is_some() => MockStrategy::Echo,
        None => MockStrategy::Static,
    };
    MockTool {
        marker: MockMarker::Mock,
        strategy,
        response,
        lookup_key,
        responses,
        template,
    }
}
