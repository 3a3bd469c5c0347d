//! What every workspace resource (provider accounts, runtime profiles,
//! builds, deployments) has in common: the list/get/archive commands, and
//! turning a name given where an id is expected into the id.

use std::process::ExitCode;

use serde_json::{Value, json};

use crate::api::ApiClient;
use crate::args::{CommonCommand, PageOpts};
use crate::exit::{self, fail};
use crate::output::{print_page, print_record, print_value};

/// Describes one kind of resource.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// Path segment under `/v1/workspaces/{ws}/`.
    pub path: &'static str,
    /// What a human calls one, for messages.
    pub noun: &'static str,
    /// Columns of the `list` table.
    pub columns: &'static [&'static str],
}

/// Provider accounts.
pub const PROVIDER_ACCOUNT: Kind = Kind {
    path: "provider-accounts",
    noun: "provider account",
    columns: &["id", "name", "kind", "credential_ref", "archived_at"],
};

/// Runtime profiles.
pub const RUNTIME_PROFILE: Kind = Kind {
    path: "runtime-profiles",
    noun: "runtime profile",
    columns: &[
        "id",
        "name",
        "max_iterations",
        "max_tool_calls",
        "max_parallel_cases",
        "archived_at",
    ],
};

/// Agent builds.
pub const BUILD: Kind = Kind {
    path: "agent-builds",
    noun: "agent build",
    columns: &["id", "name", "description", "archived_at"],
};

/// Deployments.
pub const DEPLOYMENT: Kind = Kind {
    path: "deployments",
    noun: "deployment",
    columns: &["id", "name", "model", "archived_at"],
};

/// Most pages a lookup reads looking for a name (100 items each).
const MAX_NAME_PAGES: usize = 50;

/// The query of a paginated list.
pub fn page_query(page: &PageOpts) -> [(&'static str, Option<String>); 2] {
    [
        ("limit", page.limit.map(|l| l.to_string())),
        ("cursor", page.cursor.clone()),
    ]
}

/// Runs `list`, `get` or `archive` for `kind`.
pub async fn common(
    client: &ApiClient,
    workspace: &str,
    kind: Kind,
    command: CommonCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        CommonCommand::List(page) => {
            let listed = client
                .get_query(
                    &["v1", "workspaces", workspace, kind.path],
                    &page_query(&page),
                )
                .await?;
            print_page(&listed, json, kind.columns)
        }
        CommonCommand::Get { reference } => {
            let id = resolve(client, workspace, kind, &reference).await?;
            let found = client
                .get(&["v1", "workspaces", workspace, kind.path, &id])
                .await?;
            print_record(&found, json)?;
            Ok(ExitCode::SUCCESS)
        }
        CommonCommand::Archive { reference } => {
            let id = resolve(client, workspace, kind, &reference).await?;
            client
                .post_empty(
                    &["v1", "workspaces", workspace, kind.path, &id, "archive"],
                    &json!({}),
                )
                .await?;
            eprintln!("{} {id} archived", kind.noun);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `POST`s a new resource and prints it: its id on stdout (or the whole
/// object with `--json`), a note on stderr.
pub async fn create(
    client: &ApiClient,
    workspace: &str,
    kind: Kind,
    body: &Value,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let created = client
        .post(&["v1", "workspaces", workspace, kind.path], body)
        .await?;
    print_created(kind.noun, &created, json)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a created object the way every `create` command does.
pub fn print_created(noun: &str, created: &Value, json: bool) -> anyhow::Result<()> {
    if json {
        return print_value(created);
    }
    let id = created["id"].as_str().unwrap_or_default();
    let name = created["name"]
        .as_str()
        .map(|n| format!(" `{n}`"))
        .unwrap_or_default();
    eprintln!("{noun}{name} created");
    out!("{id}");
    Ok(())
}

/// Whether `reference` is an id (a UUID) rather than a name.
pub fn is_id(reference: &str) -> bool {
    uuid::Uuid::try_parse(reference).is_ok()
}

/// The id `reference` stands for: itself when it is a UUID, else the id of
/// the resource of that exact name (found by paging through the list).
pub async fn resolve(
    client: &ApiClient,
    workspace: &str,
    kind: Kind,
    reference: &str,
) -> anyhow::Result<String> {
    if is_id(reference) {
        return Ok(reference.to_owned());
    }
    let matches: Vec<String> = find_in_pages(
        client,
        &["v1", "workspaces", workspace, kind.path],
        |item| item["name"].as_str() == Some(reference),
    )
    .await?
    .iter()
    .filter_map(|item| item["id"].as_str().map(str::to_owned))
    .collect();
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(fail(
            exit::NOT_FOUND,
            format!(
                "no {} named `{reference}` in this workspace (give its id or exact name)",
                kind.noun
            ),
        )),
        _ => Err(fail(
            exit::VALIDATION,
            format!(
                "several {}s are named `{reference}`: give the id",
                kind.noun
            ),
        )),
    }
}

/// Every item of a paginated list (read 100 at a time, at most
/// `MAX_NAME_PAGES` pages) for which `wanted` holds.
pub async fn find_in_pages(
    client: &ApiClient,
    segments: &[&str],
    wanted: impl Fn(&Value) -> bool,
) -> anyhow::Result<Vec<Value>> {
    let mut cursor: Option<String> = None;
    let mut found = Vec::new();
    for _ in 0..MAX_NAME_PAGES {
        let page = client
            .get_query(
                segments,
                &[("limit", Some("100".to_owned())), ("cursor", cursor.take())],
            )
            .await?;
        found.extend(
            page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|item| wanted(item))
                .cloned(),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_uuids_count_as_ids() {
        assert!(is_id("0190f3c2-7b1e-7a62-9d2e-4c1b2a3d4e5f"));
        assert!(!is_id("gpt-4o-agent"));
        assert!(!is_id("0190f3c2"));
    }
}
