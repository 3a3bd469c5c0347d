//! Diagnostics: what the validator says about a pack, in a form both humans
//! (compiler-style lines) and machines (serde JSON) can consume.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::Pack;

/// How serious a diagnostic is; only errors make a pack invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Accepted, but suspicious or ignored by the platform; fails only under `strict`.
    Warning,
    /// The pack cannot be published.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem found in a pack, located by YAML path and 1-based line:column
/// so an editor or CI log can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Dotted YAML path with `[i]` list indices, e.g. `version.evaluation_spec.validators[2].type`.
    pub path: String,
    /// 1-based line of the offending node (or of its closest existing ancestor).
    pub line: usize,
    /// 1-based column of the offending node.
    pub column: usize,
    /// What is wrong, phrased to follow the path (`is required`, `must be unique`, ...).
    pub message: String,
    /// The closest valid key or value for a misspelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}: {}",
            self.line, self.column, self.path, self.severity, self.message
        )?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

/// Options that change how strict validation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateOptions {
    /// Turn every warning into an error (CI linting of new packs).
    pub strict: bool,
    /// Inputs larger than this many bytes are rejected before parsing (the
    /// publish endpoint's 1 MiB cap), which also bounds memory and time.
    pub max_bytes: usize,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        Self {
            strict: false,
            max_bytes: 1024 * 1024,
        }
    }
}

/// The outcome of validating one bundle: every diagnostic, and the normalised
/// pack when there is no error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The normalised pack; `None` as soon as any error was found.
    pub pack: Option<Pack>,
    /// All diagnostics, ordered by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// True when no diagnostic is an error (warnings allowed).
    pub fn is_valid(&self) -> bool {
        !self
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The error diagnostics only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    /// The warning diagnostics only.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// The pack, or an error carrying every diagnostic, for `?`-style callers.
    pub fn into_result(self) -> Result<Pack, InvalidPack> {
        match self.pack {
            Some(pack)
                if self
                    .diagnostics
                    .iter()
                    .all(|d| d.severity != Severity::Error) =>
            {
                Ok(pack)
            }
            _ => Err(InvalidPack {
                diagnostics: self.diagnostics,
            }),
        }
    }
}

/// A pack that failed validation, carrying all its diagnostics.
#[derive(Debug, Clone, thiserror::Error)]
#[error("challenge pack is invalid: {} error(s)", self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count())]
pub struct InvalidPack {
    /// Every diagnostic of the pack (errors and warnings).
    pub diagnostics: Vec<Diagnostic>,
}

/// Where a diagnostic points before it is resolved to line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Collects diagnostics during one validation run.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub items: Vec<Diagnostic>,
}

impl Sink {
    /// Records a diagnostic at a known position.
    pub fn push(
        &mut self,
        severity: Severity,
        path: &str,
        pos: Pos,
        message: impl Into<String>,
        suggestion: Option<String>,
    ) {
        self.items.push(Diagnostic {
            severity,
            path: path.to_owned(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
            suggestion,
        });
    }
}
