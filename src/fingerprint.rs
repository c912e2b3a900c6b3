//! The content fingerprint that baselines, allowlists and SARIF use. A leaf: the allowlist in
//! `rules` and the findings both need it.

use sha2::{Digest, Sha256};

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

/// True for a string shaped like a fingerprint (64 hex digits).
pub fn is_fingerprint(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
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
