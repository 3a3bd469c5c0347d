//! Which backend to use, read from `ARTIFACTS_*` environment variables.
//!
//! Filesystem storage is the default. Setting any `ARTIFACTS_S3_*` variable
//! selects S3, and then the bucket and credentials become required: a typo
//! never silently falls back to the local disk.

use std::path::PathBuf;

use url::Url;

use crate::secret::Secret;

const DIR: &str = "ARTIFACTS_DIR";
const S3_ENDPOINT: &str = "ARTIFACTS_S3_ENDPOINT";
const S3_BUCKET: &str = "ARTIFACTS_S3_BUCKET";
const S3_REGION: &str = "ARTIFACTS_S3_REGION";
const S3_ACCESS_KEY_ID: &str = "ARTIFACTS_S3_ACCESS_KEY_ID";
const S3_SECRET_ACCESS_KEY: &str = "ARTIFACTS_S3_SECRET_ACCESS_KEY";
const S3_ALLOW_HTTP: &str = "ARTIFACTS_S3_ALLOW_HTTP";
const S3_PREFIX: &str = "ARTIFACTS_S3_PREFIX";

/// Every variable that selects the S3 backend.
const S3_VARS: [&str; 7] = [
    S3_ENDPOINT,
    S3_BUCKET,
    S3_REGION,
    S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY,
    S3_ALLOW_HTTP,
    S3_PREFIX,
];

/// Region used when `ARTIFACTS_S3_REGION` is unset (what most S3-compatible
/// servers expect).
pub const DEFAULT_S3_REGION: &str = "us-east-1";

/// Where artifacts are stored; built by the API and the worker from their
/// environment and handed to [`crate::ArtifactStore::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactConfig {
    /// A directory on the local disk, created if missing.
    Filesystem {
        /// Root directory of the store.
        root: PathBuf,
    },
    /// An S3-compatible object store.
    S3(S3Config),
}

/// Connection settings of an S3-compatible bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    /// Server URL (`http(s)://host:port`); `None` means AWS itself.
    pub endpoint: Option<Url>,
    /// Bucket name; the bucket must already exist.
    pub bucket: String,
    /// Signing region.
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key (redacted in `Debug`).
    pub secret_access_key: Secret,
    /// Permit plain-HTTP endpoints (local servers only).
    pub allow_http: bool,
    /// Optional key prefix (`team/dev`), without leading or trailing `/`.
    pub prefix: Option<String>,
}

/// A variable that is missing or malformed, with what is expected instead.
/// Values are never echoed back: some carry credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ArtifactConfigError {
    /// The environment variable at fault.
    pub var: &'static str,
    /// What is wrong and what is expected.
    pub problem: String,
}

impl ArtifactConfigError {
    fn new(var: &'static str, problem: impl Into<String>) -> Self {
        Self {
            var,
            problem: problem.into(),
        }
    }
}

/// Environment lookup that treats empty values as unset.
struct Vars<'a, F: Fn(&str) -> Option<String>>(&'a F);

impl<F: Fn(&str) -> Option<String>> Vars<'_, F> {
    fn get(&self, var: &str) -> Option<String> {
        (self.0)(var).filter(|v| !v.trim().is_empty())
    }

    fn required(
        &self,
        var: &'static str,
        expected: &str,
        because: &str,
    ) -> Result<String, ArtifactConfigError> {
        self.get(var).ok_or_else(|| {
            ArtifactConfigError::new(
                var,
                format!("is not set; expected {expected} (S3 storage is selected because {because} is set)"),
            )
        })
    }
}

impl ArtifactConfig {
    /// Reads the `ARTIFACTS_*` variables through `get` (the process
    /// environment or a map in tests). With none of them set, the store is
    /// the filesystem at `default_root`.
    pub fn from_env_map(
        get: &impl Fn(&str) -> Option<String>,
        default_root: impl Into<PathBuf>,
    ) -> Result<Self, ArtifactConfigError> {
        let vars = Vars(get);
        let selecting_s3 = S3_VARS.into_iter().find(|var| vars.get(var).is_some());
        match (selecting_s3, vars.get(DIR)) {
            (None, None) => Ok(Self::Filesystem {
                root: default_root.into(),
            }),
            (None, Some(dir)) => Ok(Self::Filesystem {
                root: absolute_dir(&dir)?,
            }),
            (Some(s3_var), Some(_)) => Err(ArtifactConfigError::new(
                DIR,
                format!(
                    "cannot be combined with {s3_var}; expected either ARTIFACTS_DIR (filesystem) or the ARTIFACTS_S3_* variables (S3), not both"
                ),
            )),
            (Some(s3_var), None) => Ok(Self::S3(S3Config::from_vars(&vars, s3_var)?)),
        }
    }
}

impl S3Config {
    fn from_vars<F: Fn(&str) -> Option<String>>(
        vars: &Vars<'_, F>,
        because: &str,
    ) -> Result<Self, ArtifactConfigError> {
        let bucket = vars.required(S3_BUCKET, "the name of an existing bucket", because)?;
        validate_bucket(&bucket)?;
        let access_key_id = vars.required(S3_ACCESS_KEY_ID, "the S3 access key id", because)?;
        let secret_access_key = Secret::new(vars.required(
            S3_SECRET_ACCESS_KEY,
            "the S3 secret access key",
            because,
        )?);
        let region = vars
            .get(S3_REGION)
            .unwrap_or_else(|| DEFAULT_S3_REGION.to_owned());
        validate_region(&region)?;
        let allow_http = match vars.get(S3_ALLOW_HTTP) {
            None => false,
            Some(v) => parse_bool(S3_ALLOW_HTTP, &v)?,
        };
        let endpoint = vars
            .get(S3_ENDPOINT)
            .map(|v| parse_endpoint(&v, allow_http))
            .transpose()?;
        let prefix = vars.get(S3_PREFIX).map(|v| parse_prefix(&v)).transpose()?;
        Ok(Self {
            endpoint,
            bucket,
            region,
            access_key_id,
            secret_access_key,
            allow_http,
            prefix: prefix.flatten(),
        })
    }
}

fn absolute_dir(value: &str) -> Result<PathBuf, ArtifactConfigError> {
    let path = PathBuf::from(value);
    if path.is_absolute() {
        Ok(path)
    } else {
        Err(ArtifactConfigError::new(
            DIR,
            "is not an absolute path; expected the absolute path of the artifact directory",
        ))
    }
}

fn validate_bucket(bucket: &str) -> Result<(), ArtifactConfigError> {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let valid = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && edge_ok(bucket.chars().next())
        && edge_ok(bucket.chars().last());
    if valid {
        Ok(())
    } else {
        Err(ArtifactConfigError::new(
            S3_BUCKET,
            "is not a valid bucket name; expected 3-63 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit",
        ))
    }
}

fn validate_region(region: &str) -> Result<(), ArtifactConfigError> {
    if region
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Ok(())
    } else {
        Err(ArtifactConfigError::new(
            S3_REGION,
            "is not a valid region; expected lowercase letters, digits and '-' such as us-east-1",
        ))
    }
}

fn parse_bool(var: &'static str, value: &str) -> Result<bool, ArtifactConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ArtifactConfigError::new(
            var,
            "has an invalid value; expected true or false",
        )),
    }
}

fn parse_endpoint(value: &str, allow_http: bool) -> Result<Url, ArtifactConfigError> {
    let invalid = || {
        ArtifactConfigError::new(
            S3_ENDPOINT,
            "is not a valid endpoint; expected an http(s) URL with a host and no path, such as https://s3.example.com or http://127.0.0.1:9000",
        )
    };
    let url = Url::parse(value.trim()).map_err(|_| invalid())?;
    let bare = url.host_str().is_some()
        && matches!(url.path(), "" | "/")
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    match url.scheme() {
        _ if !bare => Err(invalid()),
        "https" => Ok(url),
        "http" if allow_http => Ok(url),
        "http" => Err(ArtifactConfigError::new(
            S3_ALLOW_HTTP,
            "is not true but ARTIFACTS_S3_ENDPOINT is a plain http:// URL; expected ARTIFACTS_S3_ALLOW_HTTP=true (local servers only) or an https:// endpoint",
        )),
        _ => Err(invalid()),
    }
}

/// `Ok(None)` when the prefix is only slashes.
fn parse_prefix(value: &str) -> Result<Option<String>, ArtifactConfigError> {
    let trimmed = value.trim().trim_matches('/');
    if trimmed.is_empty() {
        return Ok(None);
    }
    let segments_ok = trimmed.split('/').all(|segment| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    });
    if segments_ok {
        Ok(Some(trimmed.to_owned()))
    } else {
        Err(ArtifactConfigError::new(
            S3_PREFIX,
            "is not a valid key prefix; expected '/'-separated segments of letters, digits, '-', '_' or '.' (no empty, '.' or '..' segments)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<ArtifactConfig, ArtifactConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ArtifactConfig::from_env_map(&|k: &str| map.get(k).cloned(), "/default/artifacts")
    }

    const S3_MINIMAL: [(&str, &str); 3] = [
        (S3_BUCKET, "agentclash"),
        (S3_ACCESS_KEY_ID, "AKIDEXAMPLE"),
        (S3_SECRET_ACCESS_KEY, "top-secret-key"),
    ];

    fn s3(extra: &[(&str, &str)]) -> Result<ArtifactConfig, ArtifactConfigError> {
        let mut pairs = S3_MINIMAL.to_vec();
        pairs.extend_from_slice(extra);
        read(&pairs)
    }

    fn error_var(result: Result<ArtifactConfig, ArtifactConfigError>) -> &'static str {
        result.expect_err("configuration must be refused").var
    }

    #[test]
    fn nothing_set_means_filesystem_at_the_default_root() {
        assert_eq!(
            read(&[]).expect("default config"),
            ArtifactConfig::Filesystem {
                root: PathBuf::from("/default/artifacts")
            }
        );
        // Empty values count as unset.
        assert!(matches!(
            read(&[(DIR, ""), (S3_BUCKET, " ")]),
            Ok(ArtifactConfig::Filesystem { .. })
        ));
    }

    #[test]
    fn artifacts_dir_must_be_absolute() {
        assert_eq!(
            read(&[(DIR, "/srv/artifacts")]).expect("absolute dir"),
            ArtifactConfig::Filesystem {
                root: PathBuf::from("/srv/artifacts")
            }
        );
        assert_eq!(error_var(read(&[(DIR, "relative/dir")])), DIR);
    }

    #[test]
    fn full_s3_config_is_read() {
        let config = s3(&[
            (S3_ENDPOINT, "http://127.0.0.1:9000"),
            (S3_REGION, "eu-west-3"),
            (S3_ALLOW_HTTP, "true"),
            (S3_PREFIX, "/team/dev/"),
        ])
        .expect("valid S3 config");
        let ArtifactConfig::S3(s3) = config else {
            panic!("expected S3, got {config:?}");
        };
        assert_eq!(s3.bucket, "agentclash");
        assert_eq!(s3.region, "eu-west-3");
        assert_eq!(s3.access_key_id, "AKIDEXAMPLE");
        assert_eq!(s3.secret_access_key.expose(), "top-secret-key");
        assert!(s3.allow_http);
        assert_eq!(s3.prefix.as_deref(), Some("team/dev"));
        assert_eq!(
            s3.endpoint.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:9000/")
        );
    }

    #[test]
    fn s3_defaults_are_aws_region_https_and_no_prefix() {
        let Ok(ArtifactConfig::S3(s3)) = s3(&[]) else {
            panic!("minimal S3 config must be accepted");
        };
        assert_eq!(s3.region, DEFAULT_S3_REGION);
        assert!(!s3.allow_http);
        assert_eq!(s3.endpoint, None);
        assert_eq!(s3.prefix, None);
    }

    #[test]
    fn any_s3_variable_requires_bucket_and_credentials() {
        let err = read(&[(S3_ENDPOINT, "https://s3.example.com")]).expect_err("bucket is required");
        assert_eq!(err.var, S3_BUCKET);
        assert!(
            err.problem.contains(S3_ENDPOINT),
            "says why S3 was selected: {err}"
        );
        assert_eq!(
            error_var(read(&[(S3_BUCKET, "agentclash")])),
            S3_ACCESS_KEY_ID
        );
        assert_eq!(
            error_var(read(&[
                (S3_BUCKET, "agentclash"),
                (S3_ACCESS_KEY_ID, "AKIDEXAMPLE")
            ])),
            S3_SECRET_ACCESS_KEY
        );
    }

    #[test]
    fn filesystem_and_s3_together_are_refused() {
        assert_eq!(error_var(s3(&[(DIR, "/srv/artifacts")])), DIR);
    }

    #[test]
    fn malformed_values_name_their_variable() {
        let cases: [(&str, &str, &str); 9] = [
            (S3_ALLOW_HTTP, "sometimes", S3_ALLOW_HTTP),
            (S3_ENDPOINT, "not a url", S3_ENDPOINT),
            (S3_ENDPOINT, "ftp://host", S3_ENDPOINT),
            (S3_ENDPOINT, "https://host/path", S3_ENDPOINT),
            (S3_ENDPOINT, "https://user:pw@host", S3_ENDPOINT),
            (S3_ENDPOINT, "http://127.0.0.1:9000", S3_ALLOW_HTTP),
            (S3_REGION, "US East", S3_REGION),
            (S3_PREFIX, "a/../b", S3_PREFIX),
            (S3_PREFIX, "a//b", S3_PREFIX),
        ];
        for (var, value, blamed) in cases {
            assert_eq!(error_var(s3(&[(var, value)])), blamed, "{var}={value}");
        }
        for bucket in ["ab", "Upper", "-dash", "dash-", "under_score"] {
            assert_eq!(
                error_var(read(&[
                    (S3_BUCKET, bucket),
                    (S3_ACCESS_KEY_ID, "a"),
                    (S3_SECRET_ACCESS_KEY, "b")
                ])),
                S3_BUCKET,
                "bucket {bucket:?}"
            );
        }
    }

    #[test]
    fn errors_and_debug_never_show_the_secret() {
        let config = s3(&[]).expect("valid");
        assert!(!format!("{config:?}").contains("top-secret-key"));
        let err = s3(&[(S3_ALLOW_HTTP, "maybe")]).expect_err("invalid");
        assert!(!err.to_string().contains("top-secret-key"));
        assert!(!err.to_string().contains("maybe"), "values are not echoed");
    }
}
