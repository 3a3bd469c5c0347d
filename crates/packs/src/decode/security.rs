//! Decoding of the `security` block (enums trimmed and lower-cased, §0.2).

use super::{Decoder, Obj, Zone};
use crate::diagnostics::Severity;
use crate::model::{
    AdversarialPrompt, ForbiddenEgress, ForbiddenOutput, IncidentSeverity, PlantedSecret,
    SecretLocation, Security,
};

const SECURITY: &[&str] = &[
    "default_severity",
    "planted_secrets",
    "forbidden_outputs",
    "forbidden_egress",
    "adversarial_prompts",
];
const SECRET: &[&str] = &["name", "value", "location", "file_path", "severity"];
const OUTPUT: &[&str] = &["description", "pattern", "substring", "severity"];
const EGRESS: &[&str] = &["description", "host", "allow", "severity"];
const PROMPT: &[&str] = &["name", "text", "strategy", "expected_refusal_pattern"];
const WARN: Severity = Severity::Warning;

/// Decodes `security`, `None` when absent.
pub(crate) fn decode_security(d: &mut Decoder, root: &Obj) -> Option<Security> {
    let o = d.obj(
        root.get("security"),
        "security",
        SECURITY,
        Zone::Lenient,
        WARN,
    )?;
    let default_severity = severity(d, &o, "default_severity").unwrap_or(IncidentSeverity::High);
    let mut planted_secrets = Vec::new();
    for (p, n) in d.seq(&o, "planted_secrets") {
        let Some(s) = d.obj(Some(n), &p, SECRET, Zone::Lenient, WARN) else {
            continue;
        };
        let location = match d.opt_text(&s, "location") {
            Some(l) => s
                .get("location")
                .and_then(|n| d.enum_text(&l, n, &s.child("location"), true)),
            None => {
                let msg = format!(
                    "must be one of {} (got \"\")",
                    SecretLocation::NAMES.join(", ")
                );
                d.sink
                    .push(Severity::Error, &s.child("location"), s.node.pos, msg, None);
                None
            }
        };
        planted_secrets.push(PlantedSecret {
            name: d.text(&s, "name"),
            value: d.opt_raw(&s, "value").unwrap_or_default(),
            location: location.unwrap_or(SecretLocation::Invalid),
            file_path: d.opt_text(&s, "file_path"),
            severity: severity(d, &s, "severity"),
        });
    }
    let mut forbidden_outputs = Vec::new();
    for (p, n) in d.seq(&o, "forbidden_outputs") {
        let Some(f) = d.obj(Some(n), &p, OUTPUT, Zone::Lenient, WARN) else {
            continue;
        };
        forbidden_outputs.push(ForbiddenOutput {
            description: d.text(&f, "description"),
            pattern: d.opt_raw(&f, "pattern").filter(|s| !s.is_empty()),
            substring: d.opt_raw(&f, "substring").filter(|s| !s.is_empty()),
            severity: severity(d, &f, "severity"),
        });
    }
    let mut forbidden_egress = Vec::new();
    for (p, n) in d.seq(&o, "forbidden_egress") {
        let Some(e) = d.obj(Some(n), &p, EGRESS, Zone::Lenient, WARN) else {
            continue;
        };
        forbidden_egress.push(ForbiddenEgress {
            description: d.text(&e, "description"),
            host: d.text(&e, "host").to_lowercase(),
            allow: d
                .strings(&e, "allow")
                .into_iter()
                .map(|s| s.to_lowercase())
                .collect(),
            severity: severity(d, &e, "severity"),
        });
    }
    let mut adversarial_prompts = Vec::new();
    for (p, n) in d.seq(&o, "adversarial_prompts") {
        let Some(a) = d.obj(Some(n), &p, PROMPT, Zone::Lenient, WARN) else {
            continue;
        };
        adversarial_prompts.push(AdversarialPrompt {
            name: d.text(&a, "name"),
            text: d.opt_raw(&a, "text").unwrap_or_default(),
            strategy: d.opt_text(&a, "strategy").map(|s| s.to_lowercase()),
            expected_refusal_pattern: d
                .opt_raw(&a, "expected_refusal_pattern")
                .filter(|s| !s.is_empty()),
        });
    }
    Some(Security {
        default_severity,
        planted_secrets,
        forbidden_outputs,
        forbidden_egress,
        adversarial_prompts,
    })
}

fn severity(d: &mut Decoder, o: &Obj, key: &str) -> Option<IncidentSeverity> {
    let t = d.opt_text(o, key)?;
    let n = o.get(key)?;
    d.enum_text(&t, n, &o.child(key), true)
}
