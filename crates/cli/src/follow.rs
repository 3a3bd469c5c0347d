//! Following a run live: reads the API's server-sent event stream
//! (`…/runs/{id}/events/stream`) and hands each event to the caller, in the
//! order the server sends it, until the stream's `end` event.
//!
//! A dropped connection, a silent one (no byte, not even the 15 s
//! heartbeat, for [`IDLE`]) or an unreachable API is retried with an
//! exponential backoff, sending the id of the last whole event seen as
//! `Last-Event-ID`, so the server resumes right after it: every event is
//! handed over exactly once. A half-received event is never handed over
//! (see [`crate::sse`]).

use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;

use crate::api::{ApiClient, Run};
use crate::exit::{self, fail};
use crate::sse;

/// Silence after which a stream is taken for dead (three missed heartbeats).
const IDLE: Duration = Duration::from_secs(45);
/// First reconnection delay; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Longest reconnection delay.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Reconnections in a row without a new event before giving up (about 80 s).
const MAX_ATTEMPTS: u32 = 20;

/// Reconnection delays: 250 ms, 500 ms, 1 s, … 5 s; reset by progress.
#[derive(Debug, Default)]
struct Backoff {
    attempts: u32,
}

impl Backoff {
    /// The delay before the next attempt, or `None` once it is time to give up.
    fn next(&mut self) -> Option<Duration> {
        if self.attempts >= MAX_ATTEMPTS {
            return None;
        }
        let delay = FIRST_BACKOFF
            .saturating_mul(1 << self.attempts.min(8))
            .min(MAX_BACKOFF);
        self.attempts += 1;
        Some(delay)
    }

    fn reset(&mut self) {
        self.attempts = 0;
    }
}

/// How reading one connection ended.
enum Read {
    /// The server said the run is over, with its final status.
    Ended(String),
    /// The connection broke or went silent; why, for the message.
    Cut(String),
}

/// Streams every event of run `run_id` (stored ones first, then live ones)
/// to `on_event` and returns the run's final status. Reconnects as
/// described in the module documentation; fails with exit code 75 when
/// the API stays unreachable, or with the API's error (404, 401, …).
pub async fn stream<F>(
    client: &ApiClient,
    ws: &str,
    run_id: &str,
    mut on_event: F,
) -> anyhow::Result<String>
where
    F: FnMut(&Value) -> anyhow::Result<()>,
{
    let path = ["v1", "workspaces", ws, "runs", run_id, "events", "stream"];
    let mut last_id: Option<String> = None;
    let mut backoff = Backoff::default();
    loop {
        let cut = match client.open_stream(&path, last_id.as_deref()).await {
            Ok(response) => {
                match read(client, response, &mut last_id, &mut on_event, &mut backoff).await? {
                    Read::Ended(status) => return Ok(status),
                    Read::Cut(why) => why,
                }
            }
            Err(err) if exit::code_of(&err) == exit::RETRYABLE => err.to_string(),
            Err(err) => return Err(err),
        };
        let delay = backoff.next().ok_or_else(|| {
            fail(
                exit::RETRYABLE,
                format!("lost the event stream of run {run_id} and could not resume it: {cut}"),
            )
        })?;
        eprintln!(
            "event stream interrupted ({cut}); resuming in {} ms",
            delay.as_millis()
        );
        tokio::time::sleep(delay).await;
    }
}

/// Reads one connection until the run ends or the connection is lost.
async fn read<F>(
    client: &ApiClient,
    mut response: reqwest::Response,
    last_id: &mut Option<String>,
    on_event: &mut F,
    backoff: &mut Backoff,
) -> anyhow::Result<Read>
where
    F: FnMut(&Value) -> anyhow::Result<()>,
{
    let mut parser = sse::Parser::default();
    loop {
        let chunk = match tokio::time::timeout(IDLE, response.chunk()).await {
            Err(_) => {
                return Ok(Read::Cut(format!(
                    "nothing received for {} s",
                    IDLE.as_secs()
                )));
            }
            Ok(Err(e)) => return Ok(Read::Cut(client.body_error(&e).to_string())),
            Ok(Ok(None)) => return Ok(Read::Cut("the server closed the stream".to_owned())),
            Ok(Ok(Some(bytes))) => bytes,
        };
        for frame in parser.push(&chunk) {
            match frame.event.as_str() {
                "run_event" => {
                    let event: Value = serde_json::from_str(&frame.data).map_err(|e| {
                        fail(
                            exit::ERROR,
                            format!("the API sent an unreadable event: {e}"),
                        )
                    })?;
                    on_event(&event)?;
                    if frame.id.is_some() {
                        *last_id = frame.id;
                    }
                    backoff.reset();
                }
                "end" => {
                    let end: Value = serde_json::from_str(&frame.data).unwrap_or(Value::Null);
                    let status = end["status"].as_str().unwrap_or("unknown").to_owned();
                    return Ok(Read::Ended(status));
                }
                "error" => {
                    return Ok(Read::Cut(format!("the server reported: {}", frame.data)));
                }
                _ => {}
            }
        }
    }
}

/// Waits until run `run_id` is completed, failed or cancelled and returns
/// it. Follows the live stream (no polling loop), reconnecting as needed;
/// fails after `limit` when one is given. For every command that needs a
/// finished run (`eval start --follow`, `ci run`, …).
pub async fn until_terminal(
    client: &ApiClient,
    ws: &str,
    run_id: &str,
    limit: Option<Duration>,
) -> anyhow::Result<Run> {
    let wait = stream(client, ws, run_id, |_| Ok(()));
    match limit {
        None => wait.await?,
        Some(limit) => tokio::time::timeout(limit, wait).await.map_err(|_| {
            fail(
                exit::ERROR,
                format!("run {run_id} did not finish within {} s", limit.as_secs()),
            )
        })??,
    };
    client.get_run(ws, run_id).await
}

/// Which events to show and how.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this lane (run agent id).
    pub lane: Option<String>,
    /// Only types starting with this.
    pub type_prefix: Option<String>,
}

impl Filter {
    /// Whether `event` passes.
    pub fn accepts(&self, event: &Value) -> bool {
        self.lane
            .as_deref()
            .is_none_or(|lane| event["run_agent_id"].as_str() == Some(lane))
            && self
                .type_prefix
                .as_deref()
                .is_none_or(|p| event["type"].as_str().is_some_and(|t| t.starts_with(p)))
    }
}

/// Where human-readable event lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Human {
    /// Standard output: the events are what the command was asked for.
    Stdout,
    /// Standard error: the events are progress on the way to a result.
    Stderr,
}

/// How [`print_events`] shows events.
#[derive(Debug, Clone)]
pub struct Printer {
    /// Which events.
    pub filter: Filter,
    /// Each event as one JSON line on stdout (NDJSON, every field the API
    /// sent) instead of text.
    pub json: bool,
    /// Where text lines go.
    pub human: Human,
    /// The text line of an event (`None` leaves it out).
    pub line: fn(&Run, &Value) -> Option<String>,
}

/// Follows run `run` printing its events as `printer` says; returns the
/// final status.
pub async fn print_events(
    client: &ApiClient,
    ws: &str,
    run: &Run,
    printer: &Printer,
) -> anyhow::Result<String> {
    stream(client, ws, &run.id, |event| {
        if !printer.filter.accepts(event) {
            return Ok(());
        }
        if printer.json {
            out!("{}", serde_json::to_string(event)?);
        } else if let Some(line) = (printer.line)(run, event) {
            match printer.human {
                Human::Stdout => out!("{line}"),
                Human::Stderr => eprintln!("{line}"),
            }
        }
        Ok(())
    })
    .await
}

/// One event as a short line: `HH:MM:SS lane [case] type: summary`.
/// Streamed model text (`model.output.delta`) is left out: the completed
/// call says what it produced.
pub fn compact(run: &Run, event: &Value) -> Option<String> {
    let kind = event["type"].as_str().unwrap_or("?");
    if kind == "model.output.delta" {
        return None;
    }
    let time = event["occurred_at"]
        .as_str()
        .and_then(|t| t.get(11..19))
        .unwrap_or("--:--:--");
    let lane = event["run_agent_id"]
        .as_str()
        .map_or_else(|| "run".to_owned(), |id| run.lane_label(id));
    let mut line = format!("{time} {lane}");
    // Lane-level events (lifecycle) have an empty case key.
    if let Some(case) = event["case_key"].as_str().filter(|c| !c.is_empty()) {
        line.push_str(&format!(" [{case}]"));
    }
    line.push_str(&format!(" {kind}"));
    if let Some(summary) = event["summary"].as_str() {
        line.push_str(&format!(": {summary}"));
    }
    Some(line)
}

/// The exit code of a followed run: 0 when it completed, 1 otherwise.
pub fn exit_for(status: &str) -> ExitCode {
    if status == "completed" {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn backoff_doubles_to_a_ceiling_gives_up_and_resets() {
        let mut backoff = Backoff::default();
        let delays: Vec<u128> = (0..6)
            .map(|_| backoff.next().expect("delay").as_millis())
            .collect();
        assert_eq!(delays, [250, 500, 1000, 2000, 4000, 5000]);
        while backoff.next().is_some() {}
        assert_eq!(backoff.attempts, MAX_ATTEMPTS);
        backoff.reset();
        assert_eq!(backoff.next(), Some(FIRST_BACKOFF));
    }

    #[test]
    fn compact_lines_name_the_lane_and_case_and_skip_deltas() {
        let run: Run = serde_json::from_value(json!({
            "id": "r", "status": "running",
            "agents": [{"id": "a1", "lane_index": 0, "label": "correct"}]
        }))
        .expect("run");
        let event = json!({
            "run_agent_id": "a1", "type": "tool.call.completed", "case_key": "c1",
            "occurred_at": "2026-01-02T03:04:05.678Z", "summary": "step 2: write_file"
        });
        assert_eq!(
            compact(&run, &event).as_deref(),
            Some("03:04:05 correct [c1] tool.call.completed: step 2: write_file")
        );
        let run_level = json!({"type": "system.run.started", "occurred_at": "x"});
        assert_eq!(
            compact(&run, &run_level).as_deref(),
            Some("--:--:-- run system.run.started")
        );
        assert_eq!(compact(&run, &json!({"type": "model.output.delta"})), None);
        let lane_level = json!({
            "run_agent_id": "a1", "type": "system.lane.status", "case_key": "",
            "occurred_at": "2026-01-02T03:04:05.678Z", "summary": "lane completed"
        });
        assert_eq!(
            compact(&run, &lane_level).as_deref(),
            Some("03:04:05 correct system.lane.status: lane completed")
        );
    }

    #[test]
    fn filters_match_lane_and_type_prefix() {
        let filter = Filter {
            lane: Some("a1".into()),
            type_prefix: Some("tool.".into()),
        };
        assert!(filter.accepts(&json!({"run_agent_id": "a1", "type": "tool.call.started"})));
        assert!(!filter.accepts(&json!({"run_agent_id": "a2", "type": "tool.call.started"})));
        assert!(!filter.accepts(&json!({"run_agent_id": "a1", "type": "model.call.started"})));
        assert!(Filter::default().accepts(&json!({})));
    }
}
