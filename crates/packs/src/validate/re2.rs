//! Regular expressions in the reference's dialect (RE2 as implemented by Go's
//! `regexp/syntax`, §7): every pattern a pack carries is checked the way the
//! reference platform will compile it, not the way Rust's `regex` would.
//!
//! The two dialects disagree in both directions, so a pattern is first
//! rewritten from Go syntax into an equivalent Rust pattern while the
//! constructs Go rejects are reported (look-around, backreferences, `\u`
//! escapes, the `x`/`u`/`R` flags, stacked repetition operators, counts
//! above 1000, Unicode names Go does not know, `.`-bearing group names), and
//! the constructs only Go accepts are translated (`\Q…\E`, octal escapes,
//! `{` that is not a repetition, `[` inside a class, `(?)`, group names
//! starting with a digit). `regex-syntax` then parses the rewritten pattern
//! for everything the two dialects share (its syntax tree only: the names of
//! Unicode and POSIX classes were already checked against Go's tables, and
//! building the full character classes would cost far more than the rest of
//! validation), and a last pass applies Go's limit on nested counted
//! repetitions.

use std::collections::HashSet;

use regex_syntax::ast::{self, Ast, RepetitionKind, RepetitionRange, Visitor};

/// Largest repetition count Go accepts, also the budget for nested counts.
const MAX_REPEAT: u32 = 1000;

/// Go's Unicode general categories (`unicode.Categories`) plus `Any`.
const CATEGORIES: &[&str] = &[
    "Any", "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
    "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm",
    "So", "Z", "Zl", "Zp", "Zs",
];

/// POSIX bracket classes Go knows (`[:name:]`, optionally negated with `^`).
const POSIX: &[&str] = &[
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Why `pattern` does not compile with the reference's RE2 dialect, if it does not.
pub(crate) fn error(pattern: &str) -> Option<String> {
    let rust = match Translator::new(pattern).run() {
        Ok(p) => p,
        Err(e) => return Some(e),
    };
    let mut parser = ast::parse::ParserBuilder::new().nest_limit(1000).build();
    let tree = match parser.parse(&rust) {
        Ok(t) => t,
        Err(e) => return Some(e.kind().to_string()),
    };
    ast::visit(&tree, RepeatBudget { budgets: vec![] }).err()
}

/// Go refuses nested counted repetitions whose product exceeds 1000
/// (`(a{100}){100}`); `regex-syntax` has no such limit.
struct RepeatBudget {
    budgets: Vec<u32>,
}

fn counted(a: &Ast) -> Option<u32> {
    let Ast::Repetition(rep) = a else {
        return None;
    };
    match rep.op.kind {
        RepetitionKind::Range(RepetitionRange::Exactly(n))
        | RepetitionKind::Range(RepetitionRange::AtLeast(n))
        | RepetitionKind::Range(RepetitionRange::Bounded(_, n)) => Some(n),
        _ => None,
    }
}

impl Visitor for RepeatBudget {
    type Output = ();
    type Err = String;

    fn finish(self) -> Result<(), String> {
        Ok(())
    }

    fn visit_pre(&mut self, a: &Ast) -> Result<(), String> {
        let Some(m) = counted(a) else {
            return Ok(());
        };
        let budget = self.budgets.last().copied().unwrap_or(MAX_REPEAT);
        if m > budget {
            return Err(format!(
                "invalid repeat count: nested counted repetitions multiply to more than {MAX_REPEAT}"
            ));
        }
        // A `{0}` subtree is checked on its own, as Go does when it builds it.
        self.budgets.push(if m == 0 {
            MAX_REPEAT
        } else {
            budget / m.max(1)
        });
        Ok(())
    }

    fn visit_post(&mut self, a: &Ast) -> Result<(), String> {
        if counted(a).is_some() {
            self.budgets.pop();
        }
        Ok(())
    }
}

/// Rewrites a Go pattern into Rust syntax, reporting Go-only errors.
struct Translator<'a> {
    src: &'a str,
    pos: usize,
    out: String,
    names: HashSet<&'a str>,
}

type Step = Result<(), String>;

fn snippet(s: &str) -> String {
    s.chars().take(12).collect()
}

impl<'a> Translator<'a> {
    fn new(src: &'a str) -> Self {
        Self {
            src,
            pos: 0,
            out: String::with_capacity(src.len() + 8),
            names: HashSet::new(),
        }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn run(mut self) -> Result<String, String> {
        let mut last_repeat: Option<usize> = None;
        while let Some(c) = self.peek() {
            let start = self.pos;
            let mut repeat = false;
            match c {
                '(' if self.rest().starts_with("(?") => self.group()?,
                '[' => self.class()?,
                '*' | '+' | '?' => {
                    self.bump();
                    self.repetition(start, last_repeat)?;
                    repeat = true;
                }
                '{' => match parse_repeat(self.rest()) {
                    Some((min, max, len)) => {
                        let text = &self.src[start..start + len];
                        if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT || m < min) {
                            return Err(format!("invalid repeat count: `{text}`"));
                        }
                        self.pos += len;
                        self.repetition(start, last_repeat)?;
                        repeat = true;
                    }
                    None => {
                        self.bump();
                        self.out.push_str("\\{");
                    }
                },
                '\\' => self.escape()?,
                '.' | '^' | '$' | '|' | '(' | ')' => {
                    self.bump();
                    self.out.push(c);
                }
                _ => {
                    self.bump();
                    self.literal(c);
                }
            }
            last_repeat = repeat.then_some(start);
        }
        Ok(self.out)
    }

    /// A repetition operator already consumed from `start`; a lazy `?` may
    /// follow. Go forbids stacking operators (`a**`, `a{2}*`, `a*??`).
    fn repetition(&mut self, start: usize, last: Option<usize>) -> Step {
        if self.peek() == Some('?') {
            self.bump();
        }
        if let Some(prev) = last {
            return Err(format!(
                "invalid nested repetition operator: `{}`",
                snippet(&self.src[prev..self.pos])
            ));
        }
        self.out.push_str(&self.src[start..self.pos]);
        Ok(())
    }

    fn literal(&mut self, c: char) {
        if regex_syntax::is_meta_character(c) {
            self.out.push('\\');
        }
        self.out.push(c);
    }

    /// `(?flags)`, `(?flags:`, `(?P<name>` / `(?<name>`; anything else is
    /// unsupported Perl syntax (look-around, comments, `(?P=name)`…).
    fn group(&mut self) -> Step {
        let start = self.pos;
        self.pos += 2;
        let rest = self.rest();
        let named = rest.strip_prefix("P<").or_else(|| {
            rest.strip_prefix('<')
                .filter(|r| !r.starts_with(['=', '!']))
        });
        if let Some(after) = named {
            let bad = || format!("invalid named capture: `{}`", snippet(&self.src[start..]));
            let end = after.find('>').ok_or_else(bad)?;
            let name = &after[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(bad());
            }
            if !self.names.insert(name) {
                return Err(format!("duplicate capture group name: `{name}`"));
            }
            self.pos += rest.len() - after.len() + end + 1;
            // Rust wants names that start with a letter; the name itself
            // does not matter for validity, only its uniqueness (checked).
            self.out.push('(');
            return Ok(());
        }
        let unsupported = |end: usize| {
            let shown = snippet(&self.src[start..end.min(self.src.len())]);
            Err(format!("invalid or unsupported Perl syntax: `{shown}`"))
        };
        let mut flags = String::new();
        let mut negated = false;
        let mut saw_flag = false;
        while let Some(c) = self.bump() {
            match c {
                'i' | 'm' | 's' | 'U' => {
                    flags.push(c);
                    saw_flag = true;
                }
                '-' if !negated => {
                    flags.push(c);
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' => {
                    if negated && !saw_flag {
                        return unsupported(self.pos);
                    }
                    if c == ':' || !flags.is_empty() {
                        self.out.push_str("(?");
                        self.out.push_str(&flags);
                        self.out.push(c);
                    }
                    return Ok(());
                }
                _ => return unsupported(self.pos),
            }
        }
        Err(format!(
            "missing closing ): `{}`",
            snippet(&self.src[start..])
        ))
    }

    /// An escape outside a class.
    fn escape(&mut self) -> Step {
        let start = self.pos;
        self.bump();
        match self.peek() {
            None => Err("trailing backslash at end of expression".into()),
            Some(c @ ('A' | 'b' | 'B' | 'z' | 'd' | 'D' | 's' | 'S' | 'w' | 'W')) => {
                self.bump();
                self.out.push('\\');
                self.out.push(c);
                Ok(())
            }
            Some('p' | 'P') => self.unicode_class(start),
            Some('Q') => {
                self.bump();
                let rest = self.rest();
                let (quoted, consumed) = match rest.find("\\E") {
                    Some(i) => (&rest[..i], i + 2),
                    None => (rest, rest.len()),
                };
                self.pos += consumed;
                for c in quoted.chars() {
                    self.literal(c);
                }
                Ok(())
            }
            Some(_) => {
                let c = self.escaped_char(start)?;
                self.literal(c);
                Ok(())
            }
        }
    }

    /// The character of a simple escape (`\n`, `\x41`, `\012`, `\.`…);
    /// the cursor is just after the backslash.
    fn escaped_char(&mut self, start: usize) -> Result<char, String> {
        let invalid = |s: &Self| {
            let end = s.pos.min(s.src.len());
            Err(format!(
                "invalid escape sequence: `{}`",
                snippet(&s.src[start..end])
            ))
        };
        let Some(c) = self.bump() else {
            return Err("trailing backslash at end of expression".into());
        };
        let octal = |c: char| ('0'..='7').contains(&c);
        match c {
            '1'..='7' if !self.peek().is_some_and(octal) => invalid(self),
            '0'..='7' => {
                let mut v = c as u32 - '0' as u32;
                for _ in 0..2 {
                    match self.peek().filter(|c| octal(*c)) {
                        Some(d) => {
                            self.bump();
                            v = v * 8 + (d as u32 - '0' as u32);
                        }
                        None => break,
                    }
                }
                Ok(char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER))
            }
            'x' => {
                let digits = if self.peek() == Some('{') {
                    self.bump();
                    let rest = self.rest();
                    let Some(end) = rest.find('}') else {
                        return invalid(self);
                    };
                    self.pos += end + 1;
                    &rest[..end]
                } else {
                    let rest = self.rest();
                    let two = rest.get(..2).unwrap_or("");
                    self.pos += two.len();
                    if two.len() != 2 {
                        return invalid(self);
                    }
                    two
                };
                let ok = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit());
                match u32::from_str_radix(digits, 16) {
                    Ok(v) if ok && v <= 0x10FFFF => {
                        Ok(char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER))
                    }
                    _ => invalid(self),
                }
            }
            'a' => Ok('\x07'),
            'f' => Ok('\x0C'),
            'n' => Ok('\n'),
            'r' => Ok('\r'),
            't' => Ok('\t'),
            'v' => Ok('\x0B'),
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok(c),
            _ => invalid(self),
        }
    }

    /// `\pL`, `\p{Greek}`, `\P{^Lu}`: only Go's category and script names.
    fn unicode_class(&mut self, start: usize) -> Step {
        let sign = self.bump().unwrap_or('p');
        let name: &str = match self.bump() {
            None => return Err("invalid character class range: `\\p`".into()),
            Some('{') => {
                let rest = self.rest();
                let Some(end) = rest.find('}') else {
                    return Err(format!(
                        "invalid character class range: `{}`",
                        snippet(&self.src[start..])
                    ));
                };
                self.pos += end + 1;
                &rest[..end]
            }
            Some(c) => &self.src[self.pos - c.len_utf8()..self.pos],
        };
        let (bare, flipped) = match name.strip_prefix('^') {
            Some(b) => (b, true),
            None => (name, false),
        };
        if !known_unicode_name(bare) {
            return Err(format!(
                "invalid character class range: `{}`",
                &self.src[start..self.pos]
            ));
        }
        self.out.push('\\');
        self.out
            .push(if (sign == 'P') != flipped { 'P' } else { 'p' });
        self.out.push('{');
        self.out.push_str(bare);
        self.out.push('}');
        Ok(())
    }

    /// A bracket class in Go's syntax (no nesting, no set operators: `[`,
    /// `&&`, `--` and `~~` are literal), re-emitted with every character
    /// written as `\x{…}` so Rust reads it the same way.
    fn class(&mut self) -> Step {
        let start = self.pos;
        self.bump();
        self.out.push('[');
        if self.peek() == Some('^') {
            self.bump();
            self.out.push('^');
        }
        let missing = |s: &Self| Err(format!("missing closing ]: `{}`", snippet(&s.src[start..])));
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return missing(self);
            };
            if c == ']' && !first {
                self.bump();
                self.out.push(']');
                return Ok(());
            }
            first = false;
            let rest = self.rest();
            if let Some(after) = rest.strip_prefix("[:")
                && let Some(end) = after.find(":]")
            {
                let name = &after[..end];
                if !POSIX.contains(&name.strip_prefix('^').unwrap_or(name)) {
                    return Err(format!("invalid character class range: `[:{name}:]`"));
                }
                self.pos += end + 4;
                self.out.push_str(&rest[..end + 4]);
                continue;
            }
            if rest.starts_with("\\p") || rest.starts_with("\\P") {
                let at = self.pos;
                self.bump();
                self.unicode_class(at)?;
                continue;
            }
            if let Some(p) = rest
                .strip_prefix('\\')
                .and_then(|r| r.chars().next())
                .filter(|c| "dDsSwW".contains(*c))
            {
                self.pos += 2;
                self.out.push('\\');
                self.out.push(p);
                continue;
            }
            let range_start = self.pos;
            let lo = self.class_char(start)?;
            let mut hi = lo;
            let rest = self.rest();
            if rest.starts_with('-') && rest.len() >= 2 && !rest[1..].starts_with(']') {
                self.bump();
                hi = self.class_char(start)?;
                if hi < lo {
                    return Err(format!(
                        "invalid character class range: `{}`",
                        &self.src[range_start..self.pos]
                    ));
                }
            }
            self.out.push_str(&format!("\\x{{{:X}}}", lo as u32));
            if hi != lo {
                self.out.push_str(&format!("-\\x{{{:X}}}", hi as u32));
            }
        }
    }

    fn class_char(&mut self, class_start: usize) -> Result<char, String> {
        match self.peek() {
            None => Err(format!(
                "missing closing ]: `{}`",
                snippet(&self.src[class_start..])
            )),
            Some('\\') => {
                let at = self.pos;
                self.bump();
                self.escaped_char(at)
            }
            Some(c) => {
                self.bump();
                Ok(c)
            }
        }
    }
}

/// Go's `{n}`, `{n,}`, `{n,m}` (no spaces, no leading zeros, no `{,m}`):
/// `(min, max, length)`, or `None` when `{` is a literal.
fn parse_repeat(s: &str) -> Option<(u32, Option<u32>, usize)> {
    let body = s.strip_prefix('{')?;
    let end = body.find('}')?;
    let inner = &body[..end];
    let number = |t: &str| -> Option<u32> {
        let digits_ok = !t.is_empty()
            && t.chars().all(|c| c.is_ascii_digit())
            && !(t.len() > 1 && t.starts_with('0'));
        // Too many digits still counts as a repetition (an invalid count).
        digits_ok.then(|| t.parse().unwrap_or(u32::MAX))
    };
    let (min, max) = match inner.split_once(',') {
        None => {
            let n = number(inner)?;
            (n, Some(n))
        }
        Some((lo, "")) => (number(lo)?, None),
        Some((lo, hi)) => (number(lo)?, Some(number(hi)?)),
    };
    Some((min, max, end + 2))
}

/// Whether Go knows a `\p{…}` name: a general category, `Any`, or a script
/// (checked against `regex-syntax`'s script table, with Go's exact casing).
fn known_unicode_name(name: &str) -> bool {
    if CATEGORIES.contains(&name) {
        return true;
    }
    let shaped = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    shaped
        && regex_syntax::ParserBuilder::new()
            .build()
            .parse(&format!("\\p{{sc={name}}}"))
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::error;

    /// Patterns Go's `regexp.Compile` accepts.
    const VALID: &[&str] = &[
        "",
        r"(?i)precedence",
        r"O\([0-9a-zA-Z ^]+\)",
        r"x{",
        r"{foo}",
        r"a{,5}",
        r"a{ 2 }",
        r"a{01}",
        r#"\{"answer": ?"\d+"\}"#,
        r#"{"answer":"#,
        r"\Q.*+\E+",
        r"\Qunterminated.*",
        r"\0",
        r"\012",
        r"\12",
        r"\x41\x{1F600}",
        r"\<a\>",
        r"\b{start}",
        r"[:alpha:]",
        r"[[:alpha:][:^digit:]]",
        r"[[]",
        r"[a[]",
        r"[]a]",
        r"[^]a]",
        r"[a&&b]",
        r"[\d-z]",
        r"[a-]",
        r"\_\ \%\@\<",
        r"\pL\p{Greek}\P{^Lu}\p{Any}\p{Old_Italic}",
        r"(?P<first>a)(?<second>b)(?P<1st>c)",
        r"(?)a",
        r"(?s-i:a)",
        r"(?U)a+",
        r"a*?",
        r"a{2}?",
        r"^*",
        r"a}]",
        r"a{1000}",
        r"(a{10}){100}",
        r"(a{0}){1000}",
        r"(?i)\bignore (all|any) previous instructions\b",
    ];

    /// Patterns Go rejects, with part of the expected message.
    const INVALID: &[(&str, &str)] = &[
        (r"(unclosed", "unclosed group"),
        (r"(?=a)", "Perl syntax"),
        (r"(?<=a)b", "Perl syntax"),
        (r"(?!a)", "Perl syntax"),
        (r"(a)\1", "escape"),
        (r"\8", "escape"),
        (r"a**", "nested repetition"),
        (r"a*+", "nested repetition"),
        (r"a{2}{3}", "nested repetition"),
        (r"a{2}*", "nested repetition"),
        (r"a*??", "nested repetition"),
        (r"a{1001}", "repeat count"),
        (r"a{2,1}", "repeat count"),
        (r"a{99999999999}", "repeat count"),
        (r"(a{100}){100}", "repeat count"),
        (r"((a{10}){10}){11}", "repeat count"),
        (r"\u0041", "escape"),
        (r"\U00000041", "escape"),
        (r"(?x)a b", "Perl syntax"),
        (r"(?u)a", "Perl syntax"),
        (r"(?R)a", "Perl syntax"),
        (r"(?i-)a", "Perl syntax"),
        (r"\Z", "escape"),
        (r"\C", "escape"),
        (r"\e", "escape"),
        ("\\é", "escape"),
        (r"\p{greek}", "class range"),
        (r"\p{Alphabetic}", "class range"),
        (r"\p{sc=Latn}", "class range"),
        (r"\pX", "class range"),
        (r"(?P<a.b>x)", "named capture"),
        (r"(?P<>x)", "named capture"),
        (r"(?P<a>x)(?P<a>y)", "duplicate"),
        (r"[a--b]", "class range"),
        (r"[z-a]", "class range"),
        (r"[[:foo:]]", "class range"),
        (r"[\b]", "escape"),
        (r"[a", "missing closing ]"),
        (r"*a", "missing"),
        (r"\", "trailing backslash"),
    ];

    #[test]
    fn go_accepts() {
        for p in VALID {
            assert_eq!(error(p), None, "{p:?} should be valid RE2");
        }
    }

    #[test]
    fn go_rejects() {
        for (p, needle) in INVALID {
            let e = error(p).unwrap_or_else(|| panic!("{p:?} should be rejected"));
            assert!(
                e.to_lowercase().contains(&needle.to_lowercase()),
                "{p:?}: {e:?} lacks {needle:?}"
            );
        }
    }
}
