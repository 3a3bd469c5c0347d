//! Builds the `bwrap … -- prlimit … -- setpriv … -- <argv>` command line of one
//! exec. Pure functions of the host layout and the sandbox's settings, so the exact
//! isolation flags can be unit-tested.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::{SandboxError, SandboxLimits};

/// Top-level system directories that programs need; bound read-only when they are
/// directories, recreated as the same symlink when they are symlinks (merged /usr).
const SYSTEM_DIRS: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
];

/// The only host `/etc` entries visible in a sandbox: name resolution, the dynamic
/// linker, alternatives symlinks, certificates, time zone and a few language
/// runtimes' configuration. `passwd` and `group` are generated per sandbox.
const ETC_ENTRIES: &[&str] = &[
    "hosts",
    "host.conf",
    "nsswitch.conf",
    "gai.conf",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "ssl",
    "ca-certificates",
    "ca-certificates.conf",
    "localtime",
    "timezone",
    "mime.types",
    "protocols",
    "services",
    "os-release",
    "debian_version",
    "profile",
    "inputrc",
    "magic",
    "magic.mime",
    "python3",
    "python3.11",
    "perl",
    "java-17-openjdk",
];

/// Only bound when the sandbox has network access.
const ETC_NETWORK_ENTRIES: &[&str] = &["resolv.conf"];

/// Size of the private `/dev/shm` tmpfs (shared memory for e.g. Python multiprocessing).
const DEV_SHM_BYTES: u64 = 64 << 20;

/// Default environment of sandboxed processes (spec and request variables win).
const BASE_ENV: &[(&str, &str)] = &[
    (
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ),
    ("HOME", "/tmp"),
    ("TMPDIR", "/tmp"),
    ("LANG", "C.UTF-8"),
    ("USER", "sandbox"),
    ("LOGNAME", "sandbox"),
    ("SHELL", "/bin/sh"),
];

/// Absolute paths of the helper programs, found once at provider creation.
#[derive(Debug, Clone)]
pub(crate) struct Programs {
    pub bwrap: PathBuf,
    pub prlimit: PathBuf,
    pub setpriv: PathBuf,
}

impl Programs {
    /// Looks the programs up in `PATH` (and the usual system directories).
    pub fn find() -> Result<Self, SandboxError> {
        Ok(Self {
            bwrap: find_program("bwrap", "bubblewrap")?,
            prlimit: find_program("prlimit", "util-linux")?,
            setpriv: find_program("setpriv", "util-linux")?,
        })
    }
}

fn find_program(name: &str, package: &str) -> Result<PathBuf, SandboxError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            SandboxError::Unavailable(format!(
                "`{name}` not found; install the Debian package `{package}`"
            ))
        })
}

/// Read-only host paths of a sandbox, computed once from this host's layout.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostLayout {
    /// bwrap arguments recreating the system directories.
    system: Vec<OsString>,
    /// `/etc` entries that exist on this host.
    etc: Vec<&'static str>,
    /// Network-only `/etc` entries that exist on this host.
    etc_network: Vec<&'static str>,
}

impl HostLayout {
    /// Inspects `/` to decide how each system directory is exposed.
    pub fn detect() -> Self {
        let mut system = Vec::new();
        for dir in SYSTEM_DIRS {
            let Ok(meta) = fs::symlink_metadata(dir) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                if let Ok(target) = fs::read_link(dir) {
                    push_all(
                        &mut system,
                        ["--symlink".into(), target.into(), (*dir).into()],
                    );
                }
            } else if meta.is_dir() {
                push_all(
                    &mut system,
                    ["--ro-bind".into(), (*dir).into(), (*dir).into()],
                );
            }
        }
        let existing = |names: &[&'static str]| -> Vec<&'static str> {
            names
                .iter()
                .copied()
                .filter(|name| Path::new("/etc").join(name).exists())
                .collect()
        };
        Self {
            system,
            etc: existing(ETC_ENTRIES),
            etc_network: existing(ETC_NETWORK_ENTRIES),
        }
    }
}

/// Everything that varies between sandboxes and execs.
pub(crate) struct ExecPlan<'a> {
    pub programs: &'a Programs,
    pub layout: &'a HostLayout,
    /// Host directory bound at `/workspace`.
    pub workspace: &'a Path,
    /// Host directory bound at `/tmp`.
    pub tmp: &'a Path,
    /// Host directory holding the generated `passwd` and `group`.
    pub etc: &'a Path,
    pub uid: u32,
    pub network: bool,
    pub limits: &'a SandboxLimits,
    /// Working directory inside the sandbox (already validated).
    pub cwd: &'a str,
    pub argv: &'a [String],
}

fn push_all<const N: usize>(args: &mut Vec<OsString>, items: [OsString; N]) {
    args.extend(items);
}

impl ExecPlan<'_> {
    /// Arguments of `bwrap` (the program itself excluded).
    pub fn bwrap_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = [
            "--die-with-parent",
            "--new-session",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "sandbox",
        ]
        .map(OsString::from)
        .to_vec();
        if !self.network {
            args.push("--unshare-net".into());
        }
        args.extend(self.layout.system.iter().cloned());
        let network_etc = if self.network {
            self.layout.etc_network.as_slice()
        } else {
            &[]
        };
        for name in self.layout.etc.iter().chain(network_etc) {
            let path = Path::new("/etc").join(name);
            push_all(
                &mut args,
                ["--ro-bind".into(), path.clone().into(), path.into()],
            );
        }
        for name in ["passwd", "group"] {
            push_all(
                &mut args,
                [
                    "--ro-bind".into(),
                    self.etc.join(name).into(),
                    Path::new("/etc").join(name).into(),
                ],
            );
        }
        push_all(
            &mut args,
            [
                "--proc".into(),
                "/proc".into(),
                "--dev".into(),
                "/dev".into(),
            ],
        );
        push_all(
            &mut args,
            [
                "--perms".into(),
                "1777".into(),
                "--size".into(),
                DEV_SHM_BYTES.to_string().into(),
                "--tmpfs".into(),
                "/dev/shm".into(),
            ],
        );
        push_all(
            &mut args,
            [
                "--bind".into(),
                self.workspace.into(),
                "/workspace".into(),
                "--bind".into(),
                self.tmp.into(),
                "/tmp".into(),
                "--chdir".into(),
                self.cwd.into(),
                "--".into(),
            ],
        );
        args.extend(self.inner_argv());
        args
    }

    /// `prlimit … -- setpriv … -- <argv>`: rlimits are set while still root (so
    /// hard limits can be set), then every privilege is dropped for good.
    fn inner_argv(&self) -> Vec<OsString> {
        let limit = |name: &str, value: u64| OsString::from(format!("--{name}={value}:{value}"));
        let uid = self.uid.to_string();
        let mut argv: Vec<OsString> = vec![
            self.programs.prlimit.clone().into(),
            limit("nproc", self.limits.max_processes),
            limit("fsize", self.limits.max_file_size_bytes),
            limit("data", self.limits.max_memory_bytes),
            limit("core", 0),
            "--".into(),
            self.programs.setpriv.clone().into(),
            "--reuid".into(),
            uid.clone().into(),
            "--regid".into(),
            uid.into(),
            "--clear-groups".into(),
            "--inh-caps=-all".into(),
            "--ambient-caps=-all".into(),
            "--bounding-set=-all".into(),
            "--no-new-privs".into(),
            "--".into(),
        ];
        argv.extend(self.argv.iter().map(OsString::from));
        argv
    }
}

/// The environment of one exec: defaults, then the sandbox's, then the request's.
/// Names must be non-empty and free of `=` and NUL; values free of NUL.
pub(crate) fn exec_env(
    sandbox_env: &BTreeMap<String, String>,
    request_env: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, SandboxError> {
    let mut env: BTreeMap<String, String> = BASE_ENV
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for (name, value) in sandbox_env.iter().chain(request_env) {
        if name.is_empty() || name.contains(['=', '\0']) || value.contains('\0') {
            return Err(SandboxError::InvalidRequest(format!(
                "invalid environment variable {name:?}"
            )));
        }
        env.insert(name.clone(), value.clone());
    }
    Ok(env)
}

/// The `/etc/passwd` and `/etc/group` of a sandbox whose processes run as `uid`.
pub(crate) fn identity_files(uid: u32) -> (String, String) {
    let passwd = format!(
        "root:x:0:0:root:/root:/bin/sh\nsandbox:x:{uid}:{uid}:sandbox:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    );
    let group = format!("root:x:0:\nsandbox:x:{uid}:\nnogroup:x:65534:\n");
    (passwd, group)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_args(network: bool) -> Vec<String> {
        let programs = Programs {
            bwrap: "/usr/bin/bwrap".into(),
            prlimit: "/usr/bin/prlimit".into(),
            setpriv: "/usr/bin/setpriv".into(),
        };
        let layout = HostLayout::detect();
        let limits = SandboxLimits::default();
        let argv = vec!["echo".to_owned(), "hi".to_owned()];
        let plan = ExecPlan {
            programs: &programs,
            layout: &layout,
            workspace: Path::new("/state/sb/workspace"),
            tmp: Path::new("/state/sb/tmp"),
            etc: Path::new("/state/sb/etc"),
            uid: 2_000_000_123,
            network,
            limits: &limits,
            cwd: "/workspace",
            argv: &argv,
        };
        plan.bwrap_args()
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    fn has_pair(args: &[String], a: &str, b: &str) -> bool {
        args.windows(2).any(|w| w[0] == a && w[1] == b)
    }

    #[test]
    fn network_is_unshared_unless_allowed() {
        let closed = plan_args(false);
        assert!(closed.iter().any(|a| a == "--unshare-net"));
        assert!(!closed.iter().any(|a| a == "/etc/resolv.conf"));
        let open = plan_args(true);
        assert!(!open.iter().any(|a| a == "--unshare-net"));
    }

    #[test]
    fn only_the_sandbox_directories_are_writable() {
        let args = plan_args(false);
        let writable: Vec<_> = args
            .windows(3)
            .filter(|w| w[0] == "--bind")
            .map(|w| (w[1].clone(), w[2].clone()))
            .collect();
        assert_eq!(
            writable,
            vec![
                ("/state/sb/workspace".to_owned(), "/workspace".to_owned()),
                ("/state/sb/tmp".to_owned(), "/tmp".to_owned())
            ]
        );
        for forbidden in ["/root", "/home", "/var", "/work", "/etc"] {
            assert!(
                !args.iter().any(|a| a == forbidden),
                "{forbidden} must not be exposed"
            );
        }
    }

    #[test]
    fn privileges_are_dropped_after_limits_are_set() {
        let args = plan_args(false);
        let prlimit = args
            .iter()
            .position(|a| a == "/usr/bin/prlimit")
            .expect("prlimit");
        let setpriv = args
            .iter()
            .position(|a| a == "/usr/bin/setpriv")
            .expect("setpriv");
        let program = args.iter().position(|a| a == "echo").expect("program");
        assert!(prlimit < setpriv && setpriv < program);
        assert!(has_pair(&args, "--reuid", "2000000123"));
        assert!(args.iter().any(|a| a == "--no-new-privs"));
        assert!(args.iter().any(|a| a == "--bounding-set=-all"));
        assert!(args.iter().any(|a| a == "--nproc=256:256"));
        assert!(args.iter().any(|a| a == "--die-with-parent"));
    }

    #[test]
    fn request_env_overrides_sandbox_env_which_overrides_defaults() {
        let sandbox = BTreeMap::from([
            ("A".to_owned(), "1".to_owned()),
            ("HOME".to_owned(), "/w".to_owned()),
        ]);
        let request = BTreeMap::from([("A".to_owned(), "2".to_owned())]);
        let env = exec_env(&sandbox, &request).expect("valid env");
        assert_eq!(env["A"], "2");
        assert_eq!(env["HOME"], "/w");
        assert!(env.contains_key("PATH"));
        let bad = BTreeMap::from([("A=B".to_owned(), "1".to_owned())]);
        assert!(exec_env(&bad, &BTreeMap::new()).is_err());
    }
}
