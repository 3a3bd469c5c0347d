//! `agentclash doctor`: checks, in the order a first evaluation needs them,
//! that the API answers, its dependencies are up, the CLI is authenticated,
//! a workspace is selected and reachable, and it has a challenge pack and a
//! deployment; then says the one command to run next. Exits 0 when every
//! check passed, else with the exit code of the first failure (75 API,
//! 77 auth, 2 no workspace, 66 nothing to run).

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use serde_json::{Value, json};

use crate::account::with_client;
use crate::api::ApiClient;
use crate::args::ApiOpts;
use crate::config::Resolved;
use crate::exit;
use crate::output::{print_table, print_value};
use crate::resources::{DEPLOYMENT, find_in_pages};

/// `agentclash doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
}

/// One check's outcome.
#[derive(Debug, Clone, Serialize)]
struct Check {
    /// What was checked.
    name: &'static str,
    /// `ok`, `fail` or `skipped` (an earlier check failed).
    status: &'static str,
    /// What was found.
    detail: String,
}

/// A failed check: what was found, the command that fixes it, the exit code.
struct Problem {
    detail: String,
    next: String,
    code: u8,
}

impl Problem {
    fn new(detail: impl Into<String>, next: impl Into<String>, code: u8) -> Self {
        Self {
            detail: detail.into(),
            next: next.into(),
            code,
        }
    }
}

/// The checks, in the order a first evaluation needs them.
#[derive(Debug, Clone, Copy)]
enum Step {
    Api,
    Ready,
    Auth,
    Workspace,
    Packs,
    Deployments,
}

impl Step {
    const ALL: [Self; 6] = [
        Self::Api,
        Self::Ready,
        Self::Auth,
        Self::Workspace,
        Self::Packs,
        Self::Deployments,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Ready => "ready",
            Self::Auth => "auth",
            Self::Workspace => "workspace",
            Self::Packs => "packs",
            Self::Deployments => "deployments",
        }
    }

    /// Runs the check: what it found, or what is wrong.
    async fn run(self, client: &ApiClient, settings: &Resolved) -> Result<String, Problem> {
        match self {
            Self::Api => api(client, settings).await,
            Self::Ready => ready(client).await,
            Self::Auth => auth(client, settings).await,
            Self::Workspace => workspace(client, settings).await,
            Self::Packs => packs(client, settings).await,
            Self::Deployments => deployments(client, settings).await,
        }
    }
}

/// Runs `doctor`.
pub fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    with_client(args.api, |client, settings, json| async move {
        let mut checks = Vec::new();
        let mut failure: Option<Problem> = None;
        for step in Step::ALL {
            let name = step.name();
            if failure.is_some() {
                checks.push(Check {
                    name,
                    status: "skipped",
                    detail: "needs the checks above".to_owned(),
                });
                continue;
            }
            match step.run(&client, &settings).await {
                Ok(detail) => checks.push(Check {
                    name,
                    status: "ok",
                    detail,
                }),
                Err(problem) => {
                    checks.push(Check {
                        name,
                        status: "fail",
                        detail: problem.detail.clone(),
                    });
                    failure = Some(problem);
                }
            }
        }
        let next = failure.as_ref().map_or_else(
            || "agentclash eval start --follow".to_owned(),
            |p| p.next.clone(),
        );
        if json {
            print_value(&json!({
                "api_url": settings.api_url,
                "checks": checks,
                "next": next,
            }))?;
        } else {
            out!(
                "API {} (from {})",
                settings.api_url,
                settings.api_url_source
            );
            let rows: Vec<Vec<String>> = checks
                .iter()
                .map(|c| vec![c.status.to_owned(), c.name.to_owned(), c.detail.clone()])
                .collect();
            print_table(&rows);
            out!("next: {next}");
        }
        Ok(failure.map_or(ExitCode::SUCCESS, |p| ExitCode::from(p.code)))
    })
}

async fn api(client: &ApiClient, settings: &Resolved) -> Result<String, Problem> {
    match client.get_status(&["healthz"]).await {
        Ok((200, _)) => Ok("reachable".to_owned()),
        Ok((status, _)) => Err(Problem::new(
            format!("GET /healthz answered {status}: is this an AgentClash API?"),
            "agentclash config show",
            exit::ERROR,
        )),
        Err(e) => {
            let local =
                settings.api_url.contains("://localhost") || settings.api_url.contains("://127.");
            Err(Problem::new(
                e.to_string(),
                if local {
                    "agentclash local up"
                } else {
                    "agentclash config show"
                },
                exit::RETRYABLE,
            ))
        }
    }
}

async fn ready(client: &ApiClient) -> Result<String, Problem> {
    let (status, body) = client
        .get_status(&["healthz", "ready"])
        .await
        .map_err(|e| Problem::new(e.to_string(), "agentclash local up", exit::RETRYABLE))?;
    if status == 200 {
        return Ok("Postgres and Temporal answer".to_owned());
    }
    let down: Vec<String> = ["postgres", "temporal"]
        .iter()
        .filter(|d| body["dependencies"][**d]["state"] != "up")
        .map(|d| {
            format!(
                "{d} down ({})",
                body["dependencies"][*d]["error"].as_str().unwrap_or("?")
            )
        })
        .collect();
    Err(Problem::new(
        if down.is_empty() {
            format!("GET /healthz/ready answered {status}")
        } else {
            down.join(", ")
        },
        "agentclash local up   (or: agentclash local status)",
        exit::RETRYABLE,
    ))
}

async fn auth(client: &ApiClient, settings: &Resolved) -> Result<String, Problem> {
    let Some(source) = &settings.token_source else {
        return Err(Problem::new(
            "no API token",
            "agentclash auth login --device   (local stack: agentclash local up)",
            exit::AUTH,
        ));
    };
    let me = client.get(&["v1", "users", "me"]).await.map_err(|e| {
        Problem::new(
            format!("the token (from {source}) was refused: {e}"),
            "agentclash auth login --device",
            exit::code_of(&e),
        )
    })?;
    Ok(format!(
        "signed in as {} (token from {source})",
        me["email"].as_str().unwrap_or("?")
    ))
}

async fn workspace(client: &ApiClient, settings: &Resolved) -> Result<String, Problem> {
    let Some(id) = settings.workspace.as_deref() else {
        return Err(Problem::new(
            "no workspace selected",
            "agentclash workspace list   (then: agentclash workspace use ID)",
            exit::USAGE,
        ));
    };
    let found = find_in_pages(client, &["v1", "workspaces"], |w| w["id"] == id)
        .await
        .map_err(|e| Problem::new(e.to_string(), "agentclash doctor", exit::code_of(&e)))?;
    match found.first() {
        Some(ws) => Ok(format!(
            "{} ({id})",
            ws["slug"].as_str().or(ws["name"].as_str()).unwrap_or("?")
        )),
        None => Err(Problem::new(
            format!("workspace {id} is not one of yours"),
            "agentclash workspace list   (then: agentclash workspace use ID)",
            exit::NOT_FOUND,
        )),
    }
}

/// The items of a workspace list (every page) matching `wanted`.
async fn list(
    client: &ApiClient,
    settings: &Resolved,
    path: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Result<Vec<Value>, Problem> {
    let ws = settings.workspace.as_deref().unwrap_or_default();
    find_in_pages(client, &["v1", "workspaces", ws, path], wanted)
        .await
        .map_err(|e| Problem::new(e.to_string(), "agentclash doctor", exit::code_of(&e)))
}

/// The names of `items` (their `field`), comma separated, at most five.
fn names(items: &[Value], field: &str) -> String {
    let mut shown: Vec<&str> = items
        .iter()
        .filter_map(|i| i[field].as_str())
        .take(5)
        .collect();
    if items.len() > shown.len() {
        shown.push("…");
    }
    shown.join(", ")
}

async fn packs(client: &ApiClient, settings: &Resolved) -> Result<String, Problem> {
    let packs = list(client, settings, "challenge-packs", |_| true).await?;
    if packs.is_empty() {
        return Err(Problem::new(
            "no challenge pack yet",
            "agentclash challenge-pack init pack.yaml && agentclash challenge-pack publish pack.yaml",
            exit::NOT_FOUND,
        ));
    }
    Ok(format!("{}: {}", packs.len(), names(&packs, "slug")))
}

async fn deployments(client: &ApiClient, settings: &Resolved) -> Result<String, Problem> {
    let found = list(client, settings, DEPLOYMENT.path, |d| {
        d["archived_at"].is_null()
    })
    .await?;
    if found.is_empty() {
        return Err(Problem::new(
            "no deployment yet (a build version + runtime profile + provider account + model)",
            "agentclash deployment create --help",
            exit::NOT_FOUND,
        ));
    }
    Ok(format!("{}: {}", found.len(), names(&found, "name")))
}
