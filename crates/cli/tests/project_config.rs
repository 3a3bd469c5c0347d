//! `.agentclash.yaml` and the settings precedence: flag > environment >
//! project file > user config > default, each level beaten by the next; the
//! file is found from subdirectories, and bad keys or a token are refused.

mod common;

use std::path::Path;

use common::{agentclash_in, fresh_dir, scripted_api, stderr, stdout};
use serde_json::Value;

/// A repository with a project file, a subdirectory to run from, and a user
/// config with every key set.
struct Setup {
    root: std::path::PathBuf,
    config_home: String,
}

impl Setup {
    fn new(project: &str) -> Self {
        let root = fresh_dir(
            "project",
            &[
                (".agentclash.yaml", project),
                ("src/deep/.keep", ""),
                (
                    "home/agentclash/config.json",
                    r#"{"api_url":"http://user.invalid:1","workspace":"w-user","token":"acl_user"}"#,
                ),
            ],
        );
        std::fs::create_dir_all(root.join(".git")).expect("git");
        let config_home = root.join("home").to_string_lossy().into_owned();
        Self { root, config_home }
    }

    fn show(&self, extra_args: &[&str], env: &[(&str, &str)]) -> Value {
        let mut args = vec!["config", "show", "--json"];
        args.extend(extra_args);
        let mut all_env = vec![("XDG_CONFIG_HOME", self.config_home.as_str())];
        all_env.extend(env);
        let out = agentclash_in(&self.root.join("src/deep"), &args, &all_env);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("JSON")
    }

    fn project_file(&self) -> String {
        self.root
            .join(".agentclash.yaml")
            .to_string_lossy()
            .into_owned()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.root).ok();
    }
}

fn setting(shown: &Value, key: &str) -> (Value, Value) {
    (shown[key]["value"].clone(), shown[key]["source"].clone())
}

#[test]
fn each_level_is_beaten_by_the_next() {
    let user_only = Setup::new("");
    let user_file = Path::new(&user_only.config_home)
        .join("agentclash/config.json")
        .to_string_lossy()
        .into_owned();
    // User config beats the default.
    let shown = user_only.show(&[], &[]);
    assert_eq!(
        setting(&shown, "api_url"),
        ("http://user.invalid:1".into(), user_file.clone().into())
    );
    assert_eq!(
        setting(&shown, "workspace"),
        ("w-user".into(), user_file.clone().into())
    );

    // The project file, found from a subdirectory, beats the user config.
    let setup = Setup::new("api_url: http://project.invalid:2\nworkspace: w-project\n");
    let shown = setup.show(&[], &[]);
    assert_eq!(
        setting(&shown, "api_url"),
        (
            "http://project.invalid:2".into(),
            setup.project_file().into()
        )
    );
    assert_eq!(
        setting(&shown, "workspace"),
        ("w-project".into(), setup.project_file().into())
    );
    // The token never comes from the project: still the user config's.
    assert_eq!(shown["token"]["set"], true);
    assert!(
        shown["token"]["source"]
            .as_str()
            .is_some_and(|s| s.ends_with("agentclash/config.json")),
        "{shown}"
    );

    // Environment variables beat the project file.
    let env = [
        ("AGENTCLASH_API_URL", "http://env.invalid:3"),
        ("AGENTCLASH_WORKSPACE", "w-env"),
        ("AGENTCLASH_TOKEN", "acl_env"),
    ];
    let shown = setup.show(&[], &env);
    assert_eq!(
        setting(&shown, "api_url"),
        (
            "http://env.invalid:3".into(),
            "env AGENTCLASH_API_URL".into()
        )
    );
    assert_eq!(
        setting(&shown, "workspace"),
        ("w-env".into(), "env AGENTCLASH_WORKSPACE".into())
    );
    assert_eq!(shown["token"]["source"], "env AGENTCLASH_TOKEN");

    // Flags beat the environment.
    let shown = setup.show(
        &["--api-url", "http://flag.invalid:4", "-w", "w-flag"],
        &env,
    );
    assert_eq!(
        setting(&shown, "api_url"),
        ("http://flag.invalid:4".into(), "flag".into())
    );
    assert_eq!(
        setting(&shown, "workspace"),
        ("w-flag".into(), "flag".into())
    );
}

#[test]
fn with_nothing_configured_the_default_url_applies() {
    let root = fresh_dir("bare", &[]);
    std::fs::create_dir_all(root.join(".git")).expect("git");
    let out = agentclash_in(&root, &["config", "show", "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        setting(&shown, "api_url"),
        ("http://localhost:8080".into(), "default".into())
    );
    assert_eq!(shown["workspace"]["value"], Value::Null);
    assert_eq!(shown["token"]["set"], false);
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn a_project_file_above_the_repository_root_is_ignored() {
    let outer = fresh_dir("outer", &[(".agentclash.yaml", "workspace: w-outer\n")]);
    let repo = outer.join("repo");
    std::fs::create_dir_all(repo.join(".git")).expect("git");
    let out = agentclash_in(&repo, &["config", "show", "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(shown["workspace"]["value"], Value::Null, "{shown}");
    std::fs::remove_dir_all(&outer).ok();
}

#[test]
fn commands_talk_to_the_project_api_in_the_project_workspace() {
    let (url, server) = scripted_api(vec![
        (200, r#"{"id":"r1","status":"queued"}"#),
        (200, r#"{"id":"r1","status":"queued"}"#),
    ]);
    let setup = Setup::new(&format!("api_url: {url}\nworkspace: w-project\n"));
    let run = |args: &[&str]| {
        agentclash_in(
            &setup.root.join("src/deep"),
            args,
            &[("XDG_CONFIG_HOME", setup.config_home.as_str())],
        )
    };
    let out = run(&["run", "get", "r1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "run r1 queued\n");
    let out = run(&["run", "get", "r1", "--workspace", "w-flag"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let seen = server.join().expect("server");
    assert_eq!(seen[0].0, "GET /v1/workspaces/w-project/runs/r1 HTTP/1.1");
    assert_eq!(seen[1].0, "GET /v1/workspaces/w-flag/runs/r1 HTTP/1.1");
}

#[test]
fn unknown_keys_and_tokens_are_refused_with_the_file_and_position() {
    let setup = Setup::new("workspace: w\napi_ulr: http://x\n");
    let out = agentclash_in(
        &setup.root.join("src/deep"),
        &["run", "list"],
        &[("XDG_CONFIG_HOME", setup.config_home.as_str())],
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "agentclash: {}:2:1: unknown key `api_ulr` (allowed: api_url, workspace)\n",
            setup.project_file()
        )
    );

    let setup = Setup::new("token: acl_leaked\n");
    let out = agentclash_in(
        &setup.root,
        &["config", "show"],
        &[("XDG_CONFIG_HOME", setup.config_home.as_str())],
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:1:1: `token` is not allowed",
            setup.project_file()
        )),
        "{err}"
    );
    assert!(
        err.contains("agentclash auth login") && err.contains("AGENTCLASH_TOKEN"),
        "{err}"
    );
    assert!(!err.contains("acl_leaked"), "{err}");
}
