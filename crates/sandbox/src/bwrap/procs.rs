//! Finding and killing host processes through `/proc`: a sandbox's processes are
//! exactly those running as its private uid, and a worker is identified by its pid
//! plus start time (pids are reused).

use std::fs;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Start time of process `pid` in clock ticks since boot, or `None` if it is gone.
pub(crate) fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: fields after
    // the last ')' are well formed. starttime is field 22, the 20th after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether process `pid` exists and started at `started` (so it is the same process).
pub(crate) fn is_alive(pid: u32, started: u64) -> bool {
    start_time(pid) == Some(started)
}

/// Pids of every process whose real, effective, saved or filesystem uid is `uid`.
pub(crate) fn pids_of_uid(uid: u32) -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|status| {
                    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
                    Some(
                        line.split_whitespace()
                            .skip(1)
                            .any(|field| field.parse::<u32>() == Ok(uid)),
                    )
                })
                .unwrap_or(false)
        })
        .collect()
}

/// SIGKILLs every process of `uid` until none is left (forks racing the scan are
/// caught by the next round). Returns false if some survived every round. Blocks.
pub(crate) fn kill_uid(uid: u32) -> bool {
    for _ in 0..200 {
        let pids = pids_of_uid(uid);
        if pids.is_empty() {
            return true;
        }
        for pid in pids {
            // ESRCH (already gone) is fine.
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    pids_of_uid(uid).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive_and_a_wrong_start_time_is_not() {
        let me = std::process::id();
        let started = start_time(me).expect("own /proc/self/stat");
        assert!(is_alive(me, started));
        assert!(!is_alive(me, started + 1));
    }

    #[test]
    fn a_reaped_child_is_not_alive() {
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let pid = child.id();
        child.wait().expect("wait");
        assert_eq!(start_time(pid), None);
    }
}
