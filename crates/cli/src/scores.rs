//! `run ranking|failures|scorecard`: a run's scores, as the API computed
//! them, for people (tables and the "why" paragraph) or machines (`--json`).

use crate::api::ApiClient;
use crate::exit;
use crate::output::{cell, print_table, print_value};
use serde_json::Value;
use std::process::ExitCode;

/// A score in [0,1] as a percentage, `-` when absent.
fn percent(value: &Value) -> String {
    value
        .as_f64()
        .map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

/// Whether the API answered "not scored yet" (202 body), which it says
/// with the run's status instead of the scores.
fn pending(body: &Value, what: &str) -> Option<ExitCode> {
    if body.get("message").is_some() && body.get("status").is_some() {
        eprintln!(
            "no {what} yet: the run is {}; try again when it is completed",
            cell(&body["status"])
        );
        return Some(ExitCode::from(exit::RETRYABLE));
    }
    None
}

/// `run ranking ID`.
pub async fn ranking(
    client: &ApiClient,
    ws: &str,
    id: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let body = client
        .get(&["v1", "workspaces", ws, "runs", id, "ranking"])
        .await?;
    if let Some(code) = pending(&body, "ranking") {
        return Ok(code);
    }
    if json {
        print_value(&body)?;
        return Ok(ExitCode::SUCCESS);
    }
    let run = client.get_run(ws, id).await?;
    let header = [
        "RANK",
        "LANE",
        "OVERALL",
        "CORRECTNESS",
        "RELIABILITY",
        "PASS RATE",
        "DEGRADED",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = body["entries"].as_array().into_iter().flatten().map(|e| {
        vec![
            cell(&e["rank"]),
            run.lane_label(e["lane_id"].as_str().unwrap_or_default()),
            percent(&e["overall"]),
            percent(&e["correctness"]),
            percent(&e["reliability"]),
            percent(&e["pass_rate"]),
            if e["degraded"] == true { "yes" } else { "no" }.to_owned(),
        ]
    });
    print_table(&std::iter::once(header).chain(rows).collect::<Vec<_>>());
    match body["outcome"]["kind"].as_str() {
        Some("winner") => out!(
            "\nwinner: {}",
            run.lane_label(body["outcome"]["lane_id"].as_str().unwrap_or_default())
        ),
        Some("tie") => out!("\ntie"),
        _ => {}
    }
    if let Some(text) = body["why"]["text"].as_str() {
        // The summary names lanes by id; people know them by label.
        let text = run.lanes().iter().fold(text.to_owned(), |text, lane| {
            match (lane["id"].as_str(), lane["label"].as_str()) {
                (Some(id), Some(label)) => text.replace(id, label),
                _ => text,
            }
        });
        out!("why: {text}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `run failures ID`.
pub async fn failures(
    client: &ApiClient,
    ws: &str,
    id: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let body = client
        .get(&["v1", "workspaces", ws, "runs", id, "failures"])
        .await?;
    if json {
        print_value(&body)?;
        return Ok(ExitCode::SUCCESS);
    }
    let header = ["LANE", "CASE", "CLASS", "AGENT FAULT", "REASON"]
        .map(str::to_owned)
        .to_vec();
    let rows = body["items"].as_array().into_iter().flatten().map(|f| {
        vec![
            cell(&f["label"]),
            cell(&f["case_key"]),
            cell(&f["failure"]["class"]),
            cell(&f["failure"]["agent_fault"]),
            cell(&f["failure"]["reason"]),
        ]
    });
    print_table(&std::iter::once(header).chain(rows).collect::<Vec<_>>());
    Ok(ExitCode::SUCCESS)
}

/// `run scorecard ID [--lane L]`: the winner's when no lane is given.
pub async fn scorecard(
    client: &ApiClient,
    ws: &str,
    id: &str,
    lane: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let run = client.get_run(ws, id).await?;
    let lanes = run.lanes();
    let lane_id = match lane {
        Some(wanted) => lanes
            .iter()
            .find(|l| {
                l["id"] == wanted
                    || l["label"] == wanted
                    || l["lane_index"]
                        .as_i64()
                        .is_some_and(|i| i.to_string() == wanted)
            })
            .and_then(|l| l["id"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("run {id} has no lane `{wanted}`"))?,
        None => {
            let ranking = client
                .get(&["v1", "workspaces", ws, "runs", id, "ranking"])
                .await?;
            if let Some(code) = pending(&ranking, "scorecard") {
                return Ok(code);
            }
            ranking["entries"][0]["lane_id"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| anyhow::anyhow!("the run has no ranked lane"))?
        }
    };
    let card = client
        .get(&["v1", "workspaces", ws, "run-agents", &lane_id, "scorecard"])
        .await?;
    if let Some(code) = pending(&card, "scorecard") {
        return Ok(code);
    }
    if json {
        print_value(&card)?;
        return Ok(ExitCode::SUCCESS);
    }
    out!(
        "{}: overall {} (95% CI {}–{}), pass rate {} over {} case(s){}",
        run.lane_label(&lane_id),
        percent(&card["overall"]["mean"]),
        percent(&card["overall"]["ci95"][0]),
        percent(&card["overall"]["ci95"][1]),
        percent(&card["pass_rate"]),
        cell(&card["cases"]),
        if card["degraded"] == true {
            " — degraded (infrastructure failures)"
        } else {
            ""
        }
    );
    let header = ["DIMENSION", "MEAN", "CI LOW", "CI HIGH"]
        .map(str::to_owned)
        .to_vec();
    let rows = card["dimensions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            vec![
                cell(&d["key"]),
                percent(&d["mean"]),
                percent(&d["ci95"][0]),
                percent(&d["ci95"][1]),
            ]
        });
    print_table(&std::iter::once(header).chain(rows).collect::<Vec<_>>());
    Ok(ExitCode::SUCCESS)
}
