//! `agentclash workspace members …`, `agentclash org members …` and
//! `agentclash invitation …`: who belongs where, and letting people in.

use std::process::ExitCode;

use serde_json::json;

use crate::account::{read_token, with_client};
use crate::api::ApiClient;
use crate::args::{ApiRole, InvitationArgs, InvitationCommand, MembersCommand};
use crate::exit::{self, fail};
use crate::output::{print_page, print_value};
use crate::resources::{find_in_pages, is_id, page_query};

/// Columns of a member list.
const MEMBER_COLUMNS: &[&str] = &["user_id", "email", "display_name", "role", "since"];

/// Runs a members command on the members of `owner` (the path of a
/// workspace or an organization, e.g. `["v1", "workspaces", ID]`).
pub async fn members<R: clap::ValueEnum + Clone + Send + Sync + ApiRole + 'static>(
    client: &ApiClient,
    owner: &[&str],
    command: MembersCommand<R>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let list = [owner, &["members"]].concat();
    match command {
        MembersCommand::List(page) => {
            let listed = client.get_query(&list, &page_query(&page)).await?;
            print_page(&listed, json, MEMBER_COLUMNS)
        }
        MembersCommand::SetRole { user, role } => {
            let id = resolve_member(client, &list, &user).await?;
            let changed = client
                .put_json(
                    &[list.as_slice(), &[id.as_str()]].concat(),
                    &json!({ "role": role.api_name() }),
                )
                .await?;
            if json {
                print_value(&changed)?;
            } else {
                eprintln!(
                    "{} is now {}",
                    changed["email"].as_str().unwrap_or(&user),
                    role.api_name()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        MembersCommand::Remove { user } => {
            let id = resolve_member(client, &list, &user).await?;
            client
                .delete(&[list.as_slice(), &[id.as_str()]].concat())
                .await?;
            eprintln!("{user} removed");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The user id `user` stands for: itself when it is an id, else the id of
/// the member with that email (case-insensitive).
async fn resolve_member(client: &ApiClient, list: &[&str], user: &str) -> anyhow::Result<String> {
    if is_id(user) {
        return Ok(user.to_owned());
    }
    let email = user.trim().to_lowercase();
    find_in_pages(client, list, |m| {
        m["email"].as_str() == Some(email.as_str())
    })
    .await?
    .first()
    .and_then(|m| m["user_id"].as_str().map(str::to_owned))
    .ok_or_else(|| {
        fail(
            exit::NOT_FOUND,
            format!("no member `{user}` here (give their user id or email)"),
        )
    })
}

/// `agentclash invitation ...`.
pub fn invitation(args: InvitationArgs) -> anyhow::Result<ExitCode> {
    // Read a token from stdin before connecting, so a prompt is not raced by errors.
    let token = match &args.command {
        InvitationCommand::Accept { token: Some(token) } => Some(token.trim().to_owned()),
        InvitationCommand::Accept { token: None } => Some(read_token(
            "paste the invitation token you were given, then press Enter:",
        )?),
        _ => None,
    };
    with_client(args.api, |client, settings, json| async move {
        match args.command {
            InvitationCommand::Accept { .. } => {
                accept(&client, &token.unwrap_or_default(), json).await
            }
            InvitationCommand::Create { email, role } => {
                let base = invitations_path(settings.require_workspace()?);
                let created = client
                    .post(&base, &json!({ "email": email, "role": role.api_name() }))
                    .await?;
                if json {
                    print_value(&created)?;
                } else {
                    eprintln!(
                        "invitation {} for {} ({}) created; it expires {} and the token is shown only once:",
                        created["id"].as_str().unwrap_or("?"),
                        created["email"].as_str().unwrap_or(&email),
                        role.api_name(),
                        created["expires_at"].as_str().unwrap_or("?"),
                    );
                    out!("{}", created["token"].as_str().unwrap_or_default());
                }
                Ok(ExitCode::SUCCESS)
            }
            InvitationCommand::List(page) => {
                let base = invitations_path(settings.require_workspace()?);
                let listed = client.get_query(&base, &page_query(&page)).await?;
                print_page(
                    &listed,
                    json,
                    &["id", "email", "role", "created_at", "expires_at"],
                )
            }
            InvitationCommand::Revoke { id } => {
                let base = invitations_path(settings.require_workspace()?);
                client
                    .delete(&[base.as_slice(), &[id.as_str()]].concat())
                    .await?;
                eprintln!("invitation {id} revoked");
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// `/v1/workspaces/{ws}/invitations`.
fn invitations_path(workspace: &str) -> [&str; 4] {
    ["v1", "workspaces", workspace, "invitations"]
}

/// Accepts an invitation as the logged-in user and says where they joined.
async fn accept(client: &ApiClient, token: &str, json: bool) -> anyhow::Result<ExitCode> {
    let joined = client
        .post(&["v1", "invitations", "accept"], &json!({ "token": token }))
        .await?;
    if json {
        print_value(&joined)?;
    } else {
        eprintln!(
            "joined workspace {} ({}) as {}",
            joined["slug"].as_str().unwrap_or("?"),
            joined["id"].as_str().unwrap_or("?"),
            joined["role"].as_str().unwrap_or("?"),
        );
    }
    Ok(ExitCode::SUCCESS)
}
