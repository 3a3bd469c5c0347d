//! The tools a case's agent may call: the primitive catalogue (format spec
//! §3.1) gated by the pack's tool policy, the pack's `allowed`/`denied`
//! lists and the deployment's overrides, plus the pack's custom tools
//! (composed and mock). A bad call never crashes the case: it becomes an
//! error result the model can read.

mod custom;
mod envelope;
mod http;
mod paths;
mod primitives;
mod schemas;

use agentclash_packs::model::{CustomTool, ToolImplementation, ToolKind, ToolPolicy, Tools};
use agentclash_providers::ToolSpec;
use agentclash_sandbox::Sandbox;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

pub use paths::confine;

/// The result of one tool call, as the model will see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome {
    /// Result JSON.
    pub content: Value,
    /// Whether the call failed.
    pub is_error: bool,
    /// For composed tools: the primitive finally executed and the chain.
    pub resolved: Option<(String, Vec<String>)>,
}

impl ToolOutcome {
    /// A successful result.
    pub fn ok(content: Value) -> Self {
        Self {
            content,
            is_error: false,
            resolved: None,
        }
    }

    /// An error result `{"error": message}`.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            content: json!({ "error": message.into() }),
            is_error: true,
            resolved: None,
        }
    }

    /// A result that is an error when `failed`.
    pub fn with_status(content: Value, failed: bool) -> Self {
        Self {
            content,
            is_error: failed,
            resolved: None,
        }
    }
}

/// Everything that decides which tools exist for a case.
#[derive(Debug, Clone, Default)]
pub struct ToolConfig {
    /// The pack's `version.tool_policy`.
    pub policy: ToolPolicy,
    /// The pack's `tools` block.
    pub tools: Tools,
    /// The deployment's allow list (empty = no restriction).
    pub deployment_allowed: Vec<String>,
    /// The deployment's deny list.
    pub deployment_denied: Vec<String>,
    /// Runtime-profile override of `allow_shell`.
    pub allow_shell: Option<bool>,
    /// Runtime-profile override of `allow_network`.
    pub allow_network: Option<bool>,
    /// `version.sandbox.network_access`.
    pub network_access: bool,
    /// `version.sandbox.network_allowlist` (CIDR blocks).
    pub network_allowlist: Vec<String>,
    /// Workspace secrets available to `${secrets.NAME}` in composed tools
    /// that delegate to `http_request`.
    pub secrets: BTreeMap<String, String>,
}

/// Where and how tool calls run.
pub struct ToolEnv<'a> {
    /// The case's sandbox (absent in modes without one).
    pub sandbox: Option<&'a dyn Sandbox>,
    /// Longest single call.
    pub step_timeout: Duration,
}

/// Composed tools deeper than this fail (format spec §3.5.3).
pub const MAX_DELEGATION_DEPTH: usize = 8;

/// The tool catalogue of one case.
#[derive(Debug, Clone)]
pub struct ToolSet {
    registered: BTreeSet<&'static str>,
    visible_primitives: Vec<&'static str>,
    /// Every runnable custom tool (composed tools may call hidden ones).
    custom: BTreeMap<String, CustomTool>,
    /// The custom tools the model sees (the deployment may hide some).
    visible_custom: BTreeSet<String>,
    network_permitted: bool,
    allowlist: Vec<String>,
    secrets: BTreeMap<String, String>,
}

const ALL_KINDS: [ToolKind; 4] = [
    ToolKind::File,
    ToolKind::Data,
    ToolKind::Network,
    ToolKind::Build,
];

fn primitives_of(kind: ToolKind) -> &'static [&'static str] {
    match kind {
        ToolKind::File => &[
            "read_file",
            "write_file",
            "list_files",
            "search_files",
            "search_text",
        ],
        ToolKind::Data => &["query_json", "query_sql"],
        ToolKind::Network => &["http_request"],
        ToolKind::Build => &["run_tests", "build"],
        ToolKind::Browser | ToolKind::Terminal | ToolKind::Invalid => &[],
    }
}

impl ToolSet {
    /// Builds the catalogue from the pack and deployment settings.
    pub fn new(config: ToolConfig) -> Self {
        let kinds: Vec<ToolKind> = if config.policy.allowed_tool_kinds.is_empty() {
            ALL_KINDS.to_vec()
        } else {
            config.policy.allowed_tool_kinds.clone()
        };
        let mut registered: BTreeSet<&'static str> = BTreeSet::from(["submit"]);
        for kind in kinds {
            registered.extend(primitives_of(kind));
        }
        if config.allow_shell.unwrap_or(config.policy.allow_shell) {
            registered.insert("exec");
        }
        let network_permitted =
            config.allow_network.unwrap_or(config.policy.allow_network) || config.network_access;
        let hidden = |name: &str, allowed: &[String], denied: &[String]| {
            name != "submit"
                && ((!allowed.is_empty() && !allowed.iter().any(|a| a == name))
                    || denied.iter().any(|d| d == name))
        };
        let visible_primitives = registered
            .iter()
            .copied()
            .filter(|p| !hidden(p, &config.tools.allowed, &config.tools.denied))
            .filter(|p| !hidden(p, &config.deployment_allowed, &config.deployment_denied))
            .collect();
        let mut set = Self {
            registered,
            visible_primitives,
            custom: BTreeMap::new(),
            visible_custom: BTreeSet::new(),
            network_permitted,
            allowlist: config.network_allowlist,
            secrets: config.secrets,
        };
        let all_custom: BTreeMap<String, CustomTool> = config
            .tools
            .custom
            .iter()
            .map(|t| (t.name.clone(), t.clone()))
            .collect();
        for tool in &config.tools.custom {
            let shadows = set.registered.contains(tool.name.as_str())
                || agentclash_packs::model::PRIMITIVES.contains(&tool.name.as_str());
            if shadows || !custom::resolvable(tool, &all_custom, &set.registered, &set.secrets) {
                tracing::debug!(tool = %tool.name, "custom tool disabled for this case");
                continue;
            }
            if !hidden(
                &tool.name,
                &config.deployment_allowed,
                &config.deployment_denied,
            ) {
                set.visible_custom.insert(tool.name.clone());
            }
            set.custom.insert(tool.name.clone(), tool.clone());
        }
        set
    }

    /// Tool definitions shown to the model, primitives first.
    pub fn specs(&self) -> Vec<ToolSpec> {
        let mut specs: Vec<ToolSpec> = self
            .visible_primitives
            .iter()
            .filter_map(|name| schemas::primitive_spec(name))
            .collect();
        for tool in self
            .custom
            .values()
            .filter(|t| self.visible_custom.contains(&t.name))
        {
            specs.push(ToolSpec {
                name: tool.name.clone(),
                description: tool.description.clone(),
                parameters: tool
                    .parameters
                    .clone()
                    .unwrap_or_else(|| json!({"type": "object", "additionalProperties": false})),
            });
        }
        specs
    }

    /// Whether `name` is a tool the model may call.
    pub fn is_visible(&self, name: &str) -> bool {
        self.visible_primitives.contains(&name) || self.visible_custom.contains(name)
    }

    /// Runs one model-requested call (never `submit`, which the loop handles).
    pub async fn call(&self, name: &str, args: &Value, env: &ToolEnv<'_>) -> ToolOutcome {
        if !self.is_visible(name) {
            return ToolOutcome::error(format!(
                "unknown tool `{name}`; available: {}",
                self.specs()
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        self.dispatch(name, args, env, &mut Vec::new()).await
    }

    /// Runs a primitive or custom tool; `chain` holds the composed tools
    /// already on the call path (cycle and depth checks).
    fn dispatch<'a>(
        &'a self,
        name: &'a str,
        args: &'a Value,
        env: &'a ToolEnv<'a>,
        chain: &'a mut Vec<String>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ToolOutcome> + Send + 'a>> {
        Box::pin(async move {
            if let Some(tool) = self.custom.get(name) {
                return match &tool.implementation {
                    ToolImplementation::Mock(mock) => custom::run_mock(mock, args),
                    ToolImplementation::Composed(composed) => {
                        if chain.iter().any(|c| c == name) {
                            return ToolOutcome::error(format!(
                                "tool `{name}` has a delegation cycle"
                            ));
                        }
                        if chain.len() >= MAX_DELEGATION_DEPTH {
                            return ToolOutcome::error(format!(
                                "tool `{name}` exceeds maximum delegation depth of {MAX_DELEGATION_DEPTH}"
                            ));
                        }
                        let delegate_args =
                            match custom::render_args(tool, &composed.args, args, &self.secrets) {
                                Ok(a) => a,
                                Err(e) => return ToolOutcome::error(format!("{name} failed: {e}")),
                            };
                        chain.push(name.to_owned());
                        let mut outcome = self
                            .dispatch(&composed.primitive, &delegate_args, env, chain)
                            .await;
                        if outcome.is_error
                            && let Some(message) =
                                outcome.content.get("error").and_then(Value::as_str)
                        {
                            outcome.content =
                                json!({ "error": format!("{name} failed: {message}") });
                        }
                        // The model must never see a secret, even echoed back
                        // by a server or quoted in an error.
                        custom::redact_secrets(&mut outcome.content, composed, &self.secrets);
                        if outcome.resolved.is_none() {
                            outcome.resolved = Some((composed.primitive.clone(), chain.clone()));
                        }
                        outcome
                    }
                };
            }
            if !self.registered.contains(name) {
                return ToolOutcome::error(format!(
                    "tool `{name}` is not enabled by this pack's tool policy"
                ));
            }
            primitives::run(name, args, env, self).await
        })
    }

    /// Whether `http_request` may go out at all.
    pub(crate) fn network_permitted(&self) -> bool {
        self.network_permitted
    }

    /// CIDR blocks `http_request` may reach even when private.
    pub(crate) fn allowlist(&self) -> &[String] {
        &self.allowlist
    }
}
