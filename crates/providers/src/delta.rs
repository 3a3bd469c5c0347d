//! Where streamed output goes while a call is in progress.

use std::time::Duration;

use tokio::time::Instant;

/// Receives streamed text as it arrives (the worker records it as
/// `model.output.delta` events).
///
/// A streamed call that fails part-way is retried as a whole: the sink may
/// already have seen text of the failed attempt. Before the retry starts the
/// router calls [`DeltaSink::on_restart`] (before every retry, streamed or
/// not), so the caller can mark or drop what it received so far; deltas after
/// it belong to the new attempt.
pub trait DeltaSink: Send {
    /// A chunk of output text, in order.
    fn on_text_delta(&mut self, text: &str);

    /// The attempt that produced the earlier deltas failed and a new attempt
    /// (number `attempt`, 2 or more) starts now.
    fn on_restart(&mut self, attempt: u32) {
        let _ = attempt;
    }
}

/// A sink that ignores everything, for non-streamed callers and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDeltas;

impl DeltaSink for NoDeltas {
    fn on_text_delta(&mut self, _text: &str) {}
}

/// Forwards one attempt's deltas to the caller's sink (streamed calls only)
/// and notes when the first content (text or tool call) arrived.
pub(crate) struct Emitter<'a> {
    sink: &'a mut dyn DeltaSink,
    forward: bool,
    started: Instant,
    first_content: Option<Duration>,
}

impl<'a> Emitter<'a> {
    /// Starts timing now; text reaches `sink` only when `forward` is set.
    pub(crate) fn new(sink: &'a mut dyn DeltaSink, forward: bool) -> Self {
        Self {
            sink,
            forward,
            started: Instant::now(),
            first_content: None,
        }
    }

    /// A text chunk; empty chunks are dropped.
    pub(crate) fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.content();
        if self.forward {
            self.sink.on_text_delta(text);
        }
    }

    /// Non-text content (e.g. the start of a tool call) arrived.
    pub(crate) fn content(&mut self) {
        if self.first_content.is_none() {
            self.first_content = Some(self.started.elapsed());
        }
    }

    /// Time to first content, if any arrived.
    pub(crate) fn time_to_first_token(&self) -> Option<Duration> {
        self.first_content
    }
}
