//! The project config, `.agentclash.yaml`: per-repository defaults for the
//! API URL and the workspace, meant to be committed beside the code.
//!
//! The CLI looks for the file in the current directory and then in each
//! parent, stopping after the first directory that holds a `.git` entry (the
//! repository root) or at the filesystem root. Unknown keys are errors, and a
//! `token` key is refused outright: tokens never belong in a committed file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use serde_saphyr::Spanned;

use crate::exit::{self, fail};

/// The file name looked for.
pub const FILE_NAME: &str = ".agentclash.yaml";

/// Keys the file may set.
const KEYS: [&str; 2] = ["api_url", "workspace"];

/// A loaded `.agentclash.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectConfig {
    /// Where it was read from.
    pub path: PathBuf,
    /// Base URL of the API.
    pub api_url: Option<String>,
    /// Workspace id to act in.
    pub workspace: Option<String>,
}

/// The `.agentclash.yaml` that applies to `start`, if any (see the module doc
/// for where the search stops).
pub fn find(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

impl ProjectConfig {
    /// Finds and reads the project config of the current directory; `None`
    /// when there is none.
    pub fn discover() -> anyhow::Result<Option<Self>> {
        let Ok(cwd) = std::env::current_dir() else {
            return Ok(None);
        };
        find(&cwd).map(|path| Self::load(&path)).transpose()
    }

    /// Reads and checks one file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| fail(exit::ERROR, format!("cannot read {}: {e}", path.display())))?;
        Self::parse(path, &text)
    }

    /// Checks `text` as the contents of `path`.
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Self> {
        let shown = path.display();
        let entries: Option<HashMap<Spanned<String>, Value>> = serde_saphyr::from_str(text)
            .map_err(|e| {
                let at = e
                    .location()
                    .map(|l| format!(":{}:{}", l.line(), l.column()))
                    .unwrap_or_default();
                fail(
                    exit::VALIDATION,
                    format!("{shown}{at}: {}", e.without_snippet()),
                )
            })?;
        let mut entries: Vec<_> = entries.unwrap_or_default().into_iter().collect();
        entries.sort_by_key(|(k, _)| (k.referenced.line(), k.referenced.column()));
        let mut config = Self {
            path: path.to_owned(),
            ..Self::default()
        };
        for (key, value) in entries {
            let at = format!(
                "{shown}:{}:{}",
                key.referenced.line(),
                key.referenced.column()
            );
            let slot = match key.value.as_str() {
                "api_url" => &mut config.api_url,
                "workspace" => &mut config.workspace,
                "token" => {
                    return Err(fail(
                        exit::VALIDATION,
                        format!(
                            "{at}: `token` is not allowed in {FILE_NAME}: the file is meant to be committed. \
                             Log in with `agentclash auth login` or set AGENTCLASH_TOKEN instead"
                        ),
                    ));
                }
                other => {
                    return Err(fail(
                        exit::VALIDATION,
                        format!("{at}: unknown key `{other}` (allowed: {})", KEYS.join(", ")),
                    ));
                }
            };
            *slot = match value {
                Value::Null => None,
                Value::String(s) if s.trim().is_empty() => None,
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => {
                    return Err(fail(
                        exit::VALIDATION,
                        format!("{at}: `{}` must be a string", key.value),
                    ));
                }
            };
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<ProjectConfig> {
        ProjectConfig::parse(Path::new("/p/.agentclash.yaml"), text)
    }

    #[test]
    fn known_keys_are_read_and_empty_files_are_empty() {
        let c = parse("# shared settings\napi_url: http://api:8080\nworkspace: w1\n").expect("ok");
        assert_eq!(c.api_url.as_deref(), Some("http://api:8080"));
        assert_eq!(c.workspace.as_deref(), Some("w1"));
        let empty = parse("").expect("empty");
        assert_eq!((empty.api_url, empty.workspace), (None, None));
        assert_eq!(parse("workspace:\n").expect("null").workspace, None);
    }

    #[test]
    fn unknown_keys_name_the_file_line_and_column() {
        let err = parse("api_url: http://x\n\nworkspce: w\n").expect_err("unknown");
        assert_eq!(exit::code_of(&err), exit::VALIDATION);
        assert_eq!(
            err.to_string(),
            "/p/.agentclash.yaml:3:1: unknown key `workspce` (allowed: api_url, workspace)"
        );
    }

    #[test]
    fn a_token_is_refused_with_the_way_to_log_in() {
        let err = parse("workspace: w\ntoken: acl_secret\n").expect_err("token");
        let message = err.to_string();
        assert!(
            message.starts_with("/p/.agentclash.yaml:2:1: `token`"),
            "{message}"
        );
        assert!(message.contains("agentclash auth login"), "{message}");
        assert!(message.contains("AGENTCLASH_TOKEN"), "{message}");
        assert!(!message.contains("acl_secret"), "{message}");
    }

    #[test]
    fn bad_shapes_and_syntax_are_located() {
        let err = parse("workspace: [a, b]\n").expect_err("list");
        assert_eq!(
            err.to_string(),
            "/p/.agentclash.yaml:1:1: `workspace` must be a string"
        );
        let err = parse("api_url: [1\n").expect_err("syntax");
        assert!(
            err.to_string().starts_with("/p/.agentclash.yaml:1:"),
            "{err}"
        );
        assert!(parse("- a\n").is_err());
        assert!(parse("workspace: a\nworkspace: b\n").is_err(), "duplicates");
    }

    #[test]
    fn the_search_walks_up_and_stops_at_the_repository_root() {
        let root = std::env::temp_dir().join(format!("agentclash-project-{}", std::process::id()));
        // Process ids repeat across runs: start from nothing.
        let _ = std::fs::remove_dir_all(&root);
        let deep = root.join("repo/a/b");
        std::fs::create_dir_all(&deep).expect("dirs");
        std::fs::create_dir_all(root.join("repo/.git")).expect("git");
        std::fs::write(root.join(FILE_NAME), "workspace: outside\n").expect("outer");
        assert_eq!(
            find(&deep),
            None,
            "the file above the repository is ignored"
        );
        std::fs::write(root.join("repo").join(FILE_NAME), "").expect("repo file");
        assert_eq!(find(&deep), Some(root.join("repo").join(FILE_NAME)));
        std::fs::write(root.join("repo/a").join(FILE_NAME), "").expect("inner");
        assert_eq!(find(&deep), Some(root.join("repo/a").join(FILE_NAME)));
        std::fs::remove_dir_all(&root).ok();
    }
}
