//! Dotenv files and file hygiene: parsing `.env` syntax, telling placeholders from real
//! values, and the file rules (`file:` in a pack): a secret-bearing file tracked or staged, a
//! `.env` that `.gitignore` does not cover, permissions wider than 0600, and `.env.example`
//! files that hold real values.

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::finding::{Finding, Origin, redact, secret_id};
use crate::rules::{Rule, RuleSet};

/// What a file rule checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileCheck {
    /// The file is tracked by git (working tree), staged (`--staged`) or was ever committed
    /// (`--history`).
    Tracked,
    /// The file is on disk, untracked, and no ignore rule covers it.
    NotIgnored,
    /// The file can be read or written by group or others (unix, working tree).
    Permissions,
    /// An example env file with a real-looking value for a secret-named variable.
    ExampleValues,
}

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

/// A value that only stands in for a secret: empty, a reference, or an obvious placeholder.
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
    const WORDS: &[&str] = &[
        "your",
        "changeme",
        "change_me",
        "change-me",
        "placeholder",
        "example",
        "dummy",
        "xxx",
        "...",
        "todo",
        "replace",
        "insert",
        "here",
        "secret-value",
        "not-set",
        "none",
    ];
    if WORDS.iter().any(|w| lower.contains(w)) {
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

/// A file rule's verdict on one file.
struct Hit<'a> {
    rule: &'a Rule,
    path: String,
    line: usize,
    column: usize,
    secret: String,
    details: Vec<(String, String)>,
}

fn finding(hit: Hit, origin: &Origin) -> Finding {
    let (secret, redacted) = if hit.secret.is_empty() {
        (String::new(), String::new())
    } else {
        let r = redact(&hit.secret, &[]);
        (hit.secret, r)
    };
    let fp_input = if secret.is_empty() {
        format!("file:{}", hit.path)
    } else {
        secret.clone()
    };
    Finding {
        rule_id: hit.rule.id().to_string(),
        rule_name: hit.rule.spec.name.clone(),
        provider: hit.rule.spec.provider.clone(),
        severity: hit.rule.spec.severity,
        fingerprint: secret_id(hit.rule.id(), fp_input.as_bytes()),
        line_text: if redacted.is_empty() {
            String::new()
        } else {
            format!("…={redacted}")
        },
        redacted,
        secret,
        path: hit.path,
        line: hit.line,
        column: hit.column,
        end_line: hit.line,
        end_column: hit.column,
        details: hit.details,
        verified: None,
        origin: origin.clone(),
        line_hash: None,
    }
}

/// Names of the variables a dotenv file defines (names, never values).
fn var_names(data: &[u8]) -> String {
    let mut names: Vec<String> = parse(&String::from_utf8_lossy(data))
        .into_iter()
        .map(|v| v.name)
        .collect();
    names.dedup();
    names.join(", ")
}

/// The `.gitignore` lines that cover env files but keep the example.
pub const GITIGNORE_LINES: &[&str] = &[".env", ".env.*", "!.env.example"];

/// Everything the hygiene checks need to know about one file.
pub struct FileFacts<'a> {
    /// Path relative to the repository root (or scan root), `/`-separated.
    pub rel: &'a str,
    /// What reports show.
    pub display: &'a str,
    pub tracked: bool,
    /// Whether a walk that honours ignore files reached it.
    pub not_ignored: bool,
    pub mode: Option<u32>,
    pub data: Option<&'a [u8]>,
}

/// Apply every file rule to one file.
pub fn check_file(rules: &RuleSet, facts: &FileFacts, origin: &Origin) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in rules.rules.iter().filter(|r| r.file_matches(facts.rel)) {
        let Some(check) = rule.spec.file.as_ref().map(|f| f.check) else {
            continue;
        };
        let base = |details| Hit {
            rule,
            path: facts.display.to_string(),
            line: 1,
            column: 1,
            secret: String::new(),
            details,
        };
        let env_details = || {
            let names = facts.data.map(var_names).unwrap_or_default();
            if names.is_empty() {
                Vec::new()
            } else {
                vec![("variables".to_string(), names)]
            }
        };
        match check {
            FileCheck::Tracked if facts.tracked => out.push(finding(base(env_details()), origin)),
            FileCheck::NotIgnored if facts.not_ignored && !facts.tracked => {
                let mut d = env_details();
                d.push(("add to .gitignore".into(), GITIGNORE_LINES.join("  ")));
                out.push(finding(base(d), origin));
            }
            FileCheck::Permissions => {
                if let Some(mode) = facts.mode.filter(|m| m & 0o077 != 0) {
                    out.push(finding(
                        base(vec![
                            ("mode".into(), format!("{:04o}", mode & 0o7777)),
                            ("fix".into(), format!("chmod 600 {}", facts.display)),
                        ]),
                        origin,
                    ));
                }
            }
            FileCheck::ExampleValues => {
                let Some(data) = facts.data else { continue };
                let text = String::from_utf8_lossy(data);
                for var in parse(&text) {
                    if secret_name(&var.name)
                        && !is_placeholder(&var.value)
                        && !url_without_password(&var.value)
                    {
                        let col = 1 + text[..var.value_start]
                            .rfind('\n')
                            .map_or(var.value_start, |nl| var.value_start - nl - 1);
                        out.push(finding(
                            Hit {
                                rule,
                                path: facts.display.to_string(),
                                line: var.line,
                                column: col,
                                secret: var.value.clone(),
                                details: vec![("variable".into(), var.name.clone())],
                            },
                            origin,
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `DATABASE_URL=postgres://localhost/db` holds no password: not a real secret value.
fn url_without_password(v: &str) -> bool {
    match v.split_once("://") {
        Some((_, rest)) => {
            !rest.split('/').next().unwrap_or_default().contains(':') || !rest.contains('@')
        }
        None => false,
    }
}

/// Working-tree hygiene for the files a walk reached, plus secret-bearing files an ignore rule
/// hid in the same directories (their permissions still matter).
pub fn check_worktree(rules: &RuleSet, walked: &[(PathBuf, String)], root: &Path) -> Vec<Finding> {
    if !rules.rules.iter().any(|r| r.spec.file.is_some()) {
        return Vec::new();
    }
    let repo = gix::discover(root).ok();
    let workdir = repo.as_ref().and_then(|r| {
        r.workdir()
            .map(|w| std::fs::canonicalize(w).unwrap_or_else(|_| w.to_path_buf()))
    });
    let tracked: HashSet<String> = repo
        .as_ref()
        .and_then(|r| r.index_or_empty().ok())
        .map(|idx| {
            idx.entries()
                .iter()
                .map(|e| e.path(&idx).to_string())
                .collect()
        })
        .unwrap_or_default();
    let rel_of = |p: &Path| -> String {
        let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        match &workdir {
            Some(w) => abs
                .strip_prefix(w)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_else(|_| abs.to_string_lossy().into_owned()),
            None => p.to_string_lossy().trim_start_matches("./").to_string(),
        }
    };
    let interesting = |rel: &str| rules.rules.iter().any(|r| r.file_matches(rel));
    let mut out = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut dirs: HashSet<PathBuf> = HashSet::new();
    for (path, display) in walked {
        dirs.insert(path.parent().map(Path::to_path_buf).unwrap_or_default());
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !interesting(&name) && !interesting(display) {
            continue;
        }
        let rel = rel_of(path);
        if !interesting(&rel) {
            continue;
        }
        seen.insert(path.clone());
        out.extend(file_facts(
            rules,
            path,
            &rel,
            display,
            tracked.contains(&rel),
            true,
        ));
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &dir
        }) else {
            continue;
        };
        for e in entries.flatten() {
            let path = if dir.as_os_str().is_empty() {
                PathBuf::from(e.file_name())
            } else {
                dir.join(e.file_name())
            };
            if seen.contains(&path) || !e.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            if !interesting(&name) {
                continue;
            }
            let rel = rel_of(&path);
            let display = crate::source::worktree::display_path(&path);
            out.extend(file_facts(
                rules,
                &path,
                &rel,
                &display,
                tracked.contains(&rel),
                false,
            ));
        }
    }
    out
}

fn file_facts(
    rules: &RuleSet,
    path: &Path,
    rel: &str,
    display: &str,
    tracked: bool,
    not_ignored: bool,
) -> Vec<Finding> {
    let meta = std::fs::symlink_metadata(path).ok();
    let mode = meta.as_ref().map(|m| m.permissions().mode());
    let data = if meta
        .as_ref()
        .is_some_and(|m| m.is_file() && m.len() < (1 << 20))
    {
        std::fs::read(path).ok()
    } else {
        None
    };
    let facts = FileFacts {
        rel,
        display,
        tracked,
        not_ignored,
        mode,
        data: data.as_deref(),
    };
    check_file(rules, &facts, &Origin::Worktree)
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
