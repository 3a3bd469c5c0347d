//! `agentclash compare runs|latest|gate`: a candidate lane against a
//! baseline lane, as the API computes it (deltas, flips, paired
//! statistics), optionally gated by a release policy whose verdict becomes
//! the exit code: 0 pass, 1 fail, 2 warn, 3 insufficient evidence.

use std::path::PathBuf;
use std::process::ExitCode;

use agentclash_scoring::compare::{GatePolicy, GateVerdict};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::account::with_client;
use crate::api::ApiClient;
use crate::args::ApiOpts;
use crate::exit::{self, fail};
use crate::output::{cell, print_table, print_value};

/// `agentclash compare ...`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which comparison.
    #[command(subcommand)]
    pub command: CompareCommand,
}

/// The compare commands. A LANE is a run agent id, a run id (when the run
/// has one lane) or `RUN_ID/LANE` with the lane's label or index.
#[derive(Debug, Subcommand)]
pub enum CompareCommand {
    /// Compare a candidate lane with a baseline lane (same run or not).
    Runs {
        /// The baseline lane.
        baseline: String,
        /// The candidate lane.
        candidate: String,
    },
    /// Compare the newest completed run (of the baseline's pack version)
    /// with a workspace baseline.
    Latest {
        /// The workspace baseline (`agentclash baseline set`).
        #[arg(long, value_name = "NAME", default_value = "default")]
        baseline: String,
        /// Which lane of the newest run (label or index) [default: the first].
        #[arg(long, value_name = "LANE")]
        lane: Option<String>,
    },
    /// Compare and evaluate a release-gate policy; the comparison and the
    /// verdict are stored. Exit 0 pass, 1 fail, 2 warn, 3 insufficient
    /// evidence.
    Gate {
        /// The baseline lane.
        baseline: String,
        /// The candidate lane.
        candidate: String,
        /// The policy, YAML or JSON: `dimensions: {KEY: {warn_delta,
        /// fail_delta}}`, `required_dimensions`, `require_scorecard_pass`.
        #[arg(long, value_name = "FILE")]
        policy_file: PathBuf,
    },
}

/// Runs one compare command.
pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    with_client(args.api, |client, settings, json| async move {
        let ws = settings.require_workspace()?.to_owned();
        let ws = ws.as_str();
        match args.command {
            CompareCommand::Runs {
                baseline,
                candidate,
            } => {
                let b = resolve_lane(&client, ws, &baseline).await?;
                let c = resolve_lane(&client, ws, &candidate).await?;
                show(&fetch(&client, ws, &b, &c).await?, json)
            }
            CompareCommand::Latest { baseline, lane } => {
                let base = client
                    .get(&["v1", "workspaces", ws, "baselines", &baseline])
                    .await?;
                let b = text(&base["run_agent_id"], "baseline run agent")?;
                let c = latest_lane(&client, ws, &base, lane.as_deref()).await?;
                show(&fetch(&client, ws, &b, &c).await?, json)
            }
            CompareCommand::Gate {
                baseline,
                candidate,
                policy_file,
            } => {
                let policy: GatePolicy = crate::docfile::read(&policy_file, "--policy-file")?;
                policy
                    .validate()
                    .map_err(|e| fail(exit::VALIDATION, format!("--policy-file: {e}")))?;
                let b = resolve_lane(&client, ws, &baseline).await?;
                let c = resolve_lane(&client, ws, &candidate).await?;
                let stored = store_gate(&client, ws, &b, &c, &policy).await?;
                if json {
                    print_value(&stored)?;
                } else {
                    print_comparison(&stored["comparison"]);
                    print_gate(&stored["gate"]);
                }
                Ok(ExitCode::from(verdict_exit(verdict_of(&stored)?)))
            }
        }
    })
}

fn text(value: &Value, what: &str) -> anyhow::Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| fail(exit::ERROR, format!("the API answered without a {what}")))
}

/// The run agent id a LANE reference names: `RUN_ID/LANE` (label or
/// index), a run id of a one-lane run, or a run agent id as is.
pub async fn resolve_lane(client: &ApiClient, ws: &str, reference: &str) -> anyhow::Result<String> {
    let (run_id, lane) = match reference.split_once('/') {
        Some((run, lane)) => (run, Some(lane)),
        None => (reference, None),
    };
    let lanes = match client.get_run(ws, run_id).await {
        Ok(run) => run.lanes(),
        Err(e) if lane.is_none() && exit::code_of(&e) == exit::NOT_FOUND => {
            return Ok(reference.to_owned());
        }
        Err(e) => return Err(e),
    };
    pick_lane(&lanes, lane, run_id)
}

/// The lane `wanted` (label or index) of a run, or its only lane.
fn pick_lane(lanes: &[Value], wanted: Option<&str>, run_id: &str) -> anyhow::Result<String> {
    let labels = || {
        lanes
            .iter()
            .map(|l| cell(&l["label"]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let found = match wanted {
        Some(w) => lanes.iter().find(|l| {
            l["label"].as_str() == Some(w)
                || l["lane_index"].as_i64().map(|i| i.to_string()) == Some(w.to_owned())
        }),
        None if lanes.len() == 1 => lanes.first(),
        None => {
            return Err(fail(
                exit::USAGE,
                format!(
                    "run {run_id} has {} lanes; name one as {run_id}/LANE (labels: {})",
                    lanes.len(),
                    labels()
                ),
            ));
        }
    };
    found
        .and_then(|l| l["id"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            fail(
                exit::NOT_FOUND,
                format!(
                    "run {run_id} has no lane `{}` (labels: {})",
                    wanted.unwrap_or(""),
                    labels()
                ),
            )
        })
}

/// The chosen lane of the newest completed run of the baseline's pack
/// version, other than the baseline's own run.
async fn latest_lane(
    client: &ApiClient,
    ws: &str,
    baseline: &Value,
    lane: Option<&str>,
) -> anyhow::Result<String> {
    let runs = client
        .get_query(
            &["v1", "workspaces", ws, "runs"],
            &[("limit", Some("100".into()))],
        )
        .await?;
    let newest = runs["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| {
            r["status"] == "completed"
                && r["id"] != baseline["run_id"]
                && (baseline["pack_version_id"].is_null()
                    || r["pack_version_id"] == baseline["pack_version_id"])
        })
        .ok_or_else(|| {
            fail(
                exit::NOT_FOUND,
                "no completed run of the baseline's pack version besides the baseline's own",
            )
        })?;
    let run_id = text(&newest["id"], "run id")?;
    let run = client.get_run(ws, &run_id).await?;
    pick_lane(&run.lanes(), Some(lane.unwrap_or("0")), &run_id)
}

/// `GET …/compare`.
async fn fetch(
    client: &ApiClient,
    ws: &str,
    baseline: &str,
    candidate: &str,
) -> anyhow::Result<Value> {
    client
        .get_query(
            &["v1", "workspaces", ws, "compare"],
            &[
                ("baseline", Some(baseline.into())),
                ("candidate", Some(candidate.into())),
            ],
        )
        .await
}

/// `POST …/comparisons` with a policy: the stored comparison and verdict.
pub async fn store_gate(
    client: &ApiClient,
    ws: &str,
    baseline: &str,
    candidate: &str,
    policy: &GatePolicy,
) -> anyhow::Result<Value> {
    client
        .post(
            &["v1", "workspaces", ws, "comparisons"],
            &json!({"baseline": baseline, "candidate": candidate, "policy": policy}),
        )
        .await
}

/// The gate verdict of a stored comparison.
pub fn verdict_of(stored: &Value) -> anyhow::Result<GateVerdict> {
    serde_json::from_value(stored["verdict"].clone()).map_err(|_| {
        fail(
            exit::ERROR,
            format!("the API answered an unknown verdict {}", stored["verdict"]),
        )
    })
}

/// The exit code of a verdict: 0 pass, 1 fail, 2 warn, 3 insufficient evidence.
pub fn verdict_exit(verdict: GateVerdict) -> u8 {
    match verdict {
        GateVerdict::Pass => 0,
        GateVerdict::Fail => 1,
        GateVerdict::Warn => 2,
        GateVerdict::InsufficientEvidence => 3,
    }
}

fn show(comparison: &Value, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_value(comparison)?;
    } else {
        print_comparison(comparison);
    }
    Ok(ExitCode::SUCCESS)
}

/// A score, `-` when absent.
pub fn score(value: &Value) -> String {
    value
        .as_f64()
        .map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"))
}

/// A signed delta, `-` when absent.
pub fn delta(value: &Value) -> String {
    value
        .as_f64()
        .map_or_else(|| "-".to_owned(), |v| format!("{v:+.3}"))
}

/// `[lo, hi]` of a paired CI, `-` when absent.
pub fn interval(paired: &Value) -> String {
    match (paired["ci95"][0].as_f64(), paired["ci95"][1].as_f64()) {
        (Some(lo), Some(hi)) => format!("[{lo:+.3}, {hi:+.3}]"),
        _ => "-".to_owned(),
    }
}

/// `overall`, `pass_rate` and every dimension of a comparison, in order.
pub fn dimension_rows(comparison: &Value) -> Vec<&Value> {
    [&comparison["overall"], &comparison["pass_rate"]]
        .into_iter()
        .chain(comparison["dimensions"].as_array().into_iter().flatten())
        .collect()
}

/// Case keys of a list of flips, or `none`.
pub fn flip_keys(flips: &Value) -> String {
    let keys: Vec<String> = flips
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| cell(&f["case_key"]))
        .collect();
    if keys.is_empty() {
        "none".to_owned()
    } else {
        keys.join(", ")
    }
}

/// The comparison for people: lanes, comparability, a table of deltas and
/// the flipped cases.
pub fn print_comparison(c: &Value) {
    let lane = |l: &Value| format!("{} ({})", cell(&l["label"]), cell(&l["run_agent_id"]));
    out!("baseline   {}", lane(&c["baseline_lane"]));
    out!("candidate  {}", lane(&c["candidate_lane"]));
    if c["comparable"] == true {
        out!("comparable yes");
    } else {
        out!("comparable no");
        for r in c["reasons"].as_array().into_iter().flatten() {
            out!("  - {}", cell(&r["message"]));
        }
    }
    out!();
    let header = [
        "DIMENSION",
        "BASELINE",
        "CANDIDATE",
        "DELTA",
        "95% CI",
        "SIGN P",
        "CASES",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = dimension_rows(c).into_iter().map(|d| {
        vec![
            cell(&d["key"]),
            score(&d["baseline"]),
            score(&d["candidate"]),
            delta(&d["delta"]),
            interval(&d["paired"]),
            score(&d["paired"]["sign_test_p"]),
            cell(&d["paired"]["n"]),
        ]
    });
    print_table(&std::iter::once(header).chain(rows).collect::<Vec<_>>());
    out!();
    out!("regressions:  {}", flip_keys(&c["regressions"]));
    out!("improvements: {}", flip_keys(&c["improvements"]));
}

/// The gate verdict and each rule's outcome.
pub fn print_gate(gate: &Value) {
    out!();
    out!("gate: {}", cell(&gate["verdict"]));
    for r in gate["reasons"].as_array().into_iter().flatten() {
        let cases = r["cases"]
            .as_array()
            .filter(|c| !c.is_empty())
            .map(|c| {
                format!(
                    " (cases: {})",
                    c.iter().map(cell).collect::<Vec<_>>().join(", ")
                )
            })
            .unwrap_or_default();
        out!(
            "  {:<22} {}{cases}",
            cell(&r["verdict"]),
            cell(&r["message"])
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_are_picked_by_label_index_or_as_the_only_one() {
        let lanes = vec![
            json!({"id": "a0", "label": "correct", "lane_index": 0}),
            json!({"id": "a1", "label": "buggy", "lane_index": 1}),
        ];
        assert_eq!(
            pick_lane(&lanes, Some("buggy"), "r").ok(),
            Some("a1".into())
        );
        assert_eq!(pick_lane(&lanes, Some("0"), "r").ok(), Some("a0".into()));
        let err = pick_lane(&lanes, None, "r").expect_err("ambiguous");
        assert_eq!(exit::code_of(&err), exit::USAGE);
        assert!(err.to_string().contains("correct, buggy"), "{err}");
        let err = pick_lane(&lanes, Some("nope"), "r").expect_err("unknown");
        assert_eq!(exit::code_of(&err), exit::NOT_FOUND);
        assert_eq!(pick_lane(&lanes[..1], None, "r").ok(), Some("a0".into()));
    }

    #[test]
    fn verdicts_map_to_the_gate_exit_codes() {
        let codes: Vec<u8> = ["pass", "fail", "warn", "insufficient_evidence"]
            .iter()
            .map(|v| {
                verdict_of(&json!({"verdict": v}))
                    .map(verdict_exit)
                    .expect("verdict")
            })
            .collect();
        assert_eq!(codes, [0, 1, 2, 3]);
        assert!(verdict_of(&json!({"verdict": null})).is_err());
    }
}
