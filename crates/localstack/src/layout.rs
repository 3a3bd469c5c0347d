//! Where the local stack keeps its state.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::component::Component;
use crate::error::{Error, IoContext, Result};

/// Environment variable that overrides the default state directory.
pub const STATE_DIR_ENV: &str = "AGENTCLASH_LOCAL_DIR";

/// Parent of relocated Postgres data directories, used when the `postgres`
/// user cannot reach into the state directory (e.g. one under `/root`).
pub const RELOCATED_PG_BASE: &str = "/var/lib/agentclash";

/// The file layout of one local stack's state directory. Every path the
/// supervisor reads or writes comes from here, so `up`, `status`, `down` and
/// `logs` always agree on where things are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackLayout {
    root: PathBuf,
}

impl StackLayout {
    /// A layout rooted at `root` (made absolute against the current directory,
    /// because the path is handed to child processes and hashed).
    pub fn new(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref();
        let root = std::path::absolute(root)
            .context(|| format!("cannot make {} absolute", root.display()))?;
        Ok(Self { root })
    }

    /// The state directory from, in order: `flag`, `$AGENTCLASH_LOCAL_DIR`,
    /// `$XDG_DATA_HOME/agentclash/local`, `~/.local/share/agentclash/local`.
    pub fn resolve(flag: Option<&Path>) -> Result<Self> {
        Self::resolve_with(flag, |var| std::env::var_os(var))
    }

    /// [`StackLayout::resolve`] with an injectable environment, for tests.
    fn resolve_with(flag: Option<&Path>, env: impl Fn(&str) -> Option<OsString>) -> Result<Self> {
        let non_empty = |var: &str| env(var).filter(|v| !v.is_empty()).map(PathBuf::from);
        if let Some(dir) = flag
            .map(Path::to_path_buf)
            .or_else(|| non_empty(STATE_DIR_ENV))
        {
            return Self::new(dir);
        }
        let data_home = non_empty("XDG_DATA_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| non_empty("HOME").map(|home| home.join(".local/share")))
            .ok_or(Error::NoStateDir)?;
        Self::new(data_home.join("agentclash").join("local"))
    }

    /// The state directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Directory of the components' log files.
    pub fn logs_dir(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// Directory of pid files and the lock.
    pub fn run_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    /// A component's log (stdout and stderr, appended across restarts).
    pub fn log_file(&self, component: Component) -> PathBuf {
        self.logs_dir().join(format!("{component}.log"))
    }

    /// A component's pid file.
    pub fn pid_file(&self, component: Component) -> PathBuf {
        self.run_dir().join(format!("{component}.pid"))
    }

    /// Settings chosen at first start (ports, external services).
    pub fn settings_file(&self) -> PathBuf {
        self.root.join("stack.json")
    }

    /// The generated Postgres password (mode 0600).
    pub fn password_file(&self) -> PathBuf {
        self.root.join("postgres.password")
    }

    /// The generated password of the local web admin (mode 0600).
    pub fn admin_password_file(&self) -> PathBuf {
        self.root.join("admin.password")
    }

    /// The generated `AGENTCLASH_SECRETS_KEY` (mode 0600).
    pub fn secrets_key_file(&self) -> PathBuf {
        self.root.join("secrets.key")
    }

    /// `ARTIFACT_STORE` of the API and worker.
    pub fn artifacts_dir(&self) -> PathBuf {
        self.root.join("artifacts")
    }

    /// `SANDBOX_ROOT` of the worker: one directory per live sandbox.
    pub fn sandboxes_dir(&self) -> PathBuf {
        self.root.join("sandboxes")
    }

    /// The Temporal dev server's SQLite file.
    pub fn temporal_db(&self) -> PathBuf {
        self.root.join("temporal.db")
    }

    /// `<state>/postgres`: the Postgres directory, or a symlink to it when it
    /// had to be relocated (see [`StackLayout::relocated_postgres_dir`]).
    pub fn postgres_dir(&self) -> PathBuf {
        self.root.join("postgres")
    }

    /// Where the Postgres directory goes when the `postgres` user cannot
    /// traverse the state directory: stable per state directory, so the
    /// data survives `down`/`up`.
    pub fn relocated_postgres_dir(&self) -> PathBuf {
        Path::new(RELOCATED_PG_BASE).join(path_hash(&self.root))
    }

    /// Serialises `up` and `down` on one state directory.
    pub(crate) fn lock_file(&self) -> PathBuf {
        self.run_dir().join("lock")
    }

    /// Creates the state, log and run directories.
    pub fn ensure_dirs(&self) -> Result<()> {
        for dir in [self.root.clone(), self.logs_dir(), self.run_dir()] {
            std::fs::create_dir_all(&dir).context(|| format!("cannot create {}", dir.display()))?;
        }
        Ok(())
    }
}

/// 64-bit FNV-1a of the path's bytes as 16 hex digits. Stable across Rust
/// versions and machines, unlike `DefaultHasher`.
pub fn path_hash(path: &Path) -> String {
    let hash = path
        .as_os_str()
        .as_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(flag: Option<&str>, pairs: &[(&str, &str)]) -> Result<StackLayout> {
        let env: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        StackLayout::resolve_with(flag.map(Path::new), |k| env.get(k).cloned())
    }

    #[test]
    fn precedence_is_flag_env_xdg_home() {
        let all = [
            (STATE_DIR_ENV, "/env"),
            ("XDG_DATA_HOME", "/xdg"),
            ("HOME", "/home/u"),
        ];
        assert_eq!(
            resolve(Some("/flag"), &all).expect("ok").root(),
            Path::new("/flag")
        );
        assert_eq!(resolve(None, &all).expect("ok").root(), Path::new("/env"));
        assert_eq!(
            resolve(None, &all[1..]).expect("ok").root(),
            Path::new("/xdg/agentclash/local")
        );
        assert_eq!(
            resolve(None, &all[2..]).expect("ok").root(),
            Path::new("/home/u/.local/share/agentclash/local")
        );
    }

    #[test]
    fn empty_or_relative_xdg_is_ignored() {
        let layout = resolve(
            None,
            &[
                (STATE_DIR_ENV, ""),
                ("XDG_DATA_HOME", "rel"),
                ("HOME", "/h"),
            ],
        );
        assert_eq!(
            layout.expect("ok").root(),
            Path::new("/h/.local/share/agentclash/local")
        );
        assert!(matches!(resolve(None, &[]), Err(Error::NoStateDir)));
    }

    #[test]
    fn relative_flag_becomes_absolute() {
        let layout = resolve(Some("rel/state"), &[]).expect("ok");
        assert!(layout.root().is_absolute());
        assert!(layout.root().ends_with("rel/state"));
    }

    #[test]
    fn paths_hang_off_the_root() {
        let layout = StackLayout::new("/s").expect("ok");
        assert_eq!(
            layout.log_file(Component::Api),
            Path::new("/s/logs/api.log")
        );
        assert_eq!(
            layout.pid_file(Component::Postgres),
            Path::new("/s/run/postgres.pid")
        );
        assert_eq!(layout.settings_file(), Path::new("/s/stack.json"));
        assert_eq!(layout.postgres_dir(), Path::new("/s/postgres"));
        let relocated = layout.relocated_postgres_dir();
        assert_eq!(relocated.parent(), Some(Path::new(RELOCATED_PG_BASE)));
        assert_eq!(relocated.file_name().map(|n| n.len()), Some(16));
    }

    #[test]
    fn path_hash_is_stable_and_distinguishes_paths() {
        assert_eq!(path_hash(Path::new("")), "cbf29ce484222325");
        assert_eq!(path_hash(Path::new("a")), "af63dc4c8601ec8c");
        assert_ne!(path_hash(Path::new("/a/b")), path_hash(Path::new("/a/c")));
    }
}
