//! Sandboxes in which AgentClash runs agents' tool calls (exec, file reads and
//! writes), behind one object-safe interface ([`SandboxProvider`], [`Sandbox`]), with
//! the `local` bubblewrap provider ([`BwrapProvider`]) and a [`conformance`] suite
//! every provider must pass. This crate knows nothing of packs, agents, runs, the
//! database or Temporal.
//!
//! # The `local` provider
//!
//! Each sandbox is a host directory `<root>/<id>/` holding `workspace/` and `tmp/`
//! (bound at `/workspace` and `/tmp`), a generated `etc/passwd` and `etc/group`, and
//! the owner marker `owner.json` (worker pid and start time, sandbox uid). Every
//! exec is a fresh `bwrap` invocation over the same directories, so files persist
//! between execs while processes never do.
//!
//! Choices, checked empirically on Debian 12 with bubblewrap 0.8.0, the worker
//! running as root and no usable cgroups:
//!
//! - **Namespaces**: own mount, pid, ipc, uts (hostname `sandbox`) and cgroup
//!   namespaces; own network namespace (loopback only) unless the spec allows
//!   network, in which case the host's network is shared. `--die-with-parent` and
//!   `--new-session` (no access to the worker's terminal).
//! - **Filesystem**: a fresh root with read-only binds of `/usr` and the merged-usr
//!   symlinks (`/bin`, `/lib`, ... recreated as symlinks, or bound when they are
//!   directories), an allow-list of `/etc` entries (name resolution, `ld.so`,
//!   `alternatives`, certificates, time zone, a few runtimes' configuration;
//!   `resolv.conf` only with network), `--proc`, `--dev`, a 64 MiB `/dev/shm`. Home
//!   directories, the host `/tmp`, `/var`, `/root`, `/work` and the provider root
//!   are never bound; only `/workspace` and `/tmp` are writable.
//! - **Identity**: bwrap runs as root without a user namespace (so it can bind
//!   anything), and the command is started through `setpriv`, which switches to a
//!   uid/gid private to the sandbox (random in 2 000 000 000..2 100 000 000), clears
//!   supplementary groups, empties every capability set and sets `no_new_privs`
//!   (setuid binaries stay powerless). A private uid is what makes RLIMIT_NPROC
//!   work: it counts the processes of a real uid and is not enforced for root.
//!   The worker (root) keeps full access to the files; files it writes are
//!   chowned to the sandbox uid so sandboxed code can change them.
//! - **Limits**: `prlimit` sets RLIMIT_NPROC (`max_processes`, contains fork
//!   bombs; shared by concurrent execs of one sandbox), RLIMIT_FSIZE
//!   (`max_file_size_bytes`), RLIMIT_DATA (`max_memory_bytes`, per process; unlike
//!   RLIMIT_AS it tolerates runtimes that reserve large address ranges) and no core
//!   files. When `max_workspace_bytes > 0` the sandbox directory is a tmpfs of that
//!   size (so `/workspace` and `/tmp` together cannot exceed it; the data lives in
//!   memory). Otherwise only the per-file limit bounds disk use.
//! - **Timeouts**: the wall-clock limit SIGKILLs bwrap; its pid-namespace init
//!   dies with it (`--die-with-parent`) and the kernel then kills every process of
//!   the namespace, including double-forked and `setsid` ones. Output streams are
//!   read to the end, keeping only the first `stdout_cap`/`stderr_cap` bytes.
//! - **Host file operations** (`read_file`, `write_file`, `list_files`) use
//!   `openat2(RESOLVE_BENEATH)` relative to the area directory: `..`, absolute
//!   symlinks and relative symlinks leaving `/workspace` (or `/tmp`) fail with
//!   [`SandboxError::PathOutsideSandbox`]; fifos and devices are refused instead
//!   of blocking the worker; listings never follow symlinks.
//! - **Cleanup**: `destroy` and `reap_orphans` SIGKILL every process of the
//!   sandbox uid (found through `/proc`), unmount the quota tmpfs and delete the
//!   directory.
//!
//! A command killed by signal N inside the sandbox reports exit code `128 + N`
//! (bwrap folds signals into the exit status like a shell); `signal` is set when
//! the sandbox itself was killed.

mod error;
mod path;
mod provider;
mod spec;

mod bwrap;
pub mod conformance;

pub use bwrap::BwrapProvider;
pub use error::{ErrorClass, SandboxError};
pub use path::{Area, SandboxPath};
pub use provider::{Sandbox, SandboxProvider};
pub use spec::{
    Command, DEFAULT_EXEC_TIMEOUT, DEFAULT_OUTPUT_CAP, ExecOutput, ExecRequest, FileEntry,
    SandboxLimits, SandboxSpec,
};
