//! `agentclash provider-account|runtime-profile|deployment ...`: the parts a
//! contestant is assembled from, created and inspected through the API.

use std::process::ExitCode;

use serde_json::{Map, Value};

use crate::account::with_client;
use crate::args::{
    DeploymentArgs, DeploymentCommand, ProviderAccountArgs, ProviderAccountCommand,
    RuntimeProfileArgs, RuntimeProfileCommand,
};
use crate::build::resolve_version;
use crate::docfile;
use crate::resources::{self, DEPLOYMENT, PROVIDER_ACCOUNT, RUNTIME_PROFILE};

/// A JSON object of the fields that are set (absent options are left out,
/// so the server applies its defaults).
fn object_of(fields: Vec<(&str, Option<Value>)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
            .collect::<Map<_, _>>(),
    )
}

/// Runs one provider-account command.
pub fn provider_account(args: ProviderAccountArgs) -> anyhow::Result<ExitCode> {
    with_client(args.api, |client, settings, json| async move {
        let workspace = settings.require_workspace()?.to_owned();
        match args.command {
            ProviderAccountCommand::Create {
                name,
                provider,
                base_url,
                credential_ref,
                max_concurrency,
                requests_per_minute,
                tokens_per_minute,
            } => {
                let body = object_of(vec![
                    ("name", Some(name.into())),
                    ("provider", Some(provider.as_str().into())),
                    ("base_url", base_url.map(Value::from)),
                    ("credential_ref", credential_ref.map(Value::from)),
                    ("max_concurrency", max_concurrency.map(Value::from)),
                    ("requests_per_minute", requests_per_minute.map(Value::from)),
                    ("tokens_per_minute", tokens_per_minute.map(Value::from)),
                ]);
                resources::create(&client, &workspace, PROVIDER_ACCOUNT, &body, json).await
            }
            ProviderAccountCommand::Common(command) => {
                resources::common(&client, &workspace, PROVIDER_ACCOUNT, command, json).await
            }
        }
    })
}

/// Runs one runtime-profile command.
pub fn runtime_profile(args: RuntimeProfileArgs) -> anyhow::Result<ExitCode> {
    with_client(args.api, |client, settings, json| async move {
        let workspace = settings.require_workspace()?.to_owned();
        match args.command {
            RuntimeProfileCommand::Create {
                name,
                max_iterations,
                max_tool_calls,
                step_timeout_ms,
                run_timeout_ms,
                max_parallel_cases,
                allow_shell,
                allow_network,
            } => {
                let body = object_of(vec![
                    ("name", Some(name.into())),
                    ("max_iterations", max_iterations.map(Value::from)),
                    ("max_tool_calls", max_tool_calls.map(Value::from)),
                    ("step_timeout_ms", step_timeout_ms.map(Value::from)),
                    ("run_timeout_ms", run_timeout_ms.map(Value::from)),
                    ("max_parallel_cases", max_parallel_cases.map(Value::from)),
                    ("allow_shell", allow_shell.map(Value::from)),
                    ("allow_network", allow_network.map(Value::from)),
                ]);
                resources::create(&client, &workspace, RUNTIME_PROFILE, &body, json).await
            }
            RuntimeProfileCommand::Common(command) => {
                resources::common(&client, &workspace, RUNTIME_PROFILE, command, json).await
            }
        }
    })
}

/// Runs one deployment command.
pub fn deployment(args: DeploymentArgs) -> anyhow::Result<ExitCode> {
    // Read the options file before connecting: a typo fails fast, offline.
    let options = match &args.command {
        DeploymentCommand::Create {
            options_file: Some(file),
            ..
        } => Some(docfile::read::<Map<String, Value>>(file, "--options-file")?),
        _ => None,
    };
    with_client(args.api, |client, settings, json| async move {
        let workspace = settings.require_workspace()?.to_owned();
        match args.command {
            DeploymentCommand::Create {
                name,
                build_version,
                runtime_profile,
                provider_account,
                model,
                options_file: _,
            } => {
                let version = resolve_version(&client, &workspace, &build_version).await?;
                let profile =
                    resources::resolve(&client, &workspace, RUNTIME_PROFILE, &runtime_profile)
                        .await?;
                let account =
                    resources::resolve(&client, &workspace, PROVIDER_ACCOUNT, &provider_account)
                        .await?;
                let body = object_of(vec![
                    ("name", Some(name.into())),
                    ("build_version_id", Some(version.into())),
                    ("runtime_profile_id", Some(profile.into())),
                    ("provider_account_id", Some(account.into())),
                    ("model", Some(model.into())),
                    ("provider_options", options.map(Value::Object)),
                ]);
                resources::create(&client, &workspace, DEPLOYMENT, &body, json).await
            }
            DeploymentCommand::Common(command) => {
                resources::common(&client, &workspace, DEPLOYMENT, command, json).await
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unset_fields_are_left_out() {
        let body = object_of(vec![
            ("name", Some("a".into())),
            ("base_url", None),
            ("limit", Some(3.into())),
        ]);
        assert_eq!(body, json!({ "name": "a", "limit": 3 }));
    }
}
