//! The primitive catalogue against a real bubblewrap sandbox: file, search,
//! data, build and exec primitives, path confinement, the result envelope
//! and spilling of large results.

mod common;

use agentclash_agent::tools::ToolSet;
use agentclash_sandbox::{ExecRequest, Sandbox};
use common::{Sandboxes, call, content_of, error_of, tool_config};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Every kind, `exec` included.
fn all_tools() -> ToolSet {
    ToolSet::new(tool_config(json!({"allow_shell": true}), json!({})))
}

async fn sh(sandbox: &dyn Sandbox, script: &str) {
    let out = sandbox
        .exec(ExecRequest::shell(script))
        .await
        .expect("exec in the sandbox");
    assert!(out.success(), "`{script}` failed: {}", out.stderr_text());
}

#[tokio::test(flavor = "multi_thread")]
async fn file_primitives_write_read_and_list() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    let set = all_tools();
    let sb = Some(sb.as_ref());

    let written = call(
        &set,
        sb,
        "write_file",
        json!({"path": "notes/a.txt", "content": "héllo\n"}),
    )
    .await;
    assert_eq!(
        written.content,
        json!({"path": "/workspace/notes/a.txt", "written": true, "bytes": 7}),
        "write_file returns its payload without the envelope"
    );
    assert!(!written.is_error);
    call(
        &set,
        sb,
        "write_file",
        json!({"path": "/workspace/top.txt", "content": ""}),
    )
    .await;

    let read = call(
        &set,
        sb,
        "read_file",
        json!({"path": "/workspace/notes/./a.txt"}),
    )
    .await;
    assert_eq!(
        read.content,
        json!({"path": "/workspace/notes/a.txt", "content": "héllo\n"})
    );

    let all = call(&set, sb, "list_files", json!({})).await;
    assert_eq!(all.content["prefix"], "/workspace");
    assert_eq!(
        all.content["files"],
        json!(["/workspace/notes/a.txt", "/workspace/top.txt"]),
        "files only, directories left out"
    );
    let under = call(&set, sb, "list_files", json!({"prefix": "notes"})).await;
    assert_eq!(
        under.content,
        json!({"prefix": "/workspace/notes", "files": ["/workspace/notes/a.txt"]})
    );

    let missing = call(&set, sb, "read_file", json!({"path": "nope.txt"})).await;
    assert!(
        error_of(&missing).contains("/workspace/nope.txt"),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn file_primitives_never_leave_the_workspace() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    let set = all_tools();
    // A host file the sandbox must neither read nor overwrite.
    let host_dir = tempfile::tempdir_in("/var/tmp").expect("host dir");
    let canary = host_dir.path().join("canary.txt");
    std::fs::write(&canary, "host canary").expect("write canary");
    sh(
        sb.as_ref(),
        &format!(
            "ln -s /etc/passwd /workspace/abs_link && ln -s ../../../../etc/passwd /workspace/rel_link && ln -s {} /workspace/out_link",
            canary.display()
        ),
    )
    .await;
    let sb = Some(sb.as_ref());

    for path in [
        "../x",
        "/etc/passwd",
        "/workspace/../etc/passwd",
        "a/../../x",
        "/workspacex/y",
    ] {
        let read = call(&set, sb, "read_file", json!({"path": path})).await;
        assert!(
            error_of(&read).contains("outside /workspace"),
            "{path}: {read:?}"
        );
        let write = call(
            &set,
            sb,
            "write_file",
            json!({"path": path, "content": "x"}),
        )
        .await;
        assert!(
            error_of(&write).contains("outside /workspace"),
            "{path}: {write:?}"
        );
    }
    let list = call(&set, sb, "list_files", json!({"prefix": "../"})).await;
    assert!(error_of(&list).contains("outside /workspace"));

    for link in ["abs_link", "rel_link", "out_link"] {
        let read = call(&set, sb, "read_file", json!({"path": link})).await;
        let message = error_of(&read);
        assert!(
            !message.contains("root:") && !message.contains("host canary"),
            "{message}"
        );
        let write = call(
            &set,
            sb,
            "write_file",
            json!({"path": link, "content": "pwned"}),
        )
        .await;
        error_of(&write);
    }
    assert_eq!(
        std::fs::read_to_string(&canary).expect("canary"),
        "host canary"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_files_matches_globs_within_a_path_and_a_cap() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    sh(
        sb.as_ref(),
        "mkdir -p sub && touch b.py a.py c.txt sub/d.py",
    )
    .await;
    let set = all_tools();
    let sb = Some(sb.as_ref());

    let py = call(&set, sb, "search_files", json!({"pattern": "*.py"})).await;
    assert_eq!(
        content_of(&py),
        &json!({"pattern": "*.py", "path": "/workspace", "files": ["/workspace/a.py", "/workspace/b.py", "/workspace/sub/d.py"]})
    );
    assert_eq!(py.content["total_lines"], json!(1));
    let capped = call(
        &set,
        sb,
        "search_files",
        json!({"pattern": "*.py", "max_results": 2}),
    )
    .await;
    assert_eq!(
        content_of(&capped)["files"],
        json!(["/workspace/a.py", "/workspace/b.py"])
    );
    let sub = call(
        &set,
        sb,
        "search_files",
        json!({"pattern": "*", "path": "sub"}),
    )
    .await;
    assert_eq!(content_of(&sub)["files"], json!(["/workspace/sub/d.py"]));
    let none = call(&set, sb, "search_files", json!({"pattern": "*.rs"})).await;
    assert_eq!(content_of(&none)["files"], json!([]));

    let outside = call(
        &set,
        sb,
        "search_files",
        json!({"pattern": "*", "path": "/etc"}),
    )
    .await;
    assert!(error_of(&outside).contains("outside /workspace"));
    let zero = call(
        &set,
        sb,
        "search_files",
        json!({"pattern": "*", "max_results": 0}),
    )
    .await;
    assert!(error_of(&zero).contains("`max_results`"));
    let missing = call(&set, sb, "search_files", json!({})).await;
    assert!(error_of(&missing).contains("`pattern` is required"));
}

#[tokio::test(flavor = "multi_thread")]
async fn search_text_uses_regexes_globs_case_folding_and_a_per_file_cap() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    sh(
        sb.as_ref(),
        "printf 'Hello World\\nhelllo there\\nnothing\\n' > a.txt && printf 'hello md\\n' > b.md && \
         printf 'hello 1\\nhello 2\\nhello 3\\nhello 4\\n' > many.txt",
    )
    .await;
    let set = all_tools();
    let sb = Some(sb.as_ref());
    let lines = |outcome: &agentclash_agent::tools::ToolOutcome| -> Vec<(String, u64, String)> {
        let mut found: Vec<_> = content_of(outcome)["matches"]
            .as_array()
            .expect("matches")
            .iter()
            .map(|m| {
                (
                    m["path"].as_str().expect("path").to_owned(),
                    m["line_number"].as_u64().expect("line"),
                    m["line_text"].as_str().expect("text").to_owned(),
                )
            })
            .collect();
        found.sort();
        found
    };

    let sensitive = call(
        &set,
        sb,
        "search_text",
        json!({"pattern": "hel+o (t|m)", "path": "/workspace"}),
    )
    .await;
    assert_eq!(
        lines(&sensitive),
        [
            ("/workspace/a.txt".to_owned(), 2, "helllo there".to_owned()),
            ("/workspace/b.md".to_owned(), 1, "hello md".to_owned())
        ]
    );
    let c = content_of(&sensitive);
    assert_eq!(
        (
            &c["pattern"],
            &c["case_sensitive"],
            &c["max_results"],
            &c["include"]
        ),
        (
            &json!("hel+o (t|m)"),
            &json!(true),
            &json!(200),
            &Value::Null
        )
    );

    let folded = call(
        &set,
        sb,
        "search_text",
        json!({"pattern": "hello w", "case_sensitive": false}),
    )
    .await;
    assert_eq!(
        lines(&folded),
        [("/workspace/a.txt".to_owned(), 1, "Hello World".to_owned())]
    );
    let exact = call(&set, sb, "search_text", json!({"pattern": "hello w"})).await;
    assert_eq!(lines(&exact), []);

    let md = call(
        &set,
        sb,
        "search_text",
        json!({"pattern": "hello", "include": "*.md"}),
    )
    .await;
    assert_eq!(
        lines(&md),
        [("/workspace/b.md".to_owned(), 1, "hello md".to_owned())]
    );

    let capped = call(
        &set,
        sb,
        "search_text",
        json!({"pattern": "^hello", "max_results": 2}),
    )
    .await;
    let per_file = |file: &str| {
        lines(&capped)
            .iter()
            .filter(|(p, _, _)| p.ends_with(file))
            .count()
    };
    assert_eq!(
        (per_file("many.txt"), per_file("b.md")),
        (2, 1),
        "the cap applies per file"
    );

    let bad = call(&set, sb, "search_text", json!({"pattern": "(unclosed"})).await;
    assert!(error_of(&bad).starts_with("search failed"), "{bad:?}");
    let wrong = call(
        &set,
        sb,
        "search_text",
        json!({"pattern": "x", "case_sensitive": "no"}),
    )
    .await;
    assert!(error_of(&wrong).contains("`case_sensitive`"));
}

#[tokio::test(flavor = "multi_thread")]
async fn query_json_reads_files_and_inline_json() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    sh(
        sb.as_ref(),
        r#"printf '{"items":[{"n":1},{"n":2},{"n":3}]}' > data.json"#,
    )
    .await;
    let set = all_tools();
    let sb_ref = Some(sb.as_ref());

    let many = call(
        &set,
        sb_ref,
        "query_json",
        json!({"query": ".items[].n", "file_path": "data.json"}),
    )
    .await;
    assert_eq!(
        content_of(&many),
        &json!([1, 2, 3]),
        "several results: an array"
    );
    let one = call(
        &set,
        sb_ref,
        "query_json",
        json!({"query": ".items | length", "file_path": "/workspace/data.json"}),
    )
    .await;
    assert_eq!(content_of(&one), &json!(3), "one result: the scalar");
    let inline = call(
        &set,
        sb_ref,
        "query_json",
        json!({"query": ".a.b", "json": r#"{"a":{"b":"x"}}"#}),
    )
    .await;
    assert_eq!(content_of(&inline), &json!("x"));
    let object = call(
        &set,
        sb_ref,
        "query_json",
        json!({"query": ".", "json": r#"{"k":[1]}"#}),
    )
    .await;
    assert_eq!(content_of(&object), &json!({"k": [1]}));

    let saved = call(
        &set,
        sb_ref,
        "query_json",
        json!({"query": ".items[0]", "file_path": "data.json", "output_path": "out/first.json"}),
    )
    .await;
    assert_eq!(
        content_of(&saved)["output_path"],
        "/workspace/out/first.json"
    );
    let raw = sb
        .read_file("/workspace/out/first.json")
        .await
        .expect("output written");
    assert_eq!(String::from_utf8_lossy(&raw), "{\"n\":1}\n");

    let both = call(
        &set,
        sb_ref,
        "query_json",
        json!({"query": ".", "json": "{}", "file_path": "data.json"}),
    )
    .await;
    assert!(error_of(&both).contains("exactly one of `file_path` and `json`"));
    let neither = call(&set, sb_ref, "query_json", json!({"query": "."})).await;
    assert!(error_of(&neither).contains("exactly one"));
    let bad = call(
        &set,
        sb_ref,
        "query_json",
        json!({"query": ".[", "json": "{}"}),
    )
    .await;
    assert!(error_of(&bad).starts_with("jq failed"));
    let invalid = call(
        &set,
        sb_ref,
        "query_json",
        json!({"query": ".", "json": "{not json"}),
    )
    .await;
    assert!(error_of(&invalid).starts_with("jq failed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn query_sql_returns_rows_and_refuses_other_engines_and_dot_commands() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    let set = all_tools();
    let sb_ref = Some(sb.as_ref());
    let setup = call(
        &set,
        sb_ref,
        "query_sql",
        json!({"engine": "SQLite", "database_path": "shop.db",
               "query": "create table items(name text, qty int); insert into items values ('apple', 3), ('pear', 5);"}),
    )
    .await;
    assert_eq!(content_of(&setup)["rows"], json!([]), "{setup:?}");

    let rows = call(
        &set,
        sb_ref,
        "query_sql",
        json!({"engine": "sqlite", "database_path": "/workspace/shop.db", "query": "select name, qty from items order by qty desc"}),
    )
    .await;
    assert_eq!(
        content_of(&rows),
        &json!({"engine": "sqlite", "query": "select name, qty from items order by qty desc",
                "rows": [{"name": "pear", "qty": 5}, {"name": "apple", "qty": 3}]})
    );

    let other = call(
        &set,
        sb_ref,
        "query_sql",
        json!({"engine": "postgres", "database_path": "x", "query": "select 1"}),
    )
    .await;
    assert!(error_of(&other).contains("engine `postgres` is not supported"));
    let missing = call(
        &set,
        sb_ref,
        "query_sql",
        json!({"engine": "sqlite", "query": "select 1"}),
    )
    .await;
    assert!(error_of(&missing).contains("`database_path` is required"));
    let broken = call(
        &set,
        sb_ref,
        "query_sql",
        json!({"engine": "sqlite", "database_path": "shop.db", "query": "select nope from items"}),
    )
    .await;
    assert!(error_of(&broken).starts_with("sqlite3 failed"));

    // The sqlite3 shell's dot-commands must not run programs: `exec` needs
    // `allow_shell`, a data tool must not be a way around it.
    let data_only = ToolSet::new(tool_config(
        json!({"allowed_tool_kinds": ["data"]}),
        json!({}),
    ));
    for (db, query) in [
        ("shop.db", ".shell touch /workspace/pwned"),
        ("shop.db", ".system touch /workspace/pwned"),
        ("-cmd", ".shell touch /workspace/pwned"),
    ] {
        let outcome = call(
            &data_only,
            sb_ref,
            "query_sql",
            json!({"engine": "sqlite", "database_path": db, "query": query}),
        )
        .await;
        assert!(outcome.is_error, "{db} {query}: {outcome:?}");
    }
    assert!(
        sb.read_file("/workspace/pwned").await.is_err(),
        "query_sql ran a shell command"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn run_tests_and_build_run_commands_and_report_the_exit_code() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    sh(sb.as_ref(), "mkdir -p sub").await;
    let set = all_tools();
    let sb = Some(sb.as_ref());

    let failed = call(
        &set,
        sb,
        "run_tests",
        json!({"command": "echo out; echo err >&2; exit 3"}),
    )
    .await;
    assert!(failed.is_error, "non-zero exit is an error result");
    let c = content_of_any(&failed);
    assert_eq!(
        (
            &c["framework"],
            &c["mode"],
            &c["exit_code"],
            &c["stdout"],
            &c["stderr"],
            &c["summary"]["status"]
        ),
        (
            &json!("custom"),
            &json!("shell"),
            &json!(3),
            &json!("out\n"),
            &json!("err\n"),
            &json!("failed")
        )
    );
    assert_eq!(c["working_directory"], "/workspace");

    let argv = call(
        &set,
        sb,
        "build",
        json!({"command": ["sh", "-c", "echo \"$GREETING from $(pwd)\""], "environment": {"GREETING": "hi"}, "working_directory": "sub"}),
    )
    .await;
    let c = content_of(&argv);
    assert_eq!(
        (&c["mode"], &c["stdout"], &c["summary"]["status"]),
        (
            &json!("argv"),
            &json!("hi from /workspace/sub\n"),
            &json!("passed")
        )
    );
    assert_eq!(
        c["command"],
        json!(["sh", "-c", "echo \"$GREETING from $(pwd)\""])
    );
    let no_shell = call(&set, sb, "build", json!({"command": ["echo $HOME; true"]})).await;
    assert!(
        no_shell.is_error,
        "an argv array is not run through a shell: {no_shell:?}"
    );

    let started = Instant::now();
    let slow = call(
        &set,
        sb,
        "run_tests",
        json!({"command": "sleep 20", "timeout_seconds": 1}),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the timeout was not applied"
    );
    assert!(slow.is_error);
    let c = content_of_any(&slow);
    assert_eq!(
        (&c["timed_out"], &c["summary"]["status"]),
        (&json!(true), &json!("timeout"))
    );

    for bad in [
        json!({"command": 5}),
        json!({"command": []}),
        json!({"command": [1]}),
        json!({"timeout_seconds": 0}),
        json!({"environment": {"A": 1}}),
    ] {
        let outcome = call(&set, sb, "run_tests", bad.clone()).await;
        assert!(
            error_of(&outcome).contains("argument `"),
            "{bad}: {outcome:?}"
        );
    }
    let nothing = call(&set, sb, "run_tests", json!({})).await;
    assert!(error_of(&nothing).contains("no project file"));
}

/// The envelope's content whether or not the call failed.
fn content_of_any(outcome: &agentclash_agent::tools::ToolOutcome) -> &Value {
    assert_eq!(outcome.content["truncated"], json!(false), "{outcome:?}");
    &outcome.content["content"]
}

#[tokio::test(flavor = "multi_thread")]
async fn run_tests_and_build_detect_the_project() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    let set = all_tools();
    sh(
        sb.as_ref(),
        "printf 'test:\\n\\t@echo testing\\nbuild:\\n\\t@echo building\\n' > Makefile",
    )
    .await;
    let sbr = Some(sb.as_ref());
    let test = call(&set, sbr, "run_tests", json!({})).await;
    let c = content_of(&test);
    assert_eq!(
        (&c["framework"], &c["mode"], &c["command"], &c["stdout"]),
        (
            &json!("make"),
            &json!("auto"),
            &json!("make test"),
            &json!("testing\n")
        )
    );
    let build = call(&set, sbr, "build", json!({})).await;
    assert_eq!(content_of(&build)["stdout"], "building\n");

    // package.json counts for run_tests only with a `test` script (and for
    // build only with a `build` script); otherwise detection goes on.
    sh(
        sb.as_ref(),
        r#"printf '{"scripts":{"build":"tsc"}}' > package.json"#,
    )
    .await;
    let test = call(&set, sbr, "run_tests", json!({})).await;
    assert_eq!(content_of(&test)["framework"], "make", "{test:?}");
    let build = call(&set, sbr, "build", json!({})).await;
    let c = content_of_any(&build);
    assert_eq!(
        (&c["framework"], &c["command"]),
        (&json!("npm"), &json!("npm run build"))
    );

    sh(sb.as_ref(), "printf 'module example.com/x\\n' > go.mod").await;
    let test = call(&set, sbr, "run_tests", json!({})).await;
    assert_eq!(
        content_of_any(&test)["command"],
        "go test ./...",
        "go.mod wins over a Makefile"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_runs_argv_only_when_the_shell_is_allowed() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    let sb = Some(sb.as_ref());

    let without = ToolSet::new(tool_config(json!({}), json!({})));
    let refused = call(&without, sb, "exec", json!({"command": ["true"]})).await;
    assert!(error_of(&refused).starts_with("unknown tool `exec`"));

    let set = all_tools();
    let ok = call(
        &set,
        sb,
        "exec",
        json!({"command": ["sh", "-c", "echo $X-$Y"], "environment": {"X": "a", "Y": "b"}}),
    )
    .await;
    assert!(!ok.is_error);
    assert_eq!(
        ok.content["stdout"], "a-b\n",
        "exec returns its payload without the envelope"
    );
    assert_eq!(ok.content["exit_code"], 0);

    let failed = call(&set, sb, "exec", json!({"command": ["sh", "-c", "exit 4"]})).await;
    assert!(failed.is_error);
    assert_eq!(failed.content["exit_code"], 4);
    let literal = call(&set, sb, "exec", json!({"command": ["echo", "$HOME", "*"]})).await;
    assert_eq!(literal.content["stdout"], "$HOME *\n", "no implicit shell");

    for bad in [
        json!({"command": "echo hi"}),
        json!({}),
        json!({"command": []}),
        json!({"command": ["ls"], "working_directory": "/etc"}),
    ] {
        let outcome = call(&set, sb, "exec", bad.clone()).await;
        let message = error_of(&outcome);
        assert!(
            message.contains("`command`") || message.contains("outside /workspace"),
            "{bad}: {message}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn large_results_are_spilled_with_a_small_preview() {
    let env = Sandboxes::new();
    let sb = env.sandbox().await;
    let set = all_tools();
    let sbr = Some(sb.as_ref());

    // 30 000 lines of output (under the 256 KiB output cap): one big JSON string in the payload.
    let big = call(&set, sbr, "run_tests", json!({"command": "seq 1 30000"})).await;
    assert!(!big.is_error);
    let c = &big.content;
    assert_eq!(c["truncated"], json!(true), "{}", &c.to_string()[..200]);
    let path = c["full_output_path"].as_str().expect("spill path");
    assert!(
        path.starts_with("/workspace/.agentclash/spill/run_tests_") && path.ends_with(".txt"),
        "{path}"
    );
    let spilled = sb.read_file(path).await.expect("spill file");
    assert_eq!(
        spilled.len() as u64,
        c["total_bytes"].as_u64().expect("total_bytes")
    );
    let full: Value = serde_json::from_slice(&spilled).expect("the spill holds the whole payload");
    assert!(
        full["stdout"]
            .as_str()
            .expect("stdout")
            .ends_with("29999\n30000\n")
    );
    let preview = c["preview"].as_str().expect("preview");
    assert!(
        preview.len() <= 8 * 1024,
        "the preview is {} bytes",
        preview.len()
    );
    assert!(c["preview_lines"].as_u64().expect("preview_lines") <= 50);
    assert!(preview.starts_with("{"), "{preview}");

    // A payload of many short lines (search results): the first 50 lines.
    let many = call(
        &set,
        sbr,
        "query_json",
        json!({"query": "range(0; 20000) | tostring", "json": "null"}),
    )
    .await;
    let c = &many.content;
    assert_eq!(c["truncated"], json!(true));
    let preview = c["preview"].as_str().expect("preview");
    assert!(preview.starts_with(r#"["0","1","2""#), "{preview}");
    assert!(
        preview.len() <= 8 * 1024,
        "the preview is {} bytes",
        preview.len()
    );

    let small = call(&set, sbr, "run_tests", json!({"command": "echo small"})).await;
    assert_eq!(small.content["truncated"], json!(false));
    let encoded = small.content["content"].to_string();
    assert_eq!(small.content["total_bytes"], json!(encoded.len()));
    let listing = sb
        .list_files("/workspace/.agentclash/spill", false)
        .await
        .expect("spill dir");
    assert_eq!(
        listing.len(),
        2,
        "one spill file per spilled result: {listing:?}"
    );
}
