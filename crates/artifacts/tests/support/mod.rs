//! Builds an [`ArtifactStore`] on each backend with a call-counting layer.

mod counting;
pub mod moto;

use std::path::PathBuf;
use std::sync::Arc;

use agentclash_artifacts::object_store::ObjectStore;
use agentclash_artifacts::{ArtifactConfig, ArtifactStore, S3Config, Secret};
use tempfile::TempDir;

pub use counting::Calls;
use counting::CountingStore;
use moto::MotoServer;

/// Which backend a [`Harness`] runs on, and what keeps it alive.
#[derive(Debug)]
pub enum Backend {
    Filesystem { root: PathBuf, _dir: TempDir },
    S3 { moto: MotoServer },
}

/// A store under test plus side doors into its backend.
pub struct Harness {
    /// The store as callers use it (with the counting layer).
    pub store: ArtifactStore,
    /// The backend without the counting layer, to tamper with objects.
    pub raw: Arc<dyn ObjectStore>,
    /// Calls that reached the backend through `store`.
    pub calls: Arc<Calls>,
    pub backend: Backend,
}

fn open(config: &ArtifactConfig, backend: Backend) -> Harness {
    let calls = Arc::new(Calls::default());
    let mut raw = None;
    let store = ArtifactStore::open_layered(config, |inner| {
        raw = Some(inner.clone());
        Arc::new(CountingStore {
            inner,
            calls: calls.clone(),
        })
    })
    .expect("open artifact store");
    Harness {
        store,
        raw: raw.expect("layer was applied"),
        calls,
        backend,
    }
}

/// A filesystem store in a fresh temp dir whose root does not exist yet.
pub async fn filesystem() -> Harness {
    let dir = TempDir::new().expect("temp dir");
    let root = dir.path().join("not/yet/created");
    let config = ArtifactConfig::Filesystem { root: root.clone() };
    open(&config, Backend::Filesystem { root, _dir: dir })
}

/// Bucket every S3 harness uses (each has its own moto server).
pub const BUCKET: &str = "agentclash-artifacts-test";

/// An S3 store on a private moto server, with a key prefix.
pub async fn s3() -> Harness {
    let moto = MotoServer::start().await;
    moto.create_bucket(BUCKET).await;
    let config = ArtifactConfig::S3(S3Config {
        endpoint: Some(moto.endpoint.parse().expect("endpoint url")),
        bucket: BUCKET.to_owned(),
        region: "us-east-1".to_owned(),
        access_key_id: "testing".to_owned(),
        secret_access_key: Secret::new("testing"),
        allow_http: true,
        prefix: Some("suite/prefix".to_owned()),
    });
    open(&config, Backend::S3 { moto })
}
