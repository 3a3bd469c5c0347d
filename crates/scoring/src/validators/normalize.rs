//! `normalized_match` and the normalisation steps it shares with
//! `token_f1` (§5.3.4).

use agentclash_packs::model::JsonMap;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::decode_config;
use crate::cache;
use crate::text::{collapse_ascii_ws, fold_case};
use crate::verdict::Check;

/// One normalisation step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Step {
    /// Trim surrounding whitespace.
    Trim,
    /// Unicode case folding.
    Lowercase,
    /// ASCII whitespace runs → one space.
    CollapseWhitespace,
    /// Remove Unicode punctuation and symbol characters.
    StripPunctuation,
    /// Remove currency signs and ISO codes.
    StripCurrency,
    /// Remove `, ( ) [ ]`.
    StripFormatting,
    /// NFKC.
    NormalizeUnicode,
    /// Replace the whole words `a`, `an`, `the` by a space.
    RemoveArticles,
    /// Sort whitespace-separated words byte-wise.
    SortWords,
    /// Sort lines.
    SortLines,
}

const CURRENCY_CODES: [&str; 5] = ["USD", "EUR", "GBP", "JPY", "INR"];
const CURRENCY_SIGNS: [char; 5] = ['$', '€', '£', '¥', '₹'];

/// Removes currency signs and codes (shared with `numeric_match`).
pub(crate) fn strip_currency(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !CURRENCY_SIGNS.contains(c)).collect();
    for code in CURRENCY_CODES {
        out = out.replace(code, "");
    }
    out
}

fn regex_replace(pattern: &str, s: &str, with: &str) -> String {
    match cache::regex(pattern).as_ref() {
        Ok(re) => re.replace_all(s, with).into_owned(),
        // The patterns are constants of this module and always compile.
        Err(_) => s.to_string(),
    }
}

fn apply_one(step: Step, s: &str) -> String {
    match step {
        Step::Trim => s.trim().to_string(),
        Step::Lowercase => fold_case(s),
        Step::CollapseWhitespace => collapse_ascii_ws(s),
        Step::StripPunctuation => regex_replace(r"[\p{P}\p{S}]", s, ""),
        Step::StripCurrency => strip_currency(s),
        Step::StripFormatting => s.chars().filter(|c| !",()[]".contains(*c)).collect(),
        Step::NormalizeUnicode => s.nfkc().collect(),
        Step::RemoveArticles => regex_replace(r"(?-u:\b)(?:a|an|the)(?-u:\b)", s, " "),
        Step::SortWords => {
            let mut words: Vec<&str> = s.split_whitespace().collect();
            words.sort_unstable();
            words.join(" ")
        }
        Step::SortLines => {
            let text = s.replace("\r\n", "\n");
            let mut lines: Vec<&str> = text.split('\n').collect();
            lines.sort_unstable();
            lines.join("\n")
        }
    }
}

/// Applies the steps in order.
pub(crate) fn apply(steps: &[Step], s: &str) -> String {
    let mut out = s.to_string();
    for step in steps {
        out = apply_one(*step, &out);
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    pipeline: Option<Vec<Step>>,
    #[serde(default)]
    normalizations: Option<Vec<Step>>,
}

/// `normalized_match`: equal after the pipeline.
pub(super) fn check(actual: &str, expected: &str, config: Option<&JsonMap>) -> Check {
    let cfg: Config = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let steps = match (cfg.pipeline, cfg.normalizations) {
        (Some(_), Some(_)) => return Check::pack("cannot mix pipeline with normalizations"),
        (Some(p), None) | (None, Some(p)) => p,
        (None, None) => vec![Step::Trim, Step::Lowercase, Step::CollapseWhitespace],
    };
    let (a, e) = (apply(&steps, actual), apply(&steps, expected));
    let ok = a == e;
    Check::Binary(
        ok,
        if ok {
            "output equals the expected value after normalisation".into()
        } else {
            "output differs from the expected value after normalisation".into()
        },
    )
}
