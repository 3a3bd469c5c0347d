//! The web app (`web/`, Next.js) as a component of the stack: built for
//! production when the build is missing or older than its sources, then
//! served by `next start` on loopback with `/v1/*` proxied to the API, so the
//! browser stays on one origin (session cookie and event stream need no
//! CORS). Optional: without Node.js, the app's sources or its dependencies,
//! or with `AGENTCLASH_LOCAL_WEB=0`, the stack runs without it and says why.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use nix::fcntl::{Flock, FlockArg};

use crate::error::{Error, IoContext, Result};
use crate::net::http_get;
use crate::process::{open_log, tail_lines};
use crate::tools::on_path;

/// Directory of the web app's sources (the repository's `web/`).
pub const WEB_DIR_ENV: &str = "AGENTCLASH_WEB_DIR";

/// What the build depends on: when any of these is newer than the build, it
/// is redone. (Generated files and dependencies' own contents are not.)
const SOURCES: &[&str] = &[
    "src",
    "public",
    "package.json",
    "package-lock.json",
    "next.config.ts",
    "postcss.config.mjs",
    "tsconfig.json",
];
/// Builds tried while other builds of the same app get in the way.
const BUILD_ATTEMPTS: usize = 3;
/// Lines of the build log quoted when `next build` fails.
const BUILD_FAILURE_LINES: usize = 30;

/// A web app that can run here: its directory and the `node` to run it with.
#[derive(Debug, Clone)]
pub(crate) struct WebApp {
    dir: PathBuf,
    node: PathBuf,
}

impl WebApp {
    /// The app and Node.js, or why the stack runs without the web app.
    pub(crate) fn locate() -> std::result::Result<Self, String> {
        let dir = web_dir()?;
        let node = on_path("node").ok_or_else(|| {
            "Node.js (`node`) is not on PATH; install Node.js 20.9 or newer and run \
             scripts/setup-web"
                .to_owned()
        })?;
        let app = Self { dir, node };
        if !app.next_cli().is_file() {
            return Err(format!(
                "{} has no dependencies installed; run scripts/setup-web",
                app.dir.display()
            ));
        }
        Ok(app)
    }

    /// The app's directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn next_cli(&self) -> PathBuf {
        self.dir.join("node_modules/next/dist/bin/next")
    }

    fn build_id(&self) -> PathBuf {
        self.dir.join(".next/BUILD_ID")
    }

    /// Whether the production build is missing or older than a source file.
    pub(crate) fn needs_build(&self) -> bool {
        let Some(built) = modified(&self.build_id()) else {
            return true;
        };
        SOURCES
            .iter()
            .filter_map(|s| newest_in(&self.dir.join(s)))
            .any(|changed| changed > built)
    }

    /// Runs `next build` (output appended to `log`) unless another stack
    /// built it meanwhile: stacks sharing the app take turns through a lock
    /// on its `package.json`, and a build someone else runs by hand (which
    /// holds Next's own `.next/lock`) is waited for, then retried after.
    pub(crate) fn build(&self, log: &Path) -> Result<()> {
        let manifest = self.dir.join("package.json");
        let _turn = flock(&manifest, FlockArg::LockExclusive)?;
        for _ in 0..BUILD_ATTEMPTS {
            self.wait_for_other_build()?;
            if !self.needs_build() {
                return Ok(());
            }
            let (out, err) = open_log(log, "next build")?;
            let status = self
                .next(&["build"])
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .status()
                .context(|| format!("cannot run {} build", self.next_cli().display()))?;
            if status.success() {
                return Ok(());
            }
            if !self.other_build_running()? {
                let output = tail_lines(log, BUILD_FAILURE_LINES)
                    .map(|lines| lines.join("\n"))
                    .unwrap_or_else(|e| format!("(log unreadable: {e})"));
                return Err(Error::CommandFailed {
                    command: format!("next build in {}", self.dir.display()),
                    status: status.to_string(),
                    output: format!("last lines of {}:\n{output}", log.display()),
                });
            }
        }
        Err(Error::CommandFailed {
            command: format!("next build in {}", self.dir.display()),
            status: "not run".into(),
            output: format!(
                "other builds of the web app kept holding {}",
                self.next_lock().display()
            ),
        })
    }

    /// Next's own lock, held by `next build` while it runs.
    fn next_lock(&self) -> PathBuf {
        self.dir.join(".next/lock")
    }

    /// Blocks while another `next build` holds Next's lock.
    fn wait_for_other_build(&self) -> Result<()> {
        let lock = self.next_lock();
        if lock.exists() {
            drop(flock(&lock, FlockArg::LockExclusive)?);
        }
        Ok(())
    }

    /// Whether another `next build` holds Next's lock right now.
    fn other_build_running(&self) -> Result<bool> {
        let lock = self.next_lock();
        if !lock.exists() {
            return Ok(false);
        }
        match flock(&lock, FlockArg::LockExclusiveNonblock) {
            Ok(_) => Ok(false),
            Err(Error::Sys {
                cause: nix::errno::Errno::EWOULDBLOCK,
                ..
            }) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// `next start` on `127.0.0.1:port`, proxying the API at `api_url`.
    pub(crate) fn start_command(&self, port: u16, api_url: &str) -> Command {
        let mut cmd = self.next(&["start", "-H", "127.0.0.1", "-p", &port.to_string()]);
        cmd.env("AGENTCLASH_API_URL", api_url);
        cmd
    }

    fn next(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.node);
        cmd.arg(self.next_cli())
            .args(args)
            .current_dir(&self.dir)
            .env("NEXT_TELEMETRY_DISABLED", "1")
            .env("NODE_ENV", "production");
        cmd
    }
}

/// Healthy when the login page answers 200.
pub(crate) fn probe(port: u16, timeout: std::time::Duration) -> std::result::Result<(), String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    match http_get(addr, "/login", timeout)? {
        (200, _) => Ok(()),
        (status, _) => Err(format!("GET /login returned {status}")),
    }
}

/// `$AGENTCLASH_WEB_DIR`, else a `web/` of this repository above the
/// current directory, else the one this program was built from.
fn web_dir() -> std::result::Result<PathBuf, String> {
    let is_app = |dir: &Path| {
        std::fs::read_to_string(dir.join("package.json"))
            .is_ok_and(|text| text.contains("\"name\": \"agentclash-web\""))
    };
    if let Some(dir) = std::env::var_os(WEB_DIR_ENV).filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        return if is_app(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "{WEB_DIR_ENV}={} is not the AgentClash web app",
                dir.display()
            ))
        };
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let cwd = std::env::current_dir().ok();
    cwd.iter()
        .flat_map(|d| d.ancestors())
        .map(|d| d.join("web"))
        .chain([built_from])
        .find(|d| is_app(d))
        .map(|d| std::path::absolute(&d).unwrap_or(d))
        .ok_or_else(|| {
            format!(
                "the web app's sources were not found; set {WEB_DIR_ENV} to the repository's web/"
            )
        })
}

/// An advisory lock on `path` (released when dropped).
fn flock(path: &Path, how: FlockArg) -> Result<Flock<File>> {
    let file = File::open(path).context(|| format!("cannot open {}", path.display()))?;
    Flock::lock(file, how).map_err(|(_, cause)| Error::Sys {
        context: format!("cannot lock {}", path.display()),
        cause,
    })
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

/// The newest modification time of `path` or anything below it.
fn newest_in(path: &Path) -> Option<SystemTime> {
    let own = modified(path);
    let children = std::fs::read_dir(path).into_iter().flatten().flatten();
    children
        .filter_map(|entry| newest_in(&entry.path()))
        .chain(own)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn touch(path: &Path, at: SystemTime) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, "x").expect("write");
        File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(at))
            .expect("set mtime");
    }

    #[test]
    fn the_build_is_redone_when_missing_or_older_than_a_source() {
        let dir = std::env::temp_dir().join(format!("agentclash-web-{}", std::process::id()));
        let app = WebApp {
            dir: dir.clone(),
            node: PathBuf::from("node"),
        };
        // In the future, so the directories (modified now) count as older.
        let t0 = SystemTime::now() + Duration::from_secs(3600);
        touch(&dir.join("src/app/page.tsx"), t0);
        touch(
            &dir.join("node_modules/x/index.js"),
            t0 + Duration::from_secs(600),
        );
        assert!(app.needs_build(), "no build yet");
        touch(&app.build_id(), t0 + Duration::from_secs(60));
        assert!(!app.needs_build(), "dependencies' files are not sources");
        touch(
            &dir.join("src/app/deep/new.tsx"),
            t0 + Duration::from_secs(120),
        );
        assert!(app.needs_build(), "a new source below src/");
        touch(&app.build_id(), t0 + Duration::from_secs(180));
        assert!(!app.needs_build());
        touch(
            &dir.join("package-lock.json"),
            t0 + Duration::from_secs(240),
        );
        assert!(app.needs_build(), "new dependencies");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
