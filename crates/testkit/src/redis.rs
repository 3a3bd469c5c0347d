//! A throwaway `redis-server` for tests and benchmarks that exercise the
//! Redis event fanout: loopback only, a free port, no persistence, killed on
//! drop. A test that asks for one fails (never skips) when the binary is
//! missing, so a machine without Redis cannot pass the Redis tests silently.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Overrides where the `redis-server` binary is.
pub const REDIS_SERVER_BIN_VAR: &str = "AGENTCLASH_REDIS_SERVER_BIN";

/// How long a fresh server may take to answer `PING`.
const START_PATIENCE: Duration = Duration::from_secs(10);

/// A running `redis-server` owned by the test.
pub struct TestRedis {
    bin: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl TestRedis {
    /// Starts a server on a free loopback port and waits until it answers.
    ///
    /// Panics with what to install when `redis-server` cannot be found.
    pub fn start() -> Self {
        let bin = redis_server_bin();
        let port = agentclash_localstack::pick_free_port().expect("a free port");
        let mut redis = Self {
            bin,
            port,
            child: None,
        };
        redis.spawn();
        redis
    }

    /// `redis://127.0.0.1:<port>/`, for `REDIS_URL`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server and starts a new one on the same port (every
    /// connection to it drops; subscribers must reconnect).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    fn spawn(&mut self) {
        let child = Command::new(&self.bin)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()));
        self.child = Some(child);
        let deadline = Instant::now() + START_PATIENCE;
        while !answers_ping(self.port) {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "redis-server on port {} exited at start: {status}",
                    self.port
                );
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer PING within {START_PATIENCE:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `$AGENTCLASH_REDIS_SERVER_BIN`, else `redis-server` on `PATH`, else the
/// Debian location.
fn redis_server_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os(REDIS_SERVER_BIN_VAR) {
        return PathBuf::from(bin);
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("redis-server"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([PathBuf::from("/usr/bin/redis-server")])
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "redis-server not found (this test needs Redis): install the Debian package \
                 `redis-server` (scripts/setup does) or set {REDIS_SERVER_BIN_VAR}"
            )
        })
}

/// Whether a Redis server on `port` answers `PING` with `+PONG`.
fn answers_ping(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut conn) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = conn.set_read_timeout(Some(Duration::from_millis(500)));
    let mut reply = [0u8; 7];
    conn.write_all(b"PING\r\n").is_ok()
        && conn.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}
