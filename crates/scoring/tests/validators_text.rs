//! Golden tests for the text, JSON and similarity validators (§5.3.2–5.3.5).

mod common;

use agentclash_scoring::{ErrorKind, Evidence, VerdictState as S};
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn lit(s: &str) -> String {
    format!("literal:{s}")
}

fn check(
    kind: &str,
    out: &str,
    expected: &str,
    config: Option<serde_json::Value>,
) -> agentclash_scoring::Verdict {
    let e = lit(expected);
    run(
        &validator(kind, "final_output", Some(&e), config),
        &output(out),
    )
}

fn score(kind: &str, out: &str, expected: &str, config: Option<serde_json::Value>) -> f64 {
    let v = check(kind, out, expected, config);
    v.score
        .unwrap_or_else(|| panic!("{kind} not available: {}", v.reason))
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-4, "{a} != {b}");
}

#[test]
fn missing_final_output_is_unavailable_for_every_output_validator() {
    let mut e = output("x");
    e.final_output = None;
    for kind in [
        "exact_match",
        "contains",
        "regex_match",
        "boolean_assert",
        "json_schema",
        "json_path_match",
        "fuzzy_match",
        "numeric_match",
        "normalized_match",
        "token_f1",
        "math_equivalence",
        "bleu_score",
        "rouge_score",
        "chrf_score",
    ] {
        let v = run(
            &validator(kind, "final_output", Some("literal:1"), None),
            &e,
        );
        assert_state(&v, S::Unavailable);
        assert!(v.reason.contains("no final output"), "{kind}: {}", v.reason);
    }
}

#[test]
fn exact_match_is_byte_equality() {
    let v = check("exact_match", "42", "42", None);
    assert_state(&v, S::Pass);
    assert_eq!(v.event_id.as_deref(), Some("evt-final"));
    assert_eq!(v.evidence[0].value, "42");
    assert_state(&check("exact_match", "42\n", "42", None), S::Fail);
    // Empty output equals an empty literal.
    assert_state(&check("exact_match", "", "", None), S::Pass);
}

#[test]
fn contains_and_a_huge_output() {
    assert_state(&check("contains", "the answer is 42", "42", None), S::Pass);
    assert_state(&check("contains", "the answer is 41", "42", None), S::Fail);
    let huge = format!("{}needle", "x".repeat(5 * 1024 * 1024));
    let started = Instant::now();
    let v = check("contains", &huge, "needle", None);
    assert_state(&v, S::Pass);
    assert!(started.elapsed() < Duration::from_secs(20));
    // The excerpt is cut to 2 KiB.
    assert!(v.evidence[0].truncated && v.evidence[0].value.len() <= 2048);
}

#[test]
fn regex_match_uses_re2_style_patterns() {
    assert_state(
        &check(
            "regex_match",
            "Uses PRECEDENCE climbing",
            "(?i)precedence",
            None,
        ),
        S::Pass,
    );
    assert_state(
        &check("regex_match", "nothing here", "O\\([0-9a-zA-Z ^]+\\)", None),
        S::Fail,
    );
    assert_state(
        &check(
            "regex_match",
            "time O(n log n)",
            "O\\([0-9a-zA-Z ^]+\\)",
            None,
        ),
        S::Pass,
    );
    let bad = check("regex_match", "x", "(unclosed", None);
    assert_state(&bad, S::Error);
    assert_eq!(bad.error_kind, Some(ErrorKind::Pack));
    // Backreferences are not RE2: configuration error, never a silent pass.
    assert_state(&check("regex_match", "aa", "(a)\\1", None), S::Error);
    assert_state(&check("regex_match", "", "^$", None), S::Pass);
}

#[test]
fn boolean_assert_parses_both_sides() {
    assert_state(&check("boolean_assert", " Yes ", "true", None), S::Pass);
    assert_state(&check("boolean_assert", "0", "true", None), S::Fail);
    let v = check("boolean_assert", "maybe", "true", None);
    assert_state(&v, S::Error);
    assert_eq!(v.error_kind, Some(ErrorKind::MalformedOutput));
    assert_state(&check("boolean_assert", "", "no", None), S::Error);
}

#[test]
fn json_schema_validates_one_json_value() {
    let schema = r#"{"type":"object","required":["a"],"properties":{"a":{"type":"integer"}}}"#;
    assert_state(&check("json_schema", r#"{"a": 1}"#, schema, None), S::Pass);
    let fail = check("json_schema", r#"{"a": "x"}"#, schema, None);
    assert_state(&fail, S::Fail);
    assert!(fail.reason.contains("schema violations"));
    // Trailing prose is an error, not a fail.
    let err = check("json_schema", r#"{"a": 1} and more"#, schema, None);
    assert_state(&err, S::Error);
    assert_eq!(err.error_kind, Some(ErrorKind::MalformedOutput));
    assert_state(&check("json_schema", "", schema, None), S::Error);
    let odd = r#"{"$schema":"http://json-schema.org/draft-04/schema#"}"#;
    assert_state(&check("json_schema", "{}", odd, None), S::Error);
    let d7 = r#"{"$schema":"http://json-schema.org/draft-07/schema#","type":"array"}"#;
    assert_state(&check("json_schema", "[1]", d7, None), S::Pass);
}

#[test]
fn json_path_match_comparators() {
    let doc = r#"{"sample_values":[{"fib":0},{"fib":1},{"fib":55.0}],"team":"auth","tags":["a","b"],"n":5}"#;
    let eq = r#"{"path":"$.sample_values[2].fib","comparator":"equals","value":55}"#;
    assert_state(&check("json_path_match", doc, eq, None), S::Pass);
    let ne = r#"{"path":"$.team","value":"billing"}"#;
    assert_state(&check("json_path_match", doc, ne, None), S::Fail);
    assert_state(&check("json_path_match", doc, "$.team", None), S::Pass);
    assert_state(&check("json_path_match", doc, "$.missing", None), S::Fail);
    let missing_exists = r#"{"path":"$.nope","comparator":"exists"}"#;
    assert_state(
        &check("json_path_match", doc, missing_exists, None),
        S::Fail,
    );
    let contains = r#"{"path":"$.tags","comparator":"contains","value":"b"}"#;
    assert_state(&check("json_path_match", doc, contains, None), S::Pass);
    let gt = r#"{"path":"$.n","comparator":"greater_than","value":4}"#;
    assert_state(&check("json_path_match", doc, gt, None), S::Pass);
    let lt_bad = r#"{"path":"$.team","comparator":"less_than","value":4}"#;
    assert_state(&check("json_path_match", doc, lt_bad, None), S::Error);
    assert_state(&check("json_path_match", "not json", "$.a", None), S::Error);
    let unknown = r#"{"path":"$.n","comparator":"approx","value":4}"#;
    assert_state(&check("json_path_match", doc, unknown, None), S::Error);
}

#[test]
fn fuzzy_match_levenshtein_similarity() {
    // L(kitten, sitting) = 3 ⇒ S = (6 + 7 − 3) / 13.
    let s = score("fuzzy_match", "kitten", "sitting", None);
    close(s, 10.0 / 13.0);
    assert_state(&check("fuzzy_match", "kitten", "sitting", None), S::Fail);
    assert_state(
        &check(
            "fuzzy_match",
            "kitten",
            "sitting",
            Some(json!({"threshold": 0.7})),
        ),
        S::Pass,
    );
    let folded = Some(json!({"case_insensitive": true, "normalize": true}));
    close(
        score("fuzzy_match", "  HELLO   world ", "hello world", folded),
        1.0,
    );
    close(score("fuzzy_match", "", "", None), 1.0);
    close(score("fuzzy_match", "", "abc", None), 0.0);
    // Code points, not bytes: one substitution in 3 chars each.
    close(score("fuzzy_match", "héé", "hée", None), 5.0 / 6.0);
    let huge = "y".repeat(100_001);
    let v = check("fuzzy_match", &huge, "y", None);
    assert_state(&v, S::Error);
    assert_state(
        &check("fuzzy_match", "a", "b", Some(json!({"bogus": 1}))),
        S::Error,
    );
}

#[test]
fn fuzzy_match_at_the_size_limit_stays_fast() {
    let a: String = (0..100_000)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    let b: String = (0..100_000)
        .map(|i| char::from(b'a' + (i * 11 % 26) as u8))
        .collect();
    let started = Instant::now();
    let v = check("fuzzy_match", &a, &b, None);
    assert!(v.score.is_some(), "{}", v.reason);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn numeric_match_tolerances_and_extraction() {
    let abs = Some(json!({"extract_number": true, "absolute_tolerance": 0.01}));
    assert_state(
        &check(
            "numeric_match",
            "The total is $3,680.75",
            "3680.75",
            abs.clone(),
        ),
        S::Pass,
    );
    assert_state(
        &check("numeric_match", "The total is $3,680.70", "3680.75", abs),
        S::Fail,
    );
    let rel = Some(json!({"relative_tolerance": 0.01}));
    assert_state(&check("numeric_match", "101", "100", rel.clone()), S::Pass);
    assert_state(&check("numeric_match", "102", "100", rel.clone()), S::Fail);
    // Relative difference is infinite when the expectation is 0 and the output is not.
    assert_state(&check("numeric_match", "0.0001", "0", rel), S::Fail);
    assert_state(&check("numeric_match", "2.50", "2.5", None), S::Pass);
    assert_state(&check("numeric_match", "2.5001", "2.5", None), S::Fail);
    let legacy = Some(json!({"tolerance_mode": "absolute", "tolerance": 0.5}));
    assert_state(&check("numeric_match", "3.4", "3", legacy), S::Pass);
    let sig = Some(json!({"significant_digits": 3}));
    assert_state(&check("numeric_match", "3.14159", "3.14", sig), S::Pass);
    let mixed = Some(json!({"tolerance": 0.1, "absolute_tolerance": 0.1}));
    assert_state(&check("numeric_match", "1", "1", mixed), S::Error);
    let v = check("numeric_match", "", "1", None);
    assert_state(&v, S::Error);
    assert_eq!(v.error_kind, Some(ErrorKind::MalformedOutput));
}

#[test]
fn normalized_match_pipelines() {
    assert_state(
        &check("normalized_match", "  Hello \t World ", "hello world", None),
        S::Pass,
    );
    assert_state(
        &check("normalized_match", "Hello World!", "hello world", None),
        S::Fail,
    );
    let punct = Some(json!({"pipeline": ["strip_punctuation", "lowercase", "trim"]}));
    assert_state(
        &check("normalized_match", "Hello, World!", "hello world", punct),
        S::Pass,
    );
    let sorted = Some(json!({"normalizations": ["sort_words"]}));
    assert_state(
        &check("normalized_match", "c a b", "a b c", sorted),
        S::Pass,
    );
    let lines = Some(json!({"pipeline": ["sort_lines"]}));
    assert_state(&check("normalized_match", "b\r\na", "a\nb", lines), S::Pass);
    let cur = Some(json!({"pipeline": ["strip_currency", "strip_formatting", "trim"]}));
    assert_state(
        &check("normalized_match", "$1,000 USD", "1000", cur),
        S::Pass,
    );
    let nfkc = Some(json!({"pipeline": ["normalize_unicode"]}));
    assert_state(&check("normalized_match", "ﬁ", "fi", nfkc), S::Pass);
    let articles = Some(json!({"pipeline": ["remove_articles", "collapse_whitespace", "trim"]}));
    assert_state(
        &check(
            "normalized_match",
            "the cat and a dog",
            "cat and dog",
            articles,
        ),
        S::Pass,
    );
    let both = Some(json!({"pipeline": ["trim"], "normalizations": ["trim"]}));
    assert_state(&check("normalized_match", "a", "a", both), S::Error);
    assert_state(
        &check(
            "normalized_match",
            "a",
            "a",
            Some(json!({"pipeline": ["shout"]})),
        ),
        S::Error,
    );
    assert_state(&check("normalized_match", "", "   ", None), S::Pass);
}

#[test]
fn token_f1_math() {
    // overlap 3, P = 1, R = 0.5 ⇒ F1 = 2/3.
    close(
        score("token_f1", "the cat sat", "the cat sat on the mat", None),
        2.0 / 3.0,
    );
    assert_state(
        &check("token_f1", "the cat sat", "the cat sat on the mat", None),
        S::Pass,
    );
    assert_state(
        &check(
            "token_f1",
            "the cat sat",
            "the cat sat on the mat",
            Some(json!({"threshold": 0.9})),
        ),
        S::Fail,
    );
    let flags =
        Some(json!({"normalize": true, "remove_punctuation": true, "remove_articles": true}));
    close(score("token_f1", "The Cat, sat!", "cat sat", flags), 1.0);
    close(score("token_f1", "", "", None), 1.0);
    close(score("token_f1", "", "x", None), 0.0);
    close(score("token_f1", "a a a", "a", None), 0.5);
}

#[test]
fn bleu_math() {
    // p1 = 3/4, p2 = 2/3, p3 = 1/2, p4 = 0 ⇒ 0 without smoothing.
    close(score("bleu_score", "a b c d", "a b c e", None), 0.0);
    // method1: p4 = 1/(4−4+2) ⇒ (3/4 · 2/3 · 1/2 · 1/2)^(1/4).
    let m1 = Some(json!({"smoothing": "method1"}));
    close(
        score("bleu_score", "a b c d", "a b c e", m1),
        0.125f64.powf(0.25),
    );
    // Brevity penalty: exp(1 − 4/2).
    close(score("bleu_score", "a b", "a b c d", None), (-1.0f64).exp());
    close(
        score("bleu_score", "x y z w", r#"["q", "x y z w"]"#, None),
        1.0,
    );
    assert_state(&check("bleu_score", "a b c d", "a b c d", None), S::Pass);
    close(score("bleu_score", "", "", None), 1.0);
    close(score("bleu_score", "", "a", None), 0.0);
    assert_state(&check("bleu_score", "a", "[1, 2]", None), S::Error);
    assert_state(
        &check("bleu_score", "a", "a", Some(json!({"smoothing": "magic"}))),
        S::Error,
    );
}

#[test]
fn rouge_math() {
    let r1 = Some(json!({"variant": "rouge-1"}));
    // m = 2, P = 2/3, R = 2/4.
    let f = 2.0 * (2.0 / 3.0) * 0.5 / (2.0 / 3.0 + 0.5);
    close(score("rouge_score", "a b c", "a b d e", r1), f);
    // LCS(a b c d, a c d e) = 3.
    close(score("rouge_score", "a b c d", "a c d e", None), 0.75);
    let r2 = Some(json!({"variant": "rouge-2"}));
    close(score("rouge_score", "a b c", "a b c", r2.clone()), 1.0);
    close(score("rouge_score", "a", "a", r2), 0.0);
    close(score("rouge_score", "a b", r#"["x y", "a b"]"#, None), 1.0);
    assert_state(&check("rouge_score", "q", "a b", None), S::Fail);
    close(score("rouge_score", "", "", None), 0.0);
}

#[test]
fn chrf_math() {
    // n=1: 2/3, n=2: 1/2, n=3: 0 ⇒ P = R = 7/18.
    close(score("chrf_score", "abc", "abd", None), 7.0 / 18.0);
    close(score("chrf_score", "a b c", "abc", None), 1.0);
    close(score("chrf_score", "", "", None), 1.0);
    close(score("chrf_score", "", "abc", None), 0.0);
    assert_state(&check("chrf_score", "abc", "abd", None), S::Pass);
    assert_state(&check("chrf_score", "xyz", "abd", None), S::Fail);
}

#[test]
fn math_equivalence_symbolic_and_numeric() {
    assert_state(
        &check("math_equivalence", "\\frac{1}{2}", "0.5", None),
        S::Pass,
    );
    assert_state(&check("math_equivalence", "x + 1", "1 + x", None), S::Pass);
    assert_state(
        &check("math_equivalence", "$\\boxed{2\\cdot 3}$", "6", None),
        S::Pass,
    );
    assert_state(&check("math_equivalence", "2", "3", None), S::Fail);
    assert_state(&check("math_equivalence", "x + 2", "x + 3", None), S::Fail);
    let extract = Some(json!({"extract_answer": true}));
    assert_state(
        &check("math_equivalence", "work... #### 1,234", "1234", extract),
        S::Pass,
    );
    assert_state(
        &check("math_equivalence", "sqrt(2)", "1.41421356", None),
        S::Pass,
    );
    let strict = Some(json!({"numeric_fallback": false}));
    assert_state(
        &check("math_equivalence", "sqrt(2)", "1.41421356", strict),
        S::Fail,
    );
    let numeric = Some(json!({"comparison_mode": "numeric"}));
    assert_state(&check("math_equivalence", "x", "x", numeric), S::Error);
    let v = check("math_equivalence", "2 +* 3", "5", None);
    assert_state(&v, S::Error);
    assert_eq!(v.error_kind, Some(ErrorKind::MalformedOutput));
    assert_state(&check("math_equivalence", "", "5", None), S::Error);
}

#[test]
fn similarity_validators_survive_megabyte_inputs() {
    let words: Vec<String> = (0..400_000).map(|i| format!("w{}", i % 5000)).collect();
    let huge = words.join(" ");
    assert!(huge.len() > 2 * 1024 * 1024);
    let reference = "w1 w2 w3 w4 w5 w6";
    let started = Instant::now();
    for kind in [
        "token_f1",
        "bleu_score",
        "rouge_score",
        "chrf_score",
        "normalized_match",
    ] {
        let v = check(kind, &huge, reference, None);
        assert!(v.score.is_some(), "{kind}: {}", v.reason);
    }
    let v = check("math_equivalence", &huge, "1", None);
    assert_state(&v, S::Error);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn rouge_l_on_long_sequences_matches_expectations() {
    let a: Vec<String> = (0..20_000).map(|i| format!("t{}", i % 97)).collect();
    let mut b = a.clone();
    b.remove(10);
    let v = check("rouge_score", &a.join(" "), &b.join(" "), None);
    // LCS = 19,999 ⇒ P = 19999/20000, R = 1.
    let p = 19_999.0 / 20_000.0;
    close(v.score.expect("available"), 2.0 * p / (p + 1.0));
}

#[test]
fn unsupported_reference_is_an_error() {
    let e: Evidence = output("x");
    let v = run(
        &validator("exact_match", "final_output", Some("nonsense.ref"), None),
        &e,
    );
    assert_state(&v, S::Error);
    assert_eq!(v.error_kind, Some(ErrorKind::Pack));
    let v = run(&validator("exact_match", "final_output", None, None), &e);
    assert_state(&v, S::Error);
}
