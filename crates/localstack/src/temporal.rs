//! The stack's own Temporal dev server.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `temporal server start-dev` on 127.0.0.1:`port`, headless, persisting to
/// `db_file`. Every other port it needs (HTTP API, metrics, internal
/// services) it picks free by itself.
pub(crate) fn start_command(bin: PathBuf, port: u16, db_file: &Path, namespace: &str) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args([
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--headless",
        "--log-level",
        "warn",
    ])
    .arg("--port")
    .arg(port.to_string())
    .arg("--db-filename")
    .arg(db_file);
    if namespace != "default" {
        cmd.args(["--namespace", namespace]);
    }
    cmd
}

/// Healthy when the frontend answers `namespace describe` for our
/// namespace: the port being open is not enough, the server accepts
/// connections a while before it serves requests. `bin` is the CLI to use.
pub(crate) fn probe(bin: PathBuf, address: &str, namespace: &str) -> Result<(), String> {
    let out = Command::new(bin)
        .args([
            "operator",
            "namespace",
            "describe",
            "--command-timeout",
            "2s",
        ])
        .args([
            "--disable-config-file",
            "--disable-config-env",
            "-o",
            "json",
        ])
        .args(["--address", address, "--namespace", namespace])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run temporal: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output");
    Err(format!("temporal operator namespace describe: {last}"))
}
