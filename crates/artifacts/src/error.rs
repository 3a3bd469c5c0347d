//! The one error type every storage operation returns.

use std::path::PathBuf;

/// Why an artifact operation failed. Callers match on [`ArtifactError::NotFound`]
/// (404), [`ArtifactError::InvalidKey`] / [`ArtifactError::InvalidMediaType`] (400) and
/// [`ArtifactError::Corrupt`] (an integrity alarm); the rest are infrastructure failures.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The key is not a SHA-256 digest in lowercase hex; storage was not touched.
    #[error(
        "invalid artifact key {shown:?}: expected exactly 64 lowercase hex characters (a SHA-256 digest)"
    )]
    InvalidKey {
        /// The offending key, truncated so a huge input does not flood logs.
        shown: String,
    },
    /// The media type cannot be stored as a `Content-Type` header.
    #[error(
        "invalid media type {shown:?}: expected 1-255 printable ASCII characters such as \"application/json\""
    )]
    InvalidMediaType {
        /// The offending media type, truncated.
        shown: String,
    },
    /// No artifact is stored under this digest.
    #[error("artifact {sha256} not found")]
    NotFound {
        /// The digest that was looked up.
        sha256: String,
    },
    /// The stored bytes do not hash to the digest they are stored under.
    #[error("artifact {sha256} is corrupt: the stored {size} bytes hash to {actual}")]
    Corrupt {
        /// The digest the artifact is stored under.
        sha256: String,
        /// The digest of what was actually read.
        actual: String,
        /// How many bytes were read.
        size: u64,
    },
    /// The caller's byte stream for [`crate::ArtifactStore::put_stream`] failed.
    #[error("reading the artifact content failed: {0}")]
    Source(#[source] std::io::Error),
    /// The filesystem root could not be created.
    #[error("cannot create the artifact directory {path}: {source}")]
    CreateRoot {
        /// The configured root directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The storage backend (filesystem or S3) reported an error.
    #[error("artifact storage backend error: {0}")]
    Backend(#[from] object_store::Error),
}

impl ArtifactError {
    /// Maps a backend error on `sha256`'s object, turning "no such object" into
    /// [`ArtifactError::NotFound`].
    pub(crate) fn from_backend(sha256: &str, error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { .. } => Self::NotFound {
                sha256: sha256.to_owned(),
            },
            other => Self::Backend(other),
        }
    }
}

/// At most this many characters of untrusted input are echoed in an error.
const SHOWN_CHARS: usize = 80;

/// A bounded copy of untrusted input for error messages.
pub(crate) fn shown(input: &str) -> String {
    input.chars().take(SHOWN_CHARS).collect()
}
