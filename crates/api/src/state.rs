//! Shared handler state.

use crate::metrics::Metrics;
use crate::temporal::TemporalHandle;
use crate::throttle::LoginThrottle;
use agentclash_store::Store;
use std::sync::Arc;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Store,
    pub(crate) temporal: TemporalHandle,
    pub(crate) task_queue: Arc<str>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) secret_box: Option<Arc<agentclash_auth::SecretBox>>,
    pub(crate) login_throttle: Arc<LoginThrottle>,
}

impl AppState {
    /// Assembles the state from its dependencies.
    pub fn new(store: Store, temporal: TemporalHandle, task_queue: String) -> Self {
        Self {
            store,
            temporal,
            task_queue: task_queue.into(),
            metrics: Arc::new(Metrics::new()),
            secret_box: None,
            login_throttle: Arc::new(LoginThrottle::default()),
        }
    }

    /// Enables workspace secrets, encrypted under `key`.
    pub fn with_secrets_key(mut self, key: &[u8; 32]) -> Self {
        self.secret_box = Some(Arc::new(agentclash_auth::SecretBox::new(key)));
        self
    }
}
