//! Picking among the workspace's packs, input sets or deployments when the
//! command line did not say: the only choice is taken at once; several are
//! offered as a numbered menu on stderr only when a person is at a terminal
//! (stdin and stderr are TTYs and `--non-interactive` was not given);
//! otherwise the command stops with a usage error naming the flag and the
//! choices, so scripts never hang on a prompt.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use crate::exit::{self, fail};

/// Whether prompts may be shown.
pub fn interactive(non_interactive: bool) -> bool {
    !non_interactive && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// The index of the one choice to use among `labels`.
pub fn one(what: &str, flag: &str, labels: &[String], interactive: bool) -> anyhow::Result<usize> {
    match labels {
        [] => Err(none_found(what)),
        [_] => Ok(0),
        _ if interactive => loop {
            let answer = ask(what, labels, "number")?;
            match parse_selection(&answer, labels.len()).as_deref() {
                Some([one]) => return Ok(*one),
                _ => eprintln!("expected one number between 1 and {}", labels.len()),
            }
        },
        _ => Err(several(what, flag, labels)),
    }
}

/// The indices of the choices to use among `labels` (all of them when the
/// person just presses Enter).
pub fn many(
    what: &str,
    flag: &str,
    labels: &[String],
    interactive: bool,
) -> anyhow::Result<Vec<usize>> {
    match labels {
        [] => Err(none_found(what)),
        [_] => Ok(vec![0]),
        _ if interactive => loop {
            let answer = ask(
                what,
                labels,
                "numbers separated by spaces or commas, Enter for all",
            )?;
            if answer.trim().is_empty() {
                return Ok((0..labels.len()).collect());
            }
            match parse_selection(&answer, labels.len()) {
                Some(picked) => return Ok(picked),
                None => eprintln!("expected numbers between 1 and {}", labels.len()),
            }
        },
        _ => Err(several(what, flag, labels)),
    }
}

fn none_found(what: &str) -> anyhow::Error {
    fail(
        exit::NOT_FOUND,
        format!("this workspace has no {what} (run `agentclash doctor` for what to do)"),
    )
}

fn several(what: &str, flag: &str, labels: &[String]) -> anyhow::Error {
    fail(
        exit::USAGE,
        format!(
            "this workspace has several {what}s: choose with {flag} ({})",
            labels.join(", ")
        ),
    )
}

/// Shows the menu and reads one line.
fn ask(what: &str, labels: &[String], hint: &str) -> anyhow::Result<String> {
    let mut stderr = std::io::stderr().lock();
    writeln!(stderr, "Which {what}?")?;
    for (i, label) in labels.iter().enumerate() {
        writeln!(stderr, "  {}) {label}", i + 1)?;
    }
    write!(stderr, "{hint}: ")?;
    stderr.flush()?;
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer)? == 0 {
        return Err(fail(exit::USAGE, format!("no {what} chosen")));
    }
    Ok(answer)
}

/// `"1, 3 2"` → `[0, 2, 1]` (1-based, duplicates dropped); `None` when a
/// part is not a number in `1..=count` or nothing was given.
fn parse_selection(answer: &str, count: usize) -> Option<Vec<usize>> {
    let mut picked = Vec::new();
    for part in answer
        .split([',', ' ', '\t', '\n', '\r'])
        .filter(|p| !p.is_empty())
    {
        let n: usize = part.parse().ok()?;
        if !(1..=count).contains(&n) {
            return None;
        }
        if !picked.contains(&(n - 1)) {
            picked.push(n - 1);
        }
    }
    (!picked.is_empty()).then_some(picked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("d{i}")).collect()
    }

    #[test]
    fn selections_are_one_based_ordered_and_checked() {
        assert_eq!(parse_selection("1, 3 2\n", 3), Some(vec![0, 2, 1]));
        assert_eq!(parse_selection("2,2", 3), Some(vec![1]));
        for bad in ["", "0", "4", "x", "1,-1"] {
            assert_eq!(parse_selection(bad, 3), None, "{bad:?}");
        }
    }

    #[test]
    fn one_choice_is_taken_and_several_need_a_flag_without_a_terminal() {
        assert_eq!(one("pack", "--pack", &labels(1), false).expect("only"), 0);
        assert_eq!(
            many("deployment", "--deployment", &labels(1), false).expect("only"),
            [0]
        );
        let err = many("deployment", "--deployment", &labels(2), false).expect_err("several");
        assert_eq!(exit::code_of(&err), exit::USAGE);
        assert_eq!(
            err.to_string(),
            "this workspace has several deployments: choose with --deployment (d0, d1)"
        );
        let err = one("challenge pack", "--pack", &[], false).expect_err("none");
        assert_eq!(exit::code_of(&err), exit::NOT_FOUND);
    }
}
