//! `agentclash challenge-pack validate`: checks a pack file offline (no API)
//! and prints its diagnostics in the `file:line:col: path: severity: message`
//! form compilers use, or as JSON.

use std::process::ExitCode;

use agentclash_packs::{Severity, ValidateOptions, validate};
use serde_json::json;

use crate::account::with_client;
use crate::args::{PackArgs, PackCommand, PackTemplate};
use crate::exit::{self, fail};
use crate::output::{print_page, print_value};

/// Runs one challenge-pack command.
pub fn run(args: PackArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        PackCommand::Init {
            file,
            template,
            force,
        } => init(&file, template, force),
        PackCommand::Validate { file, strict } => {
            validate_file(&file, strict, crate::output::structured(args.api.json))
        }
        PackCommand::Publish { file } => {
            let source = read_pack(&file)?;
            with_client(args.api, |client, settings, json| async move {
                let workspace = settings.require_workspace()?.to_owned();
                let (status, answer) = client
                    .post_status(
                        &["v1", "workspaces", &workspace, "challenge-packs"],
                        &json!({ "source": source }),
                    )
                    .await?;
                match status {
                    200 | 201 => {
                        if json {
                            print_value(&answer)?;
                        } else {
                            let verb = if status == 201 {
                                "published"
                            } else {
                                "already published"
                            };
                            out!(
                                "{} version {} ({verb})",
                                answer["slug"].as_str().unwrap_or("?"),
                                answer["version"]
                            );
                        }
                        Ok(ExitCode::SUCCESS)
                    }
                    422 => {
                        let shown = file.display();
                        for d in answer["error"]["details"]["diagnostics"]
                            .as_array()
                            .into_iter()
                            .flatten()
                        {
                            out!(
                                "{shown}:{}:{}: {}: {}: {}",
                                d["line"],
                                d["column"],
                                d["path"].as_str().unwrap_or(""),
                                d["severity"].as_str().unwrap_or(""),
                                d["message"].as_str().unwrap_or("")
                            );
                        }
                        Err(fail(
                            exit::VALIDATION,
                            answer["error"]["message"]
                                .as_str()
                                .unwrap_or("invalid pack")
                                .to_owned(),
                        ))
                    }
                    _ => Err(crate::api::error_from_body(status, &answer)),
                }
            })
        }
        PackCommand::List(page) => with_client(args.api, |client, settings, json| async move {
            let workspace = settings.require_workspace()?.to_owned();
            let listed = client
                .get_query(
                    &["v1", "workspaces", &workspace, "challenge-packs"],
                    &crate::resources::page_query(&page),
                )
                .await?;
            print_page(
                &listed,
                json,
                &["slug", "name", "latest_version", "updated_at"],
            )
        }),
    }
}

/// The starter packs, embedded so the binary needs no data files.
fn template_text(template: PackTemplate) -> &'static str {
    match template {
        PackTemplate::Native => include_str!("../templates/native.yaml"),
        PackTemplate::PromptEval => include_str!("../templates/prompt_eval.yaml"),
        PackTemplate::MultiTurn => include_str!("../templates/multi_turn.yaml"),
    }
}

fn init(file: &std::path::Path, template: PackTemplate, force: bool) -> anyhow::Result<ExitCode> {
    if file.exists() && !force {
        return Err(fail(
            exit::USAGE,
            format!(
                "{} already exists; pass --force to replace it",
                file.display()
            ),
        ));
    }
    std::fs::write(file, template_text(template))
        .map_err(|e| fail(exit::ERROR, format!("cannot write {}: {e}", file.display())))?;
    eprintln!(
        "wrote {}; next: `agentclash challenge-pack validate {0}`",
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn read_pack(file: &std::path::Path) -> anyhow::Result<String> {
    let source = std::fs::read(file).map_err(|e| {
        fail(
            exit::NOT_FOUND,
            format!("cannot read {}: {e}", file.display()),
        )
    })?;
    String::from_utf8(source).map_err(|_| {
        fail(
            exit::VALIDATION,
            format!("{}: not UTF-8 text", file.display()),
        )
    })
}

fn validate_file(file: &std::path::Path, strict: bool, json: bool) -> anyhow::Result<ExitCode> {
    let source = read_pack(file)?;
    let options = ValidateOptions {
        strict,
        ..Default::default()
    };
    let report = validate(&source, &options);
    let shown = file.display();
    if json {
        let diagnostics: Vec<_> = report
            .diagnostics
            .iter()
            .map(|d| {
                json!({
                    "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                    "path": d.path,
                    "line": d.line,
                    "column": d.column,
                    "message": d.message,
                    "suggestion": d.suggestion,
                })
            })
            .collect();
        crate::output::print_value(
            &json!({ "file": shown.to_string(), "valid": report.is_valid(), "diagnostics": diagnostics }),
        )?;
    } else {
        for d in &report.diagnostics {
            out!("{shown}:{d}");
        }
        let errors = report.errors().count();
        let warnings = report.warnings().count();
        eprintln!(
            "{shown}: {} ({errors} error{}, {warnings} warning{})",
            if report.is_valid() {
                "valid"
            } else {
                "invalid"
            },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        );
    }
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::VALIDATION)
    })
}
