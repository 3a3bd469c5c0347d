//! Text similarity validators with the exact math of §5.3.4: `fuzzy_match`
//! (Levenshtein similarity), `token_f1`, `bleu_score`, `rouge_score` and
//! `chrf_score`. The formulas are implemented here from the spec text.

use std::collections::HashMap;
use std::hash::Hash;

use agentclash_packs::model::JsonMap;
use serde::Deserialize;
use serde_json::Value;

use super::bitparallel::{lcs_len, levenshtein};
use super::decode_config;
use super::normalize::{Step, apply};
use crate::text::{fold_case, normalize_ws};
use crate::verdict::{Check, ErrorKind};

/// Longest input (in code points) `fuzzy_match` accepts (§5.3.4).
const FUZZY_MAX_CHARS: usize = 100_000;

fn default_threshold_08() -> f64 {
    0.8
}
fn default_threshold_05() -> f64 {
    0.5
}
fn default_threshold_03() -> f64 {
    0.3
}

/// Shared preprocessing flags of the similarity validators.
fn prepare(s: &str, case_insensitive: bool, normalize: bool) -> String {
    let s = if normalize {
        normalize_ws(s)
    } else {
        s.to_string()
    };
    if case_insensitive { fold_case(&s) } else { s }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FuzzyConfig {
    #[serde(default = "default_threshold_08")]
    threshold: f64,
    #[serde(default)]
    case_insensitive: bool,
    #[serde(default)]
    normalize: bool,
}

impl Default for FuzzyConfig {
    fn default() -> Self {
        Self {
            threshold: default_threshold_08(),
            case_insensitive: false,
            normalize: false,
        }
    }
}

/// §5.3.4 `fuzzy_match`: S = (|a|+|b|−L)/(|a|+|b|) over code points.
pub(super) fn fuzzy(actual: &str, expected: &str, config: Option<&JsonMap>) -> Check {
    let cfg: FuzzyConfig = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    // Count before allocating so a huge input is rejected in O(n).
    for (side, s) in [("output", actual), ("expected value", expected)] {
        if s.chars().nth(FUZZY_MAX_CHARS).is_some() {
            return Check::Error(
                ErrorKind::Evaluator,
                format!("{side} exceeds {FUZZY_MAX_CHARS} code points"),
            );
        }
    }
    let a: Vec<char> = prepare(actual, cfg.case_insensitive, cfg.normalize)
        .chars()
        .collect();
    let e: Vec<char> = prepare(expected, cfg.case_insensitive, cfg.normalize)
        .chars()
        .collect();
    let total = a.len() + e.len();
    let score = if total == 0 {
        1.0
    } else {
        let dist = levenshtein(&a, &e);
        (total - dist.min(total)) as f64 / total as f64
    };
    Check::Graded {
        score,
        threshold: cfg.threshold,
        reason: format!("similarity {score:.4} (threshold {})", cfg.threshold),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenF1Config {
    #[serde(default = "default_threshold_05")]
    threshold: f64,
    #[serde(default)]
    normalize: bool,
    #[serde(default)]
    remove_punctuation: bool,
    #[serde(default)]
    remove_articles: bool,
}

impl Default for TokenF1Config {
    fn default() -> Self {
        Self {
            threshold: default_threshold_05(),
            normalize: false,
            remove_punctuation: false,
            remove_articles: false,
        }
    }
}

fn counts<'a, T: Hash + Eq + 'a>(grams: impl Iterator<Item = &'a [T]>) -> HashMap<&'a [T], usize> {
    let mut m = HashMap::new();
    for g in grams {
        *m.entry(g).or_insert(0) += 1;
    }
    m
}

fn ngram_counts<T: Hash + Eq>(seq: &[T], n: usize) -> HashMap<&[T], usize> {
    counts(seq.windows(n))
}

/// Σ_g min(count_a(g), count_b(g)).
fn clipped_overlap<T: Hash + Eq>(a: &HashMap<&[T], usize>, b: &HashMap<&[T], usize>) -> usize {
    a.iter()
        .map(|(g, c)| (*c).min(b.get(g).copied().unwrap_or(0)))
        .sum()
}

/// §5.3.4 `token_f1`.
pub(super) fn token_f1(actual: &str, expected: &str, config: Option<&JsonMap>) -> Check {
    let cfg: TokenF1Config = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let mut steps = Vec::new();
    if cfg.normalize {
        steps.extend([Step::Trim, Step::Lowercase, Step::CollapseWhitespace]);
    }
    if cfg.remove_punctuation {
        steps.push(Step::StripPunctuation);
    }
    if cfg.remove_articles {
        steps.push(Step::RemoveArticles);
    }
    if !steps.is_empty() {
        steps.extend([Step::CollapseWhitespace, Step::Trim]);
    }
    let (a, e) = (apply(&steps, actual), apply(&steps, expected));
    let pred: Vec<&str> = a.split_whitespace().collect();
    let gold: Vec<&str> = e.split_whitespace().collect();
    let score = match (pred.is_empty(), gold.is_empty()) {
        (true, true) => 1.0,
        (true, false) | (false, true) => 0.0,
        _ => {
            let overlap = clipped_overlap(&ngram_counts(&pred, 1), &ngram_counts(&gold, 1));
            let p = overlap as f64 / pred.len() as f64;
            let r = overlap as f64 / gold.len() as f64;
            if p == 0.0 || r == 0.0 {
                0.0
            } else {
                2.0 * p * r / (p + r)
            }
        }
    };
    Check::Graded {
        score,
        threshold: cfg.threshold,
        reason: format!("token F1 {score:.4} (threshold {})", cfg.threshold),
    }
}

/// References of BLEU/ROUGE/chrF: a JSON list of strings, or one string.
fn references(expected: &str) -> Result<Vec<String>, Check> {
    let t = expected.trim();
    if t.starts_with('[')
        && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(t)
    {
        return items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(Check::pack("reference list must contain only strings")),
            })
            .collect();
    }
    Ok(vec![expected.to_string()])
}

fn default_max_ngram() -> usize {
    4
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BleuConfig {
    #[serde(default = "default_threshold_03")]
    threshold: f64,
    #[serde(default = "default_max_ngram")]
    max_ngram: usize,
    #[serde(default)]
    smoothing: Option<String>,
    #[serde(default)]
    case_insensitive: bool,
    #[serde(default)]
    normalize: bool,
}

impl Default for BleuConfig {
    fn default() -> Self {
        Self {
            threshold: default_threshold_03(),
            max_ngram: default_max_ngram(),
            smoothing: None,
            case_insensitive: false,
            normalize: false,
        }
    }
}

/// §5.3.4 BLEU with brevity penalty and optional method1 smoothing.
fn bleu_score(cand: &[&str], refs: &[Vec<&str>], max_ngram: usize, method1: bool) -> f64 {
    if cand.is_empty() {
        return if refs.len() == 1 && refs[0].is_empty() {
            1.0
        } else {
            0.0
        };
    }
    let c = cand.len();
    let k = max_ngram.min(c);
    let mut log_sum = 0.0;
    for n in 1..=k {
        let cc = ngram_counts(cand, n);
        let ref_counts: Vec<_> = refs.iter().map(|r| ngram_counts(r, n)).collect();
        let matched: usize = cc
            .iter()
            .map(|(g, count)| {
                let max_ref = ref_counts
                    .iter()
                    .map(|rc| rc.get(g).copied().unwrap_or(0))
                    .max()
                    .unwrap_or(0);
                (*count).min(max_ref)
            })
            .sum();
        let mut p = matched as f64 / (c - n + 1) as f64;
        if p == 0.0 && method1 && n > 1 {
            p = 1.0 / (c - n + 2) as f64;
        }
        if p == 0.0 {
            return 0.0;
        }
        log_sum += p.ln();
    }
    let geo = (log_sum / k as f64).exp();
    // Closest reference length, ties to the shorter one.
    let r = refs
        .iter()
        .map(Vec::len)
        .min_by_key(|len| (len.abs_diff(c), *len))
        .unwrap_or(0);
    let bp = if c >= r {
        1.0
    } else {
        (1.0 - r as f64 / c as f64).exp()
    };
    bp * geo
}

/// `bleu_score` validator.
pub(super) fn bleu(actual: &str, expected: &str, config: Option<&JsonMap>) -> Check {
    let cfg: BleuConfig = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let method1 = match cfg.smoothing.as_deref() {
        None | Some("none") => false,
        Some("method1") => true,
        Some(other) => return Check::pack(format!("unknown smoothing {other:?}")),
    };
    if cfg.max_ngram == 0 {
        return Check::pack("max_ngram must be greater than 0");
    }
    let refs = match references(expected) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let cand = prepare(actual, cfg.case_insensitive, cfg.normalize);
    let refs: Vec<String> = refs
        .iter()
        .map(|r| prepare(r, cfg.case_insensitive, cfg.normalize))
        .collect();
    let cand_tokens: Vec<&str> = cand.split_whitespace().collect();
    let ref_tokens: Vec<Vec<&str>> = refs
        .iter()
        .map(|r| r.split_whitespace().collect())
        .collect();
    let score = bleu_score(&cand_tokens, &ref_tokens, cfg.max_ngram, method1);
    Check::Graded {
        score,
        threshold: cfg.threshold,
        reason: format!("BLEU {score:.4} (threshold {})", cfg.threshold),
    }
}

fn default_beta_1() -> f64 {
    1.0
}
fn default_beta_2() -> f64 {
    2.0
}

/// F_β = (1+β²)PR/(β²P+R), 0 when P = R = 0.
fn f_beta(p: f64, r: f64, beta: f64) -> f64 {
    let b2 = beta * beta;
    let denom = b2 * p + r;
    if denom <= 0.0 {
        0.0
    } else {
        (1.0 + b2) * p * r / denom
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RougeConfig {
    #[serde(default = "default_threshold_03")]
    threshold: f64,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default = "default_beta_1")]
    beta: f64,
    #[serde(default)]
    case_insensitive: bool,
    #[serde(default)]
    normalize: bool,
}

impl Default for RougeConfig {
    fn default() -> Self {
        Self {
            threshold: default_threshold_03(),
            variant: None,
            beta: default_beta_1(),
            case_insensitive: false,
            normalize: false,
        }
    }
}

fn ratio(num: usize, denom: isize) -> f64 {
    if denom <= 0 {
        0.0
    } else {
        num as f64 / denom as f64
    }
}

/// ROUGE F for one reference.
fn rouge_one(cand: &[&str], reference: &[&str], n: Option<usize>, beta: f64) -> f64 {
    let (c, r) = (cand.len() as isize, reference.len() as isize);
    let (p, rec) = match n {
        Some(n) => {
            let m = if cand.len() >= n && reference.len() >= n {
                clipped_overlap(&ngram_counts(cand, n), &ngram_counts(reference, n))
            } else {
                0
            };
            let n = n as isize;
            (ratio(m, c - n + 1), ratio(m, r - n + 1))
        }
        None => {
            let l = lcs_len(cand, reference);
            (ratio(l, c), ratio(l, r))
        }
    };
    f_beta(p, rec, beta)
}

/// `rouge_score` validator: best F over references.
pub(super) fn rouge(actual: &str, expected: &str, config: Option<&JsonMap>) -> Check {
    let cfg: RougeConfig = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let n = match cfg.variant.as_deref() {
        None | Some("rouge-l") => None,
        Some("rouge-1") => Some(1),
        Some("rouge-2") => Some(2),
        Some(other) => return Check::pack(format!("unknown ROUGE variant {other:?}")),
    };
    if cfg.beta <= 0.0 {
        return Check::pack("beta must be greater than 0");
    }
    let refs = match references(expected) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let cand = prepare(actual, cfg.case_insensitive, cfg.normalize);
    let cand_tokens: Vec<&str> = cand.split_whitespace().collect();
    let score = refs
        .iter()
        .map(|r| {
            let r = prepare(r, cfg.case_insensitive, cfg.normalize);
            let toks: Vec<&str> = r.split_whitespace().collect();
            rouge_one(&cand_tokens, &toks, n, cfg.beta)
        })
        .fold(0.0, f64::max);
    Check::Graded {
        score,
        threshold: cfg.threshold,
        reason: format!(
            "{} F {score:.4} (threshold {})",
            cfg.variant.as_deref().unwrap_or("rouge-l").to_uppercase(),
            cfg.threshold
        ),
    }
}

fn default_char_order() -> usize {
    6
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChrfConfig {
    #[serde(default = "default_threshold_03")]
    threshold: f64,
    #[serde(default = "default_char_order")]
    char_order: usize,
    #[serde(default = "default_beta_2")]
    beta: f64,
    #[serde(default)]
    case_insensitive: bool,
    #[serde(default)]
    normalize: bool,
}

impl Default for ChrfConfig {
    fn default() -> Self {
        Self {
            threshold: default_threshold_03(),
            char_order: default_char_order(),
            beta: default_beta_2(),
            case_insensitive: false,
            normalize: false,
        }
    }
}

/// chrF for one reference (characters without whitespace).
fn chrf_one(c: &[char], r: &[char], order: usize, beta: f64) -> f64 {
    let k = order.min(c.len()).min(r.len());
    if k == 0 {
        return if c.is_empty() && r.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    let (mut p_sum, mut r_sum) = (0.0, 0.0);
    for n in 1..=k {
        let m = clipped_overlap(&ngram_counts(c, n), &ngram_counts(r, n));
        p_sum += m as f64 / (c.len() - n + 1) as f64;
        r_sum += m as f64 / (r.len() - n + 1) as f64;
    }
    f_beta(p_sum / k as f64, r_sum / k as f64, beta)
}

/// `chrf_score` validator: best chrF over references.
pub(super) fn chrf(actual: &str, expected: &str, config: Option<&JsonMap>) -> Check {
    let cfg: ChrfConfig = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    if cfg.char_order == 0 || cfg.beta <= 0.0 {
        return Check::pack("char_order and beta must be greater than 0");
    }
    let refs = match references(expected) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let chars = |s: &str| -> Vec<char> {
        prepare(s, cfg.case_insensitive, cfg.normalize)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let cand = chars(actual);
    let score = refs
        .iter()
        .map(|r| chrf_one(&cand, &chars(r), cfg.char_order, cfg.beta))
        .fold(0.0, f64::max);
    Check::Graded {
        score,
        threshold: cfg.threshold,
        reason: format!("chrF {score:.4} (threshold {})", cfg.threshold),
    }
}
