//! Published challenge packs and their immutable versions.
//!
//! The store does not parse packs: the API validates the YAML (with
//! `agentclash-packs`) and hands over the normalised parts as JSON.

use crate::page::Page;
use crate::{Store, StoreError};
use agentclash_core::{UserId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// One challenge of a version to publish.
#[derive(Debug, Clone)]
pub struct NewChallenge {
    /// Unique key within the version.
    pub key: String,
    /// Normalised definition.
    pub definition: Value,
}

/// One case of an input set to publish.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// Unique key within the input set.
    pub case_key: String,
    /// The challenge it exercises.
    pub challenge_key: String,
    /// Normalised definition.
    pub definition: Value,
}

/// One input set of a version to publish.
#[derive(Debug, Clone)]
pub struct NewInputSet {
    /// Unique key within the version.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Its cases, in order.
    pub cases: Vec<NewCase>,
}

/// Everything a publish stores.
#[derive(Debug, Clone)]
pub struct NewPackVersion {
    /// Pack slug (the pack's identity in the workspace).
    pub slug: String,
    /// Pack display name.
    pub name: String,
    /// Pack family.
    pub family: String,
    /// The `version.number` the author wrote (informative).
    pub declared_number: i32,
    /// SHA-256 of the original YAML; equal content publishes once.
    pub content_hash: String,
    /// The original YAML text.
    pub source_yaml: String,
    /// The normalised pack as JSON.
    pub normalized: Value,
    /// Validation warnings (as JSON diagnostics).
    pub warnings: Value,
    /// The normalised evaluation spec.
    pub evaluation_spec: Value,
    /// Challenges, in order.
    pub challenges: Vec<NewChallenge>,
    /// Input sets, in order.
    pub input_sets: Vec<NewInputSet>,
}

/// A pack as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackSummary {
    /// The pack's id (the list's cursor).
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// The pack's slug.
    pub slug: String,
    /// Display name (of the latest version).
    pub name: String,
    /// Family (of the latest version).
    pub family: String,
    /// Highest published version number.
    pub latest_version: i32,
    /// Last publish.
    pub updated_at: DateTime<Utc>,
}

/// A published version's metadata.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackVersion {
    /// Version id.
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// The pack's slug.
    pub slug: String,
    /// Server-assigned version number (1, 2, ...).
    pub version: i32,
    /// The number the YAML declared.
    pub declared_number: Option<i32>,
    /// SHA-256 of the original YAML.
    pub content_hash: String,
    /// Validation warnings recorded at publish.
    #[schema(value_type = Object)]
    pub warnings: Value,
    /// Publish time.
    pub created_at: DateTime<Utc>,
}

/// A version with its full content.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackVersionDetail {
    /// Metadata.
    #[serde(flatten)]
    pub meta: PackVersion,
    /// The normalised pack.
    #[schema(value_type = Object)]
    pub normalized: Value,
    /// The original YAML text.
    pub source_yaml: String,
}

/// An input set with its cases.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InputSetDetail {
    /// Key within the version.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Cases, in order.
    pub cases: Vec<CaseDetail>,
}

/// One case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    /// Key within the input set.
    pub case_key: String,
    /// The challenge it exercises.
    pub challenge_key: String,
    /// Normalised definition.
    #[schema(value_type = Object)]
    pub definition: Value,
}

const VERSION_COLUMNS: &str =
    "v.id, p.slug, v.version, v.declared_number, v.content_hash, v.warnings, v.created_at";

fn version_from_row(row: &PgRow) -> Result<PackVersion, StoreError> {
    Ok(PackVersion {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        version: row.try_get("version")?,
        declared_number: row.try_get("declared_number")?,
        content_hash: row.try_get("content_hash")?,
        warnings: row.try_get("warnings")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Publishes a version: identical content returns the existing version
    /// (`false`), new content becomes the next version number (`true`).
    /// Concurrent publishes of one pack are serialised on the pack row.
    pub async fn publish_pack_version(
        &self,
        workspace: WorkspaceId,
        by: UserId,
        new: &NewPackVersion,
    ) -> Result<(PackVersion, bool), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO challenge_packs (id, workspace_id, slug, name, family) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (workspace_id, slug) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(workspace.0)
        .bind(&new.slug)
        .bind(&new.name)
        .bind(&new.family)
        .execute(&mut *tx)
        .await?;
        let pack_id: Uuid = sqlx::query_scalar(
            "SELECT id FROM challenge_packs WHERE workspace_id = $1 AND slug = $2 FOR UPDATE",
        )
        .bind(workspace.0)
        .bind(&new.slug)
        .fetch_one(&mut *tx)
        .await?;
        let existing = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM challenge_pack_versions v JOIN challenge_packs p ON p.id = v.pack_id \
             WHERE v.pack_id = $1 AND v.content_hash = $2"
        ))
        .bind(pack_id)
        .bind(&new.content_hash)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            tx.commit().await?;
            return Ok((version_from_row(&row)?, false));
        }
        let version: i32 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM challenge_pack_versions WHERE pack_id = $1",
        )
        .bind(pack_id)
        .fetch_one(&mut *tx)
        .await?;
        let version_id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO challenge_pack_versions (id, pack_id, workspace_id, version, declared_number, content_hash, \
                 source_yaml, normalized, warnings, evaluation_spec, published_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(version_id)
        .bind(pack_id)
        .bind(workspace.0)
        .bind(version)
        .bind(new.declared_number)
        .bind(&new.content_hash)
        .bind(&new.source_yaml)
        .bind(&new.normalized)
        .bind(&new.warnings)
        .bind(&new.evaluation_spec)
        .bind(by.0)
        .execute(&mut *tx)
        .await?;
        for (position, challenge) in new.challenges.iter().enumerate() {
            sqlx::query(
                "INSERT INTO challenge_pack_challenges (version_id, key, position, definition) VALUES ($1, $2, $3, $4)",
            )
            .bind(version_id)
            .bind(&challenge.key)
            .bind(position as i32)
            .bind(&challenge.definition)
            .execute(&mut *tx)
            .await?;
        }
        for (position, set) in new.input_sets.iter().enumerate() {
            sqlx::query(
                "INSERT INTO challenge_pack_input_sets (version_id, key, name, position, description) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(version_id)
            .bind(&set.key)
            .bind(&set.name)
            .bind(position as i32)
            .bind(&set.description)
            .execute(&mut *tx)
            .await?;
            for (case_position, case) in set.cases.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO challenge_pack_cases (version_id, input_set_key, case_key, challenge_key, position, definition) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(version_id)
                .bind(&set.key)
                .bind(&case.case_key)
                .bind(&case.challenge_key)
                .bind(case_position as i32)
                .bind(&case.definition)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query(
            "UPDATE challenge_packs SET name = $2, family = $3, updated_at = now() WHERE id = $1",
        )
        .bind(pack_id)
        .bind(&new.name)
        .bind(&new.family)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM challenge_pack_versions v JOIN challenge_packs p ON p.id = v.pack_id \
             WHERE v.id = $1"
        ))
        .bind(version_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((version_from_row(&row)?, true))
    }

    /// The workspace's packs by slug, `limit` (1..=100) at a time; the
    /// cursor is the last pack's id.
    pub async fn list_packs(
        &self,
        workspace: WorkspaceId,
        limit: u32,
        cursor: Option<Uuid>,
    ) -> Result<Page<PackSummary>, StoreError> {
        let limit = limit.clamp(1, 100);
        let rows = sqlx::query(
            "SELECT p.id, p.slug, p.name, p.family, p.updated_at, MAX(v.version) AS latest_version \
             FROM challenge_packs p JOIN challenge_pack_versions v ON v.pack_id = p.id \
             WHERE p.workspace_id = $1 \
               AND ($2::uuid IS NULL OR p.slug > (SELECT slug FROM challenge_packs WHERE id = $2 AND workspace_id = $1)) \
             GROUP BY p.id ORDER BY p.slug LIMIT $3",
        )
        .bind(workspace.0)
        .bind(cursor)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let packs = rows
            .iter()
            .map(|row| {
                Ok(PackSummary {
                    id: row.try_get("id")?,
                    slug: row.try_get("slug")?,
                    name: row.try_get("name")?,
                    family: row.try_get("family")?,
                    latest_version: row.try_get("latest_version")?,
                    updated_at: row.try_get("updated_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Page::from_rows(packs, limit, |p| p.id))
    }

    /// A pack's versions, newest first, `limit` (1..=100) at a time; the
    /// cursor is the last version's id. A pack of another workspace is not
    /// found.
    pub async fn list_pack_versions(
        &self,
        workspace: WorkspaceId,
        slug: &str,
        limit: u32,
        cursor: Option<Uuid>,
    ) -> Result<Page<PackVersion>, StoreError> {
        let limit = limit.clamp(1, 100);
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM challenge_pack_versions v JOIN challenge_packs p ON p.id = v.pack_id \
             WHERE p.workspace_id = $1 AND p.slug = $2 \
               AND ($3::uuid IS NULL OR v.version < (SELECT version FROM challenge_pack_versions WHERE id = $3 AND workspace_id = $1)) \
             ORDER BY v.version DESC LIMIT $4"
        ))
        .bind(workspace.0)
        .bind(slug)
        .bind(cursor)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            let exists: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM challenge_packs WHERE workspace_id = $1 AND slug = $2",
            )
            .bind(workspace.0)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        let versions = rows
            .iter()
            .map(version_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(versions, limit, |v| v.id))
    }

    /// One version with its normalised JSON and original YAML.
    pub async fn get_pack_version(
        &self,
        workspace: WorkspaceId,
        slug: &str,
        version: i32,
    ) -> Result<PackVersionDetail, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS}, v.normalized, v.source_yaml FROM challenge_pack_versions v \
             JOIN challenge_packs p ON p.id = v.pack_id \
             WHERE p.workspace_id = $1 AND p.slug = $2 AND v.version = $3"
        ))
        .bind(workspace.0)
        .bind(slug)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(PackVersionDetail {
            meta: version_from_row(&row)?,
            normalized: row.try_get("normalized")?,
            source_yaml: row.try_get("source_yaml")?,
        })
    }

    /// A version's input sets with their cases, in order.
    pub async fn list_input_sets(
        &self,
        workspace: WorkspaceId,
        slug: &str,
        version: i32,
    ) -> Result<Vec<InputSetDetail>, StoreError> {
        let meta = self.get_pack_version(workspace, slug, version).await?.meta;
        let sets = sqlx::query(
            "SELECT key, name, description FROM challenge_pack_input_sets WHERE version_id = $1 ORDER BY position",
        )
        .bind(meta.id)
        .fetch_all(&self.pool)
        .await?;
        let cases = sqlx::query(
            "SELECT input_set_key, case_key, challenge_key, definition FROM challenge_pack_cases \
             WHERE version_id = $1 ORDER BY input_set_key, position",
        )
        .bind(meta.id)
        .fetch_all(&self.pool)
        .await?;
        sets.iter()
            .map(|set| {
                let key: String = set.try_get("key")?;
                let set_cases = cases
                    .iter()
                    .filter(|c| {
                        c.try_get::<String, _>("input_set_key")
                            .is_ok_and(|k| k == key)
                    })
                    .map(|c| {
                        Ok(CaseDetail {
                            case_key: c.try_get("case_key")?,
                            challenge_key: c.try_get("challenge_key")?,
                            definition: c.try_get("definition")?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                Ok(InputSetDetail {
                    name: set.try_get("name")?,
                    description: set.try_get("description")?,
                    key,
                    cases: set_cases,
                })
            })
            .collect()
    }
}

/// What a run needs to know about a pack version when it is created.
#[derive(Debug, Clone)]
pub struct RunnablePackVersion {
    /// Version id.
    pub id: Uuid,
    /// The pack's slug.
    pub slug: String,
    /// Version number.
    pub version: i32,
    /// The normalised pack.
    pub normalized: Value,
}

impl Store {
    /// A version of the workspace by id, with its normalised content.
    pub async fn get_pack_version_by_id(
        &self,
        workspace: WorkspaceId,
        id: Uuid,
    ) -> Result<RunnablePackVersion, StoreError> {
        let row = sqlx::query(
            "SELECT v.id, p.slug, v.version, v.normalized FROM challenge_pack_versions v \
             JOIN challenge_packs p ON p.id = v.pack_id WHERE v.id = $1 AND v.workspace_id = $2",
        )
        .bind(id)
        .bind(workspace.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(RunnablePackVersion {
            id: row.try_get("id")?,
            slug: row.try_get("slug")?,
            version: row.try_get("version")?,
            normalized: row.try_get("normalized")?,
        })
    }

    /// The case keys of an input set in order; `NotFound` when the version
    /// has no such input set.
    pub async fn input_set_case_keys(
        &self,
        workspace: WorkspaceId,
        version_id: Uuid,
        input_set_key: &str,
    ) -> Result<Vec<String>, StoreError> {
        let exists: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM challenge_pack_input_sets s JOIN challenge_pack_versions v ON v.id = s.version_id \
             WHERE s.version_id = $1 AND s.key = $2 AND v.workspace_id = $3",
        )
        .bind(version_id)
        .bind(input_set_key)
        .bind(workspace.0)
        .fetch_optional(&self.pool)
        .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        Ok(sqlx::query_scalar(
            "SELECT case_key FROM challenge_pack_cases WHERE version_id = $1 AND input_set_key = $2 ORDER BY position",
        )
        .bind(version_id)
        .bind(input_set_key)
        .fetch_all(&self.pool)
        .await?)
    }
}
