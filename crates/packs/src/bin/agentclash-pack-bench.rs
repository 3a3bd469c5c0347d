//! `agentclash-pack-bench <dir>`: parses and validates every `*.yaml` pack in
//! a directory many times and prints the mean and max time per pack, so
//! `make bench` can show the validator stays far below its 5 ms budget.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use agentclash_packs::{ValidateOptions, validate};

const ITERATIONS: u32 = 200;

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: agentclash-pack-bench <packs-dir>");
        return ExitCode::from(64);
    };
    let mut files: Vec<_> = match std::fs::read_dir(Path::new(&dir)) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect(),
        Err(e) => {
            eprintln!("cannot read {dir}: {e}");
            return ExitCode::from(66);
        }
    };
    files.sort();
    let options = ValidateOptions::default();
    println!("challenge-pack parse+validate, {ITERATIONS} iterations each");
    println!(
        "{:<40} {:>8} {:>12} {:>12}",
        "pack", "bytes", "mean µs", "max µs"
    );
    let mut worst = Duration::ZERO;
    for path in &files {
        let source = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cannot read {}: {e}", path.display());
                return ExitCode::from(66);
            }
        };
        let (mut total, mut max) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..ITERATIONS {
            let start = Instant::now();
            let report = std::hint::black_box(validate(&source, &options));
            let took = start.elapsed();
            if !report.is_valid() {
                eprintln!("{} does not validate", path.display());
                return ExitCode::from(1);
            }
            total += took;
            max = max.max(took);
        }
        let mean = total / ITERATIONS;
        worst = worst.max(mean);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        println!(
            "{name:<40} {:>8} {:>12.1} {:>12.1}",
            source.len(),
            mean.as_secs_f64() * 1e6,
            max.as_secs_f64() * 1e6
        );
    }
    println!(
        "slowest mean: {:.1} µs (budget 5000 µs)",
        worst.as_secs_f64() * 1e6
    );
    if worst > Duration::from_millis(5) {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
