//! `Finding`: what a rule found and every place it was found (`Location`s, each with the
//! chunk's provenance); the content fingerprint (`secret_id`) that baselines and SARIF use; and
//! the line counter that turns byte offsets into positions.

use sha2::{Digest, Sha256};

use crate::chunk::{Place, Provenance};
use crate::redact::Secret;
use crate::severity::Severity;

/// Provenance of a secret found in committed history, attached after grouping.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryInfo {
    /// The first commit (topologically oldest that holds it) whose tree holds the secret.
    pub commit: String,
    pub author: String,
    /// ISO 8601, UTC.
    pub date: String,
    /// How many commits' trees hold the blob.
    pub commits: usize,
    /// Whether HEAD's tree still holds it.
    pub in_head: bool,
    /// Refs from which the first commit is reachable.
    pub refs: Vec<String>,
    /// The blob id the secret was found in.
    pub blob: String,
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
    /// Never empty; sorted, the first is the one a single-location output shows.
    pub locations: Vec<Location>,
    pub history: Option<Box<HistoryInfo>>,
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

/// Content fingerprint: `hex(SHA-256("keywarden/v1" NUL rule-id NUL secret))`. It never depends
/// on line or offset, so moving code around never changes it. Frozen: baselines rely on it.
pub fn secret_id(rule_id: &str, secret: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"keywarden/v1\0")
        .chain_update(rule_id.as_bytes())
        .chain_update(b"\0")
        .chain_update(secret)
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_frozen() {
        // Pinned literal: changing the fingerprint breaks every baseline users have written.
        assert_eq!(
            secret_id("openai-project-key", b"sk-proj-FAKE"),
            "3e0de44b32309c37c62130319b6ce5efff615dbbe2daf38d8576eee351903856"
        );
        let a = secret_id("rule-a", b"x");
        assert_ne!(a, secret_id("rule-b", b"x"));
        let mut h = Sha256::new();
        h.update(b"keywarden/v1\0rule-a\0x");
        let want: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(a, want);
    }
}
