//! Snapshots of the human output of the evaluation loop against a real API
//! and worker: what a person reads after `eval start --follow`, `run
//! agents`, `eval scorecard` and `replay get`. Ids, times and durations are
//! normalised (each distinct id becomes `<id1>`, `<id2>`, … in order of
//! appearance), so the files are deterministic.
//!
//! The expected files are in `tests/snapshots/`; after a deliberate change
//! of the output, rewrite them with `UPDATE_SNAPSHOTS=1` and review the diff.

mod stack;

use std::path::PathBuf;

use stack::{Stack, UNITS};

/// Replaces what changes from run to run.
fn normalise(text: &str) -> String {
    let mut ids: Vec<String> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(id) = uuid_at(rest) {
            let n = match ids.iter().position(|known| known == id) {
                Some(i) => i + 1,
                None => {
                    ids.push(id.to_owned());
                    ids.len()
                }
            };
            out.push_str(&format!("<id{n}>"));
            rest = &rest[36..];
            continue;
        }
        if let Some(len) = timestamp_at(rest) {
            out.push_str("<time>");
            rest = &rest[len..];
            continue;
        }
        let c = rest.chars().next().expect("non-empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    // Table columns are as wide as their widest cell: ids of equal length
    // keep widths stable, but trailing padding is not worth comparing.
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A hyphenated UUID at the start of `text`.
fn uuid_at(text: &str) -> Option<&str> {
    let candidate = text.get(..36)?;
    let shape = candidate.char_indices().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => c == '-',
        _ => c.is_ascii_hexdigit(),
    });
    shape.then_some(candidate)
}

/// The length of an RFC 3339 timestamp at the start of `text`.
fn timestamp_at(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        range
            .clone()
            .all(|i| bytes.get(i).is_some_and(u8::is_ascii_digit))
    };
    if !(digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(10) == Some(&b'T'))
    {
        return None;
    }
    let end = text
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || *c == ',' || *c == '"')
        .map_or(text.len(), |(i, _)| i);
    Some(end)
}

/// Compares `actual` (normalised) with `tests/snapshots/<name>.txt`, or
/// writes it when `UPDATE_SNAPSHOTS` is set.
fn assert_snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    let actual = format!("{}\n", normalise(actual));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        std::fs::write(&path, &actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing; create it with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{name} differs from {}\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn normalising_replaces_ids_and_times_consistently() {
    let text = "run 0190f3c2-7b1e-7a62-9d2e-4c1b2a3d4e5f at 2026-01-02T03:04:05.678Z, \
                lane 0190f3c2-7b1e-7a62-9d2e-4c1b2a3d4e60 of 0190f3c2-7b1e-7a62-9d2e-4c1b2a3d4e5f  \n";
    assert_eq!(normalise(text), "run <id1> at <time>, lane <id2> of <id1>");
}

#[test]
fn the_evaluation_loop_reads_the_same_every_time() {
    let live = Stack::start();
    live.pack_and_deployments("unit-conversion.yaml", UNITS);
    let followed = live.ok(&[
        "eval",
        "start",
        "--pack",
        "unit-conversion",
        "--deployment",
        "units correct",
        "--deployment",
        "units buggy",
        "--name",
        "snapshot",
        "--follow",
    ]);
    assert_snapshot("eval_start_follow", &followed);
    let run_id = followed
        .split_whitespace()
        .nth(1)
        .expect("run id")
        .to_owned();
    // Ids are numbered per snapshot, so each starts with the run's id.
    let with_run = |text: String| format!("run {run_id}\n{text}");
    assert_snapshot(
        "run_agents",
        &with_run(live.ok(&["run", "agents", &run_id])),
    );
    assert_snapshot(
        "eval_scorecard",
        &live.ok(&["eval", "scorecard", &run_id, "--agent", "units buggy"]),
    );
    assert_snapshot(
        "replay_get",
        &live.ok(&[
            "replay",
            "get",
            &run_id,
            "--agent",
            "units buggy",
            "--limit",
            "8",
        ]),
    );
}
