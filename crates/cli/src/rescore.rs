//! `run rescore`: scores a finished run again from its stored evidence (the
//! judges are asked again; no agent runs), optionally waiting for the pass
//! and printing the new ranking.

use crate::api::ApiClient;
use crate::exit;
use crate::output::print_record;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How often `--wait` asks whether the pass has ended.
const POLL: Duration = Duration::from_millis(500);

/// Starts a pass; with `wait`, waits at most `timeout` for it and prints the
/// ranking it produced (exit 1 when the pass failed).
pub async fn rescore(
    client: &ApiClient,
    ws: &str,
    run: &str,
    wait: Option<Duration>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let path = ["v1", "workspaces", ws, "runs", run, "rescore"];
    let started = client.post(&path, &json!({})).await?;
    let Some(timeout) = wait else {
        print_record(&started, json)?;
        return Ok(ExitCode::SUCCESS);
    };
    eprintln!("re-scoring run {run} (pass {})", started["generation"]);
    let deadline = Instant::now() + timeout;
    let pass: Value = loop {
        let pass = client.get(&path).await?;
        if pass["status"] != "running" {
            break pass;
        }
        if Instant::now() >= deadline {
            return Err(exit::fail(
                exit::RETRYABLE,
                format!(
                    "re-scoring run {run} did not end within {} s",
                    timeout.as_secs()
                ),
            ));
        }
        tokio::time::sleep(POLL).await;
    };
    if pass["status"] != "completed" {
        print_record(&pass, json)?;
        return Ok(ExitCode::FAILURE);
    }
    if json {
        print_record(&pass, json)?;
        return Ok(ExitCode::SUCCESS);
    }
    crate::scores::ranking(client, ws, run, false).await
}
