//! A minimal server-sent-events decoder: bytes in, `(event, data)` pairs out.
//! Only what the providers use: `event:` and `data:` fields, comments,
//! `\n` or `\r\n` line ends, chunks split anywhere.

use crate::error::ProviderError;

/// Longest line accepted before the stream is declared malformed.
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field, if any.
    pub(crate) event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub(crate) data: String,
}

/// Incremental decoder state.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    pending: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    /// Feeds a chunk; returns the events completed by it.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, ProviderError> {
        self.pending.extend_from_slice(chunk);
        let mut events = Vec::new();
        let mut consumed = 0;
        while let Some(pos) = self.pending[consumed..].iter().position(|b| *b == b'\n') {
            let end = consumed + pos;
            let line = self.pending[consumed..end]
                .strip_suffix(b"\r")
                .unwrap_or(&self.pending[consumed..end]);
            let line = std::str::from_utf8(line)
                .map_err(|e| ProviderError::malformed(format!("event stream is not UTF-8: {e}")))?
                .to_owned();
            consumed = end + 1;
            if let Some(event) = self.line(&line) {
                events.push(event);
            }
        }
        self.pending.drain(..consumed);
        if self.pending.len() > MAX_LINE_BYTES {
            return Err(ProviderError::malformed("event stream line too long"));
        }
        Ok(events)
    }

    /// End of input: an event whose lines all arrived but whose closing
    /// blank line did not is still delivered; a partial line is dropped.
    pub(crate) fn finish(&mut self) -> Option<SseEvent> {
        self.dispatch()
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        self.data.take().map(|data| SseEvent { event, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut parser = SseParser::default();
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(parser.push(chunk).expect("valid stream"));
        }
        out.extend(parser.finish());
        out
    }

    #[test]
    fn events_split_across_chunks_are_reassembled() {
        let events = feed(&[
            b"event: a\nda",
            b"ta: {\"x\":",
            b"1}\r\n\r",
            b"\n: comment\ndata: second\n\n",
        ]);
        assert_eq!(
            events,
            vec![
                SseEvent {
                    event: Some("a".into()),
                    data: "{\"x\":1}".into()
                },
                SseEvent {
                    event: None,
                    data: "second".into()
                },
            ]
        );
    }

    #[test]
    fn multi_line_data_is_joined_and_empty_events_are_skipped() {
        let events = feed(&[b"event: ping\n\ndata: one\ndata:two\n\n"]);
        assert_eq!(
            events,
            vec![SseEvent {
                event: None,
                data: "one\ntwo".into()
            }]
        );
    }

    #[test]
    fn complete_lines_without_final_blank_line_are_delivered_partial_lines_are_not() {
        assert_eq!(feed(&[b"data: [DONE]\n"]).len(), 1);
        assert!(feed(&[b"data: {\"trunc"]).is_empty());
    }

    #[test]
    fn invalid_utf8_is_malformed() {
        let mut parser = SseParser::default();
        let err = parser.push(b"data: \xff\n\n").expect_err("not UTF-8");
        assert_eq!(err.class, crate::ErrorClass::Unavailable);
    }
}
