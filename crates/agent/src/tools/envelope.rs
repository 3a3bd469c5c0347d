//! The result envelope of most primitives, and spilling of large results to
//! a file in the sandbox so the model gets a preview (format spec §3.1).

use agentclash_sandbox::Sandbox;
use serde_json::{Value, json};

/// Encoded payloads above this are spilled.
pub const SPILL_BYTES: usize = 32 * 1024;
/// Lines of a spilled payload shown to the model.
const PREVIEW_LINES: usize = 50;

/// Wraps `payload` in the envelope, spilling it when it is large.
pub async fn wrap(tool: &str, payload: Value, sandbox: Option<&dyn Sandbox>) -> Value {
    let text = match &payload {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let total_bytes = text.len();
    let total_lines = text.lines().count();
    if total_bytes <= SPILL_BYTES {
        return json!({"truncated": false, "content": payload, "total_bytes": total_bytes, "total_lines": total_lines});
    }
    let preview: Vec<&str> = text.lines().take(PREVIEW_LINES).collect();
    let path = format!(
        "/workspace/.agentclash/spill/{tool}_{}.txt",
        uuid::Uuid::new_v4()
    );
    let written = match sandbox {
        Some(sb) => sb.write_file(&path, text.as_bytes()).await.is_ok(),
        None => false,
    };
    json!({
        "truncated": true,
        "preview": preview.join("\n"),
        "full_output_path": if written { Value::String(path) } else { Value::Null },
        "total_bytes": total_bytes,
        "total_lines": total_lines,
        "preview_lines": preview.len(),
    })
}
