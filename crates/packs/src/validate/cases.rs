//! Rules on input sets, cases, inputs, expectations and user simulators
//! (§9.5, §9.6, N8, N10, N11), including `{{…}}` resolution per case.

use std::collections::HashSet;

use serde_json::Value;

use super::pack::{artifact_refs, assets};
use super::syntax::{case_placeholders, resolve_path};
use super::{Reporter, unique_keys};
use crate::model::{
    Actor, Case, ExecutionMode, Expectation, JsonMap, Pack, Trigger, UserSimulator, ValidatorType,
};
use crate::suggest::closest;

pub(crate) fn check(r: &mut Reporter, p: &Pack) {
    let version_assets: HashSet<&str> = p.version.assets.iter().map(|a| a.key.as_str()).collect();
    let challenges: Vec<&str> = p.challenges.iter().map(|c| c.key.as_str()).collect();
    let mode = p.version.effective_mode();
    for (i, set) in p.input_sets.iter().enumerate() {
        let path = format!("input_sets[{i}]");
        r.required(&format!("{path}.key"), &set.key);
        r.required(&format!("{path}.name"), &set.name);
        let list = if r.notes.legacy_item_sets.contains(&i) {
            "items"
        } else {
            "cases"
        };
        if set.cases.is_empty() {
            r.error(&format!("{path}.cases"), "must contain at least one case");
        }
        let first = set
            .cases
            .iter()
            .map(|c| c.challenge_key.as_str())
            .find(|k| !k.is_empty());
        let mut seen = HashSet::new();
        for (j, c) in set.cases.iter().enumerate() {
            let cp = format!("{path}.{list}[{j}]");
            case(r, p, &cp, c, &challenges, first, &version_assets);
            if !c.case_key.is_empty()
                && !seen.insert((c.challenge_key.as_str(), c.case_key.as_str()))
            {
                r.error(
                    &format!("{cp}.case_key"),
                    "must be unique per challenge in the input set",
                );
            }
            test_command_placeholders(r, p, c, &cp);
        }
        if matches!(mode, ExecutionMode::PromptEval | ExecutionMode::Responses)
            && let Some(k) = p
                .challenges
                .iter()
                .position(|c| Some(c.key.as_str()) == first)
        {
            let instructions = p.challenges[k]
                .definition
                .get("instructions")
                .and_then(Value::as_str)
                .unwrap_or("");
            if instructions.trim().is_empty() {
                r.error(
                    &format!("challenges[{k}].instructions"),
                    format!("is required for {mode}"),
                );
            }
        }
    }
    unique_keys(
        r,
        p.input_sets
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("input_sets[{i}].key"), s.key.as_str())),
    );
}

fn case(
    r: &mut Reporter,
    p: &Pack,
    path: &str,
    c: &Case,
    challenges: &[&str],
    first: Option<&str>,
    version_assets: &HashSet<&str>,
) {
    let ck = format!("{path}.challenge_key");
    if r.required(&ck, &c.challenge_key) {
        if Some(c.challenge_key.as_str()) != first {
            r.error(
                &ck,
                "must reference the same challenge as the other cases in this input set",
            );
        }
        if !challenges.contains(&c.challenge_key.as_str()) {
            let hint = closest(&c.challenge_key, challenges).map(str::to_owned);
            r.push(
                crate::diagnostics::Severity::Error,
                &ck,
                "must reference a declared challenge",
                hint,
            );
        }
    }
    r.required(&format!("{path}.case_key"), &c.case_key);
    if c.case_timeout_seconds < 0 {
        r.error(
            &format!("{path}.case_timeout_seconds"),
            "must be greater than or equal to 0",
        );
    }
    let inputs: HashSet<&str> = c.inputs.iter().map(|i| i.key.as_str()).collect();
    for (k, input) in c.inputs.iter().enumerate() {
        let ip = format!("{path}.inputs[{k}]");
        r.required(&format!("{ip}.key"), &input.key);
        r.required(&format!("{ip}.kind"), &input.kind);
        asset_key(
            r,
            &format!("{ip}.artifact_key"),
            input.artifact_key.as_deref(),
            version_assets,
        );
    }
    unique_keys(
        r,
        c.inputs
            .iter()
            .enumerate()
            .map(|(k, i)| (format!("{path}.inputs[{k}].key"), i.key.as_str())),
    );
    expectations(
        r,
        &format!("{path}.expectations"),
        &c.expectations,
        &inputs,
        version_assets,
    );
    assets(r, &format!("{path}.assets"), &c.assets);
    artifact_refs(
        r,
        &format!("{path}.artifacts"),
        &c.artifacts,
        version_assets,
    );
    let usp = format!("{path}.user_simulator");
    let multi = p.version.effective_mode() == ExecutionMode::MultiTurn;
    match (&c.user_simulator, multi) {
        (None, true) => r.error(
            &usp,
            "is required when version.execution_mode is multi_turn",
        ),
        (Some(_), false) => r.error(
            &usp,
            "is only allowed when version.execution_mode is multi_turn",
        ),
        (Some(us), true) => simulator(r, &usp, us, c, &inputs, version_assets),
        (None, false) => {}
    }
}

fn asset_key(r: &mut Reporter, path: &str, key: Option<&str>, version_assets: &HashSet<&str>) {
    if let Some(k) = key
        && !version_assets.contains(k)
    {
        r.error(path, "must reference a declared version asset");
    }
}

/// Rules shared by case expectations and turn `expects`.
fn expectations(
    r: &mut Reporter,
    path: &str,
    list: &[Expectation],
    inputs: &HashSet<&str>,
    version_assets: &HashSet<&str>,
) {
    for (k, e) in list.iter().enumerate() {
        let ep = format!("{path}[{k}]");
        r.required(&format!("{ep}.key"), &e.key);
        r.required(&format!("{ep}.kind"), &e.kind);
        asset_key(
            r,
            &format!("{ep}.artifact_key"),
            e.artifact_key.as_deref(),
            version_assets,
        );
        let Some(source) = &e.source else {
            continue;
        };
        let sp = format!("{ep}.source");
        if let Some(key) = source.strip_prefix("input:") {
            if key.trim().is_empty() {
                r.error(&sp, "must reference a non-empty input key");
            } else if !inputs.contains(key.trim()) {
                r.error(&sp, "must reference a declared case input");
            }
        } else if let Some(key) = source.strip_prefix("artifact:") {
            if key.trim().is_empty() {
                r.error(&sp, "must reference a non-empty artifact key");
            } else if !version_assets.contains(key.trim()) {
                r.error(&sp, "must reference a declared version asset");
            }
        } else {
            r.error(&sp, "must start with input: or artifact:");
        }
    }
    unique_keys(
        r,
        list.iter()
            .enumerate()
            .map(|(k, e)| (format!("{path}[{k}].key"), e.key.as_str())),
    );
}

/// The `{{…}}` context of a case: payload keys, then inputs with a value.
pub(crate) fn template_context(c: &Case) -> JsonMap {
    let mut ctx = c.payload.clone();
    for i in &c.inputs {
        if let Some(v) = &i.value {
            ctx.insert(i.key.clone(), v.clone());
        }
    }
    ctx
}

/// Reports `{{…}}` placeholders of `text` that do not resolve for a case.
fn unresolved(r: &mut Reporter, path: &str, text: &str, ctx: &JsonMap) {
    for ph in case_placeholders(text) {
        match ph {
            Ok(p) if resolve_path(ctx, &p).is_none() => r.error(
                path,
                format!("unresolved placeholder {{{{{p}}}}} for case template context"),
            ),
            Ok(_) => {}
            Err(raw) => r.error(path, format!("invalid placeholder path \"{raw}\"")),
        }
    }
}

fn test_command_placeholders(r: &mut Reporter, p: &Pack, c: &Case, case_path: &str) {
    let ctx = template_context(c);
    for (v, val) in p.version.evaluation_spec.validators.iter().enumerate() {
        if val.kind != ValidatorType::CodeExecution {
            continue;
        }
        let Some(cmd) = val
            .config
            .as_ref()
            .and_then(|m| m.get("test_command"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let path =
            format!("version.evaluation_spec.validators[{v}].config.test_command ({case_path})");
        unresolved(r, &path, cmd, &ctx);
    }
}

fn simulator(
    r: &mut Reporter,
    path: &str,
    us: &UserSimulator,
    c: &Case,
    inputs: &HashSet<&str>,
    version_assets: &HashSet<&str>,
) {
    if us.schema_version != 1 {
        r.error(&format!("{path}.schema_version"), "must be 1");
    }
    if us.kind != "hybrid" {
        r.error(&format!("{path}.kind"), "must be \"hybrid\"");
    }
    if us.max_turns < 0 {
        r.error(
            &format!("{path}.max_turns"),
            "must be greater than or equal to 0",
        );
    }
    if us.phases.is_empty() {
        r.error(&format!("{path}.phases"), "must contain at least one phase");
    }
    let ctx = template_context(c);
    for (i, ph) in us.phases.iter().enumerate() {
        let pp = format!("{path}.phases[{i}]");
        r.required(&format!("{pp}.id"), &ph.id);
        let trigger = ph.trigger.unwrap_or(Trigger::Always);
        if i == 0 && trigger != Trigger::Always && trigger != Trigger::Invalid {
            r.error(
                &format!("{pp}.trigger"),
                "first phase trigger must be empty or \"always\"",
            );
        }
        if i > 0 && trigger == Trigger::Always {
            r.error(
                &format!("{pp}.trigger"),
                "only the first phase may use \"always\"",
            );
        }
        match ph.actor {
            Actor::Scripted => {
                if ph.turns.is_empty() {
                    r.error(
                        &format!("{pp}.turns"),
                        "must contain at least one turn for scripted actor",
                    );
                }
                for (t, turn) in ph.turns.iter().enumerate() {
                    let tp = format!("{pp}.turns[{t}]");
                    if turn.message.trim().is_empty() {
                        r.error(&format!("{tp}.message"), "is required for scripted turns");
                    } else {
                        unresolved(r, &format!("{tp}.message"), &turn.message, &ctx);
                    }
                    expectations(
                        r,
                        &format!("{tp}.expects"),
                        &turn.expects,
                        inputs,
                        version_assets,
                    );
                }
            }
            Actor::Llm => {
                if ph.persona.is_none() {
                    r.error(&format!("{pp}.persona"), "is required for llm actor");
                }
                if ph.max_turns < 0 {
                    r.error(
                        &format!("{pp}.max_turns"),
                        "must be greater than or equal to 0",
                    );
                }
                for (u, cond) in ph.until.iter().enumerate() {
                    if cond.trim().is_empty() {
                        r.error(
                            &format!("{pp}.until[{u}]"),
                            "must be a non-empty condition expression",
                        );
                    }
                }
            }
            Actor::Human => {
                if ph.timeout_ms < 0 {
                    r.error(
                        &format!("{pp}.timeout_ms"),
                        "must be greater than or equal to 0",
                    );
                }
                if let Some(t) = &ph.on_timeout
                    && t != "stop"
                    && t != "fail"
                {
                    r.push(
                        crate::diagnostics::Severity::Error,
                        &format!("{pp}.on_timeout"),
                        "must be one of stop, fail",
                        closest(t, &["stop", "fail"]).map(str::to_owned),
                    );
                }
            }
            Actor::Invalid => {}
        }
        if ph.model.is_some() && !matches!(ph.actor, Actor::Llm | Actor::Invalid) {
            r.error(
                &format!("{pp}.model"),
                "is only valid on phases with actor: llm",
            );
        }
    }
    unique_keys(
        r,
        us.phases
            .iter()
            .enumerate()
            .map(|(i, ph)| (format!("{path}.phases[{i}].id"), ph.id.as_str())),
    );
    if let Some(cal) = &us.calibration
        && cal.enabled
        && !(cal.sample_rate > 0.0 && cal.sample_rate <= 1.0)
    {
        r.error(
            &format!("{path}.calibration.sample_rate"),
            "must be greater than 0 and at most 1 when calibration is enabled",
        );
    }
    if let Some(arena) = us.post_run.as_ref().and_then(|p| p.arena.as_ref())
        && arena.enabled
        && arena.comparison.as_deref().is_some_and(|c| c != "pairwise")
    {
        r.error(
            &format!("{path}.post_run.arena.comparison"),
            "must be one of \"pairwise\"",
        );
    }
}
