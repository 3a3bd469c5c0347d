//! Scoring one case of one lane, shared by the case activity (right after
//! the agent ran), the run's scoring phase (n_wise judges) and re-scoring:
//! the lane's model handle (its account also answers judges), the stored
//! evidence, and "score, save, record" in one place.

use std::collections::BTreeMap;

use agentclash_agent::{AgentEvent, ModelHandle};
use agentclash_core::WorkspaceId;
use agentclash_core::agents::DeploymentSnapshot;
use agentclash_packs::Pack;
use agentclash_packs::model::EvaluationSpec;
use agentclash_providers::{AccountConfig, CallOptions, PackPricing, PricingTable, ProviderKind};
use agentclash_scoring::{CaseScore, Evidence, ExternalScores, JudgeScore};

use crate::engine::{Engine, EngineError};
use crate::judging::LaneSink;
use crate::recorder::CaseRecorder;

/// Why a lane's model cannot be set up.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LaneModelError {
    /// The deployment is unusable (unknown provider, missing credential):
    /// retrying will not help.
    #[error("{0}")]
    Setup(String),
    /// Infrastructure (database) failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// The lane's model: its frozen deployment's account with the credential
/// resolved, call options and the pack's prices.
pub(crate) async fn lane_model(
    engine: &Engine,
    ws: WorkspaceId,
    pack: &Pack,
    snapshot: &DeploymentSnapshot,
) -> Result<ModelHandle, LaneModelError> {
    let api_key = match engine
        .credential(ws, snapshot.provider.credential_ref.as_deref())
        .await
    {
        Ok(key) => key,
        Err(EngineError::Invalid(why)) => return Err(LaneModelError::Setup(why)),
        Err(e) => return Err(e.into()),
    };
    let kind: ProviderKind = snapshot
        .provider
        .kind
        .as_str()
        .parse()
        .map_err(|e| LaneModelError::Setup(format!("{e}")))?;
    let options = &snapshot.provider_options;
    let pack_pricing: PackPricing = serde_json::to_value(&pack.version.evaluation_spec.pricing)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Ok(ModelHandle {
        router: engine.router.clone(),
        account: AccountConfig {
            id: snapshot.provider.account_id.to_string(),
            kind,
            base_url: snapshot.provider.base_url.clone(),
            api_key,
            max_concurrency: snapshot.provider.max_concurrency,
            requests_per_minute: snapshot.provider.requests_per_minute,
            tokens_per_minute: snapshot.provider.tokens_per_minute,
        },
        options: CallOptions {
            stream: options
                .get("stream")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(true),
            allow_private_network: engine.allow_private_network,
            scripted: options.get("scripted").cloned(),
            ..CallOptions::default()
        },
        model: snapshot.model.clone(),
        temperature: options
            .get("temperature")
            .and_then(serde_json::Value::as_f64)
            .map(|t| t as f32),
        max_output_tokens: options
            .get("max_output_tokens")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
        pricing: PricingTable::builtin().with_pack(&pack_pricing),
    })
}

/// Stores a case's evidence as a content-addressed artifact of the lane;
/// returns its SHA-256, kept with the case score for re-scoring.
pub(crate) async fn store_evidence(
    recorder: &CaseRecorder,
    evidence: &Evidence,
) -> Result<String, EngineError> {
    let bytes = serde_json::to_vec(evidence)
        .map_err(|e| EngineError::Setup(format!("evidence does not serialise: {e}")))?;
    recorder
        .store_blob("case-evidence", bytes, "application/json")
        .await
        .map(|stored| stored.sha256)
        .map_err(|e| EngineError::Setup(e.to_string()))
}

/// Reads back evidence stored by [`store_evidence`].
pub(crate) async fn load_evidence(engine: &Engine, sha256: &str) -> Result<Evidence, EngineError> {
    let bytes = engine
        .artifacts
        .get(sha256)
        .await
        .map_err(|e| EngineError::Setup(format!("evidence {sha256}: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| EngineError::Invalid(format!("evidence {sha256} does not parse: {e}")))
}

/// Scores a case with its judges' results, stores the score (with the
/// evidence's hash when given) and records `scoring.case.completed` on
/// `out`'s lane.
pub(crate) async fn score_and_save(
    engine: &Engine,
    ws: WorkspaceId,
    out: &LaneSink<'_>,
    spec: &EvaluationSpec,
    evidence: &Evidence,
    judges: BTreeMap<String, JudgeScore>,
    evidence_sha256: Option<&str>,
) -> Result<CaseScore, EngineError> {
    let external = ExternalScores {
        judges,
        ..ExternalScores::default()
    };
    let score = agentclash_scoring::score_case(spec, evidence, &external);
    let score_json = serde_json::to_value(&score)
        .map_err(|e| EngineError::Setup(format!("score does not serialise: {e}")))?;
    let failure = score
        .failure
        .as_ref()
        .and_then(|f| serde_json::to_value(f).ok());
    let case_key = &score.case_key;
    engine
        .store
        .save_case_score(
            ws,
            out.lane,
            case_key,
            &score_json,
            failure.as_ref(),
            evidence_sha256,
        )
        .await?;
    let summary = format!(
        "case {case_key} scored {} ({})",
        score
            .overall_score
            .map_or("-".to_owned(), |s| format!("{s:.2}")),
        match score.passed {
            Some(true) => "passed",
            Some(false) => "failed",
            None => "not scored",
        }
    );
    let judges: Vec<serde_json::Value> = score
        .judges
        .iter()
        .map(|(key, j)| serde_json::json!({"key": key, "state": j.state, "score": j.score}))
        .collect();
    let verdicts: Vec<serde_json::Value> = score
        .verdicts
        .iter()
        .map(|v| serde_json::json!({"key": v.key, "state": v.state, "score": v.score}))
        .collect();
    let record = async {
        out.sink
            .emit(
                AgentEvent::new(
                    "scoring.case.completed",
                    None,
                    serde_json::json!({"overall_score": score.overall_score, "passed": score.passed,
                        "verdicts": verdicts, "judges": judges, "failure": failure}),
                )
                .summary(summary),
            )
            .await?;
        out.sink.flush().await
    };
    record
        .await
        .map_err(|e| EngineError::Setup(e.to_string()))?;
    Ok(score)
}
