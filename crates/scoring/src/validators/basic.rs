//! `exact_match`, `contains`, `regex_match` and `boolean_assert` (§5.3.2).

use crate::cache;
use crate::verdict::Check;

/// 1 iff byte-equal, no trimming.
pub(super) fn exact(actual: &str, expected: &str) -> Check {
    if actual == expected {
        Check::Binary(true, "output equals the expected value".into())
    } else {
        Check::Binary(false, "output differs from the expected value".into())
    }
}

/// 1 iff `expected` is a substring of `actual`.
pub(super) fn contains(actual: &str, expected: &str) -> Check {
    let ok = actual.contains(expected);
    Check::Binary(
        ok,
        if ok {
            "output contains the expected text".into()
        } else {
            "output does not contain the expected text".into()
        },
    )
}

/// 1 iff the pattern matches anywhere; an invalid pattern is a pack error.
pub(super) fn regex_match(actual: &str, pattern: &str) -> Check {
    match cache::regex(pattern).as_ref() {
        Ok(re) => {
            let found = re.find(actual);
            match found {
                Some(m) => Check::Binary(true, format!("pattern matched at byte {}", m.start())),
                None => Check::Binary(false, "pattern did not match".into()),
            }
        }
        Err(e) => Check::pack(e.clone()),
    }
}

/// Parses `true/1/yes` and `false/0/no` (trimmed, case-insensitive).
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// 1 iff both sides parse to the same boolean; unparsable ⇒ error.
pub(super) fn boolean(actual: &str, expected: &str) -> Check {
    let Some(e) = parse_bool(expected) else {
        return Check::pack(format!("expected value {expected:?} is not a boolean"));
    };
    let Some(a) = parse_bool(actual) else {
        return Check::malformed("output is not a boolean (true/false/1/0/yes/no)");
    };
    Check::Binary(a == e, format!("output is {a}, expected {e}"))
}
