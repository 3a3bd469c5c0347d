//! `agentclash local logs`: the end of one or all logs, optionally followed.

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use agentclash_localstack::{Component, Stack, tail_lines};

/// How often a followed log is checked for new data.
const POLL: Duration = Duration::from_millis(250);

/// Prints the last `lines` lines of the chosen logs, then follows them if
/// asked. With several logs, each line is prefixed by its component.
pub fn show(
    stack: &Stack,
    component: Option<Component>,
    lines: usize,
    follow: bool,
) -> anyhow::Result<ExitCode> {
    let components: Vec<Component> = component.map_or_else(|| Component::ALL.to_vec(), |c| vec![c]);
    let several = components.len() > 1;
    let mut followed = Vec::new();
    for c in components {
        let path = stack.layout().log_file(c);
        if !path.exists() && !several {
            eprintln!("{} does not exist yet", path.display());
        }
        let prefix = if several {
            format!("[{c}] ")
        } else {
            String::new()
        };
        for line in tail_lines(&path, lines)? {
            out!("{prefix}{line}");
        }
        let offset = std::fs::metadata(&path).map_or(0, |m| m.len());
        followed.push(Followed {
            path,
            prefix,
            offset,
            partial: Vec::new(),
        });
    }
    if follow {
        loop {
            for f in &mut followed {
                f.print_new()?;
            }
            std::io::stdout().flush()?;
            std::thread::sleep(POLL);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One log being followed: how far it has been printed.
struct Followed {
    path: PathBuf,
    prefix: String,
    offset: u64,
    /// Bytes of a line whose end has not been written yet.
    partial: Vec<u8>,
}

impl Followed {
    /// Prints the complete lines appended since the last call; starts over
    /// when the file was truncated or replaced by a shorter one.
    fn print_new(&mut self) -> anyhow::Result<()> {
        let len = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        if len < self.offset {
            self.offset = 0;
            self.partial.clear();
        }
        if len == self.offset {
            return Ok(());
        }
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        let mut chunk = Vec::new();
        file.take(len - self.offset).read_to_end(&mut chunk)?;
        self.offset += chunk.len() as u64;
        self.partial.extend_from_slice(&chunk);
        while let Some(end) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            let text = String::from_utf8_lossy(&line[..end]);
            out!("{}{text}", self.prefix);
        }
        Ok(())
    }
}
