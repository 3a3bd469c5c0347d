//! Which calls a judge makes for one case: the models, the number of
//! samples (capped by `judge_limits`), the evidence each prompt carries,
//! and for n_wise judges the candidate order of each sample.

use agentclash_packs::model::{JudgeKind, JudgeLimits, LlmJudge};

use super::prompt::{ContextEntry, judge_prompt, n_wise_prompt};
use crate::evidence::Evidence;
use crate::reference::{Resolution, resolve};

/// Samples per model when the pack says 0 or nothing.
pub const DEFAULT_SAMPLES: u32 = 3;
/// Per-call timeout when the pack sets none.
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;

/// One call to make.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeCall {
    /// Judge model id as written in the pack.
    pub model: String,
    /// Sample index for that model.
    pub sample: u32,
    /// The user message.
    pub prompt: String,
    /// Per-call timeout.
    pub timeout_ms: u64,
    /// n_wise: candidate ids in the order this prompt shows them.
    pub order: Vec<String>,
}

/// Every call of one judge for one case (or, for n_wise, one case across
/// the run's lanes).
#[derive(Debug, Clone, PartialEq)]
pub struct JudgePlan {
    /// In model order, then sample order.
    pub calls: Vec<JudgeCall>,
}

/// A lane an n_wise judge ranks.
#[derive(Debug, Clone, Copy)]
pub struct NWiseCandidate<'a> {
    /// The id the judge must answer with (the run agent id).
    pub id: &'a str,
    /// That lane's evidence for the case.
    pub evidence: &'a Evidence,
}

/// Samples per model: `samples` (0 ⇒ 3), capped by
/// `judge_limits.max_samples_per_judge` when that is above 0.
pub fn sample_count(judge: &LlmJudge, limits: Option<&JudgeLimits>) -> u32 {
    let asked = match u32::try_from(judge.samples) {
        Ok(0) | Err(_) => DEFAULT_SAMPLES,
        Ok(n) => n,
    };
    match limits.map(|l| l.max_samples_per_judge) {
        Some(cap) if cap > 0 => asked.min(u32::try_from(cap).unwrap_or(u32::MAX)),
        _ => asked,
    }
}

fn models(judge: &LlmJudge) -> Vec<String> {
    judge
        .model
        .iter()
        .chain(judge.models.iter())
        .cloned()
        .collect()
}

fn timeout_ms(judge: &LlmJudge) -> u64 {
    judge
        .timeout_ms
        .and_then(|t| u64::try_from(t).ok())
        .filter(|t| *t > 0)
        .unwrap_or(DEFAULT_TIMEOUT_MS)
}

fn entry(evidence: &Evidence, label: &str, reference: &str) -> Result<ContextEntry, String> {
    match resolve(evidence, reference) {
        Resolution::Value(v) => Ok(ContextEntry {
            label: label.to_owned(),
            text: v.text,
        }),
        Resolution::Unavailable { reason } | Resolution::Unsupported { reason } => {
            Err(format!("context {reference:?} is unavailable: {reason}"))
        }
    }
}

/// The evidence a judge shows for one lane; any unavailable entry makes the
/// judge unavailable (no calls are made).
fn context(judge: &LlmJudge, evidence: &Evidence) -> Result<Vec<ContextEntry>, String> {
    let mut entries = judge
        .context_from
        .iter()
        .map(|r| entry(evidence, r, r))
        .collect::<Result<Vec<_>, _>>()?;
    if judge.mode == JudgeKind::Reference {
        let reference = judge.reference_from.as_deref().unwrap_or_default();
        entries.push(entry(evidence, "reference_answer", reference)?);
    }
    Ok(entries)
}

fn calls_per_model(
    judge: &LlmJudge,
    limits: Option<&JudgeLimits>,
    mut call: impl FnMut(&str, u32) -> JudgeCall,
) -> JudgePlan {
    let samples = sample_count(judge, limits);
    let calls = models(judge)
        .iter()
        .flat_map(|m| (0..samples).map(move |s| (m.clone(), s)))
        .map(|(m, s)| call(&m, s))
        .collect();
    JudgePlan { calls }
}

/// The calls of a rubric, assertion or reference judge for one case, or why
/// the judge is unavailable.
pub fn plan_judge(
    judge: &LlmJudge,
    evidence: &Evidence,
    limits: Option<&JudgeLimits>,
) -> Result<JudgePlan, String> {
    if judge.mode == JudgeKind::NWise {
        return Err("an n_wise judge ranks every lane of the run (plan_n_wise)".to_owned());
    }
    let entries = context(judge, evidence)?;
    let prompt = judge_prompt(judge, &entries);
    let timeout_ms = timeout_ms(judge);
    Ok(calls_per_model(judge, limits, |model, sample| JudgeCall {
        model: model.to_owned(),
        sample,
        prompt: prompt.clone(),
        timeout_ms,
        order: Vec::new(),
    }))
}

/// FNV-1a, for a seed that is the same on every machine and every run.
fn seed(key: &str, sample: u32) -> u64 {
    key.bytes()
        .chain(sample.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Candidate positions for one sample: rotated by the sample index with
/// `position_debiasing`, else a shuffle seeded by the judge key and sample.
fn order(judge: &LlmJudge, n: usize, sample: u32) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if judge.position_debiasing {
        idx.rotate_left(sample as usize % n.max(1));
        return idx;
    }
    let mut state = seed(&judge.key, sample) | 1;
    for i in (1..n).rev() {
        // xorshift64: enough to spread positions, reproducible everywhere.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = (state % (i as u64 + 1)) as usize;
        idx.swap(i, j);
    }
    idx
}

/// The calls of an n_wise judge for one case across the run's lanes (in
/// lane order), or why it is unavailable (fewer than two lanes, or any
/// lane's context missing).
pub fn plan_n_wise(
    judge: &LlmJudge,
    candidates: &[NWiseCandidate<'_>],
    limits: Option<&JudgeLimits>,
) -> Result<JudgePlan, String> {
    if candidates.len() < 2 {
        return Err(format!(
            "an n_wise judge needs at least 2 lanes to rank, the run has {}",
            candidates.len()
        ));
    }
    let contexts = candidates
        .iter()
        .map(|c| context(judge, c.evidence).map_err(|why| format!("lane {}: {why}", c.id)))
        .collect::<Result<Vec<_>, _>>()?;
    let timeout_ms = timeout_ms(judge);
    Ok(calls_per_model(judge, limits, |model, sample| {
        let positions = order(judge, candidates.len(), sample);
        let shown: Vec<(&str, &[ContextEntry])> = positions
            .iter()
            .map(|&i| (candidates[i].id, contexts[i].as_slice()))
            .collect();
        JudgeCall {
            model: model.to_owned(),
            sample,
            prompt: n_wise_prompt(judge, &shown),
            timeout_ms,
            order: positions
                .iter()
                .map(|&i| candidates[i].id.to_owned())
                .collect(),
        }
    }))
}

/// Borda score of `id` in a ranking of `n` candidates: 1 for the best, 0
/// for the worst.
pub fn borda(ranking: &[String], id: &str) -> Option<f64> {
    let n = ranking.len();
    let pos = ranking.iter().position(|r| r == id)?;
    Some(if n < 2 {
        1.0
    } else {
        (n - 1 - pos) as f64 / (n - 1) as f64
    })
}
