//! `agentclash completion bash|zsh|fish`: prints a shell completion script
//! generated from the command-line grammar itself (`clap_complete`), so it
//! never drifts from the commands.

use std::process::ExitCode;

use clap::{Args, CommandFactory as _, ValueEnum};
use clap_complete::Shell;

/// `agentclash completion SHELL`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: ShellArg,
}

/// The shells a script can be generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    /// Bash: `source <(agentclash completion bash)`.
    Bash,
    /// Zsh: `agentclash completion zsh > "${fpath[1]}/_agentclash"`.
    Zsh,
    /// Fish: `agentclash completion fish > ~/.config/fish/completions/agentclash.fish`.
    Fish,
}

/// Writes the script to stdout.
pub fn run(args: CompletionArgs) -> anyhow::Result<ExitCode> {
    let shell = match args.shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
    };
    let mut command = crate::args::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "agentclash", &mut script);
    out!("{}", String::from_utf8_lossy(&script).trim_end());
    Ok(ExitCode::SUCCESS)
}
