//! Challenges, input sets and cases, including the multi-turn user simulator.

use serde::{Deserialize, Serialize};

use super::{ArtifactRef, Asset, JsonMap, is_false, is_zero_i32, is_zero_i64, str_enum};

str_enum! {
    /// Declared difficulty of a challenge.
    Difficulty {
        /// Easy.
        Easy = "easy",
        /// Medium.
        Medium = "medium",
        /// Hard.
        Hard = "hard",
        /// Expert.
        Expert = "expert",
    }
}

/// A task definition referenced by cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Challenge {
    /// Stable id referenced by cases.
    pub key: String,
    /// Display title.
    pub title: String,
    /// Free-form category.
    pub category: String,
    /// Declared difficulty.
    pub difficulty: Difficulty,
    /// Task prompt (also copied into `definition.instructions`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instructions: String,
    /// Arbitrary data stored with the challenge.
    #[serde(default, skip_serializing_if = "JsonMap::is_empty")]
    pub definition: JsonMap,
    /// Challenge-scoped files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<Asset>,
    /// References to version assets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifact_refs: Vec<ArtifactRef>,
}

/// A runnable collection of cases of one challenge.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputSet {
    /// Stable id.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The cases (legacy `items` are converted into cases).
    #[serde(default)]
    pub cases: Vec<Case>,
}

/// One runnable case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Challenge this case exercises.
    pub challenge_key: String,
    /// Case identifier.
    pub case_key: String,
    /// Legacy alias of `case_key`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub item_key: String,
    /// Arbitrary case data (template context, `case.payload.*` evidence).
    #[serde(default, skip_serializing_if = "JsonMap::is_empty")]
    pub payload: JsonMap,
    /// Structured inputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Input>,
    /// Ground truth for graders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<Expectation>,
    /// Conversation script (multi_turn only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_simulator: Option<UserSimulator>,
    /// Version assets made available as evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<ArtifactRef>,
    /// Case-scoped files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<Asset>,
    /// Per-case run timeout; 0 means the runtime profile's.
    #[serde(default, skip_serializing_if = "is_zero_i32")]
    pub case_timeout_seconds: i32,
}

/// A structured case input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// Name, also a template variable.
    pub key: String,
    /// Free-form label; `workspace` stages files.
    pub kind: String,
    /// Inline value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// Version asset providing the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_key: Option<String>,
    /// Path hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Ground truth for a grader, or a turn expectation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    /// Name used by `case.expectations.<key>`.
    pub key: String,
    /// Free-form label (`exact_match`/`contains` for turns).
    pub kind: String,
    /// Inline expected value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// Version asset standing for the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_key: Option<String>,
    /// `input:<key>` or `artifact:<key>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Conversation script of a multi-turn case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserSimulator {
    /// Must be 1.
    pub schema_version: i64,
    /// Must be `hybrid`.
    pub kind: String,
    /// Cap on user turns; 0 means 50.
    #[serde(default, skip_serializing_if = "is_zero_i32")]
    pub max_turns: i32,
    /// Executed in order.
    pub phases: Vec<Phase>,
    /// Human calibration sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
    /// Post-run human comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_run: Option<PostRun>,
}

str_enum! {
    /// Who plays the user in a phase.
    Actor {
        /// Fixed messages.
        Scripted = "scripted",
        /// A simulator model.
        Llm = "llm",
        /// A human operator.
        Human = "human",
    }
}

str_enum! {
    /// When a phase runs.
    Trigger {
        /// First phase only.
        Always = "always",
        /// Always runs.
        Manual = "manual",
        /// Never runs.
        Never = "never",
        /// After a mismatched turn.
        OnAssistantMismatch = "on_assistant_mismatch",
        /// Accepted; behaves like always.
        OnValidatorFail = "on_validator_fail",
        /// Accepted; behaves like always.
        OnJudgeBelow = "on_judge_below",
        /// Accepted; behaves like always.
        OnAgentLoop = "on_agent_loop",
        /// Accepted; behaves like always.
        OnMaxLlmTurns = "on_max_llm_turns",
    }
}

/// One phase of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    /// Unique id.
    pub id: String,
    /// Who plays the user.
    pub actor: Actor,
    /// When it runs; absent means `always`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// Scripted messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turns: Vec<Turn>,
    /// Simulated user persona.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona: Option<String>,
    /// LLM turn cap; 0 means the conversation cap.
    #[serde(default, skip_serializing_if = "is_zero_i32")]
    pub max_turns: i32,
    /// Early-exit conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub until: Vec<String>,
    /// Human wait; 0 means 30 minutes.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub timeout_ms: i64,
    /// `stop` or `fail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_timeout: Option<String>,
    /// Simulator model override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// A scripted user message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// The message, may use `{{…}}`.
    pub message: String,
    /// Checks on the assistant's answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expects: Vec<Expectation>,
}

/// Human calibration sampling.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// On or off.
    #[serde(default, skip_serializing_if = "is_false")]
    pub enabled: bool,
    /// In (0, 1] when enabled.
    #[serde(default)]
    pub sample_rate: f64,
}

/// Post-run options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PostRun {
    /// Pairwise human comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arena: Option<Arena>,
}

/// Pairwise human comparison between run agents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Arena {
    /// On or off.
    #[serde(default, skip_serializing_if = "is_false")]
    pub enabled: bool,
    /// Empty or `pairwise`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<String>,
}
