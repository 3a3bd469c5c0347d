//! A throwaway `moto_server` (S3 emulator) on a free loopback port, killed
//! when the guard drops.

use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to answer on a loaded machine.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

/// A running moto server; killed and reaped on drop.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
}

/// `AGENTCLASH_MOTO_SERVER`, else the project's venv.
fn binary() -> PathBuf {
    let path = std::env::var_os("AGENTCLASH_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server")
        });
    assert!(
        path.is_file(),
        "moto_server not found at {}: run scripts/setup (it installs moto into .venv), \
         or point AGENTCLASH_MOTO_SERVER at a moto_server binary",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A client that can only ever talk to the address it is given (no proxies).
pub fn loopback_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

impl MotoServer {
    /// Starts moto and waits until it answers HTTP.
    pub async fn start() -> Self {
        let port = free_port();
        let child = Command::new(binary())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn moto_server");
        let mut server = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        let client = loopback_client();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("poll moto_server") {
                panic!("moto_server exited early with {status}");
            }
            let probe = client
                .get(format!("{}/moto-api/", self.endpoint))
                .timeout(Duration::from_secs(5))
                .send()
                .await;
            if probe.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(
                started.elapsed() < STARTUP_LIMIT,
                "moto_server did not answer within {STARTUP_LIMIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Creates a bucket (object_store cannot): a plain `PUT /{bucket}`.
    pub async fn create_bucket(&self, bucket: &str) {
        let response = loopback_client()
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .expect("create bucket request");
        assert!(
            response.status().is_success(),
            "create bucket {bucket}: HTTP {}",
            response.status()
        );
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
