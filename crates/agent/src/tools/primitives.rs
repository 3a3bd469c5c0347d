//! The primitive catalogue. File primitives use the sandbox's file API;
//! search, data and build primitives run programs inside the sandbox.

use super::envelope::wrap;
use super::paths::confine;
use super::{ToolEnv, ToolOutcome, ToolSet};
use agentclash_sandbox::{Command, ExecOutput, ExecRequest, Sandbox};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// Bytes of stdout/stderr a command result keeps.
const OUTPUT_CAP: usize = 256 * 1024;

type Args<'a> = &'a Map<String, Value>;

fn str_arg<'a>(args: Args<'a>, key: &str) -> Result<Option<&'a str>, String> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("argument `{key}` must be a string")),
    }
}

fn required<'a>(args: Args<'a>, key: &str) -> Result<&'a str, String> {
    str_arg(args, key)?.ok_or_else(|| format!("argument `{key}` is required"))
}

fn positive_arg(args: Args<'_>, key: &str) -> Result<Option<u64>, String> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n >= 1)
            .map(Some)
            .ok_or_else(|| format!("argument `{key}` must be an integer >= 1")),
    }
}

fn env_arg(args: Args<'_>, key: &str) -> Result<BTreeMap<String, String>, String> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|s| (k.clone(), s.to_owned()))
                    .ok_or_else(|| format!("argument `{key}.{k}` must be a string"))
            })
            .collect(),
        Some(_) => Err(format!("argument `{key}` must be an object of strings")),
    }
}

/// Runs primitive `name`.
pub async fn run(name: &str, args: &Value, env: &ToolEnv<'_>, set: &ToolSet) -> ToolOutcome {
    let Some(args) = args.as_object() else {
        return ToolOutcome::error("tool arguments must be a JSON object");
    };
    if name == "http_request" {
        return super::http::request(args, env, set).await;
    }
    let Some(sandbox) = env.sandbox else {
        return ToolOutcome::error(format!("`{name}` needs a sandbox, and this case has none"));
    };
    let result = match name {
        "read_file" => read_file(args, sandbox).await,
        "write_file" => write_file(args, sandbox).await,
        "list_files" => list_files(args, sandbox).await,
        "search_files" => search_files(args, sandbox, env.step_timeout).await,
        "search_text" => search_text(args, sandbox, env.step_timeout).await,
        "query_json" => query_json(args, sandbox, env.step_timeout).await,
        "query_sql" => query_sql(args, sandbox, env.step_timeout).await,
        "run_tests" => command_tool(args, sandbox, env.step_timeout, CommandTool::Test).await,
        "build" => command_tool(args, sandbox, env.step_timeout, CommandTool::Build).await,
        "exec" => exec(args, sandbox, env.step_timeout).await,
        other => Err(format!("`{other}` cannot be called directly")),
    };
    result.unwrap_or_else(ToolOutcome::error)
}

async fn read_file(args: Args<'_>, sandbox: &dyn Sandbox) -> Result<ToolOutcome, String> {
    let path = confine(required(args, "path")?)?;
    let bytes = sandbox
        .read_file(&path)
        .await
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    Ok(ToolOutcome::ok(
        json!({"path": path, "content": String::from_utf8_lossy(&bytes)}),
    ))
}

async fn write_file(args: Args<'_>, sandbox: &dyn Sandbox) -> Result<ToolOutcome, String> {
    let path = confine(required(args, "path")?)?;
    let content = required(args, "content")?;
    sandbox
        .write_file(&path, content.as_bytes())
        .await
        .map_err(|e| format!("cannot write {path}: {e}"))?;
    Ok(ToolOutcome::ok(
        json!({"path": path, "written": true, "bytes": content.len()}),
    ))
}

async fn list_files(args: Args<'_>, sandbox: &dyn Sandbox) -> Result<ToolOutcome, String> {
    let prefix = confine(str_arg(args, "prefix")?.unwrap_or(""))?;
    let entries = sandbox
        .list_files(&prefix, true)
        .await
        .map_err(|e| format!("cannot list {prefix}: {e}"))?;
    let files: Vec<String> = entries
        .into_iter()
        .filter(|e| !e.is_dir)
        .map(|e| e.path)
        .collect();
    Ok(ToolOutcome::ok(json!({"prefix": prefix, "files": files})))
}

/// Writes a data tool's raw output to its `output_path` argument, when
/// given; returns the confined path written.
async fn write_output(
    args: Args<'_>,
    sandbox: &dyn Sandbox,
    bytes: &[u8],
) -> Result<Option<String>, String> {
    let Some(output_path) = str_arg(args, "output_path")? else {
        return Ok(None);
    };
    let target = confine(output_path)?;
    sandbox
        .write_file(&target, bytes)
        .await
        .map_err(|e| format!("cannot write {target}: {e}"))?;
    Ok(Some(target))
}

async fn run_in(
    sandbox: &dyn Sandbox,
    argv: Vec<String>,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
) -> Result<ExecOutput, String> {
    let mut request = ExecRequest::new(Command::Argv(argv))
        .with_timeout(timeout)
        .with_output_caps(OUTPUT_CAP, OUTPUT_CAP);
    if let Some(input) = stdin {
        request = request.with_stdin(input);
    }
    sandbox
        .exec(request)
        .await
        .map_err(|e| format!("sandbox: {e}"))
}

async fn search_files(
    args: Args<'_>,
    sandbox: &dyn Sandbox,
    timeout: Duration,
) -> Result<ToolOutcome, String> {
    let pattern = required(args, "pattern")?;
    let path = confine(str_arg(args, "path")?.unwrap_or(""))?;
    let max = positive_arg(args, "max_results")?.unwrap_or(100) as usize;
    let out = run_in(
        sandbox,
        vec![
            "find".into(),
            path.clone(),
            "-type".into(),
            "f".into(),
            "-name".into(),
            pattern.into(),
        ],
        None,
        timeout,
    )
    .await?;
    if !out.success() {
        return Err(format!("find failed: {}", out.stderr_text().trim()));
    }
    let mut files: Vec<String> = out.stdout_text().lines().map(str::to_owned).collect();
    files.sort();
    files.truncate(max);
    Ok(ToolOutcome::ok(
        wrap(
            "search_files",
            json!({"pattern": pattern, "path": path, "files": files}),
            Some(sandbox),
        )
        .await,
    ))
}

async fn search_text(
    args: Args<'_>,
    sandbox: &dyn Sandbox,
    timeout: Duration,
) -> Result<ToolOutcome, String> {
    let pattern = required(args, "pattern")?;
    let path = confine(str_arg(args, "path")?.unwrap_or(""))?;
    let include = str_arg(args, "include")?;
    let case_sensitive = match args.get("case_sensitive") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("argument `case_sensitive` must be a boolean".into()),
    };
    let max = positive_arg(args, "max_results")?.unwrap_or(200);
    let mut argv: Vec<String> = vec!["rg".into(), "--json".into(), "-m".into(), max.to_string()];
    if !case_sensitive {
        argv.push("-i".into());
    }
    if let Some(glob) = include {
        argv.extend(["-g".into(), glob.into()]);
    }
    argv.extend(["-e".into(), pattern.into(), "--".into(), path.clone()]);
    let out = run_in(sandbox, argv, None, timeout).await?;
    // rg: 0 = matches, 1 = none, 2 = error.
    if out.exit_code == Some(2) || out.timed_out {
        return Err(format!("search failed: {}", out.stderr_text().trim()));
    }
    let matches: Vec<Value> = out
        .stdout_text()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|v| v["type"] == "match")
        .map(|v| {
            json!({
                "path": v["data"]["path"]["text"],
                "line_number": v["data"]["line_number"],
                "line_text": v["data"]["lines"]["text"].as_str().unwrap_or("").trim_end_matches('\n'),
            })
        })
        .collect();
    let payload = json!({"pattern": pattern, "path": path, "include": include, "case_sensitive": case_sensitive,
                         "max_results": max, "matches": matches});
    Ok(ToolOutcome::ok(
        wrap("search_text", payload, Some(sandbox)).await,
    ))
}

async fn query_json(
    args: Args<'_>,
    sandbox: &dyn Sandbox,
    timeout: Duration,
) -> Result<ToolOutcome, String> {
    let query = required(args, "query")?;
    let (file, inline) = (str_arg(args, "file_path")?, str_arg(args, "json")?);
    let mut argv: Vec<String> = vec!["jq".into(), "-c".into(), query.into()];
    let stdin = match (file, inline) {
        (Some(f), None) => {
            argv.push(f.into());
            None
        }
        (None, Some(j)) => Some(j.as_bytes().to_vec()),
        _ => return Err("give exactly one of `file_path` and `json`".into()),
    };
    let out = run_in(sandbox, argv, stdin, timeout).await?;
    if !out.success() {
        return Err(format!("jq failed: {}", out.stderr_text().trim()));
    }
    if let Some(target) = write_output(args, sandbox, &out.stdout).await? {
        return Ok(ToolOutcome::ok(
            wrap(
                "query_json",
                json!({"output_path": target, "bytes": out.stdout.len()}),
                Some(sandbox),
            )
            .await,
        ));
    }
    let mut results: Vec<Value> = out
        .stdout_text()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| Value::String(l.to_owned())))
        .collect();
    let payload = if results.len() == 1 {
        results.remove(0)
    } else {
        Value::Array(results)
    };
    Ok(ToolOutcome::ok(
        wrap("query_json", payload, Some(sandbox)).await,
    ))
}

async fn query_sql(
    args: Args<'_>,
    sandbox: &dyn Sandbox,
    timeout: Duration,
) -> Result<ToolOutcome, String> {
    let engine = required(args, "engine")?;
    if !engine.eq_ignore_ascii_case("sqlite") {
        return Err(format!("engine `{engine}` is not supported (only sqlite)"));
    }
    let query = required(args, "query")?;
    let db = required(args, "database_path")?;
    if db.starts_with('-') {
        return Err("argument `database_path` must not start with `-`".into());
    }
    // `-safe` refuses the shell's dot-commands and functions that run
    // programs or touch other files (`.shell`, `.system`, `writefile()`):
    // a data tool must not be a way around `allow_shell`.
    let out = run_in(
        sandbox,
        vec![
            "sqlite3".into(),
            "-safe".into(),
            "-json".into(),
            db.into(),
            query.into(),
        ],
        None,
        timeout,
    )
    .await?;
    if !out.success() {
        return Err(format!("sqlite3 failed: {}", out.stderr_text().trim()));
    }
    if let Some(target) = write_output(args, sandbox, &out.stdout).await? {
        return Ok(ToolOutcome::ok(
            wrap(
                "query_sql",
                json!({"engine": "sqlite", "query": query, "output_path": target}),
                Some(sandbox),
            )
            .await,
        ));
    }
    let text = out.stdout_text();
    let rows: Value = if text.trim().is_empty() {
        json!([])
    } else {
        serde_json::from_str(&text).map_err(|e| format!("sqlite3 printed invalid JSON: {e}"))?
    };
    Ok(ToolOutcome::ok(
        wrap(
            "query_sql",
            json!({"engine": "sqlite", "query": query, "rows": rows}),
            Some(sandbox),
        )
        .await,
    ))
}

#[derive(Clone, Copy)]
enum CommandTool {
    Test,
    Build,
}

/// (marker file, framework, test command, build command), in detection order.
/// `package.json` counts only when it defines the script the tool runs.
const DETECTION: [(&str, &str, &str, &str); 5] = [
    ("package.json", "npm", "npm run test", "npm run build"),
    ("go.mod", "go", "go test ./...", "go build ./..."),
    ("Cargo.toml", "cargo", "cargo test", "cargo build"),
    (
        "pyproject.toml",
        "python",
        "python3 -m unittest discover",
        "python3 -m compileall .",
    ),
    ("Makefile", "make", "make test", "make build"),
];

async fn command_tool(
    args: Args<'_>,
    sandbox: &dyn Sandbox,
    step: Duration,
    which: CommandTool,
) -> Result<ToolOutcome, String> {
    let (default_secs, max_secs) = (120u64, 300u64);
    let secs = positive_arg(args, "timeout_seconds")?
        .unwrap_or(default_secs)
        .min(max_secs);
    let timeout = Duration::from_secs(secs).min(step.max(Duration::from_secs(1)));
    let cwd = confine(str_arg(args, "working_directory")?.unwrap_or(""))?;
    let environment = env_arg(args, "environment")?;
    let (framework, mode, command) = match args.get("command") {
        None | Some(Value::Null) => {
            let mut found = None;
            for (marker, framework, test, build) in DETECTION {
                let Ok(contents) = sandbox.read_file(&format!("/workspace/{marker}")).await else {
                    continue;
                };
                let (cmd, script) = match which {
                    CommandTool::Test => (test, "test"),
                    CommandTool::Build => (build, "build"),
                };
                if marker == "package.json" && !has_npm_script(&contents, script) {
                    continue;
                }
                found = Some((framework.to_owned(), "auto", Command::Shell(cmd.to_owned())));
                break;
            }
            found.ok_or("no command given and no project file (package.json with a matching script, go.mod, Cargo.toml, pyproject.toml, Makefile) found in /workspace")?
        }
        Some(Value::String(s)) if !s.trim().is_empty() => {
            ("custom".to_owned(), "shell", Command::Shell(s.clone()))
        }
        Some(Value::Array(items)) if !items.is_empty() => {
            let argv: Option<Vec<String>> = items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect();
            (
                "custom".to_owned(),
                "argv",
                Command::Argv(argv.ok_or("argument `command` must contain only strings")?),
            )
        }
        Some(_) => {
            return Err("argument `command` must be a non-empty string or array of strings".into());
        }
    };
    let shown = match &command {
        Command::Shell(s) => Value::String(s.clone()),
        Command::Argv(a) => json!(a),
    };
    let mut request = ExecRequest::new(command)
        .with_cwd(cwd.clone())
        .with_timeout(timeout)
        .with_output_caps(OUTPUT_CAP, OUTPUT_CAP);
    request.env = environment;
    let out = sandbox
        .exec(request)
        .await
        .map_err(|e| format!("sandbox: {e}"))?;
    let status = if out.timed_out {
        "timeout"
    } else if out.success() {
        "passed"
    } else {
        "failed"
    };
    let payload = json!({
        "framework": framework, "mode": mode, "command": shown, "working_directory": cwd,
        "exit_code": out.exit_code, "stdout": out.stdout_text(), "stderr": out.stderr_text(),
        "timed_out": out.timed_out, "summary": {"status": status},
    });
    let tool = match which {
        CommandTool::Test => "run_tests",
        CommandTool::Build => "build",
    };
    Ok(ToolOutcome::with_status(
        wrap(tool, payload, Some(sandbox)).await,
        !out.success(),
    ))
}

/// Whether a `package.json` defines `scripts.<name>`.
fn has_npm_script(package_json: &[u8], name: &str) -> bool {
    serde_json::from_slice::<Value>(package_json)
        .ok()
        .and_then(|v| v.get("scripts")?.get(name).cloned())
        .is_some_and(|s| s.as_str().is_some_and(|s| !s.trim().is_empty()))
}

async fn exec(
    args: Args<'_>,
    sandbox: &dyn Sandbox,
    timeout: Duration,
) -> Result<ToolOutcome, String> {
    let argv: Vec<String> = match args.get("command") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or("argument `command` must contain only strings")?,
        _ => return Err("argument `command` must be a non-empty array of strings".into()),
    };
    let cwd = confine(str_arg(args, "working_directory")?.unwrap_or(""))?;
    let mut request = ExecRequest::new(Command::Argv(argv))
        .with_cwd(cwd)
        .with_timeout(timeout)
        .with_output_caps(OUTPUT_CAP, OUTPUT_CAP);
    request.env = env_arg(args, "environment")?;
    let out = sandbox
        .exec(request)
        .await
        .map_err(|e| format!("sandbox: {e}"))?;
    Ok(ToolOutcome::with_status(
        json!({"exit_code": out.exit_code, "stdout": out.stdout_text(), "stderr": out.stderr_text(),
               "stdout_truncated": out.stdout_truncated, "stderr_truncated": out.stderr_truncated, "timed_out": out.timed_out}),
        !out.success(),
    ))
}
