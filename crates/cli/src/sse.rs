//! A parser of server-sent events (the `text/event-stream` format of the
//! WHATWG HTML standard), fed with the body's chunks as they arrive.
//!
//! Written here rather than taken from a crate: the CLI needs only `id`,
//! `event` and `data`, and a frame is emitted only once its terminating
//! blank line has arrived, so a connection cut in the middle of an event
//! never yields half of it (the follower then resumes after the last whole
//! event it saw).

/// One dispatched event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    /// The `id:` field, when the event had one.
    pub id: Option<String>,
    /// The `event:` field (`message` when absent).
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Accumulates bytes and hands back the complete events among them.
#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes of the line not yet terminated.
    partial: Vec<u8>,
    /// Fields of the event being read.
    id: Option<String>,
    event: Option<String>,
    data: Vec<String>,
}

impl Parser {
    /// Feeds a chunk; returns the events it completed, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Frame> {
        let mut frames = Vec::new();
        for &byte in chunk {
            if byte != b'\n' {
                self.partial.push(byte);
                continue;
            }
            let mut line = std::mem::take(&mut self.partial);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if let Some(frame) = self.line(&String::from_utf8_lossy(&line)) {
                frames.push(frame);
            }
        }
        frames
    }

    /// Handles one line; a blank line dispatches the event read so far.
    fn line(&mut self, line: &str) -> Option<Frame> {
        if line.is_empty() {
            let data = std::mem::take(&mut self.data);
            let event = self.event.take();
            let id = self.id.take();
            if data.is_empty() && event.is_none() {
                return None; // nothing but comments or an id: no event
            }
            return Some(Frame {
                id,
                event: event.unwrap_or_else(|| "message".to_owned()),
                data: data.join("\n"),
            });
        }
        if line.starts_with(':') {
            return None; // a comment, e.g. a keep-alive
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => self.id = Some(value.to_owned()),
            "event" => self.event = Some(value.to_owned()),
            "data" => self.data.push(value.to_owned()),
            _ => {} // `retry` and unknown fields are ignored
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_emitted_only_when_complete_whatever_the_chunking() {
        let stream = b": keep-alive\n\nid: p1\nevent: run_event\ndata: {\"a\":1}\n\r\nevent: end\ndata: x\ndata: y\n\n";
        let expected = vec![
            Frame {
                id: Some("p1".into()),
                event: "run_event".into(),
                data: "{\"a\":1}".into(),
            },
            Frame {
                id: None,
                event: "end".into(),
                data: "x\ny".into(),
            },
        ];
        for size in 1..stream.len() {
            let mut parser = Parser::default();
            let frames: Vec<Frame> = stream.chunks(size).flat_map(|c| parser.push(c)).collect();
            assert_eq!(frames, expected, "chunks of {size}");
        }
    }

    #[test]
    fn a_cut_event_is_never_emitted() {
        let mut parser = Parser::default();
        assert!(
            parser
                .push(b"id: p1\nevent: run_event\ndata: {\"half")
                .is_empty()
        );
        let mut fresh = Parser::default();
        let frames = fresh.push(b"data:no space\nunknown: x\nretry: 5\n\n");
        assert_eq!(frames.len(), 1);
        assert_eq!(
            (frames[0].event.as_str(), frames[0].data.as_str()),
            ("message", "no space")
        );
    }
}
