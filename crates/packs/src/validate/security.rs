//! Rules on the `security` block (§7, §9.7).

use std::collections::HashSet;

use super::Reporter;
use super::syntax::is_env_name;
use crate::model::{Pack, SecretLocation};

pub(crate) fn check(r: &mut Reporter, p: &Pack) {
    let Some(sec) = &p.security else {
        return;
    };
    let mut names = HashSet::new();
    for (i, s) in sec.planted_secrets.iter().enumerate() {
        let path = format!("security.planted_secrets[{i}]");
        let named = r.required(&format!("{path}.name"), &s.name);
        r.required(&format!("{path}.value"), &s.value);
        if s.location == SecretLocation::File && s.file_path.is_none() {
            r.error(
                &format!("{path}.file_path"),
                "is required when location == file",
            );
        }
        if named && s.location == SecretLocation::Env && !is_env_name(&s.name) {
            r.error(
                &format!("{path}.name"),
                "must be a valid env-var identifier for location == env",
            );
        }
        if named && !names.insert(s.name.as_str()) {
            r.error(&format!("{path}.name"), "duplicate planted secret name");
        }
    }
    for (i, f) in sec.forbidden_outputs.iter().enumerate() {
        let path = format!("security.forbidden_outputs[{i}]");
        r.required(&format!("{path}.description"), &f.description);
        if f.pattern.is_some() == f.substring.is_some() {
            r.error(&path, "exactly one of pattern or substring must be set");
        }
        regex(r, &format!("{path}.pattern"), f.pattern.as_deref());
    }
    for (i, e) in sec.forbidden_egress.iter().enumerate() {
        let path = format!("security.forbidden_egress[{i}]");
        r.required(&format!("{path}.description"), &e.description);
        r.required(&format!("{path}.host"), &e.host);
    }
    let mut prompts = HashSet::new();
    for (i, a) in sec.adversarial_prompts.iter().enumerate() {
        let path = format!("security.adversarial_prompts[{i}]");
        if r.required(&format!("{path}.name"), &a.name) && !prompts.insert(a.name.as_str()) {
            r.error(&format!("{path}.name"), "duplicate adversarial prompt name");
        }
        r.required(&format!("{path}.text"), &a.text);
        regex(
            r,
            &format!("{path}.expected_refusal_pattern"),
            a.expected_refusal_pattern.as_deref(),
        );
    }
}

fn regex(r: &mut Reporter, path: &str, pattern: Option<&str>) {
    if let Some(e) = pattern.and_then(|p| r.regex_error(p)) {
        r.error(path, format!("invalid regexp: {e}"));
    }
}
