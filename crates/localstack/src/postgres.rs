//! The stack's own Postgres cluster: placement, initdb, start, probe.

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::unistd::{Gid, Uid, User, chown};

use crate::error::{Error, IoContext, Result};
use crate::layout::{RELOCATED_PG_BASE, StackLayout};
use crate::process::{open_log, tail_lines};
use crate::secrets;
use crate::tools::find_postgres_bin_dir;

/// Database user and database name of a managed cluster.
pub const PG_USER: &str = "agentclash";
/// Random bytes in a generated password (hex-encoded, so URL-safe).
pub(crate) const PASSWORD_BYTES: usize = 24;

/// The unprivileged account Postgres runs as when we are root (Postgres
/// refuses to run as root).
#[derive(Debug, Clone)]
pub(crate) struct RunAs {
    uid: Uid,
    gid: Gid,
    home: PathBuf,
}

impl RunAs {
    /// `None` when we are not root (Postgres then runs as us); the
    /// `postgres` system user when we are.
    pub(crate) fn for_postgres() -> Result<Option<Self>> {
        if !Uid::effective().is_root() {
            return Ok(None);
        }
        let user = User::from_name("postgres")
            .context(|| "cannot look up the postgres user".to_owned())?
            .ok_or(Error::NoPostgresUser)?;
        Ok(Some(Self {
            uid: user.uid,
            gid: user.gid,
            home: user.dir,
        }))
    }

    fn apply(&self, cmd: &mut Command) {
        cmd.uid(self.uid.as_raw())
            .gid(self.gid.as_raw())
            .env("HOME", &self.home)
            .env("USER", "postgres")
            .env("LOGNAME", "postgres");
    }

    /// Gives `path` to this user with mode 0700.
    fn own_private(&self, path: &Path) -> Result<()> {
        chown(path, Some(self.uid), Some(self.gid))
            .context(|| format!("cannot chown {}", path.display()))?;
        set_mode(path, 0o700)
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .context(|| format!("cannot chmod {}", path.display()))
}

/// Whether a user may search (traverse) a directory with these attributes.
fn may_search(mode: u32, owner: u32, group: u32, uid: u32, gid: u32) -> bool {
    if uid == 0 {
        return true;
    }
    let bit = if owner == uid {
        0o100
    } else if group == gid {
        0o010
    } else {
        0o001
    };
    mode & bit != 0
}

/// Whether `uid`/`gid` can reach `dir`: every existing directory from `/`
/// down to it must be searchable (missing ones will be created 0755).
fn can_reach(dir: &Path, uid: u32, gid: u32) -> bool {
    dir.ancestors().all(|d| match d.metadata() {
        Ok(m) => may_search(m.mode(), m.uid(), m.gid(), uid, gid),
        Err(_) => true,
    })
}

/// The directory for a new managed cluster: `<state>/postgres`, unless we
/// are root and the `postgres` user cannot reach the state directory (it is
/// under `/root`, say); then a stable directory under `/var/lib/agentclash`.
pub fn choose_postgres_dir(layout: &StackLayout) -> Result<PathBuf> {
    Ok(match RunAs::for_postgres()? {
        Some(user) if !can_reach(layout.root(), user.uid.as_raw(), user.gid.as_raw()) => {
            layout.relocated_postgres_dir()
        }
        _ => layout.postgres_dir(),
    })
}

/// One managed cluster: where it lives and how to talk to it.
#[derive(Debug)]
pub(crate) struct Cluster<'a> {
    pub layout: &'a StackLayout,
    /// The Postgres directory (`pgdata/`, `run/`).
    pub dir: &'a Path,
    pub port: u16,
    pub password_file: &'a Path,
}

impl Cluster<'_> {
    fn data_dir(&self) -> PathBuf {
        self.dir.join("pgdata")
    }

    /// The cluster's password, generated on first use.
    pub fn password(&self) -> Result<String> {
        secrets::read_or_create(self.password_file, PASSWORD_BYTES)
    }

    /// Whether initdb has run (successfully) for this cluster.
    pub fn is_initialised(&self) -> bool {
        self.data_dir().join("PG_VERSION").exists()
    }

    /// Creates the directories and the cluster itself if they do not exist
    /// yet. initdb's output goes to `log`.
    pub fn prepare(&self, log: &Path) -> Result<()> {
        let run_as = RunAs::for_postgres()?;
        if self.dir.starts_with(RELOCATED_PG_BASE) {
            std::fs::create_dir_all(RELOCATED_PG_BASE)
                .context(|| format!("cannot create {RELOCATED_PG_BASE}"))?;
            set_mode(Path::new(RELOCATED_PG_BASE), 0o755)?;
        }
        std::fs::create_dir_all(self.dir)
            .context(|| format!("cannot create {}", self.dir.display()))?;
        self.link_from_state_dir()?;
        let socket_dir = self.socket_dir();
        for dir in [self.dir, socket_dir.as_path()] {
            std::fs::create_dir_all(dir).context(|| format!("cannot create {}", dir.display()))?;
            match &run_as {
                Some(user) => user.own_private(dir)?,
                None => set_mode(dir, 0o700)?,
            }
        }
        let password = self.password()?;
        if self.is_initialised() {
            return Ok(());
        }
        self.initdb(&password, run_as.as_ref(), log)
    }

    /// Records a relocated directory as the `<state>/postgres` symlink.
    fn link_from_state_dir(&self) -> Result<()> {
        let link = self.layout.postgres_dir();
        if link == self.dir {
            return Ok(());
        }
        if let Ok(meta) = link.symlink_metadata() {
            if !meta.file_type().is_symlink()
                || std::fs::read_link(&link).is_ok_and(|t| t == self.dir)
            {
                return Ok(());
            }
            std::fs::remove_file(&link).context(|| format!("cannot replace {}", link.display()))?;
        }
        std::os::unix::fs::symlink(self.dir, &link)
            .context(|| format!("cannot create {}", link.display()))
    }

    fn initdb(&self, password: &str, run_as: Option<&RunAs>, log: &Path) -> Result<()> {
        let data = self.data_dir();
        // A data directory without PG_VERSION is a failed earlier initdb.
        if data.exists() {
            std::fs::remove_dir_all(&data)
                .context(|| format!("cannot remove {}", data.display()))?;
        }
        // initdb runs as the postgres user, which cannot read our 0600 file.
        let pwfile = self.dir.join(".initdb-password");
        crate::settings::write_private_file(&pwfile, password.as_bytes())?;
        if let Some(user) = run_as {
            chown(&pwfile, Some(user.uid), Some(user.gid))
                .context(|| format!("cannot chown {}", pwfile.display()))?;
        }
        let mut cmd = self.server_command("initdb", run_as)?;
        cmd.arg("-D")
            .arg(&data)
            .args([
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
            ])
            .arg(format!("--username={PG_USER}"))
            .arg(format!("--pwfile={}", pwfile.display()));
        let result = run_logged(cmd, "initdb", log);
        let _ = std::fs::remove_file(&pwfile);
        result
    }

    fn socket_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    /// A command for one of the server programs, run as the right user.
    fn server_command(&self, program: &str, run_as: Option<&RunAs>) -> Result<Command> {
        let mut cmd = Command::new(find_postgres_bin_dir()?.join(program));
        cmd.current_dir(self.dir);
        if let Some(user) = run_as {
            user.apply(&mut cmd);
        }
        Ok(cmd)
    }

    /// The postmaster command: TCP on 127.0.0.1 only, socket in our directory.
    pub fn start_command(&self) -> Result<Command> {
        let run_as = RunAs::for_postgres()?;
        let mut cmd = self.server_command("postgres", run_as.as_ref())?;
        // Unix socket paths are limited to 107 bytes; TCP is all we need.
        let socket_dir = self.socket_dir();
        let socket_dir = if socket_dir.as_os_str().len() < 90 {
            socket_dir.into_os_string()
        } else {
            "".into()
        };
        cmd.arg("-D")
            .arg(self.data_dir())
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-k")
            .arg(socket_dir)
            .args(["-c", "listen_addresses=127.0.0.1"])
            // Commit times let the benchmark measure live-stream latency
            // from the commit on (a few bytes per transaction).
            .args(["-c", "track_commit_timestamp=on"]);
        Ok(cmd)
    }

    /// Healthy when `pg_isready` says the server accepts connections.
    pub fn probe(&self) -> Result<(), String> {
        let bin = find_postgres_bin_dir().map_err(|e| e.to_string())?;
        let out = Command::new(bin.join("pg_isready"))
            .args(["-h", "127.0.0.1", "-t", "2", "-p"])
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run pg_isready: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_isready: {}",
                String::from_utf8_lossy(&out.stdout).trim()
            ))
        }
    }

    /// Creates the `agentclash` database unless it exists.
    pub fn create_database(&self, log: &Path) -> Result<()> {
        let bin = find_postgres_bin_dir()?;
        let password = self.password()?;
        let client = |program: &str| {
            let mut cmd = Command::new(bin.join(program));
            cmd.args(["-h", "127.0.0.1", "-U", PG_USER, "-p"])
                .arg(self.port.to_string())
                .env("PGPASSWORD", &password)
                .env("PGCONNECT_TIMEOUT", "5")
                .stdin(Stdio::null());
            cmd
        };
        let query = format!("SELECT 1 FROM pg_database WHERE datname = '{PG_USER}'");
        let exists = client("psql")
            .args(["-d", "postgres", "-tAc", &query])
            .output();
        if exists.is_ok_and(|out| out.status.success() && out.stdout.trim_ascii() == b"1") {
            return Ok(());
        }
        let mut createdb = client("createdb");
        createdb.arg(PG_USER);
        run_logged(createdb, "createdb", log)
    }
}

/// Runs a helper to completion with its output appended to `log`; on
/// failure the error quotes the end of the log.
fn run_logged(mut cmd: Command, name: &str, log: &Path) -> Result<()> {
    let (out, err) = open_log(log, &format!("running {name}"))?;
    let status = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .context(|| format!("cannot run {name}"))?;
    if status.success() {
        return Ok(());
    }
    Err(Error::CommandFailed {
        command: name.to_owned(),
        status: status.to_string(),
        output: tail_lines(log, 5)?.join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_permission_follows_owner_group_other() {
        assert!(may_search(0o700, 5, 5, 5, 9));
        assert!(!may_search(0o700, 1, 5, 5, 5));
        assert!(may_search(0o710, 1, 5, 7, 5));
        assert!(!may_search(0o770, 1, 2, 7, 5));
        assert!(may_search(0o701, 1, 2, 7, 5));
        assert!(may_search(0o000, 1, 2, 0, 0), "root searches everything");
    }

    #[test]
    fn reachability_checks_every_existing_ancestor() {
        let root = std::env::temp_dir().join(format!("agentclash-reach-{}", std::process::id()));
        let locked = root.join("locked");
        std::fs::create_dir_all(locked.join("inner")).expect("mkdir");
        set_mode(&locked, 0o700).expect("chmod");
        let me = std::fs::metadata(&locked).expect("meta");
        let stranger = me.uid() + 4242;
        assert!(!can_reach(
            &locked.join("inner/not-yet"),
            stranger,
            stranger
        ));
        assert!(can_reach(&locked.join("inner"), me.uid(), me.gid()));
        set_mode(&locked, 0o711).expect("chmod");
        assert!(can_reach(&locked.join("inner/not-yet"), stranger, stranger));
        std::fs::remove_dir_all(&root).expect("cleanup");
    }
}
