//! Shared handler state.

use crate::metrics::Metrics;
use crate::temporal::TemporalHandle;
use agentclash_core::WorkspaceId;
use agentclash_store::Store;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Store,
    pub(crate) temporal: TemporalHandle,
    pub(crate) task_queue: Arc<str>,
    pub(crate) metrics: Arc<Metrics>,
    local_workspace: Arc<OnceCell<WorkspaceId>>,
}

impl AppState {
    /// Assembles the state from its dependencies.
    pub fn new(store: Store, temporal: TemporalHandle, task_queue: String) -> Self {
        Self {
            store,
            temporal,
            task_queue: task_queue.into(),
            metrics: Arc::new(Metrics::new()),
            local_workspace: Arc::new(OnceCell::new()),
        }
    }

    /// The workspace the temporary, unauthenticated wiring routes act in.
    /// Replaced by the tenancy extractor when identity lands.
    pub(crate) async fn local_workspace(
        &self,
    ) -> Result<WorkspaceId, agentclash_store::StoreError> {
        self.local_workspace
            .get_or_try_init(|| self.store.ensure_local_workspace())
            .await
            .copied()
    }
}
