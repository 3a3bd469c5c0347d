//! Paired statistics over the cases two lanes share: the mean of the
//! per-case deltas (candidate − baseline) with a percentile bootstrap 95%
//! confidence interval, and the exact two-sided sign test.
//!
//! The bootstrap is seeded, so the same deltas always give the same
//! interval: a stored comparison and a recomputed one agree.

use serde::{Deserialize, Serialize};

/// Bootstrap resamples. 4000 keeps the 2.5/97.5 percentiles stable to
/// about ±0.005 on [0,1] scores while costing well under a millisecond per
/// hundred cases.
pub const BOOTSTRAP_RESAMPLES: usize = 4000;

/// Fixed seed of the bootstrap generator.
const SEED: u64 = 0x5EED_A6E7_C1A5_0001;

/// Deltas closer to zero than this count as ties in the sign test.
const TIE: f64 = 1e-9;

/// Paired statistics of candidate − baseline over shared cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedStats {
    /// Cases with a value in both lanes.
    pub n: usize,
    /// Mean of the per-case deltas; absent when `n` is 0.
    pub mean_delta: Option<f64>,
    /// Percentile bootstrap 95% interval of the mean delta; absent when `n`
    /// is 0.
    pub ci95: Option<[f64; 2]>,
    /// Cases where the candidate scored higher.
    pub improved: usize,
    /// Cases where the candidate scored lower.
    pub regressed: usize,
    /// Cases with (almost) the same score.
    pub ties: usize,
    /// Exact two-sided sign-test p-value (ties dropped); 1 without any
    /// non-tied case.
    pub sign_test_p: f64,
}

impl PairedStats {
    /// Statistics of `deltas` (candidate − baseline per case).
    pub fn of(deltas: &[f64]) -> Self {
        let n = deltas.len();
        let improved = deltas.iter().filter(|d| **d > TIE).count();
        let regressed = deltas.iter().filter(|d| **d < -TIE).count();
        Self {
            n,
            mean_delta: mean(deltas),
            ci95: bootstrap_ci95(deltas),
            improved,
            regressed,
            ties: n - improved - regressed,
            sign_test_p: sign_test_p(improved, regressed),
        }
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// SplitMix64: tiny, fast and good enough to pick resample indices.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below
    /// n / 2⁶⁴, irrelevant here).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

/// Percentile bootstrap 95% interval of the mean.
fn bootstrap_ci95(values: &[f64]) -> Option<[f64; 2]> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let first = values[0];
    if values.iter().all(|v| (v - first).abs() <= TIE) {
        // Every resample has the same mean.
        return Some([first, first]);
    }
    let mut rng = SplitMix64(SEED);
    let mut means: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| (0..n).map(|_| values[rng.below(n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    Some([percentile(&means, 0.025), percentile(&means, 0.975)])
}

/// Linear interpolation between the closest ranks of sorted `values`.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// Exact two-sided sign test: P(X ≤ min(k⁺, k⁻)) · 2 under Binomial(n, ½),
/// capped at 1, computed in log space so thousands of cases do not
/// underflow.
pub fn sign_test_p(positive: usize, negative: usize) -> f64 {
    let n = positive + negative;
    if n == 0 {
        return 1.0;
    }
    let k = positive.min(negative);
    let ln_half_n = n as f64 * std::f64::consts::LN_2;
    let mut ln_choose = 0.0f64; // ln C(n, 0)
    let mut tail = 0.0;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        tail += (ln_choose - ln_half_n).exp();
    }
    (2.0 * tail).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_test_matches_binomial_tables() {
        assert_eq!(sign_test_p(0, 0), 1.0);
        // n = 10, k = 1: 2 · (1 + 10) / 1024.
        assert!((sign_test_p(9, 1) - 22.0 / 1024.0).abs() < 1e-12);
        assert!((sign_test_p(1, 9) - 22.0 / 1024.0).abs() < 1e-12);
        // n = 3, all one way: 2 / 8.
        assert!((sign_test_p(0, 3) - 0.25).abs() < 1e-12);
        assert_eq!(sign_test_p(5, 5), 1.0);
        // Large n stays finite and tiny.
        let p = sign_test_p(2000, 0);
        assert!((0.0..1e-300).contains(&p), "{p}");
        assert!((sign_test_p(1000, 1000) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn identical_lanes_give_zero_delta_a_zero_interval_and_p_one() {
        for n in [1, 2, 7, 50] {
            let s = PairedStats::of(&vec![0.0; n]);
            assert_eq!(s.mean_delta, Some(0.0));
            assert_eq!(s.ci95, Some([0.0, 0.0]));
            assert_eq!(s.sign_test_p, 1.0);
            assert_eq!((s.ties, s.improved, s.regressed), (n, 0, 0));
        }
        assert_eq!(PairedStats::of(&[]).mean_delta, None);
        assert_eq!(PairedStats::of(&[]).ci95, None);
    }

    #[test]
    fn the_interval_contains_the_mean_lies_within_the_range_and_is_deterministic() {
        // A fixed pseudo-random family of delta vectors.
        let mut rng = SplitMix64(7);
        for round in 0..40 {
            let n = 2 + round % 13;
            let deltas: Vec<f64> = (0..n)
                .map(|_| (rng.below(2001) as f64 - 1000.0) / 1000.0)
                .collect();
            let s = PairedStats::of(&deltas);
            let [lo, hi] = s.ci95.expect("n > 0");
            let m = s.mean_delta.expect("n > 0");
            let (min, max) = deltas
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), d| (a.min(*d), b.max(*d)));
            assert!(
                lo <= m + 1e-12 && m <= hi + 1e-12,
                "{deltas:?}: {lo} {m} {hi}"
            );
            assert!(min - 1e-12 <= lo && hi <= max + 1e-12);
            assert_eq!(PairedStats::of(&deltas), s, "same input, same answer");
            // Swapping the lanes mirrors everything.
            let neg: Vec<f64> = deltas.iter().map(|d| -d).collect();
            let mirrored = PairedStats::of(&neg);
            assert_eq!(mirrored.sign_test_p, s.sign_test_p);
            assert_eq!(
                (mirrored.improved, mirrored.regressed),
                (s.regressed, s.improved)
            );
        }
    }

    #[test]
    fn a_consistent_regression_is_significant_and_excludes_zero() {
        let deltas = vec![-1.0; 12];
        let s = PairedStats::of(&deltas);
        assert_eq!(s.ci95, Some([-1.0, -1.0]));
        assert!(s.sign_test_p < 0.001);
        let mixed: Vec<f64> = (0..30)
            .map(|i| if i % 5 == 0 { 0.1 } else { -0.5 })
            .collect();
        let s = PairedStats::of(&mixed);
        let [lo, hi] = s.ci95.expect("n > 0");
        assert!(hi < 0.0 && lo >= -0.5, "{lo} {hi}");
        assert_eq!((s.improved, s.regressed), (6, 24));
        assert!(s.sign_test_p < 0.01);
    }
}
