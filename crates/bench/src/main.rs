//! `agentclash-bench [RUNS] [CONCURRENCY]`: end-to-end throughput and latency
//! of the run path (HTTP create → Postgres → Temporal → worker activities →
//! Postgres) on this machine.
//!
//! Starts its own Postgres and Temporal dev server (free ports, temporary
//! directory, removed afterwards), serves the API in-process on loopback and
//! runs one worker in-process, then creates RUNS wiring runs (default 200)
//! with CONCURRENCY clients (default 16) and waits for each to complete.
//! Prints create latency, create-to-completed latency, throughput and the
//! process's peak resident memory.

use agentclash_api::{AppState, TemporalHandle};
use agentclash_config::{TemporalAddress, TemporalConfig};
use agentclash_localstack::{Component, Stack, pick_free_port, random_hex};
use agentclash_store::Store;
use agentclash_testkit::TestWorker;
use anyhow::{Context, bail};
use std::os::unix::fs::PermissionsExt as _;
use std::time::{Duration, Instant};

const TASK_QUEUE: &str = "agentclash-bench";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args
        .next()
        .map_or(Ok(200), |a| a.parse())
        .context("RUNS must be a number")?;
    let concurrency: usize = args
        .next()
        .map_or(Ok(16), |a| a.parse())
        .context("CONCURRENCY must be a number")?;
    if runs == 0 || concurrency == 0 {
        bail!("usage: agentclash-bench [RUNS>0] [CONCURRENCY>0]");
    }

    let dir = std::env::temp_dir().join(format!("agentclash-bench-{}", random_hex(8)?));
    std::fs::create_dir_all(&dir)?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
    let stack = Stack::isolated(&dir, pick_free_port()?, pick_free_port()?)?;
    let quiet = &mut |_: &str| {};
    let result = async {
        stack.up(&[Component::Postgres, Component::Temporal], quiet)?;
        bench(&stack, runs, concurrency).await
    }
    .await;
    let _ = stack.destroy(&mut |_: &str| {});
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn bench(stack: &Stack, runs: usize, concurrency: usize) -> anyhow::Result<()> {
    let server = stack.postgres_server_url()?;
    let admin =
        Store::connect_with_retry(&format!("{server}/postgres"), Duration::from_secs(10)).await?;
    admin.create_database("bench").await?;
    let store =
        Store::connect_with_retry(&format!("{server}/bench"), Duration::from_secs(10)).await?;
    store.migrate().await?;

    let temporal = TemporalConfig {
        address: TemporalAddress::parse(&stack.temporal_address()).context("temporal address")?,
        namespace: "default".into(),
        task_queue: TASK_QUEUE.into(),
    };
    // The benchmark measures the run path, not the rate limiter.
    let state = AppState::new(
        store.clone(),
        TemporalHandle::new(temporal),
        TASK_QUEUE.into(),
    )
    .with_rate_limits(0, 0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum_serve(listener, agentclash_api::app(state, 1 << 20)).await });
    let worker = TestWorker::spawn_at(&stack.temporal_address(), store.clone(), TASK_QUEUE);
    let tenant =
        agentclash_api::bootstrap_local(&store, "bench@agentclash.local", "bench-password").await?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {}", tenant.token).parse()?,
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()?;
    let base = format!("{base}/v1/workspaces/{}", tenant.workspace_id);

    // Warm-up: one run so connections and caches exist before timing.
    one_run(&http, &base).await?;

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let per_client = runs.div_ceil(concurrency);
    for client in 0..concurrency {
        let n = per_client.min(runs.saturating_sub(client * per_client));
        let (http, base) = (http.clone(), base.clone());
        tasks.spawn(async move {
            let mut samples = Vec::with_capacity(n);
            for _ in 0..n {
                samples.push(one_run(&http, &base).await?);
            }
            anyhow::Ok(samples)
        });
    }
    let mut create = Vec::new();
    let mut complete = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        for (c, e) in joined?? {
            create.push(c);
            complete.push(e);
        }
    }
    let wall = started.elapsed();
    drop(worker);

    println!("run path benchmark: {runs} runs, {concurrency} concurrent clients, 1 worker");
    println!(
        "  throughput            {:.1} runs/s ({:.2} s wall)",
        runs as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    );
    report("create (POST …/runs)", &mut create);
    report("create → completed", &mut complete);
    println!(
        "  peak RSS (api+worker+bench, one process)  {} MiB",
        peak_rss_kib() / 1024
    );
    Ok(())
}

async fn axum_serve(listener: tokio::net::TcpListener, app: axum::Router) {
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("bench api server stopped: {e}");
    }
}

/// Creates one run and polls until it is terminal; returns (create, end-to-end).
async fn one_run(http: &reqwest::Client, base: &str) -> anyhow::Result<(Duration, Duration)> {
    let t0 = Instant::now();
    let created: serde_json::Value = http
        .post(format!("{base}/runs"))
        .json(&serde_json::json!({ "name": "bench" }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let create = t0.elapsed();
    let id = created["id"].as_str().context("run id")?.to_owned();
    loop {
        let run: serde_json::Value = http
            .get(format!("{base}/runs/{id}"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        match run["status"].as_str() {
            Some("completed") => return Ok((create, t0.elapsed())),
            Some("failed" | "cancelled") => bail!("run {id} ended {}", run["status"]),
            _ if t0.elapsed() > Duration::from_secs(120) => {
                bail!(
                    "run {id} did not finish in 120 s (last seen: {})",
                    run["status"]
                )
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn report(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let pct = |p: f64| {
        let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "  {name:<22} p50 {:>7.1} ms   p95 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms",
        pct(0.50),
        pct(0.95),
        pct(0.99),
        pct(1.0)
    );
}

/// Peak resident set size of this process in KiB (VmHWM).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}
