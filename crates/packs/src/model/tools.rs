//! Pack-defined tools: composed tools that delegate to primitives (or other
//! tools) and mock tools that answer without a sandbox.

use serde::{Deserialize, Serialize};

use super::{JsonMap, str_enum};

/// The `tools` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tools {
    /// Pack-defined tools shown to the model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<CustomTool>,
    /// When non-empty, only these primitives stay visible.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// Primitives hidden from the model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denied: Vec<String>,
}

impl Tools {
    /// True when the block declares nothing.
    pub fn is_empty(&self) -> bool {
        self.custom.is_empty() && self.allowed.is_empty() && self.denied.is_empty()
    }
}

/// A tool declared by the pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomTool {
    /// Name exposed to the model; must not shadow a primitive.
    pub name: String,
    /// Shown to the model.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// JSON Schema of the call arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
    /// What a call does.
    pub implementation: ToolImplementation,
}

/// A custom tool either delegates or is a mock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolImplementation {
    /// `type: mock`.
    Mock(MockTool),
    /// Delegation to a primitive or another custom tool.
    Composed(ComposedTool),
}

/// A delegating tool with `${…}` argument templates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComposedTool {
    /// The delegate: a primitive or another custom tool.
    pub primitive: String,
    /// Arguments passed to the delegate, templated from the call.
    #[serde(default)]
    pub args: JsonMap,
}

str_enum! {
    /// Marker value of `implementation.type`.
    MockMarker {
        /// The only accepted value.
        Mock = "mock",
    }
}

str_enum! {
    /// How a mock tool picks its answer.
    MockStrategy {
        /// Always `response`.
        Static = "static",
        /// `responses[lookup_key value]`, `"*"` as fallback.
        Lookup = "lookup",
        /// `template` with call arguments substituted.
        Echo = "echo",
    }
}

/// A tool answered from the pack itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MockTool {
    /// Always `mock`.
    #[serde(rename = "type")]
    pub marker: MockMarker,
    /// Normalised strategy (inferred when absent in the YAML).
    pub strategy: MockStrategy,
    /// `static`: the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<serde_json::Value>,
    /// `lookup`: dotted path into the call arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_key: Option<String>,
    /// `lookup`: answer per looked-up value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responses: Option<JsonMap>,
    /// `echo`: answer template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<JsonMap>,
}

/// Names of the runtime primitives (§3.1).
pub const PRIMITIVES: &[&str] = &[
    "submit",
    "read_file",
    "write_file",
    "list_files",
    "search_files",
    "search_text",
    "query_json",
    "query_sql",
    "http_request",
    "run_tests",
    "build",
    "exec",
];
