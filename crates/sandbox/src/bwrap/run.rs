//! Runs one bwrap invocation: feeds stdin, reads stdout and stderr up to their
//! caps (draining the rest so the child never blocks on a full pipe) and enforces
//! the wall-clock limit by killing bwrap, which tears down the whole sandbox
//! (its pid-namespace init dies with it, and the kernel kills every process in a
//! pid namespace whose init is gone, whatever they did to detach).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::{ExecOutput, SandboxError};

/// After the main process is gone, how long stray pipe writers may keep the output
/// streams open before they are abandoned (they cannot outlive the pid namespace).
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// Bytes kept from one output stream.
struct Captured {
    bytes: Vec<u8>,
    truncated: bool,
}

async fn read_capped(mut stream: impl AsyncRead + Unpin, cap: usize) -> Captured {
    let mut bytes = Vec::new();
    let mut truncated = false;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(bytes.len());
                if n > room {
                    truncated = true;
                }
                bytes.extend_from_slice(&chunk[..n.min(room)]);
            }
        }
    }
    Captured { bytes, truncated }
}

/// One prepared invocation.
pub(crate) struct Invocation<'a> {
    pub program: &'a Path,
    pub args: Vec<OsString>,
    pub env: BTreeMap<String, String>,
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
    pub stdout_cap: usize,
    pub stderr_cap: usize,
}

impl Invocation<'_> {
    /// Starts bwrap. Synchronous so that callers can do it under a lock.
    pub fn spawn(self) -> Result<Running, SandboxError> {
        let started = Instant::now();
        let mut command = Command::new(self.program);
        command
            .args(&self.args)
            .env_clear()
            .envs(&self.env)
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .map_err(|e| SandboxError::infra(format!("spawn {}", self.program.display()), e))?;
        let stdin_task = match (child.stdin.take(), self.stdin) {
            (Some(mut pipe), Some(data)) => Some(tokio::spawn(async move {
                // A command that ignores stdin closes the pipe early: not an error.
                let _ = pipe.write_all(&data).await;
            })),
            _ => None,
        };
        let stdout = child
            .stdout
            .take()
            .map(|s| tokio::spawn(read_capped(s, self.stdout_cap)));
        let stderr = child
            .stderr
            .take()
            .map(|s| tokio::spawn(read_capped(s, self.stderr_cap)));
        Ok(Running {
            child,
            started,
            timeout: self.timeout,
            stdin_task,
            stdout,
            stderr,
        })
    }
}

/// A started invocation.
pub(crate) struct Running {
    child: Child,
    started: Instant,
    timeout: Duration,
    stdin_task: Option<JoinHandle<()>>,
    stdout: Option<JoinHandle<Captured>>,
    stderr: Option<JoinHandle<Captured>>,
}

impl Running {
    /// Waits for the exit, the timeout or `cancel` (sandbox destroyed), whichever
    /// comes first; the latter two kill the sandbox's processes.
    pub async fn finish(
        mut self,
        cancel: impl Future<Output = ()>,
    ) -> Result<ExecOutput, SandboxError> {
        let outcome = tokio::select! {
            status = self.child.wait() => Some(status),
            () = tokio::time::sleep(self.timeout) => None,
            () = cancel => None,
        };
        let (status, killed) = match outcome {
            Some(status) => (status, false),
            None => {
                tracing::debug!(timeout = ?self.timeout, "killing the sandbox's processes");
                // SIGKILL bwrap; --die-with-parent takes the namespace down with it.
                let _ = self.child.start_kill();
                (self.child.wait().await, true)
            }
        };
        let status = status.map_err(|e| SandboxError::infra("wait for bwrap", e))?;
        if let Some(task) = self.stdin_task {
            task.abort();
        }
        let stdout = collect(self.stdout).await;
        let stderr = collect(self.stderr).await;
        let (exit_code, signal) = if killed {
            (None, Some(nix::sys::signal::Signal::SIGKILL as i32))
        } else {
            (status.code(), status.signal())
        };
        Ok(ExecOutput {
            exit_code,
            signal,
            stdout: stdout.bytes,
            stderr: stderr.bytes,
            stdout_truncated: stdout.truncated,
            stderr_truncated: stderr.truncated,
            timed_out: killed,
            duration: self.started.elapsed(),
        })
    }
}

async fn collect(task: Option<JoinHandle<Captured>>) -> Captured {
    let empty = || Captured {
        bytes: Vec::new(),
        truncated: false,
    };
    let Some(mut task) = task else {
        return empty();
    };
    match tokio::time::timeout(DRAIN_GRACE, &mut task).await {
        Ok(Ok(captured)) => captured,
        Ok(Err(_)) => empty(),
        Err(_) => {
            tracing::warn!("sandbox output stream still open after the exec ended; abandoning it");
            task.abort();
            empty()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn capping_keeps_a_prefix_and_flags_truncation() {
        let data = vec![7u8; 200_000];
        let captured = read_capped(data.as_slice(), 1000).await;
        assert_eq!(captured.bytes.len(), 1000);
        assert!(captured.truncated);
        let captured = read_capped(&b"short"[..], 1000).await;
        assert_eq!(captured.bytes, b"short");
        assert!(!captured.truncated);
    }
}
