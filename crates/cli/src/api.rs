//! A small typed client for the AgentClash API (the CLI never talks to
//! Postgres). Errors become [`Failure`]s with the product's exit codes.

use std::error::Error as _;
use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};

use crate::exit::{self, fail};

/// Longest a server-sent event stream may stay open (a run's lifetime is
/// bounded by its own timeouts long before this).
const STREAM_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// A run as the API returns it. Unknown fields are kept so `--json` shows
/// everything the server sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    /// The run's id.
    pub id: String,
    /// Its lifecycle status (queued, running, ..., completed, failed, cancelled).
    pub status: String,
    /// Every other field.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

impl Run {
    /// Whether the run can no longer change.
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "failed" | "cancelled")
    }

    /// The run's lanes (`agents`), in lane order.
    pub fn lanes(&self) -> Vec<serde_json::Value> {
        let mut lanes = self
            .rest
            .get("agents")
            .and_then(serde_json::Value::as_array)
            .cloned()
            .unwrap_or_default();
        lanes.sort_by_key(|l| l["lane_index"].as_i64());
        lanes
    }

    /// The label of the lane with this run agent id, or the id itself.
    pub fn lane_label(&self, run_agent_id: &str) -> String {
        self.lanes()
            .iter()
            .find(|l| l["id"].as_str() == Some(run_agent_id))
            .and_then(|l| l["label"].as_str())
            .unwrap_or(run_agent_id)
            .to_owned()
    }
}

/// The API's error envelope: `{"error":{"code","message"}}`.
#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    message: String,
}

/// Talks to one API base URL.
#[derive(Debug)]
pub struct ApiClient {
    base: Url,
    http: reqwest::Client,
}

impl ApiClient {
    /// A client for `base` (e.g. `http://localhost:8080`). Proxies from the
    /// environment are not used for a loopback API.
    pub fn new(base: &str, token: Option<&str>) -> anyhow::Result<Self> {
        let base = Url::parse(base)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                fail(
                    exit::VALIDATION,
                    format!("invalid API URL `{base}`; expected http(s)://host[:port]"),
                )
            })?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30));
        if is_loopback(&base) {
            builder = builder.no_proxy();
        }
        if let Some(token) = token {
            let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| fail(exit::AUTH, "the API token contains invalid characters"))?;
            value.set_sensitive(true);
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(reqwest::header::AUTHORIZATION, value);
            builder = builder.default_headers(headers);
        }
        Ok(Self {
            base,
            http: builder.build()?,
        })
    }

    /// `GET /v1/workspaces/{workspace}/runs/{id}`.
    pub async fn get_run(&self, workspace: &str, id: &str) -> anyhow::Result<Run> {
        let url = self.segments(&["v1", "workspaces", workspace, "runs", id])?;
        self.send(self.http.get(url)).await
    }

    /// `GET` a JSON document.
    pub async fn get(&self, segments: &[&str]) -> anyhow::Result<serde_json::Value> {
        self.send(self.http.get(self.segments(segments)?)).await
    }

    /// `GET` a JSON document with query parameters (pairs whose value is
    /// `None` are left out).
    pub async fn get_query(
        &self,
        segments: &[&str],
        query: &[(&str, Option<String>)],
    ) -> anyhow::Result<serde_json::Value> {
        let mut url = self.segments(segments)?;
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                if let Some(value) = value {
                    pairs.append_pair(name, value);
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        self.send(self.http.get(url)).await
    }

    /// `GET` a text document (e.g. NDJSON) as it was sent.
    pub async fn get_text(&self, segments: &[&str]) -> anyhow::Result<String> {
        let (_, body) = self
            .exchange_ok(self.http.get(self.segments(segments)?))
            .await?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// Opens a server-sent event stream, resuming after `last_event_id`.
    /// The client's 30 s request timeout does not apply: a stream lives as
    /// long as its run, and the caller watches for silence itself.
    pub async fn open_stream(
        &self,
        segments: &[&str],
        last_event_id: Option<&str>,
    ) -> anyhow::Result<reqwest::Response> {
        let mut request = self
            .http
            .get(self.segments(segments)?)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .timeout(STREAM_LIFETIME);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.map_err(|e| self.transport_error(&e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(self.failure(response).await)
    }

    /// Turns a failed read of a response body into a retryable failure.
    pub fn body_error(&self, err: &reqwest::Error) -> anyhow::Error {
        self.transport_error(err)
    }

    /// `POST` JSON, returning the JSON answer.
    pub async fn post(
        &self,
        segments: &[&str],
        body: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        self.send(self.http.post(self.segments(segments)?).json(body))
            .await
    }

    /// `POST` JSON; the answer has no body.
    pub async fn post_empty(
        &self,
        segments: &[&str],
        body: &serde_json::Value,
    ) -> anyhow::Result<()> {
        self.send_no_content(self.http.post(self.segments(segments)?).json(body))
            .await
    }

    /// `POST` JSON and return the status with the JSON body, error or not
    /// (for protocols like the device flow that speak through error codes).
    pub async fn post_status(
        &self,
        segments: &[&str],
        body: &serde_json::Value,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        self.with_status(self.http.post(self.segments(segments)?).json(body))
            .await
    }

    /// `GET` and return the status with the JSON body, error or not (for
    /// checks that read why something failed, like `/healthz/ready`).
    pub async fn get_status(&self, segments: &[&str]) -> anyhow::Result<(u16, serde_json::Value)> {
        self.with_status(self.http.get(self.segments(segments)?))
            .await
    }

    async fn with_status(
        &self,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let (status, bytes) = self.exchange(request).await?;
        let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Ok((status.as_u16(), value))
    }

    /// `PUT` JSON, returning the JSON answer.
    pub async fn put_json(
        &self,
        segments: &[&str],
        body: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        self.send(self.http.put(self.segments(segments)?).json(body))
            .await
    }

    /// `PUT` JSON; the answer has no body.
    pub async fn put(&self, segments: &[&str], body: &serde_json::Value) -> anyhow::Result<()> {
        self.send_no_content(self.http.put(self.segments(segments)?).json(body))
            .await
    }

    /// `DELETE`; the answer has no body.
    pub async fn delete(&self, segments: &[&str]) -> anyhow::Result<()> {
        self.send_no_content(self.http.delete(self.segments(segments)?))
            .await
    }

    async fn send_no_content(&self, request: reqwest::RequestBuilder) -> anyhow::Result<()> {
        let response = request.send().await.map_err(|e| self.transport_error(&e))?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(self.failure(response).await)
    }

    /// Sends `request` and reads the whole answer, whatever its status
    /// (a transport failure is retryable).
    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<(StatusCode, Vec<u8>)> {
        let response = request.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        Ok((status, body.into()))
    }

    /// Like [`Self::exchange`], but an unsuccessful status is the API's error.
    async fn exchange_ok(
        &self,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<(StatusCode, Vec<u8>)> {
        let (status, body) = self.exchange(request).await?;
        if !status.is_success() {
            return Err(api_error(status, &body));
        }
        Ok((status, body))
    }

    /// The API's error for an unsuccessful `response`, read from its body.
    async fn failure(&self, response: reqwest::Response) -> anyhow::Error {
        let status = response.status();
        match response.bytes().await {
            Ok(body) => api_error(status, &body),
            Err(e) => self.transport_error(&e),
        }
    }

    /// The base URL plus percent-encoded path segments.
    fn segments(&self, segments: &[&str]) -> anyhow::Result<Url> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| fail(exit::VALIDATION, "the API URL cannot have a path"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    #[cfg(test)]
    fn url(&self, path: &str) -> anyhow::Result<Url> {
        let joined = format!("{}{path}", self.base.as_str().trim_end_matches('/'));
        Url::parse(&joined)
            .map_err(|e| fail(exit::VALIDATION, format!("invalid API URL {joined}: {e}")))
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<T> {
        let (status, body) = self.exchange_ok(request).await?;
        serde_json::from_slice(&body).map_err(|e| {
            fail(
                exit::ERROR,
                format!("unexpected response from the API ({status}): {e}"),
            )
        })
    }

    fn transport_error(&self, err: &reqwest::Error) -> anyhow::Error {
        let mut cause = err.to_string();
        let mut source = err.source();
        while let Some(s) = source {
            cause = s.to_string();
            source = s.source();
        }
        let hint = if err.is_connect() {
            "; is the stack running? (`agentclash local up`)"
        } else {
            ""
        };
        fail(
            exit::RETRYABLE,
            format!("cannot reach the API at {}: {cause}{hint}", self.base),
        )
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// Like [`api_error`] for a body already parsed as JSON.
pub fn error_from_body(status: u16, body: &serde_json::Value) -> anyhow::Error {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    api_error(status, body.to_string().as_bytes())
}

/// Turns an error response into a one-line failure with the right exit code.
fn api_error(status: StatusCode, body: &[u8]) -> anyhow::Error {
    let code = match status.as_u16() {
        400 | 422 => exit::VALIDATION,
        401 | 403 => exit::AUTH,
        404 => exit::NOT_FOUND,
        429 | 502..=504 => exit::RETRYABLE,
        _ => exit::ERROR,
    };
    let message = match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(env) => env.error.message,
        Err(_) => format!("the API answered {status}"),
    };
    fail(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_envelopes_become_messages_and_exit_codes() {
        let err = api_error(
            StatusCode::NOT_FOUND,
            br#"{"error":{"code":"not_found","message":"run 7 does not exist"}}"#,
        );
        assert_eq!(err.to_string(), "run 7 does not exist");
        assert_eq!(exit::code_of(&err), exit::NOT_FOUND);
        let err = api_error(StatusCode::BAD_GATEWAY, b"<html>");
        assert_eq!(err.to_string(), "the API answered 502 Bad Gateway");
        assert_eq!(exit::code_of(&err), exit::RETRYABLE);
    }

    #[test]
    fn runs_keep_unknown_fields_and_know_when_they_are_done() {
        let run: Run =
            serde_json::from_str(r#"{"id":"r1","status":"failed","name":"x","lanes":3}"#)
                .expect("run");
        assert!(run.is_terminal());
        assert_eq!(serde_json::to_value(&run).expect("json")["lanes"], 3);
    }

    #[test]
    fn urls_are_validated_and_joined() {
        assert!(ApiClient::new("localhost:8080", None).is_err());
        let client = ApiClient::new("http://127.0.0.1:1", None).expect("client");
        assert_eq!(
            client
                .segments(&["v1", "workspaces", "a b", "runs"])
                .expect("url")
                .as_str(),
            "http://127.0.0.1:1/v1/workspaces/a%20b/runs"
        );
        let client = ApiClient::new("http://127.0.0.1:1/", None).expect("client");
        assert_eq!(
            client.url("/v1/runs").expect("url").as_str(),
            "http://127.0.0.1:1/v1/runs"
        );
        assert!(is_loopback(&client.base));
        assert!(!is_loopback(
            &Url::parse("http://example.com").expect("url")
        ));
    }
}
