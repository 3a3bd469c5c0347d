//! The handle callers keep in events and the database instead of the bytes.

use serde::{Deserialize, Serialize};

/// What [`crate::ArtifactStore::put`] returns: enough to fetch, size-check and
/// serve the artifact later. Identical content always yields the same
/// `sha256`, whatever the media type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArtifactRef {
    /// Lowercase hex SHA-256 of the content; also its storage key.
    pub sha256: String,
    /// Content length in bytes.
    pub size: u64,
    /// Media type the caller stored it as (`application/json`, ...).
    pub media_type: String,
}
