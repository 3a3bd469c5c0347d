//! A positioned YAML tree built from parser events: every node and mapping
//! key keeps its line and column, duplicate keys are reported, anchors,
//! aliases and merge keys (`<<`) are resolved, and size and depth are bounded
//! so hostile input cannot exhaust memory or the stack.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use granit_parser::{Event, Marker, Options, Parser, ScalarStyle, Span, Tag};

use crate::diagnostics::{Pos, Severity, Sink};

/// Deepest nesting accepted; every recursive walk of the tree relies on it.
pub(crate) const MAX_DEPTH: usize = 96;
/// Most nodes a document may expand to (aliases included): bounds memory.
const MAX_NODES: usize = 400_000;

/// A YAML node with its source position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: Kind,
    pub pos: Pos,
}

/// The shape of a node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A scalar as written, typed lazily by [`Scalar::resolve`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scalar {
    pub text: String,
    /// Plain (unquoted, non-block) scalars are the only ones typed by content.
    pub plain: bool,
    /// Suffix of a core-schema tag such as `!!str`.
    pub tag: Option<String>,
}

/// One `key: value` pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// The YAML 1.2 core-schema type of a scalar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl Scalar {
    /// Types the scalar the way a YAML 1.2 core-schema loader does.
    pub fn resolve(&self) -> Resolved<'_> {
        let t = self.text.as_str();
        match self.tag.as_deref() {
            Some("str") => return Resolved::Str(t),
            Some("null") => return Resolved::Null,
            Some("bool") | Some("int") | Some("float") => return resolve_plain(t),
            Some(_) => return Resolved::Str(t),
            None => {}
        }
        if self.plain {
            resolve_plain(t)
        } else {
            Resolved::Str(t)
        }
    }
}

fn resolve_plain(t: &str) -> Resolved<'_> {
    match t {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    if let Some(i) = parse_int(t) {
        return Resolved::Int(i);
    }
    if is_float_syntax(t)
        && let Ok(f) = t.parse::<f64>()
    {
        return Resolved::Float(f);
    }
    Resolved::Str(t)
}

fn parse_int(t: &str) -> Option<i64> {
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(h) = body.strip_prefix("0x") {
        (16, h)
    } else if let Some(o) = body.strip_prefix("0o") {
        (8, o)
    } else if let Some(b) = body.strip_prefix("0b") {
        (2, b)
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Out-of-range integers fall through to floats, as in most loaders.
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    i64::try_from(if neg { -magnitude } else { magnitude }).ok()
}

fn is_float_syntax(t: &str) -> bool {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = digits(int_part)
        && frac.is_none_or(digits)
        && (!int_part.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

impl Node {
    /// The scalar of this node, if it is one.
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// True for an explicit or implicit YAML null.
    pub fn is_null(&self) -> bool {
        matches!(self.scalar().map(Scalar::resolve), Some(Resolved::Null))
    }

    /// A word for the node's type, for "must be a ..." messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Seq(_) => "a sequence",
            Kind::Map(_) => "a mapping",
            Kind::Scalar(s) => match s.resolve() {
                Resolved::Null => "null",
                Resolved::Bool(_) => "a boolean",
                Resolved::Int(_) => "an integer",
                Resolved::Float(_) => "a number",
                Resolved::Str(_) => "a string",
            },
        }
    }
}

fn pos_of(m: &Marker) -> Pos {
    Pos {
        line: m.line(),
        column: m.col() + 1,
    }
}

/// A node under construction.
enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<Entry>,
        seen: HashSet<String>,
        merges: Vec<Node>,
        key: Option<(Option<String>, Pos)>,
        pos: Pos,
        anchor: usize,
    },
}

struct Builder<'s> {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize, usize)>,
    nodes: usize,
    root: Option<Node>,
    documents: usize,
    sink: &'s mut Sink,
}

/// Parses `source` into a single-document tree. Syntax errors, duplicate
/// keys and resource limits are reported into `sink`; `None` means nothing
/// usable was produced.
pub(crate) fn parse(source: &str, sink: &mut Sink) -> Option<Node> {
    let mut options = Options::default();
    options.block_nesting_limit = MAX_DEPTH;
    options.flow_nesting_limit = MAX_DEPTH;
    let parser = Parser::new_from_str_with_options(source, options);
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        documents: 0,
        sink,
    };
    for ev in parser {
        match ev {
            Ok((event, span)) => {
                if let Err(msg) = b.on_event(event, span) {
                    b.sink
                        .push(Severity::Error, "bundle", pos_of(&span.start), msg, None);
                    return None;
                }
            }
            Err(e) => {
                let msg = format!("invalid YAML: {}", e.info());
                b.sink
                    .push(Severity::Error, "bundle", pos_of(e.marker()), msg, None);
                return None;
            }
        }
    }
    b.root
}

fn tag_suffix(tag: Option<Cow<'_, Tag>>) -> Option<String> {
    let tag = tag?;
    Some(tag.core_suffix().unwrap_or("custom").to_owned())
}

impl Builder<'_> {
    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<(), String> {
        let pos = pos_of(&span.start);
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err("a bundle must be a single YAML document".into());
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let node = Node {
                    kind: Kind::Scalar(Scalar {
                        text: text.into_owned(),
                        plain: matches!(style, ScalarStyle::Plain),
                        tag: tag_suffix(tag),
                    }),
                    pos,
                };
                self.finish(node, anchor, 1)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                self.open()?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                });
            }
            Event::MappingStart(_, anchor, _) => {
                self.open()?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    seen: HashSet::new(),
                    merges: Vec::new(),
                    key: None,
                    pos,
                    anchor,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => self.close()?,
            Event::Alias(id) => {
                let (node, size, depth) = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| "alias refers to an unknown anchor".to_owned())?;
                if self.stack.len() + depth > MAX_DEPTH {
                    return Err(format!("nesting is deeper than {MAX_DEPTH} levels"));
                }
                let node = Node { pos, ..node };
                self.finish(node, 0, size)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn open(&mut self) -> Result<(), String> {
        self.nodes += 1;
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("nesting is deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), String> {
        let frame = self
            .stack
            .pop()
            .ok_or_else(|| "unbalanced YAML structure".to_owned())?;
        let (node, anchor) = match frame {
            Frame::Seq { items, pos, anchor } => (
                Node {
                    kind: Kind::Seq(items),
                    pos,
                },
                anchor,
            ),
            Frame::Map {
                mut entries,
                mut seen,
                merges,
                pos,
                anchor,
                ..
            } => {
                for m in merges {
                    merge_into(&mut entries, &mut seen, m);
                }
                (
                    Node {
                        kind: Kind::Map(entries),
                        pos,
                    },
                    anchor,
                )
            }
        };
        self.finish(node, anchor, 0)
    }

    /// Attaches a completed node to its parent. `added` is how many new nodes
    /// it brings (scalars and alias copies; collections were counted on open).
    fn finish(&mut self, node: Node, anchor: usize, added: usize) -> Result<(), String> {
        self.nodes += added;
        if self.nodes > MAX_NODES {
            return Err(format!(
                "the document expands to more than {MAX_NODES} nodes (too large or an alias bomb)"
            ));
        }
        if anchor != 0 {
            let (size, depth) = measure(&node);
            self.anchors.insert(anchor, (node.clone(), size, depth));
        }
        let mut problem: Option<(Option<String>, Pos, String)> = None;
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                seen,
                merges,
                key,
                ..
            }) => match key.take() {
                None => {
                    let text = match &node.kind {
                        Kind::Scalar(s) => Some(s.text.clone()),
                        _ => None,
                    };
                    if text.is_none() {
                        problem = Some((None, node.pos, "mapping keys must be scalars".into()));
                    }
                    *key = Some((text, node.pos));
                }
                Some((None, _)) => {}
                Some((Some(k), key_pos)) => {
                    let is_merge = k == "<<" && node_is_mergeable(&node) && !seen.contains("<<");
                    if is_merge {
                        merges.push(node);
                    } else if !seen.insert(k.clone()) {
                        let message = format!("duplicate key `{k}` in the same mapping");
                        problem = Some((Some(k), key_pos, message));
                    } else {
                        entries.push(Entry {
                            key: k,
                            key_pos,
                            value: node,
                        });
                    }
                }
            },
        }
        if let Some((key, pos, message)) = problem {
            let prefix = self.stack_keys();
            let path = match key {
                Some(k) => path_of(&prefix, &k),
                None => prefix.concat().trim_start_matches('.').to_owned(),
            };
            let path = if path.is_empty() {
                "bundle".into()
            } else {
                path
            };
            self.sink.push(Severity::Error, &path, pos, message, None);
        }
        Ok(())
    }

    /// Keys leading to the innermost open mapping, for duplicate-key paths.
    fn stack_keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.stack {
            match f {
                Frame::Map { key, .. } => {
                    if let Some((Some(k), _)) = key {
                        out.push(format!(".{k}"));
                    }
                }
                Frame::Seq { items, .. } => out.push(format!("[{}]", items.len())),
            }
        }
        out
    }
}

fn path_of(prefix: &[String], key: &str) -> String {
    let mut s: String = prefix.concat();
    s.push('.');
    s.push_str(key);
    s.trim_start_matches('.').to_owned()
}

fn node_is_mergeable(node: &Node) -> bool {
    match &node.kind {
        Kind::Map(_) => true,
        Kind::Seq(items) => items.iter().all(|i| matches!(i.kind, Kind::Map(_))),
        Kind::Scalar(_) => false,
    }
}

/// Adds the entries of a `<<` merge source that the mapping does not set itself.
fn merge_into(entries: &mut Vec<Entry>, seen: &mut HashSet<String>, source: Node) {
    match source.kind {
        Kind::Map(src) => {
            for e in src {
                if seen.insert(e.key.clone()) {
                    entries.push(e);
                }
            }
        }
        Kind::Seq(items) => {
            for i in items {
                merge_into(entries, seen, i);
            }
        }
        Kind::Scalar(_) => {}
    }
}

/// Number of nodes and nesting depth of a subtree.
fn measure(node: &Node) -> (usize, usize) {
    match &node.kind {
        Kind::Scalar(_) => (1, 1),
        Kind::Seq(items) => items.iter().fold((1, 1), |(n, d), i| {
            let (in_, id) = measure(i);
            (n + in_, d.max(id + 1))
        }),
        Kind::Map(entries) => entries.iter().fold((1, 1), |(n, d), e| {
            let (en, ed) = measure(&e.value);
            (n + en + 1, d.max(ed + 1))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> (Option<Node>, Sink) {
        let mut sink = Sink::default();
        let n = parse(src, &mut sink);
        (n, sink)
    }

    #[test]
    fn positions_are_one_based() {
        let (n, sink) = parse_ok("a:\n  b: 1\n");
        assert!(sink.items.is_empty());
        let Some(Node {
            kind: Kind::Map(entries),
            ..
        }) = n
        else {
            panic!("expected a map")
        };
        assert_eq!(entries[0].key_pos, Pos { line: 1, column: 1 });
        let Kind::Map(inner) = &entries[0].value.kind else {
            panic!("expected a map")
        };
        assert_eq!(inner[0].key_pos, Pos { line: 2, column: 3 });
    }

    #[test]
    fn duplicate_keys_are_errors_with_path() {
        let (_, sink) = parse_ok("a:\n  b: 1\n  b: 2\n");
        assert_eq!(sink.items.len(), 1);
        assert_eq!(sink.items[0].path, "a.b");
        assert_eq!(sink.items[0].line, 3);
    }

    #[test]
    fn aliases_and_merges_resolve() {
        let (n, sink) = parse_ok("x: &r {a: 1, b: 2}\ny:\n  <<: *r\n  b: 3\n");
        assert!(sink.items.is_empty(), "{:?}", sink.items);
        let Some(Node {
            kind: Kind::Map(entries),
            ..
        }) = n
        else {
            panic!("expected a map")
        };
        let Kind::Map(y) = &entries[1].value.kind else {
            panic!("expected a map")
        };
        let keys: Vec<_> = y.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (n, sink) = parse_ok(&src);
        assert!(n.is_none());
        assert!(sink.items[0].message.contains("nodes"));
    }

    #[test]
    fn scalar_typing() {
        let s = |t: &str| Scalar {
            text: t.into(),
            plain: true,
            tag: None,
        };
        assert_eq!(s("12").resolve(), Resolved::Int(12));
        assert_eq!(s("-0x1f").resolve(), Resolved::Int(-31));
        assert_eq!(s("1.5e3").resolve(), Resolved::Float(1500.0));
        assert_eq!(s(".5").resolve(), Resolved::Float(0.5));
        assert_eq!(s("yes").resolve(), Resolved::Str("yes"));
        assert_eq!(s("~").resolve(), Resolved::Null);
        assert_eq!(s("1.2.3").resolve(), Resolved::Str("1.2.3"));
    }
}
