//! The result envelope of most primitives, and spilling of large results to
//! a file in the sandbox so the model gets a preview (format spec §3.1).

use agentclash_sandbox::Sandbox;
use serde_json::{Value, json};

/// Encoded payloads above this are spilled.
pub const SPILL_BYTES: usize = 32 * 1024;
/// Lines of a spilled payload shown to the model.
const PREVIEW_LINES: usize = 50;
/// Bytes of a spilled payload shown to the model: compact JSON is a single
/// line, so the line limit alone would show the whole payload.
const PREVIEW_BYTES: usize = 8 * 1024;

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
    let preview = preview(&text);
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
        "preview": preview,
        "full_output_path": if written { Value::String(path) } else { Value::Null },
        "total_bytes": total_bytes,
        "total_lines": total_lines,
        "preview_lines": preview.lines().count(),
    })
}

/// The first [`PREVIEW_LINES`] lines of `text`, cut to at most
/// [`PREVIEW_BYTES`] on a character boundary.
fn preview(text: &str) -> &str {
    let mut end = text
        .match_indices('\n')
        .nth(PREVIEW_LINES - 1)
        .map_or(text.len(), |(i, _)| i)
        .min(PREVIEW_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::{PREVIEW_BYTES, preview};

    #[test]
    fn previews_are_bounded_by_lines_and_bytes() {
        let lines: String = (0..100).map(|i| format!("{i}\n")).collect();
        assert_eq!(preview(&lines).lines().count(), 50);
        assert!(preview(&lines).ends_with("49"));
        let one_line = "é".repeat(PREVIEW_BYTES);
        let cut = preview(&one_line);
        assert!(cut.len() <= PREVIEW_BYTES && cut.len() > PREVIEW_BYTES - 2);
        assert_eq!(preview("short"), "short");
    }
}
