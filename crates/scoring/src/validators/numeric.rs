//! `numeric_match` (§5.3.4): tolerant float comparison with optional number
//! extraction and significant-digit rounding.

use agentclash_packs::model::JsonMap;
use serde::Deserialize;

use super::decode_config;
use super::normalize::strip_currency;
use crate::cache;
use crate::verdict::Check;

const NUMBER_PATTERN: &str = r"[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?";

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    absolute_tolerance: Option<f64>,
    #[serde(default)]
    relative_tolerance: Option<f64>,
    #[serde(default)]
    extract_number: bool,
    #[serde(default)]
    significant_digits: Option<u32>,
    #[serde(default)]
    tolerance_mode: Option<String>,
    #[serde(default)]
    tolerance: Option<f64>,
}

/// Parses a number from text, extracting the first one when asked.
fn parse_number(s: &str, extract: bool) -> Option<f64> {
    let v = if extract {
        let cleaned: String = strip_currency(s)
            .chars()
            .filter(|c| *c != ',' && *c != '%')
            .collect();
        let re = cache::regex(NUMBER_PATTERN);
        let re = re.as_ref().as_ref().ok()?;
        re.find(&cleaned)?.as_str().parse::<f64>().ok()?
    } else {
        s.trim().parse::<f64>().ok()?
    };
    v.is_finite().then_some(v)
}

/// Rounds to `digits` significant digits.
fn round_significant(v: f64, digits: u32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let magnitude = v.abs().log10().floor() as i32 + 1;
    let scale = 10f64.powi(digits as i32 - magnitude);
    (v * scale).round() / scale
}

/// The effective tolerances (absolute, relative); both `None` = exact.
fn tolerances(cfg: &Config) -> Result<(Option<f64>, Option<f64>), Check> {
    let legacy = cfg.tolerance_mode.is_some() || cfg.tolerance.is_some();
    let current = cfg.absolute_tolerance.is_some() || cfg.relative_tolerance.is_some();
    if legacy && current {
        return Err(Check::pack(
            "cannot mix tolerance_mode/tolerance with absolute_tolerance/relative_tolerance",
        ));
    }
    if !legacy {
        return Ok((cfg.absolute_tolerance, cfg.relative_tolerance));
    }
    let tol = cfg.tolerance.unwrap_or(0.001);
    match cfg.tolerance_mode.as_deref().unwrap_or("relative") {
        "relative" => Ok((None, Some(tol))),
        "absolute" => Ok((Some(tol), None)),
        _ => Err(Check::pack(
            "tolerance_mode must be either \"absolute\" or \"relative\"",
        )),
    }
}

/// `numeric_match`.
pub(super) fn check(actual: &str, expected: &str, config: Option<&JsonMap>) -> Check {
    let cfg: Config = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let (abs_tol, rel_tol) = match tolerances(&cfg) {
        Ok(t) => t,
        Err(c) => return c,
    };
    if abs_tol.is_some_and(|t| t < 0.0) || rel_tol.is_some_and(|t| t < 0.0) {
        return Check::pack("tolerances must be greater than or equal to 0");
    }
    let Some(mut e) = parse_number(expected, cfg.extract_number) else {
        return Check::pack(format!("expected value {expected:?} is not a number"));
    };
    let Some(mut a) = parse_number(actual, cfg.extract_number) else {
        return Check::malformed("output does not contain a number");
    };
    if let Some(d) = cfg.significant_digits {
        if d == 0 {
            return Check::pack("significant_digits must be greater than 0");
        }
        a = round_significant(a, d);
        e = round_significant(e, d);
    }
    let diff = (a - e).abs();
    let ok = match (abs_tol, rel_tol) {
        (None, None) => a == e,
        (abs, rel) => {
            let rel_diff = if diff == 0.0 {
                0.0
            } else if e == 0.0 {
                f64::INFINITY
            } else {
                diff / e.abs()
            };
            abs.is_some_and(|t| diff <= t) || rel.is_some_and(|t| rel_diff <= t)
        }
    };
    Check::Binary(
        ok,
        format!("output {a} vs expected {e} (difference {diff})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_and_extraction() {
        assert_eq!(round_significant(1.23456, 3), 1.23);
        assert_eq!(round_significant(12345.0, 2), 12000.0);
        assert_eq!(parse_number("Total: $3,680.75 USD", true), Some(3680.75));
        assert_eq!(parse_number("about 12%", true), Some(12.0));
        assert_eq!(parse_number(" 2.5e3 ", false), Some(2500.0));
        assert_eq!(parse_number("inf", false), None);
        assert_eq!(parse_number("no digits", true), None);
    }
}
