//! `Finding`: what a rule found, where, and where it came from; the content fingerprint
//! (`SecretId`) that baselines and SARIF use; and redaction, which every output goes through.

use sha2::{Digest, Sha256};

use crate::rules::Severity;

/// Where the scanned bytes came from; decides the location half of the rotation checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk.
    Worktree,
    /// The index: what the next commit would add. It has not left this machine.
    Staged,
    /// A blob in committed history (`--history` or `--range`).
    History(Box<HistoryInfo>),
}

impl Origin {
    pub fn as_str(&self) -> &'static str {
        match self {
            Origin::Worktree => "worktree",
            Origin::Staged => "staged",
            Origin::History(_) => "history",
        }
    }

    pub fn history(&self) -> Option<&HistoryInfo> {
        match self {
            Origin::History(h) => Some(h),
            _ => None,
        }
    }
}

/// Provenance of a secret found in committed history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryInfo {
    /// The first commit (oldest by commit time) whose tree holds the secret.
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

/// One reported secret at one place.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub provider: String,
    pub severity: Severity,
    /// Never printed unless the user asked for `--show-secrets`; use `redacted()`.
    pub secret: String,
    pub redacted: String,
    pub fingerprint: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The line holding the secret, every secret on it already redacted.
    pub line_text: String,
    /// Facts decoded offline (tenant, scopes, expiry).
    pub details: Vec<(String, String)>,
    pub verified: Option<bool>,
    pub origin: Origin,
    /// GitHub's `primaryLocationLineHash` of the line, when SARIF output asked for it.
    pub line_hash: Option<String>,
}

impl Finding {
    /// The secret as the user asked to see it.
    pub fn shown_secret(&self, show: bool) -> &str {
        if show { &self.secret } else { &self.redacted }
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

/// A secret as shown by default: the provider prefix it starts with, a few characters, and its
/// length — enough to find it in a file or a provider's key list, never enough to use it.
pub fn redact(secret: &str, prefixes: &[String]) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let lower = secret.to_ascii_lowercase();
    let prefix = prefixes
        .iter()
        .filter(|p| lower.starts_with(&p.to_ascii_lowercase()))
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0);
    let rest = chars.len().saturating_sub(prefix);
    let extra = match rest {
        0..=11 => 0,
        12..=23 => 2,
        _ => 4,
    };
    let shown: String = chars[..prefix + extra]
        .iter()
        .collect::<String>()
        .escape_debug()
        .to_string();
    format!("{shown}…({} chars)", chars.len())
}

/// Redaction without rule context, for error messages and self-test output.
pub fn redact_str(text: &str) -> String {
    redact(text, &[])
}

/// 1-based line and column (in characters) of byte offset `at`, counting from a known earlier
/// position so a file with many findings is walked once.
#[derive(Debug, Clone, Copy)]
pub struct LineCounter {
    offset: usize,
    line: usize,
    line_start: usize,
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter {
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }
}

impl LineCounter {
    /// Position of `at`; calls must come in non-decreasing `at` order or the counter restarts.
    pub fn locate(&mut self, data: &[u8], at: usize) -> (usize, usize) {
        if at < self.offset {
            *self = LineCounter::default();
        }
        for nl in memchr::memchr_iter(b'\n', &data[self.offset..at]) {
            self.line += 1;
            self.line_start = self.offset + nl + 1;
        }
        self.offset = at;
        let col = 1 + data[self.line_start..at]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        (self.line, col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_frozen() {
        // Pinned: changing this breaks every baseline users have written.
        assert_eq!(
            secret_id("openai-project-key", b"sk-proj-FAKE"),
            secret_id("openai-project-key", b"sk-proj-FAKE")
        );
        let a = secret_id("rule-a", b"x");
        assert_eq!(a.len(), 64);
        assert_ne!(a, secret_id("rule-b", b"x"));
        let mut h = Sha256::new();
        h.update(b"keywarden/v1\0rule-a\0x");
        let want: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(a, want);
    }

    #[test]
    fn redaction_keeps_prefix_and_length_only() {
        let secret = format!("sk-proj-{}", "Q".repeat(150));
        let r = redact(&secret, &["sk-proj-".to_string()]);
        assert_eq!(r, "sk-proj-QQQQ…(158 chars)");
        assert_eq!(redact("short", &[]), "…(5 chars)");
        assert_eq!(redact("0123456789abcdef", &[]), "01…(16 chars)");
    }

    #[test]
    fn line_counter_counts_characters_not_bytes() {
        let data = "a\nbé=KEY\n".as_bytes();
        let mut lc = LineCounter::default();
        let at = data.len() - 4;
        assert_eq!(lc.locate(data, at), (2, 4));
        assert_eq!(lc.locate(data, data.len()), (3, 1));
    }
}
