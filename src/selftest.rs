//! The rule self-test that `keywarden rules check`, config loading and `cargo test` run: ids,
//! patterns with a `secret` group, every example found through the real matcher, no negative
//! example found, a checklist for every rule. It sits above both rules and matcher, so neither
//! depends on the other to be proven sound.

use std::collections::HashSet;

use anyhow::{Result, bail};
use regex::bytes::Regex;

use crate::matcher::self_test_matches;
use crate::rules::{RuleSet, compile_regex};

/// Problems found by the self-test, one line each; empty means every rule is sound.
pub fn self_test(set: &RuleSet) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    let id_shape = Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").expect("static regex");
    for rule in &set.rules {
        let id = rule.id();
        let mut bad = |msg: String| problems.push(format!("{id}: {msg}"));
        if !ids.insert(id.to_string()) {
            bad("duplicate rule id".into());
        }
        if !id_shape.is_match(id.as_bytes()) {
            bad("id must be lowercase words joined by '-'".into());
        }
        if rule.spec.rotate.steps.is_empty() {
            bad("rotate.steps is empty: every finding needs a checklist".into());
        }
        if rule.spec.examples.is_empty() {
            bad("has no examples".into());
        }
        for (what, check) in [("verify", &rule.spec.verify), ("revoke", &rule.spec.revoke)] {
            if let Some(c) = check {
                if c.host().is_none() {
                    bad(format!(
                        "{what}.url must be https:// with a fixed host (no `{{secret}}` in it)"
                    ));
                }
                if let Some(p) = &c.basic_user_on_line
                    && regex::Regex::new(p).is_err()
                {
                    bad(format!("{what}.basic_user_on_line does not compile"));
                }
                if c.live.is_empty() && c.live_body.is_none() {
                    bad(format!("{what} says nothing about a live answer"));
                }
            }
        }
        if let Some(file) = &rule.spec.file {
            if !rule.spec.pattern.is_empty() || !rule.spec.keywords.is_empty() {
                bad("a file rule has no pattern or keywords".into());
            }
            if file.paths.is_empty() {
                bad("file.paths is empty".into());
            }
            for ex in &rule.spec.examples {
                if !rule.file_matches(ex) {
                    bad(format!("example path does not match: {ex}"));
                }
            }
            for ex in &rule.spec.negative_examples {
                if rule.file_matches(ex) {
                    bad(format!("negative example path matches: {ex}"));
                }
            }
            continue;
        }
        if rule.spec.keywords.is_empty() || rule.spec.keywords.iter().any(|k| k.trim().is_empty()) {
            bad("needs at least one non-empty keyword".into());
        }
        let re = match compile_regex(&rule.spec.pattern) {
            Ok(re) => re,
            Err(e) => {
                bad(format!("pattern does not compile: {e}"));
                continue;
            }
        };
        if !re.capture_names().any(|n| n == Some("secret")) {
            bad("pattern has no named group `secret`".into());
            continue;
        }
        for ex in &rule.spec.examples {
            let lower = ex.to_ascii_lowercase();
            if !rule
                .spec
                .keywords
                .iter()
                .any(|k| lower.contains(&k.to_ascii_lowercase()))
            {
                bad(format!(
                    "example contains none of the keywords: {}",
                    crate::redact::redact_str(ex)
                ));
            }
            if self_test_matches(set, rule, ex.as_bytes()).is_empty() {
                bad(format!(
                    "example does not produce a finding: {}",
                    crate::redact::redact_str(ex)
                ));
            }
        }
        for ex in &rule.spec.negative_examples {
            if !self_test_matches(set, rule, ex.as_bytes()).is_empty() {
                bad(format!(
                    "negative example matches: {}",
                    crate::redact::redact_str(ex)
                ));
            }
        }
    }
    problems
}

/// Fail unless the self-test is clean; used where a custom rule is loaded.
pub fn ensure_sound(set: &RuleSet, what: &str) -> Result<()> {
    let problems = self_test(set);
    if !problems.is_empty() {
        bail!(
            "{what}: rule self-test failed:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSpec;

    /// `cargo test` runs the same self-test as `keywarden rules check`.
    #[test]
    fn builtin_rules_are_sound() {
        let set = RuleSet::builtin().expect("built-in packs parse");
        let problems = self_test(&set);
        assert!(problems.is_empty(), "{problems:#?}");
        for rule in &set.rules {
            assert!(
                rule.spec.examples.len() >= 3,
                "{} needs 3 examples",
                rule.id()
            );
            assert!(
                rule.spec.negative_examples.len() >= 3,
                "{} needs 3 negative examples",
                rule.id()
            );
        }
    }

    #[test]
    fn self_test_catches_a_bad_rule() {
        let mut set = RuleSet::default();
        let spec: RuleSpec = crate::yaml::parse_yaml(
            "t.yaml",
            "id: Bad_Id\nname: x\nseverity: low\nkeywords: [zz]\npattern: 'abc'\nexamples: ['nothing']\nnegative_examples: []\n",
        )
        .unwrap();
        set.add(spec, "t").unwrap();
        let problems = self_test(&set).join("\n");
        assert!(problems.contains("id must be"), "{problems}");
        assert!(problems.contains("no named group"), "{problems}");
        assert!(problems.contains("rotate.steps is empty"), "{problems}");
    }
}
