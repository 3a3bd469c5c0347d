//! Property: every pack the validator accepts round-trips through its
//! normalised JSON form unchanged, and re-validating that JSON (JSON is YAML)
//! yields the same pack.

use agentclash_packs::{Pack, ValidateOptions, validate};
use proptest::prelude::*;

/// A YAML double-quoted scalar for any text (JSON string syntax is valid YAML).
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

#[derive(Debug, Clone)]
struct Params {
    slug: String,
    title: String,
    free_text: String,
    number: i32,
    weights: (f64, f64),
    threshold: f64,
    payload_int: i64,
    payload_float: f64,
    cases: usize,
    prompt_eval: bool,
    mock_tool: bool,
    string_dimension: bool,
    security: bool,
}

fn params() -> impl Strategy<Value = Params> {
    (
        "[a-z][a-z0-9-]{0,20}",
        "[A-Za-z][ -~]{0,30}",
        "\\PC{0,40}",
        1i32..100_000,
        (0.0f64..10.0, 0.0f64..10.0),
        0.0f64..=1.0,
        any::<i64>(),
        -1.0e9f64..1.0e9,
        1usize..4,
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                slug,
                title,
                free_text,
                number,
                weights,
                threshold,
                payload_int,
                payload_float,
                cases,
                flags,
            )| Params {
                slug,
                title,
                free_text,
                number,
                weights,
                threshold,
                payload_int,
                payload_float,
                cases,
                prompt_eval: flags.0,
                mock_tool: flags.1 && !flags.0,
                string_dimension: flags.2,
                security: flags.3,
            },
        )
}

fn bundle(p: &Params) -> String {
    let mode = if p.prompt_eval {
        "prompt_eval"
    } else {
        "native"
    };
    let mut y = format!(
        "pack:\n  slug: {}\n  name: {}\n  family: {}\n  description: {}\nversion:\n  number: {}\n  execution_mode: {mode}\n",
        q(&p.slug),
        q(&p.title),
        if p.security { "security" } else { "generated" },
        q(&p.free_text),
        p.number,
    );
    if !p.prompt_eval {
        y.push_str("  tool_policy:\n    allowed_tool_kinds: [file, data]\n    allow_shell: true\n");
    }
    y.push_str(&format!(
        "  evaluation_spec:\n    name: gen\n    version_number: {}\n    judge_mode: hybrid\n    validators:\n      - key: answer\n        type: fuzzy_match\n        target: final_output\n        expected_from: case.expectations.answer\n        config: {{threshold: {}}}\n    metrics:\n      - {{key: tokens, type: numeric, collector: run_total_tokens}}\n    llm_judges:\n      - key: tone\n        mode: rubric\n        model: claude-sonnet-4-6\n        rubric: {}\n        context_from: [final_output]\n    scorecard:\n      strategy: weighted\n      pass_threshold: {}\n      dimensions:\n",
        p.number,
        p.threshold,
        q(&format!("Rate: {}", p.free_text)),
        p.threshold,
    ));
    if p.string_dimension {
        y.push_str("        - correctness\n");
    } else {
        y.push_str(&format!(
            "        - {{key: correctness, source: validators, validators: [answer], weight: {}}}\n",
            p.weights.0
        ));
    }
    y.push_str(&format!(
        "        - {{key: tone, source: llm_judge, judge_key: tone, weight: {}}}\n        - {{key: brevity, source: metric, metric: tokens, better_direction: lower, normalization: {{target: 100, max: 900}}}}\n",
        p.weights.1
    ));
    if p.mock_tool {
        y.push_str("tools:\n  custom:\n    - name: owner\n      implementation:\n        type: mock\n        lookup_key: region\n        responses: {north: {owner: a}, \"*\": {owner: b}}\n    - name: read_json\n      parameters: {type: object, properties: {file: {type: string}}}\n      implementation:\n        primitive: read_file\n        args: {path: \"/workspace/${file}\"}\n");
    }
    y.push_str(&format!(
        "challenges:\n  - key: c1\n    title: {}\n    category: gen\n    difficulty: hard\n    instructions: {}\ninput_sets:\n  - key: s1\n    name: Set\n    cases:\n",
        q(&p.title),
        q(&format!("Do it. {}", p.free_text)),
    ));
    for i in 0..p.cases {
        y.push_str(&format!(
            "      - challenge_key: c1\n        case_key: case-{i}\n        payload: {{n: {}, x: {}, text: {}}}\n        expectations:\n          - {{key: answer, kind: text, value: {}}}\n",
            p.payload_int,
            p.payload_float,
            q(&p.free_text),
            q(&p.free_text),
        ));
    }
    if p.security {
        y.push_str(&format!(
            "security:\n  default_severity: MEDIUM\n  forbidden_outputs:\n    - {{description: d, substring: {}}}\n",
            q(&format!("x{}", p.free_text))
        ));
    }
    y
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn accepted_packs_round_trip(p in params()) {
        let source = bundle(&p);
        let report = validate(&source, &ValidateOptions::default());
        let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
        prop_assert!(errors.is_empty(), "generated pack rejected: {errors:#?}\n{source}");
        let pack = report.pack.expect("valid pack");
        let json = serde_json::to_string(&pack).expect("serialise");
        let back: Pack = serde_json::from_str(&json).expect("deserialise");
        prop_assert_eq!(&back, &pack);
        let again = validate(&json, &ValidateOptions::default());
        prop_assert_eq!(again.pack.as_ref(), Some(&pack));
    }
}
