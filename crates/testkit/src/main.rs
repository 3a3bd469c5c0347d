//! `agentclash-test-env -- <command> [args...]`: runs a command against a
//! fresh Postgres cluster and Temporal dev server, then removes them.
//!
//! `make test` wraps the whole test run in this, so every integration test
//! finds the services through `AGENTCLASH_TEST_PG_URL` (a server URL without
//! a database; tests append `/postgres` or their own database) and
//! `AGENTCLASH_TEST_TEMPORAL_ADDRESS`. Both services live in a new temporary
//! directory on free ports, so runs never collide with a developer's local
//! stack or with each other. The services are stopped and the directory
//! deleted however the command ends, including when the harness itself gets
//! SIGINT, SIGTERM or SIGHUP; the harness exits with the command's status.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use agentclash_localstack::{Component, Stack, TEMPORAL_BIN_ENV, pick_free_port, random_hex};
use anyhow::Context as _;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::signal::unix::{SignalKind, signal};

const NAME: &str = "agentclash-test-env";
/// Exported: Postgres server URL with credentials, without a database.
use agentclash_testkit::PG_URL_VAR;
/// Exported: Temporal frontend `host:port`.
use agentclash_testkit::TEMPORAL_ADDRESS_VAR;
/// How long the command may take to exit after a forwarded signal.
const CHILD_GRACE: Duration = Duration::from_secs(20);

fn main() -> ExitCode {
    let command = match parse_args(std::env::args_os().skip(1).collect()) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("{NAME}: {problem}\nusage: {NAME} -- <command> [args...]");
            return ExitCode::from(2);
        }
    };
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|rt| rt.block_on(run(command)));
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{NAME}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `[--] program args...`; the `--` is optional but recommended.
fn parse_args(mut args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    match args.first().and_then(|a| a.to_str()) {
        Some("--") => {
            args.remove(0);
        }
        Some("-h" | "--help") => {
            return Err("runs a command with test Postgres and Temporal".into());
        }
        Some(flag) if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
        _ => {}
    }
    if args.is_empty() {
        return Err("no command given".into());
    }
    Ok(args)
}

fn progress(line: &str) {
    eprintln!("{NAME}: {line}");
}

/// The signals that end the harness early; each is forwarded to the command.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    /// Installs the handlers; from now on these signals no longer kill us.
    fn install() -> anyhow::Result<Self> {
        let make = |kind| signal(kind).context("cannot install signal handlers");
        Ok(Self {
            interrupt: make(SignalKind::interrupt())?,
            terminate: make(SignalKind::terminate())?,
            hangup: make(SignalKind::hangup())?,
        })
    }

    async fn recv(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::SIGINT,
            _ = self.terminate.recv() => Signal::SIGTERM,
            _ = self.hangup.recv() => Signal::SIGHUP,
        }
    }
}

async fn run(command: Vec<OsString>) -> anyhow::Result<u8> {
    let mut signals = Signals::install()?;
    let dir = make_temp_dir()?;
    progress(&format!(
        "starting Postgres and Temporal in {}",
        dir.display()
    ));
    let start = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || start_services(&dir)
    });
    tokio::pin!(start);
    let started = tokio::select! {
        joined = &mut start => joined.context("the start-up task panicked")?,
        sig = signals.recv() => {
            progress(&format!("got {sig} while starting; cleaning up"));
            // Start-up cannot be interrupted half-way; let it finish, then undo it.
            if let Ok(Ok(stack)) = start.await {
                destroy(stack).await;
            } else {
                remove_dir(&dir);
            }
            return Ok(signal_exit_code(sig));
        }
    };
    let stack = match started {
        Ok(stack) => stack,
        Err(e) => {
            remove_dir(&dir);
            return Err(e);
        }
    };
    let code = run_command(&stack, &command, &mut signals).await;
    destroy(stack).await;
    code
}

/// A new private directory whose ancestors the `postgres` user can
/// traverse (mode 0755), so the cluster lives inside it even as root.
fn make_temp_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("agentclash-test-{}", random_hex(8)?));
    std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot chmod {}", dir.display()))?;
    Ok(dir)
}

/// Starts both services on free ports; on failure removes what was started.
fn start_services(dir: &Path) -> anyhow::Result<Stack> {
    let pg_port = pick_free_port()?;
    let temporal_port = loop {
        let port = pick_free_port()?;
        if port != pg_port {
            break port;
        }
    };
    let stack = Stack::isolated(dir, pg_port, temporal_port)?;
    match stack.up(&[Component::Postgres, Component::Temporal], &mut progress) {
        Ok(_) => Ok(stack),
        Err(e) => {
            let _ = stack.destroy(&mut progress);
            Err(e.into())
        }
    }
}

/// Runs the command with the services' addresses in its environment and
/// returns its exit code; a signal to the harness is passed on to it.
async fn run_command(
    stack: &Stack,
    command: &[OsString],
    signals: &mut Signals,
) -> anyhow::Result<u8> {
    let (program, args) = command.split_first().context("no command given")?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env(PG_URL_VAR, stack.postgres_server_url()?)
        .env(TEMPORAL_ADDRESS_VAR, stack.temporal_address());
    if let Ok(bin) = stack.temporal_bin() {
        cmd.env(TEMPORAL_BIN_ENV, bin);
    }
    progress(&format!(
        "Postgres at {}, Temporal at {}; running {}",
        stack.address(Component::Postgres).unwrap_or_default(),
        stack.temporal_address(),
        program.to_string_lossy()
    ));
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", program.to_string_lossy()))?;
    let status = tokio::select! {
        status = child.wait() => status?,
        sig = signals.recv() => {
            progress(&format!("got {sig}; stopping {}", program.to_string_lossy()));
            if let Some(pid) = child.id().and_then(|id| i32::try_from(id).ok()) {
                let _ = kill(Pid::from_raw(pid), sig);
            }
            match tokio::time::timeout(CHILD_GRACE, child.wait()).await {
                Ok(status) => status?,
                Err(_) => {
                    child.kill().await?;
                    child.wait().await?
                }
            };
            return Ok(signal_exit_code(sig));
        }
    };
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        (None, Some(signo)) => u8::try_from(128 + signo).unwrap_or(1),
        (None, None) => 1,
    })
}

/// The shell convention for "ended by signal N".
fn signal_exit_code(sig: Signal) -> u8 {
    u8::try_from(128 + sig as i32).unwrap_or(1)
}

/// Stops the services and removes their directories, reporting (not
/// failing on) problems: the command's exit code is what matters.
async fn destroy(stack: Stack) {
    let dir = stack.layout().root().to_path_buf();
    progress("stopping Postgres and Temporal");
    let result = tokio::task::spawn_blocking(move || stack.destroy(&mut progress)).await;
    match result {
        Ok(Ok(())) => progress(&format!("removed {}", dir.display())),
        Ok(Err(e)) => progress(&format!("cleanup failed: {e}")),
        Err(e) => progress(&format!("cleanup panicked: {e}")),
    }
}

fn remove_dir(dir: &Path) {
    if let Err(e) = std::fs::remove_dir_all(dir) {
        progress(&format!("cannot remove {}: {e}", dir.display()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_command_follows_an_optional_double_dash() {
        assert_eq!(
            parse_args(args(&["--", "env", "-0"])),
            Ok(args(&["env", "-0"]))
        );
        assert_eq!(
            parse_args(args(&["cargo", "test"])),
            Ok(args(&["cargo", "test"]))
        );
        assert!(parse_args(args(&["--"])).is_err());
        assert!(parse_args(args(&[])).is_err());
        assert!(parse_args(args(&["--verbose", "x"])).is_err());
    }

    #[test]
    fn signals_map_to_shell_exit_codes() {
        assert_eq!(signal_exit_code(Signal::SIGINT), 130);
        assert_eq!(signal_exit_code(Signal::SIGTERM), 143);
    }
}
