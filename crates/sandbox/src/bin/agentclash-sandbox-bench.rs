//! Measures the fixed cost of a `local` sandbox: create, exec `true`, destroy.
//!
//! Usage: `agentclash-sandbox-bench [ITERATIONS]` (default 50). Needs root and
//! bubblewrap; sandboxes live in a temporary directory removed at the end.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use agentclash_sandbox::{BwrapProvider, ExecRequest, SandboxProvider, SandboxSpec};

const DEFAULT_ITERATIONS: usize = 50;

/// Durations of one iteration's phases.
struct Sample {
    total: Duration,
    exec: Duration,
}

/// The value below which `fraction` of the sorted samples lie (nearest rank).
fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name}: p50 {:.1} ms, p95 {:.1} ms",
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.95))
    );
}

async fn iteration(provider: &BwrapProvider) -> Result<Sample, String> {
    let started = Instant::now();
    let sandbox = provider
        .create(SandboxSpec {
            label: "bench".into(),
            ..SandboxSpec::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let exec_started = Instant::now();
    let out = sandbox.exec(ExecRequest::argv(["true"])).await;
    let exec = exec_started.elapsed();
    sandbox.destroy().await.map_err(|e| e.to_string())?;
    let out = out.map_err(|e| e.to_string())?;
    if !out.success() {
        return Err(format!(
            "`true` failed: {:?} {}",
            out.exit_code,
            out.stderr_text()
        ));
    }
    Ok(Sample {
        total: started.elapsed(),
        exec,
    })
}

async fn run(iterations: usize) -> Result<(), String> {
    let root =
        std::env::temp_dir().join(format!("agentclash-sandbox-bench-{}", std::process::id()));
    let provider = BwrapProvider::new(&root).map_err(|e| e.to_string())?;
    let mut samples = Vec::with_capacity(iterations);
    let mut outcome = Ok(());
    for _ in 0..iterations {
        match iteration(&provider).await {
            Ok(sample) => samples.push(sample),
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    outcome?;
    report(
        "sandbox create+exec+destroy",
        samples.iter().map(|s| s.total).collect(),
    );
    report(
        "sandbox exec(true)",
        samples.iter().map(|s| s.exec).collect(),
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let iterations = match std::env::args().nth(1) {
        None => DEFAULT_ITERATIONS,
        Some(arg) => match arg.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("usage: agentclash-sandbox-bench [ITERATIONS]");
                return ExitCode::from(2);
            }
        },
    };
    match run(iterations).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agentclash-sandbox-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
