//! `agentclash secret list|set|delete`: values are read from stdin or a
//! prompt without echo, so they never land in shell history.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::process::ExitCode;

use serde_json::json;

use crate::account::with_client;
use crate::args::{SecretArgs, SecretCommand};
use crate::exit::{self, fail};
use crate::output::print_page;
use crate::resources::page_query;

/// Runs one secret command.
pub fn run(args: SecretArgs) -> anyhow::Result<ExitCode> {
    // Read the value before connecting, so a prompt is not raced by errors.
    let value = match &args.command {
        SecretCommand::Set { name, value } => Some(match value {
            Some(v) => v.clone(),
            None => read_value(name)?,
        }),
        _ => None,
    };
    with_client(args.api, |client, settings, json| async move {
        let workspace = settings.require_workspace()?.to_owned();
        match args.command {
            SecretCommand::List(page) => {
                let listed = client
                    .get_query(
                        &["v1", "workspaces", &workspace, "secrets"],
                        &page_query(&page),
                    )
                    .await?;
                print_page(&listed, json, &["name", "created_at", "updated_at"])
            }
            SecretCommand::Set { name, .. } => {
                let body = json!({ "value": value.unwrap_or_default() });
                client
                    .put(&["v1", "workspaces", &workspace, "secrets", &name], &body)
                    .await?;
                eprintln!("secret {name} set");
                Ok(ExitCode::SUCCESS)
            }
            SecretCommand::Delete { name } => {
                client
                    .delete(&["v1", "workspaces", &workspace, "secrets", &name])
                    .await?;
                eprintln!("secret {name} deleted");
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// The value from stdin (all of it, one trailing newline removed), or from a
/// prompt with echo off when stdin is a terminal.
fn read_value(name: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let mut value = String::new();
    if stdin.is_terminal() {
        eprint!("value for {name} (input hidden): ");
        std::io::stderr().flush()?;
        let _echo_off = EchoOff::new(&stdin);
        stdin.read_line(&mut value)?;
        eprintln!();
    } else {
        stdin.lock().read_to_string(&mut value)?;
    }
    let value = value
        .strip_suffix('\n')
        .map(|v| v.strip_suffix('\r').unwrap_or(v))
        .unwrap_or(&value)
        .to_owned();
    if value.is_empty() {
        return Err(fail(exit::USAGE, "empty secret value"));
    }
    Ok(value)
}

/// Turns terminal echo off until dropped.
struct EchoOff {
    saved: Option<nix::sys::termios::Termios>,
}

impl EchoOff {
    fn new(stdin: &std::io::Stdin) -> Self {
        use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
        let saved = tcgetattr(stdin).ok();
        if let Some(original) = &saved {
            let mut quiet = original.clone();
            quiet.local_flags.remove(LocalFlags::ECHO);
            let _ = tcsetattr(stdin, SetArg::TCSANOW, &quiet);
        }
        Self { saved }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(original) = &self.saved {
            let _ = nix::sys::termios::tcsetattr(
                std::io::stdin(),
                nix::sys::termios::SetArg::TCSANOW,
                original,
            );
        }
    }
}
