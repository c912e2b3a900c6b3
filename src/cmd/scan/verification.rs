//! The verification stage (`--verify`, `--only-verified`): ask each provider about each unique
//! secret, within the timeout and budget (`crate::verify::run`), and keep only the live ones
//! when asked.

use std::time::Instant;

use anyhow::Result;

use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::settings::Settings;
use crate::source::Stage;
use crate::verify::Options;

use super::collect::stage;

pub struct Verification<'a> {
    opts: &'a Options,
    rules: &'a RuleSet,
    only_verified: bool,
}

impl<'a> Verification<'a> {
    /// The stage when `--verify` (or `--only-verified`) asked for it.
    pub fn new(s: &'a Settings) -> Option<Verification<'a>> {
        Some(Verification {
            opts: s.verify.as_ref()?,
            rules: &s.rules.rules,
            only_verified: s.only_verified,
        })
    }

    /// Set each finding's verdict; with `--only-verified`, drop all but the live ones.
    pub fn apply(&self, findings: &mut Vec<Finding>, stages: &mut Vec<Stage>) -> Result<()> {
        let since = Instant::now();
        let asked = crate::verify::run(findings, self.rules, self.opts)?;
        stages.push(stage("verify", since, asked, "request(s)"));
        for f in findings.iter_mut().filter(|f| f.verified == Some(true)) {
            f.confidence = crate::severity::Confidence::High;
            f.confidence_why = "the provider confirmed it live".into();
        }
        if self.only_verified {
            findings.retain(|f| f.verified == Some(true));
        }
        Ok(())
    }
}
