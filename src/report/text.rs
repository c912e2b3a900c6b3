//! Text for people: each secret once, with every place it was found, its redacted value and
//! context, decoded facts and one rotation checklist; then a summary line and how to proceed.

use std::io::{self, Write};

use owo_colors::OwoColorize;

use super::{Report, Reporter};
use crate::checklist::summarize_refs;
use crate::severity::Severity;

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
        let report = &report.for_people();
        for f in &report.findings {
            writeln!(
                out,
                "{} {} {}",
                self.severity(f.severity),
                self.paint(&f.rule_id, |s| s.bold().to_string()),
                f.rule_name
            )?;
            for (i, l) in f.locations.iter().enumerate() {
                let place = format!("{}:{}:{}", l.path, l.line, l.column);
                let codecs = l.provenance.codecs();
                let via = if codecs.is_empty() {
                    String::new()
                } else {
                    format!(" (decoded: {})", codecs.join(" → "))
                };
                writeln!(
                    out,
                    "  {:<7} {}{via}",
                    if i == 0 { "at" } else { "also at" },
                    self.paint(&place, |s| s.green().to_string())
                )?;
            }
            if let Some(secret) = &f.secret {
                writeln!(out, "  secret  {}", secret.shown(report.show_secrets))?;
            }
            writeln!(
                out,
                "  sure    {} confidence: {}",
                f.confidence, f.confidence_why
            )?;
            let context = f.primary().context.trim();
            if !context.is_empty() {
                writeln!(out, "  line    {context}")?;
            }
            for (k, v) in &f.details {
                writeln!(out, "  {k:<7} {v}")?;
            }
            if let Some(reason) = &f.verification {
                let verdict = match f.verified {
                    Some(true) => self.paint("LIVE", |s| s.red().bold().to_string()),
                    Some(false) => "dead".to_string(),
                    None => "unknown".to_string(),
                };
                writeln!(out, "  verify  {verdict} ({reason})")?;
            }
            if let Some(h) = &f.history {
                writeln!(out, "  commit  {} by {} on {}", h.commit, h.author, h.date)?;
                if !h.introduced_in.is_empty() {
                    writeln!(
                        out,
                        "  also introduced independently in {}",
                        h.introduced_in.join(", ")
                    )?;
                }
                let refs = if h.refs.is_empty() {
                    "none (unreachable object)".to_string()
                } else {
                    summarize_refs(&h.refs)
                };
                let in_head = match (&h.removed_in, h.in_head) {
                    (_, true) => "yes".to_string(),
                    (Some(r), false) => format!(
                        "no (removed in {} on {})",
                        crate::finding::short_id(&r.commit),
                        crate::finding::day_of(&r.date)
                    ),
                    (None, false) => "no".to_string(),
                };
                writeln!(
                    out,
                    "  seen in {} commit(s); in HEAD: {in_head}; refs: {refs}",
                    h.commits,
                )?;
                if let Some(e) = &h.exposed_for {
                    let until = if e.until.is_some() {
                        ""
                    } else {
                        " and counting"
                    };
                    writeln!(out, "  exposed for {} day(s){until}", e.days)?;
                }
            }
            writeln!(out, "  {}", self.paint("rotate:", |s| s.bold().to_string()))?;
            for (label, step) in report.checklist(f).numbered() {
                writeln!(out, "    {label} {step}")?;
            }
            writeln!(out)?;
        }
        let s = &report.stats;
        let mut parts = vec![format!("{} finding(s)", report.findings.len())];
        parts.extend(s.counts.worded(human_bytes));
        parts.push(format!("{} ms", s.elapsed.as_millis()));
        writeln!(out, "keywarden: {}", parts.join(", "))?;
        let plan = report.purge_plan();
        if !plan.is_empty() {
            writeln!(
                out,
                "\n{}",
                self.paint("Purge plan for this history:", |s| s.bold().to_string())
            )?;
            for (i, step) in plan.iter().enumerate() {
                writeln!(out, "  {}. {step}", i + 1)?;
            }
            writeln!(out)?;
        }
        if report.mode == super::Covered::History
            && let Some(what) = report.suppression_summary()
        {
            writeln!(
                out,
                "keywarden: not reported: {what}. Audit with `--no-config --no-inline-allow` to see everything."
            )?;
        }
        let markers = report.marker_places();
        if !markers.is_empty() {
            writeln!(
                out,
                "keywarden: {} inline allow marker(s) added in this range (reported for review, not failing):",
                markers.len()
            )?;
            for (rule, l) in markers {
                writeln!(out, "  {rule} at {}:{}", l.path, l.line)?;
            }
        }
        if !report.findings.is_empty() {
            let how = match report.mode {
                super::Covered::Staged => {
                    let mut paths: Vec<String> = report
                        .findings
                        .iter()
                        .flat_map(|f| f.locations.iter().map(|l| crate::escape::shell_word(&l.path).into_owned()))
                        .collect();
                    paths.sort();
                    paths.dedup();
                    format!(
                        "To proceed: unstage the file (`{}`), move the value to an environment variable referenced by name, and commit again. If it is a fake, add `keywarden:allow` in a comment on that line.",
                        crate::checklist::unstage_command(
                            &paths.join(" "),
                            report.stats.no_commit_yet
                        )
                    )
                }
                _ if report.unpushed => "The push was blocked, so these secrets are only in local commits: rewrite those commits without them (amend or rebase, as each checklist says), then push again. Nothing was shared, so no history needs cleaning.".to_string(),
                m if m.is_committed() => "These secrets are in committed history: rotate them first, then purge history as the purge plan says.".to_string(),
                _ => "Move each value to an environment variable referenced by name or a secret manager, and rotate any key that was ever committed or shared. If one is a fake, add `keywarden:allow` in a comment on that line.".to_string(),
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
