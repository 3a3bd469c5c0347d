//! `agentclash`: the command line. Parses arguments, runs one command and
//! turns its outcome into an exit code; the commands live in modules.

/// `println!` for command output that ends the process quietly (exit 0)
/// when stdout is closed early, e.g. `agentclash run events … | head`.
macro_rules! out {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

mod account;
mod agents;
mod api;
mod args;
mod baseline;
mod build;
mod choose;
mod ci;
mod compare;
mod completion;
mod config;
mod config_show;
mod docfile;
mod doctor;
mod eval;
mod events;
mod exit;
mod follow;
mod local;
mod members;
mod output;
mod pack;
mod project;
mod replay;
mod rescore;
mod resources;
mod run;
mod scores;
mod secret;
mod sse;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    output::set_format(cli.output);
    let outcome = match cli.command {
        args::Command::Local(local) => local::run(local),
        args::Command::Run(run) => run::run(run),
        args::Command::Auth(auth) => account::auth(auth),
        args::Command::Org(org) => account::org(org),
        args::Command::Workspace(ws) => account::workspace(ws),
        args::Command::Secret(secret) => secret::run(secret),
        args::Command::Invitation(invitation) => members::invitation(invitation),
        args::Command::ChallengePack(pack) => pack::run(pack),
        args::Command::ProviderAccount(a) => agents::provider_account(a),
        args::Command::RuntimeProfile(a) => agents::runtime_profile(a),
        args::Command::Build(a) => build::run(a),
        args::Command::Deployment(a) => agents::deployment(a),
        args::Command::Config(a) => config_show::run(a),
        args::Command::Eval(a) => eval::run(a),
        args::Command::Replay(a) => replay::run(a),
        args::Command::Doctor(a) => doctor::run(a),
        args::Command::Completion(a) => completion::run(a),
        args::Command::Compare(a) => compare::run(a),
        args::Command::Baseline(a) => baseline::run(a),
        args::Command::Ci(a) => ci::run(a),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("agentclash: {err:#}");
            ExitCode::from(exit::code_of(&err))
        }
    }
}
