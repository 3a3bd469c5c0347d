//! Summary statistics over cases: mean, sample standard deviation and a
//! two-sided 95% confidence interval of the mean using Student's t
//! distribution with n − 1 degrees of freedom (exact table up to 30, then
//! a Cornish–Fisher expansion, which is within 1e-3 of the exact value).

use serde::{Deserialize, Serialize};

/// t₀.₉₇₅ for 1..=30 degrees of freedom.
const T_TABLE: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 97.5th percentile of the standard normal distribution.
const Z_975: f64 = 1.959_963_985;

/// Two-sided 95% critical value of Student's t with `df` degrees of freedom.
pub fn t_critical_95(df: usize) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if let Some(t) = T_TABLE.get(df - 1) {
        return *t;
    }
    let z = Z_975;
    let v = df as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

/// Mean and spread of a set of per-case scores in [0,1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// Number of values.
    pub n: usize,
    /// Mean; absent when `n` is 0.
    pub mean: Option<f64>,
    /// Sample standard deviation; absent when `n` < 2.
    pub std_dev: Option<f64>,
    /// 95% confidence interval of the mean, clamped to [0,1]; absent when
    /// `n` < 2.
    pub ci95: Option<[f64; 2]>,
}

impl Stat {
    /// Summarises `values`.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        if n == 0 {
            return Self {
                n,
                mean: None,
                std_dev: None,
                ci95: None,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Self {
                n,
                mean: Some(mean),
                std_dev: None,
                ci95: None,
            };
        }
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let half = t_critical_95(n - 1) * sd / (n as f64).sqrt();
        Self {
            n,
            mean: Some(mean),
            std_dev: Some(sd),
            ci95: Some([(mean - half).max(0.0), (mean + half).min(1.0)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_values_match_tables() {
        assert_eq!(t_critical_95(1), 12.706);
        assert_eq!(t_critical_95(30), 2.042);
        assert!((t_critical_95(40) - 2.021).abs() < 1e-3);
        assert!((t_critical_95(60) - 2.000).abs() < 1e-3);
        assert!((t_critical_95(120) - 1.980).abs() < 1e-3);
        assert!((t_critical_95(100_000) - 1.960).abs() < 1e-3);
    }

    #[test]
    fn interval_of_known_sample() {
        // mean 0.5, sd 0.1 (sample), n = 4: half-width = 3.182 * 0.1 / 2.
        let s = Stat::of(&[0.4, 0.5, 0.6, 0.5]);
        let sd = (0.02f64 / 3.0).sqrt();
        assert!((s.std_dev.expect("n>=2") - sd).abs() < 1e-12);
        let [lo, hi] = s.ci95.expect("n>=2");
        let half = 3.182 * sd / 2.0;
        assert!((lo - (0.5 - half)).abs() < 1e-12 && (hi - (0.5 + half)).abs() < 1e-12);
        assert_eq!(Stat::of(&[0.7]).ci95, None);
        assert_eq!(Stat::of(&[]).mean, None);
        // Clamped to the score range.
        let wide = Stat::of(&[0.0, 1.0]);
        assert_eq!(wide.ci95, Some([0.0, 1.0]));
    }
}
