//! The evaluation spec: validators, metrics, behavioural signals, judges,
//! post-execution checks, limits, pricing and the scorecard.

use serde::{Deserialize, Serialize};

use super::{JsonMap, is_false, is_zero_i64, str_enum};

str_enum! {
    /// Which grader families the spec uses.
    JudgeMode {
        /// Validators and metrics only.
        Deterministic = "deterministic",
        /// Judges (plus the mandatory validators).
        LlmJudge = "llm_judge",
        /// Both.
        Hybrid = "hybrid",
    }
}

/// The scoring contract of a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationSpec {
    /// Spec name.
    pub name: String,
    /// Spec version, > 0.
    pub version_number: i32,
    /// Grader families in use.
    pub judge_mode: JudgeMode,
    /// Deterministic checks (at least one).
    pub validators: Vec<Validator>,
    /// Collected measurements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    /// Trace-derived behaviour signals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavioral: Option<Behavioral>,
    /// LLM-as-judge graders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub llm_judges: Vec<LlmJudge>,
    /// Sandbox captures made before teardown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_execution_checks: Vec<PostExecutionCheck>,
    /// Budgets and normalisation fallbacks.
    #[serde(default, skip_serializing_if = "RuntimeLimits::is_empty")]
    pub runtime_limits: RuntimeLimits,
    /// Token prices for cost.
    #[serde(default, skip_serializing_if = "Pricing::is_empty")]
    pub pricing: Pricing,
    /// Dimensions and aggregation.
    pub scorecard: Scorecard,
}

impl Default for EvaluationSpec {
    fn default() -> Self {
        Self {
            name: String::new(),
            version_number: 0,
            judge_mode: JudgeMode::Invalid,
            validators: Vec::new(),
            metrics: Vec::new(),
            behavioral: None,
            llm_judges: Vec::new(),
            post_execution_checks: Vec::new(),
            runtime_limits: RuntimeLimits::default(),
            pricing: Pricing::default(),
            scorecard: Scorecard::default(),
        }
    }
}

str_enum! {
    /// The 21 validator types.
    ValidatorType {
        /// Byte equality.
        ExactMatch = "exact_match",
        /// Substring.
        Contains = "contains",
        /// Regex match.
        RegexMatch = "regex_match",
        /// Boolean equality.
        BooleanAssert = "boolean_assert",
        /// JSON Schema validation.
        JsonSchema = "json_schema",
        /// JSON path comparison.
        JsonPathMatch = "json_path_match",
        /// Levenshtein similarity.
        FuzzyMatch = "fuzzy_match",
        /// Numeric comparison with tolerance.
        NumericMatch = "numeric_match",
        /// Equality after a normalisation pipeline.
        NormalizedMatch = "normalized_match",
        /// Token F1.
        TokenF1 = "token_f1",
        /// Symbolic / numeric maths equality.
        MathEquivalence = "math_equivalence",
        /// BLEU.
        BleuScore = "bleu_score",
        /// ROUGE.
        RougeScore = "rouge_score",
        /// chrF.
        ChrfScore = "chrf_score",
        /// Captured file content.
        FileContentMatch = "file_content_match",
        /// Captured file existence.
        FileExists = "file_exists",
        /// Captured file against a schema.
        FileJsonSchema = "file_json_schema",
        /// Directory listing shape.
        DirectoryStructure = "directory_structure",
        /// Runs a test command.
        CodeExecution = "code_execution",
        /// Tool-call trace assertions.
        ToolCallAssertion = "tool_call_assertion",
        /// Condition on a capture.
        Postcondition = "postcondition",
    }
}

impl ValidatorType {
    /// Types whose target must be a `file:` capture.
    pub fn is_file_type(self) -> bool {
        matches!(
            self,
            Self::FileContentMatch
                | Self::FileExists
                | Self::FileJsonSchema
                | Self::DirectoryStructure
                | Self::CodeExecution
                | Self::Postcondition
        )
    }

    /// Whether `expected_from` is required (`Some(true)`), ignored
    /// (`Some(false)`) or forbidden (`None`).
    pub fn expected_from_rule(self) -> Option<bool> {
        match self {
            Self::ToolCallAssertion | Self::Postcondition => None,
            Self::FileExists
            | Self::FileJsonSchema
            | Self::DirectoryStructure
            | Self::CodeExecution => Some(false),
            _ => Some(true),
        }
    }
}

/// A deterministic check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validator {
    /// Unique key.
    pub key: String,
    /// Validator type.
    #[serde(rename = "type")]
    pub kind: ValidatorType,
    /// Evidence reference of the actual value.
    pub target: String,
    /// Evidence reference of the expected value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_from: Option<String>,
    /// Type-specific options, validated per type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<JsonMap>,
}

str_enum! {
    /// Descriptive metric type.
    MetricType {
        /// Number.
        Numeric = "numeric",
        /// Text.
        Text = "text",
        /// Boolean.
        Boolean = "boolean",
    }
}

str_enum! {
    /// Metric collectors known to the scorer.
    Collector {
        /// Run latency.
        RunTotalLatencyMs = "run_total_latency_ms",
        /// Time to first token.
        RunTtftMs = "run_ttft_ms",
        /// Input tokens.
        RunInputTokens = "run_input_tokens",
        /// Output tokens.
        RunOutputTokens = "run_output_tokens",
        /// Total tokens.
        RunTotalTokens = "run_total_tokens",
        /// Tokens minus race context.
        RunAgentTokens = "run_agent_tokens",
        /// Race-context tokens.
        RunRaceContextTokens = "run_race_context_tokens",
        /// Model cost.
        RunModelCostUsd = "run_model_cost_usd",
        /// Completed flag.
        RunCompletedSuccessfully = "run_completed_successfully",
        /// Failure count.
        RunFailureCount = "run_failure_count",
        /// Tool-call count.
        RunToolCallCount = "run_tool_call_count",
        /// Recovery signal.
        BehavioralRecoveryScore = "behavioral_recovery_score",
        /// Exploration signal.
        BehavioralExplorationEfficiencyScore = "behavioral_exploration_efficiency_score",
        /// Error-cascade signal.
        BehavioralErrorCascadeScore = "behavioral_error_cascade_score",
        /// Scope signal.
        BehavioralScopeAdherenceScore = "behavioral_scope_adherence_score",
        /// Validator pass rate.
        ValidatorPassRate = "validator_pass_rate",
        /// Rejected: not supported until confidence reporting lands.
        BehavioralConfidenceCalibrationScore = "behavioral_confidence_calibration_score",
    }
}

/// A collected measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Unique key.
    pub key: String,
    /// Descriptive type.
    #[serde(rename = "type")]
    pub kind: MetricType,
    /// Collector name.
    pub collector: Collector,
    /// Display unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// Trace-derived behaviour signals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Behavioral {
    /// At least one.
    pub signals: Vec<Signal>,
}

str_enum! {
    /// Behaviour signal names.
    SignalKey {
        /// Recovery after failures.
        RecoveryBehavior = "recovery_behavior",
        /// Duplicate-call avoidance.
        ExplorationEfficiency = "exploration_efficiency",
        /// Consecutive failures.
        ErrorCascade = "error_cascade",
        /// Policy-denied calls.
        ScopeAdherence = "scope_adherence",
        /// Rejected until confidence reporting lands.
        ConfidenceCalibration = "confidence_calibration",
    }
}

/// One weighted behaviour signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Signal name.
    pub key: SignalKey,
    /// Weight, > 0.
    pub weight: f64,
    /// Hard requirement.
    #[serde(default, skip_serializing_if = "is_false")]
    pub gate: bool,
    /// In [0,1]; required when gated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_threshold: Option<f64>,
}

str_enum! {
    /// What a judge is asked to do.
    JudgeKind {
        /// Score against a rubric.
        Rubric = "rubric",
        /// Verify a claim.
        Assertion = "assertion",
        /// Rank all run agents.
        NWise = "n_wise",
        /// Score against a reference answer.
        Reference = "reference",
    }
}

str_enum! {
    /// How several judge models are combined.
    Aggregation {
        /// Median score.
        Median = "median",
        /// Mean score.
        Mean = "mean",
        /// Majority of passes.
        MajorityVote = "majority_vote",
        /// Every model passes.
        Unanimous = "unanimous",
    }
}

/// An LLM-as-judge grader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmJudge {
    /// Unique key (also distinct from validator and metric keys).
    pub key: String,
    /// Judge mode.
    pub mode: JudgeKind,
    /// Single judge model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Several judge models.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
    /// Calls per model (0 normalised to 3).
    pub samples: i64,
    /// Evidence shown to the judge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context_from: Vec<String>,
    /// Informational answer schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<serde_json::Value>,
    /// Raw score range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_scale: Option<ScoreScale>,
    /// Rubric text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rubric: Option<String>,
    /// Claim text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<String>,
    /// `false` inverts the assertion verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<bool>,
    /// Ranking task text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Rotate candidate order per sample.
    #[serde(default, skip_serializing_if = "is_false")]
    pub position_debiasing: bool,
    /// Gold answer reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_from: Option<String>,
    /// Multi-model aggregation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consensus: Option<Consensus>,
    /// Extra prompt clauses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anti_gaming_clauses: Vec<String>,
    /// Per-call timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<i64>,
}

/// Raw score range of rubric/reference judges.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreScale {
    /// Lowest score.
    pub min: f64,
    /// Highest score.
    pub max: f64,
}

/// Multi-model aggregation options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Consensus {
    /// Aggregation function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<Aggregation>,
    /// In [0,1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_agreement_threshold: Option<f64>,
    /// No effect.
    #[serde(default, skip_serializing_if = "is_false")]
    pub flag_on_disagreement: bool,
}

str_enum! {
    /// What a post-execution check captures.
    CheckType {
        /// One file.
        FileCapture = "file_capture",
        /// Entries under a path.
        DirectoryListing = "directory_listing",
    }
}

/// A capture made before sandbox teardown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostExecutionCheck {
    /// Unique key (`file:<key>`).
    pub key: String,
    /// Capture type.
    #[serde(rename = "type")]
    pub kind: CheckType,
    /// Absolute sandbox path.
    pub path: String,
    /// Accepted, no effect.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recursive: bool,
    /// Per-file cap; 0 means 1 MiB.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub max_size_bytes: i64,
}

/// Budgets and normalisation fallbacks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuntimeLimits {
    /// Informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_tokens: Option<i64>,
    /// Legacy cost normalisation fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cost_usd: Option<f64>,
    /// Legacy latency normalisation fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_duration_ms: Option<i64>,
    /// Default step budget, 1..=1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<i32>,
}

impl RuntimeLimits {
    /// True when no limit is set.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Token prices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pricing {
    /// One row per (provider, model).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<PricingModel>,
}

impl Pricing {
    /// True when no row is declared.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }
}

/// Price of one model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PricingModel {
    /// Provider key.
    pub provider_key: String,
    /// Provider model id.
    pub provider_model_id: String,
    /// USD per million input tokens.
    #[serde(default)]
    pub input_cost_per_million_tokens: f64,
    /// USD per million output tokens.
    #[serde(default)]
    pub output_cost_per_million_tokens: f64,
}

str_enum! {
    /// How dimension scores become a verdict.
    Strategy {
        /// Weighted mean.
        Weighted = "weighted",
        /// Every dimension must pass.
        Binary = "binary",
        /// Gates then weighted mean of the rest.
        Hybrid = "hybrid",
    }
}

/// Dimensions and aggregation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// Scored dimensions (string forms expanded).
    pub dimensions: Vec<Dimension>,
    /// Aggregation strategy (default `weighted`).
    pub strategy: Strategy,
    /// Overall cut-off in [0,1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_threshold: Option<f64>,
    /// Legacy latency/cost normalisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalization: Option<LegacyNormalization>,
    /// Judge budgets (validated, advisory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge_limits: Option<JudgeLimits>,
}

impl Default for Scorecard {
    fn default() -> Self {
        Self {
            dimensions: Vec::new(),
            strategy: Strategy::Weighted,
            pass_threshold: None,
            normalization: None,
            judge_limits: None,
        }
    }
}

str_enum! {
    /// Where a dimension's score comes from.
    DimensionSource {
        /// Mean of scoped validators.
        Validators = "validators",
        /// A named metric.
        Metric = "metric",
        /// Completion without failures.
        Reliability = "reliability",
        /// Total latency.
        Latency = "latency",
        /// Model cost.
        Cost = "cost",
        /// Behaviour signals.
        Behavioral = "behavioral",
        /// A judge.
        LlmJudge = "llm_judge",
        /// Human pairwise preference.
        HumanPreference = "human_preference",
    }
}

str_enum! {
    /// Which way a raw value is better.
    Direction {
        /// Bigger is better.
        Higher = "higher",
        /// Smaller is better.
        Lower = "lower",
    }
}

/// One scored dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    /// Unique key.
    pub key: String,
    /// Score source.
    pub source: DimensionSource,
    /// Scoped validator keys (empty = all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validators: Vec<String>,
    /// Metric key for `metric`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// Better direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub better_direction: Option<Direction>,
    /// Target/max normalisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalization: Option<DimensionNormalization>,
    /// Weight, ≥ 0 (default 1).
    pub weight: f64,
    /// Judge key for `llm_judge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge_key: Option<String>,
    /// Hard requirement.
    #[serde(default, skip_serializing_if = "is_false")]
    pub gate: bool,
    /// In [0,1]; required when gated or binary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_threshold: Option<f64>,
}

/// Target/max normalisation of a dimension.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DimensionNormalization {
    /// Value scoring 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// Value scoring 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// Legacy scorecard-level normalisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LegacyNormalization {
    /// Latency bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyBounds>,
    /// Cost bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostBounds>,
}

/// Legacy latency bounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyBounds {
    /// Milliseconds scoring 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ms: Option<f64>,
    /// Milliseconds scoring 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
}

/// Legacy cost bounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CostBounds {
    /// USD scoring 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_usd: Option<f64>,
    /// USD scoring 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_usd: Option<f64>,
}

/// Judge budgets; 0 means unlimited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JudgeLimits {
    /// 0..=10.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub max_samples_per_judge: i64,
    /// ≥ 0.
    #[serde(default)]
    pub max_calls_usd: f64,
    /// ≥ 0.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub max_tokens: i64,
}
