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

/// A generic value shorter than this is weak whatever its characters: most machine-made
/// secrets are 16 characters or more.
const WEAK_LEN: usize = 12;

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
        && s.chars().count() < WEAK_LEN
    {
        return (
            Confidence::Low,
            format!("a weak value, under {WEAK_LEN} characters"),
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
