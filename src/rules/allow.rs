//! Allowlists and path filters, compiled: what a rule or the repository config lets through.

use std::collections::HashSet;

use anyhow::{Result, anyhow};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::bytes::Regex;

use super::{AllowSpec, PathsSpec, compile_regex};
use crate::fingerprint::{is_fingerprint, secret_id};

/// Compiled allowlist shared by rules and the repository config. An entry of `secrets` that
/// is a fingerprint (64 hex digits) allows exactly that rule's secret; any other entry is a
/// pattern.
#[derive(Debug, Default)]
pub struct Allow {
    pub secrets: Vec<Regex>,
    pub fingerprints: HashSet<String>,
    pub lines: Vec<Regex>,
    pub stopwords: Vec<String>,
}

impl Allow {
    pub fn compile(spec: &AllowSpec, what: &str) -> Result<Allow> {
        let compile_all = |list: &[String], field: &str| -> Result<Vec<Regex>> {
            list.iter()
                .map(|p| {
                    compile_regex(p).map_err(|e| {
                        anyhow!("{what}: allow.{field}: {}: {e}", crate::redact::value(p))
                    })
                })
                .collect()
        };
        let (fingerprints, patterns): (Vec<String>, Vec<String>) = spec
            .secrets
            .iter()
            .cloned()
            .partition(|s| is_fingerprint(s));
        Ok(Allow {
            secrets: compile_all(&patterns, "secrets")?,
            fingerprints: fingerprints
                .into_iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            lines: compile_all(&spec.lines, "lines")?,
            stopwords: spec
                .stopwords
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
        })
    }

    /// True when the allowlist says this secret of this rule (on this line) is not a leak.
    pub fn allows(&self, rule_id: &str, secret: &[u8], line: &[u8]) -> bool {
        if self.secrets.iter().any(|r| r.is_match(secret)) {
            return true;
        }
        if !self.fingerprints.is_empty() && self.fingerprints.contains(&secret_id(rule_id, secret))
        {
            return true;
        }
        if self.lines.iter().any(|r| r.is_match(line)) {
            return true;
        }
        if !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            return self
                .stopwords
                .iter()
                .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some());
        }
        false
    }
}

/// Include/exclude path globs of a rule or config.
#[derive(Debug, Default)]
pub struct PathFilter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl PathFilter {
    pub fn compile(spec: &PathsSpec, what: &str) -> Result<PathFilter> {
        let build = |globs: &[String], field: &str| -> Result<Option<GlobSet>> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut b = GlobSetBuilder::new();
            for g in globs {
                b.add(Glob::new(g).map_err(|e| {
                    anyhow!(
                        "{what}: paths.{field}: {}: {}",
                        crate::redact::value(g),
                        e.kind()
                    )
                })?);
            }
            Ok(Some(b.build()?))
        };
        Ok(PathFilter {
            include: build(&spec.include, "include")?,
            exclude: build(&spec.exclude, "exclude")?,
        })
    }

    pub fn admits(&self, path: &str) -> bool {
        if let Some(ex) = &self.exclude
            && ex.is_match(path)
        {
            return false;
        }
        match &self.include {
            Some(inc) => inc.is_match(path),
            None => true,
        }
    }
}
