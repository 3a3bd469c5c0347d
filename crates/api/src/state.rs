//! Shared handler state.

use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use crate::temporal::TemporalHandle;
use crate::throttle::LoginThrottle;

/// Requests per minute one API token or browser user may make by default.
pub const DEFAULT_CALLER_PER_MINUTE: u32 = 1200;
/// Requests per minute all callers together may make in one workspace by default.
pub const DEFAULT_WORKSPACE_PER_MINUTE: u32 = 6000;
/// Anonymous sign-up attempts per minute per client IP (each may cost an
/// argon2 hash).
pub const DEFAULT_SIGNUP_PER_MINUTE: u32 = 10;
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
    pub(crate) caller_limit: Arc<RateLimiter>,
    pub(crate) workspace_limit: Arc<RateLimiter>,
    pub(crate) signup_limit: Arc<RateLimiter>,
    pub(crate) open_signup: bool,
    pub(crate) artifacts: Option<agentclash_artifacts::ArtifactStore>,
    pub(crate) events: Arc<crate::event_hub::EventHub>,
}

impl AppState {
    /// Assembles the state from its dependencies.
    pub fn new(store: Store, temporal: TemporalHandle, task_queue: String) -> Self {
        Self {
            store: store.clone(),
            temporal,
            task_queue: task_queue.into(),
            metrics: Arc::new(Metrics::new()),
            secret_box: None,
            login_throttle: Arc::new(LoginThrottle::default()),
            caller_limit: Arc::new(RateLimiter::new(DEFAULT_CALLER_PER_MINUTE)),
            workspace_limit: Arc::new(RateLimiter::new(DEFAULT_WORKSPACE_PER_MINUTE)),
            signup_limit: Arc::new(RateLimiter::new(DEFAULT_SIGNUP_PER_MINUTE)),
            open_signup: false,
            artifacts: None,
            events: crate::event_hub::EventHub::new(
                store.clone(),
                crate::event_hub::DEFAULT_MAX_STREAMS,
            ),
        }
    }

    /// Sets the request limits per caller (token or browser user) and per
    /// workspace, per minute; zero disables one.
    pub fn with_rate_limits(mut self, per_caller: u32, per_workspace: u32) -> Self {
        self.caller_limit = Arc::new(RateLimiter::new(per_caller));
        self.workspace_limit = Arc::new(RateLimiter::new(per_workspace));
        self
    }

    /// Lets anyone sign up without an invitation (`API_OPEN_SIGNUP`).
    pub fn with_open_signup(mut self, open: bool) -> Self {
        self.open_signup = open;
        self
    }

    /// Sets the anonymous sign-up attempts allowed per client IP per
    /// minute; zero disables the limit.
    pub fn with_signup_limit(mut self, per_minute: u32) -> Self {
        self.signup_limit = Arc::new(RateLimiter::new(per_minute));
        self
    }

    /// Caps the live event streams this process serves at once.
    pub fn with_max_streams(mut self, max: usize) -> Self {
        self.events = crate::event_hub::EventHub::new(self.store.clone(), max);
        self
    }

    /// Enables artifact downloads from `store` (where the workers write).
    pub fn with_artifacts(mut self, store: agentclash_artifacts::ArtifactStore) -> Self {
        self.artifacts = Some(store);
        self
    }

    /// Enables workspace secrets, encrypted under `key`.
    pub fn with_secrets_key(mut self, key: &[u8; 32]) -> Self {
        self.secret_box = Some(Arc::new(agentclash_auth::SecretBox::new(key)));
        self
    }
}
