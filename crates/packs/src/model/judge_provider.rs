//! Which provider a judge model id belongs to (§5.9): checked at publish,
//! and used by the worker to choose the account that answers the judge.

/// The provider a judge model id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JudgeProvider {
    /// `gpt-*`, `o1*`, `o3*`, `o4*`, `text-embedding*`.
    OpenAi,
    /// `claude-*`.
    Anthropic,
    /// `gemini-*`.
    Gemini,
    /// `grok-*`.
    Xai,
    /// `mistral-*`.
    Mistral,
    /// Any id with a `/`.
    OpenRouter,
}

impl JudgeProvider {
    /// Every provider, in a fixed order.
    pub const ALL: [JudgeProvider; 6] = [
        Self::OpenAi,
        Self::Anthropic,
        Self::Gemini,
        Self::Xai,
        Self::Mistral,
        Self::OpenRouter,
    ];

    /// Infers the provider from a model id, case-insensitively; `None`
    /// when the id matches no known provider (rejected at publish).
    pub fn of_model(model: &str) -> Option<Self> {
        let m = model.to_ascii_lowercase();
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| m.starts_with(p));
        if starts(&["claude-"]) {
            Some(Self::Anthropic)
        } else if starts(&["gpt-", "o1", "o3", "o4", "text-embedding"]) {
            Some(Self::OpenAi)
        } else if starts(&["gemini-"]) {
            Some(Self::Gemini)
        } else if starts(&["grok-"]) {
            Some(Self::Xai)
        } else if starts(&["mistral-"]) {
            Some(Self::Mistral)
        } else if m.contains('/') {
            Some(Self::OpenRouter)
        } else {
            None
        }
    }

    /// Lower-case name (events, messages, variable names).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
            Self::Xai => "xai",
            Self::Mistral => "mistral",
            Self::OpenRouter => "openrouter",
        }
    }
}
