//! Store errors, classified so callers can answer 404, 409 or 503 without
//! looking at SQL.

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row in this workspace.
    #[error("not found")]
    NotFound,
    /// A compare-and-set lost: the row is no longer in the expected state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached (down, restarting, pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The connection settings are unusable.
    #[error("invalid database configuration: {0}")]
    Config(String),
    /// The input cannot be stored as given (e.g. text with a NUL character).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A row holds something the code does not understand.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// Any other database error (a bug or a constraint we did not expect).
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl StoreError {
    /// Whether retrying later may succeed.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => Self::Unavailable(e.to_string()),
            sqlx::Error::Database(ref db) if is_unavailable_sqlstate(db.code().as_deref()) => {
                Self::Unavailable(e.to_string())
            }
            // 22021: character not in repertoire (a NUL byte); 22P05: untranslatable character.
            sqlx::Error::Database(ref db)
                if matches!(db.code().as_deref(), Some("22021" | "22P05")) =>
            {
                Self::InvalidInput("text must not contain NUL or untranslatable characters".into())
            }
            other => Self::Database(other),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(inner) => match Self::from(inner) {
                Self::Unavailable(m) => Self::Unavailable(m),
                other => Self::Migration(other.to_string()),
            },
            other => Self::Migration(other.to_string()),
        }
    }
}

/// SQLSTATE classes 08 (connection exception) and 57P (operator intervention:
/// admin shutdown, crash shutdown, cannot connect now).
fn is_unavailable_sqlstate(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("08") || c.starts_with("57P"))
}
