//! Errors of sandbox operations, classified so that callers can tell a retryable
//! infrastructure failure from a mistake in the request.

use std::io;

/// Who is to blame for a [`SandboxError`], which decides whether retrying helps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The request was wrong (bad path, missing file, limit exceeded): retrying
    /// the same request gives the same answer. Report it to the agent.
    Caller,
    /// The sandbox machinery failed (bwrap missing, spawn failure, sandbox gone):
    /// retrying the activity in a fresh sandbox may succeed.
    Infrastructure,
}

/// Everything a sandbox operation can fail with. A command exiting non-zero is
/// not an error: it is an [`crate::ExecOutput`].
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The path resolves (lexically or through a symlink) outside `/workspace` and `/tmp`.
    #[error("path {path:?} is outside the sandbox")]
    PathOutsideSandbox {
        /// The path as the caller gave it.
        path: String,
    },
    /// The path cannot be used at all (NUL byte, empty where a file is needed).
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The path as the caller gave it.
        path: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// Nothing exists at the path.
    #[error("no such file or directory: {path}")]
    NotFound {
        /// The sandbox path.
        path: String,
    },
    /// The path names something that is not a regular file (directory, fifo, ...)
    /// where a file is needed, or a file where a directory is needed.
    #[error("{path} is not a {expected}")]
    WrongFileType {
        /// The sandbox path.
        path: String,
        /// What was expected there ("regular file" or "directory").
        expected: &'static str,
    },
    /// A file write is larger than the sandbox's per-file limit.
    #[error("{path}: {size} bytes exceed the file size limit of {limit} bytes")]
    FileTooLarge {
        /// The sandbox path.
        path: String,
        /// Size of the attempted write.
        size: u64,
        /// The sandbox's `max_file_size_bytes`.
        limit: u64,
    },
    /// The sandbox's disk quota (`max_workspace_bytes`) is used up.
    #[error("{path}: no space left in the sandbox")]
    NoSpace {
        /// The sandbox path.
        path: String,
    },
    /// The exec request is malformed (empty argv, NUL bytes, bad env name, zero timeout).
    #[error("invalid exec request: {0}")]
    InvalidRequest(String),
    /// The sandbox was destroyed before or during the operation.
    #[error("sandbox {id} has been destroyed")]
    Destroyed {
        /// The sandbox id.
        id: String,
    },
    /// The provider cannot work on this host (missing program, not root, ...).
    #[error("sandbox provider unavailable: {0}")]
    Unavailable(String),
    /// An operating-system call of the sandbox machinery failed.
    #[error("sandbox infrastructure failure: {context}: {source}")]
    Infrastructure {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl SandboxError {
    /// Classifies the error: see [`ErrorClass`].
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::PathOutsideSandbox { .. }
            | Self::InvalidPath { .. }
            | Self::NotFound { .. }
            | Self::WrongFileType { .. }
            | Self::FileTooLarge { .. }
            | Self::NoSpace { .. }
            | Self::InvalidRequest(_) => ErrorClass::Caller,
            Self::Destroyed { .. } | Self::Unavailable(_) | Self::Infrastructure { .. } => {
                ErrorClass::Infrastructure
            }
        }
    }

    /// True when retrying (in a fresh sandbox, possibly on another worker) may help.
    pub fn is_retryable(&self) -> bool {
        self.class() == ErrorClass::Infrastructure
    }

    /// Wraps an I/O error of the machinery with what was being done.
    pub(crate) fn infra(context: impl Into<String>, source: io::Error) -> Self {
        Self::Infrastructure {
            context: context.into(),
            source,
        }
    }
}
