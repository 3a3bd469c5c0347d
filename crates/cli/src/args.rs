//! The command-line grammar (clap derive). Only shapes live here; the
//! behaviour is in the command modules.

use std::path::PathBuf;

use agentclash_localstack::Component;
use clap::{Args, Parser, Subcommand};

/// AgentClash command line.
#[derive(Debug, Parser)]
#[command(
    name = "agentclash",
    version,
    about = "AgentClash: evaluate AI agents head to head"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local stack (Postgres, Temporal, API, worker) in the background.
    Local(LocalArgs),
    /// Create and inspect runs through the API.
    Run(RunArgs),
    /// Check and manage how the CLI authenticates; manage API tokens.
    Auth(AuthArgs),
    /// Organizations you belong to.
    Org(OrgArgs),
    /// Workspaces: list, create, choose the default.
    Workspace(WorkspaceArgs),
    /// Workspace secrets (values are write-only).
    Secret(SecretArgs),
    /// Author and check challenge packs.
    #[command(name = "challenge-pack")]
    ChallengePack(PackArgs),
}

/// `agentclash challenge-pack ...`.
#[derive(Debug, Args)]
pub struct PackArgs {
    /// API options (publish and list).
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which challenge-pack command.
    #[command(subcommand)]
    pub command: PackCommand,
}

/// Starter pack templates for `challenge-pack init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PackTemplate {
    /// The native agent loop with tools in a sandbox.
    Native,
    /// One model call per case, no tools.
    #[value(name = "prompt_eval")]
    PromptEval,
    /// A scripted user simulator drives a conversation.
    #[value(name = "multi_turn")]
    MultiTurn,
}

/// The challenge-pack commands.
#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// Write a documented starter pack that validates.
    Init {
        /// Where to write it.
        file: PathBuf,
        /// Which kind of pack.
        #[arg(long, value_enum, default_value = "native")]
        template: PackTemplate,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check a pack file offline; prints `file:line:col: path: severity:
    /// message` per problem and exits 64 when it is invalid.
    Validate {
        /// The pack's YAML file.
        file: PathBuf,
        /// Treat warnings as errors (for linting new packs in CI).
        #[arg(long)]
        strict: bool,
    },
    /// Publish a pack file to the workspace: identical content returns the
    /// existing version, changed content the next version number.
    Publish {
        /// The pack's YAML file.
        file: PathBuf,
    },
    /// List the workspace's packs.
    List,
}

/// How to reach the API; shared by every command that talks to it.
#[derive(Debug, Args)]
pub struct ApiOpts {
    /// Base URL of the AgentClash API [default: from the user config, else
    /// http://localhost:8080].
    #[arg(long, global = true, env = "AGENTCLASH_API_URL", value_name = "URL")]
    pub api_url: Option<String>,
    /// Workspace id to act in [default: from the user config].
    #[arg(
        short,
        long,
        global = true,
        env = "AGENTCLASH_WORKSPACE",
        value_name = "ID"
    )]
    pub workspace: Option<String>,
    /// Print JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

/// `agentclash auth ...`.
#[derive(Debug, Args)]
pub struct AuthArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which auth command.
    #[command(subcommand)]
    pub command: AuthCommand,
}

/// The auth commands.
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Show who the CLI is authenticated as; exits 77 when it is not.
    Status,
    /// Log in: with --device, approve a code in the browser (or with
    /// `auth device approve` from another logged-in CLI); otherwise save an API
    /// token read from stdin (never from an argument) after checking it.
    Login {
        /// Use the device authorisation flow.
        #[arg(long)]
        device: bool,
    },
    /// Approve or deny a device code shown by another `auth login --device`.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Forget the saved token (and revoke it on the server when possible).
    Logout,
    /// Manage your API tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
}

/// `agentclash auth device ...`.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Let the device in as you.
    Approve {
        /// The code it shows, e.g. ABCD-EFGH.
        user_code: String,
    },
    /// Refuse the device.
    Deny {
        /// The code it shows.
        user_code: String,
    },
}

/// `agentclash auth tokens ...`.
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// List your tokens (never their values).
    List,
    /// Create a token; its value is printed once.
    Create {
        /// What the token is for.
        name: String,
        /// Lifetime in days; no expiry when absent.
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
    /// Revoke a token by id.
    Revoke {
        /// The token's id (from `auth tokens list`).
        id: String,
    },
}

/// `agentclash org ...`.
#[derive(Debug, Args)]
pub struct OrgArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which org command.
    #[command(subcommand)]
    pub command: OrgCommand,
}

/// The org commands.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// List your organizations.
    List,
}

/// `agentclash workspace ...`.
#[derive(Debug, Args)]
pub struct WorkspaceArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which workspace command.
    #[command(subcommand)]
    pub command: WorkspaceCommand,
}

/// The workspace commands.
#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List the workspaces you can reach, with your role.
    List,
    /// Make a workspace the default for later commands.
    Use {
        /// Workspace id or slug.
        workspace: String,
    },
    /// Create a workspace (org admins).
    Create {
        /// URL-safe name, unique in the organization.
        slug: String,
        /// Display name [default: the slug].
        #[arg(long)]
        name: Option<String>,
        /// Organization id [default: your only organization].
        #[arg(long, value_name = "ID")]
        org: Option<String>,
    },
}

/// `agentclash secret ...`.
#[derive(Debug, Args)]
pub struct SecretArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which secret command.
    #[command(subcommand)]
    pub command: SecretCommand,
}

/// The secret commands.
#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// List secret names and when they changed.
    List,
    /// Set a secret. The value is read from stdin (or a prompt without echo),
    /// so it never lands in shell history, unless --value is given explicitly.
    Set {
        /// Secret name, e.g. OPENAI_API_KEY.
        name: String,
        /// The value (visible in shell history and process lists: prefer stdin).
        #[arg(long)]
        value: Option<String>,
    },
    /// Delete a secret.
    Delete {
        /// Secret name.
        name: String,
    },
}

/// `agentclash local ...`.
#[derive(Debug, Args)]
pub struct LocalArgs {
    /// State directory of the stack [env: AGENTCLASH_LOCAL_DIR; default:
    /// $XDG_DATA_HOME/agentclash/local].
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Which local command.
    #[command(subcommand)]
    pub command: LocalCommand,
}

/// The local-stack commands.
#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Start every component that is not running and wait until all are healthy.
    Up,
    /// Show each component's state and health; exits 1 unless every component the stack
    /// runs itself is healthy.
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Stop every component (worker, api, temporal, postgres).
    Down,
    /// Print the end of a component's log (all components when none is given).
    Logs {
        /// postgres, temporal, api or worker.
        component: Option<Component>,
        /// How many lines to print from the end.
        #[arg(short = 'n', long = "lines", default_value_t = 50, value_name = "N")]
        lines: usize,
        /// Keep printing lines as they are written.
        #[arg(short, long)]
        follow: bool,
    },
}

/// `agentclash run ...`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which run command.
    #[command(subcommand)]
    pub command: RunCommand,
}

/// The run commands.
#[derive(Debug, Subcommand)]
pub enum RunCommand {
    /// Create a run.
    Create {
        /// Name of the run.
        #[arg(long)]
        name: Option<String>,
        /// Wait until the run finishes; exit 0 only if it completed.
        #[arg(long)]
        wait: bool,
    },
    /// Show one run.
    Get {
        /// The run's id.
        id: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn state_dir_is_accepted_before_and_after_the_subcommand() {
        for argv in [
            ["agentclash", "local", "--state-dir", "/s", "up"],
            ["agentclash", "local", "up", "--state-dir", "/s"],
        ] {
            let cli = Cli::try_parse_from(argv).expect("parses");
            let Command::Local(local) = cli.command else {
                panic!("local")
            };
            assert_eq!(local.state_dir, Some(PathBuf::from("/s")));
        }
    }

    #[test]
    fn logs_parses_component_and_rejects_unknown_ones() {
        let cli = Cli::try_parse_from(["agentclash", "local", "logs", "api", "-n", "5", "-f"])
            .expect("parses");
        let Command::Local(LocalArgs {
            command:
                LocalCommand::Logs {
                    component,
                    lines,
                    follow,
                },
            ..
        }) = cli.command
        else {
            panic!("logs")
        };
        assert_eq!((component, lines, follow), (Some(Component::Api), 5, true));
        assert!(Cli::try_parse_from(["agentclash", "local", "logs", "redis"]).is_err());
    }
}
