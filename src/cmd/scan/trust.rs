//! What a range's own settings would hide. A range scan applies the base commit's config and
//! baseline; the head commit's are run too, and every place the trusted side reports but the
//! range's side would not becomes a `suppression-added` finding at the config or baseline line
//! responsible, naming what it would hide (redacted). So no change inside a pull request can make
//! its scan report less without the report saying so.

use std::collections::HashSet;

use anyhow::Result;
use globset::Glob;

use crate::chunk::Provenance;
use crate::finding::{Finding, Location};
use crate::fingerprint::{is_fingerprint, secret_id};
use crate::matcher::MatchOptions;
use crate::rules::{PathFilter, RuleSet, compile_regex};
use crate::settings::{HeadSide, Named, Rules, Settings};
use crate::yaml::line_of;

const RULE: &str = "suppression-added";

/// Where a suppression comes from: the file, the line, and what it does.
#[derive(PartialEq, Eq)]
struct Cause {
    path: String,
    line: usize,
    what: String,
}

/// The `suppression-added` findings for `reported` (the trusted side's findings after its
/// baseline), given a way to scan with other settings.
pub fn suppressions_added(
    s: &Settings,
    head: &HeadSide,
    reported: &[Finding],
    scan: impl Fn(&Rules, &MatchOptions, &PathFilter) -> Result<Vec<Finding>>,
) -> Result<Vec<Finding>> {
    let Some(rule) = s.rules.rules.get(RULE) else {
        return Ok(Vec::new());
    };
    let mut theirs = scan(&head.rules, &head.match_opts, &head.path_filter)?;
    if let Some((_, b)) = &head.baseline {
        theirs = b.filter(theirs).0;
    }
    let key = |f: &Finding, l: &Location| {
        (
            f.rule_id.clone(),
            f.fingerprint.clone(),
            l.path.clone(),
            l.line,
        )
    };
    let kept: HashSet<_> = theirs
        .iter()
        .flat_map(|f| f.locations.iter().map(move |l| key(f, l)))
        .collect();
    // One finding per responsible line, naming every place it would hide.
    let mut by_cause: Vec<(Cause, Vec<String>)> = Vec::new();
    for f in reported.iter().filter(|f| f.rule_id != RULE) {
        for l in f.locations.iter().filter(|l| !kept.contains(&key(f, l))) {
            let c = cause(head, &s.rules.rules, f, l);
            let hidden = format!(
                "{} at {}:{}{}",
                f.rule_id,
                l.path,
                l.line,
                f.secret
                    .as_ref()
                    .map(|s| format!(" ({})", s.redacted()))
                    .unwrap_or_default()
            );
            match by_cause.iter_mut().find(|(k, _)| *k == c) {
                Some((_, list)) => list.push(hidden),
                None => by_cause.push((c, vec![hidden])),
            }
        }
    }
    Ok(by_cause
        .into_iter()
        .map(|(c, hidden)| {
            let hidden = hidden.join("; ");
            Finding {
                rule_id: RULE.to_string(),
                rule_name: rule.spec.name.clone(),
                provider: rule.spec.provider.clone(),
                precedence: rule.precedence,
                severity: rule.spec.severity,
                secret: None,
                fingerprint: secret_id(RULE, format!("{}\0{}", c.path, c.what).as_bytes()),
                details: vec![
                    ("suppresses".to_string(), hidden.clone()),
                    ("by".to_string(), c.what),
                ],
                verified: None,
                confidence: Default::default(),
                confidence_why: String::new(),
                verification: None,
                locations: vec![Location {
                    path: c.path,
                    line: c.line,
                    column: 1,
                    end_line: c.line,
                    end_column: 1,
                    context: format!("would suppress {hidden}"),
                    line_hash: None,
                    provenance: Provenance::File,
                }],
                history: None,
                inline_allowed: false,
            }
        })
        .collect())
}

/// The repository-relative path of a settings file named `PATH at REV`.
fn path_of(n: &Named) -> String {
    n.name
        .rsplit_once(" at ")
        .map_or(n.name.clone(), |(p, _)| p.to_string())
}

/// Which entry of the range's config or baseline hides this place.
fn cause(head: &HeadSide, trusted: &RuleSet, f: &Finding, l: &Location) -> Cause {
    let cfg = &head.rules.config;
    let at_config = |needle: &str, what: String| -> Cause {
        match &head.config {
            Some(n) => Cause {
                path: path_of(n),
                line: line_of(&n.text, needle).unwrap_or(1),
                what,
            },
            None => Cause {
                path: crate::config::FILE_NAME.to_string(),
                line: 1,
                what,
            },
        }
    };
    if head.rules.rules.get(&f.rule_id).is_none() {
        // The trusted side reported it, so its rule set knows the rule's pack.
        let pack = trusted
            .get(&f.rule_id)
            .map_or("custom", |r| r.pack.as_str());
        return if cfg.disable.contains(&f.rule_id) {
            at_config(&f.rule_id, format!("disable: {}", f.rule_id))
        } else {
            at_config(&format!("{pack}:"), format!("packs: {pack} switched off"))
        };
    }
    if !head.path_filter.admits(&l.path)
        && let Some(g) = cfg
            .allow
            .paths
            .iter()
            .find(|g| Glob::new(g).is_ok_and(|g| g.compile_matcher().is_match(&l.path)))
    {
        return at_config(g, format!("allow.paths {g:?} excludes {}", l.path));
    }
    if let Some(secret) = &f.secret {
        for entry in &cfg.allow.secrets {
            let hit = if is_fingerprint(entry) {
                entry.eq_ignore_ascii_case(&f.fingerprint)
            } else {
                compile_regex(entry).is_ok_and(|r| r.is_match(secret.expose().as_bytes()))
            };
            if hit {
                let shown = if is_fingerprint(entry) {
                    entry.clone()
                } else {
                    crate::redact::redact_str(entry)
                };
                return at_config(entry, format!("allow.secrets entry {shown}"));
            }
        }
        let lower = secret.expose().to_ascii_lowercase();
        if let Some(w) = cfg
            .allow
            .stopwords
            .iter()
            .find(|w| lower.contains(&w.to_ascii_lowercase()))
        {
            return at_config(w, format!("allow.stopwords {w:?}"));
        }
    }
    if let Some((n, b)) = &head.baseline
        && b.entries
            .iter()
            .any(|e| e.fingerprint == f.fingerprint && e.path == l.path)
    {
        return Cause {
            path: path_of(n),
            line: line_of(&n.text, &f.fingerprint).unwrap_or(1),
            what: format!("a baseline entry for {}", l.path),
        };
    }
    at_config("lines:", "allow.lines".to_string())
}
