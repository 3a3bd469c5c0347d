//! A sandbox decorator that reports every command and file operation as
//! `sandbox.command.*` / `sandbox.file.*` events, so a case's trace shows
//! what its tools did without each tool reporting for itself.

use crate::events::{AgentEvent, EventSink};
use agentclash_sandbox::{Command, ExecOutput, ExecRequest, FileEntry, Sandbox, SandboxError};
use async_trait::async_trait;
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};

/// Bytes of command output copied into an event (the tool result keeps more).
const EVENT_OUTPUT_BYTES: usize = 4096;

/// Wraps a sandbox; `step` tags events with the agent step in progress.
pub struct RecordingSandbox<'a> {
    inner: &'a dyn Sandbox,
    sink: &'a dyn EventSink,
    step: AtomicU32,
}

impl<'a> RecordingSandbox<'a> {
    /// Wraps `inner`.
    pub fn new(inner: &'a dyn Sandbox, sink: &'a dyn EventSink) -> Self {
        Self {
            inner,
            sink,
            step: AtomicU32::new(0),
        }
    }

    /// Tags the following events with `step`.
    pub fn set_step(&self, step: u32) {
        self.step.store(step, Ordering::Relaxed);
    }

    async fn emit(&self, event_type: &'static str, payload: serde_json::Value, summary: String) {
        let step = Some(self.step.load(Ordering::Relaxed)).filter(|s| *s > 0);
        // A buffered sink reports failures at flush; nothing to do here.
        let _ = self
            .sink
            .emit(AgentEvent::new(event_type, step, payload).summary(summary))
            .await;
    }
}

fn clip(bytes: &[u8]) -> String {
    let end = bytes.len().min(EVENT_OUTPUT_BYTES);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[async_trait]
impl Sandbox for RecordingSandbox<'_> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    async fn exec(&self, request: ExecRequest) -> Result<ExecOutput, SandboxError> {
        let shown = match &request.command {
            Command::Argv(argv) => argv.join(" "),
            Command::Shell(script) => script.clone(),
        };
        self.emit(
            "sandbox.command.started",
            json!({"command": request.command.to_argv(), "cwd": request.cwd, "timeout_ms": request.timeout.as_millis() as u64}),
            format!("$ {shown}"),
        )
        .await;
        let result = self.inner.exec(request).await;
        match &result {
            Ok(out) => {
                self.emit(
                    "sandbox.command.completed",
                    json!({"exit_code": out.exit_code, "signal": out.signal, "timed_out": out.timed_out,
                           "duration_ms": out.duration.as_millis() as u64, "stdout": clip(&out.stdout), "stderr": clip(&out.stderr),
                           "stdout_truncated": out.stdout_truncated || out.stdout.len() > EVENT_OUTPUT_BYTES,
                           "stderr_truncated": out.stderr_truncated || out.stderr.len() > EVENT_OUTPUT_BYTES}),
                    format!("exit {:?}{}", out.exit_code, if out.timed_out { " (timed out)" } else { "" }),
                )
                .await;
            }
            Err(e) => {
                self.emit(
                    "sandbox.command.failed",
                    json!({"error": e.to_string()}),
                    e.to_string(),
                )
                .await;
            }
        }
        result
    }

    async fn read_file(&self, path: &str) -> Result<Vec<u8>, SandboxError> {
        let result = self.inner.read_file(path).await;
        let payload = match &result {
            Ok(bytes) => json!({"path": path, "bytes": bytes.len()}),
            Err(e) => json!({"path": path, "error": e.to_string()}),
        };
        self.emit("sandbox.file.read", payload, format!("read {path}"))
            .await;
        result
    }

    async fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError> {
        let result = self.inner.write_file(path, contents).await;
        let mut payload = json!({"path": path, "bytes": contents.len(), "content": clip(contents)});
        if let Err(e) = &result {
            payload["error"] = json!(e.to_string());
        }
        self.emit(
            "sandbox.file.written",
            payload,
            format!("wrote {path} ({} bytes)", contents.len()),
        )
        .await;
        result
    }

    async fn list_files(
        &self,
        prefix: &str,
        recursive: bool,
    ) -> Result<Vec<FileEntry>, SandboxError> {
        self.inner.list_files(prefix, recursive).await
    }

    async fn destroy(&self) -> Result<(), SandboxError> {
        self.inner.destroy().await
    }
}
