//! Model provider router for AgentClash: one normalised chat request and
//! response ([`ChatRequest`], [`ChatResponse`]) over the OpenAI-compatible,
//! Anthropic and Gemini wire protocols plus a deterministic `scripted`
//! provider, with error classification, retries, per-account limits, an
//! SSRF guard for user-supplied base URLs, and token pricing.
//!
//! No database, no Temporal, no challenge-pack knowledge beyond the shape of
//! a pack's `pricing` section.

mod adapters;
mod config;
mod delta;
mod error;
mod limits;
mod pricing;
mod retry;
mod router;
mod sse;
mod ssrf;
mod transport;
mod types;

pub use adapters::scripted::{
    ScriptedConfig, ScriptedConfigError, ScriptedRule, ScriptedStep, ScriptedToolCall,
    ScriptedUsage,
};
pub use config::{AccountConfig, CallOptions, ProviderKind, UnknownProviderKind};
pub use delta::{DeltaSink, NoDeltas};
pub use error::{ErrorClass, ProviderError};
pub use pricing::{ModelPrice, PackPricing, PricingRow, PricingTable, cost_usd};
pub use retry::RetryPolicy;
pub use router::{ProviderRouter, RouterBuildError, RouterConfig};
pub use ssrf::{BlockedRange, SsrfViolation, blocked_range, check_url};
pub use types::{
    ChatRequest, ChatResponse, FinishReason, Message, Role, ToolCall, ToolSpec, Usage,
};
