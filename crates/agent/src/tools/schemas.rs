//! JSON Schemas of the primitives, as shown to the model.

use agentclash_providers::ToolSpec;
use serde_json::{Value, json};

fn object(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn command_tool_params() -> Value {
    object(
        json!({
            "command": {"description": "Shell command string (run with sh -lc) or argv array; auto-detected when absent",
                        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]},
            "working_directory": {"type": "string", "description": "Default /workspace"},
            "environment": {"type": "object", "additionalProperties": {"type": "string"}},
            "timeout_seconds": {"type": "integer", "minimum": 1},
        }),
        &[],
    )
}

/// The definition of a primitive, `None` for an unknown name.
pub fn primitive_spec(name: &str) -> Option<ToolSpec> {
    let (description, parameters) = match name {
        "submit" => (
            "Submit your final answer. Ends the task; call it alone, once you are done.",
            object(
                json!({"answer": {"type": "string", "description": "The final answer"}}),
                &["answer"],
            ),
        ),
        "read_file" => (
            "Read a text file under /workspace.",
            object(json!({"path": {"type": "string"}}), &["path"]),
        ),
        "write_file" => (
            "Create or overwrite a file under /workspace.",
            object(
                json!({"path": {"type": "string"}, "content": {"type": "string"}}),
                &["path", "content"],
            ),
        ),
        "list_files" => (
            "List files under /workspace (optionally under a prefix).",
            object(json!({"prefix": {"type": "string"}}), &[]),
        ),
        "search_files" => (
            "Find files whose name matches a shell glob.",
            object(
                json!({"pattern": {"type": "string"}, "path": {"type": "string"}, "max_results": {"type": "integer", "minimum": 1}}),
                &["pattern"],
            ),
        ),
        "search_text" => (
            "Search file contents with a regular expression.",
            object(
                json!({"pattern": {"type": "string"}, "path": {"type": "string"}, "include": {"type": "string"},
                       "case_sensitive": {"type": "boolean"}, "max_results": {"type": "integer", "minimum": 1}}),
                &["pattern"],
            ),
        ),
        "query_json" => (
            "Run a jq query over a JSON file or inline JSON.",
            object(
                json!({"query": {"type": "string"}, "file_path": {"type": "string"}, "json": {"type": "string"}, "output_path": {"type": "string"}}),
                &["query"],
            ),
        ),
        "query_sql" => (
            "Run a SQL query against a SQLite database.",
            object(
                json!({"engine": {"type": "string", "enum": ["sqlite"]}, "query": {"type": "string"},
                       "database_path": {"type": "string"}, "output_path": {"type": "string"}}),
                &["engine", "query", "database_path"],
            ),
        ),
        "http_request" => (
            "Make an HTTP(S) request.",
            object(
                json!({"method": {"type": "string"}, "url": {"type": "string"},
                       "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                       "body": {"type": "string"}, "timeout_seconds": {"type": "integer", "minimum": 1},
                       "output_path": {"type": "string"}}),
                &["method", "url"],
            ),
        ),
        "run_tests" => ("Run the project's tests.", command_tool_params()),
        "build" => ("Build the project.", command_tool_params()),
        "exec" => (
            "Execute a program (argv, no implicit shell).",
            object(
                json!({"command": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                       "working_directory": {"type": "string"},
                       "environment": {"type": "object", "additionalProperties": {"type": "string"}}}),
                &["command"],
            ),
        ),
        _ => return None,
    };
    Some(ToolSpec {
        name: name.to_owned(),
        description: description.to_owned(),
        parameters,
    })
}
