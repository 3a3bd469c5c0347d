//! Resolving a manifest against the API: the pack version, the candidate
//! deployment and the baseline, checked to fit together. Shared by
//! `ci validate` and `ci run`.

use serde_json::{Value, json};

use super::INVALID_MANIFEST;
use super::manifest::{BaselineRef, Manifest};
use crate::api::ApiClient;
use crate::compare::resolve_lane;
use crate::exit::fail;
use crate::resources::{self, DEPLOYMENT};
use crate::run::{id_of, pack_version};

/// The baseline, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// An existing lane.
    Lane(String),
    /// A deployment (id) to run next to the candidate.
    Deployment(String),
}

/// Everything `ci run` needs, as ids.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The pack version to run.
    pub pack_version_id: String,
    /// The candidate deployment.
    pub candidate: String,
    /// The baseline.
    pub baseline: Baseline,
    /// Input set: the manifest's, else the baseline run's.
    pub input_set: Option<String>,
    /// Cases: the manifest's, else the baseline run's (so the lanes are
    /// comparable), else every case.
    pub cases: Vec<String>,
}

impl Plan {
    /// The plan as JSON, for `ci validate`.
    pub fn describe(&self) -> Value {
        let (kind, id) = match &self.baseline {
            Baseline::Lane(id) => ("run_agent", id),
            Baseline::Deployment(id) => ("deployment", id),
        };
        json!({
            "pack_version_id": self.pack_version_id,
            "candidate_deployment_id": self.candidate,
            "baseline": {kind: id},
            "input_set": self.input_set,
            "cases": self.cases,
        })
    }
}

/// A run as JSON, or null without an id.
async fn run_json(client: &ApiClient, ws: &str, run_id: Option<&str>) -> anyhow::Result<Value> {
    match run_id {
        Some(id) => Ok(serde_json::to_value(client.get_run(ws, id).await?)?),
        None => Ok(Value::Null),
    }
}

/// A baseline lane (named or referenced) and, when known, its run.
async fn baseline_lane(
    client: &ApiClient,
    ws: &str,
    reference: &BaselineRef,
) -> anyhow::Result<(String, Value)> {
    if let BaselineRef::Named(name) = reference {
        let b = client
            .get(&["v1", "workspaces", ws, "baselines", name])
            .await?;
        let run = run_json(client, ws, b["run_id"].as_str()).await?;
        return Ok((id_of(&json!({"id": b["run_agent_id"]}))?, run));
    }
    let reference = match reference {
        BaselineRef::Lane(r) | BaselineRef::Deployment(r) | BaselineRef::Named(r) => r,
    };
    let id = resolve_lane(client, ws, reference).await?;
    // The lane must exist (its scorecard answers 200, or 202 until scored).
    client
        .get(&["v1", "workspaces", ws, "run-agents", &id, "scorecard"])
        .await?;
    let run_id = reference.split_once('/').map(|(run, _)| run);
    Ok((id, run_json(client, ws, run_id).await?))
}

/// Resolves `manifest` in workspace `ws`.
pub async fn plan(client: &ApiClient, ws: &str, manifest: &Manifest) -> anyhow::Result<Plan> {
    let pack_version_id = id_of(&pack_version(client, ws, &manifest.pack).await?)?;
    let candidate = resources::resolve(client, ws, DEPLOYMENT, &manifest.candidate).await?;
    let (baseline, run) = match &manifest.baseline {
        BaselineRef::Deployment(reference) => {
            let id = resources::resolve(client, ws, DEPLOYMENT, reference).await?;
            if id == candidate {
                return Err(fail(
                    INVALID_MANIFEST,
                    "`baseline.deployment` is the candidate deployment; compare with another one",
                ));
            }
            (Baseline::Deployment(id), Value::Null)
        }
        other => {
            let (id, run) = baseline_lane(client, ws, other).await?;
            (Baseline::Lane(id), run)
        }
    };
    if let Some(theirs) = run["pack_version_id"].as_str()
        && theirs != pack_version_id
    {
        return Err(fail(
            INVALID_MANIFEST,
            format!(
                "`pack`: {} resolves to pack version {pack_version_id} but the baseline ran {theirs}; \
                 pin the baseline's version (SLUG@N) or move the baseline",
                manifest.pack.slug
            ),
        ));
    }
    let run_cases = || {
        run["case_keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    Ok(Plan {
        pack_version_id,
        candidate,
        baseline,
        input_set: manifest
            .input_set
            .clone()
            .or_else(|| run["input_set_key"].as_str().map(str::to_owned)),
        cases: if manifest.cases.is_empty() {
            run_cases()
        } else {
            manifest.cases.clone()
        },
    })
}
