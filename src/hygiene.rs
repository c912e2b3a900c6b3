//! The file-hygiene rules at work: a secret-bearing file tracked or staged, a `.env` that no
//! ignore rule covers, permissions wider than 0600, and example env files with real values.
//! The rules themselves are data (`rules/hygiene.yaml`); this is what their checks mean. Every
//! source hands the pipeline a `FileMeta` with the facts it knows; the pipeline calls
//! `check_file` once per chunk, whatever the source.

use crate::chunk::Provenance;
use crate::envfile::{is_placeholder, parse, secret_name};
use crate::finding::{Finding, Location};
use crate::fingerprint::secret_id;
use crate::redact::Secret;
use crate::rules::{FileCheck, Rule, RuleSet};

/// A file rule's verdict on one file.
struct Hit<'a> {
    rule: &'a Rule,
    path: String,
    line: usize,
    column: usize,
    secret: String,
    details: Vec<(String, String)>,
}

fn finding(hit: Hit, provenance: &Provenance) -> Finding {
    let secret = (!hit.secret.is_empty()).then(|| Secret::new(hit.secret, &[]));
    let fp_input = match &secret {
        Some(s) => s.expose().to_string(),
        None => format!("file:{}", hit.path),
    };
    Finding {
        rule_id: hit.rule.id().to_string(),
        rule_name: hit.rule.spec.name.clone(),
        provider: hit.rule.spec.provider.clone(),
        precedence: hit.rule.precedence,
        severity: hit.rule.spec.severity,
        fingerprint: secret_id(hit.rule.id(), fp_input.as_bytes()),
        locations: vec![Location {
            context: secret
                .as_ref()
                .map(|s| format!("…={}", s.redacted()))
                .unwrap_or_default(),
            path: hit.path,
            line: hit.line,
            column: hit.column,
            end_line: hit.line,
            end_column: hit.column,
            line_hash: None,
            provenance: provenance.clone(),
        }],
        secret,
        details: hit.details,
        verified: None,
        confidence: Default::default(),
        confidence_why: String::new(),
        verification: None,
        history: None,
        inline_allowed: false,
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

pub use crate::chunk::FileMeta;

/// Apply every file rule to one file: `display` is what reports show, `data` its bytes.
pub fn check_file(
    rules: &RuleSet,
    facts: &FileMeta,
    display: &str,
    data: Option<&[u8]>,
    provenance: &Provenance,
) -> Vec<Finding> {
    let matching = rules.rules.iter().filter(|r| r.file_matches(&facts.rel));
    check_file_rules(matching, facts, display, data, provenance)
}

/// `check_file` with the file rules whose globs cover the path (`facts.rel`) already known.
pub fn check_file_rules<'r>(
    matching: impl Iterator<Item = &'r Rule>,
    facts: &FileMeta,
    display: &str,
    data: Option<&[u8]>,
    provenance: &Provenance,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in matching {
        let Some(check) = rule.file_check() else {
            continue;
        };
        if rule.requires_secret() && !holds_secret(&facts.rel, data) {
            continue;
        }
        let base = |details| Hit {
            rule,
            path: display.to_string(),
            line: 1,
            column: 1,
            secret: String::new(),
            details,
        };
        let env_details = || {
            let names = data.map(var_names).unwrap_or_default();
            if names.is_empty() {
                Vec::new()
            } else {
                vec![("variables".to_string(), names)]
            }
        };
        match check {
            FileCheck::Tracked if facts.tracked => {
                out.push(finding(base(env_details()), provenance))
            }
            FileCheck::NotIgnored if facts.not_ignored && !facts.tracked => {
                let mut d = env_details();
                d.push(("add to .gitignore".into(), GITIGNORE_LINES.join("  ")));
                out.push(finding(base(d), provenance));
            }
            // A tracked file's problem is that it is tracked (its own rule); git stores only
            // 644 or 755, so a checkout's mode says nothing. Certificates and public keys never.
            FileCheck::Permissions if !facts.tracked => {
                if let Some(mode) = facts.mode.filter(|m| m & 0o077 != 0) {
                    out.push(finding(
                        base(vec![
                            ("mode".into(), format!("{:04o}", mode & 0o7777)),
                            ("fix".into(), format!("chmod 600 {display}")),
                        ]),
                        provenance,
                    ));
                }
            }
            FileCheck::ExampleValues => {
                let Some(data) = data else { continue };
                let text = String::from_utf8_lossy(data);
                for var in parse(&text) {
                    if secret_name(&var.name) && !is_placeholder(&var.value) && real_value(&var) {
                        let col = 1 + text[..var.value_start]
                            .rfind('\n')
                            .map_or(var.value_start, |nl| var.value_start - nl - 1);
                        out.push(finding(
                            Hit {
                                rule,
                                path: display.to_string(),
                                line: var.line,
                                column: col,
                                secret: var.value.clone(),
                                details: vec![("variable".into(), var.name.clone())],
                            },
                            provenance,
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Does this file hold a secret (so its permissions matter)? A private key, a key store, an
/// env file or `.npmrc`/`.pypirc` with a real value, a credentials JSON with a secret field.
fn holds_secret(rel: &str, data: Option<&[u8]>) -> bool {
    let lower = rel.to_ascii_lowercase();
    if [".p12", ".pfx", ".jks", ".keystore"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        // Unread, it may hold keys; read, it must have a key store's shape (an empty, truncated
        // or random file by that name holds nothing).
        return data.is_none_or(key_store_shape);
    }
    let Some(data) = data else { return false };
    let text = String::from_utf8_lossy(&data[..data.len().min(1 << 20)]);
    if text.contains("PRIVATE KEY") || text.contains("PuTTY-User-Key-File") {
        return true;
    }
    if parse(&text).iter().any(|v| {
        (secret_name(&v.name) || v.name.contains("_auth"))
            && !is_placeholder(&v.value)
            && real_value(v)
    }) {
        return true;
    }
    let real = |v: &str| !is_placeholder(v) && !v.starts_with("${");
    // INI-style `password = …` (.pypirc) and JSON credentials.
    text.lines().any(|l| {
        let l = l.trim();
        let Some((k, v)) = l.split_once(['=', ':']) else {
            return false;
        };
        let k = k.trim().trim_matches('"').to_ascii_lowercase();
        let v = v.trim().trim_end_matches(',').trim_matches('"');
        [
            "password",
            "private_key",
            "client_secret",
            "secret",
            "token",
            "_authtoken",
            "api_key",
        ]
        .iter()
        .any(|s| k == *s || k.ends_with(&format!(":{s}")) || k.ends_with(&format!("_{s}")))
            && v.len() >= 8
            && real(v)
    })
}

/// A whole PKCS#12 file (a DER SEQUENCE whose length is the file's, holding version 3) or a Java
/// key store (JKS `FEEDFEED`, JCEKS `CECECECE` magic). Java 9+ `.jks`/`.keystore` files are
/// often PKCS#12.
fn key_store_shape(data: &[u8]) -> bool {
    if data.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) || data.starts_with(&[0xCE, 0xCE, 0xCE, 0xCE]) {
        return true;
    }
    let (len, header) = match data {
        [0x30, 0x80, ..] => (data.len() - 2, 2), // BER indefinite length
        [0x30, n, ..] if *n < 0x80 => (*n as usize, 2),
        [0x30, n @ 0x81..=0x84, rest @ ..] => {
            let k = (*n - 0x80) as usize;
            if rest.len() < k {
                return false;
            }
            (
                rest[..k].iter().fold(0usize, |a, &b| a << 8 | b as usize),
                2 + k,
            )
        }
        _ => return false,
    };
    header + len <= data.len() && data.len() - header - len < 16 // trailing padding at most
        && data[header..].starts_with(&[0x02, 0x01, 0x03])
}

/// Whether an example file's value is a real one: a URL only when it carries a password that
/// is not a local default (`postgres://localhost/db`, `mongodb:mongodb@localhost` are not), any
/// other value when it is plausible as the generic rule judges (`anthropic:api-key`, a word or
/// a reference are not).
fn real_value(var: &crate::envfile::Var) -> bool {
    let v = var.value.as_str();
    match v.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split('/').next().unwrap_or_default();
            let Some((userinfo, host)) = authority.rsplit_once('@') else {
                return false;
            };
            let Some((user, password)) = userinfo.split_once(':') else {
                return false;
            };
            crate::generic::database_password(
                password.as_bytes(),
                format!("{scheme}://{user}:").as_bytes(),
                format!("@{host}").as_bytes(),
            )
        }
        None => crate::generic::plausible(v.as_bytes(), var.name.as_bytes(), &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_store_file_holds_a_secret_only_in_a_key_stores_shape() {
        // A PKCS#12 outer SEQUENCE of 5 bytes: version 3 and a two-byte tail.
        let p12 = [0x30, 0x05, 0x02, 0x01, 0x03, 0x30, 0x00];
        assert!(holds_secret("certs/a.p12", Some(&p12)));
        let long = [
            &[0x30u8, 0x82, 0x00, 0x05][..],
            &[0x02, 0x01, 0x03, 0x30, 0x00],
        ]
        .concat();
        assert!(holds_secret("certs/a.pfx", Some(&long)));
        assert!(holds_secret(
            "a.jks",
            Some(&[0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2])
        ));
        assert!(holds_secret("a.p12", None), "unread: it may hold keys");
        // Empty, truncated (the length says more than the file has), random.
        assert!(!holds_secret("a.p12", Some(&[])));
        assert!(!holds_secret(
            "a.p12",
            Some(&[0x30, 0x82, 0x09, 0xC4, 0x02, 0x01, 0x03])
        ));
        assert!(!holds_secret("a.p12", Some(b"\x07&Ed\x8f\x1e=\\{")));
    }
}
