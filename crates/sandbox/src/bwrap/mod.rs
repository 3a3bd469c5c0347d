//! The `local` provider: one host directory per sandbox, one `bwrap` invocation
//! per exec. See the crate documentation for the isolation design.

mod command;
mod hostfs;
mod marker;
mod procs;
mod run;

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use tokio::sync::{RwLock, watch};

use self::command::{ExecPlan, HostLayout, Programs};
use self::hostfs::HostArea;
use self::marker::OwnerMarker;
use crate::path::{Area, SandboxPath};
use crate::{
    ExecOutput, ExecRequest, FileEntry, Sandbox, SandboxError, SandboxProvider, SandboxSpec,
};

/// First uid handed to sandboxes; each sandbox gets its own uid in
/// `[UID_BASE, UID_BASE + UID_SPAN)` so that RLIMIT_NPROC counts only its processes
/// and `/proc` tells its processes apart from everything else on the host.
const UID_BASE: u32 = 2_000_000_000;
const UID_SPAN: u32 = 100_000_000;
/// Prefix of sandbox directory names; `reap_orphans` only touches these.
const DIR_PREFIX: &str = "sbx-";
/// A sandbox directory without an owner marker is only reaped once this old (it
/// may be in the middle of being created).
const UNMARKED_GRACE: Duration = Duration::from_secs(60);

/// State shared by a provider and the sandboxes it created.
struct Shared {
    root: PathBuf,
    programs: Programs,
    layout: HostLayout,
    uids_in_use: Mutex<HashSet<u32>>,
}

impl Shared {
    fn allocate_uid(&self) -> u32 {
        let mut in_use = self.uids_in_use.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let uid = UID_BASE + fastrand::u32(..UID_SPAN);
            if in_use.insert(uid) {
                return uid;
            }
        }
    }

    fn release_uid(&self, uid: u32) {
        self.uids_in_use
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&uid);
    }
}

/// The `local` sandbox provider (bubblewrap). Needs root, `bwrap`, `prlimit` and
/// `setpriv`.
#[derive(Clone)]
pub struct BwrapProvider {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for BwrapProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BwrapProvider")
            .field("root", &self.shared.root)
            .finish_non_exhaustive()
    }
}

impl BwrapProvider {
    /// A provider keeping its sandboxes under `root` (created with mode 0700 if
    /// missing). Fails with [`SandboxError::Unavailable`] when the host cannot
    /// run it.
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, SandboxError> {
        if !nix::unistd::geteuid().is_root() {
            return Err(SandboxError::Unavailable(
                "the local sandbox provider must run as root (it drops each sandbox to its own uid)"
                    .into(),
            ));
        }
        let programs = Programs::find()?;
        let root = root.into();
        fs::create_dir_all(&root)
            .and_then(|()| fs::set_permissions(&root, fs::Permissions::from_mode(0o700)))
            .map_err(|e| SandboxError::infra(format!("create {}", root.display()), e))?;
        Ok(Self {
            shared: Arc::new(Shared {
                root,
                programs,
                layout: HostLayout::detect(),
                uids_in_use: Mutex::new(HashSet::new()),
            }),
        })
    }

    /// The directory holding one subdirectory per sandbox.
    pub fn root(&self) -> &Path {
        &self.shared.root
    }
}

/// Host paths of one sandbox.
#[derive(Debug, Clone)]
struct Layout {
    dir: PathBuf,
    workspace: PathBuf,
    tmp: PathBuf,
    etc: PathBuf,
}

impl Layout {
    fn new(dir: PathBuf) -> Self {
        Self {
            workspace: dir.join("workspace"),
            tmp: dir.join("tmp"),
            etc: dir.join("etc"),
            dir,
        }
    }
}

/// Creates the directory tree of a new sandbox (blocking).
fn build_sandbox_dir(layout: &Layout, uid: u32, spec: &SandboxSpec) -> std::io::Result<()> {
    fs::create_dir(&layout.dir)?;
    fs::set_permissions(&layout.dir, fs::Permissions::from_mode(0o700))?;
    let quota = spec.limits.max_workspace_bytes;
    if quota > 0 {
        let options = format!("size={quota},mode=0700");
        mount(
            Some("tmpfs"),
            &layout.dir,
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some(options.as_str()),
        )?;
    }
    OwnerMarker::for_current_process(uid, &spec.label)?.write(&layout.dir)?;
    for (dir, mode) in [(&layout.workspace, 0o755), (&layout.tmp, 0o1777)] {
        fs::create_dir(dir)?;
        chown(dir, Some(uid), Some(uid))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(mode))?;
    }
    fs::create_dir(&layout.etc)?;
    let (passwd, group) = command::identity_files(uid);
    fs::write(layout.etc.join("passwd"), passwd)?;
    fs::write(layout.etc.join("group"), group)?;
    Ok(())
}

/// Deletes a sandbox directory, unmounting its quota tmpfs if there is one
/// (blocking). Its processes must already be dead.
fn remove_sandbox_dir(dir: &Path) -> std::io::Result<()> {
    // EINVAL: not a mount point (no quota). Detach so a lingering reference
    // cannot keep the directory busy.
    let _ = umount2(dir, MntFlags::MNT_DETACH);
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Kills a sandbox uid's processes and deletes its directory (blocking).
fn tear_down(uid: u32, dir: &Path) -> std::io::Result<()> {
    if !procs::kill_uid(uid) {
        tracing::warn!(uid, dir = %dir.display(), "sandbox processes survived SIGKILL");
    }
    remove_sandbox_dir(dir)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SandboxError> + Send + 'static,
) -> Result<T, SandboxError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SandboxError::infra("blocking task failed", std::io::Error::other(e)))?
}

#[async_trait]
impl SandboxProvider for BwrapProvider {
    fn name(&self) -> &str {
        "local"
    }

    async fn create(&self, spec: SandboxSpec) -> Result<Box<dyn Sandbox>, SandboxError> {
        let id = format!("{DIR_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let uid = self.shared.allocate_uid();
        let layout = Layout::new(self.shared.root.join(&id));
        let built = {
            let (layout, spec) = (layout.clone(), spec.clone());
            blocking(move || {
                build_sandbox_dir(&layout, uid, &spec).map_err(|e| {
                    let _ = remove_sandbox_dir(&layout.dir);
                    SandboxError::infra(format!("create sandbox {}", layout.dir.display()), e)
                })
            })
            .await
        };
        if let Err(e) = built {
            self.shared.release_uid(uid);
            return Err(e);
        }
        tracing::info!(sandbox = %id, label = %spec.label, uid, network = spec.network, "sandbox created");
        let (destroyed, _) = watch::channel(false);
        Ok(Box::new(BwrapSandbox {
            id,
            uid,
            layout,
            spec,
            shared: Arc::clone(&self.shared),
            destroyed,
            gate: RwLock::new(()),
        }))
    }

    async fn reap_orphans(&self) -> Result<usize, SandboxError> {
        let root = self.shared.root.clone();
        blocking(move || reap_orphans_in(&root)).await
    }
}

/// Reaps every sandbox under `root` whose owner is dead (blocking).
fn reap_orphans_in(root: &Path) -> Result<usize, SandboxError> {
    let entries = fs::read_dir(root)
        .map_err(|e| SandboxError::infra(format!("list {}", root.display()), e))?;
    let mut reaped = 0;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let is_sandbox = name.to_str().is_some_and(|n| n.starts_with(DIR_PREFIX))
            && entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_sandbox {
            continue;
        }
        let dir = entry.path();
        let result = match OwnerMarker::read(&dir) {
            Ok(marker) if marker.owner_alive() => continue,
            Ok(marker) => {
                tracing::info!(dir = %dir.display(), owner = marker.owner_pid, label = %marker.label, "reaping orphaned sandbox");
                tear_down(marker.uid, &dir)
            }
            Err(_) => {
                let age = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .unwrap_or_default();
                if age < UNMARKED_GRACE {
                    continue;
                }
                tracing::info!(dir = %dir.display(), "reaping sandbox directory without owner marker");
                remove_sandbox_dir(&dir)
            }
        };
        match result {
            Ok(()) => reaped += 1,
            Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "could not reap sandbox"),
        }
    }
    Ok(reaped)
}

/// One `local` sandbox.
struct BwrapSandbox {
    id: String,
    uid: u32,
    layout: Layout,
    spec: SandboxSpec,
    shared: Arc<Shared>,
    /// Becomes true on destroy; running execs watch it to kill their processes.
    destroyed: watch::Sender<bool>,
    /// Held shared by every operation and exclusively by destroy, so destroy
    /// deletes nothing under a running operation.
    gate: RwLock<()>,
}

impl BwrapSandbox {
    fn destroyed_error(&self) -> SandboxError {
        SandboxError::Destroyed {
            id: self.id.clone(),
        }
    }

    fn ensure_alive(&self) -> Result<(), SandboxError> {
        if *self.destroyed.borrow() {
            Err(self.destroyed_error())
        } else {
            Ok(())
        }
    }

    fn area_dir(&self, area: Area) -> PathBuf {
        match area {
            Area::Workspace => self.layout.workspace.clone(),
            Area::Tmp => self.layout.tmp.clone(),
        }
    }

    /// Runs a host-side file operation on the blocking pool.
    async fn file_op<T: Send + 'static>(
        &self,
        path: &str,
        op: impl FnOnce(&HostArea<'_>, &SandboxPath) -> Result<T, SandboxError> + Send + 'static,
    ) -> Result<T, SandboxError> {
        let _guard = self.gate.read().await;
        self.ensure_alive()?;
        let path = SandboxPath::parse(path)?;
        let dir = self.area_dir(path.area);
        let owner = (self.uid, self.uid);
        blocking(move || op(&HostArea { dir: &dir, owner }, &path)).await
    }

    fn validate(request: &ExecRequest) -> Result<Vec<String>, SandboxError> {
        let argv = request.command.to_argv();
        if argv.first().is_none_or(String::is_empty) {
            return Err(SandboxError::InvalidRequest("empty command".into()));
        }
        if argv.iter().any(|a| a.contains('\0')) {
            return Err(SandboxError::InvalidRequest(
                "NUL byte in the command".into(),
            ));
        }
        if request.timeout.is_zero() {
            return Err(SandboxError::InvalidRequest(
                "timeout must be positive".into(),
            ));
        }
        Ok(argv)
    }
}

#[async_trait]
impl Sandbox for BwrapSandbox {
    fn id(&self) -> &str {
        &self.id
    }

    async fn exec(&self, request: ExecRequest) -> Result<ExecOutput, SandboxError> {
        let argv = Self::validate(&request)?;
        let env = command::exec_env(&self.spec.env, &request.env)?;
        let cwd = request.cwd.as_deref().unwrap_or("/workspace");
        self.file_op(cwd, |area, path| area.require_dir(path))
            .await?;
        let cwd = SandboxPath::parse(cwd)?.display();

        let _guard = self.gate.read().await;
        let mut destroyed = self.destroyed.subscribe();
        if *destroyed.borrow_and_update() {
            return Err(self.destroyed_error());
        }
        let plan = ExecPlan {
            programs: &self.shared.programs,
            layout: &self.shared.layout,
            workspace: &self.layout.workspace,
            tmp: &self.layout.tmp,
            etc: &self.layout.etc,
            uid: self.uid,
            network: self.spec.network,
            limits: &self.spec.limits,
            cwd: &cwd,
            argv: &argv,
        };
        let running = run::Invocation {
            program: &self.shared.programs.bwrap,
            args: plan.bwrap_args(),
            env,
            stdin: request.stdin,
            timeout: request.timeout,
            stdout_cap: request.stdout_cap,
            stderr_cap: request.stderr_cap,
        }
        .spawn()?;
        let cancel = async move {
            if destroyed.wait_for(|d| *d).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let output = running.finish(cancel).await?;
        self.ensure_alive()?;
        tracing::debug!(sandbox = %self.id, exit_code = ?output.exit_code, timed_out = output.timed_out, duration = ?output.duration, "exec finished");
        Ok(output)
    }

    async fn read_file(&self, path: &str) -> Result<Vec<u8>, SandboxError> {
        self.file_op(path, |area, path| area.read(path)).await
    }

    async fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError> {
        let limit = self.spec.limits.max_file_size_bytes;
        let size = contents.len() as u64;
        if size > limit {
            return Err(SandboxError::FileTooLarge {
                path: path.to_owned(),
                size,
                limit,
            });
        }
        let contents = contents.to_vec();
        self.file_op(path, move |area, path| area.write(path, &contents))
            .await
    }

    async fn list_files(
        &self,
        prefix: &str,
        recursive: bool,
    ) -> Result<Vec<FileEntry>, SandboxError> {
        self.file_op(prefix, move |area, path| area.list(path, recursive))
            .await
    }

    async fn destroy(&self) -> Result<(), SandboxError> {
        if self.destroyed.send_replace(true) {
            return Ok(());
        }
        // Running execs see the flag, kill their processes and release the gate.
        let _exclusive = self.gate.write().await;
        let (uid, dir) = (self.uid, self.layout.dir.clone());
        let result = blocking(move || {
            tear_down(uid, &dir)
                .map_err(|e| SandboxError::infra(format!("remove {}", dir.display()), e))
        })
        .await;
        self.shared.release_uid(self.uid);
        tracing::info!(sandbox = %self.id, "sandbox destroyed");
        result
    }
}

impl Drop for BwrapSandbox {
    fn drop(&mut self) {
        if !*self.destroyed.borrow() {
            tracing::warn!(sandbox = %self.id, "sandbox dropped without destroy; cleaning up");
            if let Err(e) = tear_down(self.uid, &self.layout.dir) {
                tracing::warn!(sandbox = %self.id, error = %e, "cleanup of dropped sandbox failed");
            }
            self.shared.release_uid(self.uid);
        }
    }
}

#[cfg(test)]
mod tests;
