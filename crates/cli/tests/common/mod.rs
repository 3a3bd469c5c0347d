//! Helpers shared by the CLI's integration tests: run the binary in a clean
//! environment, and a scripted HTTP server on loopback standing in for the API.

#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;

/// Variables that would change what the CLI does; cleared for every run.
pub const AMBIENT: &[&str] = &[
    "DATABASE_URL",
    "TEMPORAL_ADDRESS",
    "API_BIND",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_TASK_QUEUE",
    "AGENTCLASH_LOCAL_DIR",
    "AGENTCLASH_LOCAL_PG_PORT",
    "AGENTCLASH_LOCAL_TEMPORAL_PORT",
    "AGENTCLASH_API_URL",
    "AGENTCLASH_WORKSPACE",
    "AGENTCLASH_TOKEN",
];

/// Runs the CLI in a fresh directory that is its own repository root (so no
/// `.agentclash.yaml` around the checkout is picked up), with a fresh user
/// config directory.
pub fn agentclash(args: &[&str], env: &[(&str, &str)]) -> Output {
    let cwd = fresh_path("cwd");
    std::fs::create_dir_all(cwd.join(".git")).expect("cwd");
    let out = agentclash_in(&cwd, args, env);
    std::fs::remove_dir_all(&cwd).ok();
    out
}

/// Runs the CLI in `cwd`; `env` is applied last (it may set XDG_CONFIG_HOME).
pub fn agentclash_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentclash"));
    cmd.args(args).current_dir(cwd);
    for var in AMBIENT {
        cmd.env_remove(var);
    }
    // Never read the developer's own CLI config.
    cmd.env("XDG_CONFIG_HOME", fresh_path("config"));
    cmd.envs(env.iter().copied());
    cmd.output().expect("agentclash runs")
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A path under the temp directory that does not exist yet.
pub fn fresh_path(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    // Process ids are reused across runs and these directories outlive
    // their test: the clock makes the name new, the removal makes it empty.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = std::env::temp_dir().join(format!(
        "agentclash-cli-test-{tag}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&path);
    path
}

/// A fresh directory holding `files` (relative path, contents).
pub fn fresh_dir(tag: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = fresh_path(tag);
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, contents) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent");
        }
        std::fs::write(path, contents).expect("write");
    }
    dir
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    listener.local_addr().expect("addr").port()
}

/// One recorded request: request line and body.
pub type Seen = (String, String);

/// Serves one canned `(status, body)` response per connection, in order,
/// and returns what it was sent.
pub fn scripted_api(responses: Vec<(u16, &'static str)>) -> (String, JoinHandle<Vec<Seen>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for (status, body) in responses {
            let (conn, _) = listener.accept().expect("accept");
            let mut reader = BufReader::new(conn);
            let mut request_line = String::new();
            reader.read_line(&mut request_line).expect("request line");
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).expect("header");
                if header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().expect("length");
                }
            }
            let mut request_body = vec![0; length];
            reader.read_exact(&mut request_body).expect("body");
            seen.push((
                request_line.trim().to_owned(),
                String::from_utf8_lossy(&request_body).into_owned(),
            ));
            let mut conn = reader.into_inner();
            let content = if status == 204 {
                String::new()
            } else {
                format!(
                    "content-type: application/json\r\ncontent-length: {}\r\n",
                    body.len()
                )
            };
            write!(
                conn,
                "HTTP/1.1 {status} X\r\n{content}connection: close\r\n\r\n{body}"
            )
            .expect("respond");
        }
        seen
    });
    (url, server)
}

/// The request lines of what the scripted API saw.
pub fn lines(seen: &[Seen]) -> Vec<&str> {
    seen.iter().map(|(line, _)| line.as_str()).collect()
}

/// A request body as JSON.
pub fn body(seen: &Seen) -> serde_json::Value {
    serde_json::from_str(&seen.1).expect("a JSON body")
}
