//! A Temporal client that connects on first use and reconnects after failures,
//! so the API starts (and stays up) while Temporal is down.

use agentclash_config::TemporalConfig;
use agentclash_workflows::TemporalError;
use std::sync::Arc;
use temporalio_client::Client;
use tokio::sync::Mutex;

/// Lazily connected, shareable Temporal client.
#[derive(Clone)]
pub struct TemporalHandle {
    config: Arc<TemporalConfig>,
    client: Arc<Mutex<Option<Client>>>,
}

impl TemporalHandle {
    /// A handle that will connect to `config.address` when first needed.
    pub fn new(config: TemporalConfig) -> Self {
        Self {
            config: Arc::new(config),
            client: Arc::new(Mutex::new(None)),
        }
    }

    /// The connected client, connecting first if needed.
    pub async fn client(&self) -> Result<Client, TemporalError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref() {
            return Ok(client.clone());
        }
        let client = agentclash_workflows::connect(
            self.config.address.url(),
            &self.config.namespace,
            "agentclash-api",
        )
        .await?;
        *slot = Some(client.clone());
        Ok(client)
    }

    /// Drops the cached client after a failure so the next call reconnects.
    pub async fn invalidate(&self) {
        self.client.lock().await.take();
    }

    /// Whether Temporal answers right now.
    pub async fn check(&self) -> Result<(), TemporalError> {
        let client = self.client().await?;
        let result = agentclash_workflows::ping(&client).await;
        if result.is_err() {
            self.invalidate().await;
        }
        result
    }
}
