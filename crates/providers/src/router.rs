//! The entry point: picks the adapter, applies per-account limits, retries
//! transient failures and measures the call.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::adapters::scripted::{self, ScriptedConfig};
use crate::adapters::{Completion, WireAdapter, conversation_chars, estimate_tokens, wire_adapter};
use crate::config::{AccountConfig, CallOptions};
use crate::delta::{DeltaSink, Emitter};
use crate::error::{ErrorClass, ProviderError, redact};
use crate::limits::LimitRegistry;
use crate::retry::RetryPolicy;
use crate::ssrf::check_url;
use crate::transport::{Clients, execute};
use crate::types::{ChatRequest, ChatResponse};

/// Router-wide settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RouterConfig {
    /// Backoff between attempts.
    pub retry: RetryPolicy,
    /// Limit for establishing a connection (part of each attempt's timeout).
    pub connect_timeout: Duration,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// The HTTP client could not be initialised (TLS backend failure).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the provider HTTP client: {0}")]
pub struct RouterBuildError(#[from] reqwest::Error);

/// Calls providers on behalf of the agent loop. Cheap to clone; clones share
/// the HTTP connection pools and the per-account limiters.
#[derive(Debug, Clone)]
pub struct ProviderRouter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    clients: Clients,
    limits: LimitRegistry,
    config: RouterConfig,
}

/// What one call talks to, resolved once before the first attempt.
enum Backend {
    Scripted(ScriptedConfig),
    Http {
        wire: &'static dyn WireAdapter,
        base: Url,
    },
}

impl ProviderRouter {
    /// A router with `config`.
    ///
    /// # Panics
    /// When the TLS backend cannot be initialised, like `reqwest::Client::new`;
    /// use [`ProviderRouter::try_new`] to handle that.
    pub fn new(config: RouterConfig) -> Self {
        match Self::try_new(config) {
            Ok(router) => router,
            Err(e) => panic!("{e}"),
        }
    }

    /// A router with `config`, reporting client initialisation failures.
    pub fn try_new(config: RouterConfig) -> Result<Self, RouterBuildError> {
        Ok(Self {
            inner: Arc::new(Inner {
                clients: Clients::new(config.connect_timeout)?,
                limits: LimitRegistry::default(),
                config,
            }),
        })
    }

    /// Makes one model call: waits for the account's limits, sends, retries
    /// `rate_limit`/`unavailable`/`timeout` failures with backoff (honouring
    /// `Retry-After`) up to `opts.max_attempts`, streams text to `deltas`
    /// when `opts.stream`. A retried streamed call starts over: `deltas`
    /// gets [`DeltaSink::on_restart`] before the new attempt's text.
    pub async fn chat(
        &self,
        account: &AccountConfig,
        req: &ChatRequest,
        opts: &CallOptions,
        deltas: &mut dyn DeltaSink,
    ) -> Result<ChatResponse, ProviderError> {
        let span = tracing::info_span!(
            "provider_call",
            account = %account.id,
            provider = %account.kind,
            model = %req.model,
            stream = opts.stream,
        );
        self.chat_inner(account, req, opts, deltas)
            .instrument(span)
            .await
    }

    async fn chat_inner(
        &self,
        account: &AccountConfig,
        req: &ChatRequest,
        opts: &CallOptions,
        deltas: &mut dyn DeltaSink,
    ) -> Result<ChatResponse, ProviderError> {
        let started = Instant::now();
        let backend = backend(account, opts).inspect_err(|e| {
            tracing::warn!(class = %e.class, error = %e.message, "provider call refused before sending");
        })?;
        let limits = self.inner.limits.for_account(account);
        let tool_chars: usize = req
            .tools
            .iter()
            .map(|t| t.description.len() + t.parameters.to_string().len())
            .sum();
        let estimate = estimate_tokens(conversation_chars(&req.messages) + tool_chars)
            + u64::from(req.max_output_tokens.unwrap_or(0));
        let max_attempts = opts.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            if attempt > 1 {
                deltas.on_restart(attempt);
            }
            let admission = limits.admit(estimate).await;
            let mut emit = Emitter::new(deltas, opts.stream);
            let result = self.attempt(&backend, account, req, opts, &mut emit).await;
            let time_to_first_token = emit.time_to_first_token().filter(|_| opts.stream);
            match result {
                Ok(completion) => {
                    let used = completion.usage.input_tokens + completion.usage.output_tokens;
                    limits.settle(&admission, used).await;
                    tracing::debug!(
                        attempt,
                        input_tokens = completion.usage.input_tokens,
                        output_tokens = completion.usage.output_tokens,
                        "provider call succeeded"
                    );
                    return Ok(response(
                        completion,
                        req,
                        time_to_first_token,
                        started,
                        attempt,
                    ));
                }
                Err(mut err) => {
                    drop(admission);
                    err.message = redact(&err.message, account.api_key.as_deref());
                    if !err.is_retryable() || attempt >= max_attempts {
                        if attempt > 1 {
                            err.message = format!("{} (after {attempt} attempts)", err.message);
                        }
                        tracing::warn!(attempt, class = %err.class, status = err.status, error = %err.message, "provider call failed");
                        return Err(err);
                    }
                    let delay = self.inner.config.retry.delay(attempt, err.retry_after);
                    tracing::info!(attempt, class = %err.class, status = err.status, delay_ms = delay.as_millis() as u64, error = %err.message, "retrying provider call");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt(
        &self,
        backend: &Backend,
        account: &AccountConfig,
        req: &ChatRequest,
        opts: &CallOptions,
        emit: &mut Emitter<'_>,
    ) -> Result<Completion, ProviderError> {
        let call = async {
            match backend {
                Backend::Scripted(config) => scripted::respond(config, req, emit).await,
                Backend::Http { wire, base } => {
                    let request =
                        wire.build(base.clone(), account.api_key.as_deref(), req, opts.stream)?;
                    let client = self.inner.clients.pick(opts.allow_private_network);
                    execute(
                        client,
                        *wire,
                        request,
                        req,
                        opts.stream,
                        emit,
                        &self.inner.config.retry,
                    )
                    .await
                }
            }
        };
        if opts.timeout.is_zero() {
            return call.await;
        }
        tokio::time::timeout(opts.timeout, call)
            .await
            .unwrap_or_else(|_| {
                Err(ProviderError::new(
                    ErrorClass::Timeout,
                    format!("no complete answer within {} ms", opts.timeout.as_millis()),
                ))
            })
    }
}

/// Validates what the call needs before any attempt: the scripted config,
/// or the base URL against the SSRF guard.
fn backend(account: &AccountConfig, opts: &CallOptions) -> Result<Backend, ProviderError> {
    let Some(wire) = wire_adapter(account.kind) else {
        return Ok(Backend::Scripted(scripted::call_config(
            opts.scripted.as_ref(),
        )?));
    };
    let base = account
        .base_url
        .as_deref()
        .unwrap_or(wire.default_base_url());
    let base = Url::parse(base)
        .map_err(|e| ProviderError::invalid_request(format!("invalid base URL: {e}")))?;
    check_url(&base, opts.allow_private_network).map_err(|v| {
        ProviderError::invalid_request(format!("base URL refused by the SSRF guard: {v}"))
    })?;
    Ok(Backend::Http { wire, base })
}

fn response(
    completion: Completion,
    req: &ChatRequest,
    time_to_first_token: Option<Duration>,
    started: Instant,
    attempts: u32,
) -> ChatResponse {
    ChatResponse {
        text: completion.text,
        tool_calls: completion.tool_calls,
        usage: completion.usage,
        finish_reason: completion.finish_reason,
        model: completion
            .model
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| req.model.clone()),
        time_to_first_token,
        duration: started.elapsed(),
        attempts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn chat_future_is_send() {
        let router = ProviderRouter::new(RouterConfig::default());
        let account = AccountConfig {
            id: "a".into(),
            kind: crate::ProviderKind::Scripted,
            base_url: None,
            api_key: None,
            max_concurrency: None,
            requests_per_minute: None,
            tokens_per_minute: None,
        };
        let req = ChatRequest {
            model: "m".into(),
            messages: vec![],
            tools: vec![],
            max_output_tokens: None,
            temperature: None,
        };
        let opts = CallOptions::default();
        let mut sink = crate::NoDeltas;
        let fut = router.chat(&account, &req, &opts, &mut sink);
        assert_send(&fut);
    }
}
