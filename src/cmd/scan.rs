//! `keywarden scan` and `keywarden baseline`: resolve settings, pick the source for the mode,
//! run the pipeline, then filter (baseline), compare with what a range's own settings would
//! hide, verify, report, and turn the result into an exit code: 0 clean, 1 findings at or
//! above `--fail-on`, 2 an incomplete scan.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::baseline::Baseline;
use crate::cli::ScanArgs;
use crate::decode::Limits;
use crate::finding::Finding;
use crate::matcher::{MatchOptions, Matcher};
use crate::messages;
use crate::pipeline::{self, Outcome};
use crate::report::{Format, Report};
use crate::rules::PathFilter;
use crate::settings::{Rules, Settings};
use crate::source::worktree::Worktree;
use crate::source::{ScanMode, Source, Stage, git};

mod trust;

/// Scan as the settings say: grouped findings before baseline and threshold filtering.
pub fn collect(s: &Settings) -> Result<Outcome> {
    collect_with(s, &s.rules, &s.match_opts, &s.path_filter)
}

/// Scan with the given rules, allowlist and path filter (a range scan runs the range's own
/// settings through here too, to see what they would hide).
fn collect_with(
    s: &Settings,
    rules: &Rules,
    match_opts: &MatchOptions,
    path_filter: &PathFilter,
) -> Result<Outcome> {
    let set = &rules.rules;
    let matcher = Matcher::new(set, match_opts)?;
    let opts = pipeline::Options {
        line_hashes: s.format == Format::Sarif || s.reports.iter().any(|r| r.0 == Format::Sarif),
        progress: s.progress,
        decode: Limits::default(),
    };
    let admit = |p: &str| path_filter.admits(p);
    let class = |p: &str| set.path_class(p);
    let judge = git::PathJudge {
        admit: &admit,
        class: &class,
    };
    let repo = &s.paths[0];
    let max = s.walk.max_file_size;
    let mut outcome = match &s.mode {
        ScanMode::Tree => {
            let t = Instant::now();
            let (source, warnings) =
                Worktree::new(&s.paths, &s.walk, set, &s.root, |t| admit(&t.display));
            for w in warnings {
                messages::warn(w);
            }
            let listed = stage("list: walk files", t, source.targets().len(), "file(s)");
            with_stage(listed, pipeline::run(&source, &matcher, &opts)?)
        }
        ScanMode::Staged => {
            let t = Instant::now();
            let source = git::Staged::open(repo, max, admit)?;
            let listed = stage(
                "list: index against HEAD",
                t,
                source.items().len(),
                "changed file(s)",
            );
            with_stage(listed, pipeline::run(&source, &matcher, &opts)?)
        }
        ScanMode::History { all_objects } => pipeline::run(
            &git::history(repo, *all_objects, max, judge)?,
            &matcher,
            &opts,
        )?,
        ScanMode::Range { base, head } => {
            pipeline::run(&git::range(repo, base, head, max, judge)?, &matcher, &opts)?
        }
        ScanMode::PrePush(pushes) => {
            let mut total = Outcome::default();
            for source in git::pre_push(repo, pushes, max, judge)? {
                let o = pipeline::run(&source, &matcher, &opts)?;
                total.stats.add(&o.stats);
                total.stats.elapsed += o.stats.elapsed;
                total.findings.extend(o.findings);
                total.inline_allowed.extend(o.inline_allowed);
            }
            total.findings = pipeline::group(total.findings);
            total.inline_allowed = pipeline::group(total.inline_allowed);
            total
        }
    };
    outcome.stats.counts.rules_disabled = rules.disabled;
    drop_custom_examples(&mut outcome.findings, rules);
    Ok(outcome)
}

fn stage(name: &'static str, since: Instant, n: usize, what: &str) -> Stage {
    Stage {
        name,
        time: since.elapsed(),
        detail: format!("{n} {what}"),
    }
}

fn with_stage(first: Stage, mut o: Outcome) -> Outcome {
    o.stats.stages.insert(0, first);
    o
}

/// `--stats`: each stage's time and counts, the total and the peak memory, on stderr.
fn print_stats(stages: &[Stage], total: Duration) {
    let mut out = String::from("keywarden --stats\n");
    for st in stages {
        out.push_str(&format!(
            "  {:<38} {:>9.1} ms  {}\n",
            st.name,
            st.time.as_secs_f64() * 1000.0,
            st.detail
        ));
    }
    out.push_str(&format!(
        "  {:<38} {:>9.1} ms\n",
        "total",
        total.as_secs_f64() * 1000.0
    ));
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:").map(|v| v.trim().to_string()))
        });
    if let Some(p) = peak {
        out.push_str(&format!("  {:<38} {p}\n", "peak memory (VmHWM)"));
    }
    eprint!("{out}");
}

/// The config file is scanned like any other file, except the examples of its custom rules,
/// which the rule self-test already proves are fakes in the rule's shape.
fn drop_custom_examples(findings: &mut Vec<Finding>, rules: &Rules) {
    let Some(name) = &rules.config_file_name else {
        return;
    };
    let examples: Vec<&String> = rules
        .config
        .rules
        .iter()
        .flat_map(|r| r.examples.iter().chain(&r.negative_examples))
        .collect();
    if examples.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        let Some(secret) = &f.secret else { continue };
        let is_example = examples.iter().any(|e| e.contains(secret.expose()));
        if is_example {
            f.locations.retain(|l| {
                std::path::Path::new(&l.path)
                    .file_name()
                    .is_none_or(|n| n.to_string_lossy() != *name)
            });
        }
    }
    findings.retain(|f| !f.locations.is_empty());
}

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
    let after_scan = Instant::now();

    if write_baseline {
        let previous = match &s.output {
            Some(p) if p.exists() => Baseline::load(p).ok(),
            _ => None,
        };
        let b = match &previous {
            Some(old) => rewritten(&s, &findings, old)?,
            None => Baseline::from_findings(&findings, None),
        };
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

    if let Some(base) = &s.baseline {
        let mut base = base.clone();
        if let (true, Some(path)) = (s.update_baseline, &s.baseline_path) {
            let updated = rewritten(&s, &findings, &base)?;
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
        stats.counts.baselined = n;
    }

    if let Some(head) = &s.head_side {
        let added = trust::suppressions_added(&s, head, &findings, |r, m, p| {
            collect_with(&s, r, m, p).map(|o| o.findings)
        })?;
        findings.extend(added);
        findings = pipeline::group(findings);
    }

    if let Some(opts) = &s.verify {
        let since = Instant::now();
        let asked = crate::verify::run(&mut findings, &s.rules.rules, opts)?;
        stats
            .stages
            .push(stage("verify", since, asked, "request(s)"));
        if s.only_verified {
            findings.retain(|f| f.verified == Some(true));
        }
    }

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
    stats.counts.below_threshold = findings.len() - failing;
    let git_errors = stats.git_errors;
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
        root: s.root.clone(),
        category: s.sarif_category.clone(),
    };
    // Every extra report from the same findings: one scan writes SARIF, annotations, the job
    // summary and the text a person reads.
    for (format, path) in &s.reports {
        let mut buf = Vec::new();
        format.reporter(false).write(&report, &mut buf)?;
        if path.as_os_str() == "-" {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            out.write_all(&buf)?;
            out.flush()?;
        } else {
            crate::fsutil::atomic_write(path, &buf, None)
                .with_context(|| format!("writing the {format:?} report to {}", path.display()))?;
        }
    }
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
    if args.stats {
        stages.push(stage(
            "filter, compare, report",
            after_scan,
            report.findings.len(),
            "finding(s)",
        ));
        print_stats(&stages, started.elapsed());
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

/// The report-level description of what a mode covers.
fn covered(mode: &ScanMode) -> crate::report::Covered {
    use crate::report::Covered;
    match mode {
        ScanMode::Tree => Covered::Worktree,
        ScanMode::Staged => Covered::Staged,
        ScanMode::Range { .. } | ScanMode::PrePush(_) => Covered::Range,
        ScanMode::History { .. } => Covered::History,
    }
}

/// `old` rewritten from this scan's findings: the entries the scan speaks for are replaced, the
/// others kept as they were (see `baseline_scope`).
fn rewritten(s: &Settings, findings: &[Finding], old: &Baseline) -> Result<Baseline> {
    let in_scope = baseline_scope(s)?;
    let mut updated = Baseline::from_findings(findings, Some(old));
    updated
        .entries
        .extend(old.entries.iter().filter(|e| !in_scope(&e.path)).cloned());
    updated.entries.sort();
    updated.entries.dedup();
    Ok(updated)
}

/// Whether a baseline entry's path is one a scan speaks for.
type Scope<'a> = Box<dyn Fn(&str) -> bool + 'a>;

/// Which baseline entries a scan speaks for, so `--update-baseline` rewrites only those: a tree
/// scan of some paths speaks for the files under them that the config admits, a history scan
/// for everything. A staged, range or pre-push scan sees only what changed, so updating from it
/// would drop every other entry: it is refused.
fn baseline_scope(s: &Settings) -> Result<Scope<'_>> {
    match &s.mode {
        ScanMode::History { .. } => Ok(Box::new(|p| s.path_filter.admits(p))),
        ScanMode::Tree => {
            let roots: Vec<String> = s
                .paths
                .iter()
                .map(|p| {
                    let shown = crate::source::worktree::display_path(p);
                    shown.trim_end_matches('/').to_string()
                })
                .collect();
            Ok(Box::new(move |p: &str| {
                s.path_filter.admits(p)
                    && roots.iter().any(|r| {
                        r.is_empty() || r == "." || p == r || p.starts_with(&format!("{r}/"))
                    })
            }))
        }
        other => anyhow::bail!(
            "--update-baseline needs a scan that sees every file: a {} scan sees only what changed, so every other entry would be lost. Update it with a tree scan (`keywarden scan . --baseline FILE --update-baseline`) or `--history`",
            match other {
                ScanMode::Staged => "staged",
                _ => "range",
            }
        ),
    }
}
