//! `agentclash doctor` as a newcomer meets it: no API, no login, an empty
//! workspace, then a ready one, each time saying the next command; and
//! `completion` scripts generated from the grammar.

mod common;
mod stack;

use serde_json::Value;
use stack::{Stack, example, stderr, stdout};

#[test]
fn doctor_without_an_api_says_to_start_the_local_stack() {
    let url = format!("http://127.0.0.1:{}", common::closed_port());
    let out = common::agentclash(&["doctor", "--api-url", &url], &[]);
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("API {url} (from flag)")), "{text}");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .take(6)
        .map(|l| l.split_whitespace().take(2).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["fail", "api"],
            ["skipped", "ready"],
            ["skipped", "auth"],
            ["skipped", "workspace"],
            ["skipped", "packs"],
            ["skipped", "deployments"]
        ]
    );
    assert!(text.ends_with("next: agentclash local up\n"), "{text}");
}

#[test]
fn doctor_walks_a_new_workspace_to_its_first_eval() {
    let live = Stack::start();
    let json = |args: &[&str]| -> (Option<i32>, Value) {
        let out = live.cli(args);
        (
            out.status.code(),
            serde_json::from_slice(&out.stdout).expect("JSON"),
        )
    };
    let status_of = |report: &Value, name: &str| -> String {
        report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["status"].as_str().expect("status").to_owned())
            .expect("check")
    };

    // A bad token: the API is fine, authentication is not.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_agentclash"))
        .args(["doctor", "--json", "--api-url", &live.api.base])
        .env("XDG_CONFIG_HOME", live.dir.join("other-config"))
        .env("AGENTCLASH_TOKEN", "acl_not_a_real_token")
        .env_remove("AGENTCLASH_WORKSPACE")
        .env_remove("AGENTCLASH_API_URL")
        .current_dir(live.dir.join("cwd"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(77), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(status_of(&report, "ready"), "ok", "{report}");
    assert_eq!(status_of(&report, "auth"), "fail", "{report}");
    assert_eq!(report["next"], "agentclash auth login --device");

    // Logged in, empty workspace: publish a pack next.
    let (code, report) = json(&["doctor", "--json"]);
    assert_eq!(code, Some(66), "{report}");
    assert_eq!(status_of(&report, "workspace"), "ok", "{report}");
    assert_eq!(status_of(&report, "packs"), "fail", "{report}");
    assert!(
        report["next"]
            .as_str()
            .expect("next")
            .contains("agentclash challenge-pack publish"),
        "{report}"
    );

    live.ok(&[
        "challenge-pack",
        "publish",
        &example("packs/unit-conversion.yaml"),
    ]);
    let (code, report) = json(&["doctor", "--json"]);
    assert_eq!(code, Some(66), "{report}");
    assert_eq!(status_of(&report, "deployments"), "fail", "{report}");
    assert_eq!(report["next"], "agentclash deployment create --help");

    live.agent_parts();
    live.deployment("units correct", &example("deployments/units-correct.json"));
    let text = live.ok(&["doctor"]);
    assert!(
        text.ends_with("next: agentclash eval start --follow\n"),
        "{text}"
    );
    assert!(
        text.contains("packs        1: unit-conversion")
            && text.contains("deployments  1: units correct"),
        "{text}"
    );
}

#[test]
fn completion_scripts_cover_every_command_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_agentclash()"),
        ("zsh", "#compdef agentclash"),
        ("fish", "complete -c agentclash"),
    ] {
        let out = common::agentclash(&["completion", shell], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: {script:.200}");
        for command in ["eval", "replay", "doctor", "challenge-pack", "scorecard"] {
            assert!(script.contains(command), "{shell} completes {command}");
        }
    }
    let out = common::agentclash(&["completion", "powershell"], &[]);
    assert_eq!(out.status.code(), Some(2));
}
