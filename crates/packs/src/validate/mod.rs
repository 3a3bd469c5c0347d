//! Semantic rules of the format (§9, §10) and the compatibility warnings of
//! §11, checked on the decoded model. Rules only name YAML paths; the
//! [`Locator`] turns them into line:column.

mod cases;
mod config;
mod evidence;
mod expected;
mod pack;
mod quirks;
mod re2;
mod refs;
mod security;
mod spec;
mod syntax;
mod tools;

use crate::decode::{Decoder, Notes, decode_pack};
use crate::diagnostics::{Report, Severity, Sink, ValidateOptions};
use crate::locate::Locator;
use crate::model::Pack;

/// Parses and validates one bundle, reporting every problem at once.
///
/// Never panics; inputs above `options.max_bytes` are rejected unparsed.
pub fn validate(source: &str, options: &ValidateOptions) -> Report {
    validate_as(source, options, false)
}

/// Like [`validate`], plus the warnings that only hold on the original
/// platform, which ran a whole input set at once instead of one case at a
/// time (§4.5): for authors who also publish the pack there.
pub fn validate_for_original_platform(source: &str, options: &ValidateOptions) -> Report {
    validate_as(source, options, true)
}

fn validate_as(source: &str, options: &ValidateOptions, reference: bool) -> Report {
    let mut sink = Sink::default();
    let pack = run(source, options, reference, &mut sink);
    let mut diagnostics = sink.items;
    if options.strict {
        for d in &mut diagnostics {
            d.severity = Severity::Error;
        }
    }
    diagnostics.sort_by_key(|a| (a.line, a.column));
    diagnostics.dedup();
    let valid = !diagnostics.iter().any(|d| d.severity == Severity::Error);
    Report {
        pack: if valid { pack } else { None },
        diagnostics,
    }
}

fn run(source: &str, options: &ValidateOptions, reference: bool, sink: &mut Sink) -> Option<Pack> {
    let start = crate::diagnostics::Pos { line: 1, column: 1 };
    if source.len() > options.max_bytes {
        let msg = format!("is larger than {} bytes", options.max_bytes);
        sink.push(Severity::Error, "bundle", start, msg, None);
        return None;
    }
    if source.trim().is_empty() {
        sink.push(Severity::Error, "bundle", start, "is required", None);
        return None;
    }
    let root = crate::yaml::parse(source, sink)?;
    let locator = Locator::new(&root);
    let mut decoder = Decoder::new(sink);
    let pack = decode_pack(&mut decoder, &root)?;
    let broken = std::mem::take(&mut decoder.broken);
    let notes = std::mem::take(&mut decoder.notes);
    let mut r = Reporter {
        source,
        reference,
        sink,
        locator: &locator,
        broken: &broken,
        notes: &notes,
        regexes: std::collections::HashMap::new(),
    };
    pack::check(&mut r, &pack);
    tools::check(&mut r, &pack);
    cases::check(&mut r, &pack);
    spec::check(&mut r, &pack);
    security::check(&mut r, &pack);
    refs::check(&mut r, &pack);
    quirks::check(&mut r, &pack);
    Some(pack)
}

/// Writes diagnostics for rules that know a path but not a position.
pub(crate) struct Reporter<'a> {
    /// The bundle text, for rules that read comments.
    pub source: &'a str,
    /// Also report what only holds on the original platform (§4.5).
    pub reference: bool,
    sink: &'a mut Sink,
    locator: &'a Locator,
    broken: &'a [String],
    /// Facts recorded while decoding.
    pub notes: &'a Notes,
    /// Regex check results by pattern: real packs repeat long patterns.
    regexes: std::collections::HashMap<String, Option<String>>,
}

impl Reporter<'_> {
    /// Records a diagnostic unless it lies under a subtree that failed to decode.
    pub fn push(
        &mut self,
        sev: Severity,
        path: &str,
        msg: impl Into<String>,
        hint: Option<String>,
    ) {
        let under_broken = self.broken.iter().any(|b| {
            path.strip_prefix(b.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        });
        if under_broken {
            return;
        }
        let pos = self.locator.find(path);
        self.sink.push(sev, path, pos, msg, hint);
    }

    /// Why `pattern` does not compile as the reference's RE2 dialect
    /// (memoised per validation run: real packs repeat long patterns).
    pub fn regex_error(&mut self, pattern: &str) -> Option<String> {
        if let Some(hit) = self.regexes.get(pattern) {
            return hit.clone();
        }
        let result = re2::error(pattern);
        self.regexes.insert(pattern.to_owned(), result.clone());
        result
    }

    /// Records a warning at a known position (text outside the YAML tree,
    /// such as comments), unless it lies under a broken subtree.
    pub fn warn_at(&mut self, path: &str, pos: crate::diagnostics::Pos, msg: impl Into<String>) {
        if !self.broken.iter().any(|b| path.starts_with(b.as_str())) {
            self.sink.push(Severity::Warning, path, pos, msg, None);
        }
    }

    /// Records an error.
    pub fn error(&mut self, path: &str, msg: impl Into<String>) {
        self.push(Severity::Error, path, msg, None);
    }

    /// Records a warning.
    pub fn warn(&mut self, path: &str, msg: impl Into<String>) {
        self.push(Severity::Warning, path, msg, None);
    }

    /// Reports `is required` when `value` is blank.
    pub fn required(&mut self, path: &str, value: &str) -> bool {
        if value.trim().is_empty() {
            self.error(path, "is required");
            return false;
        }
        true
    }
}

/// Reports `must be unique` for every repeated non-blank key of a list.
pub(crate) fn unique_keys<'k>(r: &mut Reporter, keys: impl IntoIterator<Item = (String, &'k str)>) {
    let mut seen = std::collections::HashSet::new();
    for (path, key) in keys {
        if !key.is_empty() && !seen.insert(key) {
            r.error(&path, "must be unique");
        }
    }
}
