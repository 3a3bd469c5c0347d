//! Bit-parallel edit distance (Myers/Hyyrö, blocked) and longest common
//! subsequence (Allison–Dix). Both run in O(n·⌈m/64⌉) word operations, so
//! the 100,000-code-point inputs `fuzzy_match` allows and long ROUGE-L
//! token sequences stay fast. Match masks are dense for frequent symbols
//! and sparse for rare ones, which bounds memory by O(m) words.

use std::collections::HashMap;
use std::hash::Hash;

/// Per-symbol match masks of the pattern sequence.
struct EqMasks<T> {
    blocks: usize,
    dense: HashMap<T, Vec<u64>>,
    sparse: HashMap<T, Vec<usize>>,
    zeros: Vec<u64>,
}

impl<T: Hash + Eq + Copy> EqMasks<T> {
    fn new(pattern: &[T]) -> Self {
        let blocks = pattern.len().div_ceil(64).max(1);
        let mut positions: HashMap<T, Vec<usize>> = HashMap::new();
        for (i, s) in pattern.iter().enumerate() {
            positions.entry(*s).or_default().push(i);
        }
        let mut dense = HashMap::new();
        let mut sparse = HashMap::new();
        for (sym, pos) in positions {
            if pos.len() > blocks {
                let mut mask = vec![0u64; blocks];
                for p in pos {
                    mask[p / 64] |= 1 << (p % 64);
                }
                dense.insert(sym, mask);
            } else {
                sparse.insert(sym, pos);
            }
        }
        Self {
            blocks,
            dense,
            sparse,
            zeros: vec![0; blocks],
        }
    }

    /// Calls `f` with the mask of `sym`, using `scratch` for sparse symbols.
    fn with_mask<R>(&self, sym: &T, scratch: &mut [u64], f: impl FnOnce(&[u64]) -> R) -> R {
        if let Some(m) = self.dense.get(sym) {
            return f(m);
        }
        let Some(pos) = self.sparse.get(sym) else {
            return f(&self.zeros);
        };
        for p in pos {
            scratch[p / 64] |= 1 << (p % 64);
        }
        let r = f(scratch);
        for p in pos {
            scratch[p / 64] = 0;
        }
        r
    }
}

/// Strips the common prefix and suffix, which never change either measure.
fn trim_common<'a, T: Eq>(mut a: &'a [T], mut b: &'a [T]) -> (&'a [T], &'a [T], usize) {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    a = &a[pre..];
    b = &b[pre..];
    let suf = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (&a[..a.len() - suf], &b[..b.len() - suf], pre + suf)
}

/// Levenshtein distance (unit costs).
pub fn levenshtein<T: Hash + Eq + Copy>(a: &[T], b: &[T]) -> usize {
    let (a, b, _) = trim_common(a, b);
    let (pattern, text) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let m = pattern.len();
    if m == 0 {
        return text.len();
    }
    let masks = EqMasks::new(pattern);
    let blocks = masks.blocks;
    let mut pv = vec![!0u64; blocks];
    let mut mv = vec![0u64; blocks];
    let mut scratch = vec![0u64; blocks];
    let last_bit = 1u64 << ((m - 1) % 64);
    let mut score = m as i64;
    for sym in text {
        masks.with_mask(sym, &mut scratch, |eq| {
            // Horizontal delta entering the top row is +1 (D[0][j] = j).
            let mut hin: i64 = 1;
            for k in 0..blocks {
                let high = if k + 1 == blocks {
                    last_bit
                } else {
                    1u64 << 63
                };
                let mut e = eq[k];
                let (p, mn) = (pv[k], mv[k]);
                let xv = e | mn;
                if hin < 0 {
                    e |= 1;
                }
                let xh = ((e & p).wrapping_add(p) ^ p) | e;
                let mut ph = mn | !(xh | p);
                let mut mh = p & xh;
                let hout = if ph & high != 0 {
                    1
                } else if mh & high != 0 {
                    -1
                } else {
                    0
                };
                ph <<= 1;
                mh <<= 1;
                if hin < 0 {
                    mh |= 1;
                } else if hin > 0 {
                    ph |= 1;
                }
                pv[k] = mh | !(xv | ph);
                mv[k] = ph & xv;
                hin = hout;
            }
            score += hin;
        });
    }
    usize::try_from(score).unwrap_or(0)
}

/// Length of the longest common subsequence.
pub fn lcs_len<T: Hash + Eq + Copy>(a: &[T], b: &[T]) -> usize {
    let (a, b, common) = trim_common(a, b);
    let (pattern, text) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let m = pattern.len();
    if m == 0 {
        return common;
    }
    let masks = EqMasks::new(pattern);
    let blocks = masks.blocks;
    let mut v = vec![!0u64; blocks];
    let mut scratch = vec![0u64; blocks];
    for sym in text {
        masks.with_mask(sym, &mut scratch, |eq| {
            let (mut carry, mut borrow) = (false, false);
            for k in 0..blocks {
                let u = v[k] & eq[k];
                let (s1, c1) = v[k].overflowing_add(u);
                let (s2, c2) = s1.overflowing_add(u64::from(carry));
                carry = c1 || c2;
                let (d1, b1) = v[k].overflowing_sub(u);
                let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
                borrow = b1 || b2;
                v[k] = s2 | d2;
            }
        });
    }
    let mut zeros = 0usize;
    for (k, word) in v.iter().enumerate() {
        let valid = if k + 1 == blocks && m % 64 != 0 {
            (1u64 << (m % 64)) - 1
        } else {
            !0
        };
        zeros += (!word & valid).count_ones() as usize;
    }
    zeros + common
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dp_lev(a: &[u8], b: &[u8]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, x) in a.iter().enumerate() {
            let mut cur = vec![i + 1];
            for (j, y) in b.iter().enumerate() {
                let sub = prev[j] + usize::from(x != y);
                cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }

    fn dp_lcs(a: &[u8], b: &[u8]) -> usize {
        let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in 0..a.len() {
            for j in 0..b.len() {
                t[i + 1][j + 1] = if a[i] == b[j] {
                    t[i][j] + 1
                } else {
                    t[i][j + 1].max(t[i + 1][j])
                };
            }
        }
        t[a.len()][b.len()]
    }

    /// Deterministic pseudo-random byte strings over a small alphabet.
    fn strings(seed: u64, count: usize) -> Vec<Vec<u8>> {
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        (0..count)
            .map(|_| {
                let len = (next() % 300) as usize;
                (0..len).map(|_| b'a' + (next() % 4) as u8).collect()
            })
            .collect()
    }

    #[test]
    fn matches_dynamic_programming_across_block_sizes() {
        let s = strings(0x9e37_79b9_7f4a_7c15, 60);
        for pair in s.chunks(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert_eq!(levenshtein(a, b), dp_lev(a, b), "lev {a:?} {b:?}");
            assert_eq!(lcs_len(a, b), dp_lcs(a, b), "lcs {a:?} {b:?}");
        }
    }

    #[test]
    fn edge_cases() {
        assert_eq!(levenshtein::<u8>(b"", b""), 0);
        assert_eq!(levenshtein(b"", b"abc"), 3);
        assert_eq!(levenshtein(b"kitten", b"sitting"), 3);
        assert_eq!(lcs_len(b"abc", b""), 0);
        assert_eq!(lcs_len(b"abcbdab", b"bdcaba"), 4);
    }
}
