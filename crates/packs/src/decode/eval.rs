//! Decoding of `version.evaluation_spec`: strict keys and exact JSON types,
//! trimming of identifiers (not of enum values), judge sample defaults and
//! the expansion of string / built-in dimensions (§5.10.2).

use super::{Decoder, Obj, Zone};
use crate::diagnostics::Severity;
use crate::model::{
    Behavioral, Consensus, CostBounds, Dimension, DimensionNormalization, DimensionSource,
    Direction, EvaluationSpec, JudgeLimits, LatencyBounds, LegacyNormalization, LlmJudge, Metric,
    PostExecutionCheck, Pricing, PricingModel, RuntimeLimits, ScoreScale, Scorecard, Signal,
    StrEnum, Strategy, Validator,
};
use crate::yaml::Node;

const SPEC: &[&str] = &[
    "name",
    "version_number",
    "judge_mode",
    "validators",
    "metrics",
    "behavioral",
    "llm_judges",
    "post_execution_checks",
    "runtime_limits",
    "pricing",
    "scorecard",
];
const VALIDATOR: &[&str] = &["key", "type", "target", "expected_from", "config"];
const METRIC: &[&str] = &["key", "type", "collector", "unit"];
const SIGNAL: &[&str] = &["key", "weight", "gate", "pass_threshold"];
const JUDGE: &[&str] = &[
    "key",
    "mode",
    "model",
    "models",
    "samples",
    "context_from",
    "output_schema",
    "score_scale",
    "rubric",
    "assertion",
    "expect",
    "prompt",
    "position_debiasing",
    "reference_from",
    "consensus",
    "anti_gaming_clauses",
    "timeout_ms",
];
const CONSENSUS: &[&str] = &[
    "aggregation",
    "min_agreement_threshold",
    "flag_on_disagreement",
];
const CHECK: &[&str] = &["key", "type", "path", "recursive", "max_size_bytes"];
const LIMITS: &[&str] = &[
    "max_total_tokens",
    "max_cost_usd",
    "max_duration_ms",
    "max_iterations",
];
const PRICE: &[&str] = &[
    "provider_key",
    "provider_model_id",
    "input_cost_per_million_tokens",
    "output_cost_per_million_tokens",
];
const SCORECARD: &[&str] = &[
    "dimensions",
    "normalization",
    "strategy",
    "pass_threshold",
    "judge_limits",
];
const DIMENSION: &[&str] = &[
    "key",
    "source",
    "validators",
    "metric",
    "better_direction",
    "normalization",
    "weight",
    "judge_key",
    "gate",
    "pass_threshold",
];
const ERR: Severity = Severity::Error;
const ES: &str = "version.evaluation_spec";

impl Decoder<'_> {
    /// Opens a strictly decoded mapping inside the evaluation spec.
    fn strict<'n>(&mut self, node: Option<&'n Node>, path: &str, keys: &[&str]) -> Option<Obj<'n>> {
        self.obj(node, path, keys, Zone::Strict, ERR)
    }

    /// An exact (untrimmed) enum inside the evaluation spec; `None` when absent.
    fn exact<E: StrEnum>(&mut self, o: &Obj, key: &str) -> Option<E> {
        self.enumeration(o, key, false)
    }

    /// Items of a list of strictly decoded mappings.
    fn strict_items<'n>(&mut self, o: &Obj<'n>, key: &str, keys: &[&str]) -> Vec<Obj<'n>> {
        self.seq(o, key)
            .into_iter()
            .filter_map(|(p, n)| self.strict(Some(n), &p, keys))
            .collect()
    }
}

/// Decodes the evaluation spec; an absent spec decodes as empty so that the
/// validator reports each missing part.
pub(crate) fn decode_spec(d: &mut Decoder, version: &Obj) -> EvaluationSpec {
    let Some(o) = d.strict(version.get("evaluation_spec"), ES, SPEC) else {
        return EvaluationSpec::default();
    };
    let validators = d
        .strict_items(&o, "validators", VALIDATOR)
        .iter()
        .map(|v| validator(d, v))
        .collect();
    let metrics = d
        .strict_items(&o, "metrics", METRIC)
        .iter()
        .map(|m| Metric {
            key: d.text(m, "key"),
            kind: d
                .exact(m, "type")
                .unwrap_or(crate::model::MetricType::Invalid),
            collector: d
                .enumeration(m, "collector", false)
                .unwrap_or(crate::model::Collector::Invalid),
            unit: d.opt_text(m, "unit"),
        })
        .collect();
    let behavioral = d
        .strict(o.get("behavioral"), &o.child("behavioral"), &["signals"])
        .map(|b| Behavioral {
            signals: d
                .strict_items(&b, "signals", SIGNAL)
                .iter()
                .map(|s| Signal {
                    key: d
                        .exact(s, "key")
                        .unwrap_or(crate::model::SignalKey::Invalid),
                    weight: d.float(s, "weight").unwrap_or(0.0),
                    gate: d.boolean(s, "gate").unwrap_or(false),
                    pass_threshold: d.float(s, "pass_threshold"),
                })
                .collect(),
        });
    let llm_judges = d
        .strict_items(&o, "llm_judges", JUDGE)
        .iter()
        .map(|j| judge(d, j))
        .collect();
    let post_execution_checks = d
        .strict_items(&o, "post_execution_checks", CHECK)
        .iter()
        .map(|c| PostExecutionCheck {
            key: d.text(c, "key"),
            kind: d
                .exact(c, "type")
                .unwrap_or(crate::model::CheckType::Invalid),
            path: d.text(c, "path"),
            recursive: d.boolean(c, "recursive").unwrap_or(false),
            max_size_bytes: d.int(c, "max_size_bytes").unwrap_or(0),
        })
        .collect();
    let runtime_limits = d
        .strict(o.get("runtime_limits"), &o.child("runtime_limits"), LIMITS)
        .map(|l| RuntimeLimits {
            max_total_tokens: d.int(&l, "max_total_tokens"),
            max_cost_usd: d.float(&l, "max_cost_usd"),
            max_duration_ms: d.int(&l, "max_duration_ms"),
            max_iterations: d.int32(&l, "max_iterations"),
        })
        .unwrap_or_default();
    let pricing = d
        .strict(o.get("pricing"), &o.child("pricing"), &["models"])
        .map(|p| Pricing {
            models: d
                .strict_items(&p, "models", PRICE)
                .iter()
                .map(|m| PricingModel {
                    provider_key: d.text(m, "provider_key"),
                    provider_model_id: d.text(m, "provider_model_id"),
                    input_cost_per_million_tokens: d
                        .float(m, "input_cost_per_million_tokens")
                        .unwrap_or(0.0),
                    output_cost_per_million_tokens: d
                        .float(m, "output_cost_per_million_tokens")
                        .unwrap_or(0.0),
                })
                .collect(),
        })
        .unwrap_or_default();
    let scorecard = scorecard(d, &o, &runtime_limits);
    EvaluationSpec {
        name: d.text(&o, "name"),
        version_number: d.int32(&o, "version_number").unwrap_or(0),
        judge_mode: d
            .exact(&o, "judge_mode")
            .unwrap_or(crate::model::JudgeMode::Invalid),
        validators,
        metrics,
        behavioral,
        llm_judges,
        post_execution_checks,
        runtime_limits,
        pricing,
        scorecard,
    }
}

fn validator(d: &mut Decoder, v: &Obj) -> Validator {
    d.notes.validator_config_present.push(v.has("config"));
    Validator {
        key: d.text(v, "key"),
        kind: d
            .exact(v, "type")
            .unwrap_or(crate::model::ValidatorType::Invalid),
        target: d.text(v, "target"),
        expected_from: d.opt_text(v, "expected_from"),
        config: d.json_map(v, "config"),
    }
}

fn judge(d: &mut Decoder, j: &Obj) -> LlmJudge {
    let score_scale = d
        .strict(
            j.get("score_scale"),
            &j.child("score_scale"),
            &["min", "max"],
        )
        .map(|s| ScoreScale {
            min: d.float(&s, "min").unwrap_or(0.0),
            max: d.float(&s, "max").unwrap_or(0.0),
        });
    let consensus = d
        .strict(j.get("consensus"), &j.child("consensus"), CONSENSUS)
        .map(|c| Consensus {
            aggregation: d.exact(&c, "aggregation"),
            min_agreement_threshold: d.float(&c, "min_agreement_threshold"),
            flag_on_disagreement: d.boolean(&c, "flag_on_disagreement").unwrap_or(false),
        });
    let samples = d.int(j, "samples").unwrap_or(0);
    let key = d.text(j, "key");
    let mode = d
        .exact(j, "mode")
        .unwrap_or(crate::model::JudgeKind::Invalid);
    if mode == crate::model::JudgeKind::Invalid {
        let raw = j.get("mode").and_then(Node::scalar).map(|s| s.text.clone());
        d.notes
            .judge_modes
            .insert(key.clone(), raw.unwrap_or_default());
    }
    LlmJudge {
        key,
        mode,
        model: d.opt_text(j, "model"),
        models: d.strings(j, "models"),
        samples: if samples == 0 { 3 } else { samples },
        context_from: d.strings(j, "context_from"),
        output_schema: d.opt_json(j, "output_schema"),
        score_scale,
        rubric: d.opt_raw(j, "rubric"),
        assertion: d.opt_raw(j, "assertion"),
        expect: d.boolean(j, "expect"),
        prompt: d.opt_raw(j, "prompt"),
        position_debiasing: d.boolean(j, "position_debiasing").unwrap_or(false),
        reference_from: d.opt_text(j, "reference_from"),
        consensus,
        anti_gaming_clauses: d.strings(j, "anti_gaming_clauses"),
        timeout_ms: d.int(j, "timeout_ms"),
    }
}

fn scorecard(d: &mut Decoder, spec: &Obj, limits: &RuntimeLimits) -> Scorecard {
    let Some(o) = d.strict(spec.get("scorecard"), &spec.child("scorecard"), SCORECARD) else {
        return Scorecard::default();
    };
    let normalization = d
        .strict(
            o.get("normalization"),
            &o.child("normalization"),
            &["latency", "cost"],
        )
        .map(|n| LegacyNormalization {
            latency: d
                .strict(
                    n.get("latency"),
                    &n.child("latency"),
                    &["target_ms", "max_ms"],
                )
                .map(|l| LatencyBounds {
                    target_ms: d.float(&l, "target_ms"),
                    max_ms: d.float(&l, "max_ms"),
                }),
            cost: d
                .strict(n.get("cost"), &n.child("cost"), &["target_usd", "max_usd"])
                .map(|c| CostBounds {
                    target_usd: d.float(&c, "target_usd"),
                    max_usd: d.float(&c, "max_usd"),
                }),
        });
    let judge_limits = d
        .strict(
            o.get("judge_limits"),
            &o.child("judge_limits"),
            &["max_samples_per_judge", "max_calls_usd", "max_tokens"],
        )
        .map(|l| JudgeLimits {
            max_samples_per_judge: d.int(&l, "max_samples_per_judge").unwrap_or(0),
            max_calls_usd: d.float(&l, "max_calls_usd").unwrap_or(0.0),
            max_tokens: d.int(&l, "max_tokens").unwrap_or(0),
        });
    let mut dimensions = Vec::new();
    for (p, node) in d.seq(&o, "dimensions") {
        let dim = match node.scalar() {
            Some(_) => {
                let key = d
                    .raw_string(Some(node), &p, Zone::Strict)
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default();
                expand(d, &p, node, bare(key), normalization.as_ref(), limits)
            }
            None => match d.strict(Some(node), &p, DIMENSION) {
                Some(x) => {
                    let dim = dimension(d, &x);
                    expand(d, &p, node, dim, normalization.as_ref(), limits)
                }
                None => continue,
            },
        };
        dimensions.push(dim);
    }
    Scorecard {
        dimensions,
        strategy: d.exact(&o, "strategy").unwrap_or(Strategy::Weighted),
        pass_threshold: d.float(&o, "pass_threshold"),
        normalization,
        judge_limits,
    }
}

/// A dimension with only a key and no source yet.
fn bare(key: String) -> (Dimension, bool) {
    (
        Dimension {
            key,
            source: DimensionSource::Invalid,
            validators: Vec::new(),
            metric: None,
            better_direction: None,
            normalization: None,
            weight: 1.0,
            judge_key: None,
            gate: false,
            pass_threshold: None,
        },
        false,
    )
}

fn dimension(d: &mut Decoder, o: &Obj) -> (Dimension, bool) {
    let source: Option<DimensionSource> = d.exact(o, "source");
    let normalization = d
        .strict(
            o.get("normalization"),
            &o.child("normalization"),
            &["target", "max"],
        )
        .map(|n| DimensionNormalization {
            target: d.float(&n, "target"),
            max: d.float(&n, "max"),
        });
    let (mut dim, _) = bare(d.text(o, "key"));
    dim.source = source.unwrap_or(DimensionSource::Invalid);
    dim.validators = d.strings(o, "validators");
    dim.metric = d.opt_text(o, "metric");
    dim.better_direction = d.exact(o, "better_direction");
    dim.normalization = normalization;
    dim.weight = d.float(o, "weight").unwrap_or(1.0);
    dim.judge_key = d.opt_text(o, "judge_key");
    dim.gate = d.boolean(o, "gate").unwrap_or(false);
    dim.pass_threshold = d.float(o, "pass_threshold");
    (dim, source.is_some())
}

/// Fills in the source (and defaults) of built-in dimension keys written
/// without one, from the legacy scorecard normalisation where needed.
fn expand(
    d: &mut Decoder,
    path: &str,
    node: &Node,
    (mut dim, has_source): (Dimension, bool),
    legacy: Option<&LegacyNormalization>,
    limits: &RuntimeLimits,
) -> Dimension {
    if has_source || dim.key.is_empty() {
        return dim;
    }
    let (source, direction) = match dim.key.as_str() {
        "correctness" => (DimensionSource::Validators, Direction::Higher),
        "reliability" => (DimensionSource::Reliability, Direction::Higher),
        "behavioral" => (DimensionSource::Behavioral, Direction::Higher),
        "latency" => (DimensionSource::Latency, Direction::Lower),
        "cost" => (DimensionSource::Cost, Direction::Lower),
        _ => {
            let msg = "must be one of validators, metric, reliability, latency, cost, behavioral, llm_judge";
            d.sink
                .push(ERR, &format!("{path}.source"), node.pos, msg, None);
            return dim;
        }
    };
    dim.source = source;
    dim.better_direction.get_or_insert(direction);
    if dim.normalization.is_none() {
        dim.normalization = match (source, legacy) {
            (
                DimensionSource::Latency,
                Some(LegacyNormalization {
                    latency: Some(l), ..
                }),
            ) => Some(DimensionNormalization {
                target: l.target_ms,
                max: l.max_ms.or(limits.max_duration_ms.map(|v| v as f64)),
            }),
            (DimensionSource::Cost, Some(LegacyNormalization { cost: Some(c), .. })) => {
                Some(DimensionNormalization {
                    target: c.target_usd,
                    max: c.max_usd.or(limits.max_cost_usd),
                })
            }
            _ => None,
        };
    }
    dim
}
