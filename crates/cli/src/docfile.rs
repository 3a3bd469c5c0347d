//! Reads the YAML or JSON files commands take (`--policy-file`,
//! `--options-file`) into typed values, with `file:line:col` errors.
//! `.json` files are read as JSON, anything else as YAML.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::exit::{self, fail};

/// Reads `path` (given with `flag`) as `T`.
pub fn read<T: DeserializeOwned>(path: &Path, flag: &str) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::NotFound {
            exit::NOT_FOUND
        } else {
            exit::ERROR
        };
        fail(code, format!("{flag}: cannot read {}: {e}", path.display()))
    })?;
    parse(path, &text)
}

/// Parses `text`, the contents of `path`, as `T`.
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> anyhow::Result<T> {
    let shown = path.display();
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        return serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            fail(
                exit::VALIDATION,
                format!("{shown}:{}:{}: {message}", e.line(), e.column()),
            )
        });
    }
    serde_saphyr::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        let message = e.without_snippet().to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        fail(exit::VALIDATION, format!("{shown}{at}: {message}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: String,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[test]
    fn yaml_and_json_read_the_same_value() {
        let yaml: Sample = parse(Path::new("a.yaml"), "name: x\ntags: [a, b]\n").expect("yaml");
        let json: Sample =
            parse(Path::new("a.JSON"), r#"{"name": "x", "tags": ["a", "b"]}"#).expect("json");
        assert_eq!(yaml, json);
    }

    #[test]
    fn errors_are_located_in_the_file() {
        let err = parse::<Sample>(Path::new("p.yaml"), "name: x\nnmae: y\n").expect_err("yaml");
        assert_eq!(exit::code_of(&err), exit::VALIDATION);
        assert!(
            err.to_string()
                .starts_with("p.yaml:2:1: unknown field `nmae`"),
            "{err}"
        );
        let err = parse::<Sample>(Path::new("p.json"), "{\n  \"nmae\": 1}").expect_err("json");
        assert!(err.to_string().starts_with("p.json:2:"), "{err}");
        assert!(err.to_string().contains("unknown field `nmae`"), "{err}");
        let err = read::<Sample>(Path::new("/no/such/file.yaml"), "--policy-file").expect_err("io");
        assert_eq!(exit::code_of(&err), exit::NOT_FOUND);
        assert!(
            err.to_string()
                .starts_with("--policy-file: cannot read /no/such/file.yaml")
        );
    }
}
