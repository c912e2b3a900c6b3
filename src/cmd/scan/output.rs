//! The last stages: the purge file (`--purge-file`), the verdict (exit code) and the reports,
//! every extra `--report` and the main one, written from one `Report`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::finding::Finding;
use crate::messages;
use crate::pipeline::Stats;
use crate::report::{Covered, Format, Report};
use crate::settings::Settings;
use crate::severity::{Confidence, Severity};
use crate::source::ScanMode;

/// `--purge-file FILE`: every secret once, as `git filter-repo --replace-text` reads it (0600).
pub struct PurgeFile<'a>(&'a Path);

impl<'a> PurgeFile<'a> {
    pub fn new(s: &'a Settings) -> Option<PurgeFile<'a>> {
        s.purge_file.as_deref().map(PurgeFile)
    }

    pub fn write(&self, findings: &[Finding]) -> Result<()> {
        let mut secrets: Vec<&str> = findings
            .iter()
            .filter_map(|f| f.secret.as_ref().map(|s| s.expose()))
            .collect();
        secrets.sort();
        secrets.dedup();
        let body: String = secrets
            .iter()
            .map(|s| format!("{s}==>REMOVED-BY-KEYWARDEN\n"))
            .collect();
        crate::fsutil::atomic_write(self.0, body.as_bytes(), Some(0o600))?;
        messages::info(format!(
            "wrote {} secret(s) to {} (mode 0600) for git filter-repo --replace-text",
            secrets.len(),
            self.0.display()
        ));
        Ok(())
    }
}

/// `--min-confidence`: findings below it are not reported, and counted.
pub fn confidence_filter(findings: &mut Vec<Finding>, min: Confidence, stats: &mut Stats) {
    let before = findings.len();
    findings.retain(|f| f.confidence >= min);
    stats.counts.below_confidence = before - findings.len();
}

/// What the scan's result means for the exit code: 1 for findings at or above `--fail-on`,
/// else 2 when git objects could not be read, else 0.
pub struct Verdict {
    pub failing: usize,
    pub git_errors: usize,
}

impl Verdict {
    /// Count the findings at or above `fail_on` (the rest are `below_threshold` in `stats`).
    pub fn new(findings: &[Finding], fail_on: Severity, stats: &mut Stats) -> Verdict {
        let failing = findings.iter().filter(|f| f.severity >= fail_on).count();
        stats.counts.below_threshold = findings.len() - failing;
        Verdict {
            failing,
            git_errors: stats.git_errors,
        }
    }

    pub fn exit_code(&self) -> i32 {
        if self.failing > 0 {
            return 1;
        }
        if self.git_errors > 0 {
            eprintln!(
                "keywarden: error: {} git object(s) could not be read; the scan is incomplete",
                self.git_errors
            );
            return 2;
        }
        0
    }
}

/// Where reports go: each `--report FORMAT=PATH` and the main `--format` (to `--output` or
/// stdout).
pub struct Output<'a> {
    format: Format,
    color: bool,
    output: Option<&'a Path>,
    reports: &'a [(Format, PathBuf)],
}

impl<'a> Output<'a> {
    pub fn new(s: &'a Settings) -> Output<'a> {
        Output {
            format: s.format,
            color: s.color,
            output: s.output.as_deref(),
            reports: &s.reports,
        }
    }

    /// Write every report of `report`.
    pub fn write(&self, report: &Report) -> Result<()> {
        // Every extra report from the same findings: one scan writes SARIF, annotations, the
        // job summary and the text a person reads.
        for (format, path) in self.reports {
            let mut buf = Vec::new();
            format.reporter(false).write(report, &mut buf)?;
            if path.as_os_str() == "-" {
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                out.write_all(&buf)?;
                out.flush()?;
            } else {
                crate::fsutil::atomic_write(path, &buf, None).with_context(|| {
                    format!("writing the {format:?} report to {}", path.display())
                })?;
            }
        }
        let reporter = self.format.reporter(self.color);
        match self.output {
            Some(path) => {
                let mut buf = Vec::new();
                reporter.write(report, &mut buf)?;
                crate::fsutil::atomic_write(path, &buf, None)?;
            }
            None => {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                reporter.write(report, &mut out)?;
                out.flush()?;
            }
        }
        Ok(())
    }
}

/// The report-level description of what a mode covers.
pub fn covered(mode: &ScanMode) -> crate::report::Covered {
    match mode {
        ScanMode::Tree => Covered::Worktree,
        ScanMode::Staged => Covered::Staged,
        ScanMode::Range { .. } | ScanMode::PrePush(_) => Covered::Range,
        ScanMode::History { .. } => Covered::History,
    }
}
