//! Verification: after grouping and filtering, ask a provider whether a secret is live. One
//! request per unique secret, only to the host the built-in pack declares. No verifier is
//! registered yet (verification is opt-in and arrives provider by provider); the stage runs
//! in the pipeline's order so adding one is one file in this folder plus one line in
//! `VERIFIERS`.

use crate::finding::Finding;

/// A provider's answer about one secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `Some(true)` live, `Some(false)` dead, `None` unknown.
    pub live: Option<bool>,
    /// Why (`401 from the provider`, `timeout`, `network unreachable`).
    pub reason: String,
}

/// Checks the findings of some rules against their provider.
pub trait Verifier: Sync {
    /// Whether this verifier knows the rule.
    fn handles(&self, rule_id: &str) -> bool;
    fn verify(&self, finding: &Finding) -> Verdict;
}

/// Every verifier, tried in order; the first that handles a rule answers for it.
const VERIFIERS: &[&dyn Verifier] = &[];

/// Run the verification stage over grouped findings: one call per finding (a finding is one
/// secret), results into `verified`.
pub fn run(findings: &mut [Finding]) {
    run_with(findings, VERIFIERS);
}

fn run_with(findings: &mut [Finding], verifiers: &[&dyn Verifier]) {
    for f in findings.iter_mut().filter(|f| f.secret.is_some()) {
        if let Some(v) = verifiers.iter().find(|v| v.handles(&f.rule_id)) {
            let verdict = v.verify(f);
            f.verified = verdict.live;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::Provenance;
    use crate::finding::Location;

    struct AlwaysLive;
    impl Verifier for AlwaysLive {
        fn handles(&self, rule_id: &str) -> bool {
            rule_id == "test-rule"
        }
        fn verify(&self, _: &Finding) -> Verdict {
            Verdict {
                live: Some(true),
                reason: "200 from the provider".into(),
            }
        }
    }

    #[test]
    fn a_registered_verifier_sets_verified_for_its_rules_only() {
        let finding = |rule: &str| Finding {
            rule_id: rule.into(),
            rule_name: String::new(),
            provider: String::new(),
            precedence: 100,
            severity: crate::severity::Severity::High,
            secret: Some(crate::redact::Secret::new("FAKE-value-123456".into(), &[])),
            fingerprint: String::new(),
            details: Vec::new(),
            verified: None,
            locations: vec![Location {
                path: "a".into(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
                context: String::new(),
                line_hash: None,
                provenance: Provenance::File,
            }],
            history: None,
            inline_allowed: false,
        };
        let mut fs = vec![finding("test-rule"), finding("other-rule")];
        run_with(&mut fs, &[&AlwaysLive]);
        assert_eq!(fs[0].verified, Some(true));
        assert_eq!(fs[1].verified, None);
    }
}
