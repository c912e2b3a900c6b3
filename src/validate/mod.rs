//! Offline validators a rule can name with `validate:`. They check what a regex cannot: a
//! checksum that real tokens carry, or a signed payload that must decode. A candidate that fails
//! its validator is not a key, which is how we keep precision high without allowlists.
//! Dispatch and the GitHub checksum are here; `checksums.rs` holds base62, CRC-32 and HMAC,
//! `apikee.rs` the apikee formats.

use serde::Deserialize;

use crate::severity::Severity;

mod apikee;
mod checksums;

#[cfg(test)]
pub use apikee::apikee_claims;
use apikee::{apikee_customer, apikee_platform};
#[cfg(test)]
pub use checksums::{base62_decode, base62_encode};
pub use checksums::{base62_u32, crc32, hmac_sha256};

/// The validators known to the engine. Packs refer to them by kebab-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// GitHub `gh?_` tokens: the last 6 characters are the base62 CRC-32 of the characters before
    /// them (30, or 70 in the longer refresh tokens).
    GithubChecksum,
    /// apikee customer key: base62 JSON claims `.` 43-character base62 HMAC.
    ApikeeCustomer,
    /// apikee customer key whose readable payload carries personal data or a secret.
    ApikeeSensitiveMetadata,
    /// apikee platform key: `sk_live_` + 42 base62 + 6-character base62 CRC-32 of those 42.
    ApikeePlatform,
    /// A value judged by the name it is assigned to: a literal that looks random for its
    /// alphabet, not a placeholder, reference, path, word or another vendor's malformed key.
    GenericValue,
    /// A connection URL's password: not a placeholder, and not the user name again
    /// (`postgres:postgres@localhost`).
    DatabaseUrl,
    /// A password inside a container (a URL, `curl -u`, .netrc, a connection string): not a
    /// placeholder, a template or variable reference, a documentation word, or the user name.
    CredentialPassword,
    /// Base64 `user:password` (HTTP Basic, Docker `auth`, .npmrc `_auth`): decoded, its password
    /// is judged like `credential-password`.
    BasicAuth,
}

/// What a validator learned about a candidate.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Facts decoded offline (tenant, scopes, expiry), shown with the finding.
    pub details: Vec<(String, String)>,
    /// Replaces the rule's severity (an expired key is still a leak, of lower severity).
    pub severity: Option<Severity>,
    /// `Some(true)` when a signature was checked with the user's signing secret.
    pub verified: Option<bool>,
}

/// Inputs a validator may need besides the candidate.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// apikee signing secrets (current first), read from the env var the user named.
    pub apikee_secrets: Vec<Vec<u8>>,
    /// Unix seconds used to judge expiry.
    pub now: i64,
    /// Prefixes of the provider rules' keys (`sk_live_`, `ghp_`): a generic value with one is
    /// the provider rule's to judge.
    pub vendor_prefixes: Vec<String>,
}

impl Validator {
    /// True for validators that prove a candidate is a real key (a checksum, a signed
    /// payload): such a match beats an unvalidated one at the same place. Filters do not.
    pub fn proves_key(self) -> bool {
        !matches!(
            self,
            Validator::GenericValue
                | Validator::DatabaseUrl
                | Validator::CredentialPassword
                | Validator::BasicAuth
        )
    }

    /// `None` when the candidate is not a key. `before` and `after` are the rest of the
    /// pattern's match around the secret (the name it was assigned to, the URL around it).
    pub fn check(
        self,
        secret: &[u8],
        before: &[u8],
        after: &[u8],
        rule_severity: Severity,
        ctx: &Context,
    ) -> Option<Verdict> {
        match self {
            Validator::GenericValue => {
                crate::generic::plausible(secret, before, &ctx.vendor_prefixes)
                    .then(Verdict::default)
            }
            Validator::DatabaseUrl => {
                crate::generic::database_password(secret, before, after).then(Verdict::default)
            }
            Validator::CredentialPassword => {
                crate::generic::credential_password(secret, before, after).then(Verdict::default)
            }
            Validator::BasicAuth => basic_auth(secret),
            Validator::GithubChecksum => github_checksum(secret).then(Verdict::default),
            Validator::ApikeePlatform => apikee_platform(secret).then(Verdict::default),
            Validator::ApikeeCustomer => {
                apikee_customer(secret, rule_severity, ctx).map(|(v, _)| v)
            }
            Validator::ApikeeSensitiveMetadata => {
                let (mut v, sensitive) = apikee_customer(secret, rule_severity, ctx)?;
                if sensitive.is_empty() {
                    return None;
                }
                v.details
                    .push(("sensitive metadata".into(), sensitive.join(", ")));
                v.severity = None;
                Some(v)
            }
        }
    }
}

/// Base64 `user:password` whose password is a real one; the user is shown.
fn basic_auth(secret: &[u8]) -> Option<Verdict> {
    let text = crate::decode::base64_decode(
        secret
            .strip_suffix(b"==")
            .or(secret.strip_suffix(b"="))
            .unwrap_or(secret),
    )?;
    if !crate::decode::looks_like_text(&text) {
        return None;
    }
    let colon = memchr::memchr(b':', &text)?;
    let (user, password) = (&text[..colon], &text[colon + 1..]);
    if password.len() < 3 || user.is_empty() {
        return None;
    }
    let mut before = b"basic://".to_vec();
    before.extend_from_slice(user);
    before.push(b':');
    if !crate::generic::credential_password(password, &before, b"") {
        return None;
    }
    Some(Verdict {
        details: vec![("user".into(), String::from_utf8_lossy(user).into_owned())],
        ..Verdict::default()
    })
}

fn github_checksum(secret: &[u8]) -> bool {
    let Some(us) = memchr::memrchr(b'_', secret) else {
        return false;
    };
    let body = &secret[us + 1..];
    // 36 characters (30 random + 6 checksum), or the longer refresh-token body (70 + 6).
    if body.len() != 36 && body.len() != 76 {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62_u32(crc32(random), 6).as_bytes() == check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_round_trip() {
        let bytes = b"{\"t\":\"tn_ABCDEFabcdef\"}";
        let enc = base62_encode(bytes, 0);
        assert_eq!(base62_decode(enc.as_bytes()).unwrap(), bytes.to_vec());
        assert_eq!(base62_u32(61, 3), "00z");
        assert_eq!(base62_encode(&[0, 0, 1], 4), "0001");
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn unix_time_formats() {}

    #[test]
    fn github_checksum_rejects_a_changed_character() {
        let random = "abcdefghijklmnopqrstuvwxyz0123";
        let good = format!("ghp_{random}{}", base62_u32(crc32(random.as_bytes()), 6));
        assert!(github_checksum(good.as_bytes()));
        let bad = good.replacen('a', "b", 1);
        assert!(!github_checksum(bad.as_bytes()));
    }
}
