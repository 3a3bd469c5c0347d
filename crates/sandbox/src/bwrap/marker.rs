//! The owner marker stored in each sandbox directory: which worker process owns
//! the sandbox and which uid its processes run as, so a restarted worker can find
//! and clean up what a crashed one left behind.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::procs;

/// File name of the marker inside `<root>/<id>/`.
pub(crate) const MARKER_FILE: &str = "owner.json";

/// Contents of the owner marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OwnerMarker {
    /// Pid of the worker that created the sandbox.
    pub owner_pid: u32,
    /// Start time (clock ticks since boot) of that worker, to detect pid reuse.
    pub owner_start_time: u64,
    /// Uid (and gid) the sandbox's processes run as.
    pub uid: u32,
    /// The spec's label, for humans reading the directory.
    pub label: String,
}

impl OwnerMarker {
    /// A marker naming the current process as owner.
    pub fn for_current_process(uid: u32, label: &str) -> std::io::Result<Self> {
        let owner_pid = std::process::id();
        let owner_start_time = procs::start_time(owner_pid)
            .ok_or_else(|| std::io::Error::other("cannot read own start time from /proc"))?;
        Ok(Self {
            owner_pid,
            owner_start_time,
            uid,
            label: label.to_owned(),
        })
    }

    /// Writes the marker into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        fs::write(dir.join(MARKER_FILE), json)
    }

    /// Reads the marker of `dir`.
    pub fn read(dir: &Path) -> std::io::Result<Self> {
        let bytes = fs::read(dir.join(MARKER_FILE))?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }

    /// Whether the owning worker process still runs.
    pub fn owner_alive(&self) -> bool {
        procs::is_alive(self.owner_pid, self.owner_start_time)
    }
}
