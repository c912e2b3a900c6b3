//! Text for people: each finding with its place, redacted secret and context, decoded facts,
//! and its rotation checklist; then a summary line and how to proceed.

use std::io::{self, Write};

use owo_colors::OwoColorize;

use super::{Report, Reporter};
use crate::rules::Severity;

pub struct Text {
    pub color: bool,
}

impl Text {
    fn paint(&self, s: &str, f: impl Fn(&str) -> String) -> String {
        if self.color { f(s) } else { s.to_string() }
    }

    fn severity(&self, sev: Severity) -> String {
        let label = sev.as_str().to_ascii_uppercase();
        self.paint(&label, |s| match sev {
            Severity::Critical => s.bright_red().bold().to_string(),
            Severity::High => s.red().bold().to_string(),
            Severity::Medium => s.yellow().bold().to_string(),
            Severity::Low => s.cyan().to_string(),
        })
    }
}

impl Reporter for Text {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for f in &report.findings {
            let place = format!("{}:{}:{}", f.path, f.line, f.column);
            writeln!(
                out,
                "{} {} {}",
                self.severity(f.severity),
                self.paint(&f.rule_id, |s| s.bold().to_string()),
                f.rule_name
            )?;
            writeln!(
                out,
                "  at      {}",
                self.paint(&place, |s| s.green().to_string())
            )?;
            if !f.secret.is_empty() {
                writeln!(out, "  secret  {}", f.shown_secret(report.show_secrets))?;
            }
            if !f.line_text.trim().is_empty() {
                writeln!(out, "  line    {}", f.line_text.trim())?;
            }
            for (k, v) in &f.details {
                writeln!(out, "  {k:<7} {v}")?;
            }
            if let Some(h) = f.origin.history() {
                writeln!(out, "  commit  {} by {} on {}", h.commit, h.author, h.date)?;
                let refs = if h.refs.is_empty() {
                    "none (unreachable object)".to_string()
                } else {
                    h.refs.join(", ")
                };
                writeln!(
                    out,
                    "  seen in {} commit(s); in HEAD: {}; refs: {refs}",
                    h.commits,
                    if h.in_head { "yes" } else { "no" }
                )?;
            }
            writeln!(out, "  {}", self.paint("rotate:", |s| s.bold().to_string()))?;
            for (i, step) in report.rotate(f).iter().enumerate() {
                writeln!(out, "    {}. {step}", i + 1)?;
            }
            writeln!(out)?;
        }
        let s = &report.stats;
        let mut parts = vec![
            format!("{} finding(s)", report.findings.len()),
            format!("{} file(s)", s.files),
            human_bytes(s.bytes),
        ];
        if s.commits > 0 {
            parts.push(format!("{} commit(s)", s.commits));
        }
        let skipped = s.skipped_binary + s.skipped_large;
        if skipped > 0 {
            parts.push(format!(
                "{skipped} skipped ({} binary, {} too large)",
                s.skipped_binary, s.skipped_large
            ));
        }
        if s.unreadable > 0 {
            parts.push(format!("{} unreadable", s.unreadable));
        }
        if s.suppressed > 0 {
            parts.push(format!("{} suppressed inline or by config", s.suppressed));
        }
        if s.baselined > 0 {
            parts.push(format!("{} in baseline", s.baselined));
        }
        if s.below_threshold > 0 {
            parts.push(format!("{} below --fail-on", s.below_threshold));
        }
        parts.push(format!("{} ms", s.elapsed.as_millis()));
        writeln!(out, "keywarden: {}", parts.join(", "))?;
        if !report.findings.is_empty() {
            let how = match report.mode {
                "staged" => {
                    "To proceed: unstage the file (`git restore --staged PATH`), move the value to an environment variable referenced by name, and commit again. If it is a fake, add `keywarden:allow` in a comment on that line."
                }
                "history" | "range" => {
                    "These secrets are in committed history: rotate them first, then purge history as the checklist says."
                }
                _ => {
                    "Move each value to an environment variable referenced by name or a secret manager, and rotate any key that was ever committed or shared. If one is a fake, add `keywarden:allow` in a comment on that line."
                }
            };
            writeln!(out, "{how}")?;
        }
        Ok(())
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
