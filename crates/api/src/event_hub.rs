//! Live fanout of run events inside one API process: one listener per
//! process — a Postgres `LISTEN` connection, or a Redis pub/sub
//! subscription when the store was built with `REDIS_URL` — waking the
//! streams of the run an announcement names. Every API replica listens, so
//! every replica streams every event; streams re-read from the database on
//! each wake-up, so a lost wake-up only delays, never drops, an event, and
//! after a reconnect every stream is woken.

use agentclash_store::Store;
use agentclash_store::events::{Heard, RunEventListener};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use uuid::Uuid;

/// Streams one API process serves at once by default.
pub const DEFAULT_MAX_STREAMS: usize = 256;

/// Per-run wake-ups, fed by the process's listener task.
pub struct EventHub {
    store: Store,
    runs: Mutex<HashMap<Uuid, watch::Sender<u64>>>,
    started: std::sync::Once,
    streams: Arc<Semaphore>,
}

impl EventHub {
    /// A hub over `store`'s database allowing `max_streams` live streams.
    pub fn new(store: Store, max_streams: usize) -> Arc<Self> {
        Arc::new(Self {
            store,
            runs: Mutex::new(HashMap::new()),
            started: std::sync::Once::new(),
            streams: Arc::new(Semaphore::new(max_streams)),
        })
    }

    /// A slot for one stream, or `None` when the process serves its maximum.
    pub fn admit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.streams.clone().try_acquire_owned().ok()
    }

    /// Wake-ups for `run`: the value changes after every announced commit.
    pub fn subscribe(self: &Arc<Self>, run: Uuid) -> watch::Receiver<u64> {
        let hub = self.clone();
        self.started.call_once(|| {
            tokio::spawn(async move { hub.listen().await });
        });
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.retain(|_, tx| tx.receiver_count() > 0);
        runs.entry(run)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    fn wake(&self, run: Option<Uuid>) {
        let runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        match run {
            Some(id) => {
                if let Some(tx) = runs.get(&id) {
                    tx.send_modify(|n| *n += 1);
                }
            }
            // After a reconnect anything may have been missed: wake everyone.
            None => runs.values().for_each(|tx| tx.send_modify(|n| *n += 1)),
        }
    }

    /// The listener loop: reconnects with backoff for as long as the process runs.
    async fn listen(self: Arc<Self>) {
        let mut backoff = Duration::from_millis(100);
        loop {
            match RunEventListener::connect(&self.store).await {
                Ok(mut listener) => {
                    backoff = Duration::from_millis(100);
                    self.wake(None);
                    loop {
                        match listener.next().await {
                            Ok(Heard::Run(run)) => self.wake(Some(run.0)),
                            Ok(Heard::Lost) => self.wake(None),
                            Err(e) => {
                                tracing::warn!(error = %e, "event listener failed");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "event listener cannot connect"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
}
