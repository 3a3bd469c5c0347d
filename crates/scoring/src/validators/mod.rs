//! The 21 validator types of §5.3. [`run_validator`] resolves the
//! references, decodes the config and dispatches to one module per family;
//! each family turns (actual, expected, config) into a [`Check`].

mod basic;
mod bitparallel;
mod code;
mod file;
mod json;
pub(crate) mod jsonpath;
mod math;
mod normalize;
mod numeric;
mod postcondition;
mod similarity;
mod tool_calls;

pub use code::{TestCounts, parse_test_counts};

use agentclash_packs::model::{EvaluationSpec, JsonMap, Validator, ValidatorType};
use serde::de::DeserializeOwned;

use crate::evidence::{EventId, Evidence};
use crate::reference::{Resolution, resolve};
use crate::verdict::{Check, ErrorKind, EvidenceExcerpt, Verdict, VerdictState};

/// Runs every validator of the spec in declaration order.
pub fn run_validators(spec: &EvaluationSpec, evidence: &Evidence) -> Vec<Verdict> {
    spec.validators
        .iter()
        .map(|v| run_validator(v, evidence))
        .collect()
}

/// Decodes a validator config into its typed form (absent config means the
/// defaults). Unknown keys are rejected by the types marked strict in the
/// spec (their structs use `deny_unknown_fields`).
pub(crate) fn decode_config<T: DeserializeOwned + Default>(
    config: Option<&JsonMap>,
) -> Result<T, Check> {
    match config {
        None => Ok(T::default()),
        Some(m) => serde_json::from_value(serde_json::Value::Object(m.clone()))
            .map_err(|e| Check::pack(format!("invalid config: {e}"))),
    }
}

/// Builder of a verdict: collects excerpts while a validator runs.
struct Run<'a> {
    validator: &'a Validator,
    excerpts: Vec<EvidenceExcerpt>,
    event_id: Option<EventId>,
}

impl<'a> Run<'a> {
    fn new(validator: &'a Validator) -> Self {
        Self {
            validator,
            excerpts: Vec::new(),
            event_id: None,
        }
    }

    /// Records an excerpt; the first one with an event becomes the source.
    fn read(&mut self, role: &str, reference: &str, value: &str, event_id: Option<EventId>) {
        if self.event_id.is_none() {
            self.event_id.clone_from(&event_id);
        }
        self.excerpts
            .push(EvidenceExcerpt::new(role, reference, value, event_id));
    }

    /// Resolves a reference into text, recording it; `Err` carries the
    /// unavailable / unsupported outcome.
    fn resolve(
        &mut self,
        evidence: &Evidence,
        role: &str,
        reference: &str,
    ) -> Result<String, Check> {
        match resolve(evidence, reference) {
            Resolution::Value(r) => {
                self.read(role, reference, &r.text, r.event_id);
                Ok(r.text)
            }
            Resolution::Unavailable { reason } => Err(Check::Unavailable(reason)),
            Resolution::Unsupported { reason } => Err(Check::pack(reason)),
        }
    }

    fn finish(self, check: Check) -> Verdict {
        let (state, score, threshold, error_kind, reason) = match check {
            Check::Binary(ok, reason) => (
                if ok {
                    VerdictState::Pass
                } else {
                    VerdictState::Fail
                },
                Some(if ok { 1.0 } else { 0.0 }),
                None,
                None,
                reason,
            ),
            Check::Graded {
                score,
                threshold,
                reason,
            } => {
                let score = if score.is_finite() {
                    score.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let state = if score >= threshold {
                    VerdictState::Pass
                } else {
                    VerdictState::Fail
                };
                (state, Some(score), Some(threshold), None, reason)
            }
            Check::Unavailable(reason) => (VerdictState::Unavailable, None, None, None, reason),
            Check::Error(kind, reason) => (VerdictState::Error, None, None, Some(kind), reason),
        };
        Verdict {
            key: self.validator.key.clone(),
            kind: self.validator.kind,
            state,
            score,
            threshold,
            error_kind,
            reason,
            evidence: self.excerpts,
            event_id: self.event_id,
        }
    }
}

/// Runs one validator against the evidence.
pub fn run_validator(validator: &Validator, evidence: &Evidence) -> Verdict {
    let mut run = Run::new(validator);
    let check = evaluate(&mut run, evidence).unwrap_or_else(|c| c);
    tracing::trace!(key = %validator.key, ?check, "validator evaluated");
    run.finish(check)
}

fn evaluate(run: &mut Run<'_>, evidence: &Evidence) -> Result<Check, Check> {
    let v = run.validator;
    let config = v.config.as_ref();
    use ValidatorType as T;
    match v.kind {
        T::ToolCallAssertion => return Ok(tool_calls::check(run, evidence, config)),
        T::CodeExecution => return Ok(code::check(run, evidence, config)),
        T::FileExists => return Ok(file::exists(run, evidence, config)),
        T::DirectoryStructure => return Ok(file::directory_structure(run, evidence, config)),
        T::Postcondition => return Ok(postcondition::check(run, evidence, config)),
        T::FileJsonSchema => {
            let actual = run.resolve(evidence, "target", &v.target)?;
            return Ok(file::json_schema(&actual, config));
        }
        T::Invalid => return Err(Check::pack("unsupported validator type")),
        _ => {}
    }
    let actual = run.resolve(evidence, "target", &v.target)?;
    let Some(expected_ref) = v.expected_from.as_deref() else {
        return Err(Check::pack(
            "expected_from is required for this validator type",
        ));
    };
    let expected = run.resolve(evidence, "expected", expected_ref)?;
    let (a, e) = (actual.as_str(), expected.as_str());
    Ok(match v.kind {
        T::ExactMatch => basic::exact(a, e),
        T::Contains => basic::contains(a, e),
        T::RegexMatch => basic::regex_match(a, e),
        T::BooleanAssert => basic::boolean(a, e),
        T::JsonSchema => json::schema(a, e),
        T::JsonPathMatch => json::path_match(a, e),
        T::FuzzyMatch => similarity::fuzzy(a, e, config),
        T::TokenF1 => similarity::token_f1(a, e, config),
        T::BleuScore => similarity::bleu(a, e, config),
        T::RougeScore => similarity::rouge(a, e, config),
        T::ChrfScore => similarity::chrf(a, e, config),
        T::NumericMatch => numeric::check(a, e, config),
        T::NormalizedMatch => normalize::check(a, e, config),
        T::MathEquivalence => math::check(a, e, config),
        T::FileContentMatch => file::content_match(a, e, config),
        _ => Check::Error(
            ErrorKind::Evaluator,
            "unreachable validator dispatch".into(),
        ),
    })
}
