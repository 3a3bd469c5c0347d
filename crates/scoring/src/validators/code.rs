//! `code_execution` (§5.3.8): scores the verifier's test-command result.
//! The command itself runs in the verifier sandbox (outside this crate);
//! this module parses test counts and applies the scoring mode.

use agentclash_packs::model::JsonMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Run, decode_config};
use crate::cache;
use crate::evidence::Evidence;
use crate::verdict::{Check, ErrorKind};

/// Test counts found in a command's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCounts {
    /// Passed tests.
    pub passed: u64,
    /// Failed tests.
    pub failed: u64,
    /// Errored tests.
    pub errors: u64,
    /// Total tests.
    pub total: u64,
}

fn count(m: &serde_json::Map<String, Value>, key: &str) -> Option<u64> {
    m.get(key).and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
    })
}

fn from_json(text: &str) -> Option<TestCounts> {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text.trim()) else {
        return None;
    };
    let passed = count(&m, "passed")?;
    let failed = count(&m, "failed").unwrap_or(0);
    let errors = count(&m, "errors")
        .or_else(|| count(&m, "error"))
        .unwrap_or(0);
    let total = count(&m, "total").unwrap_or(passed + failed + errors);
    Some(TestCounts {
        passed,
        failed,
        errors,
        total,
    })
}

fn attr(tag: &str, name: &str) -> Option<u64> {
    let re = cache::regex(&format!(r#"\b{name}\s*=\s*["'](\d+)["']"#));
    let re = re.as_ref().as_ref().ok()?;
    re.captures(tag)?.get(1)?.as_str().parse().ok()
}

fn from_junit(text: &str) -> Option<TestCounts> {
    let re = cache::regex(r"<testsuites?\b[^>]*>");
    let re = re.as_ref().as_ref().ok()?;
    re.find_iter(text).find_map(|m| {
        let tag = m.as_str();
        let total = attr(tag, "tests")?;
        let failed = attr(tag, "failures").unwrap_or(0);
        let errors = attr(tag, "errors").unwrap_or(0);
        Some(TestCounts {
            passed: total.saturating_sub(failed + errors),
            failed,
            errors,
            total,
        })
    })
}

fn from_text(text: &str) -> Option<TestCounts> {
    let re = cache::regex(r"\b(\d+) (passed|failed|errors?)\b");
    let re = re.as_ref().as_ref().ok()?;
    let mut c = TestCounts {
        passed: 0,
        failed: 0,
        errors: 0,
        total: 0,
    };
    let mut any = false;
    for cap in re.captures_iter(text) {
        let n: u64 = cap
            .get(1)
            .and_then(|m| m.as_str().parse().ok())
            .unwrap_or(0);
        match cap.get(2).map(|m| m.as_str()) {
            Some("passed") => c.passed += n,
            Some("failed") => c.failed += n,
            _ => c.errors += n,
        }
        any = true;
    }
    c.total = c.passed + c.failed + c.errors;
    any.then_some(c)
}

/// Parses test counts from a command's combined output; first match wins:
/// a JSON object (whole output or one line), JUnit XML attributes, then
/// `N passed|failed|error|errors` text summed. Zero totals count as none.
pub fn parse_test_counts(output: &str) -> Option<TestCounts> {
    from_json(output)
        .or_else(|| {
            output
                .lines()
                .filter(|l| l.trim_start().starts_with('{'))
                .find_map(from_json)
        })
        .or_else(|| from_junit(output))
        .or_else(|| from_text(output))
        .filter(|c| c.total > 0)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    test_command: String,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    scoring: Option<String>,
    #[serde(default)]
    pass_threshold: Option<f64>,
}

/// `code_execution`.
pub(super) fn check(run: &mut Run<'_>, evidence: &Evidence, config: Option<&JsonMap>) -> Check {
    if config.is_none() {
        return Check::pack("config is required for code_execution");
    }
    let cfg: Config = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    if cfg.test_command.trim().is_empty() {
        return Check::pack("config.test_command is required");
    }
    let all_or_nothing = match cfg.scoring.as_deref() {
        None | Some("fraction_passed") => false,
        Some("all_or_nothing") => true,
        Some(other) => return Check::pack(format!("unsupported scoring {other:?}")),
    };
    let threshold = cfg.pass_threshold.unwrap_or(1.0);
    let key = run.validator.key.clone();
    let Some(exec) = evidence.code_executions.get(&key) else {
        return Check::Unavailable("the test command was not run (no verifier result)".into());
    };
    let output = format!("{}\n{}", exec.stdout, exec.stderr);
    run.read(
        "target",
        &run.validator.target.clone(),
        &output,
        exec.event_id.clone(),
    );
    if let Some(err) = &exec.launch_error {
        return Check::Error(
            ErrorKind::Infra,
            format!("test command could not start: {err}"),
        );
    }
    let graded = |score: f64, reason: String| Check::Graded {
        score,
        threshold,
        reason,
    };
    if exec.timed_out {
        let limit = cfg.timeout_ms.unwrap_or(30_000);
        return graded(0.0, format!("test command timed out (limit {limit} ms)"));
    }
    if let Some(c) = parse_test_counts(&output) {
        let tally = format!(
            "{} passed, {} failed, {} errors of {}",
            c.passed, c.failed, c.errors, c.total
        );
        return if all_or_nothing {
            let ok = c.failed == 0 && c.errors == 0;
            graded(f64::from(u8::from(ok)), tally)
        } else {
            graded(c.passed.min(c.total) as f64 / c.total as f64, tally)
        };
    }
    match exec.exit_code {
        Some(0) => graded(1.0, "test command exited 0".into()),
        Some(code) => graded(0.0, format!("test command exited {code}")),
        None => Check::Unavailable("test command reported no exit code".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_format_in_priority_order() {
        let json = parse_test_counts(r#"{"passed": 3, "failed": 1, "errors": 0, "total": 4}"#);
        assert_eq!(json.map(|c| (c.passed, c.total)), Some((3, 4)));
        let line =
            parse_test_counts("running\n{\"passed\":2,\"failed\":0,\"error\":1,\"total\":3}\n");
        assert_eq!(line.map(|c| (c.passed, c.errors)), Some((2, 1)));
        let junit = parse_test_counts(
            r#"<?xml version="1.0"?><testsuite name="t" tests="5" failures="1" errors="1"></testsuite>"#,
        );
        assert_eq!(junit.map(|c| (c.passed, c.total)), Some((3, 5)));
        let text = parse_test_counts("=== 7 passed, 2 failed, 1 error in 0.3s ===");
        assert_eq!(
            text.map(|c| (c.passed, c.failed, c.errors, c.total)),
            Some((7, 2, 1, 10))
        );
        assert_eq!(parse_test_counts("OK"), None);
        assert_eq!(parse_test_counts("0 passed"), None);
        // JSON wins over text in the same output.
        let both = parse_test_counts("9 passed\n{\"passed\":1,\"total\":2}");
        assert_eq!(both.map(|c| c.total), Some(2));
    }
}
