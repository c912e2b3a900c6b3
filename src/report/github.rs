//! GitHub Actions annotations (`::error file=…::…`), one per finding location; redacted
//! secrets only. The markdown job summary is `markdown.rs`.

use std::io::{self, Write};

use super::{Report, Reporter};
use crate::escape::workflow as escape;
use crate::severity::Severity;

pub struct Annotations;

impl Reporter for Annotations {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // Paths stay exact (`file=` must name the file); `escape` encodes their line breaks.
        for f in &report.findings {
            let level = if f.severity >= Severity::High {
                "error"
            } else {
                "warning"
            };
            let steps = report.checklist(f).steps();
            let first = steps.first().map(String::as_str).unwrap_or_default();
            let msg = format!(
                "{} ({}) — {}, {} confidence. First step: {first}",
                f.rule_name,
                f.shown_secret(report.show_secrets),
                f.severity,
                f.confidence
            );
            for l in &f.locations {
                writeln!(
                    out,
                    "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                    escape(&l.path, true),
                    l.line,
                    l.column,
                    l.end_line,
                    l.end_column,
                    escape(&format!("keywarden: {}", f.rule_id), true),
                    escape(&msg, false)
                )?;
            }
        }
        for (rule, l) in report.marker_places() {
            writeln!(
                out,
                "::notice file={},line={},title={}::{}",
                escape(&l.path, true),
                l.line,
                escape("keywarden: inline allow marker added", true),
                escape(
                    &format!(
                        "A keywarden:allow marker added in this range suppresses {rule} here; review it."
                    ),
                    false
                )
            )?;
        }
        Ok(())
    }
}
