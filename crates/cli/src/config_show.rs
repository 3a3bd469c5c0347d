//! `agentclash config show`: the settings in force and where each comes
//! from, so a surprising workspace or API URL can be traced to its source.

use std::process::ExitCode;

use serde_json::json;

use crate::args::{ConfigArgs, ConfigCommand};
use crate::config::{self, Source};
use crate::output::{print_table, print_value};

/// Runs one config command (offline: nothing is sent to the API).
pub fn run(args: ConfigArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ConfigCommand::Show => {
            let settings = config::resolve(args.api.api_url, args.api.workspace)?;
            let source = |s: &Option<Source>| s.as_ref().map(Source::to_string);
            if crate::output::structured(args.api.json) {
                print_value(&json!({
                    "api_url": { "value": settings.api_url, "source": settings.api_url_source.to_string() },
                    "workspace": { "value": settings.workspace, "source": source(&settings.workspace_source) },
                    "token": { "set": settings.token.is_some(), "source": source(&settings.token_source) },
                }))?;
            } else {
                let dash = |s: Option<String>| s.unwrap_or_else(|| "-".to_owned());
                print_table(&[
                    vec!["SETTING".into(), "VALUE".into(), "SOURCE".into()],
                    vec![
                        "api_url".into(),
                        settings.api_url.clone(),
                        settings.api_url_source.to_string(),
                    ],
                    vec![
                        "workspace".into(),
                        dash(settings.workspace.clone()),
                        dash(source(&settings.workspace_source)),
                    ],
                    vec![
                        "token".into(),
                        if settings.token.is_some() {
                            "(set)"
                        } else {
                            "-"
                        }
                        .into(),
                        dash(source(&settings.token_source)),
                    ],
                ]);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
