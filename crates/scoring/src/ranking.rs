//! Ranking of a run's lanes and the deterministic "why the winner won"
//! summary built from per-dimension and per-case deltas.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use agentclash_packs::model::DimensionSource;
use serde::{Deserialize, Serialize};

use crate::lane::{CaseSummary, LaneScorecard};
use crate::verdict::VerdictState;

/// Scores closer than this are equal.
const EPS: f64 = 1e-9;
/// Case keys listed in the text before "…".
const LISTED_CASES: usize = 5;
/// Dimension gaps mentioned in the text.
const LISTED_DIMENSIONS: usize = 3;

/// One lane's position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankEntry {
    /// 1-based rank; tied lanes share a rank.
    pub rank: usize,
    /// Lane identifier.
    pub lane_id: String,
    /// Mean overall score.
    pub overall: Option<f64>,
    /// Correctness used for the first tie-break.
    pub correctness: Option<f64>,
    /// Reliability used for the second tie-break.
    pub reliability: Option<f64>,
    /// Pass rate.
    pub pass_rate: Option<f64>,
    /// The lane had infrastructure failures.
    pub degraded: bool,
}

/// Who won.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunOutcome {
    /// A single best lane.
    Winner {
        /// The winning lane.
        lane_id: String,
    },
    /// Several lanes share the top rank.
    Tie {
        /// The tied lanes.
        lane_ids: Vec<String>,
    },
    /// The run has no lanes.
    NoLanes,
}

/// Mean of one dimension in the winner and the runner-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionDelta {
    /// Dimension key.
    pub key: String,
    /// Weight of the dimension.
    pub weight: f64,
    /// Winner's mean.
    pub winner: Option<f64>,
    /// Runner-up's mean.
    pub runner_up: Option<f64>,
    /// winner − runner-up (absent when either is missing).
    pub delta: Option<f64>,
}

/// A case that one lane passed and the other did not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFlip {
    /// Case key.
    pub case_key: String,
    /// Validators that passed for the lane that passed the case and did not
    /// pass for the other.
    pub deciding_validators: Vec<String>,
}

/// How often a validator decided a flipped case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidatorTally {
    /// Validator key.
    pub key: String,
    /// Flips in the winner's favour it decided.
    pub for_winner: usize,
    /// Flips in the runner-up's favour it decided.
    pub for_runner_up: usize,
}

/// Why the top lane is on top.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhySummary {
    /// Top lane.
    pub winner: String,
    /// Second lane, if any.
    pub runner_up: Option<String>,
    /// What separated them: `overall`, `correctness`, `reliability`, `tie`
    /// or `only_lane`.
    pub decided_by: String,
    /// Winner overall − runner-up overall.
    pub overall_delta: Option<f64>,
    /// Per-dimension means and deltas, in scorecard order.
    pub dimension_deltas: Vec<DimensionDelta>,
    /// Cases the winner passed and the runner-up did not.
    pub flips_to_winner: Vec<CaseFlip>,
    /// Cases the runner-up passed and the winner did not.
    pub flips_to_runner_up: Vec<CaseFlip>,
    /// Validators that decided flipped cases, most decisive first.
    pub deciding_validators: Vec<ValidatorTally>,
    /// One paragraph for humans.
    pub text: String,
}

/// The ranking of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// Lanes best first.
    pub entries: Vec<RankEntry>,
    /// Winner, tie or no lanes.
    pub outcome: RunOutcome,
    /// Explanation (absent with no lanes).
    pub why: Option<WhySummary>,
}

/// Correctness of a lane: the `correctness` dimension, else the
/// weight-averaged mean of its validator dimensions.
fn correctness(lane: &LaneScorecard) -> Option<f64> {
    if let Some(d) = lane.dimension("correctness") {
        return d.stat.mean;
    }
    let vals: Vec<(f64, f64)> = lane
        .dimensions
        .iter()
        .filter(|d| d.source == DimensionSource::Validators)
        .filter_map(|d| d.stat.mean.map(|m| (d.weight, m)))
        .collect();
    let w: f64 = vals.iter().map(|(w, _)| w).sum();
    match (vals.is_empty(), w > 0.0) {
        (true, _) => None,
        (false, true) => Some(vals.iter().map(|(w, m)| w * m).sum::<f64>() / w),
        (false, false) => Some(vals.iter().map(|(_, m)| m).sum::<f64>() / vals.len() as f64),
    }
}

fn reliability(lane: &LaneScorecard) -> Option<f64> {
    lane.dimensions
        .iter()
        .find(|d| d.source == DimensionSource::Reliability)
        .and_then(|d| d.stat.mean)
}

/// Compares optional scores, missing last; `Equal` within `EPS`.
fn cmp_desc(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) if (x - y).abs() <= EPS => Ordering::Equal,
        (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn entry(lane: &LaneScorecard) -> RankEntry {
    RankEntry {
        rank: 0,
        lane_id: lane.lane_id.clone(),
        overall: lane.overall.mean,
        correctness: correctness(lane),
        reliability: reliability(lane),
        pass_rate: lane.pass_rate,
        degraded: lane.degraded,
    }
}

/// Which key separates two entries (`None` when fully tied).
fn separation(a: &RankEntry, b: &RankEntry) -> Option<&'static str> {
    [
        ("overall", a.overall, b.overall),
        ("correctness", a.correctness, b.correctness),
        ("reliability", a.reliability, b.reliability),
    ]
    .into_iter()
    .find(|(_, x, y)| cmp_desc(*x, *y) != Ordering::Equal)
    .map(|(k, _, _)| k)
}

fn full_cmp(a: &RankEntry, b: &RankEntry) -> Ordering {
    cmp_desc(a.overall, b.overall)
        .then(cmp_desc(a.correctness, b.correctness))
        .then(cmp_desc(a.reliability, b.reliability))
}

fn passed(c: &CaseSummary) -> bool {
    c.passed == Some(true)
}

/// Validators that passed for `good` and not for `bad`.
fn deciders(good: &CaseSummary, bad: &CaseSummary) -> Vec<String> {
    good.validators
        .iter()
        .filter(|(k, s)| {
            **s == VerdictState::Pass && bad.validators.get(*k) != Some(&VerdictState::Pass)
        })
        .map(|(k, _)| k.clone())
        .collect()
}

/// Cases `good` passed and `bad` failed (infrastructure failures left out).
pub(crate) fn flips(good: &LaneScorecard, bad: &LaneScorecard) -> Vec<CaseFlip> {
    let by_key: BTreeMap<&str, &CaseSummary> = bad
        .case_summaries
        .iter()
        .map(|c| (c.case_key.as_str(), c))
        .collect();
    good.case_summaries
        .iter()
        .filter(|c| !c.infrastructure && passed(c))
        .filter_map(|c| {
            let other = by_key.get(c.case_key.as_str())?;
            (!other.infrastructure && !passed(other)).then(|| CaseFlip {
                case_key: c.case_key.clone(),
                deciding_validators: deciders(c, other),
            })
        })
        .collect()
}

fn tallies(to_winner: &[CaseFlip], to_runner: &[CaseFlip]) -> Vec<ValidatorTally> {
    let mut t: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in to_winner {
        for v in &f.deciding_validators {
            t.entry(v).or_default().0 += 1;
        }
    }
    for f in to_runner {
        for v in &f.deciding_validators {
            t.entry(v).or_default().1 += 1;
        }
    }
    let mut out: Vec<ValidatorTally> = t
        .into_iter()
        .map(|(k, (w, r))| ValidatorTally {
            key: k.to_string(),
            for_winner: w,
            for_runner_up: r,
        })
        .collect();
    out.sort_by(|a, b| {
        let (da, db) = (
            a.for_winner + a.for_runner_up,
            b.for_winner + b.for_runner_up,
        );
        db.cmp(&da).then_with(|| a.key.cmp(&b.key))
    });
    out
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.3}"))
}

fn signed(v: f64) -> String {
    format!("{v:+.3}")
}

fn list_cases(flips: &[CaseFlip]) -> String {
    let mut keys: Vec<&str> = flips
        .iter()
        .take(LISTED_CASES)
        .map(|f| f.case_key.as_str())
        .collect();
    if flips.len() > LISTED_CASES {
        keys.push("…");
    }
    keys.join(", ")
}

fn compose_text(s: &WhySummary, w: &RankEntry, r: Option<&RankEntry>) -> String {
    let Some(r) = r else {
        return format!(
            "{} is the only lane (overall {}).",
            s.winner,
            fmt(w.overall)
        );
    };
    let mut text = match s.decided_by.as_str() {
        "overall" => format!(
            "{} wins with overall {} vs {} for {} ({}).",
            s.winner,
            fmt(w.overall),
            fmt(r.overall),
            r.lane_id,
            s.overall_delta.map_or("n/a".into(), signed)
        ),
        "tie" => format!(
            "{} and {} tie on overall ({}), correctness ({}) and reliability ({}).",
            s.winner,
            r.lane_id,
            fmt(w.overall),
            fmt(w.correctness),
            fmt(w.reliability)
        ),
        key => {
            let (a, b) = if key == "correctness" {
                (w.correctness, r.correctness)
            } else {
                (w.reliability, r.reliability)
            };
            format!(
                "{} and {} tie on overall ({}); {} wins on {key} ({} vs {}).",
                s.winner,
                r.lane_id,
                fmt(w.overall),
                s.winner,
                fmt(a),
                fmt(b)
            )
        }
    };
    let mut gaps: Vec<&DimensionDelta> = s
        .dimension_deltas
        .iter()
        .filter(|d| d.delta.is_some_and(|x| x.abs() > EPS))
        .collect();
    gaps.sort_by(|a, b| {
        let (x, y) = (a.delta.unwrap_or(0.0).abs(), b.delta.unwrap_or(0.0).abs());
        y.partial_cmp(&x).unwrap_or(Ordering::Equal)
    });
    if !gaps.is_empty() {
        let parts: Vec<String> = gaps
            .iter()
            .take(LISTED_DIMENSIONS)
            .map(|d| format!("{} {}", d.key, signed(d.delta.unwrap_or(0.0))))
            .collect();
        text.push_str(&format!(" Largest dimension gaps: {}.", parts.join(", ")));
    }
    if !s.flips_to_winner.is_empty() {
        text.push_str(&format!(
            " {} passed {} case(s) that {} failed ({}).",
            s.winner,
            s.flips_to_winner.len(),
            r.lane_id,
            list_cases(&s.flips_to_winner)
        ));
    }
    if !s.flips_to_runner_up.is_empty() {
        text.push_str(&format!(
            " {} passed {} case(s) that {} failed ({}).",
            r.lane_id,
            s.flips_to_runner_up.len(),
            s.winner,
            list_cases(&s.flips_to_runner_up)
        ));
    }
    if !s.deciding_validators.is_empty() {
        let parts: Vec<String> = s
            .deciding_validators
            .iter()
            .take(LISTED_DIMENSIONS)
            .map(|t| {
                format!(
                    "{} ({} for {}, {} for {})",
                    t.key, t.for_winner, s.winner, t.for_runner_up, r.lane_id
                )
            })
            .collect();
        text.push_str(&format!(" Deciding validators: {}.", parts.join(", ")));
    }
    if s.flips_to_winner.is_empty() && s.flips_to_runner_up.is_empty() && s.decided_by != "tie" {
        text.push_str(" No case flipped between the two lanes; the gap comes from partial scores.");
    }
    text
}

fn why(
    top: &LaneScorecard,
    second: Option<&LaneScorecard>,
    we: &RankEntry,
    re: Option<&RankEntry>,
) -> WhySummary {
    let mut s = WhySummary {
        winner: top.lane_id.clone(),
        runner_up: second.map(|l| l.lane_id.clone()),
        decided_by: "only_lane".into(),
        overall_delta: None,
        dimension_deltas: Vec::new(),
        flips_to_winner: Vec::new(),
        flips_to_runner_up: Vec::new(),
        deciding_validators: Vec::new(),
        text: String::new(),
    };
    if let (Some(second), Some(re)) = (second, re) {
        s.decided_by = separation(we, re).unwrap_or("tie").into();
        s.overall_delta = we.overall.zip(re.overall).map(|(a, b)| a - b);
        s.dimension_deltas = top
            .dimensions
            .iter()
            .map(|d| {
                let other = second.dimension(&d.key).and_then(|o| o.stat.mean);
                DimensionDelta {
                    key: d.key.clone(),
                    weight: d.weight,
                    winner: d.stat.mean,
                    runner_up: other,
                    delta: d.stat.mean.zip(other).map(|(a, b)| a - b),
                }
            })
            .collect();
        s.flips_to_winner = flips(top, second);
        s.flips_to_runner_up = flips(second, top);
        s.deciding_validators = tallies(&s.flips_to_winner, &s.flips_to_runner_up);
    }
    s.text = compose_text(&s, we, re);
    s
}

/// Ranks lanes by overall score, breaking ties by correctness then
/// reliability; fully tied lanes share a rank (input order kept).
pub fn rank_lanes(lanes: &[LaneScorecard]) -> Ranking {
    let mut order: Vec<(usize, RankEntry)> = lanes.iter().map(entry).enumerate().collect();
    order.sort_by(|(ia, a), (ib, b)| full_cmp(a, b).then(ia.cmp(ib)));
    let mut entries: Vec<RankEntry> = Vec::with_capacity(order.len());
    for (pos, (_, mut e)) in order.iter().cloned().enumerate() {
        e.rank = match entries.last() {
            Some(prev) if full_cmp(prev, &e) == Ordering::Equal => prev.rank,
            _ => pos + 1,
        };
        entries.push(e);
    }
    let Some(first) = entries.first() else {
        return Ranking {
            entries,
            outcome: RunOutcome::NoLanes,
            why: None,
        };
    };
    let tied: Vec<String> = entries
        .iter()
        .filter(|e| e.rank == 1)
        .map(|e| e.lane_id.clone())
        .collect();
    let outcome = if tied.len() > 1 {
        RunOutcome::Tie { lane_ids: tied }
    } else {
        RunOutcome::Winner {
            lane_id: first.lane_id.clone(),
        }
    };
    let top = &lanes[order[0].0];
    let second = order.get(1).map(|(i, _)| &lanes[*i]);
    let why = why(top, second, first, entries.get(1));
    Ranking {
        entries,
        outcome,
        why: Some(why),
    }
}
