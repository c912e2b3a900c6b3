//! YAML loading for rule packs and `.keywarden.yaml`: serde-saphyr with its parse budget, and
//! errors that name the file, line and field without echoing a value that could be a secret.

use anyhow::{Result, anyhow};
use serde::de::DeserializeOwned;

/// Parse YAML with the error naming the file, line and column (and so the field).
pub fn parse_yaml<T: DeserializeOwned>(file: &str, text: &str) -> Result<T> {
    serde_saphyr::from_str(text).map_err(|e| anyhow!("{file}: {}", describe_yaml_error(&e)))
}

/// The parser's message without its source snippet: a snippet could echo a secret from the file.
fn describe_yaml_error(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    let first = full.lines().next().unwrap_or_default().trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // Values the parser quotes back could be secrets: keep short names, redact long values.
    let first = crate::redact::quoted_values(first);
    match e.location() {
        Some(loc) if !first.contains(&format!("line {}", loc.line())) => {
            format!("line {}, column {}: {first}", loc.line(), loc.column())
        }
        _ => first,
    }
}

/// The 1-based line of the first line of `text` that contains `needle` (to point an error or a
/// finding at a list entry).
pub fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}
