//! Which provider account answers a judge model: the lane's own account
//! when it is on the judge's provider (§5.9), else the platform's account
//! for that provider (configured on the worker), else none — and then the
//! judge is unavailable, with the variable to set in the reason.

pub use agentclash_packs::model::JudgeProvider;
use agentclash_providers::{AccountConfig, ProviderKind};
use std::collections::BTreeMap;

/// How the worker reaches a judge provider: its wire protocol, its default
/// base URL and the worker variables of the platform's account.
trait ProviderAccess {
    fn wire(self) -> ProviderKind;
    fn default_base_url(self) -> Option<&'static str>;
    fn key_var(self) -> String;
    fn base_url_var(self) -> String;
}

impl ProviderAccess for JudgeProvider {
    /// The wire protocol it speaks.
    fn wire(self) -> ProviderKind {
        match self {
            Self::Anthropic => ProviderKind::Anthropic,
            Self::Gemini => ProviderKind::Gemini,
            _ => ProviderKind::OpenAi,
        }
    }

    /// Base URL of the OpenAI-compatible providers (the others use the
    /// adapter's default).
    fn default_base_url(self) -> Option<&'static str> {
        match self {
            Self::Xai => Some("https://api.x.ai/v1"),
            Self::Mistral => Some("https://api.mistral.ai/v1"),
            Self::OpenRouter => Some("https://openrouter.ai/api/v1"),
            _ => None,
        }
    }

    /// Worker variable holding the platform's key for this provider.
    fn key_var(self) -> String {
        format!(
            "AGENTCLASH_JUDGE_{}_API_KEY",
            self.as_str().to_ascii_uppercase()
        )
    }

    /// Worker variable overriding the platform account's base URL.
    fn base_url_var(self) -> String {
        format!(
            "AGENTCLASH_JUDGE_{}_BASE_URL",
            self.as_str().to_ascii_uppercase()
        )
    }
}

/// A platform judge account: set by `AGENTCLASH_JUDGE_<PROVIDER>_API_KEY`
/// and/or `…_BASE_URL` (a base URL alone serves keyless local servers).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PlatformJudgeAccount {
    /// Base URL override.
    pub base_url: Option<String>,
    /// API key; never logged.
    pub api_key: Option<String>,
}

impl std::fmt::Debug for PlatformJudgeAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformJudgeAccount")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The platform's judge accounts by provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JudgeAccounts {
    accounts: BTreeMap<JudgeProvider, PlatformJudgeAccount>,
}

impl JudgeAccounts {
    /// Reads `AGENTCLASH_JUDGE_<PROVIDER>_{API_KEY,BASE_URL}` through `var`.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: String| var(&k).filter(|v| !v.trim().is_empty());
        let accounts = JudgeProvider::ALL
            .into_iter()
            .filter_map(|p| {
                let account = PlatformJudgeAccount {
                    base_url: non_empty(p.base_url_var()),
                    api_key: non_empty(p.key_var()),
                };
                (account != PlatformJudgeAccount::default()).then_some((p, account))
            })
            .collect();
        Self { accounts }
    }

    /// Adds (or replaces) one provider's platform account.
    pub fn with(mut self, provider: JudgeProvider, account: PlatformJudgeAccount) -> Self {
        self.accounts.insert(provider, account);
        self
    }

    /// The account to call `model` with, or why there is none.
    pub fn account_for(&self, model: &str, lane: &AccountConfig) -> Result<AccountConfig, String> {
        let provider = JudgeProvider::of_model(model)
            .ok_or_else(|| format!("cannot tell the provider of judge model {model:?}"))?;
        let native = matches!(
            provider,
            JudgeProvider::OpenAi | JudgeProvider::Anthropic | JudgeProvider::Gemini
        );
        if native && lane.kind == provider.wire() {
            return Ok(lane.clone());
        }
        if let Some(platform) = self.accounts.get(&provider) {
            return Ok(AccountConfig {
                id: format!("judge-{}", provider.as_str()),
                kind: provider.wire(),
                base_url: platform
                    .base_url
                    .clone()
                    .or_else(|| provider.default_base_url().map(str::to_owned)),
                api_key: platform.api_key.clone(),
                max_concurrency: None,
                requests_per_minute: None,
                tokens_per_minute: None,
            });
        }
        Err(format!(
            "no account for judge model {model:?} (provider {}): the lane's account speaks {}; \
             set {} on the worker",
            provider.as_str(),
            lane.kind,
            provider.key_var()
        ))
    }
}
