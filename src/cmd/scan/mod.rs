//! `keywarden scan` and `keywarden baseline`, wired from named stages: resolve the settings,
//! collect (source → pipeline → grouped findings), then baseline filter, what a range's own
//! settings would hide (trust), verification, the confidence filter, the purge file, the
//! verdict and the reports.
//! Each stage is a type in this folder; this function only puts them in order.

use std::time::Instant;

use anyhow::Result;

use crate::cli::ScanArgs;
use crate::pipeline::{self, Outcome};
use crate::report::Report;
use crate::settings::Settings;
use crate::source::ScanMode;

mod baseline;
mod collect;
mod output;
mod stats;
mod trust;
mod verification;

pub use collect::collect;

use baseline::BaselineFilter;
use collect::stage;
use output::{Output, PurgeFile, Verdict, covered};
use verification::Verification;

/// `scan` (and `baseline` when `write_baseline`).
pub fn run(args: &ScanArgs, write_baseline: bool) -> Result<i32> {
    let started = Instant::now();
    let s = Settings::resolve(args)?;
    let resolved = stage(
        "resolve settings and rules",
        started,
        s.rules.rules.rules.len(),
        "rule(s)",
    );
    let Outcome {
        mut findings,
        inline_allowed,
        mut stats,
    } = collect(&s)?;
    stats.stages.insert(0, resolved);
    if write_baseline {
        baseline::write(&s, &findings)?;
        return Ok(0);
    }
    let after_scan = Instant::now();

    if let Some(filter) = BaselineFilter::new(&s) {
        let (kept, dropped) = filter.apply(findings)?;
        findings = kept;
        stats.counts.baselined = dropped;
    }
    if let Some(head) = &s.head_side {
        let added = trust::suppressions_added(&s, head, &findings, |r, m, p| {
            collect::collect_with(&s, r, m, p).map(|o| o.findings)
        })?;
        findings.extend(added);
        findings = pipeline::group(findings);
    }
    if let Some(v) = Verification::new(&s) {
        v.apply(&mut findings, &mut stats.stages)?;
    }
    output::confidence_filter(&mut findings, s.min_confidence, &mut stats);
    if let Some(purge) = PurgeFile::new(&s) {
        purge.write(&findings)?;
    }
    let verdict = Verdict::new(&findings, s.fail_on, &mut stats);

    let mut stages = std::mem::take(&mut stats.stages);
    let report = Report {
        findings,
        // Markers are listed for what a range adds; elsewhere they are counted only.
        inline_allowed: match &s.mode {
            ScanMode::Range { .. } | ScanMode::PrePush(_) => inline_allowed,
            _ => Vec::new(),
        },
        stats,
        rules: &s.rules.rules,
        show_secrets: s.show_secrets,
        mode: covered(&s.mode),
        unpushed: matches!(s.mode, ScanMode::PrePush(_)),
        root: s.root.clone(),
        category: s.sarif_category.clone(),
    };
    Output::new(&s).write(&report)?;
    if args.stats {
        stages.push(stage(
            "filter, compare, report",
            after_scan,
            report.findings.len(),
            "finding(s)",
        ));
        stats::print_stats(&stages, started.elapsed());
    }
    Ok(verdict.exit_code())
}
