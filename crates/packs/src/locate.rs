//! Maps YAML paths to source positions so that rules checked on the typed
//! model can still point at a line and column.

use std::collections::HashMap;

use crate::diagnostics::Pos;
use crate::yaml::{Kind, Node};

/// Position of every node, keyed by its dotted path.
#[derive(Debug, Default)]
pub(crate) struct Locator {
    positions: HashMap<String, Pos>,
}

impl Locator {
    /// Indexes every node of the tree.
    pub fn new(root: &Node) -> Self {
        let mut l = Self::default();
        let mut path = String::new();
        l.walk(root, &mut path);
        l
    }

    fn walk(&mut self, node: &Node, path: &mut String) {
        self.positions.insert(path.clone(), node.pos);
        let len = path.len();
        match &node.kind {
            Kind::Scalar(_) => {}
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push_str(&format!("[{i}]"));
                    self.walk(item, path);
                    path.truncate(len);
                }
            }
            Kind::Map(entries) => {
                for e in entries {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&e.key);
                    // A key's own position, for "unknown field" style reports.
                    self.positions.insert(format!("{path}#key"), e.key_pos);
                    self.walk(&e.value, path);
                    path.truncate(len);
                }
            }
        }
    }

    /// Position of `path`, or of its closest existing ancestor (1:1 at worst).
    pub fn find(&self, path: &str) -> Pos {
        let mut p = normalise(path);
        loop {
            if let Some(pos) = self.positions.get(&p) {
                return *pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => {
                    return self
                        .positions
                        .get("")
                        .copied()
                        .unwrap_or(Pos { line: 1, column: 1 });
                }
            }
        }
    }
}

/// Rewrites `a["k"]` and `a[k]` (non-numeric) as `a.k`, and drops a trailing
/// ` (…)` qualifier.
fn normalise(path: &str) -> String {
    let path = path.split(" (").next().unwrap_or(path);
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(i) = rest.find('[') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(end) = after.find(']') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let inner = &after[..end];
        if inner.chars().all(|c| c.is_ascii_digit()) && !inner.is_empty() {
            out.push('[');
            out.push_str(inner);
            out.push(']');
        } else {
            out.push('.');
            out.push_str(inner.trim_matches('"'));
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_bracket_keys() {
        assert_eq!(normalise(r#"a.b["k"].c"#), "a.b.k.c");
        assert_eq!(normalise("a.b[K]"), "a.b.K");
        assert_eq!(normalise("a[3].b (x)"), "a[3].b");
    }
}
