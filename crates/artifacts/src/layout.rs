//! Where objects live inside the bucket or root directory.
//!
//! Final objects: `[prefix/]sha256/<first 2 hex>/<64 hex>`. Streamed uploads
//! land first under `[prefix/]tmp/<uuid>` and are moved into place once their
//! digest is known, so nothing partial ever appears under a final key.

use object_store::path::Path;

/// The key scheme of one store, including its optional prefix.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    prefix: Path,
}

impl Layout {
    /// A layout rooted at `prefix` (already validated by the config).
    pub(crate) fn new(prefix: Path) -> Self {
        Self { prefix }
    }

    /// The final location of a validated digest.
    pub(crate) fn object(&self, sha256: &str) -> Path {
        let fanout = sha256.get(..2).unwrap_or(sha256);
        self.prefix.clone().join("sha256").join(fanout).join(sha256)
    }

    /// A fresh, unique location for an upload whose digest is not yet known.
    pub(crate) fn staging(&self) -> Path {
        self.prefix
            .clone()
            .join("tmp")
            .join(uuid::Uuid::new_v4().to_string().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn object_keys_fan_out_by_first_two_hex_chars() {
        assert_eq!(
            Layout::default().object(SHA).as_ref(),
            format!("sha256/ba/{SHA}")
        );
        let prefixed = Layout::new(Path::parse("team/dev").expect("valid prefix"));
        assert_eq!(
            prefixed.object(SHA).as_ref(),
            format!("team/dev/sha256/ba/{SHA}")
        );
    }

    #[test]
    fn staging_keys_are_unique_and_outside_the_object_tree() {
        let layout = Layout::default();
        let (a, b) = (layout.staging(), layout.staging());
        assert_ne!(a, b);
        assert!(a.as_ref().starts_with("tmp/"));
    }
}
