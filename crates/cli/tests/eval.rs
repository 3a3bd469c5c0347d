//! The evaluation loop through the real binary against a real API and
//! worker: `eval start` resolving names and choosing by itself only when
//! there is one choice, `--follow` to the ranking and the winner's
//! scorecard, then `eval scorecard`, `run agents`, `replay get|export`;
//! and the menus shown at a terminal (only there).

mod stack;

use std::io::Write as _;
use std::process::Stdio;

use serde_json::Value;
use stack::{Stack, UNITS, assert_exit_says, example, stderr, stdout};

/// Runs `agentclash ARGS` at a terminal (`script` gives it a pseudo-terminal
/// for stdin, stdout and stderr), typing `typed`; returns the exit code and
/// what the terminal showed.
fn at_a_terminal(stack: &Stack, args: &str, typed: &str) -> (Option<i32>, String) {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_agentclash"));
    let mut child = stack
        .command("script", &stack.api.base)
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(typed.as_bytes())
        .expect("typed");
    let out = child.wait_with_output().expect("script ends");
    (out.status.code(), stdout(&out))
}

#[test]
fn eval_start_chooses_only_single_options_and_needs_flags_otherwise() {
    let live = Stack::start();
    let out = live.cli(&["eval", "start"]);
    assert_exit_says(&out, 66, "this workspace has no challenge pack");

    live.pack_and_deployments("unit-conversion.yaml", &UNITS[..1]);
    // One pack, one input set, one deployment: nothing to ask.
    let out = live.cli(&["eval", "start"]);
    assert_exit_says(
        &out,
        0,
        "unit-conversion v1, input set `default`, lanes: units correct",
    );
    assert!(stdout(&out).starts_with("run "), "{}", stdout(&out));

    live.deployment("units buggy", &example("deployments/units-buggy.json"));
    // Two deployments and no terminal: a usage error naming the flag.
    let out = live.cli(&["eval", "start", "--pack", "Unit Conversion"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("several deployments: choose with --deployment")
            && err.contains("units buggy")
            && err.contains("units correct"),
        "{err}"
    );
    let out = live.cli(&[
        "eval",
        "start",
        "--pack",
        "nope",
        "--deployment",
        "units correct",
    ]);
    assert_eq!(out.status.code(), Some(66), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "--pack: no challenge pack `nope` in this workspace (packs: unit-conversion)"
        ),
        "{}",
        stderr(&out)
    );
    let out = live.cli(&[
        "eval",
        "start",
        "--pack",
        "unit-conversion@7",
        "--deployment",
        "units correct",
    ]);
    assert_eq!(out.status.code(), Some(66), "{}", stderr(&out));
}

#[test]
fn at_a_terminal_eval_start_asks_which_deployments_to_run() {
    let live = Stack::start();
    live.pack_and_deployments("unit-conversion.yaml", UNITS);
    // Newest first: 1) units buggy, 2) units correct.
    let (code, screen) = at_a_terminal(&live, "eval start", "2\n");
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("Which deployment?\r\n  1) units buggy\r\n  2) units correct\r\n"),
        "{screen}"
    );
    assert!(screen.contains("lanes: units correct\r\n"), "{screen}");
    let (code, screen) = at_a_terminal(&live, "eval start", "\n");
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("lanes: units buggy, units correct\r\n"),
        "Enter takes them all: {screen}"
    );
    let (code, screen) = at_a_terminal(&live, "eval start --non-interactive", "");
    assert_eq!(code, Some(2), "{screen}");
    assert!(!screen.contains("Which deployment?"), "{screen}");
}

#[test]
fn eval_start_follows_to_the_winner_then_scorecards_and_replays_read_the_run() {
    let live = Stack::start();
    live.pack_and_deployments("unit-conversion.yaml", UNITS);
    let out = live.cli(&[
        "eval",
        "start",
        "--pack",
        "unit-conversion@1",
        "--deployment",
        "units buggy",
        "--deployment",
        "units correct",
        "--follow",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let run_id = text
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("run id")
        .to_owned();
    assert!(
        text.starts_with(&format!("run {run_id} completed\n")),
        "{text}"
    );
    assert!(text.contains("\nwinner: units correct\n"), "{text}");
    assert!(text.contains("\nwhy: units correct wins"), "{text}");
    assert!(
        text.contains("the winner's scorecard:\nunits correct: overall 100.0%"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "  agentclash replay get {run_id} --agent 'units correct'\n  agentclash eval scorecard {run_id} --agent 'units buggy'\n  agentclash compare runs '{run_id}/units buggy' '{run_id}/units correct'\n"
        )),
        "{text}"
    );
    // Events are progress: on stderr, one compact line each.
    let progress = stderr(&out);
    assert!(
        progress.contains("units buggy [pounds-to-kg] system.case.started"),
        "{progress}"
    );
    assert!(!text.contains("system.case.started"), "{text}");

    // The newest run's scorecard of a named lane.
    let card: Value =
        serde_json::from_str(&live.ok(&["eval", "scorecard", "--agent", "units buggy", "--json"]))
            .expect("JSON");
    assert_eq!(card["cases"], 4, "{card}");
    assert!(card["pass_rate"].as_f64().expect("rate") < 1.0, "{card}");
    let lanes = live.ok(&["run", "agents", &run_id]);
    let rows: Vec<Vec<&str>> = lanes
        .lines()
        .skip(1)
        .map(|l| l.split("  ").filter(|c| !c.is_empty()).collect())
        .collect();
    assert_eq!(
        rows.iter()
            .map(|r| (r[0], r[1].trim(), r[2].trim()))
            .collect::<Vec<_>>(),
        [
            ("0", "units buggy", "completed"),
            ("1", "units correct", "completed")
        ]
    );

    // The winner's replay by default, one step in full, the export.
    let replay = live.ok(&["replay", "get", &run_id, "--limit", "3"]);
    assert!(
        replay.starts_with(&format!("replay of units correct in run {run_id}\nSTEP")),
        "{replay}"
    );
    assert_eq!(replay.lines().count(), 2 + 3, "{replay}");
    let step: Value = serde_json::from_str(&live.ok(&[
        "replay", "get", &run_id, "--agent", "0", "--step", "1", "--json",
    ]))
    .expect("JSON");
    assert_eq!(step["index"], 1, "{step}");
    let exported = live.dir.join("replay.ndjson");
    let exported_path = exported.to_string_lossy().into_owned();
    let out = live.cli(&[
        "replay",
        "export",
        &run_id,
        "--agent",
        "units buggy",
        "--file",
        &exported_path,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<Value> = std::fs::read_to_string(&exported)
        .expect("written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one step per line"))
        .collect();
    let page: Value = serde_json::from_str(&live.ok(&[
        "replay",
        "get",
        &run_id,
        "--agent",
        "units buggy",
        "--limit",
        "500",
        "--json",
    ]))
    .expect("JSON");
    assert_eq!(
        lines,
        page["steps"].as_array().expect("steps").clone(),
        "the export holds the same steps as the pages"
    );
    assert!(
        stderr(&out).contains(&format!("{} step(s) written", lines.len())),
        "{}",
        stderr(&out)
    );
    let out = live.cli(&["replay", "get", &run_id, "--agent", "nobody"]);
    assert_eq!(out.status.code(), Some(66), "{}", stderr(&out));

    // Re-scoring the finished run: a new pass, the same winner.
    let out = live.cli(&["run", "rescore", &run_id, "--wait"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("(pass 1)"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("winner: units correct"),
        "{}",
        stdout(&out)
    );
    let pass: Value =
        serde_json::from_str(&live.ok(&["run", "rescore", &run_id, "--json"])).expect("JSON");
    assert_eq!(pass["generation"], 2, "{pass}");
}
