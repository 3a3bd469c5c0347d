//! The JSON artifacts of `ci run`: `run.json`, `scorecard.json`,
//! `comparison.json`, `gate.json` and `result.json`, each written only when
//! `ci run` got that far (`result.json` always).

use std::path::Path;

use serde_json::Value;

use super::API_ERROR;
use super::run::Report;
use crate::exit::fail;

fn write_json(dir: &Path, name: &str, value: &Value) -> anyhow::Result<()> {
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(&path, text + "\n")
        .map_err(|e| fail(API_ERROR, format!("cannot write {}: {e}", path.display())))
}

/// Writes the artifacts of `report` into `dir` (created if needed).
pub fn write(dir: &Path, report: &Report) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| fail(API_ERROR, format!("cannot create {}: {e}", dir.display())))?;
    let stored = report.stored.as_ref();
    let files = [
        ("run.json", report.run.clone()),
        ("scorecard.json", report.scorecard.clone()),
        ("comparison.json", stored.map(comparison)),
        ("gate.json", stored.map(|s| s["gate"].clone())),
        ("result.json", Some(report.result())),
    ];
    for (name, value) in files {
        if let Some(value) = value {
            write_json(dir, name, &value)?;
        }
    }
    Ok(())
}

/// The stored comparison without its gate (that is `gate.json`).
fn comparison(stored: &Value) -> Value {
    let mut out = stored.clone();
    if let Some(map) = out.as_object_mut() {
        map.remove("gate");
    }
    out
}
