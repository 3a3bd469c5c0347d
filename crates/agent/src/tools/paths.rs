//! File primitives confine paths to `/workspace` (format spec §3.1).

/// Cleans `path` (relative to `/workspace`, or absolute) lexically and
/// returns the absolute sandbox path, or why it is refused.
pub fn confine(path: &str) -> Result<String, String> {
    if path.contains('\0') {
        return Err("path must not contain NUL".into());
    }
    let relative = match path.strip_prefix('/') {
        Some(abs) => match abs.strip_prefix("workspace") {
            Some("") => "",
            Some(rest) if rest.starts_with('/') => &rest[1..],
            _ => return Err(format!("path `{path}` is outside /workspace")),
        },
        None => path,
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("path `{path}` is outside /workspace"));
                }
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        Ok("/workspace".to_owned())
    } else {
        Ok(format!("/workspace/{}", parts.join("/")))
    }
}

#[cfg(test)]
mod tests {
    use super::confine;

    #[test]
    fn paths_stay_under_workspace() {
        assert_eq!(confine("a/b.txt").as_deref(), Ok("/workspace/a/b.txt"));
        assert_eq!(confine("/workspace/a/../b").as_deref(), Ok("/workspace/b"));
        assert_eq!(confine("").as_deref(), Ok("/workspace"));
        assert_eq!(confine("./x/./y").as_deref(), Ok("/workspace/x/y"));
        assert!(confine("../etc/passwd").is_err());
        assert!(confine("/etc/passwd").is_err());
        assert!(confine("/workspacex/a").is_err());
        assert!(confine("a/../../b").is_err());
        assert!(confine("a\0b").is_err());
    }
}
