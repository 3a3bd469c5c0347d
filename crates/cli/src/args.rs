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
    /// Structured output format: table (default, for people), json (same
    /// as --json) or yaml. Streams (`--follow --json`) stay NDJSON.
    #[arg(
        short = 'o',
        long = "output",
        global = true,
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<crate::output::OutputFormat>,
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
    /// Invite people to a workspace, or accept an invitation.
    Invitation(InvitationArgs),
    /// Author and check challenge packs.
    #[command(name = "challenge-pack")]
    ChallengePack(PackArgs),
    /// Provider accounts: which model vendor, where, and where its credential lives.
    #[command(name = "provider-account")]
    ProviderAccount(ProviderAccountArgs),
    /// Runtime profiles: the execution envelope (limits, timeouts, sandbox overrides).
    #[command(name = "runtime-profile")]
    RuntimeProfile(RuntimeProfileArgs),
    /// Agent builds and their versions (the agent's policy).
    Build(BuildArgs),
    /// Deployments: a build version + runtime profile + provider account + model.
    Deployment(DeploymentArgs),
    /// Show the settings the CLI would use and where each comes from.
    Config(ConfigArgs),
    /// Evaluate deployments head to head and see who won and why.
    Eval(crate::eval::EvalArgs),
    /// A lane's step-by-step replay.
    Replay(crate::replay::ReplayArgs),
    /// Check the API, login, workspace, packs and deployments; say what to do next.
    Doctor(crate::doctor::DoctorArgs),
    /// Print a shell completion script.
    Completion(crate::completion::CompletionArgs),
    /// Compare a candidate lane with a baseline lane; gate releases on it.
    Compare(crate::compare::CompareArgs),
    /// Named workspace baselines that candidates are compared with.
    Baseline(crate::baseline::BaselineArgs),
    /// Gate a deployment in CI from `.agentclash/ci.yaml`.
    Ci(crate::ci::CiArgs),
}

/// `--limit` and `--cursor` of a paginated list.
#[derive(Debug, Clone, Args)]
pub struct PageOpts {
    /// Page size, 1 to 100 [default: the server's, 20].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: Option<u32>,
    /// Continue after this cursor (printed at the end of the previous page).
    #[arg(long, value_name = "CURSOR")]
    pub cursor: Option<String>,
}

/// `list`, `get ID_OR_NAME` and `archive ID_OR_NAME`: shared by every
/// workspace resource.
#[derive(Debug, Subcommand)]
pub enum CommonCommand {
    /// List them, newest first.
    List(PageOpts),
    /// Show one, by id or name.
    Get {
        /// Its id or name.
        reference: String,
    },
    /// Archive one, by id or name: it stays readable but cannot be used for
    /// anything new. Idempotent.
    Archive {
        /// Its id or name.
        reference: String,
    },
}

/// Provider kinds (`provider-account create --provider`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderKind {
    /// OpenAI and compatible servers (with --base-url).
    Openai,
    /// Anthropic.
    Anthropic,
    /// Google Gemini.
    Gemini,
    /// Deterministic answers from the deployment's options: no network, no key.
    Scripted,
}

impl ProviderKind {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
            Self::Scripted => "scripted",
        }
    }
}

/// `agentclash provider-account ...`.
#[derive(Debug, Args)]
pub struct ProviderAccountArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which provider-account command.
    #[command(subcommand)]
    pub command: ProviderAccountCommand,
}

/// The provider-account commands.
#[derive(Debug, Subcommand)]
pub enum ProviderAccountCommand {
    /// Create a provider account (workspace admins).
    Create {
        /// Name, unique in the workspace.
        name: String,
        /// Which API it speaks.
        #[arg(long, value_enum)]
        provider: ProviderKind,
        /// Endpoint override, e.g. an OpenAI-compatible server.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Where the API key comes from: `workspace-secret://NAME` or
        /// `env://VAR` (required except for scripted accounts).
        #[arg(long, value_name = "REF", value_parser = parse_credential_ref)]
        credential_ref: Option<String>,
        /// Model calls in flight at once.
        #[arg(long, value_name = "N", value_parser = positive)]
        max_concurrency: Option<u32>,
        /// Requests per minute.
        #[arg(long, value_name = "N", value_parser = positive)]
        requests_per_minute: Option<u32>,
        /// Tokens per minute.
        #[arg(long, value_name = "N", value_parser = positive)]
        tokens_per_minute: Option<u32>,
    },
    /// The shared commands.
    #[command(flatten)]
    Common(CommonCommand),
}

/// `agentclash runtime-profile ...`.
#[derive(Debug, Args)]
pub struct RuntimeProfileArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which runtime-profile command.
    #[command(subcommand)]
    pub command: RuntimeProfileCommand,
}

/// The runtime-profile commands.
#[derive(Debug, Subcommand)]
pub enum RuntimeProfileCommand {
    /// Create a runtime profile; unset limits take the server's defaults.
    Create {
        /// Name, unique in the workspace.
        name: String,
        /// Model calls per case [server default: 30].
        #[arg(long, value_name = "N", value_parser = positive)]
        max_iterations: Option<u32>,
        /// Tool calls per case, not counting `submit` [server default: 100].
        #[arg(long, value_name = "N")]
        max_tool_calls: Option<u32>,
        /// Longest model or tool call, in ms [server default: 120000].
        #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
        step_timeout_ms: Option<u64>,
        /// Longest case, in ms [server default: 600000].
        #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
        run_timeout_ms: Option<u64>,
        /// Cases of a lane in flight at once, 1 to 64 [server default: 4].
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
        max_parallel_cases: Option<u32>,
        /// Override the pack's `allow_shell` (true or false).
        #[arg(long, value_name = "BOOL")]
        allow_shell: Option<bool>,
        /// Override the pack's `allow_network` (true or false).
        #[arg(long, value_name = "BOOL")]
        allow_network: Option<bool>,
    },
    /// The shared commands.
    #[command(flatten)]
    Common(CommonCommand),
}

/// `agentclash build ...`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which build command.
    #[command(subcommand)]
    pub command: BuildCommand,
}

/// The build commands.
#[derive(Debug, Subcommand)]
pub enum BuildCommand {
    /// Create an agent build (it has no version until `build version create`).
    Create {
        /// Name, unique in the workspace.
        name: String,
        /// Free text.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Versions of a build: draft → ready → archived.
    #[command(subcommand)]
    Version(VersionCommand),
    /// The shared commands.
    #[command(flatten)]
    Common(CommonCommand),
}

/// The agent's policy, from a file and/or flags (flags win).
#[derive(Debug, Clone, Args)]
pub struct PolicyOpts {
    /// YAML or JSON file with `role`, `system_prompt`, `instructions`,
    /// `tool_overrides: {allowed, denied}` and `output_schema`.
    #[arg(long, value_name = "FILE")]
    pub policy_file: Option<PathBuf>,
    /// The role line (overrides the file's).
    #[arg(long)]
    pub role: Option<String>,
    /// The system prompt (overrides the file's).
    #[arg(long)]
    pub system_prompt: Option<String>,
    /// Extra instructions (override the file's).
    #[arg(long)]
    pub instructions: Option<String>,
}

/// `agentclash build version ...`. A VERSION is a version id or `BUILD@N`
/// (BUILD being the build's id or name).
#[derive(Debug, Subcommand)]
pub enum VersionCommand {
    /// Add the next version of a build, as a draft.
    Create {
        /// The build's id or name.
        build: String,
        /// The policy.
        #[command(flatten)]
        policy: PolicyOpts,
    },
    /// Replace a draft's policy.
    Update {
        /// Version id or BUILD@N.
        version: String,
        /// The policy.
        #[command(flatten)]
        policy: PolicyOpts,
    },
    /// Show a version with its policy.
    Get {
        /// Version id or BUILD@N.
        version: String,
    },
    /// Freeze a draft so deployments can use it.
    Ready {
        /// Version id or BUILD@N.
        version: String,
    },
    /// Retire a version: new deployments refuse it, existing runs keep it.
    Archive {
        /// Version id or BUILD@N.
        version: String,
    },
}

/// `agentclash deployment ...`.
#[derive(Debug, Args)]
pub struct DeploymentArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which deployment command.
    #[command(subcommand)]
    pub command: DeploymentCommand,
}

/// The deployment commands.
#[derive(Debug, Subcommand)]
pub enum DeploymentCommand {
    /// Create a deployment. References take an id or a name (BUILD@N for
    /// the build version).
    Create {
        /// Name, unique in the workspace.
        name: String,
        /// A ready build version: its id or BUILD@N.
        #[arg(long, value_name = "VERSION")]
        build_version: String,
        /// The runtime profile's id or name.
        #[arg(long, value_name = "PROFILE")]
        runtime_profile: String,
        /// The provider account's id or name.
        #[arg(long, value_name = "ACCOUNT")]
        provider_account: String,
        /// Model id sent to the provider.
        #[arg(long)]
        model: String,
        /// YAML or JSON mapping of provider options (temperature,
        /// max_output_tokens; `responses`/`rules`/`default` for scripted accounts).
        #[arg(long, value_name = "FILE")]
        options_file: Option<PathBuf>,
    },
    /// The shared commands.
    #[command(flatten)]
    Common(CommonCommand),
}

/// `agentclash config ...`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which config command.
    #[command(subcommand)]
    pub command: ConfigCommand,
}

/// The config commands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the API URL, workspace and token in use (never the token's
    /// value) and where each comes from.
    Show,
}

/// Checks a `--credential-ref` value's shape.
fn parse_credential_ref(raw: &str) -> Result<String, String> {
    let name = raw
        .strip_prefix("workspace-secret://")
        .or_else(|| raw.strip_prefix("env://"))
        .ok_or("expected `workspace-secret://NAME` or `env://VAR`")?;
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "`{name}` is not a valid name (letters, digits and `_`, not starting with a digit)"
        ));
    }
    Ok(raw.to_owned())
}

/// A whole number of at least 1.
fn positive(raw: &str) -> Result<u32, String> {
    match raw.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a whole number of at least 1".to_owned()),
    }
}

/// `SLUG` or `SLUG@VERSION` (`--pack`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackRef {
    /// The pack's slug.
    pub slug: String,
    /// A version number; the latest when absent.
    pub version: Option<u32>,
}

/// Parses `--pack SLUG[@N]` (`@latest` is the same as no version).
pub fn parse_pack_ref(raw: &str) -> Result<PackRef, String> {
    let (slug, version) = match raw.split_once('@') {
        None => (raw, None),
        Some((slug, "latest")) => (slug, None),
        Some((slug, n)) => match n.parse::<u32>() {
            Ok(v) if v > 0 => (slug, Some(v)),
            _ => {
                return Err(format!(
                    "`{n}` is not a version number (expected SLUG or SLUG@N)"
                ));
            }
        },
    };
    if slug.is_empty() {
        return Err("expected SLUG or SLUG@N".to_owned());
    }
    Ok(PackRef {
        slug: slug.to_owned(),
        version,
    })
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
    List(PageOpts),
}

/// How to reach the API; shared by every command that talks to it.
/// Precedence: flag > environment variable > `.agentclash.yaml` (found in the
/// current directory or a parent, up to the repository root) > user config >
/// default.
#[derive(Debug, Args)]
pub struct ApiOpts {
    /// Base URL of the AgentClash API [env: AGENTCLASH_API_URL; then
    /// `api_url` of .agentclash.yaml or the user config; default:
    /// http://localhost:8080].
    #[arg(long, global = true, value_name = "URL")]
    pub api_url: Option<String>,
    /// Workspace id to act in [env: AGENTCLASH_WORKSPACE; then `workspace`
    /// of .agentclash.yaml or the user config].
    #[arg(short, long, global = true, value_name = "ID")]
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
    /// List your tokens (never their values), newest first.
    List(PageOpts),
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
    List(PageOpts),
    /// Members of an organization (org admins manage them).
    Members {
        /// Organization id [default: your only organization].
        #[arg(long, value_name = "ID")]
        org: Option<String>,
        /// Which members command.
        #[command(subcommand)]
        command: MembersCommand<OrgRoleArg>,
    },
}

/// `members list|set-role|remove`, for workspaces (`R` = [`WorkspaceRoleArg`])
/// and organizations (`R` = [`OrgRoleArg`]). USER is a user id or an email.
#[derive(Debug, Subcommand)]
pub enum MembersCommand<R: clap::ValueEnum + Clone + Send + Sync + 'static> {
    /// List members by email.
    List(PageOpts),
    /// Change a member's role (admins).
    SetRole {
        /// The member's user id or email.
        user: String,
        /// The new role.
        #[arg(value_enum)]
        role: R,
    },
    /// Remove a member (admins). Their access ends at once; the last admin
    /// cannot be removed.
    Remove {
        /// The member's user id or email.
        user: String,
    },
}

/// A workspace role on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WorkspaceRoleArg {
    /// Reads everything in the workspace.
    #[value(alias = "workspace_viewer")]
    Viewer,
    /// Also runs evals, publishes packs, manages deployments.
    #[value(alias = "workspace_member")]
    Member,
    /// Also manages provider accounts, secrets and members.
    #[value(alias = "workspace_admin")]
    Admin,
}

/// An organization role on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrgRoleArg {
    /// Sees the organization.
    #[value(alias = "org_member")]
    Member,
    /// Administers the organization and all its workspaces.
    #[value(alias = "org_admin")]
    Admin,
}

/// The API's spelling of a role given on the command line.
pub trait ApiRole {
    /// E.g. `workspace_admin`.
    fn api_name(&self) -> &'static str;
}

impl ApiRole for WorkspaceRoleArg {
    fn api_name(&self) -> &'static str {
        match self {
            Self::Viewer => "workspace_viewer",
            Self::Member => "workspace_member",
            Self::Admin => "workspace_admin",
        }
    }
}

impl ApiRole for OrgRoleArg {
    fn api_name(&self) -> &'static str {
        match self {
            Self::Member => "org_member",
            Self::Admin => "org_admin",
        }
    }
}

/// `agentclash invitation ...`.
#[derive(Debug, Args)]
pub struct InvitationArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which invitation command.
    #[command(subcommand)]
    pub command: InvitationCommand,
}

/// The invitation commands.
#[derive(Debug, Subcommand)]
pub enum InvitationCommand {
    /// Invite an email to the workspace (admins); prints the token once.
    /// The invitation expires after 7 days; inviting again replaces it.
    Create {
        /// Who may accept it (they must sign in, or sign up, with this email).
        email: String,
        /// The role it grants.
        #[arg(long, value_enum, default_value = "member")]
        role: WorkspaceRoleArg,
    },
    /// List the workspace's pending invitations (admins).
    List(PageOpts),
    /// Revoke a pending invitation by id (admins).
    Revoke {
        /// The invitation's id (from `invitation list`).
        id: String,
    },
    /// Accept an invitation as the logged-in user. The token is read from
    /// stdin (or a prompt) unless --token is given.
    Accept {
        /// The token (visible in shell history and process lists: prefer stdin).
        #[arg(long)]
        token: Option<String>,
    },
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
    List(PageOpts),
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
    /// Members of the workspace (admins manage them).
    #[command(subcommand)]
    Members(MembersCommand<WorkspaceRoleArg>),
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
    /// List secret names and when they changed, by name.
    List(PageOpts),
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
    /// Start a run: one lane per deployment, every lane on the same cases.
    Create {
        /// The challenge pack: SLUG (its latest version) or SLUG@VERSION.
        #[arg(long, value_name = "SLUG[@VERSION]", value_parser = parse_pack_ref)]
        pack: PackRef,
        /// Input set key [default: the pack version's first].
        #[arg(long, value_name = "KEY")]
        input_set: Option<String>,
        /// A deployment (id or name); repeat for more lanes.
        #[arg(long = "deployment", value_name = "ID_OR_NAME", required = true)]
        deployments: Vec<String>,
        /// Only this case (repeatable, kept in order) [default: every case].
        #[arg(long = "case", value_name = "KEY")]
        cases: Vec<String>,
        /// Name of the run [default: "<pack> v<version>"].
        #[arg(long)]
        name: Option<String>,
        /// Wait until the run finishes; exit 0 only if it completed.
        #[arg(long)]
        wait: bool,
        /// With --wait: give up after this many seconds.
        #[arg(long, value_name = "SECS", default_value_t = 1800, requires = "wait")]
        timeout: u64,
    },
    /// List runs, newest first.
    List(PageOpts),
    /// Show one run with its lanes.
    Get {
        /// The run's id.
        id: String,
    },
    /// Ask a run to stop; it ends `cancelled`.
    Cancel {
        /// The run's id.
        id: String,
    },
    /// Score a finished run again from its stored evidence with the current
    /// scoring code: judges are asked again, no agent runs.
    Rescore {
        /// The run's id.
        id: String,
        /// Wait for the pass and print the new ranking.
        #[arg(long)]
        wait: bool,
        /// With --wait: give up after this many seconds.
        #[arg(long, value_name = "SECS", default_value_t = 600, requires = "wait")]
        timeout: u64,
    },
    /// Every case of every lane with its latest outcome.
    Cases {
        /// The run's id.
        id: String,
    },
    /// The run's lanes (run agents) with their deployment and status.
    Agents {
        /// The run's id.
        id: String,
    },
    /// The lanes ranked by overall score, the winner and why it won.
    Ranking {
        /// The run's id.
        id: String,
    },
    /// The failed cases with their failure class.
    Failures {
        /// The run's id.
        id: String,
    },
    /// A lane's scorecard: overall and per-dimension scores over its cases.
    Scorecard {
        /// The run's id.
        id: String,
        /// The lane (run agent id, label or lane index) [default: the winner].
        #[arg(long)]
        lane: Option<String>,
    },
    /// The run's events, in lane and sequence order.
    Events {
        /// The run's id.
        id: String,
        /// Only this lane (run agent id, label or lane index).
        #[arg(long, value_name = "LANE")]
        lane: Option<String>,
        /// Only event types starting with this, e.g. `tool.`.
        #[arg(long = "type", value_name = "PREFIX")]
        event_type: Option<String>,
        /// Stream events live until the run ends, resuming after a dropped
        /// connection (JSON: one event per line).
        #[arg(long, conflicts_with = "cursor")]
        follow: bool,
        /// Page size, 1 to 1000 [default: the server's, 100].
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: Option<u32>,
        /// Continue after this cursor.
        #[arg(long, value_name = "CURSOR")]
        cursor: Option<String>,
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
    fn pack_references_take_an_optional_version() {
        let parsed = parse_pack_ref("demo@3").expect("versioned");
        assert_eq!((parsed.slug.as_str(), parsed.version), ("demo", Some(3)));
        assert_eq!(parse_pack_ref("demo").expect("latest").version, None);
        assert_eq!(parse_pack_ref("demo@latest").expect("latest").version, None);
        for bad in ["demo@0", "demo@x", "@2", ""] {
            assert!(parse_pack_ref(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credential_references_are_checked() {
        assert!(parse_credential_ref("workspace-secret://OPENAI_KEY").is_ok());
        assert!(parse_credential_ref("env://_X1").is_ok());
        for bad in ["OPENAI_KEY", "file://x", "env://1X", "env://A-B", "env://"] {
            assert!(parse_credential_ref(bad).is_err(), "{bad}");
        }
        assert!(positive("0").is_err() && positive("-1").is_err());
        assert_eq!(positive("7"), Ok(7));
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
