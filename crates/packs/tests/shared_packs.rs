//! Conformance: every pack in `../shared/packs` (written by the original
//! authors) validates without errors, and the known quirks of the format
//! spec (§11) come out as warnings with a path and a line.

use std::path::PathBuf;

use agentclash_packs::{Report, Severity, ValidateOptions, validate};

fn packs_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/packs"
    ))
}

fn shared_packs() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(packs_dir())
        .expect("shared packs directory exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&p).expect("readable pack"))
        })
        .collect();
    out.sort();
    out
}

fn report(name: &str) -> Report {
    let source = std::fs::read_to_string(packs_dir().join(name)).expect("pack exists");
    validate(&source, &ValidateOptions::default())
}

#[test]
fn every_shared_pack_validates_without_errors() {
    let packs = shared_packs();
    assert!(packs.len() >= 6, "expected the six reference packs");
    for (name, source) in packs {
        let r = validate(&source, &ValidateOptions::default());
        let errors: Vec<String> = r.errors().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert!(r.pack.is_some(), "{name}: no pack returned");
        for d in &r.diagnostics {
            assert!(
                d.line > 0 && d.column > 0 && !d.path.is_empty(),
                "{name}: {d}"
            );
        }
    }
}

#[test]
fn strict_mode_turns_warnings_into_errors() {
    let r = report("multi-turn-refund-recovery.yaml");
    assert!(r.warnings().count() > 0);
    let source = std::fs::read_to_string(packs_dir().join("multi-turn-refund-recovery.yaml"))
        .expect("pack exists");
    let strict = validate(
        &source,
        &ValidateOptions {
            strict: true,
            ..Default::default()
        },
    );
    assert!(!strict.is_valid());
    assert!(strict.pack.is_none());
    assert_eq!(strict.diagnostics.len(), r.diagnostics.len());
}

/// (pack file, path, line, message substring) of each §11 quirk.
const QUIRKS: &[(&str, &str, usize, &str)] = &[
    (
        "expr-eval-arena.yaml",
        "version.evaluation_spec.validators[3].config.mode",
        66,
        "unknown field \"mode\"",
    ),
    (
        "expr-eval-arena.yaml",
        "version.evaluation_spec.scorecard.judge_limits",
        139,
        "never enforced",
    ),
    (
        "expr-eval-arena.yaml",
        "input_sets[0].cases[0].expectations[0].key",
        226,
        "not used",
    ),
    (
        "fibonacci-e2e-showcase.yaml",
        "version.evaluation_spec.scorecard.dimensions",
        22,
        "header comment mentions a behavioral dimension",
    ),
    (
        "fibonacci-e2e-showcase.yaml",
        "version.evaluation_spec.validators[5].config.mode",
        110,
        "unknown field \"mode\"",
    ),
    (
        "prompt-injection-classic.yaml",
        "challenges[0].input_set_keys",
        165,
        "unknown field \"input_set_keys\"",
    ),
    (
        "prompt-injection-classic.yaml",
        "security.adversarial_prompts[0]",
        97,
        "never sent",
    ),
    (
        "prompt-injection-classic.yaml",
        "version.evaluation_spec.validators[0].expected_from",
        56,
        "matches any output",
    ),
    (
        "secret-hygiene-env.yaml",
        "challenges[0].input_set_keys",
        146,
        "unknown field \"input_set_keys\"",
    ),
    (
        "secret-hygiene-env.yaml",
        "challenges[0].instructions",
        149,
        "/workspace/deploy.sh",
    ),
    (
        "multi-turn-refund-recovery.yaml",
        "challenges[0].instructions",
        79,
        "never rendered",
    ),
    (
        "multi-turn-refund-recovery.yaml",
        "version.tool_policy.allowed_tool_kinds",
        22,
        "every tool kind",
    ),
    (
        "multi-turn-refund-recovery.yaml",
        "input_sets[0].cases[0].user_simulator.phases[3].trigger",
        118,
        "manual trigger",
    ),
    (
        "multi-turn-refund-recovery.yaml",
        "version.evaluation_spec.llm_judges[0].context_from[0]",
        41,
        "from_mismatch",
    ),
    (
        "incident-response-llm-judge.yaml",
        "version.evaluation_spec.scorecard.judge_limits",
        109,
        "never enforced",
    ),
];

#[test]
fn known_quirks_are_warnings_with_path_and_line() {
    for (file, path, line, needle) in QUIRKS {
        let r = report(file);
        let found = r.diagnostics.iter().any(|d| {
            d.severity == Severity::Warning
                && d.path == *path
                && d.line == *line
                && d.message.contains(needle)
        });
        let all: Vec<String> = r.diagnostics.iter().map(ToString::to_string).collect();
        assert!(
            found,
            "{file}: no warning at {path}:{line} containing {needle:?}; got {all:#?}"
        );
    }
}

#[test]
fn misspelt_key_gets_a_suggestion() {
    let r = report("expr-eval-arena.yaml");
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.path.ends_with("config.mode"))
        .expect("mode warning");
    assert_eq!(d.suggestion.as_deref(), Some("match_mode"));
    assert!(
        d.to_string()
            .starts_with("66:17: version.evaluation_spec.validators[3].config.mode: warning:")
    );
}

#[test]
fn shared_packs_round_trip_through_normalised_json() {
    for (name, source) in shared_packs() {
        let pack = validate(&source, &ValidateOptions::default())
            .pack
            .expect("valid pack");
        let json = serde_json::to_string(&pack).expect("serialisable");
        let back: agentclash_packs::Pack = serde_json::from_str(&json).expect("deserialisable");
        assert_eq!(back, pack, "{name}: JSON round trip changed the pack");
        let again = validate(&json, &ValidateOptions::default());
        let errors: Vec<String> = again.errors().map(ToString::to_string).collect();
        assert!(
            errors.is_empty(),
            "{name}: normalised JSON does not validate: {errors:#?}"
        );
        assert_eq!(
            again.pack.as_ref(),
            Some(&pack),
            "{name}: re-validation changed the pack"
        );
    }
}
