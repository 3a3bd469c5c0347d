//! `agentclash-bench [RUNS] [CONCURRENCY]`: end-to-end numbers of the run
//! engine on this machine, with the scripted provider at zero latency.
//!
//! Starts its own Postgres and Temporal dev server (free ports, temporary
//! directory, removed afterwards), serves the API in-process on loopback and
//! runs one worker in-process, then measures:
//! 1. RUNS small runs (1 lane × 1 prompt_eval case) from CONCURRENCY clients:
//!    create latency, create → completed latency, throughput;
//! 2. a 200-case × 2-lane prompt_eval run, `POST /runs` → `completed`, 3 times;
//! 3. live stream latency, worker commit → SSE client, with the
//!    Postgres LISTEN/NOTIFY fanout and with Redis pub/sub (a throwaway
//!    `redis-server`, second API and worker on the same database);
//! 4. per agent step, the time from the model call returning in the worker to
//!    its event row in Postgres;
//!
//! and reports the process's peak resident memory.

use agentclash_api::{AppState, TemporalHandle};
use agentclash_config::{TemporalAddress, TemporalConfig};
use agentclash_localstack::{Component, Stack, pick_free_port, random_hex};
use agentclash_store::Store;
use agentclash_testkit::{TestWorker, TestWorkerOptions};
use anyhow::{Context, bail};
use std::os::unix::fs::PermissionsExt as _;
use std::time::{Duration, Instant};

const TASK_QUEUE: &str = "agentclash-bench";
/// Task queue of the API and worker that fan out through Redis.
const REDIS_TASK_QUEUE: &str = "agentclash-bench-redis";

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

    let base = serve_api(stack, &store, TASK_QUEUE).await?;
    let worker = spawn_worker(stack, &store, TASK_QUEUE);
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
    let api = Api {
        http,
        base: format!("{base}/v1/workspaces/{}", tenant.workspace_id),
    };
    let ws_path = format!("/v1/workspaces/{}", tenant.workspace_id);
    let lanes = api.deployments(0, 2).await?;
    let small = api.publish(&prompt_eval_pack("bench-small", 1)).await?;
    let large = api
        .publish(&prompt_eval_pack("bench-large", LARGE_CASES))
        .await?;

    // Warm-up: connections, caches and the Temporal task queue.
    api.run(&small, &lanes[..1]).await?;

    // 1. Many small runs (1 lane × 1 case) from concurrent clients.
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let per_client = runs.div_ceil(concurrency);
    for client in 0..concurrency {
        let n = per_client.min(runs.saturating_sub(client * per_client));
        let (api, small, lane) = (api.clone(), small.clone(), lanes[0].clone());
        tasks.spawn(async move {
            let mut samples = Vec::with_capacity(n);
            for _ in 0..n {
                samples.push(api.run(&small, std::slice::from_ref(&lane)).await?);
            }
            anyhow::Ok(samples)
        });
    }
    let mut create = Vec::new();
    let mut complete = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        for timing in joined?? {
            create.push(timing.create);
            complete.push(timing.total);
        }
    }
    let wall = started.elapsed();
    println!(
        "run path: {runs} runs of 1 lane × 1 prompt_eval case, {concurrency} concurrent clients, 1 worker"
    );
    println!(
        "  throughput            {:.1} runs/s ({:.2} s wall)",
        runs as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    );
    report("create (POST …/runs)", &mut create);
    report("create → completed", &mut complete);

    // 2. One large run: LARGE_CASES prompt_eval cases × 2 lanes.
    println!(
        "large run: {LARGE_CASES} prompt_eval cases × 2 lanes, scripted provider at zero latency"
    );
    let mut walls = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let timing = api.run(&large, &lanes).await?;
        println!(
            "  POST /runs → completed  {:.2} s",
            timing.total.as_secs_f64()
        );
        walls.push(timing.total);
        last = Some(timing.run_id);
    }
    walls.sort();
    println!("  median                  {:.2} s", walls[1].as_secs_f64());

    // 3. Live stream latency: event row written → SSE client has it, with
    //    each fanout, on a saturated machine (zero-latency model) and at a
    //    steady pace. Redis mode gets its own API and worker (same database).
    let paced = api.deployments(PACED_MODEL_MS, 2).await?;
    let redis = agentclash_testkit::redis::TestRedis::start();
    let redis_store = store.clone().with_redis_fanout(&redis.url())?;
    let redis_api = Api {
        http: api.http.clone(),
        base: format!(
            "{}{ws_path}",
            serve_api(stack, &redis_store, REDIS_TASK_QUEUE).await?
        ),
    };
    let redis_worker = spawn_worker(stack, &redis_store, REDIS_TASK_QUEUE);
    for (fanout, client) in [("LISTEN/NOTIFY", &api), ("Redis pub/sub", &redis_api)] {
        for (load, deployments) in [
            ("zero-latency model calls".to_owned(), &lanes),
            (format!("{PACED_MODEL_MS} ms model calls"), &paced),
        ] {
            let mut live = client.stream_latency(&store, &large, deployments).await?;
            println!(
                "live stream ({fanout}; worker commit → SSE client), {} events of a {LARGE_CASES}×2 run, {load}:",
                live.len()
            );
            report("per event", &mut live);
        }
    }
    drop(redis_worker);

    // 4. Orchestration overhead per agent step: from the model call returning
    //    in the worker (event time) to its event row in Postgres.
    let run_id = last.context("a large run id")?;
    let mut overhead = step_overhead(&store, &run_id).await?;
    println!(
        "agent step overhead (model call returned → event written to Postgres), {} steps:",
        overhead.len()
    );
    report("per step", &mut overhead);
    // 5. Replay: first page of a lane with 10,000 events.
    let mut pages = replay_first_page(&api, &store, &small, &lanes[0]).await?;
    println!("replay: first page (100 steps) of a lane with {REPLAY_EVENTS} events:");
    report("GET …/replay", &mut pages);
    drop(worker);
    println!(
        "  peak RSS (api+worker+bench, one process)  {} MiB",
        peak_rss_kib() / 1024
    );
    Ok(())
}

/// Serves the API in-process on a free loopback port over `store` (whose
/// fanout it listens to), starting runs on `task_queue`; returns its base URL.
async fn serve_api(stack: &Stack, store: &Store, task_queue: &str) -> anyhow::Result<String> {
    let temporal = TemporalConfig {
        address: TemporalAddress::parse(&stack.temporal_address()).context("temporal address")?,
        namespace: "default".into(),
        task_queue: task_queue.into(),
    };
    // The benchmark measures the run path, not the rate limiter.
    let state = AppState::new(
        store.clone(),
        TemporalHandle::new(temporal),
        task_queue.into(),
    )
    .with_rate_limits(0, 0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum_serve(listener, agentclash_api::app(state, 4 << 20)).await });
    Ok(base)
}

/// An in-process worker on `task_queue` writing through `store` (and so
/// announcing through its fanout).
fn spawn_worker(stack: &Stack, store: &Store, task_queue: &str) -> TestWorker {
    TestWorker::spawn_with(
        store.clone(),
        task_queue,
        TestWorkerOptions {
            address: stack.temporal_address(),
            slots: WORKER_SLOTS,
            artifacts_dir: None,
            // Not `..Default::default()`: that reads the test harness's
            // Temporal address, which the benchmark does not have.
            judge_accounts: Default::default(),
        },
    )
}

/// Model latency of the paced live-stream runs.
const PACED_MODEL_MS: u64 = 50;
/// Cases of the large run.
const LARGE_CASES: usize = 200;
/// Activity slots of the benchmark worker.
const WORKER_SLOTS: usize = 32;

/// A prompt_eval pack with `cases` cases.
fn prompt_eval_pack(slug: &str, cases: usize) -> String {
    let mut yaml = format!(
        r#"pack: {{slug: {slug}, name: Bench, family: bench}}
version:
  number: 1
  execution_mode: prompt_eval
  evaluation_spec:
    name: bench
    version_number: 1
    judge_mode: deterministic
    validators:
      - {{key: answer, type: exact_match, target: final_output, expected_from: case.expectations.answer}}
    scorecard:
      strategy: weighted
      dimensions:
        - {{key: correctness, source: validators, validators: [answer]}}
challenges:
  - {{key: q, title: Question, category: bench, difficulty: easy, instructions: "What is {{{{n}}}} plus one?"}}
input_sets:
  - key: default
    name: Default
    cases:
"#
    );
    for i in 0..cases {
        yaml.push_str(&format!(
            "      - {{case_key: c{i}, challenge_key: q, payload: {{n: {i}}}, expectations: [{{key: answer, kind: exact, value: \"{}\"}}]}}\n",
            i + 1
        ));
    }
    yaml
}

/// Timings of one run.
struct RunTiming {
    run_id: String,
    create: Duration,
    total: Duration,
}

/// The benchmark's API client.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn post(&self, path: &str, body: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let json: serde_json::Value = r.json().await?;
        if !status.is_success() {
            bail!("POST {path}: {status} {json}");
        }
        Ok(json)
    }

    /// Publishes a pack; returns its version id.
    async fn publish(&self, source: &str) -> anyhow::Result<String> {
        let v = self
            .post("/challenge-packs", serde_json::json!({"source": source}))
            .await?;
        Ok(v["id"].as_str().context("version id")?.to_owned())
    }

    /// `n` scripted deployments answering every model call after
    /// `latency_ms`.
    async fn deployments(&self, latency_ms: u64, n: usize) -> anyhow::Result<Vec<String>> {
        let name = format!("bench {latency_ms}ms");
        let account = self
            .post(
                "/provider-accounts",
                serde_json::json!({"name": name, "provider": "scripted"}),
            )
            .await?;
        let profile = self
            .post(
                "/runtime-profiles",
                serde_json::json!({"name": name, "max_parallel_cases": 16}),
            )
            .await?;
        let build = self
            .post("/agent-builds", serde_json::json!({"name": name}))
            .await?;
        let build_id = build["id"].as_str().context("build id")?;
        let version = self
            .post(
                &format!("/agent-builds/{build_id}/versions"),
                serde_json::json!({"policy": {"system_prompt": "Answer."}}),
            )
            .await?;
        let version_id = version["id"].as_str().context("version id")?;
        self.post(
            &format!("/agent-build-versions/{version_id}/status"),
            serde_json::json!({"status": "ready"}),
        )
        .await?;
        let mut ids = Vec::new();
        for i in 0..n {
            let d = self
                .post(
                    "/deployments",
                    serde_json::json!({"name": format!("{name} {i}"), "build_version_id": version_id,
                        "runtime_profile_id": profile["id"], "provider_account_id": account["id"], "model": "scripted",
                        "provider_options": {"scripted": {"default": {"text": "42", "latency_ms": latency_ms}}}}),
                )
                .await?;
            ids.push(d["id"].as_str().context("deployment id")?.to_owned());
        }
        Ok(ids)
    }

    /// Runs `version` while an SSE client follows it; for every event, the
    /// delay from the worker's transaction committing it (Postgres commit
    /// timestamps) to the client receiving it.
    async fn stream_latency(
        &self,
        store: &Store,
        version: &str,
        deployments: &[String],
    ) -> anyhow::Result<Vec<Duration>> {
        let created = self
            .post(
                "/runs",
                serde_json::json!({"pack_version_id": version, "deployment_ids": deployments}),
            )
            .await?;
        let id = created["id"].as_str().context("run id")?.to_owned();
        let response = self
            .http
            .get(format!("{}/runs/{id}/events/stream", self.base))
            .send()
            .await?
            .error_for_status()?;
        let mut reader = agentclash_testkit::sse::SseReader::new(response);
        let mut received = std::collections::HashMap::new();
        while let Some(event) = reader.next().await {
            let at = chrono::Utc::now();
            match event.event.as_str() {
                "run_event" => {
                    let value: serde_json::Value = serde_json::from_str(&event.data)?;
                    let event_id: uuid::Uuid =
                        value["event_id"].as_str().context("event_id")?.parse()?;
                    received.insert(event_id, at);
                }
                "end" => return commit_to_client(store, &id, &received).await,
                other => bail!("stream sent `{other}`: {}", event.data),
            }
        }
        bail!("the stream closed before the run ended")
    }

    /// Creates a run and polls until it is terminal.
    async fn run(&self, version: &str, deployments: &[String]) -> anyhow::Result<RunTiming> {
        let t0 = Instant::now();
        let created = self
            .post(
                "/runs",
                serde_json::json!({"pack_version_id": version, "deployment_ids": deployments}),
            )
            .await?;
        let create = t0.elapsed();
        let id = created["id"].as_str().context("run id")?.to_owned();
        loop {
            let run: serde_json::Value = self
                .http
                .get(format!("{}/runs/{id}", self.base))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            match run["status"].as_str() {
                Some("completed") => {
                    return Ok(RunTiming {
                        run_id: id,
                        create,
                        total: t0.elapsed(),
                    });
                }
                Some("failed" | "cancelled") => {
                    bail!(
                        "run {id} ended {}: {}",
                        run["status"],
                        run["failure_reason"]
                    )
                }
                _ if t0.elapsed() > Duration::from_secs(300) => {
                    bail!(
                        "run {id} did not finish in 300 s (last seen: {})",
                        run["status"]
                    )
                }
                _ => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }
}

/// Events in the lane the replay benchmark reads.
const REPLAY_EVENTS: usize = 10_000;

/// Adds `REPLAY_EVENTS` synthetic model and tool call events to a lane of a
/// finished one-case run, then times the first page of its replay 20 times.
async fn replay_first_page(
    api: &Api,
    store: &Store,
    version: &str,
    deployment: &str,
) -> anyhow::Result<Vec<Duration>> {
    use agentclash_store::events::{EventStream, NewEvent};
    let timing = api.run(version, &[deployment.to_owned()]).await?;
    let run: agentclash_core::RunId = timing.run_id.parse()?;
    let run_json: serde_json::Value = api
        .http
        .get(format!("{}/runs/{run}", api.base))
        .send()
        .await?
        .json()
        .await?;
    let lane: agentclash_core::RunAgentId = run_json["agents"][0]["id"]
        .as_str()
        .context("lane")?
        .parse()?;
    let ws: agentclash_core::WorkspaceId =
        api.base.rsplit('/').next().context("workspace")?.parse()?;
    let kinds = [
        "model.call.started",
        "model.call.completed",
        "tool.call.started",
        "tool.call.completed",
    ];
    let stream = EventStream {
        run,
        lane,
        case_key: "bench",
        attempt: 1,
    };
    for batch in 0..REPLAY_EVENTS / 500 {
        let events: Vec<NewEvent> = (0..500)
            .map(|i| {
                let n = batch * 500 + i;
                NewEvent {
                    id: uuid::Uuid::now_v7(),
                    event_type: kinds[n % 4].to_owned(),
                    occurred_at: chrono::Utc::now(),
                    attempt_seq: i32::try_from(n).unwrap_or(i32::MAX),
                    step: Some(i32::try_from(n / 4).unwrap_or(i32::MAX)),
                    payload: serde_json::json!({"tool_call_id": format!("c{}", n / 4), "name": "exec", "text": "x".repeat(200)}),
                    summary: None,
                }
            })
            .collect();
        store.append_events(ws, &stream, &events).await?;
    }
    let url = format!("{}/run-agents/{lane}/replay?limit=100", api.base);
    let mut samples = Vec::new();
    for _ in 0..20 {
        let t0 = Instant::now();
        let page: serde_json::Value = api
            .http
            .get(&url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        samples.push(t0.elapsed());
        if page["steps"].as_array().map(Vec::len) != Some(100) {
            bail!("the replay page has the wrong size: {}", page["steps"]);
        }
    }
    Ok(samples)
}

/// For every event of run `id` received by a client: commit → received.
async fn commit_to_client(
    store: &Store,
    id: &str,
    received: &std::collections::HashMap<uuid::Uuid, chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<Vec<Duration>> {
    let rows: Vec<(uuid::Uuid, Option<chrono::DateTime<chrono::Utc>>)> = sqlx::query_as(
        "SELECT id, pg_xact_commit_timestamp(xmin) FROM run_events WHERE run_id = $1",
    )
    .bind(id.parse::<uuid::Uuid>()?)
    .fetch_all(store.pool())
    .await?;
    if rows.len() != received.len() {
        bail!(
            "the stream delivered {} events, the run has {}",
            received.len(),
            rows.len()
        );
    }
    rows.into_iter()
        .map(|(event, committed)| {
            let committed = committed
                .context("no commit timestamp: Postgres needs track_commit_timestamp=on")?;
            let at = received.get(&event).context("an event the stream missed")?;
            Ok((*at - committed).to_std().unwrap_or_default())
        })
        .collect()
}

/// For every model call of a run: event time → row written.
async fn step_overhead(store: &Store, run_id: &str) -> anyhow::Result<Vec<Duration>> {
    let run: uuid::Uuid = run_id.parse()?;
    let micros: Vec<i64> = sqlx::query_scalar(
        "SELECT (EXTRACT(EPOCH FROM (recorded_at - occurred_at)) * 1000000)::bigint FROM run_events \
         WHERE run_id = $1 AND event_type = 'model.call.completed'",
    )
    .bind(run)
    .fetch_all(store.pool())
    .await?;
    Ok(micros
        .into_iter()
        .map(|m| Duration::from_micros(u64::try_from(m).unwrap_or(0)))
        .collect())
}

async fn axum_serve(listener: tokio::net::TcpListener, app: axum::Router) {
    if let Err(e) = axum::serve(agentclash_api::without_nagle(listener), app).await {
        eprintln!("bench api server stopped: {e}");
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
