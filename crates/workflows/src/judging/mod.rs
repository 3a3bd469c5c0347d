//! LLM judges at run time: the calls planned by `agentclash_scoring::judges`
//! made through the provider router, each recorded as a
//! `scoring.judge.call` event with its tokens and cost, a malformed answer
//! retried once with a repair message, and the pack's `judge_limits`
//! checked before each judge.

mod accounts;
mod runner;

pub use accounts::{JudgeAccounts, JudgeProvider, PlatformJudgeAccount};
pub(crate) use runner::{JudgeContext, LaneSink};
