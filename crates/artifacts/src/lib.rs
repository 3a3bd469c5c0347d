//! Content-addressed artifact storage for AgentClash.
//!
//! Large event payloads and files produced by agents are stored once per
//! distinct content, keyed by their SHA-256, on the local filesystem (the
//! default) or an S3-compatible bucket, through the `object_store` crate.
//! Reads are verified against the key; downloads go through short-lived
//! presigned URLs (S3) or HMAC tokens checked by the API (filesystem).
//!
//! This crate knows nothing of runs, events, the database or Temporal.

mod backend;
mod config;
mod digest;
mod download;
mod error;
mod layout;
mod reference;
mod secret;
mod store;
mod stream;

pub use config::{ArtifactConfig, ArtifactConfigError, DEFAULT_S3_REGION, S3Config};
pub use digest::{SHA256_HEX_LEN, sha256_hex, validate_sha256_hex};
pub use download::{
    DownloadSecret, DownloadTokenError, MIN_DOWNLOAD_SECRET_LEN, sign_download, verify_download,
};
pub use error::ArtifactError;
pub use reference::ArtifactRef;
pub use secret::Secret;
pub use store::ArtifactStore;
pub use stream::ArtifactStream;

/// The byte buffer `put`/`get` take and return.
pub use bytes::Bytes;
/// The storage abstraction underneath, for callers that pass a layer to
/// [`ArtifactStore::open_layered`] or name backend paths.
pub use object_store;
