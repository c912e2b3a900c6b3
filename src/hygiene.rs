//! The file-hygiene rules at work: a secret-bearing file tracked or staged, a `.env` that no
//! ignore rule covers, permissions wider than 0600, and example env files with real values.
//! The rules themselves are data (`rules/hygiene.yaml`); this is what their checks mean.

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::envfile::{FileCheck, is_placeholder, parse, secret_name};
use crate::finding::{Finding, Origin, redact, secret_id};
use crate::rules::{Rule, RuleSet};

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
    let interesting = |rel: &str| rules.rules.iter().any(|r| r.file_matches(rel));
    // Candidates by name first (path, display, reached by the walk): most scans have none, and
    // then the repository and its index are never opened.
    let mut candidates: Vec<(PathBuf, String, bool)> = Vec::new();
    let mut dirs: HashSet<PathBuf> = HashSet::new();
    for (path, display) in walked {
        dirs.insert(path.parent().map(Path::to_path_buf).unwrap_or_default());
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if interesting(&name) || interesting(display) {
            candidates.push((path.clone(), display.clone(), true));
        }
    }
    let walked_set: HashSet<&PathBuf> = walked.iter().map(|(p, _)| p).collect();
    for dir in dirs {
        let here = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir.as_path()
        };
        let Ok(entries) = std::fs::read_dir(here) else {
            continue;
        };
        for e in entries.flatten() {
            let path = if dir.as_os_str().is_empty() {
                PathBuf::from(e.file_name())
            } else {
                dir.join(e.file_name())
            };
            if walked_set.contains(&path)
                || !e.file_type().is_ok_and(|t| t.is_file())
                || !interesting(&e.file_name().to_string_lossy())
            {
                continue;
            }
            let display = crate::source::worktree::display_path(&path);
            candidates.push((path, display, false));
        }
    }
    if candidates.is_empty() {
        return Vec::new();
    }
    let repo = gix::discover(root).ok();
    let workdir = repo.as_ref().and_then(|r| {
        r.workdir()
            .map(|w| std::fs::canonicalize(w).unwrap_or_else(|_| w.to_path_buf()))
    });
    let index = repo.as_ref().and_then(|r| r.index_or_empty().ok());
    let mut out = Vec::new();
    for (path, display, not_ignored) in candidates {
        let abs = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let rel = match &workdir {
            Some(w) => abs
                .strip_prefix(w)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_else(|_| abs.to_string_lossy().into_owned()),
            None => path.to_string_lossy().trim_start_matches("./").to_string(),
        };
        if !interesting(&rel) {
            continue;
        }
        let tracked = index
            .as_ref()
            .is_some_and(|idx| idx.entry_by_path(rel.as_str().into()).is_some());
        out.extend(file_facts(
            rules,
            &path,
            &rel,
            &display,
            tracked,
            not_ignored,
        ));
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
