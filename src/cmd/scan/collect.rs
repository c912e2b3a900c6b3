//! Collect: the source the mode names, through the pipeline, to grouped findings before any
//! filter. A range scan runs the range's own settings through here too (`collect_with`), to see
//! what they would hide.

use std::time::Instant;

use anyhow::Result;

use crate::decode::Limits;
use crate::finding::Finding;
use crate::matcher::{MatchOptions, Matcher};
use crate::messages;
use crate::pipeline::{self, Outcome};
use crate::report::Format;
use crate::rules::PathFilter;
use crate::settings::{Rules, Settings};
use crate::source::worktree::Worktree;
use crate::source::{ScanMode, Source, Stage, git};

/// Scan as the settings say: grouped findings before baseline and threshold filtering.
pub fn collect(s: &Settings) -> Result<Outcome> {
    collect_with(s, &s.rules, &s.match_opts, &s.path_filter)
}

/// Scan with the given rules, allowlist and path filter (a range scan runs the range's own
/// settings through here too, to see what they would hide).
pub fn collect_with(
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
    // In git modes the PATHs name the repository and limit what is reported to files under
    // them (`scan --range main..feat services/api`): repository-relative prefixes, none when a
    // PATH is the repository itself.
    let limits = git_path_limits(s);
    let admit = |p: &str| path_filter.admits(p) && under_limits(&limits, p);
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
            let about = |p: &str| set.file_rule_about(p);
            let vendored = |p: &str| crate::contexts::Contexts::get().vendored(p);
            let (source, warnings) = Worktree::new(
                &s.paths,
                &s.walk,
                set.has_file_rules()
                    .then_some(&about as &dyn Fn(&str) -> bool),
                (!s.include_vendored).then_some(&vendored as &dyn Fn(&str) -> bool),
                &s.root,
                |t| admit(&t.display),
            );
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
        ScanMode::History { all_objects } => {
            let source = git::history(repo, *all_objects, max, judge)?;
            let out = pipeline::run(&source, &matcher, &opts)?;
            // A history's graph is millions of small allocations (cargo's took 20 ms to free):
            // another thread frees it while the report is written.
            std::thread::spawn(move || drop(source));
            out
        }
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
    // Path classes are judged below the repository root (or the scanned directory), never by
    // the folders the checkout happens to sit in.
    let below_root = |p: &str| -> String {
        std::path::Path::new(p)
            .strip_prefix(&s.root)
            .map(|r| r.to_string_lossy().into_owned())
            .unwrap_or_else(|_| p.to_string())
    };
    crate::confidence::assess(&mut outcome.findings, set, &below_root);
    crate::confidence::assess(&mut outcome.inline_allowed, set, &below_root);
    drop_custom_examples(&mut outcome.findings, rules);
    Ok(outcome)
}

pub fn stage(name: &'static str, since: Instant, n: usize, what: &str) -> Stage {
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

/// Repository-relative prefixes the PATHs of a git-mode scan limit it to; empty when none was
/// given (the hooks run from anywhere in the repository), when one of them is the repository's
/// top, or when the mode walks files (the PATHs are what is walked).
fn git_path_limits(s: &Settings) -> Vec<String> {
    if matches!(s.mode, ScanMode::Tree) || !s.paths_given {
        return Vec::new();
    }
    let mut out = Vec::new();
    for p in &s.paths {
        let Ok(abs) = std::fs::canonicalize(p) else {
            return Vec::new();
        };
        match abs.strip_prefix(&s.root) {
            Ok(rel) if rel.as_os_str().is_empty() => return Vec::new(),
            Ok(rel) => out.push(rel.to_string_lossy().replace('\\', "/")),
            Err(_) => return Vec::new(),
        }
    }
    out
}

/// Whether a repository-relative path is under one of the limits (or there are none).
fn under_limits(limits: &[String], path: &str) -> bool {
    limits.is_empty()
        || limits.iter().any(|l| {
            path == l
                || path
                    .strip_prefix(l.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}
