//! Scoring benchmark: time to score one case with deterministic validators
//! only (p50/p99 over many cases of a realistic spec) and time to score and
//! aggregate a 1,000-case lane. Prints plain `key: value` lines; exits 1
//! when the p50 per case exceeds the 2 ms budget.

use std::time::{Duration, Instant};

use agentclash_packs::model::{
    Case, Collector, Dimension, DimensionNormalization, DimensionSource, Direction, EvaluationSpec,
    Expectation, JsonMap, JudgeMode, Metric, MetricType, Scorecard, Strategy, Validator,
    ValidatorType,
};
use agentclash_scoring::{
    Capture, CapturedFile, CodeExecution, Evidence, ExternalScores, RunFacts, StopReason,
    ToolCallRecord, aggregate_lane, score_case,
};
use serde_json::{Value, json};

/// Cases timed individually.
const CASES: usize = 10_000;
/// Cases in the lane benchmark.
const LANE_CASES: usize = 1_000;
/// p50 budget per case.
const BUDGET: Duration = Duration::from_millis(2);

fn obj(v: Value) -> Option<JsonMap> {
    v.as_object().cloned()
}

fn validator(
    key: &str,
    kind: ValidatorType,
    target: &str,
    expected: Option<&str>,
    config: Value,
) -> Validator {
    Validator {
        key: key.into(),
        kind,
        target: target.into(),
        expected_from: expected.map(str::to_string),
        config: obj(config),
    }
}

fn dimension(key: &str, source: DimensionSource, validators: &[&str], gate: bool) -> Dimension {
    Dimension {
        key: key.into(),
        source,
        validators: validators.iter().map(|s| (*s).to_string()).collect(),
        metric: None,
        better_direction: None,
        normalization: None,
        weight: 1.0,
        judge_key: None,
        gate,
        pass_threshold: gate.then_some(0.5),
    }
}

/// A spec shaped like the real packs: every deterministic family once.
fn spec() -> EvaluationSpec {
    use ValidatorType as T;
    let schema = r#"literal:{"type":"object","required":["total","items"],"properties":{"total":{"type":"number"},"items":{"type":"array","minItems":1}}}"#;
    let validators = vec![
        validator(
            "total",
            T::NumericMatch,
            "final_output",
            Some("case.expectations.total"),
            json!({"extract_number": true, "absolute_tolerance": 0.01}),
        ),
        validator(
            "shape",
            T::JsonSchema,
            "final_output",
            Some(schema),
            json!(null),
        ),
        validator(
            "first_item",
            T::JsonPathMatch,
            "final_output",
            Some(r#"literal:{"path":"$.items[0].name","value":"north"}"#),
            json!(null),
        ),
        validator(
            "mentions",
            T::RegexMatch,
            "final_output",
            Some("literal:(?i)north"),
            json!(null),
        ),
        validator(
            "has_total",
            T::Contains,
            "final_output",
            Some("literal:total"),
            json!(null),
        ),
        validator(
            "summary",
            T::FuzzyMatch,
            "case.expectations.summary",
            Some("case.payload.summary"),
            json!({"threshold": 0.7}),
        ),
        validator(
            "summary_f1",
            T::TokenF1,
            "case.expectations.summary",
            Some("case.payload.summary"),
            json!({"normalize": true}),
        ),
        validator(
            "label",
            T::NormalizedMatch,
            "case.payload.label",
            Some("literal:Quarterly Report"),
            json!(null),
        ),
        validator(
            "report",
            T::FileContentMatch,
            "file:report",
            Some("literal:\"total\""),
            json!(null),
        ),
        validator(
            "tests",
            T::CodeExecution,
            "file:report",
            None,
            json!({"test_command": "pytest -q", "pass_threshold": 0.8}),
        ),
        validator(
            "read_csv",
            T::ToolCallAssertion,
            "tool_calls",
            None,
            json!({"tool_name": "read_file", "min_count": 1}),
        ),
    ];
    let mut latency = dimension("latency", DimensionSource::Latency, &[], false);
    latency.better_direction = Some(Direction::Lower);
    latency.normalization = Some(DimensionNormalization {
        target: Some(30_000.0),
        max: Some(180_000.0),
    });
    EvaluationSpec {
        name: "bench".into(),
        version_number: 1,
        judge_mode: JudgeMode::Deterministic,
        validators,
        metrics: vec![
            Metric {
                key: "done".into(),
                kind: MetricType::Boolean,
                collector: Collector::RunCompletedSuccessfully,
                unit: None,
            },
            Metric {
                key: "fails".into(),
                kind: MetricType::Numeric,
                collector: Collector::RunFailureCount,
                unit: None,
            },
            Metric {
                key: "latency".into(),
                kind: MetricType::Numeric,
                collector: Collector::RunTotalLatencyMs,
                unit: Some("ms".into()),
            },
        ],
        scorecard: Scorecard {
            dimensions: vec![
                dimension(
                    "correctness",
                    DimensionSource::Validators,
                    &["total", "shape", "first_item", "tests"],
                    true,
                ),
                dimension(
                    "quality",
                    DimensionSource::Validators,
                    &[
                        "mentions",
                        "has_total",
                        "summary",
                        "summary_f1",
                        "label",
                        "report",
                    ],
                    false,
                ),
                dimension("process", DimensionSource::Validators, &["read_csv"], false),
                dimension("reliability", DimensionSource::Reliability, &[], false),
                latency,
            ],
            strategy: Strategy::Hybrid,
            pass_threshold: Some(0.5),
            ..Scorecard::default()
        },
        ..EvaluationSpec::default()
    }
}

/// Deterministic per-case evidence with some variation (wrong totals,
/// failing tests, missing tool calls).
fn evidence(i: usize) -> Evidence {
    let total = 1000.0 + i as f64;
    let reported = if i.is_multiple_of(7) {
        total + 5.0
    } else {
        total
    };
    let output = json!({"total": reported, "items": [{"name": "north", "revenue": total}], "note": "north region dominates"});
    let payload = json!({"summary": "Revenue grew in the north region while the south stayed flat this quarter", "label": " quarterly   REPORT "});
    let mut files = std::collections::BTreeMap::new();
    let report = format!("{{\"total\": {total}, \"rows\": 3}}");
    files.insert(
        "report".to_string(),
        CapturedFile {
            capture: Capture::File {
                path: "/workspace/report.json".into(),
                size: report.len() as u64,
                content: report.into_bytes(),
                truncated: false,
            },
            event_id: Some(format!("evt-{i}-file")),
        },
    );
    let mut code = std::collections::BTreeMap::new();
    let failed = usize::from(i.is_multiple_of(5));
    code.insert(
        "tests".to_string(),
        CodeExecution {
            exit_code: Some(i32::from(failed > 0)),
            stdout: format!("{} passed, {failed} failed in 0.12s", 9 - failed),
            event_id: Some(format!("evt-{i}-tests")),
            ..CodeExecution::default()
        },
    );
    let mut calls = vec![ToolCallRecord {
        name: "list_files".into(),
        arguments: json!({"path": "/workspace"}),
        ..ToolCallRecord::default()
    }];
    if !i.is_multiple_of(3) {
        calls.push(ToolCallRecord {
            name: "read_file".into(),
            arguments: json!({"path": "/workspace/data.csv"}),
            ..ToolCallRecord::default()
        });
    }
    calls.push(ToolCallRecord {
        name: "submit".into(),
        arguments: json!({"answer": "…"}),
        ..ToolCallRecord::default()
    });
    Evidence {
        final_output: Some(output.to_string()),
        final_output_event_id: Some(format!("evt-{i}-final")),
        case: Case {
            challenge_key: "rollup".into(),
            case_key: format!("case-{i}"),
            payload: payload.as_object().cloned().unwrap_or_default(),
            expectations: vec![
                Expectation {
                    key: "total".into(),
                    kind: "number".into(),
                    value: Some(json!(total)),
                    ..Expectation::default()
                },
                Expectation {
                    key: "summary".into(),
                    kind: "text".into(),
                    value: Some(json!(
                        "Revenue grew in the north region and the south was flat this quarter"
                    )),
                    ..Expectation::default()
                },
            ],
            ..Case::default()
        },
        files,
        code_executions: code,
        tool_calls: calls,
        run: RunFacts {
            stop_reason: Some(StopReason::Submitted),
            completed: Some(true),
            duration_ms: Some(20_000 + (i as u64 % 100) * 1_000),
            ..RunFacts::default()
        },
        ..Evidence::default()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let spec = spec();
    let external = ExternalScores::default();
    let inputs: Vec<Evidence> = (0..CASES).map(evidence).collect();
    // Warm the per-thread regex/schema caches as a running worker would.
    let _ = score_case(&spec, &inputs[0], &external);
    let mut times = Vec::with_capacity(CASES);
    let mut passed = 0usize;
    for e in &inputs {
        let started = Instant::now();
        let s = score_case(&spec, e, &external);
        times.push(started.elapsed());
        passed += usize::from(s.passed == Some(true));
    }
    times.sort();
    let p50 = percentile(&times, 0.50);
    println!("scoring.validators_per_case: {}", spec.validators.len());
    println!("scoring.cases: {CASES} (passed {passed})");
    println!("scoring.case_p50: {}", ms(p50));
    println!("scoring.case_p99: {}", ms(percentile(&times, 0.99)));
    println!("scoring.case_max: {}", ms(times[times.len() - 1]));

    let started = Instant::now();
    let lane_scores: Vec<_> = inputs[..LANE_CASES]
        .iter()
        .map(|e| score_case(&spec, e, &external))
        .collect();
    let scored = started.elapsed();
    let lane = match aggregate_lane("bench", &spec, &lane_scores) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("aggregation failed: {e}");
            std::process::exit(2);
        }
    };
    let total = started.elapsed();
    println!("scoring.lane_cases: {LANE_CASES}");
    println!("scoring.lane_score: {}", ms(scored));
    println!("scoring.lane_aggregate: {}", ms(total - scored));
    println!("scoring.lane_total: {}", ms(total));
    println!(
        "scoring.lane_overall_mean: {:.4} (pass rate {:.3})",
        lane.overall.mean.unwrap_or(0.0),
        lane.pass_rate.unwrap_or(0.0)
    );
    compare_bench(&lane);
    println!("scoring.case_p50_budget: {}", ms(BUDGET));
    if p50 > BUDGET {
        eprintln!("scoring p50 {} exceeds the {} budget", ms(p50), ms(BUDGET));
        std::process::exit(1);
    }
}

/// Compares the lane with a perturbed copy of itself (every case paired,
/// varied deltas so the bootstrap does real work) and gates the result.
fn compare_bench(lane: &agentclash_scoring::LaneScorecard) {
    use agentclash_scoring::compare::{GatePolicy, LaneSide, compare_lanes, evaluate_gate};
    let mut candidate = lane.clone();
    candidate.lane_id = "bench-candidate".into();
    for (i, c) in candidate.case_summaries.iter_mut().enumerate() {
        c.overall_score = Some((i % 7) as f64 / 6.0);
        for v in c.dimensions.values_mut() {
            *v = Some((i % 5) as f64 / 4.0);
        }
    }
    let keys: Vec<String> = lane
        .case_summaries
        .iter()
        .map(|c| c.case_key.clone())
        .collect();
    let side = |card| LaneSide {
        run_agent_id: "lane",
        pack_version_id: Some("pv"),
        case_keys: &keys,
        scorecard: Some(card),
    };
    let started = Instant::now();
    let comparison = compare_lanes(&side(lane), &side(&candidate));
    let gate = evaluate_gate(&GatePolicy::default(), &comparison);
    let total = started.elapsed();
    println!(
        "scoring.compare_cases: {} ({} dimensions + overall + pass rate, {} bootstrap resamples each)",
        comparison.overall.paired.n,
        comparison.dimensions.len(),
        agentclash_scoring::compare::BOOTSTRAP_RESAMPLES
    );
    println!(
        "scoring.compare_and_gate: {} (verdict {})",
        ms(total),
        gate.verdict.as_str()
    );
}
