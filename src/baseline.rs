//! Baselines: the findings a team has accepted, stored as content fingerprints and paths only
//! (never secrets, never line numbers), so moving code changes nothing while a new secret, or
//! the same secret in a new file, is still reported.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::finding::Finding;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule_id: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline> {
        let bytes = crate::fsutil::read_settings(path, "baseline")?;
        let text = String::from_utf8(bytes)
            .with_context(|| format!("{}: baseline is not UTF-8", path.display()))?;
        Baseline::parse(&path.display().to_string(), &text)
    }

    /// Parse a baseline's text (a file, or a blob read at a commit); `shown` names it.
    pub fn parse(shown: &str, text: &str) -> Result<Baseline> {
        // serde quotes the value it could not take, which could be a secret.
        let b: Baseline = serde_json::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "{shown}: not a keywarden baseline: {}",
                crate::redact::quoted_values(&e.to_string())
            )
        })?;
        if b.version != 1 {
            bail!(
                "{shown}: baseline version {} is not supported (expected 1)",
                b.version
            );
        }
        for e in &b.entries {
            if !crate::fingerprint::is_fingerprint(&e.fingerprint) {
                bail!(
                    "{shown}: line {}: entry for {} has a malformed fingerprint",
                    crate::yaml::line_of(text, &e.fingerprint).unwrap_or(1),
                    crate::redact::value(&e.path)
                );
            }
        }
        Ok(b)
    }

    /// A baseline of these findings, keeping the reasons an older baseline gave.
    pub fn from_findings(findings: &[Finding], previous: Option<&Baseline>) -> Baseline {
        let reasons: BTreeMap<(String, String), Option<String>> = previous
            .map(|p| {
                p.entries
                    .iter()
                    .map(|e| ((e.fingerprint.clone(), e.path.clone()), e.reason.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut entries: Vec<Entry> = findings
            .iter()
            .flat_map(|f| f.locations.iter().map(move |l| (f, l)))
            .map(|(f, l)| Entry {
                path: l.path.clone(),
                rule_id: f.rule_id.clone(),
                fingerprint: f.fingerprint.clone(),
                reason: reasons
                    .get(&(f.fingerprint.clone(), l.path.clone()))
                    .cloned()
                    .flatten(),
            })
            .collect();
        entries.sort();
        entries.dedup();
        Baseline {
            version: 1,
            entries,
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("baseline serializes");
        s.push('\n');
        s
    }

    /// Drop the locations the baseline accepts, and findings left with none. Returns the
    /// findings and how many locations were baselined.
    pub fn filter(&self, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
        let known: HashSet<(&str, &str)> = self
            .entries
            .iter()
            .map(|e| (e.fingerprint.as_str(), e.path.as_str()))
            .collect();
        let mut dropped = 0;
        let kept: Vec<Finding> = findings
            .into_iter()
            .filter_map(|mut f| {
                let before = f.locations.len();
                f.locations
                    .retain(|l| !known.contains(&(f.fingerprint.as_str(), l.path.as_str())));
                dropped += before - f.locations.len();
                (!f.locations.is_empty()).then_some(f)
            })
            .collect();
        (kept, dropped)
    }
}
