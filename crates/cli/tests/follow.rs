//! `--follow` against the real API when connections break: a loopback TCP
//! proxy between the CLI and the API cuts the first event-stream
//! connections after a few hundred bytes (mid-event, mid-run); the CLI
//! must reconnect with `Last-Event-ID` and print every event of the run
//! exactly once, in order.

mod stack;

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use stack::{Stack, stderr, stdout};

/// A proxy to `upstream` that lets through only `budget` response bytes
/// of each successive event-stream request (one budget per request, then
/// unlimited) before closing both sides. Records the stream requests.
struct CuttingProxy {
    url: String,
    stream_requests: Arc<Mutex<Vec<String>>>,
}

impl CuttingProxy {
    fn start(upstream: String, budgets: Vec<usize>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let budgets = Arc::new(Mutex::new(VecDeque::from(budgets)));
        let stream_requests = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::clone(&stream_requests);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let upstream = upstream.clone();
                let budgets = Arc::clone(&budgets);
                let requests = Arc::clone(&requests);
                std::thread::spawn(move || relay(client, &upstream, &budgets, &requests));
            }
        });
        Self {
            url,
            stream_requests,
        }
    }

    fn stream_requests(&self) -> Vec<String> {
        self.stream_requests.lock().expect("lock").clone()
    }
}

/// Relays one connection; HTTP/1.1 keep-alive may carry several requests,
/// and the budget starts counting at the first event-stream request.
fn relay(
    mut client: TcpStream,
    upstream: &str,
    budgets: &Arc<Mutex<VecDeque<usize>>>,
    requests: &Arc<Mutex<Vec<String>>>,
) {
    let Ok(mut server) = TcpStream::connect(upstream) else {
        return;
    };
    // Bytes the server may still send: None until the client asks for a stream.
    let remaining: Arc<Mutex<Option<usize>>> = Arc::new(Mutex::new(None));
    let mut client_in = client.try_clone().expect("clone");
    let mut server_out = server.try_clone().expect("clone");
    let (uplink_remaining, budgets, requests) = (
        Arc::clone(&remaining),
        Arc::clone(budgets),
        Arc::clone(requests),
    );
    let uplink = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            let n = match client_in.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if text.contains("/events/stream") {
                let budget = budgets.lock().expect("lock").pop_front();
                *uplink_remaining.lock().expect("lock") = Some(budget.unwrap_or(usize::MAX));
                requests.lock().expect("lock").push(text);
            }
            if server_out.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = server_out.shutdown(Shutdown::Write);
    });
    let mut buf = [0u8; 8192];
    loop {
        let n = match server.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let (allowed, cut) = match remaining.lock().expect("lock").as_mut() {
            Some(left) => {
                let allowed = n.min(*left);
                *left -= allowed;
                (allowed, *left == 0)
            }
            None => (n, false),
        };
        if client.write_all(&buf[..allowed]).is_err() || cut {
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
    let _ = uplink.join();
}

/// `(lane, sequence)` of an event; run-level events have lane `run`.
fn key(event: &Value) -> (String, i64) {
    (
        event["run_agent_id"].as_str().unwrap_or("run").to_owned(),
        event["sequence"].as_i64().expect("sequence"),
    )
}

#[test]
fn a_follower_whose_stream_is_cut_mid_run_prints_every_event_exactly_once_in_order() {
    let live = Stack::start();
    live.ok(&[
        "challenge-pack",
        "publish",
        &stack::example("packs/unit-conversion.yaml"),
    ]);
    live.agent_parts();
    // Slow model calls: the run lasts seconds, so the cuts fall mid-run.
    let slow = live.file(
        "slow.json",
        r#"{"scripted": {"default": {"text": "42.16", "latency_ms": 300}}}"#,
    );
    live.deployment("slow-a", &slow);
    live.deployment("slow-b", &slow);
    let upstream = live.api.base.trim_start_matches("http://").to_owned();
    let proxy = CuttingProxy::start(upstream, vec![4000, 5000, 6000]);
    let out = live.cli_at(
        &proxy.url,
        &[
            "eval",
            "start",
            "--pack",
            "unit-conversion",
            "--deployment",
            "slow-a",
            "--deployment",
            "slow-b",
            "--follow",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("NDJSON"))
        .collect();
    let (end, events) = lines.split_last().expect("an end line");
    let run_id = end["end"]["run"]["id"].as_str().expect("run id").to_owned();
    assert_eq!(end["end"]["run"]["status"], "completed");
    assert!(end["end"]["ranking"]["entries"].is_array(), "{end}");

    // Every stored event, by lane in sequence order (read directly).
    let stored: Value =
        serde_json::from_str(&live.ok(&["run", "events", &run_id, "--json", "--limit", "1000"]))
            .expect("JSON");
    let stored = stored["items"].as_array().expect("items").clone();
    assert!(stored.len() > 20, "a run of some length: {}", stored.len());
    let by_lane = |events: &[Value]| {
        let mut lanes: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
        for event in events {
            let (lane, sequence) = key(event);
            lanes
                .entry(lane)
                .or_default()
                .push((sequence, event["event_id"].as_str().expect("id").to_owned()));
        }
        lanes
    };
    let followed = by_lane(events);
    assert_eq!(
        followed,
        by_lane(&stored),
        "same events, same order per lane"
    );
    for (lane, sequences) in &followed {
        let expected: Vec<i64> = (0..sequences.len() as i64).collect();
        let got: Vec<i64> = sequences.iter().map(|(s, _)| *s).collect();
        assert_eq!(got, expected, "lane {lane}: gap-free, no repeat");
    }

    // The cuts happened and every reconnection resumed where it stopped.
    let requests = proxy.stream_requests();
    assert_eq!(
        requests.len(),
        4,
        "three cut connections, then one to the end"
    );
    assert!(
        !requests[0].to_ascii_lowercase().contains("last-event-id"),
        "{}",
        requests[0]
    );
    for request in &requests[1..] {
        assert!(
            request.to_ascii_lowercase().contains("last-event-id: "),
            "a reconnection resumes: {request}"
        );
    }
    assert_eq!(
        stderr(&out).matches("event stream interrupted").count(),
        3,
        "{}",
        stderr(&out)
    );
}
