//! `agentclash run create|list|get|cancel|cases|agents|events`: starts runs
//! (pack version + deployments, resolved from names) and inspects them; with
//! `--wait`, follows a new run to the end.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};

use crate::account::with_client;
use crate::api::{ApiClient, Run};
use crate::args::{PackRef, RunArgs, RunCommand};
use crate::events::{self, EventQuery};
use crate::exit::{self, fail};
use crate::follow;
use crate::output::{cell, print_page, print_table, print_value};
use crate::resources::{self, DEPLOYMENT, page_query};

/// Runs one run command.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    with_client(args.api, |client, settings, json| async move {
        let ws = settings.require_workspace()?.to_owned();
        let ws = ws.as_str();
        match args.command {
            RunCommand::Create {
                pack,
                input_set,
                deployments,
                cases,
                name,
                wait,
                timeout,
            } => {
                let pack_version_id = id_of(&pack_version(&client, ws, &pack).await?)?;
                let mut deployment_ids = Vec::with_capacity(deployments.len());
                for reference in &deployments {
                    deployment_ids
                        .push(resources::resolve(&client, ws, DEPLOYMENT, reference).await?);
                }
                let new = NewRun {
                    pack_version_id,
                    deployment_ids,
                    input_set,
                    cases,
                    name,
                };
                let created = create(&client, ws, new).await?;
                if !wait {
                    print_run(&created, json)?;
                    return Ok(ExitCode::SUCCESS);
                }
                eprintln!("run {} {}", created.id, created.status);
                let limit = Some(Duration::from_secs(timeout));
                let done = follow::until_terminal(&client, ws, &created.id, limit).await?;
                print_run(&done, json)?;
                Ok(if done.status == "completed" {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                })
            }
            RunCommand::List(page) => {
                let listed = client
                    .get_query(&["v1", "workspaces", ws, "runs"], &page_query(&page))
                    .await?;
                print_page(
                    &listed,
                    json,
                    &["id", "name", "status", "created_at", "finished_at"],
                )
            }
            RunCommand::Get { id } => {
                print_run(&client.get_run(ws, &id).await?, json)?;
                Ok(ExitCode::SUCCESS)
            }
            RunCommand::Cancel { id } => {
                let answer = client
                    .post(&["v1", "workspaces", ws, "runs", &id, "cancel"], &json!({}))
                    .await?;
                let run: Run = serde_json::from_value(answer)?;
                if !run.is_terminal() {
                    eprintln!("cancellation of run {} requested", run.id);
                }
                print_run(&run, json)?;
                Ok(ExitCode::SUCCESS)
            }
            RunCommand::Rescore { id, wait, timeout } => {
                let wait = wait.then(|| Duration::from_secs(timeout));
                crate::rescore::rescore(&client, ws, &id, wait, json).await
            }
            RunCommand::Cases { id } => cases(&client, ws, &id, json).await,
            RunCommand::Agents { id } => agents(&client, ws, &id, json).await,
            RunCommand::Ranking { id } => crate::scores::ranking(&client, ws, &id, json).await,
            RunCommand::Failures { id } => crate::scores::failures(&client, ws, &id, json).await,
            RunCommand::Scorecard { id, lane } => {
                crate::scores::scorecard(&client, ws, &id, lane.as_deref(), json).await
            }
            RunCommand::Events {
                id,
                lane,
                event_type,
                follow,
                limit,
                cursor,
            } => {
                let query = EventQuery {
                    lane,
                    event_type,
                    limit,
                    cursor,
                };
                events::show(&client, ws, &id, query, follow, json).await
            }
        }
    })
}

/// What a new run is made of, every reference resolved to an id.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// The pack version every lane runs.
    pub pack_version_id: String,
    /// One lane per deployment, in this order.
    pub deployment_ids: Vec<String>,
    /// Input set key; the version's first when absent.
    pub input_set: Option<String>,
    /// Only these cases, in this order; every case when empty.
    pub cases: Vec<String>,
    /// Run name; the server's default when absent.
    pub name: Option<String>,
}

/// `POST`s a run: shared by `run create` and `eval start`.
pub async fn create(client: &ApiClient, ws: &str, new: NewRun) -> anyhow::Result<Run> {
    let mut body = json!({
        "pack_version_id": new.pack_version_id,
        "deployment_ids": new.deployment_ids,
    });
    if let Some(name) = new.name {
        body["name"] = name.into();
    }
    if let Some(key) = new.input_set {
        body["input_set_key"] = key.into();
    }
    if !new.cases.is_empty() {
        body["case_keys"] = new.cases.into();
    }
    Ok(serde_json::from_value(
        client
            .post(&["v1", "workspaces", ws, "runs"], &body)
            .await?,
    )?)
}

/// The `id` of an object the API returned.
pub fn id_of(value: &Value) -> anyhow::Result<String> {
    value["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| fail(exit::ERROR, "the API answered an object without an id"))
}

/// The pack version `--pack` names: `SLUG@N`, or the newest.
pub async fn pack_version(client: &ApiClient, ws: &str, pack: &PackRef) -> anyhow::Result<Value> {
    let base = [
        "v1",
        "workspaces",
        ws,
        "challenge-packs",
        &pack.slug,
        "versions",
    ];
    match pack.version {
        Some(n) => {
            let n = n.to_string();
            let mut path = base.to_vec();
            path.push(&n);
            client.get(&path).await
        }
        None => {
            let versions = client.get(&base).await?;
            // Newest first; pick the highest number to not depend on order.
            versions["items"]
                .as_array()
                .into_iter()
                .flatten()
                .max_by_key(|v| v["version"].as_i64())
                .cloned()
                .ok_or_else(|| {
                    fail(
                        exit::NOT_FOUND,
                        format!("challenge pack `{}` has no version", pack.slug),
                    )
                })
        }
    }
}

/// `run ID STATUS`, then the failure reason and the lanes when known.
pub fn print_run(run: &Run, json: bool) -> anyhow::Result<()> {
    if json {
        return print_value(&serde_json::to_value(run)?);
    }
    out!("run {} {}", run.id, run.status);
    if let Some(reason) = run.rest.get("failure_reason").and_then(Value::as_str) {
        out!("failure: {reason}");
    }
    let lanes = run.lanes();
    if !lanes.is_empty() {
        print_lanes(&lanes);
    }
    Ok(())
}

/// `run agents ID`: the run's lanes (run agents) with their deployment.
async fn agents(client: &ApiClient, ws: &str, id: &str, json: bool) -> anyhow::Result<ExitCode> {
    let run = client.get_run(ws, id).await?;
    let lanes = run.lanes();
    if json {
        print_value(&json!({ "items": lanes }))?;
        return Ok(ExitCode::SUCCESS);
    }
    print_lanes(&lanes);
    Ok(ExitCode::SUCCESS)
}

/// The lanes table of `run get` and `run agents`.
fn print_lanes(lanes: &[Value]) {
    let columns = [
        "lane_index",
        "label",
        "status",
        "deployment_id",
        "id",
        "failure_reason",
    ];
    let header = ["LANE", "LABEL", "STATUS", "DEPLOYMENT", "ID", "FAILURE"]
        .map(str::to_owned)
        .to_vec();
    let rows = lanes
        .iter()
        .map(|lane| columns.iter().map(|c| cell(&lane[*c])).collect());
    print_table(&std::iter::once(header).chain(rows).collect::<Vec<_>>());
}

/// Characters of a final output shown in the cases table.
const OUTPUT_CHARS: usize = 40;

/// A final output on one line, shortened for the table.
fn output_cell(value: &serde_json::Value) -> String {
    let text = value.as_str().map_or_else(
        || cell(value),
        |s| s.split_whitespace().collect::<Vec<_>>().join(" "),
    );
    if text.chars().count() > OUTPUT_CHARS {
        format!(
            "{}…",
            text.chars().take(OUTPUT_CHARS - 1).collect::<String>()
        )
    } else {
        text
    }
}

/// `run cases ID`: a table with the lane label of each case.
async fn cases(client: &ApiClient, ws: &str, id: &str, json: bool) -> anyhow::Result<ExitCode> {
    let listed = client
        .get(&["v1", "workspaces", ws, "runs", id, "cases"])
        .await?;
    if json {
        print_value(&listed)?;
        return Ok(ExitCode::SUCCESS);
    }
    let run = client.get_run(ws, id).await?;
    let header = [
        "LANE", "CASE", "STATUS", "STOP", "ATTEMPT", "STEPS", "TOOLS", "TOKENS", "MS", "OUTPUT",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = listed["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|case| {
            let tokens = format!(
                "{}/{}",
                case["input_tokens"].as_i64().unwrap_or_default(),
                case["output_tokens"].as_i64().unwrap_or_default()
            );
            vec![
                run.lane_label(case["run_agent_id"].as_str().unwrap_or_default()),
                cell(&case["case_key"]),
                cell(&case["status"]),
                cell(&case["stop_reason"]),
                cell(&case["attempt"]),
                cell(&case["steps"]),
                cell(&case["tool_calls"]),
                tokens,
                cell(&case["duration_ms"]),
                output_cell(&case["final_output"]),
            ]
        });
    print_table(&std::iter::once(header).chain(rows).collect::<Vec<_>>());
    Ok(ExitCode::SUCCESS)
}
