//! `run ranking|failures|scorecard`: a run's scores, as the API computed
//! them, for people (tables and the "why" paragraph) or machines (`--json`).

use crate::api::{ApiClient, Run};
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

/// Fails with exit code 75 when the API answered "not scored yet" (a 202
/// body with the run's status instead of the scores).
pub fn ensure_scored(body: &Value, what: &str) -> anyhow::Result<()> {
    if body.get("message").is_some() && body.get("status").is_some() {
        return Err(exit::fail(
            exit::RETRYABLE,
            format!(
                "no {what} yet: the run is {}; try again when it is completed",
                cell(&body["status"])
            ),
        ));
    }
    Ok(())
}

/// The run's ranking as the API computed it (fails with 75 before scoring).
pub async fn fetch_ranking(client: &ApiClient, ws: &str, id: &str) -> anyhow::Result<Value> {
    let body = client
        .get(&["v1", "workspaces", ws, "runs", id, "ranking"])
        .await?;
    ensure_scored(&body, "ranking")?;
    Ok(body)
}

/// `run ranking ID`.
pub async fn ranking(
    client: &ApiClient,
    ws: &str,
    id: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let body = fetch_ranking(client, ws, id).await?;
    if json {
        print_value(&body)?;
        return Ok(ExitCode::SUCCESS);
    }
    let run = client.get_run(ws, id).await?;
    print_ranking(&run, &body);
    Ok(ExitCode::SUCCESS)
}

/// The ranking table, the winner and why it won, lanes named by label.
pub fn print_ranking(run: &Run, body: &Value) {
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
}

/// The top-ranked lane's id (fails with 75 before scoring).
pub fn top_lane(ranking: &Value) -> anyhow::Result<String> {
    ranking["entries"][0]["lane_id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| exit::fail(exit::NOT_FOUND, "the run has no ranked lane"))
}

/// The lane `wanted` names (run agent id, label or lane index), or the
/// top-ranked one when none is named.
pub async fn lane_or_winner(
    client: &ApiClient,
    ws: &str,
    run: &Run,
    wanted: Option<&str>,
) -> anyhow::Result<String> {
    match wanted {
        Some(wanted) => crate::events::lane_id(run, wanted),
        None => top_lane(&fetch_ranking(client, ws, &run.id).await?),
    }
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

/// `run scorecard ID [--lane L]` and `eval scorecard`: the winner's when
/// no lane is given.
pub async fn scorecard(
    client: &ApiClient,
    ws: &str,
    id: &str,
    lane: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let run = client.get_run(ws, id).await?;
    let lane_id = lane_or_winner(client, ws, &run, lane).await?;
    let card = fetch_scorecard(client, ws, &lane_id).await?;
    if json {
        print_value(&card)?;
    } else {
        print_scorecard(&run.lane_label(&lane_id), &card);
    }
    Ok(ExitCode::SUCCESS)
}

/// A lane's scorecard (fails with 75 before scoring).
pub async fn fetch_scorecard(client: &ApiClient, ws: &str, lane_id: &str) -> anyhow::Result<Value> {
    let card = client
        .get(&["v1", "workspaces", ws, "run-agents", lane_id, "scorecard"])
        .await?;
    ensure_scored(&card, "scorecard")?;
    Ok(card)
}

/// The overall line and the per-dimension table of a scorecard.
pub fn print_scorecard(label: &str, card: &Value) {
    out!(
        "{label}: overall {} (95% CI {}–{}), pass rate {} over {} case(s){}",
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
}
