//! The object-safe interface every sandbox provider implements, so the worker can
//! hold `Arc<dyn SandboxProvider>` and `Box<dyn Sandbox>` whatever runs them.

use async_trait::async_trait;

use crate::{ExecOutput, ExecRequest, FileEntry, SandboxError, SandboxSpec};

/// Creates sandboxes and cleans up after crashed workers.
#[async_trait]
pub trait SandboxProvider: Send + Sync {
    /// Short provider name used in configuration and logs (`local`, `e2b`, ...).
    fn name(&self) -> &str;

    /// Creates a fresh, empty sandbox.
    async fn create(&self, spec: SandboxSpec) -> Result<Box<dyn Sandbox>, SandboxError>;

    /// Called at worker start: kills the processes and deletes the storage of
    /// sandboxes whose owning worker process is gone. Returns how many were reaped.
    async fn reap_orphans(&self) -> Result<usize, SandboxError>;
}

/// One isolated environment with a persistent `/workspace` and `/tmp`.
///
/// Paths are sandbox paths: absolute under `/workspace` or `/tmp`, or relative to
/// `/workspace`. Anything resolving elsewhere (through `..` or a symlink) fails with
/// [`SandboxError::PathOutsideSandbox`].
#[async_trait]
pub trait Sandbox: Send + Sync {
    /// Unique id of the sandbox (also its directory name for the `local` provider).
    fn id(&self) -> &str;

    /// Runs one command and waits for it, its timeout, or the sandbox's destruction.
    async fn exec(&self, request: ExecRequest) -> Result<ExecOutput, SandboxError>;

    /// Reads a whole regular file.
    async fn read_file(&self, path: &str) -> Result<Vec<u8>, SandboxError>;

    /// Creates or replaces a regular file, creating missing parent directories.
    async fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError>;

    /// Lists a directory (sorted by path; `""` is `/workspace`). A file path gives
    /// that single entry. Symlinks are listed, never followed.
    async fn list_files(
        &self,
        prefix: &str,
        recursive: bool,
    ) -> Result<Vec<FileEntry>, SandboxError>;

    /// Puts an artifact into the sandbox. Same as [`Sandbox::write_file`] unless a
    /// provider has a faster bulk path.
    async fn upload(&self, dest_path: &str, contents: &[u8]) -> Result<(), SandboxError> {
        self.write_file(dest_path, contents).await
    }

    /// Takes an artifact out of the sandbox. Same as [`Sandbox::read_file`] unless a
    /// provider has a faster bulk path.
    async fn download(&self, path: &str) -> Result<Vec<u8>, SandboxError> {
        self.read_file(path).await
    }

    /// Kills every process and deletes the sandbox's storage. Idempotent; every
    /// later operation fails with [`SandboxError::Destroyed`].
    async fn destroy(&self) -> Result<(), SandboxError>;
}
