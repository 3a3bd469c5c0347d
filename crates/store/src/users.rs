//! User accounts and API tokens.

use crate::page::Page;
use crate::{Store, StoreError};
use agentclash_core::{TokenId, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::postgres::PgRow;

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    /// Identity.
    pub id: UserId,
    /// Lower-case login email.
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Sign-up time.
    pub created_at: DateTime<Utc>,
}

/// An API token's metadata (never the token or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    /// Identity, used to revoke it.
    pub id: TokenId,
    /// What the user called it.
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub prefix: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last successful use (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn user_from_row(row: &PgRow) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        created_at: row.try_get("created_at")?,
    })
}

fn token_from_row(row: &PgRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: TokenId(row.try_get("id")?),
        name: row.try_get("name")?,
        prefix: row.try_get("display_prefix")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const TOKEN_COLUMNS: &str =
    "id, name, display_prefix, created_at, expires_at, last_used_at, revoked_at";

/// Normalises an email for storage and lookup.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Inserts a user through `executor` (the pool, or a transaction that does
/// more in the same commit); a taken email is a conflict.
pub(crate) async fn insert_user<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    email: &str,
    display_name: &str,
    password_hash: Option<&str>,
) -> Result<User, StoreError> {
    let row = sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email) DO NOTHING RETURNING id, email, display_name, created_at",
    )
    .bind(UserId::new().0)
    .bind(normalise_email(email))
    .bind(display_name)
    .bind(password_hash)
    .fetch_optional(executor)
    .await?
    .ok_or_else(|| StoreError::Conflict("a user with this email already exists".into()))?;
    user_from_row(&row)
}

impl Store {
    /// Creates a user; a taken email is a conflict.
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        password_hash: Option<&str>,
    ) -> Result<User, StoreError> {
        insert_user(&self.pool, email, display_name, password_hash).await
    }

    /// A user and their password hash, for login.
    pub async fn find_user_by_email(
        &self,
        email: &str,
    ) -> Result<Option<(User, Option<String>)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, email, display_name, created_at, password_hash FROM users WHERE email = $1",
        )
        .bind(normalise_email(email))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    /// Stores a new API token (its hash only) for `user`.
    pub async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        display_prefix: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<ApiToken, StoreError> {
        let row = sqlx::query(&format!(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, display_prefix, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(TokenId::new().0)
        .bind(user.0)
        .bind(name)
        .bind(token_hash)
        .bind(display_prefix)
        .bind(expires_at)
        .fetch_one(&self.pool)
        .await?;
        token_from_row(&row)
    }

    /// The user behind a presented token hash, if the token is live (not
    /// revoked, not expired). Records the use, at most once a minute.
    pub async fn authenticate_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(User, TokenId)>, StoreError> {
        let row = sqlx::query(
            "UPDATE api_tokens SET last_used_at = CASE \
                 WHEN last_used_at IS NULL OR last_used_at < now() - interval '1 minute' THEN now() \
                 ELSE last_used_at END \
             WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) \
             RETURNING id, user_id",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let token = TokenId(row.try_get("id")?);
        let user_id: uuid::Uuid = row.try_get("user_id")?;
        let user =
            sqlx::query("SELECT id, email, display_name, created_at FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(Some((user_from_row(&user)?, token)))
    }

    /// The user's tokens, newest first (revoked ones included, marked),
    /// `limit` (1..=100) at a time.
    pub async fn list_api_tokens(
        &self,
        user: UserId,
        limit: u32,
        cursor: Option<TokenId>,
    ) -> Result<Page<ApiToken>, StoreError> {
        let limit = limit.clamp(1, 100);
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2) \
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(user.0)
        .bind(cursor.map(|c| c.0))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let tokens = rows
            .iter()
            .map(token_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(tokens, limit, |t| t.id.0))
    }

    /// Revokes one of the user's tokens; another user's token is not found.
    pub async fn revoke_api_token(
        &self,
        user: UserId,
        token: TokenId,
    ) -> Result<ApiToken, StoreError> {
        let row = sqlx::query(&format!(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) \
             WHERE id = $1 AND user_id = $2 RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(token.0)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        token_from_row(&row)
    }
}
