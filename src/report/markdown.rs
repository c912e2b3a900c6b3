//! A markdown job summary (a CI job's summary page, a pull request comment): a table of the
//! findings and their checklists; redacted secrets only, paths in code spans that cannot be
//! broken out of.

use std::io::{self, Write};

use super::{Report, Reporter};
use crate::escape::{md_code, md_inline, md_text};

pub struct Summary;

impl Reporter for Summary {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let report = &report.for_people();
        writeln!(out, "## keywarden: {} finding(s)\n", report.findings.len())?;
        let markers = report.marker_places();
        if !markers.is_empty() {
            writeln!(
                out,
                "### Inline allow markers added in this range\n\nReported for review; they do not fail the check.\n"
            )?;
            writeln!(out, "| rule | file:line |")?;
            writeln!(out, "|---|---|")?;
            for (rule, l) in &markers {
                writeln!(
                    out,
                    "| {} | {} |",
                    md_code(rule),
                    md_code(&format!("{}:{}", l.path, l.line))
                )?;
            }
            writeln!(out)?;
        }
        if report.findings.is_empty() {
            writeln!(
                out,
                "No secrets found ({} file(s) scanned).",
                report.stats.counts.files
            )?;
            return Ok(());
        }
        let verified = report.findings.iter().any(|f| f.verification.is_some());
        if verified {
            writeln!(
                out,
                "| rule | severity | confidence | file:line | secret | live? | first step |"
            )?;
            writeln!(out, "|---|---|---|---|---|---|---|")?;
        } else {
            writeln!(
                out,
                "| rule | severity | confidence | file:line | secret | first step |"
            )?;
            writeln!(out, "|---|---|---|---|---|---|")?;
        }
        for f in &report.findings {
            let steps = report.checklist(f).steps();
            let first = steps.first().map(String::as_str).unwrap_or_default();
            let places: Vec<String> = f
                .locations
                .iter()
                .map(|l| md_code(&format!("{}:{}", l.path, l.line)))
                .collect();
            let live = match (&f.verification, f.verified) {
                (Some(r), Some(true)) => format!("**live** ({}) | ", md_text(r)),
                (Some(r), Some(false)) => format!("dead ({}) | ", md_text(r)),
                (Some(r), None) => format!("unknown ({}) | ", md_text(r)),
                (None, _) if verified => "not checked | ".to_string(),
                (None, _) => String::new(),
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {live}{} |",
                md_code(&f.rule_id),
                f.severity,
                f.confidence,
                places.join("<br>"),
                md_code(f.shown_secret(report.show_secrets)),
                md_inline(first)
            )?;
        }
        writeln!(
            out,
            "\nEach secret must be rotated: run `keywarden explain RULE_ID` for the full checklist."
        )?;
        let plan = report.purge_plan();
        if !plan.is_empty() {
            writeln!(out, "\n### Purge plan\n")?;
            for (i, step) in plan.iter().enumerate() {
                writeln!(out, "{}. {}", i + 1, md_inline(step))?;
            }
        }
        Ok(())
    }
}
