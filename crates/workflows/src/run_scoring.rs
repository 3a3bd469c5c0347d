//! Scoring beyond one case: a lane's scorecard, the run's ranking, and a
//! scoring pass over a finished run's stored evidence — the n_wise judges
//! of the run's scoring phase (they compare lanes, so they wait for every
//! lane) and re-scoring (`POST …/runs/{id}/rescore`), which re-runs every
//! judge but never the agents.

use std::collections::BTreeMap;

use agentclash_core::{RunAgentId, RunId, WorkspaceId};
use agentclash_packs::model::{EvaluationSpec, JudgeKind};
use agentclash_providers::{AccountConfig, PricingTable, ProviderKind};
use agentclash_scoring::{CaseScore, Evidence, JudgeScore, LaneScorecard};
use agentclash_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::case_scoring::{LaneModelError, lane_model, load_evidence, score_and_save};
use crate::engine::{Engine, EngineError};
use crate::judging::{JudgeContext, LaneSink};
use crate::recorder::CaseRecorder;

/// Scoring passes record their events as attempt `1000 + generation` of
/// the case, apart from the agent's own attempts (1, 2, 3).
pub const SCORING_ATTEMPT_BASE: i32 = 1000;

/// What a scoring pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassReport {
    /// Cases scored again.
    pub cases_scored: u32,
    /// Cases kept as they were because no evidence was stored for them
    /// (e.g. the case never ran).
    pub cases_kept: u32,
}

/// The evaluation spec of a run's pack version (`None` for a run without one).
pub(crate) async fn run_spec(
    store: &Store,
    ws: WorkspaceId,
    run: RunId,
) -> Result<Option<EvaluationSpec>, StoreError> {
    let run = store.get_run(ws, run).await?;
    let Some(version) = run.pack_version_id else {
        return Ok(None);
    };
    let stored = store.get_pack_version_by_id(ws, version.0).await?;
    let pack: agentclash_packs::Pack = serde_json::from_value(stored.normalized)
        .map_err(|e| StoreError::Corrupt(format!("pack version {version} does not parse: {e}")))?;
    Ok(Some(pack.version.evaluation_spec))
}

/// Aggregates a lane's case scores into its stored scorecard (a lane whose
/// cases cannot be aggregated gets `{"error": …}` instead).
pub(crate) async fn aggregate_lane_card(
    store: &Store,
    ws: WorkspaceId,
    spec: &EvaluationSpec,
    lane: RunAgentId,
) -> Result<(), StoreError> {
    let scores: Vec<CaseScore> = store
        .case_scores(ws, lane)
        .await?
        .into_iter()
        .filter_map(|row| row.score.and_then(|s| serde_json::from_value(s).ok()))
        .collect();
    let card = match agentclash_scoring::aggregate_lane(&lane.to_string(), spec, &scores) {
        Ok(card) => serde_json::to_value(&card)
            .map_err(|e| StoreError::Corrupt(format!("scorecard does not serialise: {e}")))?,
        Err(e) => serde_json::json!({"error": e.to_string()}),
    };
    store.save_scorecard(ws, lane, &card).await
}

/// Ranks the run's lanes from their scorecards and stores the ranking.
pub(crate) async fn rank(store: &Store, ws: WorkspaceId, run: RunId) -> Result<(), StoreError> {
    let mut cards = Vec::new();
    for lane in store.list_run_agents(ws, run).await? {
        let card = store.scorecard(ws, lane.id).await?;
        if let Some(card) = card.and_then(|c| serde_json::from_value::<LaneScorecard>(c).ok()) {
            cards.push(card);
        }
    }
    let ranking = agentclash_scoring::rank_lanes(&cards);
    let json = serde_json::to_value(&ranking)
        .map_err(|e| StoreError::Corrupt(format!("ranking does not serialise: {e}")))?;
    store.save_ranking(ws, run, &json).await
}

/// One case of one lane in a pass.
struct PassCase {
    case_key: String,
    evidence: Evidence,
    judges: BTreeMap<String, JudgeScore>,
    recorder: CaseRecorder,
}

/// One lane in a pass.
struct PassLane {
    id: RunAgentId,
    account: AccountConfig,
    pricing: PricingTable,
    cases: Vec<PassCase>,
}

/// An account that serves no judge: judges of a lane whose deployment
/// cannot be set up fall back to the platform's accounts.
fn no_account() -> AccountConfig {
    AccountConfig {
        id: "none".to_owned(),
        kind: ProviderKind::Scripted,
        base_url: None,
        api_key: None,
        max_concurrency: None,
        requests_per_minute: None,
        tokens_per_minute: None,
    }
}

/// What every judge of a pass shares.
struct Pass<'a> {
    engine: &'a Engine,
    ws: WorkspaceId,
    spec: &'a EvaluationSpec,
    generation: i32,
}

impl<'a> Pass<'a> {
    /// Judges answered through `account` (or the platform's accounts).
    fn judges<'b>(&self, account: &'b AccountConfig, pricing: &'b PricingTable) -> JudgeContext<'b>
    where
        'a: 'b,
    {
        JudgeContext {
            engine: self.engine,
            ws: self.ws,
            lane_account: account,
            pricing,
            limits: self.spec.scorecard.judge_limits.as_ref(),
            generation: self.generation,
        }
    }
}

async fn load_lane(
    engine: &Engine,
    ws: WorkspaceId,
    run: RunId,
    pack: &agentclash_packs::Pack,
    lane: &agentclash_store::lanes::RunAgent,
    attempt: i32,
    report: &mut PassReport,
) -> Result<PassLane, EngineError> {
    let model = match lane.deployment_snapshot_id.0 {
        Some(id) => {
            let snapshot = engine.snapshot(ws, id).await?;
            match lane_model(engine, ws, pack, &snapshot).await {
                Ok(model) => Some(model),
                Err(LaneModelError::Setup(why)) => {
                    tracing::warn!(lane = %lane.id, %why, "judges of this lane use platform accounts only");
                    None
                }
                Err(LaneModelError::Engine(e)) => return Err(e),
            }
        }
        None => None,
    };
    let mut cases = Vec::new();
    for row in engine.store.case_scores(ws, lane.id).await? {
        let Some(sha) = row.evidence_sha256 else {
            report.cases_kept += 1;
            continue;
        };
        let evidence = load_evidence(engine, &sha).await?;
        let judges = row
            .score
            .and_then(|s| serde_json::from_value::<CaseScore>(s).ok())
            .map(|s| s.judges)
            .unwrap_or_default();
        let recorder = CaseRecorder::new(
            engine.store.clone(),
            engine.artifacts.clone(),
            ws,
            run,
            lane.id,
            &row.case_key,
            attempt,
        );
        cases.push(PassCase {
            case_key: row.case_key,
            evidence,
            judges,
            recorder,
        });
    }
    let (account, pricing) = match model {
        Some(m) => (m.account, m.pricing),
        None => (no_account(), PricingTable::builtin()),
    };
    Ok(PassLane {
        id: lane.id,
        account,
        pricing,
        cases,
    })
}

/// Scores a finished run again from its stored evidence: with `rejudge`
/// every rubric/assertion/reference judge is asked again; n_wise judges
/// always are (they rank the lanes of each case); then every case score,
/// lane scorecard and the ranking are stored anew. Without `rejudge` and
/// without n_wise judges there is nothing to do. No agent runs and no
/// sandbox starts: the only model calls are the judges'.
pub(crate) async fn scoring_pass(
    engine: &Engine,
    ws: WorkspaceId,
    run: RunId,
    generation: i32,
    rejudge: bool,
) -> Result<PassReport, EngineError> {
    let mut report = PassReport::default();
    let stored = engine.store.get_run(ws, run).await?;
    let Some(version) = stored.pack_version_id else {
        return Ok(report);
    };
    let pack = engine.pack(ws, version.0).await?;
    let spec = &pack.version.evaluation_spec;
    let n_wise: Vec<_> = spec
        .llm_judges
        .iter()
        .filter(|j| j.mode == JudgeKind::NWise)
        .collect();
    if !rejudge && n_wise.is_empty() {
        return Ok(report);
    }
    let attempt = SCORING_ATTEMPT_BASE + generation;
    let mut lanes = Vec::new();
    for lane in engine.store.list_run_agents(ws, run).await? {
        lanes.push(load_lane(engine, ws, run, &pack, &lane, attempt, &mut report).await?);
    }
    let pass = Pass {
        engine,
        ws,
        spec,
        generation,
    };
    if rejudge {
        for lane in &mut lanes {
            let PassLane {
                id,
                account,
                pricing,
                cases,
            } = lane;
            let ctx = pass.judges(account, pricing);
            for case in cases {
                let out = LaneSink {
                    lane: *id,
                    sink: &case.recorder,
                };
                let fresh = ctx.judge_case(spec, &case.evidence, &out).await;
                case.judges.extend(fresh);
            }
        }
    }
    for judge in n_wise {
        let mut keys: Vec<String> = Vec::new();
        for case in lanes.iter().flat_map(|l| &l.cases) {
            if !keys.contains(&case.case_key) {
                keys.push(case.case_key.clone());
            }
        }
        for key in keys {
            let scores = {
                let participants: Vec<(String, &Evidence, LaneSink<'_>)> = lanes
                    .iter()
                    .filter_map(|l| {
                        let case = l.cases.iter().find(|c| c.case_key == key)?;
                        Some((
                            l.id.to_string(),
                            &case.evidence,
                            LaneSink {
                                lane: l.id,
                                sink: &case.recorder,
                            },
                        ))
                    })
                    .collect();
                let Some(first) = lanes
                    .iter()
                    .find(|l| l.cases.iter().any(|c| c.case_key == key))
                else {
                    continue;
                };
                pass.judges(&first.account, &first.pricing)
                    .judge_n_wise(judge, &participants)
                    .await
            };
            let mut scores = scores.into_iter();
            for lane in &mut lanes {
                if let Some(case) = lane.cases.iter_mut().find(|c| c.case_key == key)
                    && let Some(score) = scores.next()
                {
                    case.judges.insert(judge.key.clone(), score);
                }
            }
        }
    }
    for lane in &lanes {
        for case in &lane.cases {
            let out = LaneSink {
                lane: lane.id,
                sink: &case.recorder,
            };
            score_and_save(
                engine,
                ws,
                &out,
                spec,
                &case.evidence,
                case.judges.clone(),
                None,
            )
            .await?;
            report.cases_scored += 1;
        }
        aggregate_lane_card(&engine.store, ws, spec, lane.id).await?;
    }
    Ok(report)
}
