//! `Finding`: what a rule found and every place it was found (`Location`s, each with the
//! chunk's provenance), and where it entered history (`HistoryInfo`).

pub use crate::chunk::HistoryInfo;
use crate::chunk::{Place, Provenance};
use crate::redact::Secret;
use crate::severity::{Confidence, Severity};

/// A commit id as reports show it: its first 12 characters.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// The day of an ISO 8601 date (`2026-12-04T07:03:43Z` → `2026-12-04`).
pub fn day_of(iso: &str) -> &str {
    iso.get(..10).unwrap_or(iso)
}

/// One place a secret was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The line holding the secret, every secret on it already redacted.
    pub context: String,
    /// GitHub's `primaryLocationLineHash` of the line, when SARIF output asked for it.
    pub line_hash: Option<String>,
    pub provenance: Provenance,
}

/// One reported secret (or one file a file rule judged), with every place it was found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub provider: String,
    /// The rule's pack precedence (see `PackSpec::precedence`).
    pub precedence: u8,
    pub severity: Severity,
    /// `None` for a file finding (a tracked `.env`, a world-readable key file).
    pub secret: Option<Secret>,
    pub fingerprint: String,
    /// Facts decoded offline (tenant, scopes, expiry).
    pub details: Vec<(String, String)>,
    pub verified: Option<bool>,
    /// How sure it is a live credential (`confidence::assess`), and why.
    pub confidence: Confidence,
    pub confidence_why: String,
    /// Why `verified` is what it is (`200 from the provider`, `timeout`), when a provider was
    /// asked (`scan --verify`).
    pub verification: Option<String>,
    /// Never empty; sorted, the first is the one a single-location output shows.
    pub locations: Vec<Location>,
    pub history: Option<Box<HistoryInfo>>,
    /// Suppressed by an inline marker (`keywarden:allow`) on its line: not reported, but a
    /// range scan lists the markers it adds.
    pub inline_allowed: bool,
}

impl Finding {
    /// The first location (path order, then line).
    pub fn primary(&self) -> &Location {
        &self.locations[0]
    }

    /// The secret as the user asked to see it; empty for a file finding.
    pub fn shown_secret(&self, show: bool) -> &str {
        self.secret.as_ref().map_or("", |s| s.shown(show))
    }

    /// Where it was found, as the checklist sees it.
    pub fn place(&self) -> Place {
        self.primary().provenance.place()
    }
}
