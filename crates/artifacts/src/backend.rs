//! Turns an [`ArtifactConfig`] into a concrete `object_store` backend.

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::signer::Signer;

use crate::config::{ArtifactConfig, S3Config};
use crate::error::ArtifactError;
use crate::layout::Layout;

/// A built backend: the store, what it can do, and its key layout.
pub(crate) struct Backend {
    pub(crate) store: Arc<dyn ObjectStore>,
    /// Present when the backend can presign download URLs (S3).
    pub(crate) signer: Option<Arc<dyn Signer>>,
    /// Whether the backend stores a `Content-Type` with each object; the
    /// local filesystem refuses attributes.
    pub(crate) stores_media_type: bool,
    pub(crate) layout: Layout,
    /// Human-readable target for logs (`file:///...`, `s3://bucket/prefix`).
    pub(crate) describe: String,
}

/// Opens the backend `config` names. Creates the filesystem root if missing;
/// S3 buckets must already exist.
pub(crate) fn build(config: &ArtifactConfig) -> Result<Backend, ArtifactError> {
    match config {
        ArtifactConfig::Filesystem { root } => {
            std::fs::create_dir_all(root).map_err(|source| ArtifactError::CreateRoot {
                path: root.clone(),
                source,
            })?;
            let store = LocalFileSystem::new_with_prefix(root)?;
            Ok(Backend {
                store: Arc::new(store),
                signer: None,
                stores_media_type: false,
                layout: Layout::default(),
                describe: format!("file://{}", root.display()),
            })
        }
        ArtifactConfig::S3(s3) => build_s3(s3),
    }
}

fn build_s3(config: &S3Config) -> Result<Backend, ArtifactError> {
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(&config.bucket)
        .with_region(&config.region)
        .with_access_key_id(&config.access_key_id)
        .with_secret_access_key(config.secret_access_key.expose())
        .with_allow_http(config.allow_http);
    if let Some(endpoint) = &config.endpoint {
        builder = builder.with_endpoint(endpoint.as_str().trim_end_matches('/'));
    }
    let s3 = Arc::new(builder.build()?);
    let prefix = match &config.prefix {
        Some(prefix) => Path::parse(prefix).map_err(object_store::Error::from)?,
        None => Path::default(),
    };
    let describe = match &config.prefix {
        Some(prefix) => format!("s3://{}/{prefix}", config.bucket),
        None => format!("s3://{}", config.bucket),
    };
    Ok(Backend {
        store: s3.clone(),
        signer: Some(s3),
        stores_media_type: true,
        layout: Layout::new(prefix),
        describe,
    })
}
