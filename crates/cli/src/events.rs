//! `agentclash run events`: one page of a run's events, or with `--follow`
//! every event as it is recorded until the run ends (read from the live
//! stream, see [`crate::follow`]).

use std::process::ExitCode;

use serde_json::Value;

use crate::api::{ApiClient, Run};
use crate::exit::{self, fail};
use crate::follow::{self, Filter, Human, Printer};
use crate::output::print_value;

/// The filters and paging of `run events`.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only this lane: run agent id, label or lane index.
    pub lane: Option<String>,
    /// Only types starting with this.
    pub event_type: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Start after this cursor (not with `--follow`).
    pub cursor: Option<String>,
}

/// Prints the events of run `id`.
pub async fn show(
    client: &ApiClient,
    ws: &str,
    id: &str,
    query: EventQuery,
    follow: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let run = client.get_run(ws, id).await?;
    let lane = query
        .lane
        .as_deref()
        .map(|l| lane_id(&run, l))
        .transpose()?;
    if follow {
        let printer = Printer {
            filter: Filter {
                lane,
                type_prefix: query.event_type.clone(),
            },
            json,
            human: Human::Stdout,
            line: |run, event| Some(describe(run, event)),
        };
        let status = follow::print_events(client, ws, &run, &printer).await?;
        eprintln!("run {} {status}", run.id);
        return Ok(ExitCode::SUCCESS);
    }
    let page = fetch(client, ws, id, lane.clone(), &query, query.cursor.clone()).await?;
    if json {
        print_value(&page)?;
    } else {
        for event in page["items"].as_array().into_iter().flatten() {
            out!("{}", describe(&run, event));
        }
        if let Some(next) = page["next_cursor"].as_str() {
            eprintln!("more: --cursor {next}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The run agent id of `--lane`: an id, a label or a lane index.
pub fn lane_id(run: &Run, wanted: &str) -> anyhow::Result<String> {
    let lanes = run.lanes();
    lanes
        .iter()
        .find(|l| {
            l["id"].as_str() == Some(wanted)
                || l["label"].as_str() == Some(wanted)
                || l["lane_index"]
                    .as_i64()
                    .is_some_and(|i| wanted.parse() == Ok(i))
        })
        .and_then(|l| l["id"].as_str().map(str::to_owned))
        .ok_or_else(|| {
            let known: Vec<String> = lanes
                .iter()
                .map(|l| crate::output::cell(&l["label"]))
                .collect();
            fail(
                exit::NOT_FOUND,
                format!(
                    "--lane: run {} has no lane `{wanted}` (lanes: {})",
                    run.id,
                    known.join(", ")
                ),
            )
        })
}

async fn fetch(
    client: &ApiClient,
    ws: &str,
    run_id: &str,
    lane: Option<String>,
    query: &EventQuery,
    cursor: Option<String>,
) -> anyhow::Result<Value> {
    client
        .get_query(
            &["v1", "workspaces", ws, "runs", run_id, "events"],
            &[
                ("run_agent_id", lane),
                ("type", query.event_type.clone()),
                ("cursor", cursor),
                ("limit", query.limit.map(|l| l.to_string())),
            ],
        )
        .await
}

/// One line per event: time, lane, sequence, type, case and summary.
fn describe(run: &Run, event: &Value) -> String {
    let lane = event["run_agent_id"]
        .as_str()
        .map_or_else(|| "run".to_owned(), |id| run.lane_label(id));
    let mut line = format!(
        "{} {lane} #{} {}",
        event["occurred_at"].as_str().unwrap_or("-"),
        event["sequence"],
        event["type"].as_str().unwrap_or("?"),
    );
    if let Some(case) = event["case_key"].as_str() {
        line.push_str(&format!(" [{case}]"));
    }
    if let Some(summary) = event["summary"].as_str() {
        line.push_str(&format!(": {summary}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run() -> Run {
        serde_json::from_value(json!({
            "id": "r1", "status": "running",
            "agents": [
                { "id": "a2", "lane_index": 1, "label": "beta" },
                { "id": "a1", "lane_index": 0, "label": "alpha" }
            ]
        }))
        .expect("run")
    }

    #[test]
    fn lanes_are_found_by_id_label_or_index() {
        let run = run();
        assert_eq!(lane_id(&run, "a2").expect("id"), "a2");
        assert_eq!(lane_id(&run, "alpha").expect("label"), "a1");
        assert_eq!(lane_id(&run, "1").expect("index"), "a2");
        let err = lane_id(&run, "gamma").expect_err("unknown");
        assert_eq!(exit::code_of(&err), exit::NOT_FOUND);
        assert!(err.to_string().contains("lanes: alpha, beta"), "{err}");
    }

    #[test]
    fn events_read_as_one_line() {
        let event = json!({
            "run_agent_id": "a1", "sequence": 4, "type": "tool.call.completed",
            "occurred_at": "2025-01-01T00:00:00Z", "case_key": "c1", "summary": "read_file ok"
        });
        assert_eq!(
            describe(&run(), &event),
            "2025-01-01T00:00:00Z alpha #4 tool.call.completed [c1]: read_file ok"
        );
    }
}
