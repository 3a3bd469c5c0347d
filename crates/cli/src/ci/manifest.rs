//! The CI manifest, `.agentclash/ci.yaml`: which pack, which candidate
//! deployment, which baseline and which release-gate policy. Parse and
//! semantic errors are `file:line:col: message` and exit 10.

use std::path::Path;
use std::time::Duration;

use agentclash_scoring::compare::GatePolicy;
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use super::INVALID_MANIFEST;
use crate::args::{PackRef, parse_pack_ref};
use crate::exit::fail;

/// Where `ci init` writes the manifest and the other commands look for it.
pub const DEFAULT_PATH: &str = ".agentclash/ci.yaml";

/// How long `ci run` waits for the candidate run by default.
const DEFAULT_TIMEOUT_SECS: u64 = 1800;

/// The manifest `ci init` writes: every key documented, valid as written
/// once the names match the workspace.
pub fn template(pack: &str, deployment: &str, baseline: &str) -> String {
    format!(
        r#"# AgentClash CI manifest, read by `agentclash ci validate` and `agentclash ci run`.
# `ci run` evaluates the candidate deployment on the pack, compares its lane
# with the baseline lane and applies the gate below. Exit codes: 0 pass,
# 1 fail, 2 warn, 3 insufficient evidence, 10 invalid manifest,
# 20 API/auth error, 30 timeout, 31 candidate run failed.
version: 1

# The challenge pack: SLUG (its newest version) or SLUG@VERSION. The baseline
# must have run the same version (and the same cases) to be comparable.
pack: {pack}
# Optional: the input set (default: the pack version's first) and a subset
# of its cases (default: the baseline run's cases, else every case).
# input_set: default
# cases: [case-one, case-two]

candidate:
  # The deployment under test: id or name.
  deployment: {deployment}

# Exactly one of:
#   name: a workspace baseline (`agentclash baseline set RUN_ID/LANE --name NAME`)
#   run_agent: a lane, as a run agent id or RUN_ID/LANE
#   deployment: a deployment run next to the candidate in the same run
baseline:
  name: {baseline}

# The release gate. Deltas are candidate minus baseline lane means; a drop
# larger than warn_delta warns, larger than fail_delta fails (0 to 1).
gate:
  # Dimensions that must be scored in both lanes (else: insufficient evidence).
  required_dimensions: [correctness]
  # Every case of the candidate must pass its scorecard.
  require_scorecard_pass: false
  dimensions:
    correctness: {{warn_delta: 0.0, fail_delta: 0.05}}
    # overall: {{warn_delta: 0.02, fail_delta: 0.1}}
    # pass_rate: {{fail_delta: 0.0}}

# Give up on the candidate run after this long (exit 30).
timeout_seconds: {DEFAULT_TIMEOUT_SECS}
"#
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: Spanned<u32>,
    pack: Spanned<String>,
    #[serde(default)]
    input_set: Option<String>,
    #[serde(default)]
    cases: Vec<String>,
    candidate: RawCandidate,
    baseline: Spanned<RawBaseline>,
    gate: Spanned<GatePolicy>,
    #[serde(default)]
    timeout_seconds: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCandidate {
    deployment: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    run_agent: Option<String>,
    #[serde(default)]
    deployment: Option<String>,
}

/// What the candidate is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineRef {
    /// A workspace baseline by name.
    Named(String),
    /// A lane: run agent id or `RUN_ID/LANE`.
    Lane(String),
    /// A deployment run in the same run as the candidate.
    Deployment(String),
}

/// A checked manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The pack (and version) to run.
    pub pack: PackRef,
    /// Input set key.
    pub input_set: Option<String>,
    /// Case subset.
    pub cases: Vec<String>,
    /// Candidate deployment (id or name).
    pub candidate: String,
    /// The baseline.
    pub baseline: BaselineRef,
    /// The gate policy.
    pub gate: GatePolicy,
    /// How long to wait for the candidate run.
    pub timeout: Duration,
}

fn at(path: &Path, location: &Location) -> String {
    if location.line() == 0 {
        return path.display().to_string();
    }
    format!(
        "{}:{}:{}",
        path.display(),
        location.line(),
        location.column()
    )
}

impl Manifest {
    /// Reads and checks the manifest at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            fail(
                INVALID_MANIFEST,
                format!(
                    "cannot read {}: {e} (create one with `agentclash ci init`)",
                    path.display()
                ),
            )
        })?;
        Self::parse(path, &text)
    }

    /// Checks `text`, the contents of `path`.
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Self> {
        let raw: Raw =
            crate::docfile::parse(path, text).map_err(|e| fail(INVALID_MANIFEST, e.to_string()))?;
        let bad = |location: &Location, message: String| {
            fail(
                INVALID_MANIFEST,
                format!("{}: {message}", at(path, location)),
            )
        };
        if raw.version.value != 1 {
            return Err(bad(
                &raw.version.referenced,
                format!(
                    "`version`: {} is not supported (expected 1)",
                    raw.version.value
                ),
            ));
        }
        let pack = parse_pack_ref(raw.pack.value.trim())
            .map_err(|e| bad(&raw.pack.referenced, format!("`pack`: {e}")))?;
        let b = &raw.baseline.value;
        let given: Vec<BaselineRef> = [
            b.name.clone().map(BaselineRef::Named),
            b.run_agent.clone().map(BaselineRef::Lane),
            b.deployment.clone().map(BaselineRef::Deployment),
        ]
        .into_iter()
        .flatten()
        .collect();
        let [baseline] = <[BaselineRef; 1]>::try_from(given).map_err(|_| {
            bad(
                &raw.baseline.referenced,
                "`baseline`: set exactly one of `name`, `run_agent` or `deployment`".into(),
            )
        })?;
        if matches!(&baseline, BaselineRef::Named(n) | BaselineRef::Lane(n) | BaselineRef::Deployment(n) if n.trim().is_empty())
        {
            return Err(bad(
                &raw.baseline.referenced,
                "`baseline`: the reference is empty".into(),
            ));
        }
        raw.gate.value.validate().map_err(|e| {
            bad(
                &raw.gate.referenced,
                format!("`gate.{}`: {}", e.field, e.message),
            )
        })?;
        if raw.candidate.deployment.trim().is_empty() {
            return Err(fail(
                INVALID_MANIFEST,
                format!(
                    "{}: `candidate.deployment` must name a deployment",
                    path.display()
                ),
            ));
        }
        let timeout = match raw.timeout_seconds {
            Some(t) if t.value == 0 => {
                return Err(bad(
                    &t.referenced,
                    "`timeout_seconds` must be at least 1".into(),
                ));
            }
            Some(t) => t.value,
            None => DEFAULT_TIMEOUT_SECS,
        };
        Ok(Self {
            pack,
            input_set: raw.input_set,
            cases: raw.cases,
            candidate: raw.candidate.deployment.trim().to_owned(),
            baseline,
            gate: raw.gate.value,
            timeout: Duration::from_secs(timeout),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit;

    fn parse(text: &str) -> anyhow::Result<Manifest> {
        Manifest::parse(Path::new(".agentclash/ci.yaml"), text)
    }

    #[test]
    fn the_template_is_a_valid_manifest() {
        let m = parse(&template("rpn-calculator@2", "rpn-buggy", "main")).expect("valid");
        assert_eq!(m.pack.slug, "rpn-calculator");
        assert_eq!(m.pack.version, Some(2));
        assert_eq!(m.candidate, "rpn-buggy");
        assert_eq!(m.baseline, BaselineRef::Named("main".into()));
        assert_eq!(m.gate.required_dimensions, ["correctness"]);
        assert_eq!(m.gate.dimensions["correctness"].fail_delta, Some(0.05));
        assert_eq!(m.timeout, Duration::from_secs(DEFAULT_TIMEOUT_SECS));
    }

    fn error(text: &str) -> String {
        let err = parse(text).expect_err("invalid");
        assert_eq!(exit::code_of(&err), INVALID_MANIFEST, "{err}");
        err.to_string()
    }

    const BASE: &str = "version: 1\npack: p\ncandidate: {deployment: d}\n";

    #[test]
    fn errors_name_the_line_column_and_field() {
        let e = error(&format!(
            "{BASE}baseline: {{name: b}}\ngate: {{}}\ntimout_seconds: 3\n"
        ));
        assert!(
            e.starts_with(".agentclash/ci.yaml:6:1: unknown field `timout_seconds`"),
            "{e}"
        );
        let e = error(&format!(
            "{BASE}baseline: {{name: b, deployment: x}}\ngate: {{}}\n"
        ));
        assert!(e.starts_with(".agentclash/ci.yaml:4:"), "{e}");
        assert!(
            e.contains("exactly one of `name`, `run_agent` or `deployment`"),
            "{e}"
        );
        let e = error(&format!(
            "{BASE}baseline: {{name: b}}\ngate:\n  dimensions:\n    correctness: {{fail_delta: 3}}\n"
        ));
        assert!(e.starts_with(".agentclash/ci.yaml:6:"), "{e}");
        assert!(
            e.contains("`gate.dimensions.correctness.fail_delta`"),
            "{e}"
        );
        let e = error(
            "version: 2\npack: p\ncandidate: {deployment: d}\nbaseline: {name: b}\ngate: {}\n",
        );
        assert!(e.starts_with(".agentclash/ci.yaml:1:10: `version`"), "{e}");
        let e = error(&format!("{BASE}baseline: {{name: b}}\n"));
        assert!(e.contains("missing field `gate`"), "{e}");
        let e = error(
            "version: 1\npack: p@x\ncandidate: {deployment: d}\nbaseline: {name: b}\ngate: {}\n",
        );
        assert!(e.starts_with(".agentclash/ci.yaml:2:7: `pack`"), "{e}");
        let e = Manifest::load(Path::new("/no/such/ci.yaml")).expect_err("missing");
        assert_eq!(exit::code_of(&e), INVALID_MANIFEST);
        assert!(e.to_string().contains("agentclash ci init"));
    }
}
