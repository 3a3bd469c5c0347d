//! Cursor pagination shared by every workspace list: newest first by id
//! (UUIDv7 ids sort by creation), the cursor being the last id of a page.

use crate::StoreError;
use agentclash_core::WorkspaceId;
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

/// One page of a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Pass back as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

impl<T> Page<T> {
    /// Splits `limit + 1` fetched rows into a page and the next cursor.
    pub fn from_rows(mut rows: Vec<T>, limit: u32, id_of: impl Fn(&T) -> Uuid) -> Self {
        let limit = limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&id_of)
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }
}

/// Lists `table`'s rows of a workspace, `limit` (1..=100) at a time.
pub(crate) async fn page_query<T>(
    pool: &PgPool,
    table: &str,
    columns: &str,
    ws: WorkspaceId,
    limit: u32,
    cursor: Option<Uuid>,
    id_of: impl Fn(&T) -> Uuid,
) -> Result<Page<T>, StoreError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let limit = limit.clamp(1, 100);
    let rows: Vec<T> = sqlx::query_as(&format!(
        "SELECT {columns} FROM {table} WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id < $2) \
         ORDER BY id DESC LIMIT $3"
    ))
    .bind(ws.0)
    .bind(cursor)
    .bind(i64::from(limit) + 1)
    .fetch_all(pool)
    .await?;
    Ok(Page::from_rows(rows, limit, id_of))
}
