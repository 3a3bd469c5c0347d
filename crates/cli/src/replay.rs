//! `agentclash replay get|export`: a lane's replay — the step-by-step
//! timeline (model calls, tool calls, sandbox commands, grading) folded by
//! the API from the lane's events — one page or step at a time, or whole as
//! NDJSON.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::account::with_client;
use crate::api::{ApiClient, Run};
use crate::args::ApiOpts;
use crate::exit::{self, fail};
use crate::output::{cell, print_record, print_table, print_value};

/// `agentclash replay ...`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which replay command.
    #[command(subcommand)]
    pub command: ReplayCommand,
}

/// The lane a replay command reads.
#[derive(Debug, Args)]
pub struct LaneOpts {
    /// The run's id.
    pub run: String,
    /// The lane: run agent id, label or lane index [default: the only lane,
    /// else the winner].
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
}

/// The replay commands.
#[derive(Debug, Subcommand)]
pub enum ReplayCommand {
    /// A page of a lane's steps, or one step in full with --step.
    Get {
        /// The run and lane.
        #[command(flatten)]
        lane: LaneOpts,
        /// Show this step (0-based index) with its input and output.
        #[arg(long, value_name = "INDEX", conflicts_with_all = ["cursor", "limit"])]
        step: Option<u64>,
        /// Steps per page, 1 to 500 [default: the server's, 100].
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=500))]
        limit: Option<u32>,
        /// First step of the page (printed at the end of the previous page).
        #[arg(long, value_name = "INDEX")]
        cursor: Option<u64>,
    },
    /// The whole replay of a lane as NDJSON, one step per line.
    Export {
        /// The run and lane.
        #[command(flatten)]
        lane: LaneOpts,
        /// Write to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// Runs one replay command.
pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    with_client(args.api, |client, settings, json| async move {
        let ws = settings.require_workspace()?.to_owned();
        let ws = ws.as_str();
        match args.command {
            ReplayCommand::Get {
                lane,
                step,
                limit,
                cursor,
            } => {
                let (run, lane_id) = resolve(&client, ws, &lane).await?;
                let base = ["v1", "workspaces", ws, "run-agents", &lane_id, "replay"];
                if let Some(index) = step {
                    let index = index.to_string();
                    let mut path = base.to_vec();
                    path.extend(["steps", &index]);
                    print_record(&client.get(&path).await?, json)?;
                    return Ok(ExitCode::SUCCESS);
                }
                let page = client
                    .get_query(
                        &base,
                        &[
                            ("cursor", cursor.map(|c| c.to_string())),
                            ("limit", limit.map(|l| l.to_string())),
                        ],
                    )
                    .await?;
                if json {
                    print_value(&page)?;
                } else {
                    print_steps(&run, &lane_id, &page);
                }
                Ok(ExitCode::SUCCESS)
            }
            ReplayCommand::Export { lane, file } => {
                let (_, lane_id) = resolve(&client, ws, &lane).await?;
                let ndjson = client
                    .get_text(&[
                        "v1",
                        "workspaces",
                        ws,
                        "run-agents",
                        &lane_id,
                        "replay",
                        "export",
                    ])
                    .await?;
                match file {
                    Some(path) => {
                        std::fs::write(&path, &ndjson).map_err(|e| {
                            fail(
                                exit::ERROR,
                                format!("--file: cannot write {}: {e}", path.display()),
                            )
                        })?;
                        eprintln!(
                            "{} step(s) written to {}",
                            ndjson.lines().count(),
                            path.display()
                        );
                    }
                    None => {
                        for line in ndjson.lines() {
                            out!("{line}");
                        }
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// The run and the id of the lane `--agent` names (default: the only
/// lane, else the winner).
async fn resolve(client: &ApiClient, ws: &str, lane: &LaneOpts) -> anyhow::Result<(Run, String)> {
    let run = client.get_run(ws, &lane.run).await?;
    let lanes = run.lanes();
    let id = match (&lane.agent, lanes.as_slice()) {
        (None, [only]) => crate::run::id_of(only)?,
        (wanted, _) => crate::scores::lane_or_winner(client, ws, &run, wanted.as_deref()).await?,
    };
    Ok((run, id))
}

/// A page of steps as a table; the next page's flag on stderr.
fn print_steps(run: &Run, lane_id: &str, page: &serde_json::Value) {
    out!("replay of {} in run {}", run.lane_label(lane_id), run.id);
    let header = ["STEP", "KIND", "STATUS", "CASE", "AGENT STEP", "SUMMARY"]
        .map(str::to_owned)
        .to_vec();
    let rows = page["steps"].as_array().into_iter().flatten().map(|s| {
        vec![
            cell(&s["index"]),
            cell(&s["kind"]),
            cell(&s["status"]),
            // Lane-level steps have no case (the API sends `""` or null).
            s["case_key"]
                .as_str()
                .filter(|c| !c.is_empty())
                .unwrap_or("-")
                .to_owned(),
            cell(&s["agent_step"]),
            s["summary"]
                .as_str()
                .map_or_else(|| cell(&s["event_type"]), str::to_owned),
        ]
    });
    print_table(&std::iter::once(header).chain(rows).collect::<Vec<_>>());
    if let Some(next) = page["next_cursor"].as_u64() {
        eprintln!("more: --cursor {next}");
    }
}
