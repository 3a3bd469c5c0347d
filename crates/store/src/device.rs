//! Device authorisations: a CLI asks for a code, a signed-in user approves
//! or denies it, the CLI collects a token exactly once.

use crate::users::User;
use crate::{Store, StoreError};
use agentclash_core::UserId;
use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

/// Where a device authorisation stands, as the polling CLI sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevicePoll {
    /// Nobody has approved or denied it yet.
    Pending,
    /// Polled faster than the advertised interval.
    SlowDown,
    /// The user said no.
    Denied,
    /// Too late, or already used.
    Expired,
    /// Approved: the token can be minted for this user now (only once).
    Approved {
        /// The approving user.
        user: User,
        /// The name the CLI gave itself.
        client_name: String,
    },
}

impl Store {
    /// Records a new pending authorisation.
    pub async fn create_device_authorization(
        &self,
        device_code_hash: &str,
        user_code: &str,
        client_name: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO device_authorizations (id, device_code_hash, user_code, client_name, status, expires_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5)",
        )
        .bind(Uuid::now_v7())
        .bind(device_code_hash)
        .bind(user_code)
        .bind(client_name)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Approves or denies a pending, unexpired authorisation by its user code.
    pub async fn decide_device_authorization(
        &self,
        user_code: &str,
        user: UserId,
        approve: bool,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE device_authorizations SET status = $3, user_id = $2 \
             WHERE user_code = $1 AND status = 'pending' AND expires_at > now()",
        )
        .bind(user_code)
        .bind(user.0)
        .bind(if approve { "approved" } else { "denied" })
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// One poll by the CLI. An approved authorisation is consumed by the poll
    /// that sees it, so its token is handed out once. Polls closer together
    /// than `min_interval_secs` are told to slow down.
    pub async fn poll_device_authorization(
        &self,
        device_code_hash: &str,
        min_interval_secs: i64,
    ) -> Result<DevicePoll, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT id, status, user_id, client_name, expires_at < now() AS expired, \
                    (last_polled_at IS NOT NULL AND last_polled_at > now() - make_interval(secs => $2)) AS too_fast \
             FROM device_authorizations WHERE device_code_hash = $1 FOR UPDATE",
        )
        .bind(device_code_hash)
        .bind(min_interval_secs as f64)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(DevicePoll::Expired);
        };
        let id: Uuid = row.try_get("id")?;
        let status: String = row.try_get("status")?;
        let expired: bool = row.try_get("expired")?;
        let too_fast: bool = row.try_get("too_fast")?;
        sqlx::query("UPDATE device_authorizations SET last_polled_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let outcome = match status.as_str() {
            "consumed" => DevicePoll::Expired,
            _ if expired => DevicePoll::Expired,
            "denied" => DevicePoll::Denied,
            "pending" if too_fast => DevicePoll::SlowDown,
            "pending" => DevicePoll::Pending,
            "approved" => {
                let user_id: Uuid = row.try_get("user_id")?;
                sqlx::query("UPDATE device_authorizations SET status = 'consumed' WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let user = sqlx::query(
                    "SELECT id, email, display_name, created_at FROM users WHERE id = $1",
                )
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
                DevicePoll::Approved {
                    user: User {
                        id: UserId(user.try_get("id")?),
                        email: user.try_get("email")?,
                        display_name: user.try_get("display_name")?,
                        created_at: user.try_get("created_at")?,
                    },
                    client_name: row.try_get("client_name")?,
                }
            }
            other => {
                return Err(StoreError::Corrupt(format!(
                    "device authorisation status `{other}`"
                )));
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }
}
