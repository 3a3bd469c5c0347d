//! Detached child processes: pid files, liveness, spawning and stopping.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

use crate::error::{IoContext, Result};

/// What a pid file records: the pid and the process's start time (clock
/// ticks since boot, from `/proc/<pid>/stat`), so a recycled pid is never
/// mistaken for our process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PidRecord {
    /// Process id (also the process-group id: every component leads its group).
    pub pid: i32,
    /// Start time in clock ticks since boot, when it could be read.
    pub start_time: Option<u64>,
}

impl PidRecord {
    /// Record for a process that is running now.
    pub fn of(pid: i32) -> Self {
        Self {
            pid,
            start_time: proc_stat(pid).map(|s| s.start_time),
        }
    }

    /// Parses `"<pid>"` or `"<pid> <start-time>"`; anything else is `None`
    /// (a corrupt pid file is treated like a stale one).
    pub fn parse(text: &str) -> Option<Self> {
        let mut fields = text.split_whitespace();
        let pid = fields.next()?.parse::<i32>().ok().filter(|p| *p > 0)?;
        let start_time = match fields.next() {
            Some(t) => Some(t.parse().ok()?),
            None => None,
        };
        fields.next().is_none().then_some(Self { pid, start_time })
    }

    /// The pid-file representation, the inverse of [`PidRecord::parse`].
    pub fn render(&self) -> String {
        match self.start_time {
            Some(t) => format!("{} {t}\n", self.pid),
            None => format!("{}\n", self.pid),
        }
    }

    /// Reads a pid file; missing or unparsable files are `None`.
    pub fn read(path: &Path) -> Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Self::parse(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Writes the pid file.
    pub fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.render()).context(|| format!("cannot write {}", path.display()))
    }

    /// True while the recorded process exists, is not a zombie and is the
    /// same process that was recorded. Reaps it first when it is our child,
    /// so a dead child never lingers as a zombie.
    pub fn is_alive(&self) -> bool {
        let pid = Pid::from_raw(self.pid);
        // ECHILD (not our child) and "still running" both leave it to /proc.
        let _ = waitpid(pid, Some(WaitPidFlag::WNOHANG));
        match proc_stat(self.pid) {
            None => false,
            Some(stat) if stat.is_dead() => false,
            Some(stat) => self.start_time.is_none_or(|t| t == stat.start_time),
        }
    }
}

/// Removes a file, treating "already gone" as success.
pub(crate) fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// The fields of `/proc/<pid>/stat` we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ProcStat {
    state: char,
    pgrp: i32,
    start_time: u64,
}

impl ProcStat {
    /// Exited (zombie) or being torn down.
    fn is_dead(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }
}

fn proc_stat(pid: i32) -> Option<ProcStat> {
    parse_proc_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Parses `pid (comm) state ppid ...`; `comm` may contain spaces and
/// parentheses, so fields are counted from the last `)`.
fn parse_proc_stat(text: &str) -> Option<ProcStat> {
    let after_comm = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    Some(ProcStat {
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        // Field 22 of the whole line; field 3 (state) is index 0 here.
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// A component process we just started.
#[derive(Debug)]
pub(crate) struct Spawned {
    /// Kept so readiness checks can report the exit status.
    pub child: Child,
    /// What was written to the pid file.
    pub record: PidRecord,
}

/// Starts `command` detached: in its own process group, stdin closed,
/// stdout and stderr appended to `log`; records it in `pid_file`.
pub(crate) fn spawn_detached(mut command: Command, log: &Path, pid_file: &Path) -> Result<Spawned> {
    let program = command.get_program().to_string_lossy().into_owned();
    let (out, err) = open_log(log, &format!("starting {program}"))?;
    let child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .context(|| format!("cannot start {program}"))?;
    let pid = i32::try_from(child.id()).unwrap_or(i32::MAX);
    let record = PidRecord::of(pid);
    record.write(pid_file)?;
    Ok(Spawned { child, record })
}

/// Opens `log` for appending, writes a header line saying what follows
/// (so restarts are easy to find) and returns two handles for a child's
/// stdout and stderr.
pub(crate) fn open_log(log: &Path, what: &str) -> Result<(File, File)> {
    let mut out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .context(|| format!("cannot open {}", log.display()))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    writeln!(out, "=== agentclash: {what} (unix time {now}) ===")
        .context(|| format!("cannot write {}", log.display()))?;
    let err = out
        .try_clone()
        .context(|| format!("cannot open {}", log.display()))?;
    Ok((out, err))
}

/// The executable of a running process, e.g. to probe the Temporal server
/// with the very `temporal` binary that runs it.
pub(crate) fn executable_of(pid: i32) -> Option<std::path::PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

impl Spawned {
    /// `Some(description)` once the process has exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("the process exited ({status})")),
            Ok(None) => None,
            Err(e) => Some(format!("cannot wait for the process: {e}")),
        }
    }
}

/// How to ask a component to stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StopSignal {
    /// First signal.
    pub signal: Signal,
    /// Send it to the whole process group (else to the leader only, for
    /// programs like Postgres that shut their children down themselves).
    pub whole_group: bool,
}

/// Stops the process recorded in `record` and everything in its process
/// group: `how`, up to `grace` to exit, then SIGKILL to the group. When the
/// leader is already dead, members of its group that outlived it are
/// killed. Returns whether the leader was running.
pub(crate) fn stop(record: &PidRecord, how: StopSignal, grace: Duration) -> Result<bool> {
    let pid = Pid::from_raw(record.pid);
    let was_alive = record.is_alive();
    if was_alive {
        let sent = if how.whole_group {
            killpg(pid, how.signal)
        } else {
            kill(pid, how.signal)
        };
        ignore_esrch(sent).context(|| format!("cannot signal process {pid}"))?;
        if !wait_until(grace, || !record.is_alive()) {
            ignore_esrch(killpg(pid, Signal::SIGKILL))
                .context(|| format!("cannot kill process {pid}"))?;
            wait_until(Duration::from_secs(5), || !record.is_alive());
        }
    } else if proc_stat(record.pid).is_some_and(|s| !s.is_dead()) {
        // The pid now belongs to another live process; so does its group.
        return Ok(false);
    }
    // A process group keeps its number until its last member exits, so a
    // group with the dead leader's pid is the rest of ours.
    if group_has_live_members(record.pid) {
        ignore_esrch(killpg(pid, Signal::SIGKILL))
            .context(|| format!("cannot kill group {pid}"))?;
        wait_until(Duration::from_secs(5), || {
            !group_has_live_members(record.pid)
        });
    }
    Ok(was_alive)
}

/// Whether any process that has not exited is in process group `pgid`.
/// Zombies are ignored: they are gone except for their exit status, which
/// their (possibly slow) reaper collects.
fn group_has_live_members(pgid: i32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return killpg(Pid::from_raw(pgid), None).is_ok();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(proc_stat)
        .any(|s| s.pgrp == pgid && !s.is_dead())
}

fn ignore_esrch(r: nix::Result<()>) -> nix::Result<()> {
    match r {
        Err(Errno::ESRCH) => Ok(()),
        other => other,
    }
}

/// Polls `done` every 100 ms until it is true or `limit` passes; returns
/// whether it became true.
pub(crate) fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() >= limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The last `n` lines of a file (fewer if it is shorter); a missing file
/// has no lines. Reads backwards in growing chunks, so large logs are cheap.
pub fn tail_lines(path: &Path, n: usize) -> Result<Vec<String>> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).context(|| format!("cannot open {}", path.display())),
    };
    let len = file
        .metadata()
        .context(|| format!("cannot stat {}", path.display()))?
        .len();
    let mut window: u64 = 64 * 1024;
    loop {
        let start = len.saturating_sub(window);
        let mut buf = Vec::new();
        file.seek(SeekFrom::Start(start))
            .and_then(|_| file.read_to_end(&mut buf))
            .context(|| format!("cannot read {}", path.display()))?;
        let text = String::from_utf8_lossy(&buf);
        let mut lines: Vec<&str> = text.lines().collect();
        if start > 0 {
            if lines.len() <= n {
                window = window.saturating_mul(4);
                continue;
            }
            lines.remove(0); // probably cut in the middle
        }
        let skip = lines.len().saturating_sub(n);
        return Ok(lines[skip..].iter().map(|l| (*l).to_owned()).collect());
    }
}

/// Reads a small state file (password, key) trimmed, or `None` if missing.
pub(crate) fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.trim().to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_records_round_trip_and_reject_garbage() {
        for rec in [
            PidRecord {
                pid: 42,
                start_time: Some(123_456),
            },
            PidRecord {
                pid: 7,
                start_time: None,
            },
        ] {
            assert_eq!(PidRecord::parse(&rec.render()), Some(rec));
        }
        for bad in ["", "abc", "-3", "0", "12 x", "1 2 3", "99999999999"] {
            assert_eq!(PidRecord::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            PidRecord::parse(" 5 \n"),
            Some(PidRecord {
                pid: 5,
                start_time: None
            })
        );
    }

    #[test]
    fn proc_stat_parsing_survives_odd_command_names() {
        let line = "1234 (we (ird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 10";
        assert_eq!(
            parse_proc_stat(line),
            Some(ProcStat {
                state: 'S',
                pgrp: 1234,
                start_time: 98765
            })
        );
        assert_eq!(parse_proc_stat("1 (x) Z"), None);
    }

    #[test]
    fn liveness_follows_the_process_and_its_start_time() {
        let me = PidRecord::of(i32::try_from(std::process::id()).expect("pid fits"));
        assert!(me.start_time.is_some());
        assert!(me.is_alive());
        let recycled = PidRecord {
            start_time: me.start_time.map(|t| t + 1),
            ..me
        };
        assert!(!recycled.is_alive());
        let mut child = Command::new("true").spawn().expect("spawn true");
        let rec = PidRecord::of(i32::try_from(child.id()).expect("pid fits"));
        assert!(
            wait_until(Duration::from_secs(5), || !rec.is_alive()),
            "exited child is dead"
        );
        let _ = child.wait();
    }

    #[test]
    fn tail_returns_the_last_lines() {
        let path = std::env::temp_dir().join(format!("agentclash-tail-{}.log", std::process::id()));
        let body: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, body).expect("write");
        assert_eq!(
            tail_lines(&path, 2).expect("tail"),
            vec!["line 99998", "line 99999"]
        );
        assert_eq!(tail_lines(&path, 50_000).expect("tail").len(), 50_000);
        assert_eq!(tail_lines(&path, 0).expect("tail"), Vec::<String>::new());
        std::fs::write(&path, "a\nb").expect("write");
        assert_eq!(tail_lines(&path, 10).expect("tail"), vec!["a", "b"]);
        std::fs::remove_file(&path).expect("cleanup");
        assert!(tail_lines(&path, 3).expect("missing is empty").is_empty());
    }
}
