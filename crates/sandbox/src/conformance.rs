//! Properties every [`SandboxProvider`] must have, as async functions a provider's
//! integration tests call (see `tests/conformance.rs` for the `local` provider).
//! Each one creates its own sandboxes, destroys them, and returns a [`Violation`]
//! describing the first leak or misbehaviour it found.
//!
//! The suite needs `sh`, coreutils, `find`, `setsid` and `python3` inside the
//! sandbox. It only ever connects to a loopback listener it opens itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::{
    ErrorClass, ExecOutput, ExecRequest, Sandbox, SandboxError, SandboxLimits, SandboxProvider,
    SandboxSpec,
};

/// A property the provider under test does not have.
#[derive(Debug, thiserror::Error)]
pub enum Violation {
    /// The sandbox behaved wrongly.
    #[error("{0}")]
    Property(String),
    /// An operation that must succeed failed.
    #[error("unexpected sandbox error: {0}")]
    Sandbox(#[from] SandboxError),
}

/// What the suite may assume about where the provider runs.
#[derive(Debug, Clone, Default)]
pub struct ConformanceOptions {
    /// Sandboxed processes run on this host, so the suite can look for leftovers
    /// in `/proc` and for leaked files in the host's `/tmp`, `/etc`, `/usr`.
    pub runs_on_this_host: bool,
    /// With network enabled, a sandbox can reach a listener on this host's
    /// loopback interface (true for a provider sharing the host's network).
    pub network_reaches_host_loopback: bool,
    /// A host file that sandboxes must not be able to read (stands in for the
    /// worker's secrets key in its state directory).
    pub host_secret_file: Option<PathBuf>,
}

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(Violation::Property(format!($($fmt)+)));
        }
    };
}

/// A random token to recognise this run's files and processes.
fn token() -> String {
    format!("{:012}", fastrand::u64(..1_000_000_000_000))
}

/// Creates a sandbox, runs `body` in it and destroys it whatever happened.
async fn with_sandbox(
    provider: &dyn SandboxProvider,
    spec: SandboxSpec,
    body: impl AsyncFnOnce(&dyn Sandbox) -> Result<(), Violation>,
) -> Result<(), Violation> {
    let sandbox = provider.create(spec).await?;
    let outcome = body(sandbox.as_ref()).await;
    let destroyed = sandbox.destroy().await;
    outcome?;
    destroyed?;
    Ok(())
}

async fn sh(sandbox: &dyn Sandbox, script: &str) -> Result<ExecOutput, Violation> {
    Ok(sandbox
        .exec(ExecRequest::shell(script).with_timeout(Duration::from_secs(120)))
        .await?)
}

/// Runs `script` and requires exit status 0.
async fn sh_ok(sandbox: &dyn Sandbox, script: &str) -> Result<ExecOutput, Violation> {
    let out = sh(sandbox, script).await?;
    ensure!(
        out.success(),
        "`{script}` failed: exit {:?}, stderr {:?}",
        out.exit_code,
        out.stderr_text()
    );
    Ok(out)
}

fn expect_class<T: std::fmt::Debug>(
    what: &str,
    result: Result<T, SandboxError>,
    class: ErrorClass,
) -> Result<SandboxError, Violation> {
    match result {
        Ok(value) => Err(Violation::Property(format!(
            "{what} succeeded ({value:?}) but must fail"
        ))),
        Err(e) if e.class() == class => Ok(e),
        Err(e) => Err(Violation::Property(format!(
            "{what} failed with {e} (class {:?}), expected class {class:?}",
            e.class()
        ))),
    }
}

fn expect_outside<T: std::fmt::Debug>(
    what: &str,
    result: Result<T, SandboxError>,
) -> Result<(), Violation> {
    match result {
        Err(SandboxError::PathOutsideSandbox { .. }) => Ok(()),
        other => {
            let mut shown = format!("{other:?}");
            shown.truncate(200);
            Err(Violation::Property(format!(
                "{what}: expected PathOutsideSandbox, got {shown}"
            )))
        }
    }
}

/// Pids of host processes whose command line contains `needle`.
fn host_processes_matching(needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            text.contains(needle)
                .then(|| format!("{}: {text}", e.file_name().to_string_lossy()))
        })
        .collect()
}

/// Requires that no host process mentions `needle` (waiting a little for the
/// kernel to finish tearing a namespace down).
async fn no_host_process(needle: &str) -> Result<(), Violation> {
    for _ in 0..50 {
        if host_processes_matching(needle).is_empty() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(Violation::Property(format!(
        "processes survived: {:?}",
        host_processes_matching(needle)
    )))
}

/// Argv and shell commands, exit codes, cwd, environment, stdin, output caps and
/// malformed requests.
pub async fn exec_basics(provider: &dyn SandboxProvider) -> Result<(), Violation> {
    let spec = SandboxSpec {
        env: BTreeMap::from([
            ("SPEC_VAR".to_owned(), "from-spec".to_owned()),
            ("BOTH".to_owned(), "spec".to_owned()),
        ]),
        ..SandboxSpec::default()
    };
    with_sandbox(provider, spec, async |sb: &dyn Sandbox| {
        let out = sb
            .exec(ExecRequest::argv(["printf", "%s|", "a b", "$HOME"]))
            .await?;
        ensure!(
            out.success() && out.stdout == b"a b|$HOME|",
            "argv exec (no shell expansion): {out:?}"
        );

        let out = sh_ok(sb, "echo $((2 + 3)) | tr 5 6; echo oops >&2").await?;
        ensure!(
            out.stdout == b"6\n" && out.stderr == b"oops\n",
            "shell exec and stderr: {out:?}"
        );

        let out = sh(sb, "exit 7").await?;
        ensure!(
            out.exit_code == Some(7) && !out.timed_out,
            "exit status 7 is a result: {out:?}"
        );

        let out = sh_ok(sb, "pwd").await?;
        ensure!(
            out.stdout == b"/workspace\n",
            "default cwd: {:?}",
            out.stdout_text()
        );
        sh_ok(sb, "mkdir -p sub/dir").await?;
        for (cwd, expected) in [("sub/dir", "/workspace/sub/dir\n"), ("/tmp", "/tmp\n")] {
            let out = sb.exec(ExecRequest::argv(["pwd"]).with_cwd(cwd)).await?;
            ensure!(out.stdout_text() == expected, "cwd {cwd}: {out:?}");
        }
        let missing = sb
            .exec(ExecRequest::argv(["pwd"]).with_cwd("no/such/dir"))
            .await;
        expect_class("exec in a missing cwd", missing, ErrorClass::Caller)?;
        expect_outside(
            "exec with cwd /etc",
            sb.exec(ExecRequest::argv(["pwd"]).with_cwd("/etc")).await,
        )?;

        let out = sb
            .exec(
                ExecRequest::shell(r#"printf '%s %s %s' "$SPEC_VAR" "$BOTH" "$REQ_VAR""#)
                    .with_env("BOTH", "req")
                    .with_env("REQ_VAR", "r"),
            )
            .await?;
        ensure!(
            out.stdout == b"from-spec req r",
            "environment precedence: {:?}",
            out.stdout_text()
        );

        let out = sb
            .exec(ExecRequest::argv(["cat"]).with_stdin(&b"line1\nline2\n"[..]))
            .await?;
        ensure!(out.stdout == b"line1\nline2\n", "stdin: {out:?}");
        let big = vec![b'x'; 3 << 20];
        let out = sb
            .exec(ExecRequest::argv(["wc", "-c"]).with_stdin(big))
            .await?;
        ensure!(
            out.stdout_text().trim() == "3145728",
            "3 MiB stdin: {:?}",
            out.stdout_text()
        );
        let out = sb.exec(ExecRequest::argv(["cat"])).await?;
        ensure!(
            out.success() && out.stdout.is_empty(),
            "no stdin is empty: {out:?}"
        );

        let out = sb
            .exec(ExecRequest::shell(
                "head -c 100000 /dev/zero | tr '\\0' a; head -c 50000 /dev/zero | tr '\\0' b >&2",
            )
            .with_output_caps(1000, 2000))
            .await?;
        ensure!(
            out.success()
                && out.stdout == vec![b'a'; 1000]
                && out.stderr == vec![b'b'; 2000]
                && out.stdout_truncated
                && out.stderr_truncated,
            "output caps: exit {:?}, {} / {} bytes kept",
            out.exit_code,
            out.stdout.len(),
            out.stderr.len()
        );
        let out = sb
            .exec(
                ExecRequest::argv(["head", "-c", "30000000", "/dev/zero"]).with_output_caps(10, 10),
            )
            .await?;
        ensure!(
            out.success() && out.stdout.len() == 10 && out.stdout_truncated,
            "30 MB past a cap must not block: {:?}",
            (out.exit_code, out.timed_out)
        );
        let out = sb
            .exec(ExecRequest::argv(["printf", "abc"]).with_output_caps(3, 3))
            .await?;
        ensure!(
            out.stdout == b"abc" && !out.stdout_truncated,
            "output exactly at the cap: {out:?}"
        );

        expect_class(
            "empty argv",
            sb.exec(ExecRequest::argv(Vec::<String>::new())).await,
            ErrorClass::Caller,
        )?;
        expect_class(
            "bad env name",
            sb.exec(ExecRequest::argv(["true"]).with_env("A=B", "1"))
                .await,
            ErrorClass::Caller,
        )?;
        Ok(())
    })
    .await
}

/// Files written by exec are seen by file operations and vice versa, both persist
/// across execs, and nothing lands on the host outside the sandbox.
pub async fn files_and_persistence(
    provider: &dyn SandboxProvider,
    options: &ConformanceOptions,
) -> Result<(), Violation> {
    let tok = token();
    with_sandbox(provider, SandboxSpec::default(), async |sb: &dyn Sandbox| {
        sb.write_file("notes/a.txt", b"alpha").await?;
        let out = sh_ok(sb, "cat /workspace/notes/a.txt; touch notes/from-sandbox").await?;
        ensure!(out.stdout == b"alpha", "exec sees write_file: {out:?}");

        sh_ok(sb, &format!("printf beta > b.txt; mkdir -p d/e; printf gamma > d/e/f.txt; printf keep > /tmp/keep-{tok}")).await?;
        ensure!(sb.read_file("b.txt").await? == b"beta", "read_file sees exec output");
        ensure!(sb.read_file("/workspace/d/e/f.txt").await? == b"gamma", "absolute path read");
        let out = sh_ok(sb, &format!("cat /tmp/keep-{tok}")).await?;
        ensure!(out.stdout == b"keep", "/tmp persists across execs: {out:?}");
        ensure!(sb.read_file(&format!("/tmp/keep-{tok}")).await? == b"keep", "read_file in /tmp");

        sb.write_file("b.txt", b"BETA2").await?;
        sh_ok(sb, "echo more >> b.txt").await?;
        ensure!(sb.read_file("b.txt").await? == b"BETA2more\n", "sandbox can modify a file the host rewrote");

        let top = sb.list_files("", false).await?;
        let find = |entries: &[crate::FileEntry], path: &str| entries.iter().find(|e| e.path == path).cloned();
        ensure!(find(&top, "/workspace/notes").is_some_and(|e| e.is_dir), "listing shows directories: {top:?}");
        ensure!(find(&top, "/workspace/b.txt").is_some_and(|e| !e.is_dir && e.size == 10), "listing shows sizes: {top:?}");
        ensure!(find(&top, "/workspace/d/e/f.txt").is_none(), "non-recursive listing stays at the top: {top:?}");
        let all = sb.list_files("", true).await?;
        ensure!(find(&all, "/workspace/d/e/f.txt").is_some_and(|e| e.size == 5), "recursive listing: {all:?}");
        ensure!(find(&all, "/workspace/notes/from-sandbox").is_some(), "sandbox wrote into a host-created directory: {all:?}");
        let sub = sb.list_files("d", true).await?;
        let paths: Vec<_> = sub.iter().map(|e| e.path.as_str()).collect();
        ensure!(paths == ["/workspace/d/e", "/workspace/d/e/f.txt"], "listing a prefix: {paths:?}");
        let single = sb.list_files("b.txt", false).await?;
        ensure!(single.len() == 1 && single[0].path == "/workspace/b.txt", "listing a file: {single:?}");

        let binary: Vec<u8> = (0..=255).collect();
        sb.upload("/workspace/bin/data.bin", &binary).await?;
        ensure!(sb.download("bin/data.bin").await? == binary, "upload/download round trip");
        let out = sh_ok(sb, "wc -c < bin/data.bin").await?;
        ensure!(out.stdout_text().trim() == "256", "uploaded file seen by exec");

        expect_class("reading a missing file", sb.read_file("missing.txt").await, ErrorClass::Caller)?;
        expect_class("reading a directory", sb.read_file("notes").await, ErrorClass::Caller)?;

        if options.runs_on_this_host {
            sh_ok(sb, &format!("printf leak > /tmp/host-leak-{tok}")).await?;
            for host_path in [format!("/tmp/keep-{tok}"), format!("/tmp/host-leak-{tok}"), "/workspace/b.txt".to_owned()] {
                ensure!(!Path::new(&host_path).exists(), "sandbox file appeared on the host at {host_path}");
            }
        }
        Ok(())
    })
    .await
}

fn connect_script(port: u16) -> String {
    format!(
        "python3 -c \"import socket; s = socket.create_connection(('127.0.0.1', {port}), timeout=5); s.sendall(b'hi'); s.close()\""
    )
}

/// Without network a sandbox cannot reach a listener on the host's loopback; with
/// network (when the provider shares the host's network) it can.
pub async fn network_isolation(
    provider: &dyn SandboxProvider,
    options: &ConformanceOptions,
) -> Result<(), Violation> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Violation::Property(format!("cannot open a loopback listener: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Violation::Property(format!("listener address: {e}")))?
        .port();
    let script = connect_script(port);

    with_sandbox(
        provider,
        SandboxSpec::default(),
        async |sb: &dyn Sandbox| {
            let out = sh(sb, &script).await?;
            ensure!(
                out.exit_code.is_some_and(|c| c != 0),
                "connect without network must fail: {out:?}"
            );
            let accepted =
                tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
            ensure!(
                accepted.is_err(),
                "the host listener got a connection from a sandbox without network"
            );
            Ok(())
        },
    )
    .await?;

    if options.network_reaches_host_loopback {
        let spec = SandboxSpec {
            network: true,
            ..SandboxSpec::default()
        };
        with_sandbox(provider, spec, async |sb: &dyn Sandbox| {
            let out = sh(sb, &script).await?;
            ensure!(out.success(), "connect with network must succeed: {out:?}");
            let accepted = tokio::time::timeout(Duration::from_secs(10), listener.accept()).await;
            ensure!(
                accepted.is_ok_and(|r| r.is_ok()),
                "the host listener saw no connection"
            );
            Ok(())
        })
        .await?;
    }
    Ok(())
}

/// Nothing outside `/workspace` and `/tmp` is writable, host secrets and home
/// directories are unreadable, and sandboxes cannot see each other's files.
pub async fn filesystem_confinement(
    provider: &dyn SandboxProvider,
    options: &ConformanceOptions,
) -> Result<(), Violation> {
    let tok = token();
    with_sandbox(provider, SandboxSpec::default(), async |sb: &dyn Sandbox| {
        for dir in ["/usr", "/usr/bin", "/etc", "", "/bin", "/lib", "/proc", "/dev"] {
            let target = format!("{dir}/conformance-{tok}");
            let out = sh(sb, &format!("echo x > {target}")).await?;
            ensure!(!out.success(), "sandbox could write {target}");
            if options.runs_on_this_host {
                ensure!(!Path::new(&target).exists(), "{target} appeared on the host");
            }
        }
        let out = sh(sb, "touch /usr/bin/env || touch /etc/hosts").await?;
        ensure!(!out.success(), "sandbox could modify system files");

        if let Some(secret) = &options.host_secret_file {
            let shown = secret.display();
            let content = std::fs::read(secret).map_err(|e| Violation::Property(format!("test secret {shown}: {e}")))?;
            let parent = secret.parent().map(|p| p.display().to_string()).unwrap_or_default();
            let out = sh(sb, &format!("cat '{shown}'; ls -la '{parent}'")).await?;
            let leaked = out.stdout.windows(content.len().max(1)).any(|w| w == content.as_slice());
            ensure!(!leaked && !out.success(), "host secret readable from the sandbox: {:?}", out.stdout_text());
            ensure!(sb.read_file(&secret.to_string_lossy()).await.is_err(), "read_file reached the host secret");
        }

        let out = sh(sb, "ls -A /root /home 2>/dev/null").await?;
        ensure!(out.stdout.is_empty(), "home directories visible: {:?}", out.stdout_text());

        sh_ok(sb, &format!("printf mine > /workspace/private-{tok}; printf mine > /tmp/private-{tok}")).await?;
        with_sandbox(provider, SandboxSpec::default(), async |other: &dyn Sandbox| {
            let out = sh(other, &format!(
                "cat /workspace/private-{tok} /tmp/private-{tok}; find / \\( -path /proc -o -path /sys -o -path /usr \\) -prune -o -name 'private-{tok}' -print"
            ))
            .await?;
            ensure!(out.stdout.is_empty(), "a second sandbox sees the first one's files: {:?}", out.stdout_text());
            ensure!(other.read_file(&format!("private-{tok}")).await.is_err(), "read_file crosses sandboxes");
            Ok(())
        })
        .await
    })
    .await
}

/// A fork bomb hits the process limit: the exec ends, the host can still start
/// processes, the sandbox stays usable and no process is left behind.
pub async fn fork_bomb_contained(
    provider: &dyn SandboxProvider,
    options: &ConformanceOptions,
) -> Result<(), Violation> {
    let tok = token();
    let function = format!("bomb_{tok}");
    let spec = SandboxSpec {
        limits: SandboxLimits {
            max_processes: 64,
            ..SandboxLimits::default()
        },
        ..SandboxSpec::default()
    };
    with_sandbox(provider, spec, async |sb: &dyn Sandbox| {
        let script = format!(
            "{function}() {{ {function} | {function} & }}; {function}; sleep 3; echo survived"
        );
        let request = ExecRequest::shell(script)
            .with_timeout(Duration::from_secs(90))
            .with_output_caps(4096, 4096);
        let (out, host_ok) = tokio::join!(sb.exec(request), async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if !options.runs_on_this_host {
                return true;
            }
            tokio::process::Command::new("true")
                .status()
                .await
                .is_ok_and(|s| s.success())
        });
        let out = out?;
        ensure!(
            host_ok,
            "the host could not start a process during the fork bomb"
        );
        ensure!(
            !out.timed_out,
            "the fork bomb exec did not end by itself: {out:?}"
        );
        let out = sh_ok(sb, "echo ok").await?;
        ensure!(out.stdout == b"ok\n", "sandbox unusable after a fork bomb");
        Ok(())
    })
    .await?;
    if options.runs_on_this_host {
        no_host_process(&function).await?;
    }
    Ok(())
}

/// A huge write stops at the file size limit, the workspace quota holds (for
/// `/workspace` and `/tmp` together), and space comes back after deletion.
pub async fn disk_limits(provider: &dyn SandboxProvider) -> Result<(), Violation> {
    const FILE_LIMIT: u64 = 16 << 20;
    const QUOTA: u64 = 48 << 20;
    let spec = SandboxSpec {
        limits: SandboxLimits {
            max_file_size_bytes: FILE_LIMIT,
            max_workspace_bytes: QUOTA,
            ..SandboxLimits::default()
        },
        ..SandboxSpec::default()
    };
    with_sandbox(provider, spec, async |sb: &dyn Sandbox| {
        let out = sh(sb, "head -c 10G /dev/zero > huge").await?;
        ensure!(!out.success(), "a 10 GB write succeeded");
        let size = sb
            .list_files("huge", false)
            .await?
            .first()
            .map_or(0, |e| e.size);
        ensure!(
            size <= FILE_LIMIT,
            "huge is {size} bytes, above the file limit"
        );

        let out = sh(
            sb,
            "for i in 1 2 3 4 5 6; do head -c 12000000 /dev/zero > part$i || exit 1; done",
        )
        .await?;
        ensure!(
            !out.success(),
            "writing 72 MB more than fit in a 48 MiB quota succeeded"
        );
        let out = sh(sb, "head -c 12000000 /dev/zero > /tmp/more").await?;
        ensure!(!out.success(), "/tmp escaped the quota");
        let used: u64 = sb
            .list_files("", true)
            .await?
            .iter()
            .chain(sb.list_files("/tmp", true).await?.iter())
            .map(|e| e.size)
            .sum();
        ensure!(
            used <= QUOTA,
            "{used} bytes stored, above the {QUOTA}-byte quota"
        );

        let too_big = vec![0u8; usize::try_from(FILE_LIMIT).unwrap_or(usize::MAX) + 1];
        expect_class(
            "write_file above the file limit",
            sb.write_file("big.bin", &too_big).await,
            ErrorClass::Caller,
        )?;

        sh_ok(
            sb,
            "rm -f huge part* /tmp/more; head -c 12000000 /dev/zero > again",
        )
        .await?;
        Ok(())
    })
    .await
}

/// A process allocating more than `max_memory_bytes` fails; a small one works.
pub async fn memory_limit(provider: &dyn SandboxProvider) -> Result<(), Violation> {
    let spec = SandboxSpec {
        limits: SandboxLimits {
            max_memory_bytes: 256 << 20,
            ..SandboxLimits::default()
        },
        ..SandboxSpec::default()
    };
    with_sandbox(provider, spec, async |sb: &dyn Sandbox| {
        let out = sh(sb, "python3 -c 'b = bytearray(32 << 20); print(len(b))'").await?;
        ensure!(out.success(), "a 32 MiB allocation must work: {out:?}");
        let out = sh(sb, "python3 -c 'b = bytearray(1 << 30); print(len(b))'").await?;
        ensure!(
            !out.success(),
            "a 1 GiB allocation under a 256 MiB limit succeeded"
        );
        Ok(())
    })
    .await
}

/// Past the timeout the exec returns `timed_out` and every process it started,
/// including background, double-forked and `setsid` ones, is gone.
pub async fn timeout_kills_process_tree(
    provider: &dyn SandboxProvider,
    options: &ConformanceOptions,
) -> Result<(), Violation> {
    let tok = token();
    let needle = format!("1000.{tok}");
    with_sandbox(provider, SandboxSpec::default(), async |sb: &dyn Sandbox| {
        let script = format!("sleep {needle} & setsid sh -c 'sleep {needle} & sleep {needle}' & sleep {needle}");
        let out = sb.exec(ExecRequest::shell(script).with_timeout(Duration::from_secs(2))).await?;
        ensure!(out.timed_out && out.exit_code.is_none(), "timeout not reported: {out:?}");
        ensure!(
            out.duration >= Duration::from_secs(2) && out.duration < Duration::from_secs(60),
            "timeout took {:?}",
            out.duration
        );
        let out = sb.exec(ExecRequest::argv(["sleep", &needle]).with_timeout(Duration::from_secs(1))).await?;
        ensure!(out.timed_out, "argv exec timeout not reported: {out:?}");

        let pattern = format!("1000[.]{tok}");
        let out = sh_ok(sb, &format!(
            "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -c '{pattern}' || true"
        ))
        .await?;
        ensure!(out.stdout_text().trim() == "0", "timed-out processes still visible in the sandbox");
        if options.runs_on_this_host {
            no_host_process(&needle).await?;
        }
        Ok(())
    })
    .await
}

/// Destroy kills running execs, is idempotent, and every later operation fails
/// with an infrastructure error.
pub async fn destroy_semantics(
    provider: &dyn SandboxProvider,
    options: &ConformanceOptions,
) -> Result<(), Violation> {
    let tok = token();
    let needle = format!("1000.{tok}");
    let sandbox: Arc<dyn Sandbox> = Arc::from(provider.create(SandboxSpec::default()).await?);
    sandbox.write_file("x.txt", b"1").await?;
    let running = {
        let sandbox = Arc::clone(&sandbox);
        let request =
            ExecRequest::argv(["sleep", needle.as_str()]).with_timeout(Duration::from_secs(600));
        tokio::spawn(async move { sandbox.exec(request).await })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    sandbox.destroy().await?;
    let finished = tokio::time::timeout(Duration::from_secs(30), running).await;
    ensure!(
        finished.as_ref().is_ok_and(|joined| joined
            .as_ref()
            .is_ok_and(|r| !r.as_ref().is_ok_and(ExecOutput::success))),
        "a running exec did not end (or succeeded) when its sandbox was destroyed: {finished:?}"
    );
    sandbox.destroy().await?;
    let infra = ErrorClass::Infrastructure;
    expect_class(
        "exec after destroy",
        sandbox.exec(ExecRequest::argv(["true"])).await,
        infra,
    )?;
    expect_class(
        "read_file after destroy",
        sandbox.read_file("x.txt").await,
        infra,
    )?;
    expect_class(
        "write_file after destroy",
        sandbox.write_file("y.txt", b"2").await,
        infra,
    )?;
    expect_class(
        "list_files after destroy",
        sandbox.list_files("", true).await,
        infra,
    )?;
    if options.runs_on_this_host {
        no_host_process(&needle).await?;
    }
    Ok(())
}

/// File operations refuse `..`, absolute paths outside the sandbox and symlinks
/// leading out, and never touch the host file behind such a symlink.
pub async fn path_escapes(
    provider: &dyn SandboxProvider,
    options: &ConformanceOptions,
) -> Result<(), Violation> {
    let tok = token();
    let host_passwd = std::fs::read("/etc/passwd").ok();
    with_sandbox(provider, SandboxSpec::default(), async |sb: &dyn Sandbox| {
        for path in ["../etc/passwd", "/etc/passwd", "/workspace/../etc/passwd", "/", "/proc/self/environ", "/tmp/../etc/shadow"] {
            expect_outside(&format!("read_file {path}"), sb.read_file(path).await)?;
        }
        expect_outside("write_file /usr/x", sb.write_file("/usr/x", b"x").await)?;
        expect_outside("write_file ../x", sb.write_file("../x", b"x").await)?;
        expect_outside("list_files /etc", sb.list_files("/etc", false).await)?;
        expect_outside("list_files ..", sb.list_files("..", true).await)?;

        sh_ok(sb, "ln -s /etc/passwd abs-link; ln -s ../../../../../../../etc/passwd rel-link; ln -s / root-link; ln -s /etc etc-link; mkdir inner; printf ok > inner/target; ln -s inner/target good-link").await?;
        for path in ["abs-link", "rel-link", "root-link/etc/passwd", "etc-link/passwd"] {
            expect_outside(&format!("read_file through {path}"), sb.read_file(path).await)?;
        }
        ensure!(sb.read_file("good-link").await? == b"ok", "a symlink staying inside must work");
        expect_outside("write_file through abs-link", sb.write_file("abs-link", b"pwned").await)?;
        expect_outside("write_file through etc-link", sb.write_file(&format!("etc-link/pwned-{tok}"), b"pwned").await)?;
        expect_outside("write_file below root-link", sb.write_file(&format!("root-link/tmp/pwned-{tok}"), b"pwned").await)?;
        expect_outside("list_files root-link", sb.list_files("root-link", false).await)?;
        expect_outside("exec with cwd etc-link", sb.exec(ExecRequest::argv(["pwd"]).with_cwd("etc-link")).await)?;
        let all = sb.list_files("", true).await?;
        ensure!(
            !all.iter().any(|e| e.path.starts_with("/workspace/root-link/") || e.path.starts_with("/workspace/etc-link/")),
            "recursive listing followed a symlink out"
        );
        if options.runs_on_this_host {
            ensure!(!Path::new(&format!("/etc/pwned-{tok}")).exists(), "write_file created a host file");
            ensure!(!Path::new(&format!("/tmp/pwned-{tok}")).exists(), "write_file created a host file in /tmp");
            ensure!(std::fs::read("/etc/passwd").ok() == host_passwd, "host /etc/passwd changed");
        }
        Ok(())
    })
    .await
}

/// Every property above, one after the other.
pub async fn run_all(
    provider: &dyn SandboxProvider,
    options: &ConformanceOptions,
) -> Result<(), Violation> {
    exec_basics(provider).await?;
    files_and_persistence(provider, options).await?;
    network_isolation(provider, options).await?;
    filesystem_confinement(provider, options).await?;
    fork_bomb_contained(provider, options).await?;
    disk_limits(provider).await?;
    memory_limit(provider).await?;
    timeout_kills_process_tree(provider, options).await?;
    destroy_semantics(provider, options).await?;
    path_escapes(provider, options).await
}
