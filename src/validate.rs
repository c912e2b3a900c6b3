//! Offline validators a rule can name with `validate:`. They check what a regex cannot: a
//! checksum that real tokens carry, or a signed payload that must decode. A candidate that fails
//! its validator is not a key, which is how we keep precision high without allowlists.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::severity::Severity;

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

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn base62_digit(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as u32),
        b'A'..=b'Z' => Some((c - b'A') as u32 + 10),
        b'a'..=b'z' => Some((c - b'a') as u32 + 36),
        _ => None,
    }
}

/// `n` in base62, left-padded with `0` to `width`.
pub fn base62_u32(mut n: u32, width: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("base62 is ASCII")
}

/// Big-endian bytes (minimal) of a base62 number; `None` on a non-base62 character.
pub fn base62_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut bytes: Vec<u8> = Vec::new(); // little-endian accumulator
    for &c in s {
        let mut carry = base62_digit(c)?;
        for b in bytes.iter_mut() {
            let v = (*b as u32) * 62 + carry;
            *b = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    bytes.reverse();
    Some(bytes)
}

/// Big-endian bytes in base62, left-padded with `0` to `width`.
pub fn base62_encode(be: &[u8], width: usize) -> String {
    let mut digits: Vec<u8> = Vec::new(); // little-endian base62 digits
    for &byte in be {
        let mut carry = byte as u32;
        for d in digits.iter_mut() {
            let v = (*d as u32) * 256 + carry;
            *d = (v % 62) as u8;
            carry = v / 62;
        }
        while carry > 0 {
            digits.push((carry % 62) as u8);
            carry /= 62;
        }
    }
    while digits.len() < width {
        digits.push(0);
    }
    digits
        .iter()
        .rev()
        .map(|&d| BASE62[d as usize] as char)
        .collect()
}

/// CRC-32 (IEEE 802.3, as zlib computes it).
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
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

fn apikee_platform(secret: &[u8]) -> bool {
    let Some(body) = secret.strip_prefix(b"sk_live_") else {
        return false;
    };
    if body.len() != 48 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (random, check) = body.split_at(42);
    base62_u32(crc32(random), 6).as_bytes() == check
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |x: u8| k.iter().map(|b| b ^ x).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Claims of an apikee customer key, or `None` if it does not decode as the format requires.
pub fn apikee_claims(secret: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let rest = secret.strip_prefix(b"apikee_")?;
    let dot = memchr::memchr(b'.', rest)?;
    let (payload, sig) = (&rest[..dot], &rest[dot + 1..]);
    if sig.len() != 43 || !sig.iter().all(u8::is_ascii_alphanumeric) || payload.is_empty() {
        return None;
    }
    let bytes = base62_decode(payload)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let obj = value.as_object()?;
    let ok = obj.get("t").is_some_and(|t| t.is_string())
        && obj.get("s").is_some_and(|s| s.is_array())
        && obj.get("e").is_some_and(|e| e.is_i64() || e.is_u64());
    ok.then(|| obj.clone())
}

fn apikee_customer(secret: &[u8], sev: Severity, ctx: &Context) -> Option<(Verdict, Vec<String>)> {
    let claims = apikee_claims(secret)?;
    let mut v = Verdict::default();
    let tenant = claims["t"].as_str().unwrap_or_default().to_string();
    let scopes: Vec<String> = claims["s"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let expiry = claims["e"].as_i64().unwrap_or(i64::MAX);
    v.details.push(("tenant".into(), tenant));
    v.details.push(("scopes".into(), scopes.join(" ")));
    let expired = expiry <= ctx.now;
    v.details.push((
        "expires".into(),
        format!(
            "{}{}",
            crate::civil::format_unix(expiry),
            if expired { " (expired)" } else { "" }
        ),
    ));
    if expired {
        v.severity = Some(sev.lower());
    }
    if !ctx.apikee_secrets.is_empty() {
        let dot = memchr::memchr(b'.', secret).unwrap_or(secret.len());
        let sig = &secret[(dot + 1).min(secret.len())..];
        let genuine = ctx
            .apikee_secrets
            .iter()
            .any(|key| base62_encode(&hmac_sha256(key, &secret[..dot]), 43).as_bytes() == sig);
        v.verified = Some(genuine);
        v.details.push((
            "signature".into(),
            if genuine {
                "verified with the signing secret"
            } else {
                "does not verify with the signing secret"
            }
            .into(),
        ));
    }
    let sensitive = claims
        .get("m")
        .and_then(|m| m.as_object())
        .map(sensitive_metadata)
        .unwrap_or_default();
    Some((v, sensitive))
}

/// Names of metadata fields whose values look like personal data or a secret.
fn sensitive_metadata(m: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    let mut hits = Vec::new();
    for (k, val) in m {
        let key = k.to_ascii_lowercase();
        let text = val.as_str().unwrap_or_default();
        let secret_name = [
            "secret",
            "password",
            "passwd",
            "token",
            "private",
            "credential",
            "apikey",
            "api_key",
        ]
        .iter()
        .any(|w| key.contains(w));
        let pii_name = ["email", "phone", "ssn", "address", "birth", "dob"]
            .iter()
            .any(|w| key.contains(w));
        let looks_email =
            text.contains('@') && text.rsplit('@').next().is_some_and(|d| d.contains('.'));
        let looks_phone = text.chars().filter(char::is_ascii_digit).count() >= 9
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        let looks_secret =
            text.len() >= 20 && crate::entropy::shannon_entropy(text.as_bytes()) >= 4.0;
        if secret_name || pii_name || looks_email || looks_phone || looks_secret {
            hits.push(k.clone());
        }
    }
    hits
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
