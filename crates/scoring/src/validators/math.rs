//! `math_equivalence` (§5.3.5): LaTeX-ish normalisation, a small expression
//! grammar, a symbolic canonical form with exact rational folding, and a
//! numeric fallback.

use std::cmp::Ordering;

use agentclash_packs::model::JsonMap;
use serde::Deserialize;

use super::decode_config;
use crate::verdict::{Check, ErrorKind};

/// Longest normalised expression accepted (safety bound; not in the spec).
const MAX_EXPR_CHARS: usize = 10_000;
/// Deepest nesting accepted (protects the recursive parser's stack).
const MAX_DEPTH: usize = 200;
/// Largest integer exponent folded exactly (§5.3.5).
const MAX_EXACT_EXPONENT: i128 = 32;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    extract_answer: bool,
    #[serde(default)]
    answer_delimiter: Option<String>,
    #[serde(default)]
    comparison_mode: Option<String>,
    #[serde(default)]
    numeric_fallback: Option<bool>,
    #[serde(default)]
    tolerance: Option<f64>,
}

// ---------------------------------------------------------------- numbers

/// An exact rational with a positive, reduced denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rat {
    n: i128,
    d: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Rat {
    fn new(n: i128, d: i128) -> Option<Self> {
        if d == 0 {
            return None;
        }
        let g = gcd(n, d).max(1);
        let (mut n, mut d) = (n / g, d / g);
        if d < 0 {
            n = n.checked_neg()?;
            d = d.checked_neg()?;
        }
        Some(Self { n, d })
    }
    fn int(n: i128) -> Self {
        Self { n, d: 1 }
    }
    fn add(self, o: Self) -> Option<Self> {
        Self::new(
            self.n
                .checked_mul(o.d)?
                .checked_add(o.n.checked_mul(self.d)?)?,
            self.d.checked_mul(o.d)?,
        )
    }
    fn mul(self, o: Self) -> Option<Self> {
        Self::new(self.n.checked_mul(o.n)?, self.d.checked_mul(o.d)?)
    }
    fn pow(self, e: i128) -> Option<Self> {
        let base = if e < 0 {
            Self::new(self.d, self.n)?
        } else {
            self
        };
        let mut acc = Self::int(1);
        for _ in 0..e.abs() {
            acc = acc.mul(base)?;
        }
        Some(acc)
    }
    fn to_f64(self) -> f64 {
        self.n as f64 / self.d as f64
    }
}

/// A constant: exact when it fits, approximate otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Exact(Rat),
    Approx(f64),
}

impl Num {
    fn to_f64(self) -> f64 {
        match self {
            Self::Exact(r) => r.to_f64(),
            Self::Approx(f) => f,
        }
    }
    fn combine(
        self,
        o: Self,
        exact: fn(Rat, Rat) -> Option<Rat>,
        approx: fn(f64, f64) -> f64,
    ) -> Self {
        match (self, o) {
            (Self::Exact(a), Self::Exact(b)) => exact(a, b)
                .map(Self::Exact)
                .unwrap_or_else(|| Self::Approx(approx(a.to_f64(), b.to_f64()))),
            _ => Self::Approx(approx(self.to_f64(), o.to_f64())),
        }
    }
    fn add(self, o: Self) -> Self {
        self.combine(o, Rat::add, |a, b| a + b)
    }
    fn mul(self, o: Self) -> Self {
        self.combine(o, Rat::mul, |a, b| a * b)
    }
    fn is(self, v: i128) -> bool {
        match self {
            Self::Exact(r) => r == Rat::int(v),
            Self::Approx(f) => f == v as f64,
        }
    }
    fn key(self) -> String {
        match self {
            Self::Exact(r) if r.d == 1 => r.n.to_string(),
            Self::Exact(r) => format!("{}/{}", r.n, r.d),
            Self::Approx(f) => format!("{f:e}"),
        }
    }
}

/// Parses a decimal literal (`12`, `1.5`, `.5`, `2e-3`) exactly if possible.
fn parse_literal(text: &str) -> Option<Num> {
    let (mant, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int_part, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let digits = format!("{int_part}{frac}");
    let scale = frac.len() as i64 - i64::from(exp);
    let exact = (|| {
        let n: i128 = digits.parse().ok()?;
        if scale >= 0 {
            let d = 10i128.checked_pow(u32::try_from(scale).ok()?)?;
            Rat::new(n, d)
        } else {
            let m = 10i128.checked_pow(u32::try_from(-scale).ok()?)?;
            Some(Rat::int(n.checked_mul(m)?))
        }
    })();
    match exact {
        Some(r) => Some(Num::Exact(r)),
        None => text
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Num::Approx),
    }
}

// ---------------------------------------------------------------- normalisation

/// Splits `{inner}rest` at the matching brace.
fn brace_group(s: &str) -> Result<(&str, &str), String> {
    let Some(body) = s.strip_prefix('{') else {
        return Err("expected {".into());
    };
    let mut depth = 1usize;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Ok((&body[..i], &body[i + 1..]));
                }
            }
            _ => {}
        }
    }
    Err("unbalanced braces".into())
}

/// Rewrites `\boxed`, `\frac`, `\sqrt` and `√` into the plain grammar.
fn rewrite_latex(s: &str, depth: usize) -> Result<String, String> {
    if depth > MAX_DEPTH {
        return Err("expression nested too deeply".into());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("\\boxed") {
            let (inner, after) = brace_group(r.trim_start())?;
            out.push_str(&format!("({})", rewrite_latex(inner, depth + 1)?));
            rest = after;
        } else if let Some(r) = rest.strip_prefix("\\frac") {
            let (a, after) = brace_group(r.trim_start())?;
            let (b, after) = brace_group(after.trim_start())?;
            let (a, b) = (rewrite_latex(a, depth + 1)?, rewrite_latex(b, depth + 1)?);
            out.push_str(&format!("(({a})/({b}))"));
            rest = after;
        } else if let Some(r) = rest.strip_prefix("\\sqrt") {
            let r = r.trim_start();
            if let Some(idx) = r.strip_prefix('[') {
                let end = idx.find(']').ok_or("unclosed [ in \\sqrt")?;
                let n = rewrite_latex(&idx[..end], depth + 1)?;
                let (x, after) = brace_group(idx[end + 1..].trim_start())?;
                let x = rewrite_latex(x, depth + 1)?;
                out.push_str(&format!("((({x})^(1/({n})))))"));
                rest = after;
            } else {
                let (x, after) = brace_group(r)?;
                out.push_str(&format!("sqrt({})", rewrite_latex(x, depth + 1)?));
                rest = after;
            }
        } else if let Some(r) = rest.strip_prefix('√') {
            let r = r.trim_start();
            if r.starts_with('{') {
                let (x, after) = brace_group(r)?;
                out.push_str(&format!("sqrt({})", rewrite_latex(x, depth + 1)?));
                rest = after;
            } else if r.starts_with('(') {
                out.push_str("sqrt");
                rest = r;
            } else {
                let end = r
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                    .unwrap_or(r.len());
                if end == 0 {
                    return Err("√ without an operand".into());
                }
                out.push_str(&format!("sqrt({})", &r[..end]));
                rest = &r[end..];
            }
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

/// §5.3.5 normalisation of one side.
fn normalise(raw: &str, cfg: &Config) -> Result<String, String> {
    let mut s = raw.trim();
    if cfg.extract_answer {
        let delim = cfg.answer_delimiter.as_deref().unwrap_or("####");
        if !delim.is_empty()
            && let Some(i) = s.rfind(delim)
        {
            s = s[i + delim.len()..].trim();
        }
    }
    if s.len() >= 4 && s.starts_with("$$") && s.ends_with("$$") {
        s = &s[2..s.len() - 2];
    } else if s.len() >= 2 && s.starts_with('$') && s.ends_with('$') {
        s = &s[1..s.len() - 1];
    }
    let mut t = s.replace("\r\n", " ").replace(['\n', '\r'], " ");
    t = t.replace(',', "").replace(['−', '–'], "-");
    for (from, to) in [
        ("\\cdot", "*"),
        ("\\times", "*"),
        ("×", "*"),
        ("·", "*"),
        ("÷", "/"),
    ] {
        t = t.replace(from, to);
    }
    for cmd in ["\\left", "\\right", "\\!", "\\,", "\\;", "\\:"] {
        t = t.replace(cmd, "");
    }
    if t.chars().nth(MAX_EXPR_CHARS).is_some() {
        return Err(format!(
            "expression longer than {MAX_EXPR_CHARS} characters"
        ));
    }
    let t = rewrite_latex(&t, 0)?.replace('{', "(").replace('}', ")");
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return Err("empty expression".into());
    }
    Ok(t)
}

// ---------------------------------------------------------------- parsing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Num),
    Ident(String),
    Op(char),
    Open,
    Close,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if matches!(chars.get(i), Some('e' | 'E')) {
                let mut j = i + 1;
                if matches!(chars.get(j), Some('+' | '-')) {
                    j += 1;
                }
                if chars.get(j).is_some_and(char::is_ascii_digit) {
                    while chars.get(j).is_some_and(char::is_ascii_digit) {
                        j += 1;
                    }
                    i = j;
                }
            }
            let text: String = chars[start..i].iter().collect();
            if text.matches('.').count() > 1 {
                return Err(format!("malformed number {text:?}"));
            }
            let mut n = parse_literal(&text).ok_or_else(|| format!("malformed number {text:?}"))?;
            if chars.get(i) == Some(&'%') {
                n = n.mul(Num::Exact(Rat { n: 1, d: 100 }));
                i += 1;
            }
            toks.push(Tok::Num(n));
        } else if c.is_ascii_alphabetic() || c == '_' || c == '\\' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            toks.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if "+-*/^".contains(c) {
            toks.push(Tok::Op(c));
            i += 1;
        } else if c == '(' {
            toks.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            toks.push(Tok::Close);
            i += 1;
        } else {
            return Err(format!("unexpected character {c:?}"));
        }
    }
    Ok(toks)
}

/// Expression tree; subtraction and division are expressed with −1 factors
/// and −1 exponents.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Num(Num),
    Var(String),
    Add(Vec<Expr>),
    Mul(Vec<Expr>),
    Pow(Box<Expr>, Box<Expr>),
    Sqrt(Box<Expr>),
}

fn neg(e: Expr) -> Expr {
    match e {
        Expr::Num(n) => Expr::Num(n.mul(Num::Exact(Rat::int(-1)))),
        other => Expr::Mul(vec![Expr::Num(Num::Exact(Rat::int(-1))), other]),
    }
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err("expression nested too deeply".into())
        } else {
            Ok(())
        }
    }
    fn expr(&mut self) -> Result<Expr, String> {
        self.enter()?;
        let mut terms = vec![self.term()?];
        while let Some(Tok::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.pos += 1;
            let t = self.term()?;
            terms.push(if op == '-' { neg(t) } else { t });
        }
        self.depth -= 1;
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Add(terms)
        })
    }
    fn term(&mut self) -> Result<Expr, String> {
        let mut factors = vec![self.unary()?];
        while let Some(Tok::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.pos += 1;
            let f = self.unary()?;
            factors.push(if op == '/' {
                Expr::Pow(Box::new(f), Box::new(Expr::Num(Num::Exact(Rat::int(-1)))))
            } else {
                f
            });
        }
        Ok(if factors.len() == 1 {
            factors.remove(0)
        } else {
            Expr::Mul(factors)
        })
    }
    fn unary(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some(Tok::Op('-')) => {
                self.pos += 1;
                self.enter()?;
                let e = neg(self.unary()?);
                self.depth -= 1;
                Ok(e)
            }
            Some(Tok::Op('+')) => {
                self.pos += 1;
                self.enter()?;
                let e = self.unary()?;
                self.depth -= 1;
                Ok(e)
            }
            _ => self.power(),
        }
    }
    fn power(&mut self) -> Result<Expr, String> {
        let base = self.primary()?;
        if self.peek() == Some(&Tok::Op('^')) {
            self.pos += 1;
            self.enter()?;
            let exp = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Pow(Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }
    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Num(n)) => Ok(Expr::Num(n)),
            Some(Tok::Ident(name)) if name == "sqrt" && self.peek() == Some(&Tok::Open) => {
                self.pos += 1;
                let inner = self.expr()?;
                self.close()?;
                Ok(Expr::Sqrt(Box::new(inner)))
            }
            Some(Tok::Ident(name)) => Ok(Expr::Var(name)),
            Some(Tok::Open) => {
                let inner = self.expr()?;
                self.close()?;
                Ok(inner)
            }
            Some(t) => Err(format!("unexpected {t:?}")),
            None => Err("unexpected end of expression".into()),
        }
    }
    fn close(&mut self) -> Result<(), String> {
        match self.next() {
            Some(Tok::Close) => Ok(()),
            _ => Err("missing )".into()),
        }
    }
}

fn parse(s: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: tokenize(s)?,
        pos: 0,
        depth: 0,
    };
    let e = p.expr()?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(format!("unexpected {t:?} after the expression")),
    }
}

// ---------------------------------------------------------------- canonical form

fn key(e: &Expr) -> String {
    match e {
        Expr::Num(n) => n.key(),
        Expr::Var(v) => v.clone(),
        Expr::Add(xs) => format!("(+ {})", xs.iter().map(key).collect::<Vec<_>>().join(" ")),
        Expr::Mul(xs) => format!("(* {})", xs.iter().map(key).collect::<Vec<_>>().join(" ")),
        Expr::Pow(b, x) => format!("(^ {} {})", key(b), key(x)),
        Expr::Sqrt(x) => format!("(sqrt {})", key(x)),
    }
}

/// Flattens, folds constants and sorts the operands of a sum or product.
fn fold(items: Vec<Expr>, is_sum: bool) -> Expr {
    let mut constant = Num::Exact(Rat::int(i128::from(!is_sum)));
    let mut rest = Vec::new();
    let mut stack = items;
    stack.reverse();
    while let Some(item) = stack.pop() {
        match (canonical(item), is_sum) {
            (Expr::Num(n), true) => constant = constant.add(n),
            (Expr::Num(n), false) => constant = constant.mul(n),
            // Children of a canonical sum/product are canonical; pushing them
            // back lets their constants fold with ours.
            (Expr::Add(xs), true) | (Expr::Mul(xs), false) => stack.extend(xs.into_iter().rev()),
            (other, _) => rest.push(other),
        }
    }
    if !is_sum && constant.is(0) {
        return Expr::Num(constant);
    }
    if !constant.is(i128::from(!is_sum)) {
        rest.push(Expr::Num(constant));
    }
    if rest.is_empty() {
        return Expr::Num(constant);
    }
    if rest.len() == 1 {
        return rest.remove(0);
    }
    let mut keyed: Vec<(String, Expr)> = rest.into_iter().map(|e| (key(&e), e)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let items = keyed.into_iter().map(|(_, e)| e).collect();
    if is_sum {
        Expr::Add(items)
    } else {
        Expr::Mul(items)
    }
}

fn canonical(e: Expr) -> Expr {
    match e {
        Expr::Add(xs) => fold(xs, true),
        Expr::Mul(xs) => fold(xs, false),
        Expr::Sqrt(x) => Expr::Sqrt(Box::new(canonical(*x))),
        Expr::Pow(b, x) => {
            let (b, x) = (canonical(*b), canonical(*x));
            match (&b, &x) {
                (_, Expr::Num(n)) if n.is(1) => b,
                (_, Expr::Num(n)) if n.is(0) => Expr::Num(Num::Exact(Rat::int(1))),
                (Expr::Num(Num::Exact(base)), Expr::Num(Num::Exact(ex)))
                    if ex.d == 1 && ex.n.abs() <= MAX_EXACT_EXPONENT =>
                {
                    match base.pow(ex.n) {
                        Some(r) => Expr::Num(Num::Exact(r)),
                        None => Expr::Pow(Box::new(b), Box::new(x)),
                    }
                }
                _ => Expr::Pow(Box::new(b), Box::new(x)),
            }
        }
        other => other,
    }
}

fn eval(e: &Expr) -> Result<f64, String> {
    let v = match e {
        Expr::Num(n) => n.to_f64(),
        Expr::Var(v) => return Err(format!("{v} is not numeric")),
        Expr::Add(xs) => xs.iter().map(eval).sum::<Result<f64, _>>()?,
        Expr::Mul(xs) => xs.iter().map(eval).product::<Result<f64, _>>()?,
        Expr::Pow(b, x) => eval(b)?.powf(eval(x)?),
        Expr::Sqrt(x) => eval(x)?.sqrt(),
    };
    if v.is_finite() {
        Ok(v)
    } else {
        Err("the value is not a finite number".into())
    }
}

/// `math_equivalence`.
pub(super) fn check(actual: &str, expected: &str, config: Option<&JsonMap>) -> Check {
    let cfg: Config = match decode_config(config) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let numeric_mode = match cfg.comparison_mode.as_deref() {
        None | Some("symbolic") => false,
        Some("numeric") => true,
        Some(other) => return Check::pack(format!("unknown comparison_mode {other:?}")),
    };
    let tolerance = cfg.tolerance.unwrap_or(1e-6);
    let fallback = numeric_mode || cfg.numeric_fallback.unwrap_or(true);
    let exp = match normalise(expected, &cfg).and_then(|s| parse(&s)) {
        Ok(e) => e,
        Err(e) => return Check::pack(format!("expected value does not parse: {e}")),
    };
    let act = match normalise(actual, &cfg).and_then(|s| parse(&s)) {
        Ok(e) => e,
        Err(e) => return Check::malformed(format!("output does not parse as maths: {e}")),
    };
    let (ca, ce) = (canonical(act), canonical(exp));
    if !numeric_mode && key(&ca) == key(&ce) {
        return Check::Binary(true, format!("symbolically equivalent: {}", key(&ca)));
    }
    if !fallback {
        return Check::Binary(
            false,
            format!("not equivalent: {} vs {}", key(&ca), key(&ce)),
        );
    }
    match (eval(&ca), eval(&ce)) {
        (Ok(a), Ok(e)) => {
            let diff = (a - e).abs();
            let ok = diff.partial_cmp(&tolerance) != Some(Ordering::Greater);
            Check::Binary(
                ok,
                format!("numerically {a} vs {e} (tolerance {tolerance})"),
            )
        }
        (Err(err), _) | (_, Err(err)) if numeric_mode => Check::Error(
            ErrorKind::Evaluator,
            format!("cannot evaluate numerically: {err}"),
        ),
        _ => Check::Binary(
            false,
            format!("not equivalent: {} vs {}", key(&ca), key(&ce)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        let cfg = Config::default();
        key(&canonical(
            parse(&normalise(s, &cfg).expect("normalises")).expect("parses"),
        ))
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(canon("1/2"), canon("0.5"));
        assert_eq!(canon("\\frac{1}{2}"), "1/2");
        assert_eq!(canon("x + 2*3"), canon("6 + x"));
        assert_eq!(canon("x^1"), "x");
        assert_eq!(canon("y^0"), "1");
        assert_eq!(canon("2^10"), "1024");
        assert_eq!(canon("50%"), "1/2");
        assert_eq!(canon("$\\boxed{42}$"), "42");
        assert_eq!(canon("\\sqrt{x}"), canon("√x"));
        assert_eq!(canon("−3"), "-3");
        assert_eq!(canon("2^3^2"), "512");
        assert_ne!(canon("2*(x+1)"), canon("2*x+2"));
    }

    #[test]
    fn rejects_garbage_and_deep_nesting() {
        let cfg = Config::default();
        assert!(parse(&normalise("2x", &cfg).expect("normalises")).is_err());
        assert!(normalise("   ", &cfg).is_err());
        let deep = format!("{}1{}", "(".repeat(3000), ")".repeat(3000));
        assert!(parse(&normalise(&deep, &cfg).expect("normalises")).is_err());
    }
}
