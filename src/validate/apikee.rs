//! apikee keys, decoded offline (format: `../shared/formats/apikee.md`): the platform key's
//! checksum, a customer key's signed claims (tenant, scopes, expiry) and the metadata fields
//! that should not be in a key.

use super::checksums::{base62_decode, base62_encode, base62_u32, crc32, hmac_sha256};
use super::{Context, Verdict};
use crate::severity::Severity;

pub(super) fn apikee_platform(secret: &[u8]) -> bool {
    let Some(body) = secret.strip_prefix(b"sk_live_") else {
        return false;
    };
    if body.len() != 48 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (random, check) = body.split_at(42);
    base62_u32(crc32(random), 6).as_bytes() == check
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

pub(super) fn apikee_customer(
    secret: &[u8],
    sev: Severity,
    ctx: &Context,
) -> Option<(Verdict, Vec<String>)> {
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
