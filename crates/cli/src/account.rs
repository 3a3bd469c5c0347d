//! `agentclash auth|org|workspace ...`: who the CLI is, its tokens, and
//! where it acts.

use std::io::{IsTerminal as _, Read as _};
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::api::ApiClient;
use crate::args::{
    ApiOpts, AuthArgs, AuthCommand, DeviceCommand, OrgArgs, OrgCommand, TokensCommand,
    WorkspaceArgs, WorkspaceCommand,
};
use crate::config::{self, Resolved, UserConfig};
use crate::exit::{self, fail};
use crate::output::{print_page, print_value};
use crate::resources::{find_in_pages, page_query};

/// Builds a client from the resolved settings and runs `body` on a
/// single-threaded runtime.
pub fn with_client<F, Fut>(opts: ApiOpts, body: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(ApiClient, Resolved, bool) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<ExitCode>>,
{
    let settings = config::resolve(opts.api_url, opts.workspace)?;
    let client = ApiClient::new(&settings.api_url, settings.token.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(body(client, settings, crate::output::structured(opts.json)))
}

/// `agentclash auth ...`.
pub fn auth(args: AuthArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        AuthCommand::Login { device: false } => login(args.api),
        AuthCommand::Login { device: true } => device_login(args.api),
        command => with_client(args.api, |client, settings, json| async move {
            match command {
                AuthCommand::Status => status(&client, &settings, json).await,
                AuthCommand::Logout => logout(&client, &settings).await,
                AuthCommand::Tokens(TokensCommand::List(page)) => {
                    let tokens = client
                        .get_query(&["v1", "auth", "tokens"], &page_query(&page))
                        .await?;
                    print_page(
                        &tokens,
                        json,
                        &[
                            "id",
                            "name",
                            "prefix",
                            "last_used_at",
                            "expires_at",
                            "revoked_at",
                        ],
                    )
                }
                AuthCommand::Tokens(TokensCommand::Create {
                    name,
                    expires_in_days,
                }) => {
                    let body = json!({ "name": name, "expires_in_days": expires_in_days });
                    let created = client.post(&["v1", "auth", "tokens"], &body).await?;
                    if json {
                        print_value(&created)?;
                    } else {
                        eprintln!(
                            "token {} created; it is shown only once:",
                            created["id"].as_str().unwrap_or("?")
                        );
                        out!("{}", created["token"].as_str().unwrap_or_default());
                    }
                    Ok(ExitCode::SUCCESS)
                }
                AuthCommand::Tokens(TokensCommand::Revoke { id }) => {
                    client.delete(&["v1", "auth", "tokens", &id]).await?;
                    eprintln!("token {id} revoked");
                    Ok(ExitCode::SUCCESS)
                }
                AuthCommand::Device(decision) => {
                    let (action, done, user_code) = match decision {
                        DeviceCommand::Approve { user_code } => ("approve", "approved", user_code),
                        DeviceCommand::Deny { user_code } => ("deny", "denied", user_code),
                    };
                    client
                        .post_empty(
                            &["v1", "auth", "device", action],
                            &json!({ "user_code": user_code }),
                        )
                        .await?;
                    eprintln!("{done} {user_code}");
                    Ok(ExitCode::SUCCESS)
                }
                AuthCommand::Login { .. } => unreachable_login(),
            }
        }),
    }
}

fn unreachable_login() -> anyhow::Result<ExitCode> {
    Err(fail(exit::ERROR, "login is handled before connecting"))
}

async fn status(client: &ApiClient, settings: &Resolved, json: bool) -> anyhow::Result<ExitCode> {
    if settings.token.is_none() {
        return Err(fail(
            exit::AUTH,
            "not logged in: run `agentclash local up`, or `agentclash auth login` with a token on stdin",
        ));
    }
    let me = client.get(&["v1", "users", "me"]).await?;
    if json {
        print_value(
            &json!({ "api_url": settings.api_url, "user": me, "workspace": settings.workspace }),
        )?;
    } else {
        out!(
            "logged in to {} as {} (workspace {})",
            settings.api_url,
            me["email"].as_str().unwrap_or("?"),
            settings.workspace.as_deref().unwrap_or("none")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a token from stdin: one line after `prompt` on a terminal,
/// everything otherwise; surrounding whitespace is dropped.
pub fn read_token(prompt: &str) -> anyhow::Result<String> {
    let mut token = String::new();
    if std::io::stdin().is_terminal() {
        eprintln!("{prompt}");
        std::io::stdin().read_line(&mut token)?;
    } else {
        std::io::stdin().read_to_string(&mut token)?;
    }
    let token = token.trim().to_owned();
    if token.is_empty() {
        return Err(fail(exit::USAGE, "no token on stdin"));
    }
    Ok(token)
}

/// Reads a token from stdin, checks it with `GET /v1/users/me` and saves it.
fn login(opts: ApiOpts) -> anyhow::Result<ExitCode> {
    let token = read_token(
        "paste an API token (from `agentclash auth tokens create` or the web app), then press Enter:",
    )?;
    let settings = config::resolve(opts.api_url, opts.workspace)?;
    let client = ApiClient::new(&settings.api_url, Some(&token))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let me = runtime.block_on(client.get(&["v1", "users", "me"]))?;
    let mut saved = UserConfig::load()?;
    saved.api_url = Some(settings.api_url.clone());
    saved.token = Some(token);
    saved.workspace = workspace_to_save(&settings).or(saved.workspace);
    let path = saved.save()?;
    eprintln!(
        "logged in to {} as {}; saved in {}",
        settings.api_url,
        me["email"].as_str().unwrap_or("?"),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The device flow: show a code, poll until it is approved, save the token.
fn device_login(opts: ApiOpts) -> anyhow::Result<ExitCode> {
    let settings = config::resolve(opts.api_url, opts.workspace)?;
    let anonymous = ApiClient::new(&settings.api_url, None)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let token = runtime.block_on(async {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "this machine".to_owned());
        let code = anonymous
            .post(&["v1", "auth", "device", "code"], &json!({ "client_name": format!("agentclash CLI on {host}") }))
            .await?;
        let (Some(device_code), Some(user_code)) = (code["device_code"].as_str(), code["user_code"].as_str()) else {
            return Err(fail(exit::ERROR, "the API answered the device code request without codes"));
        };
        eprintln!(
            "To log in, open {} and enter the code {user_code}\n(or run `agentclash auth device approve {user_code}` where you are logged in)",
            code["verification_uri"].as_str().unwrap_or("the web app")
        );
        let mut interval = code["interval"].as_u64().unwrap_or(5).max(1);
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(interval)).await;
            let (status, answer) = anonymous
                .post_status(&["v1", "auth", "device", "token"], &json!({ "device_code": device_code }))
                .await?;
            if status == 200 {
                return answer["access_token"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| fail(exit::ERROR, "the API approved the code but sent no token"));
            }
            match answer["error"]["code"].as_str() {
                Some("authorization_pending") => {}
                Some("slow_down") => interval += 1,
                Some("access_denied") => return Err(fail(exit::AUTH, "the login was denied")),
                Some("expired_token") => {
                    return Err(fail(exit::RETRYABLE, "the code expired before it was approved; run the command again"));
                }
                _ => {
                    let message = answer["error"]["message"].as_str().unwrap_or("unexpected answer").to_owned();
                    return Err(fail(exit::ERROR, message));
                }
            }
        }
    })?;
    let client = ApiClient::new(&settings.api_url, Some(&token))?;
    let (me, workspaces) = runtime.block_on(async {
        anyhow::Ok((
            client.get(&["v1", "users", "me"]).await?,
            client.get(&["v1", "workspaces"]).await?,
        ))
    })?;
    let mut saved = UserConfig::load()?;
    saved.api_url = Some(settings.api_url.clone());
    saved.token = Some(token);
    saved.workspace = workspace_to_save(&settings)
        .or(saved.workspace)
        .or_else(|| workspaces["items"][0]["id"].as_str().map(str::to_owned));
    let path = saved.save()?;
    eprintln!(
        "logged in to {} as {}; saved in {}",
        settings.api_url,
        me["email"].as_str().unwrap_or("?"),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The workspace a login records in the user config: one chosen by flag or
/// environment, never one that only the project's `.agentclash.yaml` names.
fn workspace_to_save(settings: &Resolved) -> Option<String> {
    match settings.workspace_source {
        Some(config::Source::Project(_)) => None,
        _ => settings.workspace.clone(),
    }
}

/// Forgets the saved token, revoking it first when the API still accepts it.
async fn logout(client: &ApiClient, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let mut saved = UserConfig::load()?;
    let Some(token) = saved.token.take() else {
        eprintln!("not logged in");
        return Ok(ExitCode::SUCCESS);
    };
    let mine = find_in_pages(client, &["v1", "auth", "tokens"], |t| {
        t["revoked_at"].is_null() && t["prefix"].as_str().is_some_and(|p| token.starts_with(p))
    })
    .await;
    if let Some(id) = mine.ok().as_ref().and_then(|m| m.first()?["id"].as_str()) {
        client.delete(&["v1", "auth", "tokens", id]).await?;
    }
    saved.save()?;
    eprintln!("logged out of {}", settings.api_url);
    Ok(ExitCode::SUCCESS)
}

/// `agentclash org ...`.
pub fn org(args: OrgArgs) -> anyhow::Result<ExitCode> {
    with_client(args.api, |client, _, json| async move {
        match args.command {
            OrgCommand::List(page) => {
                let orgs = client
                    .get_query(&["v1", "organizations"], &page_query(&page))
                    .await?;
                print_page(&orgs, json, &["id", "slug", "name", "role"])
            }
            OrgCommand::Members { org, command } => {
                let org = match org {
                    Some(org) => org,
                    None => only_org(&client).await?,
                };
                crate::members::members(&client, &["v1", "organizations", &org], command, json)
                    .await
            }
        }
    })
}

/// `agentclash workspace ...`.
pub fn workspace(args: WorkspaceArgs) -> anyhow::Result<ExitCode> {
    with_client(args.api, |client, settings, json| async move {
        match args.command {
            WorkspaceCommand::List(page) => {
                let mut listed = client
                    .get_query(&["v1", "workspaces"], &page_query(&page))
                    .await?;
                if let (Some(items), Some(current)) = (
                    listed["items"].as_array_mut(),
                    settings.workspace.as_deref(),
                ) {
                    for item in items {
                        let chosen = item["id"].as_str() == Some(current);
                        item["current"] = Value::from(if chosen { "*" } else { "" });
                    }
                }
                print_page(&listed, json, &["current", "id", "slug", "name", "role"])
            }
            WorkspaceCommand::Use { workspace } => {
                let found = find_in_pages(&client, &["v1", "workspaces"], |w| {
                    w["id"].as_str() == Some(workspace.as_str())
                        || w["slug"].as_str() == Some(workspace.as_str())
                })
                .await?
                .first()
                .and_then(|w| w["id"].as_str().map(str::to_owned))
                .ok_or_else(|| {
                    fail(
                        exit::NOT_FOUND,
                        format!("no workspace `{workspace}` that you can reach"),
                    )
                })?;
                let mut saved = UserConfig::load()?;
                saved.workspace = Some(found.clone());
                saved.save()?;
                eprintln!("now using workspace {found}");
                match &settings.workspace_source {
                    Some(source @ (config::Source::Project(_) | config::Source::Env(_)))
                        if settings.workspace.as_deref() != Some(found.as_str()) =>
                    {
                        eprintln!(
                            "note: {source} selects workspace {} and takes precedence here",
                            settings.workspace.as_deref().unwrap_or_default()
                        );
                    }
                    _ => {}
                }
                Ok(ExitCode::SUCCESS)
            }
            WorkspaceCommand::Create { slug, name, org } => {
                let org = match org {
                    Some(org) => org,
                    None => only_org(&client).await?,
                };
                let body = json!({ "organization_id": org, "slug": slug, "name": name.unwrap_or_else(|| slug.clone()) });
                let created = client.post(&["v1", "workspaces"], &body).await?;
                if json {
                    print_value(&created)?;
                } else {
                    out!("{}", created["id"].as_str().unwrap_or_default());
                }
                Ok(ExitCode::SUCCESS)
            }
            WorkspaceCommand::Members(command) => {
                let workspace = settings.require_workspace()?.to_owned();
                crate::members::members(&client, &["v1", "workspaces", &workspace], command, json)
                    .await
            }
        }
    })
}

/// The id of the caller's organization when they belong to exactly one.
async fn only_org(client: &ApiClient) -> anyhow::Result<String> {
    let orgs = client
        .get_query(&["v1", "organizations"], &[("limit", Some("2".to_owned()))])
        .await?;
    let items = orgs["items"].as_array().cloned().unwrap_or_default();
    match items.as_slice() {
        [one] if orgs["next_cursor"].is_null() => {
            Ok(one["id"].as_str().unwrap_or_default().to_owned())
        }
        [] => Err(fail(exit::NOT_FOUND, "you belong to no organization")),
        _ => Err(fail(
            exit::USAGE,
            "you belong to several organizations: pass --org ID",
        )),
    }
}
