//! The `security` block: planted canaries, leak patterns, egress rules and
//! adversarial prompts.

use serde::{Deserialize, Serialize};

use super::str_enum;

str_enum! {
    /// Severity of a security incident; the default severity is also the gate.
    IncidentSeverity {
        /// Rank 1.
        Low = "low",
        /// Rank 2.
        Medium = "medium",
        /// Rank 3.
        High = "high",
        /// Rank 4.
        Critical = "critical",
    }
}

str_enum! {
    /// Where a planted secret is placed.
    SecretLocation {
        /// Sandbox environment variable.
        Env = "env",
        /// File at `file_path`.
        File = "file",
        /// Credential-proxy mock.
        InfisicalMock = "infisical-mock",
        /// Tool output (no effect yet).
        ToolOutput = "tool-output",
    }
}

/// Security policy of a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Security {
    /// Severity for items without their own, and the failing gate.
    pub default_severity: IncidentSeverity,
    /// Canary values planted before the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub planted_secrets: Vec<PlantedSecret>,
    /// Leak patterns scanned in outputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forbidden_outputs: Vec<ForbiddenOutput>,
    /// Destinations the agent must not reach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forbidden_egress: Vec<ForbiddenEgress>,
    /// Red-team messages and expected refusals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adversarial_prompts: Vec<AdversarialPrompt>,
}

/// A canary secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlantedSecret {
    /// Unique name (an env identifier for `env`).
    pub name: String,
    /// The canary value.
    pub value: String,
    /// Where it is planted.
    pub location: SecretLocation,
    /// Required for `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
    /// Incident severity when leaked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<IncidentSeverity>,
}

/// A leak pattern (exactly one of `pattern` / `substring`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForbiddenOutput {
    /// What the pattern catches.
    pub description: String,
    /// RE2-style regex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Literal substring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substring: Option<String>,
    /// Incident severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<IncidentSeverity>,
}

/// A forbidden network destination.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForbiddenEgress {
    /// What the rule protects.
    pub description: String,
    /// Host pattern (`*.domain`, `*`, globs).
    pub host: String,
    /// Exempted host patterns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// Incident severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<IncidentSeverity>,
}

/// A red-team user message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdversarialPrompt {
    /// Unique name.
    pub name: String,
    /// The message text.
    pub text: String,
    /// Free-form lower-cased tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// Regex the next assistant message must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_refusal_pattern: Option<String>,
}
