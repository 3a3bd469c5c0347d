//! `agentclash build ...`: agent builds and their versions. A version holds
//! the agent's policy, read from a YAML/JSON file and/or flags, and moves
//! `draft → ready → archived`.

use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::account::with_client;
use crate::api::ApiClient;
use crate::args::{BuildArgs, BuildCommand, PolicyOpts, VersionCommand};
use crate::docfile;
use crate::exit::{self, fail};
use crate::output::{print_record, print_table};
use crate::resources::{self, BUILD, print_created};

/// The agent policy as the API takes it; unset fields take the server's
/// defaults. Unknown keys in a policy file are errors.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Short role line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Extra working instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Tools hidden or restricted beyond the pack's policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_overrides: Option<ToolOverrides>,
    /// JSON Schema the final output should follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
}

/// `tool_overrides` of a policy.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolOverrides {
    /// When non-empty, only these tools stay visible.
    #[serde(default)]
    pub allowed: Vec<String>,
    /// Tools hidden from the model.
    #[serde(default)]
    pub denied: Vec<String>,
}

impl Policy {
    /// The policy of `--policy-file` with the flags laid over it.
    pub fn from_opts(opts: &PolicyOpts) -> anyhow::Result<Self> {
        let mut policy = match &opts.policy_file {
            Some(file) => docfile::read::<Self>(file, "--policy-file")?,
            None => Self::default(),
        };
        for (flag, field) in [
            (&opts.role, &mut policy.role),
            (&opts.system_prompt, &mut policy.system_prompt),
            (&opts.instructions, &mut policy.instructions),
        ] {
            if let Some(value) = flag {
                *field = Some(value.clone());
            }
        }
        Ok(policy)
    }
}

/// Runs one build command.
pub fn run(args: BuildArgs) -> anyhow::Result<ExitCode> {
    // Read the policy before connecting: a bad file fails fast, offline.
    let policy = match &args.command {
        BuildCommand::Version(
            VersionCommand::Create { policy, .. } | VersionCommand::Update { policy, .. },
        ) => Some(Policy::from_opts(policy)?),
        _ => None,
    };
    with_client(args.api, |client, settings, json| async move {
        let workspace = settings.require_workspace()?.to_owned();
        let ws = workspace.as_str();
        match args.command {
            BuildCommand::Create { name, description } => {
                let body = json!({ "name": name, "description": description });
                resources::create(&client, ws, BUILD, &body, json).await
            }
            BuildCommand::Common(crate::args::CommonCommand::Get { reference }) => {
                let id = resources::resolve(&client, ws, BUILD, &reference).await?;
                let build = client
                    .get(&["v1", "workspaces", ws, BUILD.path, &id])
                    .await?;
                print_build(&build, json)?;
                Ok(ExitCode::SUCCESS)
            }
            BuildCommand::Common(command) => {
                resources::common(&client, ws, BUILD, command, json).await
            }
            BuildCommand::Version(command) => {
                version(&client, ws, command, policy.unwrap_or_default(), json).await
            }
        }
    })
}

async fn version(
    client: &ApiClient,
    ws: &str,
    command: VersionCommand,
    policy: Policy,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let shown = match command {
        VersionCommand::Create { build, .. } => {
            let id = resources::resolve(client, ws, BUILD, &build).await?;
            let created = client
                .post(
                    &["v1", "workspaces", ws, BUILD.path, &id, "versions"],
                    &json!({ "policy": policy }),
                )
                .await?;
            let noun = format!(
                "draft version {} of build",
                created["version"].as_i64().unwrap_or_default()
            );
            print_created(&noun, &created, json)?;
            return Ok(ExitCode::SUCCESS);
        }
        VersionCommand::Update { version, .. } => {
            let id = resolve_version(client, ws, &version).await?;
            client
                .put_json(
                    &["v1", "workspaces", ws, "agent-build-versions", &id],
                    &json!({ "policy": policy }),
                )
                .await?
        }
        VersionCommand::Get { version } => {
            let id = resolve_version(client, ws, &version).await?;
            client
                .get(&["v1", "workspaces", ws, "agent-build-versions", &id])
                .await?
        }
        VersionCommand::Ready { version } => set_status(client, ws, &version, "ready").await?,
        VersionCommand::Archive { version } => set_status(client, ws, &version, "archived").await?,
    };
    print_record(&shown, json)?;
    Ok(ExitCode::SUCCESS)
}

async fn set_status(
    client: &ApiClient,
    ws: &str,
    version: &str,
    status: &str,
) -> anyhow::Result<Value> {
    let id = resolve_version(client, ws, version).await?;
    let changed = client
        .post(
            &[
                "v1",
                "workspaces",
                ws,
                "agent-build-versions",
                &id,
                "status",
            ],
            &json!({ "status": status }),
        )
        .await?;
    eprintln!("build version {id} is {status}");
    Ok(changed)
}

/// A build and its versions.
fn print_build(build: &Value, json: bool) -> anyhow::Result<()> {
    if json {
        return print_record(build, true);
    }
    let mut summary = build.clone();
    if let Some(fields) = summary.as_object_mut() {
        fields.remove("versions");
    }
    print_record(&summary, false)?;
    let rows = build["versions"].as_array().into_iter().flatten().map(|v| {
        ["version", "id", "status", "updated_at"]
            .iter()
            .map(|c| crate::output::cell(&v[*c]))
            .collect()
    });
    out!();
    let header = ["VERSION", "ID", "STATUS", "UPDATED_AT"]
        .map(str::to_owned)
        .to_vec();
    print_table(&std::iter::once(header).chain(rows).collect::<Vec<_>>());
    Ok(())
}

/// The id of a build version given as its id or as `BUILD@N` (BUILD an id
/// or a name; `BUILD@latest` for the newest version).
pub async fn resolve_version(
    client: &ApiClient,
    ws: &str,
    reference: &str,
) -> anyhow::Result<String> {
    if resources::is_id(reference) {
        return Ok(reference.to_owned());
    }
    let Some((build, number)) = reference.rsplit_once('@') else {
        return Err(fail(
            exit::USAGE,
            format!("`{reference}` is neither a build version id nor BUILD@N"),
        ));
    };
    let wanted = match number {
        "latest" => None,
        n => Some(n.parse::<i64>().map_err(|_| {
            fail(
                exit::USAGE,
                format!("`{reference}`: `{n}` is not a version number (BUILD@N)"),
            )
        })?),
    };
    let build_id = resources::resolve(client, ws, BUILD, build).await?;
    let detail = client
        .get(&["v1", "workspaces", ws, BUILD.path, &build_id])
        .await?;
    let versions = detail["versions"].as_array().cloned().unwrap_or_default();
    let found = match wanted {
        Some(n) => versions.iter().find(|v| v["version"].as_i64() == Some(n)),
        None => versions.iter().max_by_key(|v| v["version"].as_i64()),
    };
    found
        .and_then(|v| v["id"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            fail(
                exit::NOT_FOUND,
                format!("build `{build}` has no version {number}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn flags_override_the_policy_file() {
        let dir = std::env::temp_dir().join(format!("agentclash-policy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("policy.yaml");
        std::fs::write(
            &file,
            "role: tester\nsystem_prompt: from file\ntool_overrides:\n  denied: [shell]\n",
        )
        .expect("write");
        let opts = PolicyOpts {
            policy_file: Some(file),
            role: None,
            system_prompt: Some("from flag".into()),
            instructions: Some("be brief".into()),
        };
        let policy = Policy::from_opts(&opts).expect("policy");
        assert_eq!(
            serde_json::to_value(&policy).expect("json"),
            json!({
                "role": "tester",
                "system_prompt": "from flag",
                "instructions": "be brief",
                "tool_overrides": { "allowed": [], "denied": ["shell"] }
            })
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn unknown_policy_keys_are_located() {
        let err = docfile::parse::<Policy>(Path::new("p.yaml"), "role: x\nsystem_promt: y\n")
            .expect_err("typo");
        assert!(
            err.to_string()
                .starts_with("p.yaml:2:1: unknown field `system_promt`"),
            "{err}"
        );
    }
}
