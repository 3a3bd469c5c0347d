//! Rules on the evaluation spec (§9.8): keys and namespaces, validator
//! targets and evidence references (with `literal:` regexes, schemas and
//! JSON-path expectations checked), metrics, signals, judges, checks,
//! limits, pricing and the scorecard.

use std::collections::HashSet;

use super::evidence::{Evidence, parse};
use super::syntax::schema_error;
use super::{Reporter, unique_keys};
use crate::diagnostics::Severity;
use crate::model::{
    Aggregation, CheckType, Collector, DimensionSource, Direction, EvaluationSpec, JudgeKind,
    JudgeMode, Pack, SignalKey, Strategy, ValidatorType,
};

const ES: &str = "version.evaluation_spec";

pub(crate) fn check(r: &mut Reporter, p: &Pack) {
    let es = &p.version.evaluation_spec;
    r.required(&format!("{ES}.name"), &es.name);
    if es.version_number <= 0 {
        r.error(&format!("{ES}.version_number"), "must be greater than 0");
    }
    if es.validators.is_empty() {
        r.error(
            &format!("{ES}.validators"),
            "must contain at least one validator",
        );
    }
    validators(r, es);
    metrics(r, es);
    signals(r, es);
    judges(r, es);
    checks(r, es);
    limits_and_pricing(r, es);
    scorecard(r, es);
    let jp = format!("{ES}.llm_judges");
    match es.judge_mode {
        JudgeMode::Deterministic if !es.llm_judges.is_empty() => {
            r.error(&jp, "must be empty when judge_mode is deterministic");
        }
        JudgeMode::LlmJudge | JudgeMode::Hybrid if es.llm_judges.is_empty() => r.error(
            &jp,
            format!(
                "must contain at least one judge when judge_mode is {}",
                es.judge_mode
            ),
        ),
        _ => {}
    }
    if es.judge_mode == JudgeMode::Invalid && !r.notes_has_judge_mode_error() {
        r.error(
            &format!("{ES}.judge_mode"),
            "must be one of deterministic, llm_judge, hybrid",
        );
    }
}

impl Reporter<'_> {
    /// Whether decoding already reported a bad `judge_mode` spelling.
    fn notes_has_judge_mode_error(&self) -> bool {
        self.sink
            .items
            .iter()
            .any(|d| d.path == format!("{ES}.judge_mode"))
    }
}

/// Checks one evidence reference; returns it when supported.
fn evidence<'a>(r: &mut Reporter, path: &str, s: &'a str) -> Option<Evidence<'a>> {
    let e = parse(s);
    if e.is_none() {
        r.error(path, "must be a supported evidence reference");
    }
    e
}

fn validators(r: &mut Reporter, es: &EvaluationSpec) {
    let check_keys: Vec<(&str, CheckType)> = es
        .post_execution_checks
        .iter()
        .map(|c| (c.key.as_str(), c.kind))
        .collect();
    for (v, val) in es.validators.iter().enumerate() {
        let path = format!("{ES}.validators[{v}]");
        r.required(&format!("{path}.key"), &val.key);
        let t = val.kind;
        let tp = format!("{path}.target");
        if r.required(&tp, &val.target) && t != ValidatorType::Invalid {
            if t == ValidatorType::ToolCallAssertion {
                if val.target != "tool_calls" {
                    r.error(
                        &tp,
                        "must be \"tool_calls\" for tool_call_assertion validators",
                    );
                }
            } else if let Some(e) = evidence(r, &tp, &val.target) {
                file_target(r, &tp, t, e, &check_keys);
            }
        }
        let ep = format!("{path}.expected_from");
        match (t.expected_from_rule(), &val.expected_from) {
            (None, Some(_)) => r.error(&ep, format!("must be omitted for {t} validators")),
            (Some(true), None) if t != ValidatorType::Invalid => r.error(&ep, "is required"),
            (Some(true), Some(s)) => {
                if let Some(Evidence::Literal(text)) = evidence(r, &ep, s)
                    && let Some(msg) =
                        super::expected::problem(r, t, val.config.as_ref(), text.trim_end())
                {
                    r.error(&ep, format!("literal {msg}"));
                }
            }
            _ => {}
        }
        let present = r
            .notes
            .validator_config_present
            .get(v)
            .copied()
            .unwrap_or(false);
        super::config::check(r, &path, t, val.config.as_ref(), present);
    }
    unique_keys(
        r,
        es.validators
            .iter()
            .enumerate()
            .map(|(v, x)| (format!("{ES}.validators[{v}].key"), x.key.as_str())),
    );
}

fn file_target(
    r: &mut Reporter,
    tp: &str,
    t: ValidatorType,
    e: Evidence,
    checks: &[(&str, CheckType)],
) {
    let Evidence::File(key) = e else {
        if t.is_file_type() {
            r.error(tp, "must use file: prefix for file validators");
        }
        return;
    };
    let found = checks.iter().find(|(k, _)| *k == key);
    let unknown = format!("references unknown post_execution_check key \"{key}\"");
    match found {
        None if !checks.is_empty() || t == ValidatorType::CodeExecution || t == ValidatorType::Postcondition => {
            r.error(tp, unknown);
        }
        None => r.warn(
            tp,
            format!("{unknown}: no post_execution_checks are declared, so this evidence is never available"),
        ),
        Some((_, kind)) if t == ValidatorType::CodeExecution && *kind != CheckType::FileCapture => {
            r.error(tp, "must reference a file_capture post_execution_check");
        }
        Some(_) => {}
    }
}

fn metrics(r: &mut Reporter, es: &EvaluationSpec) {
    for (m, metric) in es.metrics.iter().enumerate() {
        let path = format!("{ES}.metrics[{m}]");
        r.required(&format!("{path}.key"), &metric.key);
        if metric.collector == Collector::BehavioralConfidenceCalibrationScore {
            r.error(
                &format!("{path}.collector"),
                "is not supported until confidence reporting lands",
            );
        }
    }
    unique_keys(
        r,
        es.metrics
            .iter()
            .enumerate()
            .map(|(m, x)| (format!("{ES}.metrics[{m}].key"), x.key.as_str())),
    );
}

fn signals(r: &mut Reporter, es: &EvaluationSpec) {
    let Some(b) = &es.behavioral else {
        return;
    };
    if b.signals.is_empty() {
        r.error(
            &format!("{ES}.behavioral.signals"),
            "must contain at least one signal",
        );
    }
    let mut seen = HashSet::new();
    for (s, sig) in b.signals.iter().enumerate() {
        let path = format!("{ES}.behavioral.signals[{s}]");
        if sig.key == SignalKey::ConfidenceCalibration {
            r.error(
                &format!("{path}.key"),
                "is not supported until confidence reporting lands",
            );
        } else if sig.key != SignalKey::Invalid && !seen.insert(sig.key) {
            r.error(&format!("{path}.key"), "must be unique");
        }
        if sig.weight <= 0.0 {
            r.error(&format!("{path}.weight"), "must be greater than 0");
        }
        unit_threshold(
            r,
            &format!("{path}.pass_threshold"),
            sig.pass_threshold,
            sig.gate,
            "is required when the signal is gated",
        );
    }
}

/// `pass_threshold` rules: required when `needed`, in [0,1] when set.
fn unit_threshold(r: &mut Reporter, path: &str, v: Option<f64>, needed: bool, missing: &str) {
    match v {
        None if needed => r.error(path, missing),
        Some(t) if !(0.0..=1.0).contains(&t) => r.error(path, "must be between 0 and 1"),
        _ => {}
    }
}

/// Judge model id → provider, as inferred at publish (§5.9).
fn provider_known(model: &str) -> bool {
    crate::model::JudgeProvider::of_model(model).is_some()
}

fn judges(r: &mut Reporter, es: &EvaluationSpec) {
    let validator_keys: HashSet<&str> = es.validators.iter().map(|v| v.key.as_str()).collect();
    let metric_keys: HashSet<&str> = es.metrics.iter().map(|m| m.key.as_str()).collect();
    let mut seen = HashSet::new();
    for (j, judge) in es.llm_judges.iter().enumerate() {
        let path = format!("{ES}.llm_judges[{j}]");
        let kp = format!("{path}.key");
        if !r.required(&kp, &judge.key) {
            continue;
        }
        if !seen.insert(judge.key.as_str()) {
            r.error(&kp, "must be unique");
            continue;
        }
        if validator_keys.contains(judge.key.as_str()) {
            r.error(
                &kp,
                format!("collides with validator key \"{}\"", judge.key),
            );
            continue;
        }
        if metric_keys.contains(judge.key.as_str()) {
            r.error(&kp, format!("collides with metric key \"{}\"", judge.key));
            continue;
        }
        let mode = judge.mode;
        let text_required = |r: &mut Reporter, field: &str, v: &Option<String>| {
            if v.as_deref().is_none_or(|s| s.trim().is_empty()) {
                r.error(
                    &format!("{path}.{field}"),
                    format!("is required for {mode} mode"),
                );
            }
        };
        match mode {
            JudgeKind::Rubric => text_required(r, "rubric", &judge.rubric),
            JudgeKind::Reference => {
                text_required(r, "rubric", &judge.rubric);
                text_required(r, "reference_from", &judge.reference_from);
            }
            JudgeKind::Assertion => text_required(r, "assertion", &judge.assertion),
            JudgeKind::NWise => text_required(r, "prompt", &judge.prompt),
            JudgeKind::Invalid => continue,
        }
        if let Some(rf) = &judge.reference_from {
            evidence(r, &format!("{path}.reference_from"), rf);
        }
        match (&judge.model, judge.models.is_empty()) {
            (None, true) => r.error(
                &format!("{path}.model"),
                "must set exactly one of model or models",
            ),
            (Some(_), false) => r.error(
                &format!("{path}.models"),
                "must set exactly one of model or models, not both",
            ),
            _ => {}
        }
        let infer = "must be inferable to a known judge provider (claude-*, gpt-*, gemini-*, grok-*, mistral-*, openrouter/* slugs)";
        if let Some(m) = &judge.model
            && !provider_known(m)
        {
            r.error(&format!("{path}.model"), infer);
        }
        for (k, m) in judge.models.iter().enumerate() {
            let mp = format!("{path}.models[{k}]");
            if m.is_empty() {
                r.error(&mp, "must be a non-empty model identifier");
            } else if !provider_known(m) {
                r.error(&mp, infer);
            }
        }
        if judge.samples < 0 {
            r.error(
                &format!("{path}.samples"),
                "must be greater than or equal to 0",
            );
        } else if judge.samples > 10 {
            r.error(&format!("{path}.samples"), "must be at most 10");
        }
        consensus(r, &path, judge);
        for (k, c) in judge.context_from.iter().enumerate() {
            evidence(r, &format!("{path}.context_from[{k}]"), c);
        }
        if let Some(schema) = &judge.output_schema
            && let Some(e) = schema_error(schema)
        {
            r.error(
                &format!("{path}.output_schema"),
                format!("must be valid JSON Schema: {e}"),
            );
        }
        for (field, text) in [
            ("rubric", &judge.rubric),
            ("assertion", &judge.assertion),
            ("prompt", &judge.prompt),
        ] {
            let t = text.as_deref().unwrap_or("");
            if t.contains("${secrets.") || t.contains("${ secrets.") || t.contains("${secrets .") {
                r.error(
                    &format!("{path}.{field}"),
                    "must not contain ${secrets.*} references; secrets are not allowed in judge prompt text",
                );
            }
        }
        if let Some(s) = &judge.score_scale
            && s.min >= s.max
        {
            r.error(
                &format!("{path}.score_scale"),
                "min must be strictly less than max",
            );
        }
        if judge.timeout_ms.is_some_and(|t| t <= 0) {
            r.error(&format!("{path}.timeout_ms"), "must be greater than 0");
        }
    }
}

fn consensus(r: &mut Reporter, path: &str, judge: &crate::model::LlmJudge) {
    let cp = format!("{path}.consensus");
    let multi = judge.models.len() > 1;
    let Some(c) = &judge.consensus else {
        if multi {
            r.error(&cp, "is required when multiple models are declared");
        }
        return;
    };
    if !multi {
        r.error(&cp, "is only valid when multiple models are declared");
    }
    let ap = format!("{cp}.aggregation");
    match (c.aggregation, judge.mode) {
        (Some(a @ (Aggregation::Median | Aggregation::Mean)), JudgeKind::Assertion) => r.error(
            &ap,
            format!(
                "\"{a}\" aggregation is only valid for numeric modes (rubric, reference, n_wise)"
            ),
        ),
        (Some(Aggregation::MajorityVote), m) if m != JudgeKind::Assertion => {
            r.error(
                &ap,
                "majority_vote aggregation is only valid for assertion mode",
            );
        }
        _ => {}
    }
    unit_threshold(
        r,
        &format!("{cp}.min_agreement_threshold"),
        c.min_agreement_threshold,
        false,
        "",
    );
}

fn checks(r: &mut Reporter, es: &EvaluationSpec) {
    for (c, check) in es.post_execution_checks.iter().enumerate() {
        let path = format!("{ES}.post_execution_checks[{c}]");
        r.required(&format!("{path}.key"), &check.key);
        r.required(&format!("{path}.path"), &check.path);
        if check.max_size_bytes < 0 {
            r.error(
                &format!("{path}.max_size_bytes"),
                "must be greater than or equal to 0",
            );
        }
    }
    unique_keys(
        r,
        es.post_execution_checks.iter().enumerate().map(|(c, x)| {
            (
                format!("{ES}.post_execution_checks[{c}].key"),
                x.key.as_str(),
            )
        }),
    );
}

fn limits_and_pricing(r: &mut Reporter, es: &EvaluationSpec) {
    let l = &es.runtime_limits;
    let lp = format!("{ES}.runtime_limits");
    let positive = [
        ("max_total_tokens", l.max_total_tokens.map(|v| v as f64)),
        ("max_cost_usd", l.max_cost_usd),
        ("max_duration_ms", l.max_duration_ms.map(|v| v as f64)),
    ];
    for (k, v) in positive {
        if v.is_some_and(|v| v <= 0.0) {
            r.error(&format!("{lp}.{k}"), "must be greater than 0");
        }
    }
    if l.max_iterations.is_some_and(|v| !(1..=1000).contains(&v)) {
        r.error(
            &format!("{lp}.max_iterations"),
            "must be between 1 and 1000",
        );
    }
    let mut pairs = HashSet::new();
    for (i, m) in es.pricing.models.iter().enumerate() {
        let path = format!("{ES}.pricing.models[{i}]");
        r.required(&format!("{path}.provider_key"), &m.provider_key);
        r.required(&format!("{path}.provider_model_id"), &m.provider_model_id);
        for (k, v) in [
            (
                "input_cost_per_million_tokens",
                m.input_cost_per_million_tokens,
            ),
            (
                "output_cost_per_million_tokens",
                m.output_cost_per_million_tokens,
            ),
        ] {
            if v < 0.0 {
                r.error(&format!("{path}.{k}"), "must be greater than or equal to 0");
            }
        }
        if !pairs.insert((m.provider_key.as_str(), m.provider_model_id.as_str())) {
            r.error(
                &path,
                "must be unique by provider_key and provider_model_id",
            );
        }
    }
}

fn scorecard(r: &mut Reporter, es: &EvaluationSpec) {
    let sc = &es.scorecard;
    let sp = format!("{ES}.scorecard");
    if sc.dimensions.is_empty() {
        r.error(
            &format!("{sp}.dimensions"),
            "must contain at least one dimension",
        );
    }
    if let Some(l) = &sc.judge_limits {
        let lp = format!("{sp}.judge_limits");
        if !(0..=10).contains(&l.max_samples_per_judge) {
            r.error(
                &format!("{lp}.max_samples_per_judge"),
                "must be between 0 and 10",
            );
        }
        if l.max_calls_usd < 0.0 {
            r.error(
                &format!("{lp}.max_calls_usd"),
                "must be greater than or equal to 0",
            );
        }
        if l.max_tokens < 0 {
            r.error(
                &format!("{lp}.max_tokens"),
                "must be greater than or equal to 0",
            );
        }
    }
    let binary = sc.strategy == Strategy::Binary;
    match sc.pass_threshold {
        Some(_) if binary => r.error(
            &format!("{sp}.pass_threshold"),
            "must not be set for binary strategy; use per-dimension pass_threshold instead",
        ),
        t => unit_threshold(r, &format!("{sp}.pass_threshold"), t, false, ""),
    }
    if sc.strategy == Strategy::Hybrid && !sc.dimensions.iter().any(|d| d.gate) {
        r.error(
            &format!("{sp}.strategy"),
            "hybrid strategy requires at least one gated dimension",
        );
    }
    let validator_keys: Vec<&str> = es.validators.iter().map(|v| v.key.as_str()).collect();
    let metric_keys: Vec<&str> = es.metrics.iter().map(|m| m.key.as_str()).collect();
    let mut seen = HashSet::new();
    for (i, dim) in sc.dimensions.iter().enumerate() {
        let path = format!("{sp}.dimensions[{i}]");
        if !r.required(&format!("{path}.key"), &dim.key) {
            continue;
        }
        if !seen.insert(dim.key.as_str()) {
            r.error(&path, "must be unique");
            continue;
        }
        let source = dim.source;
        if source == DimensionSource::Invalid {
            continue;
        }
        for (k, v) in dim.validators.iter().enumerate() {
            if !validator_keys.contains(&v.as_str()) {
                let hint = crate::suggest::closest(v, &validator_keys).map(str::to_owned);
                r.push(
                    Severity::Error,
                    &format!("{path}.validators[{k}]"),
                    format!("references unknown validator key \"{v}\""),
                    hint,
                );
            }
        }
        if source == DimensionSource::Metric {
            match &dim.metric {
                None => r.error(
                    &format!("{path}.metric"),
                    "is required when source is metric",
                ),
                Some(m) if !metric_keys.contains(&m.as_str()) => {
                    let hint = crate::suggest::closest(m, &metric_keys).map(str::to_owned);
                    r.push(
                        Severity::Error,
                        &format!("{path}.metric"),
                        format!("references unknown metric key \"{m}\""),
                        hint,
                    );
                }
                Some(_) => {}
            }
        }
        if source == DimensionSource::Behavioral && es.behavioral.is_none() {
            r.error(
                &format!("{ES}.behavioral"),
                "is required when a scorecard dimension uses source behavioral",
            );
        }
        judge_dimension(r, es, &path, dim);
        direction_and_normalization(r, &path, dim);
        if dim.weight < 0.0 {
            r.error(
                &format!("{path}.weight"),
                "must be greater than or equal to 0",
            );
        }
        unit_threshold(
            r,
            &format!("{path}.pass_threshold"),
            dim.pass_threshold,
            dim.gate || binary,
            "is required when the dimension is gated or strategy is binary",
        );
    }
}

fn judge_dimension(
    r: &mut Reporter,
    es: &EvaluationSpec,
    path: &str,
    dim: &crate::model::Dimension,
) {
    let jp = format!("{path}.judge_key");
    if dim.source != DimensionSource::LlmJudge {
        if dim.judge_key.is_some() {
            r.error(&jp, "must be empty unless source is llm_judge");
        }
        return;
    }
    let Some(k) = &dim.judge_key else {
        r.error(&jp, "is required when source is llm_judge");
        return;
    };
    let keys: Vec<&str> = es.llm_judges.iter().map(|j| j.key.as_str()).collect();
    match es.llm_judges.iter().find(|j| j.key == *k) {
        None => {
            let hint = crate::suggest::closest(k, &keys).map(str::to_owned);
            r.push(
                Severity::Error,
                &jp,
                format!("references unknown judge key \"{k}\""),
                hint,
            );
        }
        // Every declared mode yields a score in [0,1] (assertion 0/1, n_wise
        // Borda); a judge whose mode did not decode yields none.
        Some(j) if j.mode == JudgeKind::Invalid => r.error(
            &jp,
            format!(
                "judge \"{k}\" mode \"{}\" does not produce a numeric score usable as a dimension",
                r.notes.judge_modes.get(k).map_or("", String::as_str)
            ),
        ),
        Some(_) => {}
    }
}

fn direction_and_normalization(r: &mut Reporter, path: &str, dim: &crate::model::Dimension) {
    use DimensionSource as S;
    let dp = format!("{path}.better_direction");
    match dim.source {
        S::Validators | S::Reliability | S::Behavioral | S::LlmJudge => {
            if let Some(d) = dim.better_direction.filter(|d| *d != Direction::Higher) {
                r.error(
                    &dp,
                    format!("must be \"higher\" for {} source (got \"{d}\")", dim.source),
                );
            }
        }
        S::Metric | S::Latency | S::Cost => {
            if dim.better_direction.is_none() {
                r.error(&dp, "must be higher or lower");
            }
            let np = format!("{path}.normalization");
            match &dim.normalization {
                None => r.error(&np, format!("is required when source is {}", dim.source)),
                Some(n) => {
                    if n.target.is_none() {
                        r.error(&format!("{np}.target"), "is required");
                    }
                    if n.max.is_none() {
                        r.error(&format!("{np}.max"), "is required");
                    }
                    if let (Some(t), Some(m), Some(d)) = (n.target, n.max, dim.better_direction) {
                        if d == Direction::Lower && m <= t {
                            r.error(
                                &format!("{np}.max"),
                                "must be greater than target when better_direction is lower",
                            );
                        }
                        if d == Direction::Higher && m >= t {
                            r.error(
                                &format!("{np}.max"),
                                "must be less than target when better_direction is higher",
                            );
                        }
                    }
                }
            }
        }
        S::HumanPreference | S::Invalid => {}
    }
}
