//! The one error type of the supervisor.

use std::path::PathBuf;
use std::time::Duration;

use crate::component::Component;

/// Everything that can go wrong while supervising the local stack. Messages
/// are written for the person at the terminal: they say what failed, include
/// the underlying cause (so it is not also exposed as `source()`, which
/// would print it twice in error chains) and, where there is one, what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Creating the local admin, workspace and CLI token failed.
    #[error("local bootstrap failed: {0}")]
    Bootstrap(String),
    /// A file-system or process operation failed.
    #[error("{context}: {cause}")]
    Io {
        /// What we were doing.
        context: String,
        /// The underlying failure.
        cause: std::io::Error,
    },
    /// A system call failed.
    #[error("{context}: {cause}")]
    Sys {
        /// What we were doing.
        context: String,
        /// The underlying errno.
        cause: nix::errno::Errno,
    },
    /// A component's port is taken by a process that is not ours.
    #[error("port {port} ({component}) is already in use; {hint}")]
    PortInUse {
        /// The port that is taken.
        port: u16,
        /// The component that wanted it.
        component: Component,
        /// Which variable moves it elsewhere.
        hint: &'static str,
    },
    /// A component was started but never became healthy (or died).
    #[error(
        "{component} did not become ready after {:.1}s: {reason}\nlast lines of {}:\n{log_tail}",
        waited.as_secs_f64(),
        log.display()
    )]
    NotReady {
        /// The component that failed.
        component: Component,
        /// How long we waited.
        waited: Duration,
        /// The last health-check failure, or how the process exited.
        reason: String,
        /// Its log file.
        log: PathBuf,
        /// The last lines of the log, indented.
        log_tail: String,
    },
    /// A program the stack needs is not installed where we look.
    #[error("could not find {what}; {hint}")]
    ToolNotFound {
        /// The program.
        what: &'static str,
        /// How to provide it.
        hint: String,
    },
    /// A helper command (initdb, createdb, ...) failed.
    #[error("{command} failed ({status}): {output}")]
    CommandFailed {
        /// The command, without secrets.
        command: String,
        /// Its exit status.
        status: String,
        /// The tail of what it printed.
        output: String,
    },
    /// An environment variable or flag holds something unusable.
    #[error("{var} has an invalid value; expected {expected}")]
    InvalidSetting {
        /// The variable or flag.
        var: &'static str,
        /// What it should look like.
        expected: &'static str,
    },
    /// `stack.json` exists but cannot be read as settings.
    #[error("{} is not a valid settings file ({cause}); fix or delete it", path.display())]
    Settings {
        /// The file.
        path: PathBuf,
        /// The parse failure.
        cause: serde_json::Error,
    },
    /// The requested settings differ from those the running stack uses.
    #[error(
        "the stack in {} is running with different settings ({changed}); run `agentclash local down` first",
        state_dir.display()
    )]
    SettingsChanged {
        /// The state directory.
        state_dir: PathBuf,
        /// Which settings changed.
        changed: String,
    },
    /// Another `up`/`down` holds the state directory's lock.
    #[error("another agentclash local command is working on {}; try again when it finishes", .0.display())]
    Locked(PathBuf),
    /// No state directory could be derived from the environment.
    #[error("cannot choose a state directory: set AGENTCLASH_LOCAL_DIR, XDG_DATA_HOME or HOME")]
    NoStateDir,
    /// Postgres must run as an unprivileged user and none is available.
    #[error("running as root, but there is no `postgres` system user to run the database as")]
    NoPostgresUser,
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a context message to I/O failures.
pub(crate) trait IoContext<T> {
    /// Wraps the error with a description of what was being done.
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|cause| Error::Io {
            context: what(),
            cause,
        })
    }
}

impl<T> IoContext<T> for nix::Result<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|cause| Error::Sys {
            context: what(),
            cause,
        })
    }
}
