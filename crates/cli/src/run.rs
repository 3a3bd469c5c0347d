//! `agentclash run create|get`: starts a run in the selected workspace
//! through the API and, with `--wait`, follows it to the end.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::api::{ApiClient, Run};
use crate::args::{RunArgs, RunCommand};
use crate::config;
use crate::exit::{self, fail};

/// How often `--wait` polls the run.
const POLL: Duration = Duration::from_millis(250);
/// How long `--wait` waits for a terminal status.
const WAIT_LIMIT: Duration = Duration::from_secs(120);

/// Runs one run command on a single-threaded runtime.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(execute(args))
}

async fn execute(args: RunArgs) -> anyhow::Result<ExitCode> {
    let settings = config::resolve(args.api.api_url, args.api.workspace)?;
    let workspace = settings.require_workspace()?.to_owned();
    let client = ApiClient::new(&settings.api_url, settings.token.as_deref())?;
    match args.command {
        RunCommand::Create { name, wait } => {
            let run = client.create_run(&workspace, name.as_deref()).await?;
            if !wait {
                print_run(&run, args.api.json)?;
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!("run {} {}", run.id, run.status);
            let run = wait_for_end(&client, &workspace, run).await?;
            print_run(&run, args.api.json)?;
            Ok(if run.status == "completed" {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        RunCommand::Get { id } => {
            print_run(&client.get_run(&workspace, &id).await?, args.api.json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Polls until the run is completed, failed or cancelled, reporting each
/// status change on stderr.
async fn wait_for_end(client: &ApiClient, workspace: &str, mut run: Run) -> anyhow::Result<Run> {
    let started = Instant::now();
    while !run.is_terminal() {
        if started.elapsed() >= WAIT_LIMIT {
            return Err(fail(
                exit::ERROR,
                format!(
                    "run {} did not finish within {}s (last status: {})",
                    run.id,
                    WAIT_LIMIT.as_secs(),
                    run.status
                ),
            ));
        }
        tokio::time::sleep(POLL).await;
        let next = client.get_run(workspace, &run.id).await?;
        if next.status != run.status {
            eprintln!("run {} {}", next.id, next.status);
        }
        run = next;
    }
    Ok(run)
}

fn print_run(run: &Run, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(run)?);
    } else {
        println!("run {} {}", run.id, run.status);
    }
    Ok(())
}
