//! Per-thread memoisation of compiled regexes and JSON Schemas. Scoring a
//! lane compiles the same few patterns and schemas for every case; caching
//! them keeps scoring pure (same inputs, same outputs) while avoiding the
//! recompilation cost.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use regex::{Regex, RegexBuilder};

/// Entries kept per cache before it is cleared (bounds memory when every
/// case brings its own pattern).
const MAX_ENTRIES: usize = 512;
/// Compiled-program size limit, so a hostile pattern cannot eat memory.
const REGEX_SIZE_LIMIT: usize = 8 * 1024 * 1024;

type Compiled<T> = Rc<Result<T, String>>;

thread_local! {
    static REGEXES: RefCell<HashMap<String, Compiled<Regex>>> = RefCell::new(HashMap::new());
    static SCHEMAS: RefCell<HashMap<String, Compiled<jsonschema::Validator>>> =
        RefCell::new(HashMap::new());
}

fn memo<T>(
    cache: &'static std::thread::LocalKey<RefCell<HashMap<String, Compiled<T>>>>,
    key: &str,
    build: impl FnOnce() -> Result<T, String>,
) -> Compiled<T> {
    if let Some(hit) = cache.with(|c| c.borrow().get(key).cloned()) {
        return hit;
    }
    let built = Rc::new(build());
    cache.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= MAX_ENTRIES {
            c.clear();
        }
        c.insert(key.to_string(), built.clone());
    });
    built
}

/// Compiles (or reuses) an RE2-style pattern.
pub fn regex(pattern: &str) -> Compiled<Regex> {
    memo(&REGEXES, pattern, || {
        RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| format!("invalid regex {pattern:?}: {e}"))
    })
}

/// The `$schema` URIs accepted (§5.3.3).
const SCHEMA_DRAFTS: &[&str] = &[
    "https://json-schema.org/draft/2020-12/schema",
    "http://json-schema.org/draft-07/schema#",
    "https://json-schema.org/draft-07/schema#",
    "http://json-schema.org/draft-07/schema",
    "https://json-schema.org/draft-07/schema",
];

/// Compiles (or reuses) a JSON Schema; `cache_key` is its canonical text.
pub fn schema(cache_key: &str, schema: &serde_json::Value) -> Compiled<jsonschema::Validator> {
    memo(&SCHEMAS, cache_key, || {
        if let Some(uri) = schema.get("$schema") {
            match uri.as_str() {
                Some(u) if SCHEMA_DRAFTS.contains(&u) => {}
                _ => {
                    return Err(format!(
                        "unsupported $schema {uri}; use 2020-12 or draft-07"
                    ));
                }
            }
        }
        let draft_07 = schema
            .get("$schema")
            .and_then(|u| u.as_str())
            .is_some_and(|u| u.contains("draft-07"));
        let built = if draft_07 {
            jsonschema::draft7::new(schema)
        } else {
            jsonschema::draft202012::new(schema)
        };
        built.map_err(|e| format!("invalid JSON Schema: {e}"))
    })
}
