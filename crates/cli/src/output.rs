//! What commands print on stdout: plain-text tables, or structured output
//! (JSON, or YAML with `-o yaml`) for machines.

use std::sync::OnceLock;

/// How structured results are printed (`-o`, global).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Tables and text for people (the default).
    Table,
    /// Pretty JSON (same as `--json`).
    Json,
    /// YAML.
    Yaml,
}

static FORMAT: OnceLock<OutputFormat> = OnceLock::new();

/// Sets the process's output format once, from `-o`.
pub fn set_format(format: Option<OutputFormat>) {
    if let Some(format) = format {
        let _ = FORMAT.set(format);
    }
}

fn format() -> OutputFormat {
    FORMAT.get().copied().unwrap_or(OutputFormat::Table)
}

/// Whether a command should print structured output: `--json`, or `-o
/// json|yaml`.
pub fn structured(json: bool) -> bool {
    json || format() != OutputFormat::Table
}

/// Prints rows as left-aligned columns separated by two spaces; trailing
/// whitespace is trimmed so empty last cells leave no padding.
pub fn print_table(rows: &[Vec<String>]) {
    let widths = column_widths(rows);
    for row in rows {
        let line: String = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}  "))
            .collect();
        out!("{}", line.trim_end());
    }
}

/// Prints a `{"items": [...]}` response: JSON as is, or a table of `columns`.
pub fn print_items(
    response: &serde_json::Value,
    json: bool,
    columns: &[&str],
) -> anyhow::Result<std::process::ExitCode> {
    if json {
        print_value(response)?;
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let header = columns.iter().map(|c| c.to_uppercase()).collect();
    let rows = response["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| columns.iter().map(|c| cell(&item[*c])).collect());
    print_table(&std::iter::once(header).chain(rows).collect::<Vec<_>>());
    Ok(std::process::ExitCode::SUCCESS)
}

/// Prints a page of a paginated list (`{"items", "next_cursor"}`) like
/// [`print_items`]; in text mode the next cursor, when there is one, goes to
/// stderr as the flag to pass for the next page.
pub fn print_page(
    response: &serde_json::Value,
    json: bool,
    columns: &[&str],
) -> anyhow::Result<std::process::ExitCode> {
    let code = print_items(response, json, columns)?;
    if !json && let Some(next) = response["next_cursor"].as_str() {
        eprintln!("more: --cursor {next}");
    }
    Ok(code)
}

/// Prints one object: JSON as is, or one `key  value` line per field
/// (nested values as compact JSON).
pub fn print_record(value: &serde_json::Value, json: bool) -> anyhow::Result<()> {
    if json {
        return print_value(value);
    }
    let rows: Vec<Vec<String>> = value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, v)| vec![key.clone(), cell(v)])
        .collect();
    print_table(&rows);
    Ok(())
}

/// A JSON value as a table cell: strings bare, null as `-`, the rest as JSON.
pub fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "-".to_owned(),
        serde_json::Value::String(s) if !s.is_empty() && !s.contains(['\n', '\r', '\t']) => {
            s.clone()
        }
        other => other.to_string(),
    }
}

/// A structured value on stdout: pretty JSON, or YAML with `-o yaml`.
pub fn print_value(value: &serde_json::Value) -> anyhow::Result<()> {
    if format() == OutputFormat::Yaml {
        out!("{}", serde_saphyr::to_string(value)?.trim_end());
    } else {
        out!("{}", serde_json::to_string_pretty(value)?);
    }
    Ok(())
}

fn column_widths(rows: &[Vec<String>]) -> Vec<usize> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// Writes one line of command output; a closed stdout (the reader went away)
/// ends the process with success instead of a panic.
pub fn line(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{args}")
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_the_longest_cell_per_column() {
        let rows = vec![
            vec!["a".to_owned(), "long".to_owned()],
            vec!["ccc".to_owned(), "d".to_owned(), "e".to_owned()],
        ];
        assert_eq!(column_widths(&rows), vec![3, 4, 1]);
        assert!(column_widths(&[]).is_empty());
    }
}
