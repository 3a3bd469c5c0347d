//! Exit codes (PRODUCT §9): 0 ok, 1 error, 2 usage (clap), 64 validation,
//! 66 not found, 75 retryable, 77 auth.

use std::fmt;

/// Generic failure.
pub const ERROR: u8 = 1;
/// The command line is unusable (missing choice, bad flag).
pub const USAGE: u8 = 2;
/// The request was rejected as invalid.
pub const VALIDATION: u8 = 64;
/// The thing asked for does not exist.
pub const NOT_FOUND: u8 = 66;
/// Worth retrying: the API is unreachable, overloaded or timed out.
pub const RETRYABLE: u8 = 75;
/// Not authenticated or not allowed.
pub const AUTH: u8 = 77;

/// An error that carries its own exit code; anything else exits 1.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// The one-line message.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Builds a [`Failure`] as an `anyhow::Error`.
pub fn fail(code: u8, message: impl Into<String>) -> anyhow::Error {
    Failure {
        code,
        message: message.into(),
    }
    .into()
}

/// The exit code for an error returned by a command.
pub fn code_of(err: &anyhow::Error) -> u8 {
    err.downcast_ref::<Failure>().map_or(ERROR, |f| f.code)
}
