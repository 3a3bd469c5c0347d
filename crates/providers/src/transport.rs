//! One HTTP attempt: send the adapter's request, classify failures, and read
//! the answer whole or as a server-sent-event stream.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;

use crate::adapters::{Completion, WireAdapter, WireRequest, error_body_message};
use crate::delta::Emitter;
use crate::error::{ErrorClass, ProviderError, class_for_status};
use crate::retry::RetryPolicy;
use crate::sse::SseParser;
use crate::ssrf::{GuardedResolver, SsrfViolation};
use crate::types::ChatRequest;

/// Largest error body read (the rest is ignored).
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Largest non-streamed answer accepted.
const MAX_RESPONSE_BODY: usize = 64 * 1024 * 1024;

/// The two HTTP clients of a router. Neither follows redirects (a redirect
/// could lead a guarded call to an internal address) nor uses a system
/// proxy (it would resolve names outside the guard).
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    guarded: reqwest::Client,
    open: reqwest::Client,
}

impl Clients {
    /// Builds both clients.
    pub(crate) fn new(connect_timeout: Duration) -> Result<Self, reqwest::Error> {
        let builder = || {
            reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(connect_timeout)
        };
        Ok(Self {
            guarded: builder().dns_resolver(Arc::new(GuardedResolver)).build()?,
            open: builder().build()?,
        })
    }

    /// The guarded client unless private networks are allowed (local mode).
    pub(crate) fn pick(&self, allow_private_network: bool) -> &reqwest::Client {
        if allow_private_network {
            &self.open
        } else {
            &self.guarded
        }
    }
}

/// Sends `request` and decodes the answer.
pub(crate) async fn execute(
    client: &reqwest::Client,
    wire: &dyn WireAdapter,
    request: WireRequest,
    req: &ChatRequest,
    stream: bool,
    emit: &mut Emitter<'_>,
    policy: &RetryPolicy,
) -> Result<Completion, ProviderError> {
    let response = client
        .post(request.url)
        .headers(request.headers)
        .json(&request.body)
        .send()
        .await
        .map_err(transport_error)?;
    let status = response.status();
    if !status.is_success() {
        let retry_after = policy.retry_after(response.headers());
        let body = read_limited(response, MAX_ERROR_BODY, true)
            .await
            .unwrap_or_default();
        let message = error_body_message(&body);
        return Err(ProviderError {
            class: class_for_status(status.as_u16(), &message),
            message,
            status: Some(status.as_u16()),
            retry_after,
        });
    }
    let is_event_stream = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/event-stream"));
    if stream && is_event_stream {
        return read_stream(response, wire, req, emit).await;
    }
    // Also the path for servers that ignore `stream: true` and answer JSON.
    let body = read_limited(response, MAX_RESPONSE_BODY, false).await?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ProviderError::malformed(format!("body is not JSON: {e}")))?;
    let completion = wire.parse(value, req)?;
    emit.text(&completion.text);
    Ok(completion)
}

async fn read_stream(
    response: reqwest::Response,
    wire: &dyn WireAdapter,
    req: &ChatRequest,
    emit: &mut Emitter<'_>,
) -> Result<Completion, ProviderError> {
    let mut parser = SseParser::default();
    let mut decoder = wire.stream_decoder(req);
    let mut body = response.bytes_stream();
    let mut finished = false;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| stream_interrupted(&e))?;
        for event in parser.push(&chunk)? {
            if decoder.on_event(event, emit)? {
                finished = true;
                break;
            }
        }
        if finished {
            break;
        }
    }
    if !finished && let Some(event) = parser.finish() {
        decoder.on_event(event, emit)?;
    }
    decoder.finish()
}

/// Reads at most `limit` bytes; with `truncate` extra bytes are dropped,
/// otherwise an oversized body is an error.
async fn read_limited(
    response: reqwest::Response,
    limit: usize,
    truncate: bool,
) -> Result<Vec<u8>, ProviderError> {
    let mut body = response.bytes_stream();
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| stream_interrupted(&e))?;
        let room = limit - out.len();
        if chunk.len() > room {
            if truncate {
                out.extend_from_slice(&chunk[..room]);
                break;
            }
            return Err(ProviderError::malformed(format!(
                "response body larger than {limit} bytes"
            )));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn stream_interrupted(err: &reqwest::Error) -> ProviderError {
    if err.is_timeout() {
        return ProviderError::new(ErrorClass::Timeout, "timed out reading the response");
    }
    ProviderError::unavailable(format!("response interrupted: {}", chain(err)))
}

/// Classifies a failure to get a response: SSRF refusals are request
/// errors, timeouts are timeouts, everything else (DNS, refused or reset
/// connections, TLS) means the provider is unavailable.
fn transport_error(err: reqwest::Error) -> ProviderError {
    let err = err.without_url();
    let mut source: Option<&(dyn StdError + 'static)> = Some(&err);
    while let Some(e) = source {
        if let Some(violation) = e.downcast_ref::<SsrfViolation>() {
            return ProviderError::invalid_request(format!(
                "base URL refused by the SSRF guard: {violation}"
            ));
        }
        source = e.source();
    }
    if err.is_timeout() {
        return ProviderError::new(ErrorClass::Timeout, format!("timed out: {}", chain(&err)));
    }
    ProviderError::unavailable(format!("connection failed: {}", chain(&err)))
}

/// An error and its causes, `: `-separated (reqwest's own message is terse).
fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}
