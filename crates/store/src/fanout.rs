//! How commits that change a run are announced to live streams, and how a
//! process hears them.
//!
//! By default the announcement is a Postgres `NOTIFY` inside the writing
//! transaction (delivered at commit) and each listener holds a `LISTEN`
//! connection. With Redis configured (`REDIS_URL`), the writer publishes the
//! run id on Redis pub/sub right after its transaction commits, and
//! listeners subscribe there instead, which keeps the notification queue
//! (and its commit-time lock) out of Postgres. Writers and listeners of one
//! deployment must agree on the mode: a Redis-mode writer does not `NOTIFY`.
//!
//! An announcement only says "this run changed": readers re-read from their
//! position, so a lost one delays a stream until the next announcement or
//! reconnect, never drops or duplicates an event.

use crate::{Store, StoreError};
use agentclash_core::RunId;
use futures::StreamExt as _;
use redis::AsyncCommands as _;
use std::time::Duration;

/// The channel (Postgres and Redis alike) on which every commit that adds
/// events to a run, or changes its status, is announced (payload: the run
/// id). Announced at commit, so a listener that then reads finds what was
/// announced.
pub const RUN_EVENTS_CHANNEL: &str = "agentclash_run_events";

/// How long a publish may wait for Redis before it is given up (the events
/// are committed already; only the wake-up is lost).
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(1);

/// The Redis side of the fanout: a client for subscribers and one shared,
/// self-reconnecting connection for publishing. Cheap to clone.
#[derive(Clone)]
pub(crate) struct RedisFanout {
    client: redis::Client,
    publisher: std::sync::Arc<tokio::sync::OnceCell<redis::aio::ConnectionManager>>,
}

impl std::fmt::Debug for RedisFanout {
    // The URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisFanout(…)")
    }
}

impl RedisFanout {
    fn new(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url)
            .map_err(|e| StoreError::Config(format!("REDIS_URL is not usable: {e}")))?;
        Ok(Self {
            client,
            publisher: Default::default(),
        })
    }

    async fn publish(&self, run: RunId) -> Result<(), redis::RedisError> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(PUBLISH_TIMEOUT))
            .set_response_timeout(Some(PUBLISH_TIMEOUT))
            .set_number_of_retries(2);
        let publisher = self
            .publisher
            .get_or_try_init(|| self.client.get_connection_manager_with_config(config))
            .await?;
        let mut conn = publisher.clone();
        let payload = run.0.to_string();
        // The first command after a dropped connection fails and triggers
        // the reconnect; one retry rides over a Redis restart.
        match conn
            .publish::<_, _, usize>(RUN_EVENTS_CHANNEL, &payload)
            .await
        {
            Ok(_) => Ok(()),
            Err(_) => conn
                .publish::<_, _, usize>(RUN_EVENTS_CHANNEL, &payload)
                .await
                .map(drop),
        }
    }
}

impl Store {
    /// This store announces commits on Redis pub/sub at `url` instead of
    /// Postgres NOTIFY, and its listeners subscribe there. Connects lazily,
    /// so a Redis that is still starting does not block the process.
    pub fn with_redis_fanout(mut self, url: &str) -> Result<Self, StoreError> {
        self.redis = Some(RedisFanout::new(url)?);
        Ok(self)
    }

    /// Which fanout this store uses (`"redis"` or `"postgres"`), for logs.
    pub fn fanout_name(&self) -> &'static str {
        if self.redis.is_some() {
            "redis"
        } else {
            "postgres"
        }
    }

    /// Commits `tx`, announcing that `run` changed: a NOTIFY inside the
    /// transaction, or a Redis publish once it committed. A failed publish
    /// is logged, not returned: the write itself succeeded.
    pub(crate) async fn commit_announcing(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
        run: RunId,
    ) -> Result<(), StoreError> {
        let Some(redis) = &self.redis else {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(RUN_EVENTS_CHANNEL)
                .bind(run.0.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(());
        };
        tx.commit().await?;
        if let Err(e) = redis.publish(run).await {
            tracing::warn!(run = %run.0, error = %e, "could not announce run events on Redis");
        }
        Ok(())
    }
}

/// Announcements on [`RUN_EVENTS_CHANNEL`], for live streams.
pub struct RunEventListener {
    inner: Listener,
}

enum Listener {
    Postgres(Box<sqlx::postgres::PgListener>),
    Redis(redis::aio::PubSubStream),
}

/// What the listener heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// A commit changed this run.
    Run(RunId),
    /// Announcements may have been missed (the Postgres connection dropped
    /// and is re-established on the next call, or a payload was garbled).
    Lost,
}

impl RunEventListener {
    /// Opens a dedicated connection (Postgres or Redis, as the store is
    /// configured) and listens.
    pub async fn connect(store: &Store) -> Result<Self, StoreError> {
        let inner = match &store.redis {
            None => {
                let mut listener = sqlx::postgres::PgListener::connect_with(&store.pool).await?;
                listener.listen(RUN_EVENTS_CHANNEL).await?;
                Listener::Postgres(Box::new(listener))
            }
            Some(redis) => {
                let mut pubsub = redis
                    .client
                    .get_async_pubsub()
                    .await
                    .map_err(redis_unavailable)?;
                pubsub
                    .subscribe(RUN_EVENTS_CHANNEL)
                    .await
                    .map_err(redis_unavailable)?;
                Listener::Redis(pubsub.into_on_message())
            }
        };
        Ok(Self { inner })
    }

    /// The next announcement. An error means the connection is gone for
    /// good: connect again (and assume announcements were missed).
    pub async fn next(&mut self) -> Result<Heard, StoreError> {
        let payload = match &mut self.inner {
            Listener::Postgres(listener) => match listener.try_recv().await? {
                Some(n) => n.payload().to_owned(),
                None => return Ok(Heard::Lost),
            },
            Listener::Redis(messages) => match messages.next().await {
                Some(message) => message.get_payload::<String>().unwrap_or_default(),
                None => {
                    return Err(StoreError::Unavailable(
                        "the Redis subscription connection closed".into(),
                    ));
                }
            },
        };
        Ok(match payload.parse() {
            Ok(id) => Heard::Run(RunId(id)),
            Err(_) => Heard::Lost,
        })
    }
}

fn redis_unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(format!("redis: {e}"))
}
