//! Which tools a case gets (kinds, shell, network, allow/deny lists,
//! deployment overrides), how bad calls are answered, and the pack's custom
//! tools: composed chains, depth and cycles, secrets and mocks.

mod common;

use agentclash_agent::tools::{ToolConfig, ToolSet};
use common::{Sandboxes, call, error_of, tool_config, visible};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn visible_set(set: &ToolSet) -> BTreeSet<String> {
    visible(set).into_iter().collect()
}

const FILE: [&str; 5] = [
    "read_file",
    "write_file",
    "list_files",
    "search_files",
    "search_text",
];

#[test]
fn kinds_decide_the_primitives_and_exec_needs_allow_shell() {
    let all = ToolSet::new(tool_config(json!({}), json!({})));
    let mut expected: Vec<&str> = FILE.to_vec();
    expected.extend([
        "submit",
        "query_json",
        "query_sql",
        "http_request",
        "run_tests",
        "build",
    ]);
    assert_eq!(
        visible_set(&all),
        names(&expected),
        "no kinds = every kind, but no exec"
    );

    let file = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["file"]}),
        json!({}),
    ));
    let mut expected: Vec<&str> = FILE.to_vec();
    expected.push("submit");
    assert_eq!(visible_set(&file), names(&expected));

    let build_data = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["build", "data", "browser"]}),
        json!({}),
    ));
    assert_eq!(
        visible_set(&build_data),
        names(&["submit", "run_tests", "build", "query_json", "query_sql"]),
        "browser registers nothing"
    );

    let shell = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["file"], "allow_shell": true}),
        json!({}),
    ));
    assert!(visible_set(&shell).contains("exec"));

    // The deployment's runtime profile overrides allow_shell both ways.
    let mut revoked = tool_config(json!({"allow_shell": true}), json!({}));
    revoked.allow_shell = Some(false);
    assert!(!visible_set(&ToolSet::new(revoked)).contains("exec"));
    let mut granted = tool_config(json!({}), json!({}));
    granted.allow_shell = Some(true);
    assert!(visible_set(&ToolSet::new(granted)).contains("exec"));

    // Every primitive shown has a strict object schema.
    for spec in all.specs() {
        assert_eq!(spec.parameters["type"], "object", "{}", spec.name);
        assert_eq!(
            spec.parameters["additionalProperties"], false,
            "{}",
            spec.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http_request_needs_network_permission() {
    let refused = |config: ToolConfig| async move {
        let set = ToolSet::new(config);
        assert!(
            set.is_visible("http_request"),
            "listed even without permission"
        );
        let outcome = call(
            &set,
            None,
            "http_request",
            json!({"method": "GET", "url": "http://127.0.0.1:9/"}),
        )
        .await;
        error_of(&outcome).contains("refused by policy")
    };
    assert!(refused(tool_config(json!({}), json!({}))).await);
    let mut overridden = tool_config(json!({"allow_network": true}), json!({}));
    overridden.allow_network = Some(false);
    assert!(
        refused(overridden).await,
        "the deployment can revoke allow_network"
    );

    let mut granted = tool_config(json!({}), json!({}));
    granted.allow_network = Some(true);
    assert!(!refused(granted).await);
    assert!(!refused(tool_config(json!({"allow_network": true}), json!({}))).await);
    let mut sandbox_access = tool_config(json!({}), json!({}));
    sandbox_access.network_access = true;
    sandbox_access.allow_network = Some(false);
    assert!(
        !refused(sandbox_access).await,
        "network_access cannot be revoked by allow_network"
    );

    let no_kind = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["file"], "allow_network": true}),
        json!({}),
    ));
    assert!(!no_kind.is_visible("http_request"));
}

fn mock(name: &str) -> Value {
    json!({"name": name, "implementation": {"type": "mock", "strategy": "static", "response": {"from": name}}})
}

#[tokio::test(flavor = "multi_thread")]
async fn allow_and_deny_lists_hide_primitives_but_never_submit() {
    let allowed = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["file"]}),
        json!({"allowed": ["read_file"], "custom": [mock("helper")]}),
    ));
    assert_eq!(
        visible_set(&allowed),
        names(&["submit", "read_file", "helper"]),
        "custom tools stay visible"
    );

    let denied = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["file"]}),
        json!({"denied": ["submit", "write_file", "search_text"]}),
    ));
    assert_eq!(
        visible_set(&denied),
        names(&["submit", "read_file", "list_files", "search_files"])
    );
    let hidden = call(
        &denied,
        None,
        "write_file",
        json!({"path": "a", "content": "b"}),
    )
    .await;
    let message = error_of(&hidden);
    assert!(
        message.starts_with("unknown tool `write_file`; available: "),
        "{message}"
    );
    for name in ["submit", "read_file", "list_files", "search_files"] {
        assert!(message.contains(name), "{message}");
    }

    // The deployment narrows further, custom tools included; submit stays.
    let mut deployment = tool_config(
        json!({"allowed_tool_kinds": ["file"]}),
        json!({"custom": [mock("helper"), mock("other")]}),
    );
    deployment.deployment_allowed = vec!["read_file".into(), "write_file".into(), "helper".into()];
    deployment.deployment_denied = vec!["write_file".into(), "submit".into()];
    let set = ToolSet::new(deployment);
    assert_eq!(visible_set(&set), names(&["submit", "read_file", "helper"]));
    let other = call(&set, None, "other", json!({})).await;
    assert!(error_of(&other).starts_with("unknown tool `other`"));
    let helper = call(&set, None, "helper", json!({})).await;
    assert_eq!(helper.content, json!({"from": "helper"}));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_tools_and_bad_arguments_are_error_results() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    let sb = Some(sb.as_ref());
    let mut config = tool_config(
        json!({"allow_shell": true, "allow_network": true}),
        json!({}),
    );
    config.network_allowlist = vec!["127.0.0.1/32".into()];
    let set = ToolSet::new(config);

    let unknown = call(&set, sb, "rm_rf", json!({})).await;
    let message = error_of(&unknown);
    assert!(
        message.starts_with("unknown tool `rm_rf`; available: "),
        "{message}"
    );
    assert!(
        message.contains("read_file") && message.contains("exec") && message.contains("submit"),
        "{message}"
    );

    // (tool, arguments, argument the error must name)
    let cases: Vec<(&str, Value, &str)> = vec![
        ("read_file", json!({}), "path"),
        ("read_file", json!({"path": 7}), "path"),
        ("write_file", json!({"path": "a"}), "content"),
        (
            "write_file",
            json!({"path": "a", "content": ["x"]}),
            "content",
        ),
        ("list_files", json!({"prefix": true}), "prefix"),
        ("search_files", json!({"pattern": 1}), "pattern"),
        (
            "search_files",
            json!({"pattern": "*", "max_results": "5"}),
            "max_results",
        ),
        ("search_text", json!({}), "pattern"),
        (
            "search_text",
            json!({"pattern": "x", "include": 3}),
            "include",
        ),
        ("query_json", json!({"json": "{}"}), "query"),
        (
            "query_json",
            json!({"query": ".", "json": {"a": 1}}),
            "json",
        ),
        (
            "query_sql",
            json!({"query": "select 1", "database_path": "a.db"}),
            "engine",
        ),
        (
            "query_sql",
            json!({"engine": "sqlite", "database_path": "a.db"}),
            "query",
        ),
        (
            "http_request",
            json!({"url": "http://127.0.0.1:9/"}),
            "method",
        ),
        ("http_request", json!({"method": "GET"}), "url"),
        (
            "http_request",
            json!({"method": "GET", "url": "not a url"}),
            "url",
        ),
        (
            "http_request",
            json!({"method": "GET", "url": "http://127.0.0.1:9/", "headers": ["x"]}),
            "headers",
        ),
        (
            "http_request",
            json!({"method": "GET", "url": "http://127.0.0.1:9/", "timeout_seconds": -1}),
            "timeout_seconds",
        ),
        (
            "run_tests",
            json!({"working_directory": 1}),
            "working_directory",
        ),
        ("build", json!({"timeout_seconds": 1.5}), "timeout_seconds"),
        (
            "exec",
            json!({"command": ["ls"], "environment": "A=1"}),
            "environment",
        ),
        ("exec", json!({"command": [1, 2]}), "command"),
    ];
    for (tool, args, arg) in cases {
        let outcome = call(&set, sb, tool, args.clone()).await;
        let message = error_of(&outcome);
        assert!(
            message.contains(&format!("`{arg}`")),
            "{tool} {args}: {message}"
        );
    }
    for args in [json!("read it"), json!([1]), json!(null)] {
        let outcome = call(&set, sb, "read_file", args).await;
        assert_eq!(error_of(&outcome), "tool arguments must be a JSON object");
    }
}

/// A composed tool `name` delegating to `target` with `args`.
fn composed(name: &str, target: &str, args: Value) -> Value {
    json!({"name": name, "description": format!("{name} tool"),
           "parameters": {"type": "object", "properties": {"doc": {"type": "string"}}},
           "implementation": {"primitive": target, "args": args}})
}

#[tokio::test(flavor = "multi_thread")]
async fn composed_tools_template_their_arguments_and_rewrap_errors() {
    let env = Sandboxes::new();
    let sandbox = env.sandbox().await;
    sandbox
        .write_file("/workspace/docs/intro.md", b"# Intro")
        .await
        .expect("stage a doc");
    let sb = Some(sandbox.as_ref());
    let set = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["file"]}),
        json!({"denied": ["read_file"], "custom": [
            composed("read_doc", "read_file", json!({"path": "docs/${doc}.md"})),
            composed("fetch_doc", "read_doc", json!({"doc": "${doc}"})),
        ]}),
    ));
    assert!(!set.is_visible("read_file") && set.is_visible("read_doc"));
    let spec = set
        .specs()
        .into_iter()
        .find(|s| s.name == "read_doc")
        .expect("read_doc spec");
    assert_eq!(spec.description, "read_doc tool");
    assert_eq!(spec.parameters["properties"]["doc"]["type"], "string");

    let ok = call(&set, sb, "read_doc", json!({"doc": "intro"})).await;
    assert!(
        !ok.is_error,
        "hidden primitives stay callable by composed tools: {ok:?}"
    );
    assert_eq!(
        ok.content,
        json!({"path": "/workspace/docs/intro.md", "content": "# Intro"})
    );
    assert_eq!(
        ok.resolved,
        Some(("read_file".to_owned(), vec!["read_doc".to_owned()]))
    );

    let missing = call(&set, sb, "read_doc", json!({"doc": "nope"})).await;
    assert!(
        error_of(&missing).starts_with("read_doc failed: cannot read /workspace/docs/nope.md"),
        "{missing:?}"
    );
    assert_eq!(
        missing.resolved,
        Some(("read_file".to_owned(), vec!["read_doc".to_owned()]))
    );
    let unresolved = call(&set, sb, "read_doc", json!({})).await;
    assert_eq!(
        error_of(&unresolved),
        "read_doc failed: cannot resolve path `doc`"
    );

    let chained = call(&set, sb, "fetch_doc", json!({"doc": "intro"})).await;
    assert_eq!(chained.content["content"], "# Intro");
    assert_eq!(
        chained.resolved,
        Some((
            "read_file".to_owned(),
            vec!["fetch_doc".to_owned(), "read_doc".to_owned()]
        ))
    );
    let chained_error = call(&set, sb, "fetch_doc", json!({"doc": "../../etc/passwd"})).await;
    assert!(
        error_of(&chained_error).starts_with("fetch_doc failed: read_doc failed: path `docs/../../etc/passwd.md` is outside /workspace"),
        "{chained_error:?}"
    );
}

/// `t1 → t2 → … → t<n> → list_files`.
fn chain(prefix: &str, n: usize) -> Vec<Value> {
    (1..=n)
        .map(|i| {
            let target = if i == n { "list_files".to_owned() } else { format!("{prefix}{}", i + 1) };
            json!({"name": format!("{prefix}{i}"), "implementation": {"primitive": target, "args": {}}})
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn delegation_depth_and_cycles_are_checked_when_the_catalogue_is_built() {
    let env = Sandboxes::new();
    let sandbox = env.sandbox().await;
    let mut custom = chain("eight", 8);
    custom.extend(chain("nine", 9));
    custom.extend([
        json!({"name": "ping", "implementation": {"primitive": "pong", "args": {}}}),
        json!({"name": "pong", "implementation": {"primitive": "ping", "args": {}}}),
        json!({"name": "into_cycle", "implementation": {"primitive": "ping", "args": {}}}),
        json!({"name": "me", "implementation": {"primitive": "me", "args": {}}}),
        json!({"name": "to_nowhere", "implementation": {"primitive": "no_such_tool", "args": {}}}),
        json!({"name": "read_file", "implementation": {"type": "mock", "strategy": "static", "response": 1}}),
    ]);
    // Such packs fail validation (§3.5.3); the runtime must cope anyway.
    let set = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["file"]}),
        json!({"custom": custom}),
    ));
    let shown = visible_set(&set);
    assert!(
        shown.contains("eight1"),
        "a chain of 8 composed tools is accepted"
    );
    assert!(!shown.contains("nine1"), "a chain of 9 is rejected");
    assert!(shown.contains("nine2"), "its tail of 8 is fine");
    for dropped in ["ping", "pong", "into_cycle", "me", "to_nowhere"] {
        assert!(!shown.contains(dropped), "{dropped} should be dropped");
    }

    let eight = call(&set, Some(sandbox.as_ref()), "eight1", json!({})).await;
    assert!(!eight.is_error, "{eight:?}");
    let (primitive, path) = eight.resolved.expect("resolved");
    assert_eq!(primitive, "list_files");
    assert_eq!(
        path,
        (1..=8).map(|i| format!("eight{i}")).collect::<Vec<_>>()
    );
    let nine = call(&set, Some(sandbox.as_ref()), "nine1", json!({})).await;
    assert!(error_of(&nine).starts_with("unknown tool `nine1`"));
    let cycle = call(&set, Some(sandbox.as_ref()), "ping", json!({})).await;
    assert!(error_of(&cycle).starts_with("unknown tool `ping`"));
    let shadow = call(
        &set,
        Some(sandbox.as_ref()),
        "read_file",
        json!({"path": "x"}),
    )
    .await;
    assert!(
        shadow.content.get("error").is_some(),
        "the primitive answers, not the shadowing mock: {shadow:?}"
    );
}

#[test]
fn composed_tools_disappear_with_their_primitive() {
    let custom = json!({"custom": [
        composed("jq_it", "query_json", json!({"query": ".", "json": "{}"})),
        composed("run_it", "exec", json!({"command": ["true"]})),
        composed("via_mock", "answer", json!({})),
        {"name": "answer", "implementation": {"type": "mock", "strategy": "static", "response": 42}},
    ]});
    let file_only = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["file"]}),
        custom.clone(),
    ));
    assert_eq!(
        visible_set(&file_only),
        names(&[
            "submit",
            "read_file",
            "write_file",
            "list_files",
            "search_files",
            "search_text",
            "via_mock",
            "answer"
        ])
    );
    let with_data = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["data"], "allow_shell": true}),
        custom,
    ));
    assert!(visible_set(&with_data).is_superset(&names(&["jq_it", "run_it", "exec"])));
}

#[tokio::test(flavor = "multi_thread")]
async fn composed_tools_reach_mocks_and_deployment_hidden_tools() {
    let mut config = tool_config(
        json!({"allowed_tool_kinds": ["file"]}),
        json!({"custom": [
            composed("ask", "answer", json!({"question": "${doc}"})),
            {"name": "answer", "implementation": {"type": "mock", "strategy": "echo", "template": {"you_asked": "${question}"}}},
        ]}),
    );
    config.deployment_denied = vec!["answer".into()];
    let set = ToolSet::new(config);
    assert!(!set.is_visible("answer") && set.is_visible("ask"));
    let direct = call(&set, None, "answer", json!({"question": "x"})).await;
    assert!(error_of(&direct).starts_with("unknown tool `answer`"));
    let via = call(&set, None, "ask", json!({"doc": "why?"})).await;
    assert_eq!(via.content, json!({"you_asked": "why?"}));
    assert_eq!(
        via.resolved,
        Some(("answer".to_owned(), vec!["ask".to_owned()]))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mocks_answer_without_a_sandbox() {
    let set = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["terminal"]}),
        json!({"custom": [
            {"name": "weather", "implementation": {"type": "mock", "strategy": "static", "response": {"temp": 21}}},
            {"name": "owner", "parameters": {"type": "object", "properties": {"region": {"type": "string"}}},
             "implementation": {"type": "mock", "strategy": "lookup", "lookup_key": "region",
                                "responses": {"north": {"owner": "Ada"}, "*": {"owner": "nobody"}}}},
            {"name": "strict", "implementation": {"type": "mock", "strategy": "lookup", "lookup_key": "id", "responses": {"1": "one"}}},
            {"name": "echo", "implementation": {"type": "mock", "strategy": "echo",
                                                "template": {"msg": "hi ${name}", "args": "${json:parameters}", "leak": "${secrets.KEY}"}}},
        ]}),
    ));
    assert_eq!(
        visible_set(&set),
        names(&["submit", "weather", "owner", "strict", "echo"]),
        "mocks need no kind"
    );
    assert_eq!(
        call(&set, None, "weather", json!({})).await.content,
        json!({"temp": 21})
    );
    assert_eq!(
        call(&set, None, "owner", json!({"region": "north"}))
            .await
            .content,
        json!({"owner": "Ada"})
    );
    assert_eq!(
        call(&set, None, "owner", json!({"region": "east"}))
            .await
            .content,
        json!({"owner": "nobody"})
    );
    assert_eq!(
        call(&set, None, "strict", json!({"id": 1})).await.content,
        json!("one")
    );
    let miss = call(&set, None, "strict", json!({"id": 2})).await;
    assert_eq!(
        error_of(&miss),
        "no mock response for id=\"2\" and no fallback defined"
    );
    assert_eq!(
        call(&set, None, "echo", json!({"name": "Bo"}))
            .await
            .content,
        json!({"msg": "hi Bo", "args": "{\"name\":\"Bo\"}", "leak": "${secrets.KEY}"}),
        "echo never resolves secrets"
    );
}

#[test]
fn secrets_enable_only_http_tools_that_do_not_save_the_answer() {
    let tools = json!({"custom": [
        {"name": "api", "implementation": {"primitive": "http_request",
            "args": {"method": "GET", "url": "http://127.0.0.1:9/", "headers": {"Authorization": "Bearer ${secrets.API_KEY}"}}}},
        {"name": "api_other", "implementation": {"primitive": "http_request",
            "args": {"method": "GET", "url": "http://127.0.0.1:9/?k=${secrets.OTHER}"}}},
        {"name": "api_to_file", "implementation": {"primitive": "http_request",
            "args": {"method": "GET", "url": "http://127.0.0.1:9/?k=${secrets.API_KEY}", "output_path": "out.json"}}},
        {"name": "leak_to_file", "implementation": {"primitive": "write_file",
            "args": {"path": "leak.txt", "content": "${secrets.API_KEY}"}}},
        {"name": "leak_via_tool", "implementation": {"primitive": "api_plain", "args": {"key": "${secrets.API_KEY}"}}},
        {"name": "api_plain", "implementation": {"primitive": "http_request", "args": {"method": "GET", "url": "http://127.0.0.1:9/"}}},
    ]});
    let mut config: ToolConfig = tool_config(json!({"allow_network": true}), tools);
    config.secrets = BTreeMap::from([("API_KEY".to_owned(), "sk-live-123".to_owned())]);
    let set = ToolSet::new(config);
    let shown = visible_set(&set);
    assert!(
        shown.contains("api") && shown.contains("api_plain"),
        "{shown:?}"
    );
    assert!(
        !shown.contains("api_other"),
        "a missing secret disables the tool"
    );
    for refused in ["api_to_file", "leak_to_file", "leak_via_tool"] {
        assert!(!shown.contains(refused), "{refused} must be disabled");
    }
    let specs = serde_json::to_string(
        &set.specs()
            .iter()
            .map(|s| (&s.name, &s.description, &s.parameters))
            .collect::<Vec<_>>(),
    )
    .expect("specs");
    assert!(!specs.contains("sk-live-123"));
}
