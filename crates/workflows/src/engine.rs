//! What the case activities need besides the store: the provider router,
//! the sandbox provider, artifact storage, the secrets key, and caches of
//! immutable inputs (pack versions, deployment snapshots).

use crate::judging::JudgeAccounts;
use agentclash_artifacts::{ArtifactConfig, ArtifactStore};
use agentclash_auth::{SecretBox, workspace_secret_context};
use agentclash_core::agents::{CredentialRef, DeploymentSnapshot};
use agentclash_core::{SnapshotId, WorkspaceId};
use agentclash_packs::Pack;
use agentclash_providers::{ProviderRouter, RouterConfig};
use agentclash_sandbox::{BwrapProvider, SandboxProvider};
use agentclash_store::{Store, StoreError};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// How the worker's engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Directory holding one sub-directory per live sandbox.
    pub sandbox_root: PathBuf,
    /// Where large event payloads go.
    pub artifacts: ArtifactConfig,
    /// Master key of workspace secrets (needed for `workspace-secret://`).
    pub secrets_key: Option<[u8; 32]>,
    /// Local mode: provider base URLs may be http and private addresses.
    pub allow_private_network: bool,
    /// The platform's accounts for judge models no lane account serves.
    pub judge_accounts: JudgeAccounts,
}

/// Why the engine could not do something.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Setting up a component failed.
    #[error("{0}")]
    Setup(String),
    /// The run's inputs are unusable (retrying will not help).
    #[error("{0}")]
    Invalid(String),
}

/// Shared by every activity of a worker.
pub struct Engine {
    /// System of record.
    pub store: Store,
    /// Model calls.
    pub router: ProviderRouter,
    /// Sandboxes for native cases.
    pub sandboxes: Arc<dyn SandboxProvider>,
    /// Large payloads.
    pub artifacts: ArtifactStore,
    /// Local mode.
    pub allow_private_network: bool,
    /// Platform accounts of LLM judges.
    pub judge_accounts: JudgeAccounts,
    secrets: Option<SecretBox>,
    packs: Mutex<HashMap<Uuid, Arc<Pack>>>,
    snapshots: Mutex<HashMap<SnapshotId, Arc<DeploymentSnapshot>>>,
}

/// Entries kept in each cache before it is cleared (inputs are immutable,
/// so clearing only costs a reload).
const CACHE_ENTRIES: usize = 256;

impl Engine {
    /// Builds every component.
    pub fn new(store: Store, config: &EngineConfig) -> Result<Self, EngineError> {
        let sandboxes = BwrapProvider::new(&config.sandbox_root)
            .map_err(|e| EngineError::Setup(format!("sandbox provider: {e}")))?;
        let artifacts = ArtifactStore::open(&config.artifacts)
            .map_err(|e| EngineError::Setup(format!("artifact store: {e}")))?;
        let router = ProviderRouter::try_new(RouterConfig::default())
            .map_err(|e| EngineError::Setup(format!("provider router: {e}")))?;
        Ok(Self {
            store,
            router,
            sandboxes: Arc::new(sandboxes),
            artifacts,
            allow_private_network: config.allow_private_network,
            judge_accounts: config.judge_accounts.clone(),
            secrets: config.secrets_key.as_ref().map(SecretBox::new),
            packs: Mutex::new(HashMap::new()),
            snapshots: Mutex::new(HashMap::new()),
        })
    }

    /// A pack version's content, parsed once per worker.
    pub async fn pack(&self, ws: WorkspaceId, version_id: Uuid) -> Result<Arc<Pack>, EngineError> {
        if let Some(pack) = self
            .packs
            .lock()
            .ok()
            .and_then(|c| c.get(&version_id).cloned())
        {
            return Ok(pack);
        }
        let version = self.store.get_pack_version_by_id(ws, version_id).await?;
        let pack: Pack = serde_json::from_value(version.normalized).map_err(|e| {
            EngineError::Invalid(format!("pack version {version_id} does not parse: {e}"))
        })?;
        let pack = Arc::new(pack);
        if let Ok(mut cache) = self.packs.lock() {
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(version_id, pack.clone());
        }
        Ok(pack)
    }

    /// A frozen deployment snapshot, read once per worker.
    pub async fn snapshot(
        &self,
        ws: WorkspaceId,
        id: SnapshotId,
    ) -> Result<Arc<DeploymentSnapshot>, EngineError> {
        if let Some(s) = self.snapshots.lock().ok().and_then(|c| c.get(&id).cloned()) {
            return Ok(s);
        }
        let snapshot = Arc::new(self.store.get_snapshot(ws, id).await?);
        if let Ok(mut cache) = self.snapshots.lock() {
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(id, snapshot.clone());
        }
        Ok(snapshot)
    }

    /// A workspace secret's value.
    pub async fn secret(&self, ws: WorkspaceId, name: &str) -> Result<Option<String>, EngineError> {
        let sealed = match self.store.secret_ciphertext(ws, name).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let secrets = self.secrets.as_ref().ok_or_else(|| {
            EngineError::Invalid(
                "the worker has no AGENTCLASH_SECRETS_KEY to open workspace secrets".into(),
            )
        })?;
        let plain = secrets
            .open(&workspace_secret_context(ws, name), &sealed)
            .map_err(|_| {
                EngineError::Invalid(format!(
                    "workspace secret `{name}` cannot be decrypted with this worker's key"
                ))
            })?;
        String::from_utf8(plain)
            .map(Some)
            .map_err(|_| EngineError::Invalid(format!("workspace secret `{name}` is not UTF-8")))
    }

    /// Resolves a provider credential reference to its value.
    pub async fn credential(
        &self,
        ws: WorkspaceId,
        reference: Option<&str>,
    ) -> Result<Option<String>, EngineError> {
        let Some(raw) = reference else {
            return Ok(None);
        };
        let parsed: CredentialRef = raw.parse().map_err(|e: String| {
            EngineError::Invalid(format!("credential reference `{raw}`: {e}"))
        })?;
        match parsed {
            CredentialRef::Env(var) => std::env::var(&var).map(Some).map_err(|_| {
                EngineError::Invalid(format!(
                    "environment variable `{var}` is not set on the worker"
                ))
            }),
            CredentialRef::WorkspaceSecret(name) => {
                self.secret(ws, &name).await?.map(Some).ok_or_else(|| {
                    EngineError::Invalid(format!("workspace secret `{name}` does not exist"))
                })
            }
        }
    }
}
