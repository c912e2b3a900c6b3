//! SARIF 2.1.0 shaped for GitHub code scanning: one run, every rule that can fire with its
//! checklist as help, one location per result relative to `%SRCROOT%`, GitHub's own line hash
//! plus our content fingerprint, `security-severity` on rules, and a separate automation
//! category for history scans so tree and history uploads do not replace each other.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::{Report, Reporter};
use crate::finding::Finding;
use crate::rules::{Rule, Severity};

/// GitHub rejects runs with more results than this.
pub const MAX_RESULTS: usize = 25_000;
/// The key our content fingerprint goes under in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "keywarden/secretId/v1";

pub struct Sarif;

fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// `security-severity` GitHub maps to its critical/high/medium/low labels.
fn security_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn precision(rule: &Rule) -> &'static str {
    if rule.spec.validate.is_some() {
        "very-high"
    } else if rule.pack == "generic" {
        "medium"
    } else {
        "high"
    }
}

fn rule_descriptor(rule: &Rule) -> Value {
    let mut steps = Vec::new();
    if !rule.spec.rotate.revoke_url.is_empty() {
        steps.push(format!(
            "Open {} to manage and revoke this key.",
            rule.spec.rotate.revoke_url
        ));
    }
    steps.extend(rule.spec.rotate.steps.iter().cloned());
    let numbered: Vec<String> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {s}", i + 1))
        .collect();
    let text = format!(
        "{}\n\nRotation checklist:\n{}\n\nWhere it was found matters: a staged key has not left the machine (unstage it and move it to an environment variable); a key in pushed history must be treated as compromised (rotate first, then purge history with git filter-repo and force-push).",
        rule.spec.description,
        numbered.join("\n")
    );
    let mut markdown = format!(
        "**{}**\n\n{}\n\n### Rotation checklist\n\n",
        rule.spec.name, rule.spec.description
    );
    for s in &numbered {
        markdown.push_str(s);
        markdown.push('\n');
    }
    markdown.push_str("\n### Where it was found\n\n- **Staged**: it has not left this machine. Unstage it, read the value from an environment variable referenced by name, add `.env` to `.gitignore`.\n- **Pushed history**: treat it as compromised. Rotate first, then purge with `git filter-repo --replace-text`, force-push every ref that reaches it and ask collaborators to re-clone.\n");
    if !rule.spec.references.is_empty() {
        markdown.push_str("\n### References\n\n");
        for r in &rule.spec.references {
            markdown.push_str(&format!("- {r}\n"));
        }
    }
    let mut tags = vec!["security".to_string(), "secret".to_string()];
    let provider = if rule.spec.provider.is_empty() {
        rule.pack.clone()
    } else {
        rule.spec.provider.to_ascii_lowercase()
    };
    if !tags.contains(&provider) {
        tags.push(provider);
    }
    tags.truncate(10);
    json!({
        "id": rule.id(),
        "name": rule.spec.name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(capitalize).collect::<String>(),
        "shortDescription": {"text": rule.spec.name},
        "fullDescription": {"text": if rule.spec.description.is_empty() { &rule.spec.name } else { &rule.spec.description }},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": level(rule.spec.severity)},
        "properties": {
            "tags": tags,
            "precision": precision(rule),
            "security-severity": security_severity(rule.spec.severity),
        }
    })
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// Percent-encode a relative path for a SARIF `uri` (keeps `/` and unreserved characters).
pub fn uri_of(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A finding's path relative to the repository root, with `/` separators.
fn relative_to_root(f: &Finding, root: &Path) -> String {
    if f.origin.history().is_some() {
        return f.path.clone();
    }
    let p = Path::new(&f.path);
    let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    abs.strip_prefix(root)
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| f.path.clone())
}

impl Reporter for Sarif {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let rules: Vec<Value> = report.rules.rules.iter().map(rule_descriptor).collect();
        let index: HashMap<&str, usize> = report
            .rules
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id(), i))
            .collect();
        let mut findings: Vec<&Finding> = report.findings.iter().collect();
        if findings.len() > MAX_RESULTS {
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            findings.truncate(MAX_RESULTS);
            eprintln!(
                "warning: {} findings exceed GitHub's {MAX_RESULTS} results per run; the SARIF keeps the {MAX_RESULTS} most severe",
                report.findings.len()
            );
        }
        let results: Vec<Value> = findings
            .iter()
            .map(|f| {
                let uri = relative_to_root(f, &report.root);
                let mut fingerprints = serde_json::Map::new();
                if let Some(h) = &f.line_hash {
                    fingerprints.insert("primaryLocationLineHash".into(), json!(h));
                }
                fingerprints.insert(FINGERPRINT_KEY.into(), json!(f.fingerprint));
                let mut props = serde_json::Map::new();
                props.insert("source".into(), json!(f.origin.as_str()));
                if let Some(h) = f.origin.history() {
                    props.insert("commit".into(), json!(h.commit));
                    props.insert("author".into(), json!(h.author));
                    props.insert("date".into(), json!(h.date));
                    props.insert("inHead".into(), json!(h.in_head));
                    props.insert("refs".into(), json!(h.refs));
                }
                for (k, v) in &f.details {
                    props.insert(k.clone(), json!(v));
                }
                let mut message = if f.secret.is_empty() {
                    format!("{}: {}. The rule help lists what to do.", f.rule_name, uri)
                } else {
                    format!(
                        "{} in {}. The secret ({}) must be rotated; the rule help lists the steps.",
                        f.rule_name,
                        uri,
                        f.shown_secret(report.show_secrets)
                    )
                };
                if let Some(h) = f.origin.history() {
                    message.push_str(&format!(" First committed in {}.", h.commit));
                }
                json!({
                    "ruleId": f.rule_id,
                    "ruleIndex": index.get(f.rule_id.as_str()).copied().unwrap_or(0),
                    "level": level(f.severity),
                    "message": {"text": message},
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri_of(&uri), "uriBaseId": "%SRCROOT%"},
                            "region": {
                                "startLine": f.line,
                                "startColumn": f.column,
                                "endLine": f.end_line,
                                "endColumn": f.end_column,
                            }
                        }
                    }],
                    "partialFingerprints": fingerprints,
                    "properties": props,
                })
            })
            .collect();
        let root_uri = format!(
            "file://{}/",
            uri_of(report.root.to_string_lossy().trim_end_matches('/'))
        );
        let category = if matches!(report.mode, "history") {
            "keywarden-history/"
        } else {
            "keywarden/"
        };
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "keywarden",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                }},
                "automationDetails": {"id": category},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }]
        });
        // The document goes through serde-sarif's types (generated from the SARIF schema), so a
        // field of the wrong shape fails here rather than at GitHub's upload.
        let typed: serde_sarif::sarif::Sarif =
            serde_json::from_value(doc).map_err(io::Error::other)?;
        serde_json::to_writer(&mut *out, &typed)?;
        writeln!(out)
    }
}

/// GitHub's `primaryLocationLineHash` for the given 1-based lines of `text`: a rolling hash over
/// the first 100 characters (UTF-16 code units) of each line, ignoring spaces and tabs, with
/// CR, LF and CRLF read as one line end; `:n` counts earlier lines with the same hash.
pub fn line_hashes(text: &[u8], wanted: &[usize]) -> HashMap<usize, String> {
    const BLOCK: usize = 100;
    const MOD: u64 = 37;
    let first_mod = (0..BLOCK).fold(1u64, |acc, _| acc.wrapping_mul(MOD));
    let mut window = [0u32; BLOCK];
    let mut line_numbers = [0usize; BLOCK]; // 0 = no line starts here
    let mut hash = 0u64;
    let mut index = 0usize;
    let mut line_number = 0usize;
    let mut line_start = true;
    let mut prev_cr = false;
    let mut counts: HashMap<u64, usize> = HashMap::new();
    let mut out = HashMap::new();
    let max_wanted = wanted.iter().copied().max().unwrap_or(0);
    let wanted: std::collections::HashSet<usize> = wanted.iter().copied().collect();

    let mut emit = |hash: u64, line: usize, out: &mut HashMap<usize, String>| {
        let n = counts.entry(hash).or_insert(0);
        *n += 1;
        if wanted.contains(&line) {
            out.insert(line, format!("{hash:x}:{n}"));
        }
    };
    let update = |c: u32, hash: &mut u64, index: &mut usize, window: &mut [u32; BLOCK]| {
        let begin = window[*index];
        window[*index] = c;
        *hash = MOD
            .wrapping_mul(*hash)
            .wrapping_add(c as u64)
            .wrapping_sub(first_mod.wrapping_mul(begin as u64));
        *index = (*index + 1) % BLOCK;
    };

    let decoded = String::from_utf8_lossy(text);
    let units = decoded
        .encode_utf16()
        .map(u32::from)
        .chain(std::iter::once(65535u32));
    for unit in units {
        let mut c = unit;
        if c == ' ' as u32 || c == '\t' as u32 || (prev_cr && c == '\n' as u32) {
            prev_cr = false;
            continue;
        }
        if c == '\r' as u32 {
            c = '\n' as u32;
            prev_cr = true;
        } else {
            prev_cr = false;
        }
        if line_numbers[index] != 0 {
            emit(hash, line_numbers[index], &mut out);
            line_numbers[index] = 0;
        }
        if line_start {
            line_start = false;
            line_number += 1;
            line_numbers[index] = line_number;
            if line_number > max_wanted + BLOCK {
                break;
            }
        }
        if c == '\n' as u32 {
            line_start = true;
        }
        update(c, &mut hash, &mut index, &mut window);
    }
    for _ in 0..BLOCK {
        if line_numbers[index] != 0 {
            emit(hash, line_numbers[index], &mut out);
            line_numbers[index] = 0;
        }
        update(0, &mut hash, &mut index, &mut window);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known values from an independent re-statement of github/codeql-action's
    /// `src/fingerprints.ts` (BigInt arithmetic over UTF-16 code units).
    #[test]
    fn line_hash_matches_known_values() {
        let cases: &[(&str, &[(usize, &str)])] = &[
            (
                "const a = 1;\nconst key = \"FAKE\";\n\treturn a;\n",
                &[
                    (1, "f91e094f34129779:1"),
                    (2, "f4e307ca2f13d6ea:1"),
                    (3, "50098a4d687f1911:1"),
                ],
            ),
            (
                "line one\r\nline two\r\n\r\nlast",
                &[
                    (1, "563d4fcfb497e9fd:1"),
                    (2, "ca43cd64b1718ae1:1"),
                    (3, "2bafa474670c5ca1:1"),
                    (4, "58429ecce5a8d0db:1"),
                ],
            ),
            (
                "\tnamé = 'FAKE' // ✓ 𝄞\nzweite Zeile\n",
                &[(1, "c875994e3719e3da:1"), (2, "900e990e52785fe2:1")],
            ),
            (&"x".repeat(250), &[]),
            (
                "dup\ndup\ndup\n",
                &[
                    (1, "ce684366d1b6d674:1"),
                    (2, "5676b622f2c12429:1"),
                    (3, "8cc409fcab63c38e:1"),
                ],
            ),
        ];
        for (text, want) in cases {
            let lines: Vec<usize> = want.iter().map(|(l, _)| *l).collect();
            let got = line_hashes(text.as_bytes(), &lines);
            for (line, hash) in *want {
                assert_eq!(
                    got.get(line).map(String::as_str),
                    Some(*hash),
                    "line {line} of {text:?}"
                );
            }
        }
        let long = format!("{}\ny = 1\n", "x".repeat(250));
        assert_eq!(
            line_hashes(long.as_bytes(), &[1, 2])[&2],
            "17ab1ef2caecdd1c:1"
        );
        assert_eq!(line_hashes(long.as_bytes(), &[1])[&1], "52b56201ffb58620:1");
    }

    #[test]
    fn uris_are_percent_encoded_relative_paths() {
        assert_eq!(uri_of("src/a b/ü.py"), "src/a%20b/%C3%BC.py");
    }
}
