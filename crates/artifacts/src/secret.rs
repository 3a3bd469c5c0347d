//! A string that must never appear in logs or `Debug` output.

use std::fmt;

/// A credential (the S3 secret access key). `Debug` prints `<redacted>`;
/// the value is only reachable through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for handing to the client that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let secret = Secret::new("wJalrXUtnFEMI");
        assert!(!format!("{secret:?}").contains("wJalr"));
        assert_eq!(secret.expose(), "wJalrXUtnFEMI");
    }
}
