//! Confidence: how sure keywarden is that a finding is a live credential someone should rotate
//! (`severity::Confidence`), and why, in words `explain --line` and every report show.
//! - `high`: verified live, or a vendor layout whose offline check proves it (a checksum, a
//!   signature) wherever it was found;
//! - `medium`: a vendor layout without such a check, a file rule, a generic value with strong
//!   signals;
//! - `low`: a value judged by its name or container (generic rules, URL and connection-string
//!   passwords) that is weak (short) or found only in test, fixture, docs, example or generated
//!   paths (`rules/contexts.yaml`), test material there (a test certificate's private key),
//!   and a vendor layout without an offline check found only in test or fixture paths (test
//!   vectors). Nothing lowers a key whose checksum or signature holds.

use crate::contexts::Contexts;
use crate::finding::Finding;
use crate::rules::{Rule, RuleKind, RuleSet};
use crate::severity::Confidence;

/// A generic value shorter than this is weak whatever its characters.
const WEAK_LEN: usize = 8;
/// Shorter than this, a value is weak unless it mixes three kinds of character (lower, upper,
/// digit, symbol): `super$ecret` and `goodspec` are weak, `#gets0m3` and `D1fficult` are not.
/// Most machine-made secrets are 16 characters or more.
const MIXED_LEN: usize = 12;

/// Whether a judged value is weak (a `low` finding): see `WEAK_LEN` and `MIXED_LEN`.
fn weak(s: &str) -> bool {
    let n = s.chars().count();
    let classes = [
        s.chars().any(|c| c.is_lowercase()),
        s.chars().any(|c| c.is_uppercase()),
        s.chars().any(|c| c.is_ascii_digit()),
        s.chars().any(|c| !c.is_alphanumeric()),
    ]
    .into_iter()
    .filter(|x| *x)
    .count();
    n < WEAK_LEN || (n < MIXED_LEN && classes < 3)
}

/// The level of a finding of `rule` with `secret` (`None` for a file finding) at `paths`, and
/// why.
pub fn judge<'p>(
    rule: &Rule,
    secret: Option<&str>,
    mut paths: impl Iterator<Item = &'p str>,
    verified: Option<bool>,
) -> (Confidence, String) {
    if verified == Some(true) {
        return (Confidence::High, "the provider confirmed it live".into());
    }
    let contexts = Contexts::get();
    // Values judged by their name or container: the generic rules, and the URL, connection
    // string and Basic-auth passwords (their validators filter, they prove nothing).
    let judged =
        rule.kind == RuleKind::Generic || rule.spec.validate.is_some_and(|v| !v.proves_key());
    if judged
        && let Some(s) = secret
        && weak(s)
    {
        return (
            Confidence::Low,
            format!(
                "a weak value, under {WEAK_LEN} characters or under {MIXED_LEN} without three kinds of character"
            ),
        );
    }
    let proven = rule.spec.validate.is_some_and(|v| v.proves_key());
    let vendor_layout = rule.kind == RuleKind::Provider && !proven && !judged;
    if judged || vendor_layout || contexts.test_material(rule.id()) {
        let mut class = None;
        let only_in_context = paths.all(|p| match contexts.class_of(p) {
            Some(c) if !vendor_layout || contexts.lowers_vendor_layouts(c) => {
                class.get_or_insert(c);
                true
            }
            _ => false,
        });
        if let (Some(c), true) = (class, only_in_context) {
            return (Confidence::Low, format!("found only in {c} paths"));
        }
    }
    match rule.kind {
        RuleKind::Provider if proven => (
            Confidence::High,
            format!(
                "{} key layout, and its offline check holds",
                rule.spec.provider
            ),
        ),
        _ if judged => (
            Confidence::Medium,
            "a value that looks machine-made where a secret is expected".into(),
        ),
        RuleKind::Provider => (
            Confidence::Medium,
            format!("{} key layout, no checksum to prove it", rule.spec.provider),
        ),
        RuleKind::File => (Confidence::Medium, "a file rule".into()),
        RuleKind::Generic => unreachable!("generic rules are judged values"),
    }
}

/// Set each finding's confidence from its rule, secret, locations and verdict; `relative` gives
/// a location's path as path classes judge it (below the repository root).
pub fn assess(findings: &mut [Finding], rules: &RuleSet, relative: &dyn Fn(&str) -> String) {
    for f in findings {
        let Some(rule) = rules.get(&f.rule_id) else {
            continue;
        };
        let paths: Vec<String> = f.locations.iter().map(|l| relative(&l.path)).collect();
        let (level, why) = judge(
            rule,
            f.secret.as_ref().map(|s| s.expose()),
            paths.iter().map(String::as_str),
            f.verified,
        );
        f.confidence = level;
        f.confidence_why = why;
    }
}

#[cfg(test)]
mod tests {
    use super::weak;

    #[test]
    fn weak_is_short_or_short_and_plain() {
        for v in [
            "hunter2",
            "Tr0ub4d",
            "super$ecret",
            "goodspec",
            "mypassword1",
        ] {
            assert!(weak(v), "{v}");
        }
        for v in [
            "#gets0m3",
            "D1fficult",
            "Xq3hT9bV0pLmN2rK",
            "lnrcaxpjkfgdpyicwq",
        ] {
            assert!(!weak(v), "{v}");
        }
    }
}
