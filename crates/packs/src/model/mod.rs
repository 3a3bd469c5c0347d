//! The typed, normalised challenge pack. Field names follow the YAML format
//! so the JSON form of a [`Pack`] is itself a valid bundle; defaults are
//! omitted when serialising so the normalised JSON stays small.

mod cases;
mod eval;
mod judge_provider;
mod security;
mod tools;

pub use cases::*;
pub use eval::*;
pub use judge_provider::JudgeProvider;
pub use security::*;
pub use tools::*;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Free-form JSON object (payloads, definitions, schemas, tool arguments).
pub type JsonMap = serde_json::Map<String, serde_json::Value>;

/// Declares a closed set of spellings as an enum with a canonical string
/// form, the list of names (for suggestions) and an `Invalid` placeholder
/// for values that failed validation.
macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $var,)+
            /// Placeholder for a value that failed validation; never part of a valid pack.
            #[serde(skip)]
            Invalid,
        }

        impl $name {
            /// Every accepted spelling, in documentation order.
            pub const NAMES: &'static [&'static str] = &[$($s),+];

            /// Parses an exact spelling.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($s => Some(Self::$var),)+
                    _ => None,
                }
            }

            /// The canonical spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$var => $s,)+
                    Self::Invalid => "<invalid>",
                }
            }
        }

        impl crate::model::StrEnum for $name {
            const NAMES: &'static [&'static str] = $name::NAMES;
            const INVALID: Self = $name::Invalid;
            fn parse(s: &str) -> Option<Self> {
                $name::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use str_enum;

/// Closed sets of spellings, so the decoder can parse any of them generically.
pub(crate) trait StrEnum: Sized + Copy {
    /// Accepted spellings.
    const NAMES: &'static [&'static str];
    /// Placeholder for a rejected value.
    const INVALID: Self;
    /// Parses an exact spelling.
    fn parse(s: &str) -> Option<Self>;
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

pub(crate) fn is_zero_i32(v: &i32) -> bool {
    *v == 0
}

pub(crate) fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

/// A whole bundle: one version of one pack with everything needed to run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pack {
    /// Human metadata shared by every version of the pack.
    pub pack: PackMeta,
    /// Executable configuration of this version.
    pub version: Version,
    /// Pack-defined tools and primitive visibility filters.
    #[serde(default, skip_serializing_if = "Tools::is_empty")]
    pub tools: Tools,
    /// Task definitions.
    pub challenges: Vec<Challenge>,
    /// Runnable case collections.
    #[serde(default)]
    pub input_sets: Vec<InputSet>,
    /// Red-team / leak-detection policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Security>,
    /// `voice` for voice packs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<Modality>,
    /// Voice transport description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface_spec: Option<InterfaceSpec>,
    /// Voice scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Scenario>,
}

/// Pack identity and display metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PackMeta {
    /// Workspace-unique identifier.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Lower-cased grouping; `security` requires a security block.
    pub family: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One executable version of a pack.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Version {
    /// Version number, > 0.
    pub number: i32,
    /// How a run executes; absent means legacy, run as `native`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_mode: Option<ExecutionMode>,
    /// Capability gate for primitives.
    #[serde(default, skip_serializing_if = "ToolPolicy::is_empty")]
    pub tool_policy: ToolPolicy,
    /// Sandbox filesystem constraints.
    #[serde(default, skip_serializing_if = "Filesystem::is_empty")]
    pub filesystem: Filesystem,
    /// Sandbox provisioning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<Sandbox>,
    /// Named deployment lineups for run creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_defaults: Option<DeploymentDefaults>,
    /// The scoring contract.
    pub evaluation_spec: EvaluationSpec,
    /// Version-scoped files that cases and challenges may reference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<Asset>,
}

impl Version {
    /// The mode a run uses (legacy empty means native).
    pub fn effective_mode(&self) -> ExecutionMode {
        self.execution_mode.unwrap_or(ExecutionMode::Native)
    }
}

str_enum! {
    /// How a run drives the agent.
    ExecutionMode {
        /// Sandbox plus tool-calling loop ending with `submit`.
        Native = "native",
        /// One model call, no tools, no sandbox.
        PromptEval = "prompt_eval",
        /// One OpenAI Responses API call.
        Responses = "responses",
        /// A user simulator drives a conversation.
        MultiTurn = "multi_turn",
    }
}

str_enum! {
    /// A group of primitives enabled together by `allowed_tool_kinds`.
    ToolKind {
        /// Registers no primitive.
        Browser = "browser",
        /// `run_tests`, `build`.
        Build = "build",
        /// `query_json`, `query_sql`.
        Data = "data",
        /// File primitives.
        File = "file",
        /// `http_request`.
        Network = "network",
        /// Registers no primitive.
        Terminal = "terminal",
    }
}

/// Which primitives are registered for the agent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolPolicy {
    /// Kind groups to register; empty means every kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_tool_kinds: Vec<ToolKind>,
    /// Registers `exec`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_shell: bool,
    /// Network permission for `http_request`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_network: bool,
}

impl ToolPolicy {
    /// True when nothing deviates from the defaults.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Sandbox filesystem constraints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filesystem {
    /// Working directory (default `/workspace`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    /// Readable roots; empty means `/workspace`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readable_roots: Vec<String>,
    /// Writable roots; empty means `/workspace`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writable_roots: Vec<String>,
    /// Workspace size cap; 0 means unbounded.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub max_workspace_bytes: i64,
}

impl Filesystem {
    /// True when nothing deviates from the defaults.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Sandbox provisioning options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sandbox {
    /// Grants outbound network access.
    #[serde(default, skip_serializing_if = "is_false")]
    pub network_access: bool,
    /// CIDR blocks `http_request` may reach even when private.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_allowlist: Vec<String>,
    /// Literal environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env_vars: BTreeMap<String, String>,
    /// Debian packages to install.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_packages: Vec<String>,
    /// Provider-specific template override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_template_id: Option<String>,
}

/// Named deployment lineups offered when a run is created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeploymentDefaults {
    /// Short name → deployment id or exact name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, String>,
    /// Lineup name → selectors; must contain `default`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lineups: BTreeMap<String, Vec<String>>,
}

/// A file placed in the sandbox (artifact-backed) or described as metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Identifier, unique within its list.
    pub key: String,
    /// Sandbox or logical path.
    pub path: String,
    /// Free-form label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Previously uploaded workspace artifact (UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_id: Option<String>,
}

/// A reference to a version asset by key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArtifactRef {
    /// Key of a `version.assets` entry.
    pub key: String,
}

str_enum! {
    /// Non-text modality of a pack.
    Modality {
        /// Voice packs.
        Voice = "voice",
    }
}

str_enum! {
    /// Voice transport.
    Transport {
        /// Simulated text channel.
        TextSim = "text_sim",
        /// WebRTC.
        Webrtc = "webrtc",
        /// SIP.
        Sip = "sip",
        /// Telephone network.
        Pstn = "pstn",
        /// WebSocket.
        Websocket = "websocket",
    }
}

/// Voice transport description.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InterfaceSpec {
    /// At least one, unique.
    #[serde(default)]
    pub transports: Vec<Transport>,
    /// Channel profile name.
    #[serde(default)]
    pub channel_profile: String,
    /// Whether the caller may interrupt.
    #[serde(default, skip_serializing_if = "is_false")]
    pub supports_barge_in: bool,
}

/// Voice scenario.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Caller persona.
    #[serde(default)]
    pub persona: String,
    /// Conversation language.
    #[serde(default)]
    pub language: String,
    /// Turn cap, > 0.
    #[serde(default)]
    pub max_turns: i32,
    /// Duration cap, > 0.
    #[serde(default)]
    pub max_duration_ms: i64,
}
