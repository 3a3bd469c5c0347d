//! Plain data exchanged with sandboxes: how to create one, what to execute, what
//! came back, what a directory listing holds.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

/// Resource limits of one sandbox. They apply to every exec in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxLimits {
    /// Maximum number of processes and threads alive at once in one exec
    /// (contains fork bombs).
    pub max_processes: u64,
    /// Largest file a sandboxed process may write, and largest `write_file`.
    pub max_file_size_bytes: u64,
    /// Largest data segment (heap and private writable mappings) of each process.
    pub max_memory_bytes: u64,
    /// Disk quota of `/workspace` and `/tmp` together; 0 means unbounded (only the
    /// per-file limit applies).
    pub max_workspace_bytes: u64,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            max_processes: 256,
            max_file_size_bytes: 1 << 30,
            max_memory_bytes: 2 << 30,
            max_workspace_bytes: 0,
        }
    }
}

/// What a new sandbox looks like.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SandboxSpec {
    /// Whether processes may use the network (the pack's `network_access`).
    pub network: bool,
    /// Environment variables of every exec (an exec's own variables win).
    pub env: BTreeMap<String, String>,
    /// Resource limits.
    pub limits: SandboxLimits,
    /// Free text naming the sandbox's purpose in logs (e.g. run-agent id and case key).
    pub label: String,
}

/// The program an exec runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Executed directly, without a shell. The first item is the program.
    Argv(Vec<String>),
    /// A shell script, run as `sh -lc <script>`.
    Shell(String),
}

impl Command {
    /// The argv actually executed.
    pub fn to_argv(&self) -> Vec<String> {
        match self {
            Self::Argv(argv) => argv.clone(),
            Self::Shell(script) => vec!["sh".into(), "-lc".into(), script.clone()],
        }
    }
}

/// Default wall-clock limit of an exec.
pub const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(120);
/// Default number of bytes of stdout and of stderr an exec keeps.
pub const DEFAULT_OUTPUT_CAP: usize = 1 << 20;

/// One command to run in a sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRequest {
    /// What to run.
    pub command: Command,
    /// Working directory (a sandbox path); `None` means `/workspace`.
    pub cwd: Option<String>,
    /// Extra environment variables, on top of the sandbox's.
    pub env: BTreeMap<String, String>,
    /// Bytes fed to stdin; `None` gives an empty stdin (`/dev/null`).
    pub stdin: Option<Vec<u8>>,
    /// Wall-clock limit; when it passes, every process of the exec is killed.
    pub timeout: Duration,
    /// Bytes of stdout kept; the rest is read and discarded.
    pub stdout_cap: usize,
    /// Bytes of stderr kept; the rest is read and discarded.
    pub stderr_cap: usize,
}

impl ExecRequest {
    /// A request with defaults for everything but the command.
    pub fn new(command: Command) -> Self {
        Self {
            command,
            cwd: None,
            env: BTreeMap::new(),
            stdin: None,
            timeout: DEFAULT_EXEC_TIMEOUT,
            stdout_cap: DEFAULT_OUTPUT_CAP,
            stderr_cap: DEFAULT_OUTPUT_CAP,
        }
    }

    /// Runs `argv` directly.
    pub fn argv<I, S>(argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Command::Argv(argv.into_iter().map(Into::into).collect()))
    }

    /// Runs `script` with `sh -lc`.
    pub fn shell(script: impl Into<String>) -> Self {
        Self::new(Command::Shell(script.into()))
    }

    /// Sets the working directory.
    pub fn with_cwd(mut self, cwd: impl Into<String>) -> Self {
        self.cwd = Some(cwd.into());
        self
    }

    /// Adds one environment variable.
    pub fn with_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    /// Sets stdin.
    pub fn with_stdin(mut self, stdin: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(stdin.into());
        self
    }

    /// Sets the wall-clock limit.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets both output caps.
    pub fn with_output_caps(mut self, stdout_cap: usize, stderr_cap: usize) -> Self {
        self.stdout_cap = stdout_cap;
        self.stderr_cap = stderr_cap;
        self
    }
}

/// What an exec produced. A non-zero exit status is a normal result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Exit status when the command exited. With the `local` provider a command
    /// killed by signal N inside the sandbox reports `128 + N`, as a shell does.
    pub exit_code: Option<i32>,
    /// Signal that ended the exec when the sandbox itself was killed (timeout).
    pub signal: Option<i32>,
    /// The first `stdout_cap` bytes of stdout.
    pub stdout: Vec<u8>,
    /// The first `stderr_cap` bytes of stderr.
    pub stderr: Vec<u8>,
    /// Whether stdout had more bytes than were kept.
    pub stdout_truncated: bool,
    /// Whether stderr had more bytes than were kept.
    pub stderr_truncated: bool,
    /// Whether the wall-clock limit killed the exec.
    pub timed_out: bool,
    /// Wall-clock time of the exec.
    pub duration: Duration,
}

impl ExecOutput {
    /// Stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.stdout)
    }

    /// Stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.stderr)
    }

    /// True when the command exited with status 0 in time.
    pub fn success(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out
    }
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Absolute sandbox path (e.g. `/workspace/src/main.rs`).
    pub path: String,
    /// Size in bytes (0 for directories; for a symlink, the length of its target).
    pub size: u64,
    /// Whether the entry is a directory (symlinks are never followed, so never one).
    pub is_dir: bool,
}
