//! The baseline stage: `keywarden baseline` writes one, `--baseline` filters by one (per
//! location: fingerprint and path), `--update-baseline` rewrites the entries the scan speaks for
//! and keeps the others.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::baseline::Baseline;
use crate::finding::Finding;
use crate::messages;
use crate::settings::Settings;
use crate::source::ScanMode;

/// `--baseline FILE` (and `--update-baseline`) as a stage.
pub struct BaselineFilter<'a> {
    settings: &'a Settings,
    baseline: &'a Baseline,
    /// Where to write the updated baseline first, with `--update-baseline`.
    update: Option<&'a Path>,
}

impl<'a> BaselineFilter<'a> {
    /// The stage when the settings name a baseline.
    pub fn new(s: &'a Settings) -> Option<BaselineFilter<'a>> {
        let baseline = s.baseline.as_ref()?;
        let update = match (s.update_baseline, &s.baseline_path) {
            (true, Some(p)) => Some(p.as_path()),
            _ => None,
        };
        Some(BaselineFilter {
            settings: s,
            baseline,
            update,
        })
    }

    /// The findings the baseline does not hold, and how many locations it dropped.
    pub fn apply(&self, findings: Vec<Finding>) -> Result<(Vec<Finding>, usize)> {
        let updated;
        let base = match self.update {
            Some(path) => {
                updated = rewritten(self.settings, &findings, self.baseline)?;
                let kept: std::collections::HashSet<_> = updated
                    .entries
                    .iter()
                    .map(|e| (&e.fingerprint, &e.path))
                    .collect();
                let dropped = self
                    .baseline
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
                &updated
            }
            None => self.baseline,
        };
        Ok(base.filter(findings))
    }
}

/// `keywarden baseline`: write the findings as a baseline (to `--output` or stdout), keeping
/// the entries of an existing one that this scan could not see.
pub fn write(s: &Settings, findings: &[Finding]) -> Result<()> {
    let previous = match &s.output {
        Some(p) if p.exists() => Baseline::load(p).ok(),
        _ => None,
    };
    let b = match &previous {
        Some(old) => rewritten(s, findings, old)?,
        None => Baseline::from_findings(findings, None),
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
    Ok(())
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
