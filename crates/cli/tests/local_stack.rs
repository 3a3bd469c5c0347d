//! The local stack as a user drives it: `agentclash local up` (with the web
//! app served on the API's origin through its proxy), accounts,
//! tokens, secrets and packs, the parts of a contestant (provider account,
//! runtime profile, build and version, deployment) through the real API, a
//! worker killed with SIGKILL, `local up` healing it, `local down` leaving no
//! process behind, and data surviving down/up. Starts its own Postgres and
//! Temporal (not the shared test ones) on free ports. Runs executing to the
//! end are covered by the worker's own tests.

use serde_json::Value;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const CLI: &str = env!("CARGO_BIN_EXE_agentclash");

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A stack in its own state directory; dropping it runs `local down`, so a
/// failing test leaves no processes behind.
struct LocalStack {
    dir: PathBuf,
    api_url: String,
    web_url: String,
    env: Vec<(String, String)>,
}

impl LocalStack {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("agentclash-local-stack-{}", uuid_like()));
        std::fs::create_dir_all(&dir).expect("state dir");
        // Postgres runs as its own user when we are root; it must reach the dir.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let api_port = free_port();
        let web_port = free_port();
        let env = vec![
            (
                "XDG_CONFIG_HOME".into(),
                dir.join("config").to_string_lossy().into_owned(),
            ),
            ("AGENTCLASH_LOCAL_PG_PORT".into(), free_port().to_string()),
            (
                "AGENTCLASH_LOCAL_TEMPORAL_PORT".into(),
                free_port().to_string(),
            ),
            ("API_BIND".into(), format!("127.0.0.1:{api_port}")),
            ("AGENTCLASH_LOCAL_WEB_PORT".into(), web_port.to_string()),
        ];
        Self {
            dir,
            api_url: format!("http://127.0.0.1:{api_port}"),
            web_url: format!("http://127.0.0.1:{web_port}"),
            env,
        }
    }

    fn cli(&self, args: &[&str]) -> Output {
        self.cli_with_stdin(args, "")
    }

    fn cli_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut cmd = Command::new(CLI);
        for var in [
            "DATABASE_URL",
            "TEMPORAL_ADDRESS",
            "AGENTCLASH_LOCAL_DIR",
            "AGENTCLASH_API_URL",
            "AGENTCLASH_LOCAL_WEB",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let (group, rest) = args.split_first().expect("a command");
        cmd.arg(group);
        if *group == "local" {
            cmd.arg("--state-dir").arg(&self.dir);
        }
        cmd.args(rest);
        // Run from a repository of our own so no `.agentclash.yaml` around
        // the checkout changes which API or workspace is used.
        let cwd = self.dir.join("project");
        std::fs::create_dir_all(cwd.join(".git")).expect("project dir");
        cmd.current_dir(cwd);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("agentclash runs");
        if let Some(mut input) = child.stdin.take() {
            std::io::Write::write_all(&mut input, stdin.as_bytes()).expect("stdin");
        }
        child.wait_with_output().expect("agentclash finishes")
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_with_stdin(args, "")
    }

    fn ok_with_stdin(&self, args: &[&str], stdin: &str) -> String {
        let out = self.cli_with_stdin(args, stdin);
        assert!(
            out.status.success(),
            "agentclash {args:?} failed ({:?}):\n{}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `auth login --device` with its own config dir and returns the
    /// running child and the user code it printed.
    fn start_device_login(
        &self,
        config_home: &Path,
    ) -> (std::process::Child, String, std::thread::JoinHandle<String>) {
        use std::io::BufRead as _;
        let mut child = Command::new(CLI)
            .args(["auth", "login", "--device", "--api-url", &self.api_url])
            .env("XDG_CONFIG_HOME", config_home)
            .env_remove("AGENTCLASH_WORKSPACE")
            .env_remove("AGENTCLASH_TOKEN")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("login starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = std::io::BufReader::new(stderr).lines();
        let code = loop {
            let line = lines.next().expect("login prints a code").expect("utf-8");
            if let Some((_, rest)) = line.split_once("enter the code ") {
                break rest.trim().to_owned();
            }
        };
        // Keep draining stderr so the child never blocks on a full pipe.
        let drained =
            std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>().join("\n"));
        (child, code, drained)
    }

    fn status(&self) -> (bool, Value) {
        let out = self.cli(&["local", "status", "--json"]);
        let json = serde_json::from_slice(&out.stdout).expect("status --json prints JSON");
        (out.status.success(), json)
    }

    fn run_json(&self, args: &[&str]) -> Value {
        let mut full = args.to_vec();
        full.push("--json");
        serde_json::from_str(&self.ok(&full)).expect("run JSON")
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        let _ = self.cli(&["local", "down"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos() ^ u128::from(free_port())
    )
}

fn components(status: &Value) -> &Vec<Value> {
    status["components"].as_array().expect("components")
}

fn component<'a>(status: &'a Value, name: &str) -> &'a Value {
    components(status)
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {status}"))
}

fn pid_alive(pid: u64) -> bool {
    // A zombie is dead for our purposes.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            !stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

fn processes_using(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u64>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(&needle) && pid_alive(pid) {
                found.push(format!("{pid}: {cmdline}"));
            }
        }
    }
    found
}

#[test]
fn the_local_stack_survives_a_killed_worker_and_down_up() {
    let stack = LocalStack::new();
    // A CLI config left by another stack on the same address (its token
    // means nothing to this fresh database): `up` must bootstrap this stack
    // and replace it, or every later command would be refused (exit 77).
    let config_dir = stack.dir.join("config/agentclash");
    std::fs::create_dir_all(&config_dir).expect("config dir");
    std::fs::write(
        config_dir.join("config.json"),
        serde_json::json!({"api_url": stack.api_url, "token": "acl_from_another_stack", "workspace": "gone"})
            .to_string(),
    )
    .expect("stale config");

    // up: every component healthy; twice is idempotent.
    let printed = stack.ok(&["local", "up"]);
    assert!(
        printed.contains("web login: admin@agentclash.local / "),
        "a fresh admin: {printed}"
    );
    assert!(
        printed.contains(&stack.api_url),
        "up prints the API address: {printed}"
    );
    assert!(
        printed.contains(&format!("Web: {}", stack.web_url)),
        "up prints the web app's address: {printed}"
    );
    stack.ok(&["local", "up"]);
    let (healthy, status) = stack.status();
    assert!(healthy, "{status}");
    for name in ["postgres", "temporal", "api", "worker", "web"] {
        assert_eq!(component(&status, name)["healthy"], true, "{status}");
    }
    assert_eq!(status["web_url"], stack.web_url.as_str(), "{status}");
    web_app_signs_in_on_the_api_origin(&stack);
    let ready = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(reqwest::get(format!("{}/healthz/ready", stack.api_url)))
        .expect("readiness answers");
    assert_eq!(ready.status(), 200);

    // The CLI is logged in and manages tokens, workspaces and secrets.
    let who = stack.ok(&["auth", "status"]);
    assert!(who.contains("as admin@agentclash.local"), "{who}");
    let listed = stack.ok(&["workspace", "list"]);
    assert!(
        listed.contains("default") && listed.contains("workspace_admin"),
        "{listed}"
    );
    stack.ok_with_stdin(&["secret", "set", "CANARY_KEY"], "s3cret-canary\n");
    let secrets = stack.ok(&["secret", "list"]);
    assert!(
        secrets.contains("CANARY_KEY") && !secrets.contains("s3cret-canary"),
        "{secrets}"
    );
    let token = stack.ok(&["auth", "tokens", "create", "ci"]);
    assert!(token.trim().starts_with("acl_"), "{token}");
    let tokens: Value =
        serde_json::from_str(&stack.ok(&["auth", "tokens", "list", "--json"])).expect("json");
    let ci = tokens["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["name"] == "ci")
        .expect("ci token");
    stack.ok(&["auth", "tokens", "revoke", ci["id"].as_str().expect("id")]);

    // Challenge packs: publish twice (idempotent), list.
    let pack = format!(
        "{}/../../../shared/packs/prompt-injection-classic.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let published = stack.ok(&["challenge-pack", "publish", &pack]);
    assert!(published.contains("version 1 (published)"), "{published}");
    let again = stack.ok(&["challenge-pack", "publish", &pack]);
    assert!(again.contains("version 1 (already published)"), "{again}");
    assert!(
        stack
            .ok(&["challenge-pack", "list"])
            .contains("prompt-injection")
    );

    // The parts of a contestant, created by name, listed and archived.
    let deployment = contestant_parts(&stack);

    // Device login with the real binary: approved, then denied.
    let other_config = stack.dir.join("device-config");
    let (child, user_code, _) = stack.start_device_login(&other_config);
    stack.ok(&["auth", "device", "approve", &user_code]);
    let out = child.wait_with_output().expect("login finishes");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved: Value = serde_json::from_slice(
        &std::fs::read(other_config.join("agentclash/config.json"))
            .expect("device login saved a config"),
    )
    .expect("json");
    assert!(
        saved["token"]
            .as_str()
            .is_some_and(|t| t.starts_with("acl_"))
    );
    assert!(saved["workspace"].is_string());
    let (child, user_code, stderr) = stack.start_device_login(&stack.dir.join("denied-config"));
    stack.ok(&["auth", "device", "deny", &user_code]);
    let out = child.wait_with_output().expect("login finishes");
    assert_eq!(out.status.code(), Some(77), "denied is an auth error");
    let stderr = stderr.join().expect("stderr reader");
    assert!(stderr.contains("denied"), "{stderr}");

    // kill -9 the worker: status reports it and exits non-zero.
    let worker_pid = component(&status, "worker")["pid"]
        .as_u64()
        .expect("worker pid");
    Command::new("kill")
        .args(["-9", &worker_pid.to_string()])
        .status()
        .expect("kill");
    let deadline = Instant::now() + Duration::from_secs(10);
    while pid_alive(worker_pid) {
        assert!(Instant::now() < deadline, "worker survived SIGKILL");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (healthy, status) = stack.status();
    assert!(
        !healthy,
        "status must fail while the worker is down: {status}"
    );
    assert_eq!(component(&status, "worker")["healthy"], false);

    // up heals the stack with a new worker.
    stack.ok(&["local", "up"]);
    let (healthy, status) = stack.status();
    assert!(healthy, "{status}");
    assert_ne!(
        component(&status, "worker")["pid"].as_u64(),
        Some(worker_pid)
    );

    // down: nothing of the stack is left running.
    let pids: Vec<u64> = components(&status)
        .iter()
        .filter_map(|c| c["pid"].as_u64())
        .collect();
    assert_eq!(pids.len(), 5, "{status}");
    stack.ok(&["local", "down"]);
    for pid in pids {
        assert!(!pid_alive(pid), "pid {pid} still running after down");
    }
    assert!(
        processes_using(&stack.dir).is_empty(),
        "{:?}",
        processes_using(&stack.dir)
    );
    let (healthy, _) = stack.status();
    assert!(!healthy);

    // up again: what was created is still there, archived or not.
    stack.ok(&["local", "up"]);
    let bot = stack.run_json(&["deployment", "get", "bot"]);
    assert_eq!(bot["id"], deployment.as_str(), "{bot}");
    let spare = stack.run_json(&["runtime-profile", "get", "spare"]);
    assert!(spare["archived_at"].is_string(), "{spare}");
}

/// The web app's production server: the login page, and `/v1/*` proxied to
/// the API so a password sign-in sets a session cookie on the web origin
/// that the API then accepts.
fn web_app_signs_in_on_the_api_origin(stack: &LocalStack) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let http = reqwest::Client::new();
    let page = runtime
        .block_on(async {
            let r = http.get(format!("{}/login", stack.web_url)).send().await?;
            Ok::<_, reqwest::Error>((r.status(), r.text().await?))
        })
        .expect("the web app answers");
    assert_eq!(page.0, 200, "{}", page.1);
    // Rendered in the browser; the server sends the app's shell.
    assert!(page.1.contains("<title>AgentClash</title>"), "{}", page.1);
    let password = std::fs::read_to_string(stack.dir.join("admin.password")).expect("password");
    let login = runtime
        .block_on(
            http.post(format!("{}/v1/auth/login", stack.web_url))
                .json(&serde_json::json!({"email": "admin@agentclash.local", "password": password.trim()}))
                .send(),
        )
        .expect("login through the web origin");
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("ascii cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    let session: Value = runtime
        .block_on(async {
            http.get(format!("{}/v1/auth/session", stack.web_url))
                .header("cookie", &cookie)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await
        })
        .expect("the session is valid through the web origin");
    assert_eq!(
        session["user"]["email"], "admin@agentclash.local",
        "{session}"
    );
}

/// A scripted provider account, runtime profiles, a build with a ready
/// version and a deployment, through the CLI and the real API. Returns the
/// deployment's id.
fn contestant_parts(stack: &LocalStack) -> String {
    let created = |args: &[&str]| {
        let id = stack.ok(args).trim().to_owned();
        assert_eq!(id.len(), 36, "create prints the new id: {id}");
        id
    };
    let account = created(&[
        "provider-account",
        "create",
        "script",
        "--provider",
        "scripted",
    ]);
    let profile = created(&[
        "runtime-profile",
        "create",
        "quick",
        "--max-iterations",
        "4",
        "--allow-network",
        "false",
    ]);
    created(&[
        "build",
        "create",
        "echo",
        "--description",
        "answers at once",
    ]);
    let policy = stack.dir.join("policy.yaml");
    std::fs::write(
        &policy,
        "role: echo\nsystem_prompt: Answer with the input.\ntool_overrides:\n  denied: [shell]\n",
    )
    .expect("policy file");
    let version = created(&[
        "build",
        "version",
        "create",
        "echo",
        "--policy-file",
        &policy.to_string_lossy(),
        "--instructions",
        "Be brief.",
    ]);
    let draft = stack.run_json(&["build", "version", "get", "echo@1"]);
    assert_eq!(draft["id"], version.as_str(), "{draft}");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["policy"]["instructions"], "Be brief.");
    assert_eq!(draft["policy"]["tool_overrides"]["denied"][0], "shell");

    // A draft cannot be deployed; once ready it can.
    let options = stack.dir.join("scripted.yaml");
    std::fs::write(
        &options,
        "scripted:\n  responses:\n    - tool_calls: [{name: submit, arguments: {answer: done}}]\n",
    )
    .expect("options file");
    let options = options.to_string_lossy().into_owned();
    let deploy = [
        "deployment",
        "create",
        "bot",
        "--build-version",
        "echo@latest",
        "--runtime-profile",
        "quick",
        "--provider-account",
        "script",
        "--model",
        "scripted",
        "--options-file",
        &options,
    ];
    let refused = stack.cli(&deploy);
    let why = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(
        !refused.status.success() && why.contains("only a ready version"),
        "a draft version was deployed: {why}"
    );
    stack.ok(&["build", "version", "ready", &version]);
    let deployment = created(&deploy);
    let shown = stack.run_json(&["deployment", "get", &deployment]);
    assert_eq!(shown["build_version_id"], version.as_str(), "{shown}");
    assert_eq!(shown["runtime_profile_id"], profile.as_str());
    assert_eq!(shown["provider_account_id"], account.as_str());
    assert_eq!(
        shown["provider_options"]["scripted"]["responses"][0]["tool_calls"][0]["name"],
        "submit"
    );

    // Lists, with paging.
    for (group, name) in [
        ("provider-account", "script"),
        ("runtime-profile", "quick"),
        ("build", "echo"),
        ("deployment", "bot"),
    ] {
        let listed = stack.run_json(&[group, "list"]);
        assert!(
            listed["items"]
                .as_array()
                .is_some_and(|items| items.iter().any(|i| i["name"] == name)),
            "{group} list: {listed}"
        );
    }
    created(&["runtime-profile", "create", "spare"]);
    let first = stack.run_json(&["runtime-profile", "list", "--limit", "1"]);
    assert_eq!(first["items"][0]["name"], "spare", "newest first: {first}");
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = stack.run_json(&[
        "runtime-profile",
        "list",
        "--limit",
        "1",
        "--cursor",
        cursor,
    ]);
    assert_eq!(second["items"][0]["name"], "quick", "{second}");
    let build = stack.ok(&["build", "get", "echo"]);
    assert!(
        build
            .lines()
            .any(|l| l.split_whitespace().next() == Some("1") && l.contains("ready")),
        "{build}"
    );

    // Archive by name; archived things stay readable.
    stack.ok(&["runtime-profile", "archive", "spare"]);
    let spare = stack.run_json(&["runtime-profile", "get", "spare"]);
    assert!(spare["archived_at"].is_string(), "{spare}");

    // No run has been started: the run list answers, empty.
    let runs = stack.run_json(&["run", "list", "--limit", "5"]);
    assert_eq!(runs["items"], serde_json::json!([]), "{runs}");
    deployment
}
