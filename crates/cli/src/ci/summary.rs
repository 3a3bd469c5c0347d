//! The Markdown summary of `ci run` (for `$GITHUB_STEP_SUMMARY`): the
//! verdict, the lanes, a table of dimension deltas, every gate rule with
//! the cases behind it, and the flipped cases.

use std::io::Write as _;

use serde_json::Value;

use super::API_ERROR;
use super::run::{Report, SummaryTarget};
use crate::compare::{delta, dimension_rows, flip_keys, interval, score};
use crate::exit::fail;
use crate::output::cell;

/// A value safe inside a Markdown table cell.
fn md(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn badge(outcome: &str) -> &'static str {
    match outcome {
        "pass" => "✅ pass",
        "warn" => "⚠️ warn",
        "fail" => "❌ fail",
        "insufficient_evidence" => "❔ insufficient evidence",
        "timeout" => "⏱️ timeout",
        _ => "💥 candidate run failed",
    }
}

fn lane(c: &Value, which: &str) -> String {
    let l = &c[which];
    format!(
        "**{}** (`{}`)",
        md(&cell(&l["label"])),
        cell(&l["run_agent_id"])
    )
}

/// The summary of `report`.
pub fn markdown(report: &Report) -> String {
    let mut s = format!("## AgentClash gate: {}\n\n", badge(&report.outcome));
    if let Some(message) = &report.message {
        s.push_str(&format!("{}\n\n", md(message)));
    }
    let Some(stored) = &report.stored else {
        return s;
    };
    let c = &stored["comparison"];
    s.push_str(&format!(
        "Candidate {} vs baseline {}. Comparable: {}.\n\n",
        lane(c, "candidate_lane"),
        lane(c, "baseline_lane"),
        if c["comparable"] == true { "yes" } else { "no" }
    ));
    for r in c["reasons"].as_array().into_iter().flatten() {
        s.push_str(&format!("- {}\n", md(&cell(&r["message"]))));
    }
    s.push_str("| Dimension | Baseline | Candidate | Delta | 95% CI (paired) | Sign test p |\n");
    s.push_str("|---|---:|---:|---:|---|---:|\n");
    for d in dimension_rows(c) {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            md(&cell(&d["key"])),
            score(&d["baseline"]),
            score(&d["candidate"]),
            delta(&d["delta"]),
            interval(&d["paired"]),
            score(&d["paired"]["sign_test_p"]),
        ));
    }
    s.push_str(
        "\n### Gate\n\n| Verdict | Rule | Dimension | Details | Cases |\n|---|---|---|---|---|\n",
    );
    for r in stored["gate"]["reasons"].as_array().into_iter().flatten() {
        let cases: Vec<String> = r["cases"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| format!("`{}`", md(&cell(c))))
            .collect();
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            badge(r["verdict"].as_str().unwrap_or("")),
            md(&cell(&r["rule"])),
            md(&cell(&r["dimension"])),
            md(&cell(&r["message"])),
            cases.join(", ")
        ));
    }
    s.push_str(&format!(
        "\n**Regressions** (passed in the baseline, failed in the candidate): {}\n\n",
        md(&flip_keys(&c["regressions"]))
    ));
    s.push_str(&format!(
        "**Improvements**: {}\n",
        md(&flip_keys(&c["improvements"]))
    ));
    s
}

/// Writes (or appends) `text` to `target`.
pub fn write(target: &SummaryTarget, text: &str) -> anyhow::Result<()> {
    let (path, append) = match target {
        SummaryTarget::Write(p) => (p, false),
        SummaryTarget::Append(p) => (p, true),
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    written.map_err(|e| {
        fail(
            API_ERROR,
            format!("cannot write the summary to {}: {e}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_failing_gate_names_the_dimension_and_the_cases() {
        let report = Report {
            outcome: "fail".into(),
            exit_code: 1,
            stored: Some(json!({
                "comparison": {
                    "comparable": true, "reasons": [],
                    "baseline_lane": {"label": "correct", "run_agent_id": "b"},
                    "candidate_lane": {"label": "bug|gy", "run_agent_id": "c"},
                    "overall": {"key": "overall", "baseline": 1.0, "candidate": 0.5, "delta": -0.5,
                        "paired": {"ci95": [-1.0, 0.0], "sign_test_p": 0.5, "n": 2}},
                    "pass_rate": {"key": "pass_rate", "paired": {}},
                    "dimensions": [{"key": "correctness", "baseline": 1.0, "candidate": 0.5, "delta": -0.5, "paired": {}}],
                    "regressions": [{"case_key": "div"}], "improvements": []
                },
                "gate": {"verdict": "fail", "reasons": [
                    {"verdict": "fail", "rule": "delta", "dimension": "correctness", "message": "correctness dropped", "cases": ["div"]}
                ]}
            })),
            ..Report::default()
        };
        let text = markdown(&report);
        assert!(text.starts_with("## AgentClash gate: ❌ fail"), "{text}");
        assert!(text.contains("**bug\\|gy**"), "{text}");
        assert!(
            text.contains("| correctness | 1.000 | 0.500 | -0.500 | - | - |"),
            "{text}"
        );
        assert!(
            text.contains("| ❌ fail | delta | correctness | correctness dropped | `div` |"),
            "{text}"
        );
        assert!(
            text.contains("**Regressions** (passed in the baseline, failed in the candidate): div")
        );
        assert!(text.contains("**Improvements**: none"));
    }

    #[test]
    fn summaries_are_replaced_or_appended() {
        let dir = std::env::temp_dir().join(format!("agentclash-summary-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("summary.md");
        write(&SummaryTarget::Write(path.clone()), "a").expect("write");
        write(&SummaryTarget::Append(path.clone()), "b").expect("append");
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("ab"));
        write(&SummaryTarget::Write(path.clone()), "c").expect("write");
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("c"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
