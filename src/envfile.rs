//! Dotenv files: parsing `.env` syntax, telling placeholders from real values, and which
//! variable names say they hold a secret. A leaf: the hygiene checks that use it live in
//! `hygiene.rs`.

use std::collections::HashSet;

/// One `NAME=value` of a dotenv file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub name: String,
    pub value: String,
    /// 1-based line of the name.
    pub line: usize,
    /// Byte offset of the value in the file (for positions and redaction).
    pub value_start: usize,
}

/// Parse dotenv syntax: `KEY=VALUE`, `export KEY=VALUE`, `#` comments, single and double
/// quotes, multi-line double-quoted values. `KEY = value` (spaces around `=`) is not an
/// assignment. Never fails: lines that are not assignments are skipped.
pub fn parse(text: &str) -> Vec<Var> {
    let bytes = text.as_bytes();
    let mut vars = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    while pos < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let raw = &text[pos..line_end];
        let trimmed = raw.trim_start();
        let indent = raw.len() - trimmed.len();
        let body = trimmed
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(trimmed);
        let body_off = pos + indent + (trimmed.len() - body.len());
        let name_len = body
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
            .count();
        let mut next = line_end + 1;
        let mut next_line = line + 1;
        if name_len > 0
            && !body.starts_with('#')
            && body.as_bytes().get(name_len) == Some(&b'=')
            && !body[..1].chars().all(|c| c.is_ascii_digit())
        {
            let name = body[..name_len].to_string();
            let vstart = body_off + name_len + 1;
            let rest = &text[vstart..];
            let (value, consumed_to) = match rest.as_bytes().first() {
                Some(q @ (b'"' | b'\'')) => {
                    let close = rest[1..].find(*q as char).map(|i| i + 1);
                    match close {
                        // A double-quoted value may span lines.
                        Some(c) if *q == b'"' || !rest[1..c].contains('\n') => {
                            (rest[1..c].to_string(), vstart + c + 1)
                        }
                        _ => (
                            rest[1..].lines().next().unwrap_or_default().to_string(),
                            line_end,
                        ),
                    }
                }
                _ => {
                    let v = &text[vstart..line_end];
                    let v = v
                        .split(" #")
                        .next()
                        .unwrap_or_default()
                        .trim_end_matches('\r')
                        .trim_end();
                    (v.to_string(), line_end)
                }
            };
            let quoted = matches!(rest.as_bytes().first(), Some(b'"' | b'\''));
            vars.push(Var {
                name,
                value,
                line,
                value_start: if quoted { vstart + 1 } else { vstart },
            });
            if consumed_to > line_end {
                next_line = line + text[line_end..consumed_to].matches('\n').count() + 1;
                next = memchr::memchr(b'\n', &bytes[consumed_to.min(bytes.len())..])
                    .map_or(bytes.len(), |i| consumed_to + i + 1);
            }
        }
        pos = next;
        line = next_line;
    }
    vars
}

/// A value that only stands in for a secret: short, a reference, few distinct characters, or
/// in the placeholder vocabulary (`rules/placeholders.yaml`).
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if v.len() < 8
        || v.starts_with('$')
        || v.starts_with('<')
        || v.starts_with("{{")
        || v.starts_with('%')
    {
        return true;
    }
    if crate::placeholders::Placeholders::get().matches(v) || lower.contains("your") {
        return true;
    }
    let distinct: HashSet<char> = v.chars().collect();
    distinct.len() <= 3
}

/// Does a variable name say it holds a secret?
pub fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "_KEY",
        "_SECRET",
        "_TOKEN",
        "_PAT",
        "_PASSWORD",
        "_PASSWD",
        "_PASS",
    ]
    .iter()
    .any(|s| n.ends_with(s))
        || n == "DATABASE_URL"
        || n.ends_with("_DSN")
        || n.contains("SECRET")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_syntax() {
        let text = "# comment\nA=1\nexport B=two # note\nC = no\nD='single # kept'\nE=\"multi\nline\"\nF=last\n";
        let vars = parse(text);
        let got: Vec<(&str, &str, usize)> = vars
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_str(), v.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A", "1", 2),
                ("B", "two", 3),
                ("D", "single # kept", 5),
                ("E", "multi\nline", 6),
                ("F", "last", 8)
            ]
        );
        assert_eq!(
            &text[vars[2].value_start..vars[2].value_start + 6],
            "single"
        );
    }

    #[test]
    fn placeholders() {
        for p in [
            "",
            "your-key-here",
            "sk-proj-...",
            "changeme",
            "<api key>",
            "${OPENAI_API_KEY}",
            "xxxxxxxxxxxx",
            "{{ secret }}",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for real in ["hG7s9dK2pQ4mZ8xW", "sk_live_51Habcdefghijklmnop"] {
            assert!(!is_placeholder(real), "{real}");
        }
    }

    #[test]
    fn secret_names() {
        assert!(
            secret_name("OPENAI_API_KEY")
                && secret_name("db_password")
                && secret_name("DATABASE_URL")
                && secret_name("GH_PAT")
        );
        assert!(!secret_name("DEBUG") && !secret_name("PORT") && !secret_name("KEYBOARD"));
    }
}
