//! A real API process (`agentclash_testkit::live::LiveApi`) and a worker
//! over a fresh test database, empty but for the bootstrapped admin, for
//! the evaluation-loop tests (`eval`, `follow`, `doctor`, `snapshots`):
//! each test sets its workspace up through the CLI, as a user would.
//! `cargo build --bins` first: the API binary is started from the target
//! directory.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use agentclash_testkit::live::LiveApi;
use agentclash_testkit::{TestDb, TestWorker, unique_task_queue};

const CLI: &str = env!("CARGO_BIN_EXE_agentclash");

/// The correct and the buggy RPN agents, for `Stack::pack_and_deployments`.
pub const RPN: &[(&str, &str)] = &[
    ("rpn-correct", "rpn-correct.json"),
    ("rpn-buggy", "rpn-buggy.json"),
];

/// The correct and the buggy unit-conversion agents, for `Stack::pack_and_deployments`.
pub const UNITS: &[(&str, &str)] = &[
    ("units correct", "units-correct.json"),
    ("units buggy", "units-buggy.json"),
];

/// A running API + worker and the admin's credentials.
pub struct Stack {
    /// The API (its URL, the admin's token and workspace).
    pub api: LiveApi,
    /// Scratch space: the CLI's config and working directory, test files.
    pub dir: PathBuf,
    worker: Option<TestWorker>,
    _db: TestDb,
    _runtime: tokio::runtime::Runtime,
}

impl Stack {
    /// Starts everything; returns once the API answers.
    pub fn start() -> Self {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let queue = unique_task_queue("cli-eval");
        let (db, api) = runtime.block_on(async {
            let db = TestDb::new().await;
            let api = LiveApi::start(&db, &[("TEMPORAL_TASK_QUEUE", &queue)], None).await;
            (db, api)
        });
        // The worker's shutdown on drop needs the runtime's context.
        let worker = {
            let _context = runtime.enter();
            TestWorker::spawn(db.store.clone(), &queue)
        };
        let dir = std::env::temp_dir().join(format!("agentclash-cli-stack-{}", db.name));
        std::fs::create_dir_all(dir.join("cwd/.git")).expect("scratch dir");
        Self {
            api,
            dir,
            worker: Some(worker),
            _db: db,
            _runtime: runtime,
        }
    }

    /// `program` set up to talk to this stack through `api_url` (e.g. a
    /// proxy), from a directory of its own, with its own user config.
    pub fn command(&self, program: &str, api_url: &str) -> Command {
        let mut cmd = Command::new(program);
        for var in ["AGENTCLASH_LOCAL_DIR", "DATABASE_URL", "TEMPORAL_ADDRESS"] {
            cmd.env_remove(var);
        }
        cmd.current_dir(self.dir.join("cwd"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("AGENTCLASH_API_URL", api_url)
            .env("AGENTCLASH_TOKEN", &self.api.token)
            .env("AGENTCLASH_WORKSPACE", &self.api.workspace_id);
        cmd
    }

    /// Runs the CLI against this stack through `api_url`, stdin empty.
    pub fn cli_at(&self, api_url: &str, args: &[&str]) -> Output {
        self.command(CLI, api_url)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("agentclash runs")
    }

    /// Runs the CLI against this stack.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_at(&self.api.base, args)
    }

    /// Runs the CLI and fails the test unless it exits 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "agentclash {args:?} exited {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// A scripted provider account, a runtime profile (one case at a time,
    /// so each lane's events come in one order) and a ready build version.
    pub fn agent_parts(&self) {
        self.ok(&[
            "provider-account",
            "create",
            "scripted",
            "--provider",
            "scripted",
        ]);
        self.ok(&[
            "runtime-profile",
            "create",
            "serial",
            "--max-parallel-cases",
            "1",
        ]);
        self.ok(&["build", "create", "agent"]);
        self.ok(&[
            "build",
            "version",
            "create",
            "agent",
            "--system-prompt",
            "Answer.",
        ]);
        self.ok(&["build", "version", "ready", "agent@1"]);
    }

    /// A deployment of the scripted agent answering as `options_file` says.
    pub fn deployment(&self, name: &str, options_file: &str) {
        self.ok(&[
            "deployment",
            "create",
            name,
            "--build-version",
            "agent@1",
            "--runtime-profile",
            "serial",
            "--provider-account",
            "scripted",
            "--model",
            "scripted",
            "--options-file",
            options_file,
        ]);
    }

    /// Publishes the example pack `examples/packs/<file>`.
    pub fn publish(&self, file: &str) {
        self.ok(&[
            "challenge-pack",
            "publish",
            &example(&format!("packs/{file}")),
        ]);
    }

    /// Publishes the example pack `pack`, then the agent parts and one
    /// deployment per `(name, examples/deployments/<file>)`: where most
    /// evaluation tests start.
    pub fn pack_and_deployments(&self, pack: &str, deployments: &[(&str, &str)]) {
        self.publish(pack);
        self.agent_parts();
        for (name, file) in deployments {
            self.deployment(name, &example(&format!("deployments/{file}")));
        }
    }

    /// `agentclash run create --wait --json` of `pack` with `deployments`:
    /// the finished run's JSON.
    pub fn waited_run(&self, pack: &str, deployments: &[&str]) -> serde_json::Value {
        let mut args = vec!["run", "create", "--pack", pack];
        for deployment in deployments {
            args.extend(["--deployment", deployment]);
        }
        args.extend(["--wait", "--json"]);
        serde_json::from_str(&self.ok(&args)).expect("run JSON")
    }

    /// `agentclash ci run [extra…]` writing its artifacts to
    /// `artifacts-<label>/` and its summary to `summary-<label>.md` in the
    /// scratch dir; the output and both paths.
    pub fn ci_run(&self, label: &str, extra: &[&str]) -> (Output, PathBuf, PathBuf) {
        let artifacts = self.dir.join(format!("artifacts-{label}"));
        let summary = self.dir.join(format!("summary-{label}.md"));
        let (artifacts_arg, summary_arg) = (artifacts.to_string_lossy(), summary.to_string_lossy());
        let mut args = vec!["ci", "run"];
        args.extend_from_slice(extra);
        args.extend([
            "--artifact-dir",
            &artifacts_arg,
            "--summary-file",
            &summary_arg,
        ]);
        let out = self.cli(&args);
        (out, artifacts, summary)
    }

    /// Writes `contents` to a file in the scratch dir and returns its path.
    pub fn file(&self, name: &str, contents: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).expect("write");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        {
            let _context = self._runtime.enter();
            drop(self.worker.take());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The path of `examples/<relative>` in the repository.
pub fn example(relative: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(relative)
        .to_string_lossy()
        .into_owned()
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Fails the test unless the CLI exited with `code`; shows both streams.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// Fails the test unless the CLI exited with `code` and said `message` on
/// stderr (a failure's reason, or a success's progress note).
pub fn assert_exit_says(out: &Output, code: i32, message: &str) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    assert!(stderr(out).contains(message), "{}", stderr(out));
}
