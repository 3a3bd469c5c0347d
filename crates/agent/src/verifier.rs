//! The verifier: after the agent finishes, the pack's hidden tests
//! (`code_execution` validators) run in a FRESH sandbox over a copy of the
//! agent's final `/workspace`, and the post-execution checks capture files
//! and listings from that final state. The agent's sandbox is never used to
//! grade it, and the pack's staged files are restored over the copy, so an
//! agent cannot edit its tests, swap a program on `PATH` or leave a forged
//! result behind for the grader to trust (the verdict is computed from the
//! test command's own output).

use crate::context::CaseRef;
use crate::events::{AgentEvent, EventSink};
use crate::template::{case_context, render_lenient};
use agentclash_packs::model::{CheckType, PostExecutionCheck};
use agentclash_sandbox::{ExecRequest, Sandbox, SandboxProvider, SandboxSpec};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// Default per-file capture cap (§5.4).
const DEFAULT_CAPTURE_BYTES: u64 = 1024 * 1024;
/// Capture budget of a case (§5.4).
const CAPTURE_BUDGET_BYTES: u64 = 10 * 1024 * 1024;
/// Most bytes of workspace copied into the verifier.
const COPY_BUDGET_BYTES: u64 = 256 * 1024 * 1024;
/// Output kept from a test command.
const TEST_OUTPUT_BYTES: usize = 256 * 1024;
/// Characters of test output copied into the event.
const EVENT_OUTPUT_CHARS: usize = 4096;

/// A captured file or listing (`file:<key>` evidence).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Capture {
    /// `file_capture`.
    File {
        /// Sandbox path.
        path: String,
        /// Whether the file existed and was readable.
        exists: bool,
        /// Content, cut at the cap.
        #[serde(skip)]
        content: Vec<u8>,
        /// Size of the whole file.
        size: u64,
        /// Whether the content was cut.
        truncated: bool,
        /// The event recording the capture.
        event_id: uuid::Uuid,
    },
    /// `directory_listing`.
    Listing {
        /// Sandbox path.
        path: String,
        /// Whether the directory existed.
        exists: bool,
        /// Entry paths.
        entries: Vec<String>,
        /// The event recording the capture.
        event_id: uuid::Uuid,
    },
}

/// The outcome of one `code_execution` validator's command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Execution {
    /// The rendered command.
    pub command: String,
    /// Exit code (absent when killed or not started).
    pub exit_code: Option<i32>,
    /// Standard output (capped).
    pub stdout: String,
    /// Standard error (capped).
    pub stderr: String,
    /// Killed at its timeout.
    pub timed_out: bool,
    /// Wall time.
    pub duration_ms: u64,
    /// Why it could not start, if it could not.
    pub launch_error: Option<String>,
    /// The event recording the execution.
    pub event_id: uuid::Uuid,
}

/// Everything the verifier produced for a case.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Verification {
    /// By post-execution-check key.
    pub captures: BTreeMap<String, Capture>,
    /// By validator key.
    pub executions: BTreeMap<String, Execution>,
}

/// A `code_execution` validator as the verifier needs it.
struct TestCommand {
    validator: String,
    command: String,
    cwd: String,
    timeout: Duration,
}

fn test_commands(case: &CaseRef<'_>) -> Vec<TestCommand> {
    let spec = &case.pack.version.evaluation_spec;
    let context = case_context(case.case);
    spec.validators
        .iter()
        .filter(|v| v.kind.as_str() == "code_execution")
        .filter_map(|v| {
            let config = v.config.as_ref()?;
            let command = config.get("test_command")?.as_str()?;
            let timeout_ms = config
                .get("timeout_ms")
                .and_then(Value::as_u64)
                .filter(|t| *t > 0)
                .unwrap_or(30_000);
            let check_path = v
                .target
                .strip_prefix("file:")
                .and_then(|key| spec.post_execution_checks.iter().find(|c| c.key == key))
                .map(|c| c.path.clone())
                .unwrap_or_default();
            Some(TestCommand {
                validator: v.key.clone(),
                command: render_lenient(command, &context),
                cwd: working_directory(&check_path),
                timeout: Duration::from_millis(timeout_ms),
            })
        })
        .collect()
}

/// `dirname(path)`, or `/workspace` when that is `/`, `.`, empty or under
/// `/workspace` (§5.3.8).
fn working_directory(path: &str) -> String {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    if dir.is_empty()
        || dir == "/"
        || dir == "."
        || dir == "/workspace"
        || dir.starts_with("/workspace/")
    {
        "/workspace".to_owned()
    } else {
        dir.to_owned()
    }
}

/// Copies the agent's final `/workspace` into `target`.
async fn copy_workspace(from: &dyn Sandbox, target: &dyn Sandbox) -> Result<u64, String> {
    let entries = from
        .list_files("/workspace", true)
        .await
        .map_err(|e| format!("listing the workspace: {e}"))?;
    let mut copied = 0u64;
    for entry in entries.iter().filter(|e| !e.is_dir) {
        if copied + entry.size > COPY_BUDGET_BYTES {
            return Err(format!(
                "the workspace exceeds the {} MiB the verifier copies",
                COPY_BUDGET_BYTES >> 20
            ));
        }
        let bytes = from
            .read_file(&entry.path)
            .await
            .map_err(|e| format!("reading {}: {e}", entry.path))?;
        target
            .write_file(&entry.path, &bytes)
            .await
            .map_err(|e| format!("copying {}: {e}", entry.path))?;
        copied += bytes.len() as u64;
    }
    Ok(copied)
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// Runs the hidden tests in a fresh sandbox and captures the checks' files
/// from the agent's final state. Infrastructure failures (the verifier
/// sandbox cannot start) are errors; a test that cannot launch is recorded
/// as such in its execution.
pub async fn verify(
    case: &CaseRef<'_>,
    agent: &dyn Sandbox,
    provider: &dyn SandboxProvider,
    label: &str,
    sink: &dyn EventSink,
) -> Result<Verification, String> {
    let mut verification = Verification::default();
    let commands = test_commands(case);
    if !commands.is_empty() {
        let verifier = provider
            .create(SandboxSpec {
                network: false,
                label: format!("{label}-verifier"),
                ..SandboxSpec::default()
            })
            .await
            .map_err(|e| format!("the verifier sandbox could not start: {e}"))?;
        let result = run_tests(
            case,
            agent,
            verifier.as_ref(),
            &commands,
            sink,
            &mut verification,
        )
        .await;
        let _ = verifier.destroy().await;
        result?;
    }
    capture(
        case.pack
            .version
            .evaluation_spec
            .post_execution_checks
            .as_slice(),
        agent,
        sink,
        &mut verification,
    )
    .await;
    Ok(verification)
}

async fn run_tests(
    case: &CaseRef<'_>,
    agent: &dyn Sandbox,
    verifier: &dyn Sandbox,
    commands: &[TestCommand],
    sink: &dyn EventSink,
    verification: &mut Verification,
) -> Result<(), String> {
    let copied = copy_workspace(agent, verifier).await;
    // The pack's own files (tests, fixtures, context) are restored over the
    // copy: an agent that rewrote a staged test file gets the original back.
    let copied = match (copied, case.staged_files()) {
        (Ok(bytes), Ok(files)) => {
            let mut restored = Ok(bytes);
            for (path, content) in files {
                if let Err(e) = verifier.write_file(&path, &content).await {
                    restored = Err(format!("restoring {path}: {e}"));
                    break;
                }
            }
            restored
        }
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(e.to_string()),
    };
    for test in commands {
        let (execution, launch_error) = match &copied {
            Err(why) => (None, Some(why.clone())),
            Ok(_) => {
                let request = ExecRequest::shell(test.command.clone())
                    .with_cwd(test.cwd.clone())
                    .with_timeout(test.timeout)
                    .with_output_caps(TEST_OUTPUT_BYTES, TEST_OUTPUT_BYTES);
                match verifier.exec(request).await {
                    Ok(out) => (Some(out), None),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
        };
        let record = Execution {
            command: test.command.clone(),
            exit_code: execution.as_ref().and_then(|o| o.exit_code),
            stdout: execution
                .as_ref()
                .map(|o| o.stdout_text().into_owned())
                .unwrap_or_default(),
            stderr: execution
                .as_ref()
                .map(|o| o.stderr_text().into_owned())
                .unwrap_or_default(),
            timed_out: execution.as_ref().is_some_and(|o| o.timed_out),
            duration_ms: execution
                .as_ref()
                .map_or(0, |o| o.duration.as_millis() as u64),
            launch_error,
            event_id: uuid::Uuid::nil(),
        };
        let event = AgentEvent::new(
            "grader.verification.code_executed",
            None,
            json!({"validator": test.validator, "command": record.command, "working_directory": test.cwd,
                   "exit_code": record.exit_code, "timed_out": record.timed_out, "duration_ms": record.duration_ms,
                   "stdout": clip(&record.stdout, EVENT_OUTPUT_CHARS), "stderr": clip(&record.stderr, EVENT_OUTPUT_CHARS),
                   "launch_error": record.launch_error}),
        )
        .summary(format!("verifier ran `{}`: exit {:?}", test.validator, record.exit_code));
        let event_id = event.id;
        sink.emit(event).await.map_err(|e| e.to_string())?;
        verification
            .executions
            .insert(test.validator.clone(), Execution { event_id, ..record });
    }
    Ok(())
}

async fn capture(
    checks: &[PostExecutionCheck],
    agent: &dyn Sandbox,
    sink: &dyn EventSink,
    verification: &mut Verification,
) {
    let mut budget = CAPTURE_BUDGET_BYTES;
    for check in checks {
        let (capture, payload) = match check.kind {
            CheckType::DirectoryListing => {
                let listed = agent.list_files(&check.path, true).await;
                let entries: Vec<String> = listed
                    .as_ref()
                    .map(|l| l.iter().map(|e| e.path.clone()).collect())
                    .unwrap_or_default();
                let payload = json!({"key": check.key, "path": check.path, "exists": listed.is_ok(), "entries": entries});
                (
                    Capture::Listing {
                        path: check.path.clone(),
                        exists: listed.is_ok(),
                        entries,
                        event_id: uuid::Uuid::nil(),
                    },
                    payload,
                )
            }
            _ => {
                let cap = u64::try_from(check.max_size_bytes)
                    .ok()
                    .filter(|c| *c > 0)
                    .unwrap_or(DEFAULT_CAPTURE_BYTES)
                    .min(budget);
                let read = agent.read_file(&check.path).await;
                let (exists, size, mut content) = match read {
                    Ok(bytes) => (true, bytes.len() as u64, bytes),
                    Err(_) => (false, 0, Vec::new()),
                };
                let truncated = content.len() as u64 > cap;
                content.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
                budget = budget.saturating_sub(content.len() as u64);
                let payload = json!({"key": check.key, "path": check.path, "exists": exists, "size": size, "truncated": truncated,
                                     "content": clip(&String::from_utf8_lossy(&content), EVENT_OUTPUT_CHARS)});
                (
                    Capture::File {
                        path: check.path.clone(),
                        exists,
                        content,
                        size,
                        truncated,
                        event_id: uuid::Uuid::nil(),
                    },
                    payload,
                )
            }
        };
        let event = AgentEvent::new("grader.verification.file_captured", None, payload)
            .summary(format!("captured {} ({})", check.key, check.path));
        let id = event.id;
        // A capture that cannot be recorded is still usable for scoring.
        let _ = sink.emit(event).await;
        let capture = match capture {
            Capture::File {
                path,
                exists,
                content,
                size,
                truncated,
                ..
            } => Capture::File {
                path,
                exists,
                content,
                size,
                truncated,
                event_id: id,
            },
            Capture::Listing {
                path,
                exists,
                entries,
                ..
            } => Capture::Listing {
                path,
                exists,
                entries,
                event_id: id,
            },
        };
        verification.captures.insert(check.key.clone(), capture);
    }
}

#[cfg(test)]
mod tests {
    use super::working_directory;

    #[test]
    fn tests_run_in_the_workspace_unless_the_check_lives_elsewhere() {
        assert_eq!(working_directory("/workspace/solution.py"), "/workspace");
        assert_eq!(working_directory("/workspace/src/lib.py"), "/workspace");
        assert_eq!(working_directory("solution.py"), "/workspace");
        assert_eq!(working_directory("/solution.py"), "/workspace");
        assert_eq!(working_directory("/tmp/out/report.json"), "/tmp/out");
    }
}
