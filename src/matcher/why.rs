//! `explain --line`: every candidate the rules' patterns see on one line, and what happened to
//! it: reported, suppressed (config, inline marker), dropped (entropy, placeholder, validator,
//! the rule's allowlist), outside the keyword prefilter, or beaten by a more specific rule at
//! the same place. The same `judge` the scan uses decides, so the answer is the scan's.

use super::{Dropped, Matcher, Suppression};
use crate::redact::redact;

/// One rule's view of one candidate on the line.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub rule_id: String,
    /// The candidate, redacted.
    pub secret: String,
    /// The candidate in full, for judging it (never shown).
    pub value: crate::redact::Secret,
    pub outcome: String,
    /// The scan reports it.
    pub reported: bool,
}

impl Matcher<'_> {
    /// The candidates whose secret starts on 1-based line `line` of `data`.
    pub fn why(&self, path: &str, data: &[u8], line: usize) -> Vec<Candidate> {
        let mut starts = vec![0usize];
        starts.extend(memchr::memchr_iter(b'\n', data).map(|i| i + 1));
        let Some(&lo) = starts.get(line.saturating_sub(1)) else {
            return Vec::new();
        };
        let hi = starts.get(line).copied().unwrap_or(data.len());
        let reported = self.scan(path, data);
        let hits = self.search(data);
        let windows = self.windows(data, &hits, |_, r| r.paths.admits(path));
        let mut out = Vec::new();
        for (idx, rule) in self.rules.rules.iter().enumerate() {
            let Some(re) = rule.regex() else { continue };
            let mut pos = 0;
            while let Some(caps) = re.captures_at(data, pos) {
                let whole = caps.get(0).expect("group 0");
                let Some(g) = crate::rules::secret_group(&caps) else {
                    break;
                };
                pos = g.end().max(whole.start() + 1);
                if g.start() >= hi {
                    break;
                }
                if g.start() < lo || g.start() == g.end() {
                    continue;
                }
                let secret = redact(
                    &String::from_utf8_lossy(&data[g.start()..g.end()]),
                    &rule.spec.keywords,
                );
                let in_window = windows[idx]
                    .iter()
                    .any(|&(ws, we)| ws <= whole.start() && g.end() <= we);
                let judged =
                    self.judge(idx, data, (whole.start(), whole.end()), g.start(), g.end());
                let outcome = match judged {
                    _ if !rule.paths.admits(path) => {
                        "not reported: the rule does not apply to this path".to_string()
                    }
                    _ if !in_window => format!(
                        "not reported: none of the rule's keywords ({}) is near it, so the pattern never runs here",
                        rule.spec.keywords.join(", ")
                    ),
                    Err(Dropped::Entropy(got, min)) => format!(
                        "not reported: entropy {got:.2} is below the rule's minimum {min:.2}"
                    ),
                    Err(Dropped::Placeholder) => "not reported: the placeholder vocabulary (rules/placeholders.yaml) calls it a placeholder".to_string(),
                    Err(Dropped::Validator(v)) => format!(
                        "not reported: the rule's offline check ({v:?}) says it is not a secret (a placeholder, reference, word, path, digest, or a malformed key)"
                    ),
                    Err(Dropped::PublishedExample(source)) => format!(
                        "not reported: a published example ({source}), public by design"
                    ),
                    Err(Dropped::ObviousFake(why)) => format!(
                        "not reported: an obvious fake ({why}), typed by hand"
                    ),
                    Err(Dropped::RuleAllowlist) => {
                        "not reported: the rule's own allowlist matches it".to_string()
                    }
                    Ok(m) => match m.suppressed {
                        Some(Suppression::Config) => {
                            "suppressed by the config's allowlist (allow.secrets, lines or stopwords)"
                                .to_string()
                        }
                        Some(Suppression::Inline) => {
                            "suppressed by an inline marker on the line".to_string()
                        }
                        None if reported
                            .iter()
                            .any(|r| r.rule == idx && r.start == g.start()) =>
                        {
                            "reported".to_string()
                        }
                        None => "not reported: a more specific rule claims the same place".to_string(),
                    },
                };
                out.push(Candidate {
                    rule_id: rule.id().to_string(),
                    secret,
                    value: crate::redact::Secret::new(
                        String::from_utf8_lossy(&data[g.start()..g.end()]).into_owned(),
                        &rule.spec.keywords,
                    ),
                    reported: outcome == "reported",
                    outcome,
                });
            }
        }
        out
    }
}
