#![warn(missing_docs)]
//! Challenge packs: the typed model of the YAML bundle format, its parser and
//! its validator.
//!
//! The crate is pure (no network, no database, no async) so that the CLI can
//! lint packs offline and the API can validate uploads with the same code.
//! [`validate`] never panics and reports every problem of a file at once,
//! each with a YAML path, a line and column, and a suggestion for typos.

mod decode;
mod diagnostics;
mod locate;
pub mod model;
mod suggest;
mod validate;
mod yaml;

pub use diagnostics::{Diagnostic, InvalidPack, Report, Severity, ValidateOptions};
pub use model::Pack;
pub use validate::{validate, validate_for_original_platform};

/// The normalised JSON form of a pack, as stored by the API; it is itself a
/// valid bundle (JSON is YAML) that validates back to the same [`Pack`].
pub fn to_normalised_json(pack: &Pack) -> Result<String, serde_json::Error> {
    serde_json::to_string(pack)
}
