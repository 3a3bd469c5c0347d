//! Data-driven corpus of deliberately broken packs (`tests/broken/*.yaml`).
//! Each file starts with one or more `# expect: <path> | <line> | <message
//! substring>` lines; validation must report an error matching each. An
//! optional `# options: strict` line validates in strict mode (for rules
//! that are warnings by default), `# options: original` with the checks of
//! the original platform, and both may be combined (`strict, original`).

use std::path::PathBuf;

use agentclash_packs::{Severity, ValidateOptions, validate, validate_for_original_platform};

struct Expect {
    path: String,
    line: Option<usize>,
    message: String,
}

fn expectations(source: &str) -> Vec<Expect> {
    source
        .lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(|spec| {
            let parts: Vec<&str> = spec.splitn(3, " | ").collect();
            assert_eq!(parts.len(), 3, "malformed expectation: {spec}");
            Expect {
                path: parts[0].to_owned(),
                line: parts[1].parse().ok(),
                message: parts[2].to_owned(),
            }
        })
        .collect()
}

#[test]
fn every_broken_pack_reports_its_expected_error() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/broken"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "corpus has only {} packs", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).expect("readable");
        let expected = expectations(&source);
        assert!(
            !expected.is_empty(),
            "{} has no `# expect:` line",
            file.display()
        );
        let flags: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("# options: "))
            .flat_map(|l| l.split(',').map(str::trim))
            .collect();
        let options = ValidateOptions {
            strict: flags.contains(&"strict"),
            ..Default::default()
        };
        let report = if flags.contains(&"original") {
            validate_for_original_platform(&source, &options)
        } else {
            validate(&source, &options)
        };
        assert!(
            !report.is_valid(),
            "{} unexpectedly validates",
            file.display()
        );
        assert!(report.pack.is_none());
        for e in &expected {
            let hit = report.diagnostics.iter().any(|d| {
                d.severity == Severity::Error
                    && d.path == e.path
                    && e.line.is_none_or(|l| d.line == l)
                    && d.message.contains(&e.message)
            });
            if !hit {
                let got: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
                failures.push(format!(
                    "{}: expected error at {} line {:?} containing {:?}; got {got:#?}",
                    file.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default(),
                    e.path,
                    e.line,
                    e.message
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
