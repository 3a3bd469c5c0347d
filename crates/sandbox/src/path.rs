//! Lexical interpretation of sandbox paths: which writable area (`/workspace` or
//! `/tmp`) a path names and the clean components below it. Symlinks are dealt with
//! later, by the provider, when the path is opened.

use crate::SandboxError;

/// The two areas of a sandbox that callers may address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// `/workspace`, the working directory and the default for relative paths.
    Workspace,
    /// `/tmp`, private scratch space.
    Tmp,
}

impl Area {
    /// The area's absolute path inside the sandbox.
    pub fn mount_point(self) -> &'static str {
        match self {
            Self::Workspace => "/workspace",
            Self::Tmp => "/tmp",
        }
    }
}

/// A sandbox path after cleaning: an area plus normal components (no `.`, `..` or
/// empty parts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxPath {
    /// The area the path lies in.
    pub area: Area,
    /// Components below the area root; empty for the root itself.
    pub components: Vec<String>,
}

impl SandboxPath {
    /// Cleans `raw` (relative to `/workspace` unless absolute) and checks that it
    /// stays inside `/workspace` or `/tmp`. An empty string is `/workspace`.
    pub fn parse(raw: &str) -> Result<Self, SandboxError> {
        if raw.contains('\0') {
            return Err(SandboxError::InvalidPath {
                path: raw.to_owned(),
                reason: "contains a NUL byte",
            });
        }
        let outside = || SandboxError::PathOutsideSandbox {
            path: raw.to_owned(),
        };
        let mut stack: Vec<&str> = Vec::new();
        if !raw.starts_with('/') {
            stack.push("workspace");
        }
        for part in raw.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    stack.pop().ok_or_else(outside)?;
                }
                other => stack.push(other),
            }
        }
        let area = match stack.first() {
            Some(&"workspace") => Area::Workspace,
            Some(&"tmp") => Area::Tmp,
            _ => return Err(outside()),
        };
        Ok(Self {
            area,
            components: stack[1..].iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// Path relative to the area root, `.` for the root itself.
    pub fn relative(&self) -> String {
        if self.components.is_empty() {
            ".".to_owned()
        } else {
            self.components.join("/")
        }
    }

    /// The absolute sandbox path.
    pub fn display(&self) -> String {
        let mut out = self.area.mount_point().to_owned();
        for c in &self.components {
            out.push('/');
            out.push_str(c);
        }
        out
    }

    /// The path of a child entry.
    pub fn join(&self, name: &str) -> Self {
        let mut components = self.components.clone();
        components.push(name.to_owned());
        Self {
            area: self.area,
            components,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        SandboxPath::parse(raw)
            .expect("path should be accepted")
            .display()
    }

    fn outside(raw: &str) -> bool {
        matches!(
            SandboxPath::parse(raw),
            Err(SandboxError::PathOutsideSandbox { .. })
        )
    }

    #[test]
    fn relative_paths_are_under_workspace() {
        assert_eq!(ok("a/b.txt"), "/workspace/a/b.txt");
        assert_eq!(ok(""), "/workspace");
        assert_eq!(ok("./a//b/./c"), "/workspace/a/b/c");
        assert_eq!(ok("a/../b"), "/workspace/b");
    }

    #[test]
    fn absolute_paths_must_name_an_area() {
        assert_eq!(ok("/workspace"), "/workspace");
        assert_eq!(ok("/tmp/x/"), "/tmp/x");
        assert_eq!(ok("/workspace/../tmp/y"), "/tmp/y");
        assert!(outside("/etc/passwd"));
        assert!(outside("/"));
        assert!(outside("/workspacex/a"));
        assert!(outside("/usr/../etc"));
    }

    #[test]
    fn dot_dot_cannot_climb_out() {
        assert!(outside("../etc/passwd"));
        assert!(outside("a/../../etc"));
        assert!(outside("/workspace/../etc/passwd"));
        assert!(outside("/tmp/../.."));
    }

    #[test]
    fn nul_bytes_are_invalid() {
        assert!(matches!(
            SandboxPath::parse("a\0b"),
            Err(SandboxError::InvalidPath { .. })
        ));
    }

    #[test]
    fn relative_form_of_the_root_is_dot() {
        let root = SandboxPath::parse("/tmp").expect("root");
        assert_eq!(root.relative(), ".");
        assert_eq!(root.join("f").relative(), "f");
        assert_eq!(root.join("f").display(), "/tmp/f");
    }
}
