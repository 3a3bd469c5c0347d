//! `cargo run --example check -- FILE [--strict] [--original]`: prints a
//! pack's diagnostics in compiler form (a development aid; `--original` adds
//! the checks that only hold on the original platform).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let strict = args.iter().any(|a| a == "--strict");
    let original = args.iter().any(|a| a == "--original");
    for path in args.iter().skip(1).filter(|a| !a.starts_with("--")) {
        let source = std::fs::read_to_string(path).unwrap_or_default();
        let options = agentclash_packs::ValidateOptions {
            strict,
            ..Default::default()
        };
        let report = if original {
            agentclash_packs::validate_for_original_platform(&source, &options)
        } else {
            agentclash_packs::validate(&source, &options)
        };
        for d in &report.diagnostics {
            println!("{path}:{d}");
        }
        println!("{path}: valid={}", report.is_valid());
    }
}
