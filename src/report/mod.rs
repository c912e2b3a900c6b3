//! Reporters: one module per format behind one small trait. A reporter gets the whole,
//! sorted, filtered `Report` and writes it once.

use std::io::{self, Write};

use crate::cli::Format;
use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::scan::Stats;

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

/// Everything a reporter may show.
pub struct Report<'a> {
    pub findings: Vec<Finding>,
    pub stats: Stats,
    pub rules: &'a RuleSet,
    pub show_secrets: bool,
    /// `worktree`, `staged`, `history` or `range`.
    pub mode: &'static str,
    /// Repository root (or scanned directory) that SARIF URIs are relative to.
    pub root: std::path::PathBuf,
}

impl Report<'_> {
    /// The rotation checklist of a finding, computed when written so 100,000 findings do not
    /// each carry a copy of their rule's steps.
    pub fn rotate(&self, f: &Finding) -> Vec<String> {
        self.rules
            .get(&f.rule_id)
            .map(|r| crate::rotation::checklist(r, &f.origin, &f.path))
            .unwrap_or_default()
    }
}

/// Writes a report in one format.
pub trait Reporter {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

impl Format {
    /// The reporter for this format.
    pub fn reporter(self, color: bool) -> Box<dyn Reporter> {
        match self {
            Format::Text => Box::new(text::Text { color }),
            Format::Json => Box::new(json::Json),
            Format::Sarif => Box::new(sarif::Sarif),
            Format::Github => Box::new(github::Annotations),
            Format::Markdown => Box::new(github::Summary),
        }
    }
}
