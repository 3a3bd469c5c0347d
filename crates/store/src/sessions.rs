//! Browser sessions, stored by the hash of their cookie value.

use crate::users::User;
use crate::{Store, StoreError};
use agentclash_core::UserId;
use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

/// A live session and whom it belongs to.
#[derive(Debug, Clone)]
pub struct Session {
    /// Its owner.
    pub user: User,
    /// Must accompany cookie-authenticated writes (`X-CSRF-Token`).
    pub csrf_token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Stores a new session for `user`.
    pub async fn create_session(
        &self,
        user: UserId,
        session_hash: &str,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, session_hash, csrf_token, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(Uuid::now_v7())
        .bind(user.0)
        .bind(session_hash)
        .bind(csrf_token)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live (not revoked, not expired) session with this hash.
    pub async fn find_session(&self, session_hash: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.display_name, u.created_at, s.csrf_token, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.session_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()",
        )
        .bind(session_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Session {
                user: User {
                    id: UserId(r.try_get("id")?),
                    email: r.try_get("email")?,
                    display_name: r.try_get("display_name")?,
                    created_at: r.try_get("created_at")?,
                },
                csrf_token: r.try_get("csrf_token")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    /// Ends a session (logout). Unknown hashes are ignored.
    pub async fn revoke_session(&self, session_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = now() WHERE session_hash = $1 AND revoked_at IS NULL",
        )
        .bind(session_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
