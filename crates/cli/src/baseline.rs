//! `agentclash baseline set|show|clear`: named workspace baselines, each
//! pointing at one lane, that `compare latest` and `ci run` compare
//! candidates with.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::account::with_client;
use crate::args::ApiOpts;
use crate::compare::resolve_lane;
use crate::output::{print_items, print_record};

/// `agentclash baseline ...`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which baseline command.
    #[command(subcommand)]
    pub command: BaselineCommand,
}

/// The baseline commands.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Point a baseline at a lane: a run agent id, a one-lane run id or
    /// `RUN_ID/LANE` (label or index). Creates or moves it.
    Set {
        /// The lane.
        lane: String,
        /// The baseline's name.
        #[arg(long, value_name = "NAME", default_value = "default")]
        name: String,
    },
    /// Show one baseline, or list them all without a name.
    Show {
        /// The baseline's name.
        name: Option<String>,
    },
    /// Remove a baseline (nothing happens when there is none).
    Clear {
        /// The baseline's name.
        #[arg(default_value = "default")]
        name: String,
    },
}

/// Runs one baseline command.
pub fn run(args: BaselineArgs) -> anyhow::Result<ExitCode> {
    with_client(args.api, |client, settings, json| async move {
        let ws = settings.require_workspace()?.to_owned();
        let ws = ws.as_str();
        match args.command {
            BaselineCommand::Set { lane, name } => {
                let id = resolve_lane(&client, ws, &lane).await?;
                let set = client
                    .put_json(
                        &["v1", "workspaces", ws, "baselines", &name],
                        &json!({ "run_agent_id": id }),
                    )
                    .await?;
                if !json {
                    eprintln!("baseline `{name}` now points at lane {id}");
                }
                print_record(&set, json)?;
            }
            BaselineCommand::Show { name: Some(name) } => {
                let shown = client
                    .get(&["v1", "workspaces", ws, "baselines", &name])
                    .await?;
                print_record(&shown, json)?;
            }
            BaselineCommand::Show { name: None } => {
                let listed = client.get(&["v1", "workspaces", ws, "baselines"]).await?;
                return print_items(
                    &listed,
                    json,
                    &["name", "label", "run_agent_id", "run_id", "set_at"],
                );
            }
            BaselineCommand::Clear { name } => {
                client
                    .delete(&["v1", "workspaces", ws, "baselines", &name])
                    .await?;
                if !json {
                    eprintln!("baseline `{name}` cleared");
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
