//! `agentclash ci init|validate|run`: release gating in CI from
//! `.agentclash/ci.yaml`. `ci run` evaluates the candidate deployment,
//! compares its lane with the baseline, applies the gate and exits with
//! the verdict; it writes a Markdown summary and JSON artifacts.
//!
//! Exit codes: 0 pass, 1 fail, 2 warn, 3 insufficient evidence,
//! [`INVALID_MANIFEST`], [`API_ERROR`], [`TIMEOUT`], [`CANDIDATE_FAILED`].

mod artifacts;
mod manifest;
mod plan;
mod run;
mod summary;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::account::with_client;
use crate::args::ApiOpts;
use crate::exit::{self, fail};
use manifest::{DEFAULT_PATH, Manifest};

/// The manifest is missing, unreadable or invalid.
pub const INVALID_MANIFEST: u8 = 10;
/// The API could not be reached, refused the credentials, or answered an
/// error; also local I/O errors (artifacts, summary).
pub const API_ERROR: u8 = 20;
/// The candidate run did not finish in time.
pub const TIMEOUT: u8 = 30;
/// The candidate run (or its lane) failed or was cancelled.
pub const CANDIDATE_FAILED: u8 = 31;

/// `agentclash ci ...`.
#[derive(Debug, Args)]
pub struct CiArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which CI command.
    #[command(subcommand)]
    pub command: CiCommand,
}

/// The CI commands.
#[derive(Debug, Subcommand)]
pub enum CiCommand {
    /// Write a documented `.agentclash/ci.yaml` to start from.
    Init {
        /// Where to write it.
        #[arg(long, value_name = "FILE", default_value = DEFAULT_PATH)]
        manifest: PathBuf,
        /// The pack to evaluate (SLUG or SLUG@VERSION).
        #[arg(long, value_name = "SLUG[@VERSION]", default_value = "my-pack")]
        pack: String,
        /// The candidate deployment (id or name).
        #[arg(long, value_name = "ID_OR_NAME", default_value = "my-deployment")]
        deployment: String,
        /// The workspace baseline to compare with.
        #[arg(long, value_name = "NAME", default_value = "default")]
        baseline: String,
        /// Replace an existing manifest.
        #[arg(long)]
        force: bool,
    },
    /// Check the manifest, then (unless --offline) that the API knows its
    /// pack, deployment and baseline and that they fit together.
    Validate {
        /// The manifest.
        #[arg(long, value_name = "FILE", default_value = DEFAULT_PATH)]
        manifest: PathBuf,
        /// Only check the file.
        #[arg(long)]
        offline: bool,
    },
    /// Run the candidate, compare it with the baseline and apply the gate.
    Run {
        /// The manifest.
        #[arg(long, value_name = "FILE", default_value = DEFAULT_PATH)]
        manifest: PathBuf,
        /// Write run.json, scorecard.json, comparison.json, gate.json and
        /// result.json here.
        #[arg(long, value_name = "DIR")]
        artifact_dir: Option<PathBuf>,
        /// Write the Markdown summary here [default: append to
        /// $GITHUB_STEP_SUMMARY when set].
        #[arg(long, value_name = "FILE")]
        summary_file: Option<PathBuf>,
        /// Override the manifest's `timeout_seconds`.
        #[arg(long, value_name = "SECS")]
        timeout: Option<u64>,
    },
}

/// Runs one CI command.
pub fn run(args: CiArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        CiCommand::Init {
            manifest,
            pack,
            deployment,
            baseline,
            force,
        } => init(&manifest, &pack, &deployment, &baseline, force),
        CiCommand::Validate { manifest, offline } => {
            let checked = Manifest::load(&manifest)?;
            if offline {
                eprintln!(
                    "{}: valid (not checked against the API)",
                    manifest.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            api_errors(with_client(args.api, |client, settings, json| async move {
                let ws = settings.require_workspace()?.to_owned();
                let plan = plan::plan(&client, &ws, &checked).await?;
                if json {
                    crate::output::print_value(&plan.describe())?;
                } else {
                    eprintln!("{}: valid", manifest.display());
                    crate::output::print_record(&plan.describe(), false)?;
                }
                Ok(ExitCode::SUCCESS)
            }))
        }
        CiCommand::Run {
            manifest,
            artifact_dir,
            summary_file,
            timeout,
        } => {
            let mut checked = Manifest::load(&manifest)?;
            if let Some(secs) = timeout {
                checked.timeout = std::time::Duration::from_secs(secs.max(1));
            }
            let summary = summary_file.map(run::SummaryTarget::Write).or_else(|| {
                std::env::var_os("GITHUB_STEP_SUMMARY")
                    .filter(|v| !v.is_empty())
                    .map(|v| run::SummaryTarget::Append(PathBuf::from(v)))
            });
            let outputs = run::Outputs {
                artifact_dir,
                summary,
            };
            api_errors(with_client(args.api, |client, settings, json| async move {
                let ws = settings.require_workspace()?.to_owned();
                run::run(&client, &ws, &checked, &outputs, json).await
            }))
        }
    }
}

/// Maps every error without a CI exit code to [`API_ERROR`], so an error
/// never exits 1, 2 or 3 (which are verdicts).
fn api_errors(outcome: anyhow::Result<ExitCode>) -> anyhow::Result<ExitCode> {
    outcome.map_err(|e| match exit::code_of(&e) {
        INVALID_MANIFEST | API_ERROR | TIMEOUT | CANDIDATE_FAILED => e,
        _ => fail(API_ERROR, format!("{e:#}")),
    })
}

fn init(
    path: &Path,
    pack: &str,
    deployment: &str,
    baseline: &str,
    force: bool,
) -> anyhow::Result<ExitCode> {
    if path.exists() && !force {
        return Err(fail(
            exit::ERROR,
            format!("{} exists; pass --force to replace it", path.display()),
        ));
    }
    let text = manifest::template(pack, deployment, baseline);
    // What we write must be what `ci validate` accepts.
    Manifest::parse(path, &text)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| fail(exit::ERROR, format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, text)
        .map_err(|e| fail(exit::ERROR, format!("cannot write {}: {e}", path.display())))?;
    eprintln!(
        "wrote {}; edit the pack, deployment and baseline, then run `agentclash ci validate`",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
