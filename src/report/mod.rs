//! Reporters: one module per format behind one small trait. A reporter gets the whole,
//! grouped, filtered `Report` and writes it once. Adding a format is one file here plus one
//! variant in `Format` and one arm in `Format::reporter`.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::ValueEnum;

use crate::checklist::Checklist;
use crate::finding::Finding;
use crate::pipeline::Stats;
use crate::rules::RuleSet;

pub mod github;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

/// Output formats the user can pick with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    Sarif,
    /// GitHub Actions workflow commands: one `::error` annotation per finding location.
    Github,
    /// A markdown table for a CI job summary.
    Markdown,
    /// One self-contained page for people after a leak: overview, a card per secret with its
    /// timeline and checklist, the purge plan (always redacted).
    Html,
}

impl Format {
    /// The reporter for this format.
    pub fn reporter(self, color: bool) -> Box<dyn Reporter> {
        match self {
            Format::Text => Box::new(text::Text { color }),
            Format::Json => Box::new(json::Json),
            Format::Sarif => Box::new(sarif::Sarif),
            Format::Github => Box::new(github::Annotations),
            Format::Markdown => Box::new(markdown::Summary),
            Format::Html => Box::new(html::Html),
        }
    }
}

/// What a scan covered, as reporters need to know it: which words to use, whether a purge plan
/// applies. Reporters describe findings; how a source listed them is not their business.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covered {
    /// Files on disk.
    Worktree,
    /// What the index would commit.
    Staged,
    /// What a range (or a push) adds to history.
    Range,
    /// Every commit of every ref.
    History,
    /// Several repositories' reports merged (`keywarden merge`): paths are `repository:path`,
    /// and each repository's purge plan stays with that repository.
    Merged,
}

impl Covered {
    /// The name JSON and SARIF use.
    pub fn name(self) -> &'static str {
        match self {
            Covered::Worktree => "worktree",
            Covered::Staged => "staged",
            Covered::Range => "range",
            Covered::History => "history",
            Covered::Merged => "merged",
        }
    }

    /// True when findings come from committed objects.
    pub fn is_committed(self) -> bool {
        matches!(self, Covered::Range | Covered::History | Covered::Merged)
    }
}

/// Everything a reporter may show.
pub struct Report<'a> {
    pub findings: Vec<Finding>,
    /// Range scans: places an inline marker (`keywarden:allow`) added in the range allowed.
    /// Listed for reviewers; they do not fail the scan.
    pub inline_allowed: Vec<Finding>,
    pub stats: Stats,
    pub rules: &'a RuleSet,
    pub show_secrets: bool,
    pub mode: Covered,
    /// A pre-push scan: the commits it read are the ones the push would have sent, so a
    /// finding has not left this machine (amend or rebase; nothing to purge).
    pub unpushed: bool,
    /// Repository root (or scanned directory) that SARIF URIs are relative to.
    pub root: PathBuf,
    /// SARIF automation category (`--sarif-category`); `None` for the default.
    pub category: Option<String>,
}

impl Report<'_> {
    /// The rotation checklist of a finding, computed when written so 100,000 findings do not
    /// each carry a copy of their rule's steps.
    pub fn checklist(&self, f: &Finding) -> Checklist {
        self.rules
            .get(&f.rule_id)
            .map(|r| {
                let at = crate::checklist::Situation {
                    unpushed: self.unpushed,
                    no_commit_yet: self.stats.no_commit_yet,
                };
                Checklist::for_finding_at(r, f, at)
            })
            .unwrap_or_default()
    }
}

impl<'a> Report<'a> {
    /// The same report with every text that came from the scanned repository (paths, lines,
    /// authors, refs, decoded claims, verdicts) safe to show a terminal or a CI log: control and
    /// bidi characters as visible escapes (`crate::escape::visible`). Text, annotations and
    /// markdown write this; JSON and SARIF escape by their own rules and keep the exact text.
    pub fn for_people(&self) -> Report<'a> {
        let clean = |f: &Finding| {
            let v = |s: &str| crate::escape::visible(s).into_owned();
            let mut f = f.clone();
            f.rule_name = v(&f.rule_name);
            f.provider = v(&f.provider);
            for (k, val) in &mut f.details {
                (*k, *val) = (v(k), v(val));
            }
            f.verification = f.verification.as_deref().map(v);
            for l in &mut f.locations {
                l.path = v(&l.path);
                l.context = v(&l.context);
            }
            if let Some(h) = &mut f.history {
                h.author = v(&h.author);
                for r in &mut h.refs {
                    *r = v(r);
                }
            }
            f
        };
        Report {
            findings: self.findings.iter().map(clean).collect(),
            inline_allowed: self.inline_allowed.iter().map(clean).collect(),
            stats: self.stats.clone(),
            rules: self.rules,
            show_secrets: self.show_secrets,
            mode: self.mode,
            unpushed: self.unpushed,
            root: self.root.clone(),
            category: self.category.clone(),
        }
    }

    /// `rule-id at path:line` for each place an inline marker allowed.
    pub fn marker_places(&self) -> Vec<(String, &crate::finding::Location)> {
        self.inline_allowed
            .iter()
            .flat_map(|f| f.locations.iter().map(move |l| (f.rule_id.clone(), l)))
            .collect()
    }

    /// One purge plan for a history scan (empty otherwise, or when nothing needs purging).
    pub fn purge_plan(&self) -> Vec<String> {
        match self.mode {
            Covered::History => crate::checklist::purge_plan(&self.findings, self.rules),
            _ => Vec::new(),
        }
    }

    /// What the config and markers kept out of the report, for audits (`None` when nothing).
    pub fn suppression_summary(&self) -> Option<String> {
        let s = &self.stats.counts;
        let mut parts = Vec::new();
        if s.suppressed_inline > 0 {
            parts.push(format!("{} by inline markers", s.suppressed_inline));
        }
        if s.suppressed_config > 0 {
            parts.push(format!("{} by the config's allowlist", s.suppressed_config));
        }
        if s.baselined > 0 {
            parts.push(format!("{} by the baseline", s.baselined));
        }
        if s.excluded_paths > 0 {
            parts.push(format!(
                "{} file(s) under allow.paths not scanned",
                s.excluded_paths
            ));
        }
        if s.rules_disabled > 0 {
            parts.push(format!(
                "{} built-in rule(s) switched off by the config",
                s.rules_disabled
            ));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// Writes a report in one format.
pub trait Reporter {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}
