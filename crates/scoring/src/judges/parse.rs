//! Reading a judge's answer: markdown fences stripped, the outermost JSON
//! object extracted from surrounding prose, then the mode's fields checked.

use agentclash_packs::model::{JudgeKind, LlmJudge};
use serde_json::{Map, Value};

use super::prompt::scale;

/// Why an answer is unusable; the text goes into the repair message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    /// No JSON object could be found.
    #[error("the answer is not a JSON object")]
    NotJson,
    /// The object lacks a field or has the wrong type.
    #[error("{0}")]
    Shape(String),
}

fn strip_fences(text: &str) -> &str {
    let t = text.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    // Drop an info string such as `json` on the opening fence.
    let rest = rest.split_once('\n').map_or("", |(_, body)| body);
    rest.trim_end().strip_suffix("```").unwrap_or(rest).trim()
}

fn object(text: &str) -> Result<Map<String, Value>, AnswerError> {
    let body = strip_fences(text);
    if let Ok(Value::Object(map)) = serde_json::from_str(body) {
        return Ok(map);
    }
    let (Some(start), Some(end)) = (body.find('{'), body.rfind('}')) else {
        return Err(AnswerError::NotJson);
    };
    match body.get(start..=end).map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Object(map))) => Ok(map),
        _ => Err(AnswerError::NotJson),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

fn verdict(map: &Map<String, Value>) -> Result<bool, AnswerError> {
    if let Some(v) = map.get("pass") {
        return v
            .as_bool()
            .ok_or_else(|| AnswerError::Shape(r#""pass" must be true or false"#.to_owned()));
    }
    let word = map
        .get("verdict")
        .and_then(Value::as_str)
        .map(|s| s.trim().to_ascii_lowercase());
    match word.as_deref() {
        Some("pass" | "true" | "yes") => Ok(true),
        Some("fail" | "false" | "no") => Ok(false),
        _ => Err(AnswerError::Shape(
            r#"expected "pass": true|false (or "verdict": "pass"|"fail")"#.to_owned(),
        )),
    }
}

/// The normalised score in [0,1] of a rubric, reference or assertion
/// answer: rubric/reference scores are clamped to the scale and mapped
/// linearly; an assertion is 1 or 0, inverted when the judge has
/// `expect: false`.
pub fn parse_answer(judge: &LlmJudge, text: &str) -> Result<f64, AnswerError> {
    let map = object(text)?;
    if judge.mode == JudgeKind::Assertion {
        let pass = verdict(&map)? == judge.expect.unwrap_or(true);
        return Ok(if pass { 1.0 } else { 0.0 });
    }
    let (min, max) = scale(judge);
    let raw = map.get("score").and_then(number).ok_or_else(|| {
        AnswerError::Shape(format!(r#""score" must be a number from {min} to {max}"#))
    })?;
    Ok((raw.clamp(min, max) - min) / (max - min))
}

/// The candidate ids of an n_wise answer, best first; every candidate must
/// appear exactly once and nothing else may.
pub fn parse_ranking(text: &str, candidates: &[&str]) -> Result<Vec<String>, AnswerError> {
    let map = object(text)?;
    let list = map
        .get("ranking")
        .or_else(|| map.get("ranked_ids"))
        .and_then(Value::as_array)
        .ok_or_else(|| {
            AnswerError::Shape(r#""ranking" must be a list of candidate ids"#.to_owned())
        })?;
    let mut ranking = Vec::with_capacity(list.len());
    for item in list {
        let id = item.as_str().map(str::trim).ok_or_else(|| {
            AnswerError::Shape("every ranking entry must be a string id".to_owned())
        })?;
        if !candidates.contains(&id) {
            return Err(AnswerError::Shape(format!("{id:?} is not a candidate id")));
        }
        if ranking.iter().any(|r| r == id) {
            return Err(AnswerError::Shape(format!("{id:?} is listed twice")));
        }
        ranking.push(id.to_owned());
    }
    if ranking.len() != candidates.len() {
        return Err(AnswerError::Shape(format!(
            "the ranking lists {} of the {} candidates",
            ranking.len(),
            candidates.len()
        )));
    }
    Ok(ranking)
}
