//! [`ArtifactStore`]: content-addressed put/get over an `object_store` backend.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{
    Attribute, AttributeValue, Attributes, ObjectMeta, ObjectStore, ObjectStoreExt, PutOptions,
};
use tracing::{debug, info, warn};
use url::Url;

use crate::backend::{self, Backend};
use crate::config::ArtifactConfig;
use crate::digest::{sha256_hex, validate_sha256_hex};
use crate::error::{ArtifactError, shown};
use crate::reference::ArtifactRef;

/// Longest media type accepted.
const MAX_MEDIA_TYPE_LEN: usize = 255;

/// Content-addressed artifact storage shared by the API and the worker.
///
/// Objects are keyed by the SHA-256 of their bytes, so storing the same bytes
/// twice writes once, and every read is verified against its key. Cloning is
/// cheap (one `Arc`); clones share the backend and its connection pool.
#[derive(Clone)]
pub struct ArtifactStore {
    pub(crate) backend: Arc<Backend>,
}

impl fmt::Debug for ArtifactStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArtifactStore")
            .field("target", &self.backend.describe)
            .finish()
    }
}

impl ArtifactStore {
    /// Opens the store `config` describes (creating a filesystem root if missing).
    pub fn open(config: &ArtifactConfig) -> Result<Self, ArtifactError> {
        Self::open_layered(config, |store| store)
    }

    /// Like [`ArtifactStore::open`], with `layer` wrapping the raw backend:
    /// metrics, rate limits (`object_store::limit`), or fault injection in
    /// tests. Presigned URLs are still signed by the raw backend.
    pub fn open_layered(
        config: &ArtifactConfig,
        layer: impl FnOnce(Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore>,
    ) -> Result<Self, ArtifactError> {
        let mut backend = backend::build(config)?;
        backend.store = layer(backend.store);
        info!(target_store = %backend.describe, "artifact store opened");
        Ok(Self {
            backend: Arc::new(backend),
        })
    }

    /// The backend location of `sha256` (for operators and tests); refuses
    /// anything but a well-formed digest.
    pub fn location(&self, sha256: &str) -> Result<Path, ArtifactError> {
        validate_sha256_hex(sha256)?;
        Ok(self.backend.layout.object(sha256))
    }

    /// Stores `content` under its digest unless an object of the same size
    /// is already there. The write is atomic: readers see the whole object
    /// or none. Concurrent puts of the same bytes are safe (identical
    /// content replaces identical content).
    pub async fn put(
        &self,
        content: impl Into<Bytes>,
        media_type: &str,
    ) -> Result<ArtifactRef, ArtifactError> {
        validate_media_type(media_type)?;
        let content = content.into();
        let reference = ArtifactRef {
            sha256: sha256_hex(&content),
            size: content.len() as u64,
            media_type: media_type.to_owned(),
        };
        let location = self.backend.layout.object(&reference.sha256);
        if self.already_stored(&location, reference.size).await? {
            debug!(sha256 = %reference.sha256, size = reference.size, "artifact already stored; write skipped");
            return Ok(reference);
        }
        let options = PutOptions::from(self.attributes(media_type));
        self.backend
            .store
            .put_opts(&location, content.into(), options)
            .await?;
        debug!(sha256 = %reference.sha256, size = reference.size, "artifact stored");
        Ok(reference)
    }

    /// The artifact's bytes, verified against `sha256`; a mismatch is
    /// [`ArtifactError::Corrupt`]. Loads the whole object: use
    /// [`ArtifactStore::get_stream`] for large files.
    pub async fn get(&self, sha256: &str) -> Result<Bytes, ArtifactError> {
        let location = self.location(sha256)?;
        let bytes = async { self.backend.store.get(&location).await?.bytes().await }
            .await
            .map_err(|e| ArtifactError::from_backend(sha256, e))?;
        let actual = sha256_hex(&bytes);
        if actual != sha256 {
            return Err(corrupt(sha256, actual, bytes.len() as u64));
        }
        Ok(bytes)
    }

    /// Whether an artifact is stored under `sha256` (not verified).
    pub async fn exists(&self, sha256: &str) -> Result<bool, ArtifactError> {
        let location = self.location(sha256)?;
        Ok(self.stat(&location).await?.is_some())
    }

    /// Stored size in bytes; [`ArtifactError::NotFound`] if absent.
    pub async fn size(&self, sha256: &str) -> Result<u64, ArtifactError> {
        let location = self.location(sha256)?;
        match self.stat(&location).await? {
            Some(meta) => Ok(meta.size),
            None => Err(ArtifactError::NotFound {
                sha256: sha256.to_owned(),
            }),
        }
    }

    /// A URL that downloads the artifact directly from the backend until
    /// `ttl` elapses, when the backend can presign (S3). `Ok(None)` for the
    /// filesystem backend: the API then serves the bytes itself behind a
    /// [`crate::sign_download`] token. Existence is not checked.
    pub async fn signed_url(
        &self,
        sha256: &str,
        ttl: Duration,
    ) -> Result<Option<Url>, ArtifactError> {
        let location = self.location(sha256)?;
        let Some(signer) = &self.backend.signer else {
            return Ok(None);
        };
        let url = signer.signed_url(http::Method::GET, &location, ttl).await?;
        Ok(Some(url))
    }

    /// Metadata of the object at `location`, `None` if there is none.
    pub(crate) async fn stat(&self, location: &Path) -> Result<Option<ObjectMeta>, ArtifactError> {
        match self.backend.store.head(location).await {
            Ok(meta) => Ok(Some(meta)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// True when `location` already holds `size` bytes. An object of another
    /// size cannot be this content (it is truncated or corrupt), so it is
    /// overwritten instead of trusted.
    pub(crate) async fn already_stored(
        &self,
        location: &Path,
        size: u64,
    ) -> Result<bool, ArtifactError> {
        match self.stat(location).await? {
            Some(meta) if meta.size == size => Ok(true),
            Some(meta) => {
                warn!(%location, stored = meta.size, expected = size, "stored artifact has the wrong size; rewriting it");
                Ok(false)
            }
            None => Ok(false),
        }
    }

    /// The `Content-Type` to store, where the backend keeps one.
    pub(crate) fn attributes(&self, media_type: &str) -> Attributes {
        let mut attributes = Attributes::new();
        if self.backend.stores_media_type {
            attributes.insert(
                Attribute::ContentType,
                AttributeValue::from(media_type.to_owned()),
            );
        }
        attributes
    }
}

/// Refuses media types that cannot travel as a `Content-Type` header.
pub(crate) fn validate_media_type(media_type: &str) -> Result<(), ArtifactError> {
    let valid = (1..=MAX_MEDIA_TYPE_LEN).contains(&media_type.len())
        && media_type.bytes().all(|b| (0x20..0x7f).contains(&b));
    if valid {
        Ok(())
    } else {
        Err(ArtifactError::InvalidMediaType {
            shown: shown(media_type),
        })
    }
}

/// Logs and builds the integrity error for `sha256`.
pub(crate) fn corrupt(sha256: &str, actual: String, size: u64) -> ArtifactError {
    warn!(%sha256, %actual, size, "artifact content does not match its digest");
    ArtifactError::Corrupt {
        sha256: sha256.to_owned(),
        actual,
        size,
    }
}
