//! Host-side file operations on a sandbox's areas that never leave them.
//!
//! Every lookup goes through `openat2(2)` relative to the area directory with
//! `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV`: the kernel refuses
//! any `..`, absolute symlink or relative symlink that would leave the area, so a
//! symlink planted by sandboxed code can never make the worker touch a host file.
//! Directories are created one component at a time with `mkdirat` on a descriptor
//! obtained that way, and listings walk descriptors with `O_NOFOLLOW`. Functions
//! here block; callers run them on the blocking pool.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::fchown;
use std::path::Path;

use nix::dir::{Dir, Type};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, OpenHow, ResolveFlag, openat, openat2};
use nix::sys::stat::{FileStat, Mode, SFlag, fstat, fstatat, mkdirat};

use crate::path::SandboxPath;
use crate::{FileEntry, SandboxError};

/// One writable area of a sandbox on the host, and who owns its files.
pub(crate) struct HostArea<'a> {
    /// Host directory bound at the area's mount point.
    pub dir: &'a Path,
    /// Owner given to files and directories the worker creates, so sandboxed
    /// processes can modify them.
    pub owner: (u32, u32),
}

fn resolve_flags() -> ResolveFlag {
    ResolveFlag::RESOLVE_BENEATH | ResolveFlag::RESOLVE_NO_MAGICLINKS | ResolveFlag::RESOLVE_NO_XDEV
}

/// Maps an errno of a lookup of `path` to the error callers should see.
fn map_errno(path: &SandboxPath, errno: Errno, doing: &str) -> SandboxError {
    let shown = path.display();
    match errno {
        Errno::EXDEV => SandboxError::PathOutsideSandbox { path: shown },
        Errno::ELOOP => SandboxError::InvalidPath {
            path: shown,
            reason: "too many levels of symbolic links",
        },
        Errno::ENOENT | Errno::ENOTDIR => SandboxError::NotFound { path: shown },
        // EISDIR: a directory; ENXIO: a fifo without reader opened for writing.
        Errno::EISDIR | Errno::ENXIO => SandboxError::WrongFileType {
            path: shown,
            expected: "regular file",
        },
        Errno::ENOSPC | Errno::EDQUOT => SandboxError::NoSpace { path: shown },
        other => SandboxError::infra(format!("{doing} {shown}"), other.into()),
    }
}

fn io_error(path: &SandboxPath, err: std::io::Error, doing: &str) -> SandboxError {
    match err.raw_os_error() {
        Some(code) => map_errno(path, Errno::from_raw(code), doing),
        None => SandboxError::infra(format!("{doing} {}", path.display()), err),
    }
}

impl HostArea<'_> {
    fn open_root(&self) -> Result<OwnedFd, SandboxError> {
        openat(
            nix::fcntl::AT_FDCWD,
            self.dir,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| SandboxError::infra(format!("open {}", self.dir.display()), e.into()))
    }

    /// Opens `path` below the area with `flags`; the kernel enforces confinement.
    /// `EAGAIN` (a concurrent rename raced the lookup) is retried a few times.
    fn open_beneath(
        &self,
        root: &OwnedFd,
        path: &SandboxPath,
        flags: OFlag,
        mode: Mode,
        doing: &str,
    ) -> Result<OwnedFd, SandboxError> {
        // openat2 rejects O_PATH combined with anything but a few flags.
        let extra = if flags.contains(OFlag::O_PATH) {
            OFlag::O_CLOEXEC
        } else {
            OFlag::O_CLOEXEC | OFlag::O_NOCTTY
        };
        let how = OpenHow::new()
            .flags(flags | extra)
            .mode(mode)
            .resolve(resolve_flags());
        let relative = path.relative();
        let mut attempts = 0;
        loop {
            match openat2(root.as_fd(), relative.as_str(), how) {
                Err(Errno::EAGAIN) if attempts < 8 => attempts += 1,
                other => return other.map_err(|e| map_errno(path, e, doing)),
            }
        }
    }

    /// Reads a whole regular file.
    pub fn read(&self, path: &SandboxPath) -> Result<Vec<u8>, SandboxError> {
        let root = self.open_root()?;
        // O_NONBLOCK: opening a fifo planted by the sandbox must not hang the worker.
        let fd = self.open_beneath(
            &root,
            path,
            OFlag::O_RDONLY | OFlag::O_NONBLOCK,
            Mode::empty(),
            "read",
        )?;
        require_regular(path, &fd)?;
        let mut contents = Vec::new();
        File::from(fd)
            .read_to_end(&mut contents)
            .map_err(|e| io_error(path, e, "read"))?;
        Ok(contents)
    }

    /// Creates or truncates a regular file with `contents`, creating parents.
    pub fn write(&self, path: &SandboxPath, contents: &[u8]) -> Result<(), SandboxError> {
        if path.components.is_empty() {
            return Err(SandboxError::WrongFileType {
                path: path.display(),
                expected: "regular file",
            });
        }
        let root = self.open_root()?;
        self.create_parents(&root, path)?;
        let fd = self.open_beneath(
            &root,
            path,
            OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_NONBLOCK,
            Mode::from_bits_truncate(0o644),
            "write",
        )?;
        require_regular(path, &fd)?;
        self.chown(path, &fd)?;
        let mut file = File::from(fd);
        file.set_len(0).map_err(|e| io_error(path, e, "truncate"))?;
        file.write_all(contents)
            .map_err(|e| io_error(path, e, "write"))
    }

    fn chown(&self, path: &SandboxPath, fd: &OwnedFd) -> Result<(), SandboxError> {
        let (uid, gid) = self.owner;
        fchown(fd, Some(uid), Some(gid))
            .map_err(|e| SandboxError::infra(format!("chown {}", path.display()), e))
    }

    /// Makes every ancestor of `path` exist as a directory inside the area.
    fn create_parents(&self, root: &OwnedFd, path: &SandboxPath) -> Result<(), SandboxError> {
        let dir_flags = OFlag::O_PATH | OFlag::O_DIRECTORY;
        let mut current = SandboxPath {
            area: path.area,
            components: Vec::new(),
        };
        let mut parent = self.open_beneath(root, &current, dir_flags, Mode::empty(), "open")?;
        let Some((_, ancestors)) = path.components.split_last() else {
            return Ok(());
        };
        for name in ancestors {
            current = current.join(name);
            match self.open_beneath(root, &current, dir_flags, Mode::empty(), "open") {
                Ok(fd) => parent = fd,
                Err(SandboxError::NotFound { .. }) => {
                    match mkdirat(
                        parent.as_fd(),
                        name.as_str(),
                        Mode::from_bits_truncate(0o755),
                    ) {
                        Ok(()) | Err(Errno::EEXIST) => {}
                        Err(e) => return Err(map_errno(&current, e, "mkdir")),
                    }
                    let created = self.open_beneath(
                        root,
                        &current,
                        OFlag::O_RDONLY | OFlag::O_DIRECTORY,
                        Mode::empty(),
                        "open",
                    )?;
                    self.chown(&current, &created)?;
                    parent = created;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Lists `path` (a directory, or a single file), optionally recursively.
    pub fn list(
        &self,
        path: &SandboxPath,
        recursive: bool,
    ) -> Result<Vec<FileEntry>, SandboxError> {
        let root = self.open_root()?;
        let fd = self.open_beneath(
            &root,
            path,
            OFlag::O_RDONLY | OFlag::O_NONBLOCK,
            Mode::empty(),
            "list",
        )?;
        let stat = fstat(fd.as_fd()).map_err(|e| map_errno(path, e, "stat"))?;
        if !is_dir(&stat) {
            return Ok(vec![entry(path, &stat)]);
        }
        let mut entries = Vec::new();
        let mut pending = vec![(path.clone(), fd)];
        while let Some((dir_path, dir_fd)) = pending.pop() {
            let mut dir = Dir::from_fd(dir_fd).map_err(|e| map_errno(&dir_path, e, "list"))?;
            let mut names = Vec::new();
            for item in dir.iter() {
                let item = item.map_err(|e| map_errno(&dir_path, e, "list"))?;
                let name = item.file_name().to_bytes();
                if name != b"." && name != b".." {
                    names.push((name.to_vec(), item.file_type()));
                }
            }
            for (raw_name, file_type) in names {
                let name = String::from_utf8_lossy(&raw_name).into_owned();
                let child = dir_path.join(&name);
                let stat = match fstatat(
                    dir.as_fd(),
                    raw_name.as_slice(),
                    AtFlags::AT_SYMLINK_NOFOLLOW,
                ) {
                    Ok(stat) => stat,
                    // Removed by a sandboxed process since readdir: skip it.
                    Err(Errno::ENOENT) => continue,
                    Err(e) => return Err(map_errno(&child, e, "stat")),
                };
                entries.push(entry(&child, &stat));
                let is_directory = file_type == Some(Type::Directory) || is_dir(&stat);
                if recursive && is_directory {
                    match openat(
                        dir.as_fd(),
                        raw_name.as_slice(),
                        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                        Mode::empty(),
                    ) {
                        Ok(child_fd) => pending.push((child, child_fd)),
                        Err(Errno::ENOENT | Errno::ENOTDIR | Errno::ELOOP) => {}
                        Err(e) => return Err(map_errno(&child, e, "list")),
                    }
                }
            }
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entries)
    }

    /// Checks that `path` is an existing directory (used for an exec's cwd).
    pub fn require_dir(&self, path: &SandboxPath) -> Result<(), SandboxError> {
        let root = self.open_root()?;
        self.open_beneath(
            &root,
            path,
            OFlag::O_PATH | OFlag::O_DIRECTORY,
            Mode::empty(),
            "chdir",
        )
        .map(drop)
    }
}

fn is_dir(stat: &FileStat) -> bool {
    SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR
}

fn require_regular(path: &SandboxPath, fd: &OwnedFd) -> Result<(), SandboxError> {
    let stat = fstat(fd.as_fd()).map_err(|e| map_errno(path, e, "stat"))?;
    if SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT == SFlag::S_IFREG {
        Ok(())
    } else {
        Err(SandboxError::WrongFileType {
            path: path.display(),
            expected: "regular file",
        })
    }
}

fn entry(path: &SandboxPath, stat: &FileStat) -> FileEntry {
    let dir = is_dir(stat);
    FileEntry {
        path: path.display(),
        size: if dir {
            0
        } else {
            u64::try_from(stat.st_size).unwrap_or(0)
        },
        is_dir: dir,
    }
}
