//! The live event stream: stored then live events, every one exactly once
//! across reconnects, from every API replica, ending with the run.

mod common;

use agentclash_testkit::redis::TestRedis;
use agentclash_testkit::temporal_address;
use common::{LiveApi, SseReader, start, start_with_tenant};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// A two-lane prompt_eval run whose model calls take `latency_ms` each.
async fn slow_run(api: &common::TestApi, latency_ms: u64) -> String {
    let agent = json!({"scripted": {"default": {"text": "1", "latency_ms": latency_ms}}});
    let inputs = api
        .runnable_source(
            &common::example("packs/unit-conversion.yaml"),
            &[("a", agent.clone()), ("b", agent)],
            json!({"name": "stream", "max_parallel_cases": 1}),
        )
        .await;
    api.create_run(&inputs).await
}

fn key(event: &Value) -> (String, i64) {
    (
        event["run_agent_id"].as_str().unwrap_or("run").to_owned(),
        event["sequence"].as_i64().expect("sequence"),
    )
}

async fn open(api: &common::TestApi, base: &str, run: &str, last: Option<&str>) -> SseReader {
    let mut request = api.http.get(format!(
        "{base}{}",
        api.ws_path(&format!("/runs/{run}/events/stream"))
    ));
    if let Some(id) = last {
        request = request.header("Last-Event-ID", id);
    }
    let response = request.send().await.expect("stream opens");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    SseReader::new(response)
}

/// Reads until `end`; returns the events and the `end` payload.
async fn drain(reader: &mut SseReader, seen: &mut Vec<(String, i64)>) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let event = tokio::time::timeout_at(deadline, reader.next())
            .await
            .expect("stream ends in time")
            .expect("stream open until end");
        match event.event.as_str() {
            "run_event" => seen.push(key(&serde_json::from_str(&event.data).expect("event JSON"))),
            "end" => return serde_json::from_str(&event.data).expect("end JSON"),
            other => panic!("unexpected event {other}: {}", event.data),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_delivers_stored_then_live_events_once_and_ends_with_the_run() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = api.worker(&db.store);
    let run = slow_run(&api, 100).await;
    let mut reader = open(&api, &api.base, &run, None).await;
    let mut seen = Vec::new();
    let end = drain(&mut reader, &mut seen).await;
    assert_eq!(end["status"], "completed");
    let stored: Vec<(String, i64)> = api.all_events(&run).await.iter().map(key).collect();
    assert_eq!(seen.len(), stored.len(), "no duplicates, nothing missing");
    assert_eq!(
        seen.iter().cloned().collect::<BTreeSet<_>>(),
        stored.into_iter().collect::<BTreeSet<_>>()
    );
    // Within a lane the stream keeps sequence order.
    for lane in seen.iter().map(|(l, _)| l.clone()).collect::<BTreeSet<_>>() {
        let seqs: Vec<i64> = seen
            .iter()
            .filter(|(l, _)| *l == lane)
            .map(|(_, s)| *s)
            .collect();
        assert!(
            seqs.windows(2).all(|w| w[0] + 1 == w[1]),
            "lane {lane}: {seqs:?}"
        );
    }
    // A stream of a finished run replays everything and ends at once.
    let mut again = open(&api, &api.base, &run, None).await;
    let mut replayed = Vec::new();
    drain(&mut again, &mut replayed).await;
    assert_eq!(replayed.len(), seen.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_with_last_event_id_gets_every_event_exactly_once_from_any_replica() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    // A second API process on the same database (its own listener).
    let replica = start(
        db.store.clone(),
        api.tenant.clone(),
        &temporal_address(),
        1 << 20,
    )
    .await;
    let _worker = api.worker(&db.store);
    let run = slow_run(&api, 150).await;

    let mut seen = Vec::new();
    let mut reader = open(&api, &api.base, &run, None).await;
    let mut last = None;
    while seen.len() < 5 {
        let event = reader.next().await.expect("events");
        assert_eq!(event.event, "run_event", "{}", event.data);
        seen.push(key(&serde_json::from_str(&event.data).expect("JSON")));
        last = event.id;
    }
    drop(reader); // the client goes away mid-run
    let mut resumed = open(&api, &replica.base, &run, last.as_deref()).await;
    let end = drain(&mut resumed, &mut seen).await;
    assert_eq!(end["status"], "completed");
    let stored: Vec<(String, i64)> = api.all_events(&run).await.iter().map(key).collect();
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "an event arrived twice");
    assert_eq!(
        unique,
        stored.into_iter().collect::<BTreeSet<_>>(),
        "an event was missed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_beyond_the_process_limit_get_a_clear_503_and_bad_ids_a_400() {
    let db = agentclash_testkit::TestDb::new().await;
    let tenant = db.tenant("owner").await;
    let api = common::start_limited(db.store.clone(), tenant, &temporal_address(), 1).await;
    let _worker = api.worker(&db.store);
    let run = slow_run(&api, 2000).await;
    let _first = open(&api, &api.base, &run, None).await;
    let r = api
        .http
        .get(api.ws_url(&format!("/runs/{run}/events/stream")))
        .send()
        .await
        .expect("send");
    let (status, code, message) = common::error_of(r).await;
    assert_eq!((status, code.as_str()), (503, "unavailable"));
    assert!(message.contains("live streams"), "{message}");
    drop(_first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = api
        .http
        .get(api.ws_url(&format!("/runs/{run}/events/stream")))
        .header("Last-Event-ID", "nonsense")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);
}

/// The test's store, announcing on `redis` when given (as a worker with
/// `REDIS_URL` does).
fn fanout_store(
    db: &agentclash_testkit::TestDb,
    redis: Option<&TestRedis>,
) -> agentclash_store::Store {
    match redis {
        Some(redis) => db
            .store
            .clone()
            .with_redis_fanout(&redis.url())
            .expect("redis url"),
        None => db.store.clone(),
    }
}

/// Real `agentclash-api` processes on `db`, with `REDIS_URL` when `redis`
/// is given.
async fn api_processes(
    db: &agentclash_testkit::TestDb,
    redis: Option<&TestRedis>,
    n: usize,
) -> Vec<LiveApi> {
    let url = redis.map(TestRedis::url);
    let env: Vec<(&str, &str)> = url.iter().map(|u| ("REDIS_URL", u.as_str())).collect();
    let mut processes = Vec::new();
    for _ in 0..n {
        processes.push(LiveApi::start(db, &env, None).await);
    }
    processes
}

/// Two API processes on one database and one worker: streams opened on
/// both before the run starts receive every event exactly once, live, and
/// end with the run.
async fn two_api_processes_stream_every_event_once(redis: Option<&TestRedis>) {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let replicas = api_processes(&db, redis, 2).await;
    let run = slow_run(&api, 20).await;
    // No worker polls the run's queue yet: everything the streams get is live.
    let mut first = open(&api, &replicas[0].base, &run, None).await;
    let mut second = open(&api, &replicas[1].base, &run, None).await;
    let _worker = api.worker(&fanout_store(&db, redis));
    let (mut seen_first, mut seen_second) = (Vec::new(), Vec::new());
    let (end_first, end_second) = tokio::join!(
        drain(&mut first, &mut seen_first),
        drain(&mut second, &mut seen_second)
    );
    assert_eq!(
        (end_first["status"].as_str(), end_second["status"].as_str()),
        (Some("completed"), Some("completed"))
    );
    let stored: BTreeSet<(String, i64)> = api.all_events(&run).await.iter().map(key).collect();
    assert!(
        stored.len() > 10,
        "the run recorded events: {}",
        stored.len()
    );
    for (name, seen) in [("first", seen_first), ("second", seen_second)] {
        let unique: BTreeSet<_> = seen.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "{name} replica sent an event twice"
        );
        assert_eq!(unique, stored, "{name} replica missed events");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_api_processes_stream_every_event_with_listen_notify() {
    two_api_processes_stream_every_event_once(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_api_processes_stream_every_event_with_redis_pubsub() {
    let redis = TestRedis::start();
    two_api_processes_stream_every_event_once(Some(&redis)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_survives_a_redis_restart_mid_run_without_losing_events() {
    let mut redis = TestRedis::start();
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let replicas = api_processes(&db, Some(&redis), 1).await;
    let run = slow_run(&api, 250).await;
    let mut reader = open(&api, &replicas[0].base, &run, None).await;
    let _worker = api.worker(&fanout_store(&db, Some(&redis)));
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = reader.next().await.expect("events");
        assert_eq!(event.event, "run_event", "{}", event.data);
        seen.push(key(&serde_json::from_str(&event.data).expect("JSON")));
    }
    // Every subscriber and publisher connection drops; announcements made
    // while Redis is away are lost, so the stream relies on the reconnect.
    redis.restart();
    let end = drain(&mut reader, &mut seen).await;
    assert_eq!(end["status"], "completed");
    let stored: BTreeSet<(String, i64)> = api.all_events(&run).await.iter().map(key).collect();
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "an event arrived twice");
    assert_eq!(unique, stored, "an event was missed");
}
