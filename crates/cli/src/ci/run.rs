//! `ci run`: create the candidate run, wait for it (with a timeout), gate
//! its lane against the baseline, then write the summary and artifacts and
//! exit with the verdict.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{Value, json};

use super::manifest::Manifest;
use super::plan::{self, Baseline};
use super::{CANDIDATE_FAILED, TIMEOUT, artifacts, summary};
use crate::api::{ApiClient, Run};
use crate::compare::{print_comparison, print_gate, store_gate, verdict_exit, verdict_of};
use crate::exit::fail;
use crate::output::print_value;
use crate::run::{NewRun, create};

/// Where the Markdown summary goes.
#[derive(Debug, Clone)]
pub enum SummaryTarget {
    /// `--summary-file`: replaced.
    Write(PathBuf),
    /// `$GITHUB_STEP_SUMMARY`: appended to, as GitHub expects.
    Append(PathBuf),
}

/// Where `ci run` writes what it found.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// JSON artifacts directory.
    pub artifact_dir: Option<PathBuf>,
    /// Markdown summary.
    pub summary: Option<SummaryTarget>,
}

/// Everything `ci run` learned, for the summary, the artifacts and stdout.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// `pass`, `fail`, `warn`, `insufficient_evidence`, `timeout` or
    /// `candidate_failed`.
    pub outcome: String,
    /// The process exit code.
    pub exit_code: u8,
    /// Why, when the gate was not reached.
    pub message: Option<String>,
    /// The candidate run, as last seen.
    pub run: Option<Value>,
    /// The candidate lane.
    pub candidate: Option<String>,
    /// The baseline lane.
    pub baseline: Option<String>,
    /// The candidate lane's scorecard.
    pub scorecard: Option<Value>,
    /// The stored comparison with its gate.
    pub stored: Option<Value>,
}

impl Report {
    /// `result.json`: the verdict and what it is about.
    pub fn result(&self) -> Value {
        let gate = self.stored.as_ref().map(|s| &s["gate"]);
        let failing: Vec<&Value> = gate
            .and_then(|g| g["reasons"].as_array())
            .into_iter()
            .flatten()
            .filter(|r| r["verdict"] == "fail" && !r["dimension"].is_null())
            .map(|r| &r["dimension"])
            .collect();
        json!({
            "verdict": self.outcome,
            "exit_code": self.exit_code,
            "message": self.message,
            "run_id": self.run.as_ref().map(|r| r["id"].clone()),
            "candidate_run_agent_id": self.candidate,
            "baseline_run_agent_id": self.baseline,
            "comparison_id": self.stored.as_ref().map(|s| s["id"].clone()),
            "comparable": self.stored.as_ref().map(|s| s["comparable"].clone()),
            "failing_dimensions": failing,
            "regressions": self.stored.as_ref().map(|s| s["comparison"]["regressions"].clone()),
        })
    }
}

/// Writes the summary and artifacts, prints the result, and turns the
/// report into the exit (an error for timeouts and failed runs).
fn finish(report: &Report, outputs: &Outputs, json: bool) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &outputs.artifact_dir {
        artifacts::write(dir, report)?;
    }
    if let Some(target) = &outputs.summary {
        summary::write(target, &summary::markdown(report))?;
    }
    if json {
        print_value(&report.result())?;
    } else if let Some(stored) = &report.stored {
        print_comparison(&stored["comparison"]);
        print_gate(&stored["gate"]);
    }
    match &report.message {
        Some(message) if report.stored.is_none() => Err(fail(report.exit_code, message.clone())),
        _ => Ok(ExitCode::from(report.exit_code)),
    }
}

/// The candidate's lane: the first of the run.
fn lane_ids(run: &Run, baseline: &Baseline) -> (Option<String>, Option<String>) {
    let lanes = run.lanes();
    let id = |i: usize| {
        lanes
            .get(i)
            .and_then(|l| l["id"].as_str())
            .map(str::to_owned)
    };
    let baseline = match baseline {
        Baseline::Lane(id) => Some(id.clone()),
        Baseline::Deployment(_) => id(1),
    };
    (id(0), baseline)
}

/// Runs the whole pipeline for `manifest` in workspace `ws`.
pub async fn run(
    client: &ApiClient,
    ws: &str,
    manifest: &Manifest,
    outputs: &Outputs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let plan = plan::plan(client, ws, manifest).await?;
    let mut deployment_ids = vec![plan.candidate.clone()];
    if let Baseline::Deployment(id) = &plan.baseline {
        deployment_ids.push(id.clone());
    }
    let new = NewRun {
        pack_version_id: plan.pack_version_id.clone(),
        deployment_ids,
        input_set: plan.input_set.clone(),
        cases: plan.cases.clone(),
        name: Some(format!("ci: {}", manifest.candidate)),
    };
    let created = create(client, ws, new).await?;
    eprintln!("run {} {}", created.id, created.status);
    let waited = tokio::time::timeout(
        manifest.timeout,
        crate::follow::until_terminal(client, ws, &created.id, None),
    )
    .await;
    let mut report = Report::default();
    let Ok(finished) = waited else {
        // Do not leave sandboxes running for a build that gave up.
        let _ = client
            .post(
                &["v1", "workspaces", ws, "runs", &created.id, "cancel"],
                &json!({}),
            )
            .await;
        report.outcome = "timeout".into();
        report.exit_code = TIMEOUT;
        report.message = Some(format!(
            "run {} did not finish within {} s; it was cancelled",
            created.id,
            manifest.timeout.as_secs()
        ));
        report.run = Some(serde_json::to_value(
            client.get_run(ws, &created.id).await?,
        )?);
        return finish(&report, outputs, json);
    };
    let run = finished?;
    eprintln!("run {} {}", run.id, run.status);
    (report.candidate, report.baseline) = lane_ids(&run, &plan.baseline);
    report.run = Some(serde_json::to_value(&run)?);
    let candidate_lane = run.lanes().into_iter().next().unwrap_or(Value::Null);
    let (Some(candidate), Some(baseline), "completed", "completed") = (
        report.candidate.clone(),
        report.baseline.clone(),
        run.status.as_str(),
        candidate_lane["status"].as_str().unwrap_or(""),
    ) else {
        report.outcome = "candidate_failed".into();
        report.exit_code = CANDIDATE_FAILED;
        let why = candidate_lane["failure_reason"]
            .as_str()
            .or(run.rest.get("failure_reason").and_then(Value::as_str))
            .unwrap_or("no reason given");
        report.message = Some(format!(
            "the candidate run {} ended {}: {why}",
            run.id, run.status
        ));
        return finish(&report, outputs, json);
    };
    report.scorecard = Some(
        client
            .get(&[
                "v1",
                "workspaces",
                ws,
                "run-agents",
                &candidate,
                "scorecard",
            ])
            .await?,
    );
    let stored = store_gate(client, ws, &baseline, &candidate, &manifest.gate).await?;
    let verdict = verdict_of(&stored)?;
    report.outcome = verdict.as_str().into();
    report.exit_code = verdict_exit(verdict);
    report.stored = Some(stored);
    finish(&report, outputs, json)
}
