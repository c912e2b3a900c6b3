//! `keywarden scan` and `keywarden baseline`: resolve settings, pick the source for the mode,
//! run the pipeline, then filter (baseline), verify, report, and turn the result into an exit
//! code: 0 clean, 1 findings at or above `--fail-on`, 2 an incomplete scan.

use std::io::Write;

use anyhow::Result;

use crate::baseline::Baseline;
use crate::cli::ScanArgs;
use crate::decode::Limits;
use crate::matcher::Matcher;
use crate::messages;
use crate::pipeline::{self, Outcome};
use crate::report::{Format, Report};
use crate::settings::Settings;
use crate::source::worktree::Worktree;
use crate::source::{ScanMode, git};

/// Scan as the settings say: grouped findings before baseline and threshold filtering.
pub fn collect(s: &Settings) -> Result<Outcome> {
    let rules = &s.rules.rules;
    let matcher = Matcher::new(rules, &s.match_opts)?;
    let opts = pipeline::Options {
        line_hashes: s.format == Format::Sarif,
        progress: s.progress,
        decode: Limits::default(),
    };
    let admit = |p: &str| s.path_filter.admits(p);
    let repo = &s.paths[0];
    let max = s.walk.max_file_size;
    match &s.mode {
        ScanMode::Tree => {
            // The config is settings, not content: its custom-rule examples are fakes by
            // definition.
            let config_path = s
                .rules
                .config_file
                .as_ref()
                .and_then(|p| std::fs::canonicalize(p).ok());
            let is_config = |p: &std::path::Path| {
                config_path.as_ref().is_some_and(|c| {
                    p.file_name() == c.file_name()
                        && std::fs::canonicalize(p).ok().as_ref() == Some(c)
                })
            };
            let (source, warnings) = Worktree::new(&s.paths, &s.walk, rules, &s.root, |t| {
                admit(&t.display) && !is_config(&t.path)
            });
            for w in warnings {
                messages::warn(w);
            }
            pipeline::run(&source, &matcher, &opts)
        }
        ScanMode::Staged => pipeline::run(&git::Staged::open(repo, max, admit)?, &matcher, &opts),
        ScanMode::History { all_objects } => pipeline::run(
            &git::history(repo, *all_objects, max, admit)?,
            &matcher,
            &opts,
        ),
        ScanMode::Range(spec) => {
            pipeline::run(&git::range(repo, spec, max, admit)?, &matcher, &opts)
        }
        ScanMode::PrePush => {
            let mut total = Outcome::default();
            for source in git::pre_push(repo, max, admit)? {
                let o = pipeline::run(&source, &matcher, &opts)?;
                total.stats.add(&o.stats);
                total.stats.elapsed += o.stats.elapsed;
                total.findings.extend(o.findings);
            }
            total.findings = pipeline::group(total.findings);
            Ok(total)
        }
    }
}

/// `scan` (and `baseline` when `write_baseline`).
pub fn run(args: &ScanArgs, write_baseline: bool) -> Result<i32> {
    let s = Settings::resolve(args)?;
    let Outcome {
        mut findings,
        mut stats,
    } = collect(&s)?;

    if write_baseline {
        let previous = match &s.output {
            Some(p) if p.exists() => Baseline::load(p).ok(),
            _ => None,
        };
        let b = Baseline::from_findings(&findings, previous.as_ref());
        match &s.output {
            Some(p) => {
                crate::fsutil::atomic_write(p, b.to_json().as_bytes(), None)?;
                messages::info(format!(
                    "wrote {} baseline entries to {}",
                    b.entries.len(),
                    p.display()
                ));
            }
            None => std::io::stdout().lock().write_all(b.to_json().as_bytes())?,
        }
        return Ok(0);
    }

    if let Some(path) = &s.baseline {
        let mut base = Baseline::load(path)?;
        if s.update_baseline {
            let updated = Baseline::from_findings(&findings, Some(&base));
            let kept: std::collections::HashSet<_> = updated
                .entries
                .iter()
                .map(|e| (&e.fingerprint, &e.path))
                .collect();
            let dropped = base
                .entries
                .iter()
                .filter(|e| !kept.contains(&(&e.fingerprint, &e.path)))
                .count();
            crate::fsutil::atomic_write(path, updated.to_json().as_bytes(), None)?;
            messages::info(format!(
                "baseline {} updated: {} entries, {dropped} dropped that no longer match",
                path.display(),
                updated.entries.len()
            ));
            base = updated;
        }
        let (kept, n) = base.filter(findings);
        findings = kept;
        stats.baselined = n;
    }

    crate::verify::run(&mut findings);

    if let Some(purge) = &s.purge_file {
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
        crate::fsutil::atomic_write(purge, body.as_bytes(), Some(0o600))?;
        messages::info(format!(
            "wrote {} secret(s) to {} (mode 0600) for git filter-repo --replace-text",
            secrets.len(),
            purge.display()
        ));
    }

    let failing = findings.iter().filter(|f| f.severity >= s.fail_on).count();
    stats.below_threshold = findings.len() - failing;
    let git_errors = stats.git_errors;
    let report = Report {
        findings,
        stats,
        rules: &s.rules.rules,
        show_secrets: s.show_secrets,
        mode: &s.mode,
        root: s.root.clone(),
    };
    let reporter = s.format.reporter(s.color);
    match &s.output {
        Some(path) => {
            let mut buf = Vec::new();
            reporter.write(&report, &mut buf)?;
            crate::fsutil::atomic_write(path, &buf, None)?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            reporter.write(&report, &mut out)?;
            out.flush()?;
        }
    }
    if failing > 0 {
        return Ok(1);
    }
    if git_errors > 0 {
        eprintln!(
            "keywarden: error: {git_errors} git object(s) could not be read; the scan is incomplete"
        );
        return Ok(2);
    }
    Ok(0)
}
