//! SARIF 2.1.0 shaped for GitHub code scanning, built with serde-sarif's types (generated from
//! the SARIF schema, so a field of the wrong shape does not compile): one run, every rule that
//! can fire with its checklist as help, one result per location relative to `%SRCROOT%`,
//! GitHub's own line hash plus our content fingerprint, `security-severity` on rules, and a
//! separate automation category for history scans so tree and history uploads do not replace
//! each other.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Location as SarifLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif as SarifLog, Tool,
    ToolComponent,
};

use super::{Report, Reporter};
use crate::checklist::Checklist;
use crate::chunk::Place;
use crate::finding::{Finding, Location};
use crate::rules::{Rule, RuleKind};
use crate::severity::{Confidence, Severity};

/// GitHub rejects runs with more results than this.
pub const MAX_RESULTS: usize = 25_000;
/// The key our content fingerprint goes under in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "keywarden/secretId/v1";

pub struct Sarif;

fn level(sev: Severity) -> ResultLevel {
    match sev {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
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
    match rule.kind {
        _ if rule.spec.validate.is_some_and(|v| v.proves_key()) => "very-high",
        RuleKind::Generic => "medium",
        RuleKind::Provider | RuleKind::File => "high",
    }
}

fn message(text: String, markdown: Option<String>) -> MultiformatMessageString {
    match markdown {
        Some(md) => MultiformatMessageString::builder()
            .text(text)
            .markdown(md)
            .build(),
        None => MultiformatMessageString::builder().text(text).build(),
    }
}

fn bag(tags: Option<Vec<String>>, props: BTreeMap<String, Value>) -> PropertyBag {
    match tags {
        Some(t) => PropertyBag::builder()
            .tags(t)
            .additional_properties(props)
            .build(),
        None => PropertyBag::builder().additional_properties(props).build(),
    }
}

fn rule_descriptor(rule: &Rule) -> ReportingDescriptor {
    let numbered: Vec<String> = Checklist::for_rule(rule)
        .steps()
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {s}", i + 1))
        .collect();
    let text = format!(
        "{}\n\nRotation checklist:\n{}\n\n{}",
        rule.spec.description,
        numbered.join("\n"),
        crate::checklist::PLACES_TEXT
    );
    let mut markdown = format!(
        "**{}**\n\n{}\n\n### Rotation checklist\n\n",
        rule.spec.name, rule.spec.description
    );
    for s in &numbered {
        markdown.push_str(s);
        markdown.push('\n');
    }
    markdown.push_str("\n### Where it was found\n\n");
    markdown.push_str(crate::checklist::PLACES_MARKDOWN);
    if !rule.spec.references.is_empty() {
        markdown.push_str("\n### References\n\n");
        for r in &rule.spec.references {
            markdown.push_str(&format!("- {r}\n"));
        }
    }
    // Code scanning shows CWE tags as such and filters on tags, which must not hold spaces.
    let mut tags = vec![
        "security".to_string(),
        "secret".to_string(),
        "external/cwe/cwe-798".to_string(),
    ];
    let provider = tag_of(if rule.spec.provider.is_empty() {
        &rule.pack
    } else {
        &rule.spec.provider
    });
    if !tags.contains(&provider) {
        tags.push(provider);
    }
    tags.truncate(10);
    let help_uri = rule
        .spec
        .references
        .iter()
        .find(|r| r.starts_with("https://"))
        .cloned()
        .unwrap_or_else(|| format!("{}#rules", env!("CARGO_PKG_REPOSITORY")));
    let name: String = rule
        .spec
        .name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(capitalize)
        .collect();
    let full = if rule.spec.description.is_empty() {
        rule.spec.name.clone()
    } else {
        rule.spec.description.clone()
    };
    let props = BTreeMap::from([
        ("precision".to_string(), json!(precision(rule))),
        (
            "security-severity".to_string(),
            json!(security_severity(rule.spec.severity)),
        ),
    ]);
    ReportingDescriptor::builder()
        .id(rule.id())
        .name(name)
        .short_description(message(rule.spec.name.clone(), None))
        .full_description(message(full, None))
        .help(message(text, Some(markdown)))
        .help_uri(help_uri)
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level(rule.spec.severity)))
                .build(),
        )
        .properties(bag(Some(tags), props))
        .build()
}

/// A tag without spaces: `New Relic` → `new-relic`.
fn tag_of(name: &str) -> String {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
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

/// A location's path relative to the repository root, with `/` separators.
fn relative_to_root(l: &Location, root: &Path) -> String {
    if l.provenance.place() != Place::Worktree {
        return l.path.clone();
    }
    let p = Path::new(&l.path);
    let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    abs.strip_prefix(root)
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| l.path.clone())
}

/// `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/commit/SHA` when running in GitHub Actions.
fn commit_url(sha: &str) -> Option<String> {
    let server = std::env::var("GITHUB_SERVER_URL")
        .ok()
        .filter(|s| !s.is_empty())?;
    let repo = std::env::var("GITHUB_REPOSITORY")
        .ok()
        .filter(|s| !s.is_empty())?;
    Some(format!(
        "{}/{repo}/commit/{sha}",
        server.trim_end_matches('/')
    ))
}

/// One result per location: code scanning shows a result at one place.
fn result(f: &Finding, l: &Location, report: &Report, rule_index: usize) -> SarifResult {
    let uri = relative_to_root(l, &report.root);
    let mut fingerprints = BTreeMap::new();
    if let Some(h) = &l.line_hash {
        fingerprints.insert("primaryLocationLineHash".to_string(), h.clone());
    }
    fingerprints.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    let mut props = BTreeMap::new();
    props.insert("source".to_string(), json!(l.provenance.place().as_str()));
    props.insert("confidence".to_string(), json!(f.confidence.as_str()));
    props.insert("confidenceReason".to_string(), json!(f.confidence_why));
    let codecs = l.provenance.codecs();
    if !codecs.is_empty() {
        props.insert("decoded".to_string(), json!(codecs));
    }
    if let Some(h) = &f.history {
        props.insert("commit".to_string(), json!(h.commit));
        props.insert("author".to_string(), json!(h.author));
        props.insert("date".to_string(), json!(h.date));
        props.insert("inHead".to_string(), json!(h.in_head));
        props.insert("refs".to_string(), json!(h.refs));
        if !h.introduced_in.is_empty() {
            props.insert("introducedIn".to_string(), json!(h.introduced_in));
        }
    }
    for (k, v) in &f.details {
        props.insert(k.clone(), json!(v));
    }
    if let Some(reason) = &f.verification {
        props.insert("verified".to_string(), json!(f.verified));
        props.insert("verification".to_string(), json!(reason));
    }
    let mut text = match &f.secret {
        None => format!("{}: {}. The rule help lists what to do.", f.rule_name, uri),
        Some(s) => format!(
            "{} in {}. The secret ({}) must be rotated; the rule help lists the steps.",
            f.rule_name,
            uri,
            s.shown(report.show_secrets)
        ),
    };
    if let Some(h) = &f.history {
        text.push_str(&format!(" First committed in {}", h.commit));
        // Code scanning links a result to the file at the analysed commit; a file that is gone
        // there needs the commit that has it.
        match commit_url(&h.commit) {
            Some(url) if !h.in_head => {
                text.push_str(&format!(" ({url}); the file is not in HEAD."))
            }
            _ if !h.in_head => text.push_str("; the file is not in HEAD."),
            _ => text.push('.'),
        }
    }
    let region = Region::builder()
        .start_line(l.line as i64)
        .start_column(l.column as i64)
        .end_line(l.end_line as i64)
        .end_column(l.end_column as i64)
        .build();
    let physical = PhysicalLocation::builder()
        .artifact_location(
            ArtifactLocation::builder()
                .uri(uri_of(&uri))
                .uri_base_id("%SRCROOT%")
                .build(),
        )
        .region(region)
        .build();
    SarifResult::builder()
        .rule_id(f.rule_id.clone())
        .rule_index(rule_index as i64)
        // A low-confidence finding (shown only with --min-confidence low) is a note.
        .level(if f.confidence == Confidence::Low {
            ResultLevel::Note
        } else {
            level(f.severity)
        })
        // SARIF's rank: 0 to 100, how likely the result is real.
        .rank(match f.confidence {
            Confidence::High => 90.0,
            Confidence::Medium => 60.0,
            Confidence::Low => 30.0,
        })
        .message(Message::builder().text(text).build())
        .locations(vec![
            SarifLocation::builder().physical_location(physical).build(),
        ])
        .partial_fingerprints(fingerprints)
        .properties(bag(None, props))
        .build()
}

impl Reporter for Sarif {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let rules: Vec<ReportingDescriptor> =
            report.rules.rules.iter().map(rule_descriptor).collect();
        let index: HashMap<&str, usize> = report
            .rules
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id(), i))
            .collect();
        let mut places: Vec<(&Finding, &Location)> = report
            .findings
            .iter()
            .flat_map(|f| f.locations.iter().map(move |l| (f, l)))
            .collect();
        if places.len() > MAX_RESULTS {
            let total = places.len();
            places.sort_by_key(|(f, _)| std::cmp::Reverse(f.severity));
            places.truncate(MAX_RESULTS);
            crate::messages::warn(format!(
                "{total} findings exceed GitHub's {MAX_RESULTS} results per run; the SARIF keeps the {MAX_RESULTS} most severe"
            ));
        }
        let results: Vec<SarifResult> = places
            .iter()
            .map(|(f, l)| {
                let i = index.get(f.rule_id.as_str()).copied().unwrap_or(0);
                result(f, l, report, i)
            })
            .collect();
        let root_uri = format!(
            "file://{}/",
            uri_of(report.root.to_string_lossy().trim_end_matches('/'))
        );
        let category = match &report.category {
            Some(c) => format!("{}/", c.trim_end_matches('/')),
            None if report.mode == super::Covered::History => "keywarden-history/".to_string(),
            None => "keywarden/".to_string(),
        };
        let driver = ToolComponent::builder()
            .name("keywarden")
            .semantic_version(env!("CARGO_PKG_VERSION"))
            .information_uri(env!("CARGO_PKG_REPOSITORY"))
            .rules(rules)
            .build();
        let run = Run::builder()
            .tool(Tool::builder().driver(driver).build())
            .automation_details(RunAutomationDetails::builder().id(category).build())
            .original_uri_base_ids(BTreeMap::from([(
                "%SRCROOT%".to_string(),
                ArtifactLocation::builder().uri(root_uri).build(),
            )]))
            .column_kind(json!("unicodeCodePoints"))
            .results(results)
            .build();
        let doc = SarifLog::builder()
            .schema("https://json.schemastore.org/sarif-2.1.0.json")
            .version(json!("2.1.0"))
            .runs(vec![run])
            .build();
        serde_json::to_writer(&mut *out, &doc)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_relative_paths() {
        assert_eq!(uri_of("src/a b/ü.py"), "src/a%20b/%C3%BC.py");
    }

    #[test]
    fn tags_hold_no_spaces() {
        assert_eq!(tag_of("New Relic"), "new-relic");
        assert_eq!(tag_of("Fly.io"), "fly.io");
        assert_eq!(tag_of("HTTP basic auth"), "http-basic-auth");
    }
}
