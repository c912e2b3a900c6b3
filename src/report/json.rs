//! JSON for tools, version 1 (stable; fields are only ever added). The document's types below
//! derive both `Serialize` and `JsonSchema`; `schemas/keywarden-report.schema.json` is generated
//! from them and a test fails when the committed file differs. Each finding's top-level
//! `path`/`line`/… are its first location; `locations` lists every place the secret was found.
//! `secret` and `context` are redacted unless `--show-secrets`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use schemars::JsonSchema;
use serde::Serialize;

use super::{Report, Reporter};
use crate::finding::{Finding, HistoryInfo, Location};
use crate::pipeline::Counts;
use crate::severity::{Confidence, Severity};

/// The whole report: the reporter serialises exactly this type, and the committed schema is
/// derived from it. Findings are built one at a time while they are written (`Findings`), so
/// 100,000 findings never become one document in memory.
#[derive(Serialize, JsonSchema)]
pub struct JsonReport<'a> {
    /// Always 1.
    pub version: u32,
    /// `worktree`, `staged`, `range` or `history`.
    pub mode: &'static str,
    #[schemars(with = "Vec<JsonFinding>")]
    pub findings: Findings<'a>,
    /// Range scans: places an inline marker added in the range allowed (not findings).
    pub inline_allowed: Vec<JsonAllowed>,
    /// History scans: one plan to purge every finding from history (empty otherwise).
    pub purge_plan: Vec<String>,
    pub summary: JsonSummary,
}

/// A place an inline `keywarden:allow` marker allowed.
#[derive(Serialize, JsonSchema)]
pub struct JsonAllowed {
    pub rule_id: String,
    pub path: String,
    pub line: usize,
}

/// One secret (or one file a file rule judged).
#[derive(Serialize, JsonSchema)]
pub struct JsonFinding {
    pub rule_id: String,
    pub rule_name: String,
    pub provider: String,
    pub severity: Severity,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Redacted unless `--show-secrets`; empty for a file finding.
    pub secret: String,
    /// `hex(SHA-256("keywarden/v1" NUL rule-id NUL secret))`; baselines store it.
    pub fingerprint: String,
    /// The line holding the secret, every secret on it redacted.
    pub context: String,
    /// Facts decoded offline (tenant, scopes, expiry).
    pub details: BTreeMap<String, String>,
    /// How sure keywarden is that it is a live credential: `high`, `medium` or `low`.
    pub confidence: Confidence,
    /// Why that level (`a GitHub key whose offline check holds`).
    pub confidence_reason: String,
    /// `true` when checked live or by signature, `false` when checked dead, `null` unchecked.
    pub verified: Option<bool>,
    /// Why `verified` is what it is, when `--verify` asked the provider (`401 from the
    /// provider`, `timeout`, `needs the paired access key id …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<String>,
    /// `worktree`, `staged` or `history`.
    pub source: String,
    /// History, range and pre-push scans: where the secret entered history.
    #[serde(flatten)]
    pub history: Option<HistoryInfo>,
    /// Every place the secret was found, the first being the top-level one.
    pub locations: Vec<JsonLocation>,
    /// The rotation checklist, in order.
    pub rotate: Vec<String>,
}

/// One place.
#[derive(Serialize, JsonSchema)]
pub struct JsonLocation {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub context: String,
    /// Codecs the secret was decoded through (`utf-16`), outermost first; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decoded: Vec<String>,
}

/// Counters: findings, then `pipeline::Counts`, then the time taken.
#[derive(Serialize, JsonSchema)]
pub struct JsonSummary {
    pub findings: usize,
    #[serde(flatten)]
    pub counts: Counts,
    pub elapsed_ms: u64,
}

fn location(l: &Location) -> JsonLocation {
    JsonLocation {
        path: l.path.clone(),
        line: l.line,
        column: l.column,
        end_line: l.end_line,
        end_column: l.end_column,
        context: l.context.clone(),
        decoded: l
            .provenance
            .codecs()
            .into_iter()
            .map(String::from)
            .collect(),
    }
}

impl JsonFinding {
    pub fn new(f: &Finding, report: &Report) -> JsonFinding {
        let p = f.primary();
        JsonFinding {
            rule_id: f.rule_id.clone(),
            rule_name: f.rule_name.clone(),
            provider: f.provider.clone(),
            severity: f.severity,
            path: p.path.clone(),
            line: p.line,
            column: p.column,
            end_line: p.end_line,
            end_column: p.end_column,
            secret: f.shown_secret(report.show_secrets).to_string(),
            fingerprint: f.fingerprint.clone(),
            context: p.context.clone(),
            details: f.details.iter().cloned().collect(),
            confidence: f.confidence,
            confidence_reason: f.confidence_why.clone(),
            verified: f.verified,
            verification: f.verification.clone(),
            source: f.place().as_str().to_string(),
            history: f.history.as_deref().cloned(),
            locations: f.locations.iter().map(location).collect(),
            rotate: report.checklist(f).steps(),
        }
    }
}

pub fn summary(report: &Report) -> JsonSummary {
    JsonSummary {
        findings: report.findings.len(),
        counts: report.stats.counts.clone(),
        elapsed_ms: report.stats.elapsed.as_millis() as u64,
    }
}

/// The JSON Schema of the report, as committed under `schemas/`.
pub fn schema() -> String {
    let mut s = serde_json::to_string_pretty(&schemars::schema_for!(JsonReport))
        .expect("a schema serializes");
    s.push('\n');
    s
}

/// A report's findings as a JSON array, each turned into a `JsonFinding` as it is written.
pub struct Findings<'a>(&'a Report<'a>);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = ser.serialize_seq(Some(self.0.findings.len()))?;
        for f in &self.0.findings {
            seq.serialize_element(&JsonFinding::new(f, self.0))?;
        }
        seq.end()
    }
}

impl<'a> JsonReport<'a> {
    pub fn new(report: &'a Report<'a>) -> JsonReport<'a> {
        JsonReport {
            version: 1,
            mode: report.mode.name(),
            findings: Findings(report),
            inline_allowed: report
                .marker_places()
                .into_iter()
                .map(|(rule_id, l)| JsonAllowed {
                    rule_id,
                    path: l.path.clone(),
                    line: l.line,
                })
                .collect(),
            purge_plan: report.purge_plan(),
            summary: summary(report),
        }
    }
}

pub struct Json;

impl Reporter for Json {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &JsonReport::new(report))?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    /// `schemas/keywarden-report.schema.json` is what the types above generate. Regenerate with
    /// `KEYWARDEN_UPDATE_SCHEMAS=1 cargo test`.
    #[test]
    fn committed_report_schema_is_generated() {
        crate::schema_check::check("schemas/keywarden-report.schema.json", &super::schema());
    }
}
