//! A small reader of server-sent events for tests and benchmarks.

/// One server-sent event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sse {
    /// `id:` field.
    pub id: Option<String>,
    /// `event:` field (`message` when absent).
    pub event: String,
    /// `data:` lines joined.
    pub data: String,
}

/// Reads server-sent events from a streaming response.
pub struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    /// Reads `response`'s body as an event stream.
    pub fn new(response: reqwest::Response) -> Self {
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (comments and keep-alives skipped); `None` at the end
    /// of the stream.
    pub async fn next(&mut self) -> Option<Sse> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let mut event = Sse {
                    event: "message".into(),
                    ..Sse::default()
                };
                let mut data = Vec::new();
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        event.id = Some(v.trim_start().to_owned());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event.event = v.trim_start().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
                    }
                }
                if data.is_empty() && event.id.is_none() {
                    continue; // a comment (keep-alive)
                }
                event.data = data.join("\n");
                return Some(event);
            }
            match self.response.chunk().await.ok()? {
                Some(bytes) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                None => return None,
            }
        }
    }
}
