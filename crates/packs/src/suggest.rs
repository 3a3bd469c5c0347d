//! "Did you mean?" suggestions for misspelt keys and enum values.

/// Levenshtein distance over chars, with a cap so long garbage stays cheap.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a plausible
/// typo (distance at most a third of the longer word, at least 1; a
/// case-only difference always qualifies).
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let mut best: Option<(&'a str, usize)> = None;
    for &c in candidates {
        let d = if c.eq_ignore_ascii_case(word) {
            0
        } else {
            edit_distance(&lower, c)
        };
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((c, d));
        }
    }
    let (c, d) = best?;
    let limit = (word.chars().count().max(c.len()) / 3).max(1);
    if d <= limit {
        return Some(c);
    }
    // `mode` for `match_mode`: the word is one `_`-separated part of exactly
    // one candidate.
    let mut parts = candidates
        .iter()
        .filter(|c| c.split('_').count() > 1 && c.split('_').any(|p| p == lower));
    match (parts.next(), parts.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_basics() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn suggests_close_words_only() {
        let keys = ["match_mode", "ignore_whitespace"];
        assert_eq!(closest("match_mod", &keys), Some("match_mode"));
        assert_eq!(closest("mode", &keys), Some("match_mode"));
        assert_eq!(closest("xyz", &keys), None);
        assert_eq!(closest("Match_Mode", &keys), Some("match_mode"));
        assert_eq!(closest("zzzzzz", &keys), None);
    }
}
