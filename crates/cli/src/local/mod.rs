//! `agentclash local up|status|down|logs`: thin wrappers over the
//! `agentclash-localstack` supervisor. Tables and JSON go to stdout,
//! progress to stderr.

mod logs;

use std::process::ExitCode;

use agentclash_localstack::{Component, ComponentState, Stack, StackLayout, UpAction};

use crate::args::{LocalArgs, LocalCommand};
use crate::config::UserConfig;
use crate::exit::{self, fail};
use crate::output::print_table;

/// Runs one local command.
pub fn run(args: LocalArgs) -> anyhow::Result<ExitCode> {
    let layout = StackLayout::resolve(args.state_dir.as_deref())?;
    match args.command {
        LocalCommand::Up => up(layout),
        LocalCommand::Status { json } => status(layout, crate::output::structured(json)),
        LocalCommand::Down => down(layout),
        LocalCommand::Logs {
            component,
            lines,
            follow,
        } => logs::show(&Stack::open(layout)?, component, lines, follow),
    }
}

fn progress(line: &str) {
    eprintln!("{line}");
}

fn dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "-".to_owned())
}

fn up(layout: StackLayout) -> anyhow::Result<ExitCode> {
    let stack = Stack::configure(layout)?;
    eprintln!("local stack in {}", stack.layout().root().display());
    let outcomes = match stack.up(&Component::ALL, &mut progress) {
        Ok(outcomes) => outcomes,
        Err(e) => {
            let running = stack
                .status()
                .components
                .iter()
                .any(|c| c.state == ComponentState::Running);
            let note = if running {
                "\nnote: the components that did start keep running; `agentclash local down` stops them"
            } else {
                ""
            };
            return Err(fail(exit::ERROR, format!("{e}{note}")));
        }
    };
    let web_runs = outcomes
        .iter()
        .any(|o| o.name == Component::Web && o.action != UpAction::Skipped);
    let rows: Vec<Vec<String>> = outcomes
        .into_iter()
        .map(|o| {
            vec![
                o.name.to_string(),
                o.action.describe().to_owned(),
                dash(o.address),
                dash(o.pid.map(|p| format!("pid {p}"))),
            ]
        })
        .collect();
    print_table(&rows);
    out!("API: {}", stack.api_url());
    connect_cli(&stack)?;
    if let Some(web) = stack.web_url().filter(|_| web_runs) {
        out!("Web: {web}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Makes the CLI work against the stack at once: when the user config has
/// no token for this stack's API (or the stack was never bootstrapped, so a
/// token for its address came from another stack), bootstrap the local
/// admin and workspace and save a fresh token. Prints the web login either
/// way.
fn connect_cli(stack: &Stack) -> anyhow::Result<()> {
    let mut config = UserConfig::load()?;
    let api_url = stack.api_url();
    // A stack that never bootstrapped (no admin password in its state dir)
    // cannot have issued the config's token, even at the same address.
    let bootstrapped = stack.layout().admin_password_file().exists();
    let connected = bootstrapped
        && config.api_url.as_deref() == Some(api_url.as_str())
        && config.token.is_some();
    if !connected {
        let admin = stack.bootstrap_admin()?;
        config = UserConfig {
            api_url: Some(api_url),
            token: Some(admin.token.clone()),
            workspace: Some(admin.workspace_id.clone()),
        };
        let path = config.save()?;
        eprintln!(
            "CLI configured in {} (workspace {})",
            path.display(),
            admin.workspace_id
        );
        out!("web login: {} / {}", admin.email, admin.password);
    } else {
        out!(
            "web login: {} (password in {})",
            agentclash_localstack::LOCAL_ADMIN_EMAIL,
            stack.layout().admin_password_file().display()
        );
    }
    Ok(())
}

fn status(layout: StackLayout, json: bool) -> anyhow::Result<ExitCode> {
    let status = Stack::open(layout)?.status();
    if json {
        crate::output::print_value(&serde_json::to_value(&status)?)?;
    } else {
        let header = ["COMPONENT", "STATE", "PID", "ADDRESS", "HEALTHY"]
            .map(String::from)
            .to_vec();
        let rows = status.components.iter().map(|c| {
            let healthy = match (&c.detail, c.healthy) {
                (_, true) => "yes".to_owned(),
                (Some(why), false) => format!("no: {why}"),
                (None, false) => "no".to_owned(),
            };
            vec![
                c.name.to_string(),
                c.state.name().to_owned(),
                dash(c.pid.map(|p| p.to_string())),
                dash(c.address.clone()),
                healthy,
            ]
        });
        print_table(&std::iter::once(header).chain(rows).collect::<Vec<_>>());
    }
    Ok(if status.managed_healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn down(layout: StackLayout) -> anyhow::Result<ExitCode> {
    let outcomes = Stack::open(layout)?.down(&mut progress)?;
    let rows: Vec<Vec<String>> = outcomes
        .into_iter()
        .map(|o| {
            vec![
                o.name.to_string(),
                o.action.describe().to_owned(),
                o.pid.map(|p| format!("pid {p}")).unwrap_or_default(),
            ]
        })
        .collect();
    print_table(&rows);
    Ok(ExitCode::SUCCESS)
}
