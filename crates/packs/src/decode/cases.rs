//! Decoding of challenges, input sets, cases and user simulators, with the
//! legacy `items` conversion and instruction copying of §0.2.

use serde_json::Value;

use super::pack::{artifact_refs, assets};
use super::{Decoder, Obj, Zone};
use crate::diagnostics::Severity;
use crate::model::{
    Actor, Arena, Calibration, Case, Challenge, Difficulty, Expectation, Input, InputSet, Phase,
    PostRun, Trigger, Turn, UserSimulator,
};

const CHALLENGE: &[&str] = &[
    "key",
    "title",
    "category",
    "difficulty",
    "instructions",
    "definition",
    "assets",
    "artifact_refs",
];
const INPUT_SET: &[&str] = &["key", "name", "description", "cases", "items"];
const ITEM: &[&str] = &["challenge_key", "item_key", "payload", "assets"];
const CASE: &[&str] = &[
    "challenge_key",
    "case_key",
    "item_key",
    "payload",
    "inputs",
    "expectations",
    "user_simulator",
    "artifacts",
    "assets",
    "case_timeout_seconds",
];
const INPUT: &[&str] = &["key", "kind", "value", "artifact_key", "path"];
const EXPECTATION: &[&str] = &["key", "kind", "value", "artifact_key", "source"];
const SIMULATOR: &[&str] = &[
    "schema_version",
    "kind",
    "max_turns",
    "phases",
    "calibration",
    "post_run",
];
const PHASE: &[&str] = &[
    "id",
    "actor",
    "trigger",
    "turns",
    "persona",
    "max_turns",
    "until",
    "timeout_ms",
    "on_timeout",
    "model",
];
const WARN: Severity = Severity::Warning;

/// Decodes `challenges`.
pub(crate) fn decode_challenges(d: &mut Decoder, root: &Obj) -> Vec<Challenge> {
    let mut out = Vec::new();
    for (p, node) in d.seq(root, "challenges") {
        let Some(o) = d.obj(Some(node), &p, CHALLENGE, Zone::Lenient, WARN) else {
            continue;
        };
        let difficulty = match d.opt_text(&o, "difficulty") {
            Some(t) => o
                .get("difficulty")
                .and_then(|n| d.enum_text(&t, n, &o.child("difficulty"), false)),
            None => {
                let msg = format!("must be one of {}", Difficulty::NAMES.join(", "));
                d.sink.push(
                    Severity::Error,
                    &o.child("difficulty"),
                    o.node.pos,
                    msg,
                    None,
                );
                None
            }
        };
        let instructions = d.text(&o, "instructions");
        let mut definition = d.json_map(&o, "definition").unwrap_or_default();
        if !instructions.is_empty() && !definition.contains_key("instructions") {
            definition.insert("instructions".into(), Value::String(instructions.clone()));
        }
        out.push(Challenge {
            key: d.text(&o, "key"),
            title: d.text(&o, "title"),
            category: d.text(&o, "category"),
            difficulty: difficulty.unwrap_or(Difficulty::Invalid),
            instructions,
            definition,
            assets: assets(d, &o, "assets"),
            artifact_refs: artifact_refs(d, &o, "artifact_refs"),
        });
    }
    out
}

/// Decodes `input_sets`, converting legacy `items` into cases.
pub(crate) fn decode_input_sets(d: &mut Decoder, root: &Obj) -> Vec<InputSet> {
    let mut out = Vec::new();
    for (i, (p, node)) in d.seq(root, "input_sets").into_iter().enumerate() {
        let Some(o) = d.obj(Some(node), &p, INPUT_SET, Zone::Lenient, WARN) else {
            out.push(InputSet::default());
            continue;
        };
        let mut cases: Vec<Case> = d
            .seq(&o, "cases")
            .into_iter()
            .map(|(cp, cn)| case(d, &cp, cn, CASE))
            .collect();
        let items = d.seq(&o, "items");
        if cases.is_empty() && !items.is_empty() {
            d.notes.legacy_item_sets.push(i);
            cases = items
                .into_iter()
                .map(|(cp, cn)| case(d, &cp, cn, ITEM))
                .collect();
        } else if !items.is_empty()
            && let Some(n) = o.get("items")
        {
            d.report(
                WARN,
                &o.child("items"),
                n,
                "legacy `items` are ignored because `cases` is set",
            );
        }
        out.push(InputSet {
            key: d.text(&o, "key"),
            name: d.text(&o, "name"),
            description: d.opt_raw(&o, "description"),
            cases,
        });
    }
    out
}

fn case(d: &mut Decoder, path: &str, node: &crate::yaml::Node, allowed: &[&str]) -> Case {
    let Some(o) = d.obj(Some(node), path, allowed, Zone::Lenient, WARN) else {
        return Case::default();
    };
    let mut case_key = d.text(&o, "case_key");
    let mut item_key = d.text(&o, "item_key");
    if case_key.is_empty() {
        case_key = item_key.clone();
    } else if item_key.is_empty() {
        item_key = case_key.clone();
    }
    let inputs = d
        .seq(&o, "inputs")
        .into_iter()
        .map(|(p, n)| input(d, &p, n))
        .collect();
    let expectations = expectations(d, &o, "expectations");
    let user_simulator = o
        .get("user_simulator")
        .and_then(|n| user_simulator(d, &o.child("user_simulator"), n));
    Case {
        challenge_key: d.text(&o, "challenge_key"),
        case_key,
        item_key,
        payload: d.json_map(&o, "payload").unwrap_or_default(),
        inputs,
        expectations,
        user_simulator,
        artifacts: artifact_refs(d, &o, "artifacts"),
        assets: assets(d, &o, "assets"),
        case_timeout_seconds: d.int32(&o, "case_timeout_seconds").unwrap_or(0),
    }
}

fn input(d: &mut Decoder, path: &str, node: &crate::yaml::Node) -> Input {
    let Some(o) = d.obj(Some(node), path, INPUT, Zone::Lenient, WARN) else {
        return Input::default();
    };
    Input {
        key: d.text(&o, "key"),
        kind: d.text(&o, "kind"),
        value: d.opt_json(&o, "value"),
        artifact_key: d.opt_text(&o, "artifact_key"),
        path: d.opt_text(&o, "path"),
    }
}

fn expectations(d: &mut Decoder, o: &Obj, key: &str) -> Vec<Expectation> {
    let mut out = Vec::new();
    for (p, node) in d.seq(o, key) {
        let Some(e) = d.obj(Some(node), &p, EXPECTATION, Zone::Lenient, WARN) else {
            out.push(Expectation::default());
            continue;
        };
        out.push(Expectation {
            key: d.text(&e, "key"),
            kind: d.text(&e, "kind"),
            value: d.opt_json(&e, "value"),
            artifact_key: d.opt_text(&e, "artifact_key"),
            source: d.opt_text(&e, "source"),
        });
    }
    out
}

fn user_simulator(d: &mut Decoder, path: &str, node: &crate::yaml::Node) -> Option<UserSimulator> {
    let o = d.obj(Some(node), path, SIMULATOR, Zone::Lenient, WARN)?;
    let phases = d
        .seq(&o, "phases")
        .into_iter()
        .filter_map(|(p, n)| phase(d, &p, n))
        .collect();
    let calibration = d
        .obj(
            o.get("calibration"),
            &o.child("calibration"),
            &["enabled", "sample_rate"],
            Zone::Lenient,
            WARN,
        )
        .map(|c| Calibration {
            enabled: d.boolean(&c, "enabled").unwrap_or(false),
            sample_rate: d.float(&c, "sample_rate").unwrap_or(0.0),
        });
    let post_run = d
        .obj(
            o.get("post_run"),
            &o.child("post_run"),
            &["arena"],
            Zone::Lenient,
            WARN,
        )
        .map(|pr| {
            let arena = d
                .obj(
                    pr.get("arena"),
                    &pr.child("arena"),
                    &["enabled", "comparison"],
                    Zone::Lenient,
                    WARN,
                )
                .map(|a| Arena {
                    enabled: d.boolean(&a, "enabled").unwrap_or(false),
                    comparison: d.opt_text(&a, "comparison"),
                });
            PostRun { arena }
        });
    Some(UserSimulator {
        schema_version: d.int(&o, "schema_version").unwrap_or(0),
        kind: d.text(&o, "kind"),
        max_turns: d.int32(&o, "max_turns").unwrap_or(0),
        phases,
        calibration,
        post_run,
    })
}

fn phase(d: &mut Decoder, path: &str, node: &crate::yaml::Node) -> Option<Phase> {
    let o = d.obj(Some(node), path, PHASE, Zone::Lenient, WARN)?;
    let actor = match d.opt_text(&o, "actor") {
        Some(a) => o
            .get("actor")
            .and_then(|n| d.enum_text(&a, n, &o.child("actor"), false)),
        None => {
            d.sink.push(
                Severity::Error,
                &o.child("actor"),
                o.node.pos,
                "is required",
                None,
            );
            None
        }
    };
    let trigger = match d.opt_text(&o, "trigger") {
        Some(t) => o
            .get("trigger")
            .and_then(|n| d.enum_text::<Trigger>(&t, n, &o.child("trigger"), false)),
        None => None,
    };
    let mut turns = Vec::new();
    for (p, n) in d.seq(&o, "turns") {
        let Some(t) = d.obj(Some(n), &p, &["message", "expects"], Zone::Lenient, WARN) else {
            continue;
        };
        turns.push(Turn {
            message: d.opt_raw(&t, "message").unwrap_or_default(),
            expects: expectations(d, &t, "expects"),
        });
    }
    Some(Phase {
        id: d.text(&o, "id"),
        actor: actor.unwrap_or(Actor::Invalid),
        trigger,
        turns,
        persona: d.opt_text(&o, "persona"),
        max_turns: d.int32(&o, "max_turns").unwrap_or(0),
        until: d.strings(&o, "until"),
        timeout_ms: d.int(&o, "timeout_ms").unwrap_or(0),
        on_timeout: d.opt_text(&o, "on_timeout"),
        model: d.opt_text(&o, "model"),
    })
}
