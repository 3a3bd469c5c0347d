//! The starter packs shipped in the repository (`examples/packs/*.yaml`)
//! are what new authors copy, so they must pass the strictest lint: no
//! error and no warning under `strict`.

use std::path::PathBuf;

use agentclash_packs::{ValidateOptions, validate};

#[test]
fn example_packs_are_valid_under_strict() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/packs"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/packs exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no example packs in {}", dir.display());
    let options = ValidateOptions {
        strict: true,
        ..Default::default()
    };
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable pack");
        let report = validate(&source, &options);
        let all: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
        assert!(all.is_empty(), "{}: {all:#?}", file.display());
        assert!(report.pack.is_some(), "{}: no pack", file.display());
    }
}
