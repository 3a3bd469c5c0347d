//! Workspace and organization members, invitations and the paginated
//! identity lists against a scripted API on loopback: requests and bodies
//! sent, emails resolved to user ids, output and exit codes.

mod common;

use common::{agentclash, body, closed_port, lines, scripted_api, stderr, stdout};
use serde_json::json;

const ADA: &str = "01900000-0000-7000-8000-0000000000a1";
const ORG: &str = "01900000-0000-7000-8000-0000000000f1";

fn api(url: &str) -> [&str; 4] {
    ["-w", "w1", "--api-url", url]
}

#[test]
fn workspace_members_list_pages_and_names_the_next_cursor() {
    let (url, server) = scripted_api(vec![(
        200,
        r#"{"items":[{"user_id":"u1","email":"ada@example.com","display_name":"Ada","role":"workspace_admin","since":"2026-01-01T00:00:00Z"}],"next_cursor":"u1"}"#,
    )]);
    let mut args = vec!["workspace", "members", "list", "--limit", "1"];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["USER_ID", "EMAIL", "DISPLAY_NAME", "ROLE", "SINCE"]
    );
    assert_eq!(
        rows[1],
        [
            "u1",
            "ada@example.com",
            "Ada",
            "workspace_admin",
            "2026-01-01T00:00:00Z"
        ]
    );
    assert_eq!(stderr(&out), "more: --cursor u1\n");
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        ["GET /v1/workspaces/w1/members?limit=1 HTTP/1.1"]
    );
}

#[test]
fn set_role_resolves_an_email_and_sends_the_api_role() {
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"items":[{"user_id":"01900000-0000-7000-8000-0000000000b0","email":"bob@example.com"}],"next_cursor":"x"}"#,
        ),
        (
            200,
            r#"{"items":[{"user_id":"01900000-0000-7000-8000-0000000000a1","email":"ada@example.com"}],"next_cursor":null}"#,
        ),
        (
            200,
            r#"{"user_id":"01900000-0000-7000-8000-0000000000a1","email":"ada@example.com","role":"workspace_admin"}"#,
        ),
    ]);
    let mut args = vec![
        "workspace",
        "members",
        "set-role",
        "Ada@Example.com",
        "admin",
    ];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "ada@example.com is now workspace_admin\n");
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "GET /v1/workspaces/w1/members?limit=100 HTTP/1.1",
            "GET /v1/workspaces/w1/members?limit=100&cursor=x HTTP/1.1",
            &format!("PUT /v1/workspaces/w1/members/{ADA} HTTP/1.1"),
        ]
    );
    assert_eq!(body(&seen[2]), json!({"role": "workspace_admin"}));
}

#[test]
fn removing_the_last_admin_reports_the_conflict_and_an_unknown_email_is_not_found() {
    let (url, server) = scripted_api(vec![
        (
            409,
            r#"{"error":{"code":"conflict","message":"this is the last workspace_admin of the workspace; make someone else workspace_admin first"}}"#,
        ),
        (200, r#"{"items":[],"next_cursor":null}"#),
    ]);
    let mut args = vec!["workspace", "members", "remove", ADA];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("last workspace_admin"),
        "{}",
        stderr(&out)
    );

    let mut args = vec!["workspace", "members", "remove", "nobody@example.com"];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(66));
    assert!(
        stderr(&out).contains("nobody@example.com"),
        "{}",
        stderr(&out)
    );
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            &format!("DELETE /v1/workspaces/w1/members/{ADA} HTTP/1.1"),
            "GET /v1/workspaces/w1/members?limit=100 HTTP/1.1",
        ]
    );
}

#[test]
fn org_members_default_to_the_only_organization() {
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"items":[{"id":"01900000-0000-7000-8000-0000000000f1","slug":"acme"}],"next_cursor":null}"#,
        ),
        (204, ""),
    ]);
    let mut args = vec!["org", "members", "remove", ADA];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "GET /v1/organizations?limit=2 HTTP/1.1",
            &format!("DELETE /v1/organizations/{ORG}/members/{ADA} HTTP/1.1"),
        ]
    );
}

#[test]
fn org_members_need_an_org_when_there_are_several_and_take_only_org_roles() {
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"items":[{"id":"o1"},{"id":"o2"}],"next_cursor":"o2"}"#,
        ),
        (
            200,
            r#"{"user_id":"u","email":"ada@example.com","role":"org_admin"}"#,
        ),
    ]);
    let mut args = vec!["org", "members", "list"];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--org"), "{}", stderr(&out));

    let mut args = vec![
        "org",
        "members",
        "--org",
        ORG,
        "set-role",
        ADA,
        "org_admin",
        "--json",
    ];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(printed["role"], "org_admin");
    let seen = server.join().expect("server");
    assert_eq!(body(&seen[1]), json!({"role": "org_admin"}));

    let closed = format!("http://127.0.0.1:{}", closed_port());
    let mut args = vec!["org", "members", "--org", ORG, "set-role", ADA, "viewer"];
    args.extend(api(&closed));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(2), "viewer is not an org role");
}

#[test]
fn invitation_create_prints_the_token_once_on_stdout() {
    let (url, server) = scripted_api(vec![(
        201,
        r#"{"id":"i1","email":"ada@example.com","role":"workspace_viewer","expires_at":"2026-01-08T00:00:00Z","token":"aci_secret"}"#,
    )]);
    let mut args = vec![
        "invitation",
        "create",
        "ada@example.com",
        "--role",
        "viewer",
    ];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "aci_secret\n");
    assert!(stderr(&out).contains("shown only once"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("aci_secret"));
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        ["POST /v1/workspaces/w1/invitations HTTP/1.1"]
    );
    assert_eq!(
        body(&seen[0]),
        json!({"email": "ada@example.com", "role": "workspace_viewer"})
    );
}

#[test]
fn invitation_list_and_revoke() {
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"items":[{"id":"i1","email":"ada@example.com","role":"workspace_member","created_at":"c","expires_at":"e"}],"next_cursor":null}"#,
        ),
        (204, ""),
    ]);
    let mut args = vec!["invitation", "list"];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("ada@example.com"));
    assert_eq!(stderr(&out), "", "no next cursor on the last page");
    let mut args = vec!["invitation", "revoke", "i1"];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "GET /v1/workspaces/w1/invitations HTTP/1.1",
            "DELETE /v1/workspaces/w1/invitations/i1 HTTP/1.1",
        ]
    );
}

#[test]
fn invitation_accept_needs_no_workspace_and_maps_errors_to_exit_codes() {
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"id":"w9","slug":"team","role":"workspace_member"}"#,
        ),
        (
            404,
            r#"{"error":{"code":"not_found","message":"unknown or revoked invitation"}}"#,
        ),
        (
            400,
            r#"{"error":{"code":"expired_token","message":"the invitation has expired; ask for a new one"}}"#,
        ),
    ]);
    let base = ["--api-url", url.as_str()];
    let out = agentclash(
        &[&["invitation", "accept", "--token", " acl_x "][..], &base].concat(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "joined workspace team (w9) as workspace_member\n"
    );
    let out = agentclash(
        &[&["invitation", "accept", "--token", "acl_y"][..], &base].concat(),
        &[],
    );
    assert_eq!(out.status.code(), Some(66));
    let out = agentclash(
        &[&["invitation", "accept", "--token", "acl_z"][..], &base].concat(),
        &[],
    );
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("expired"), "{}", stderr(&out));
    let seen = server.join().expect("server");
    assert_eq!(lines(&seen), ["POST /v1/invitations/accept HTTP/1.1"; 3]);
    assert_eq!(body(&seen[0]), json!({"token": "acl_x"}));

    // Without --token the token comes from stdin; an empty stdin is a usage error.
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let out = agentclash(&["invitation", "accept", "--api-url", &closed], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn workspace_use_follows_cursors_to_find_a_slug() {
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"items":[{"id":"a","slug":"one"}],"next_cursor":"a"}"#,
        ),
        (
            200,
            r#"{"items":[{"id":"b","slug":"two"}],"next_cursor":null}"#,
        ),
    ]);
    let out = agentclash(&["workspace", "use", "two", "--api-url", &url], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("now using workspace b"),
        "{}",
        stderr(&out)
    );
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "GET /v1/workspaces?limit=100 HTTP/1.1",
            "GET /v1/workspaces?limit=100&cursor=a HTTP/1.1",
        ]
    );
}

#[test]
fn identity_and_secret_lists_take_limit_and_cursor() {
    let page = r#"{"items":[{"id":"x","name":"n","slug":"s","role":"r"}],"next_cursor":"x"}"#;
    let (url, server) = scripted_api(vec![(200, page); 5]);
    for command in [
        &["auth", "tokens", "list"][..],
        &["org", "list"],
        &["workspace", "list"],
        &["secret", "list"],
        &["challenge-pack", "list"],
    ] {
        let mut args = command.to_vec();
        args.extend(["--limit", "1", "--cursor", "c0"]);
        args.extend(api(&url));
        let out = agentclash(&args, &[]);
        assert_eq!(out.status.code(), Some(0), "{command:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "more: --cursor x\n", "{command:?}");
    }
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "GET /v1/auth/tokens?limit=1&cursor=c0 HTTP/1.1",
            "GET /v1/organizations?limit=1&cursor=c0 HTTP/1.1",
            "GET /v1/workspaces?limit=1&cursor=c0 HTTP/1.1",
            "GET /v1/workspaces/w1/secrets?limit=1&cursor=c0 HTTP/1.1",
            "GET /v1/workspaces/w1/challenge-packs?limit=1&cursor=c0 HTTP/1.1",
        ]
    );
}
