//! Postgres repositories and migrations: the only crate with SQL.
//!
//! Every read and write of a workspace resource takes the workspace id, so a
//! caller cannot reach another workspace's rows by guessing an id. Lifecycle
//! changes are compare-and-set updates that also append a history row in the
//! same transaction.

pub mod agents;
pub mod artifacts;
pub mod comparisons;
pub mod device;
mod error;
pub mod events;
mod fanout;
pub mod invitations;
pub mod lanes;
pub mod members;
pub mod packs;
pub mod page;
pub mod runs;
pub mod scores;
pub mod secrets;
pub mod sessions;
pub mod tenancy;
pub mod users;

pub use error::StoreError;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// Migrations embedded at compile time from `crates/store/migrations`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Handle to the system of record. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: PgPool,
    /// Redis pub/sub fanout of run changes; Postgres NOTIFY when absent.
    redis: Option<fanout::RedisFanout>,
}

/// How long a request waits for a connection before the database counts as
/// unavailable. Short, so a dead database gives a prompt 503, not a hang.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl Store {
    /// Builds a pool without connecting; connections are opened on demand and
    /// re-opened after the database comes back.
    pub fn connect_lazy(url: &str) -> Result<Self, StoreError> {
        let options =
            PgConnectOptions::from_str(url).map_err(|e| StoreError::Config(e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(true)
            .connect_lazy_with(options.application_name("agentclash"));
        Ok(Self { pool, redis: None })
    }

    /// Connects, retrying until `patience` runs out (the database may still be
    /// starting next to us).
    pub async fn connect_with_retry(url: &str, patience: Duration) -> Result<Self, StoreError> {
        let store = Self::connect_lazy(url)?;
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            match store.ping().await {
                Ok(()) => return Ok(store),
                Err(e) if tokio::time::Instant::now() >= deadline => return Err(e),
                Err(e) => {
                    tracing::info!(error = %e, "database not reachable yet; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    /// Wraps an existing pool (tests).
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool, redis: None }
    }

    /// The underlying pool, for crates that run their own statements in tests.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies every pending migration. Safe to run concurrently from several
    /// processes: sqlx takes an advisory lock.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await.map_err(StoreError::from)
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Creates an empty database on the same server (tests and benchmarks).
    /// The name must be a plain lowercase identifier.
    pub async fn create_database(&self, name: &str) -> Result<(), StoreError> {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(StoreError::Config(format!(
                "`{name}` is not a plain database name"
            )));
        }
        // Identifiers cannot be bound as parameters; `name` is validated above.
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes every connection (graceful shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
