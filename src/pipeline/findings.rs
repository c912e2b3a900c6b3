//! From matches in one chunk to findings: positions (the parent's line for a decoded block),
//! a context line with every secret on it redacted, the fingerprint, and GitHub's line hash
//! when SARIF output wants it.

use crate::chunk::{Chunk, LineCounter};
use crate::finding::{Finding, Location};
use crate::fingerprint::secret_id;
use crate::matcher::{Match, Matcher, Suppression, line_around};
use crate::redact::{Secret, redact};
use crate::rules::RuleSet;

/// Turn the matches of a chunk into findings with one location each: those the config
/// suppressed are only counted, those an inline marker suppressed are kept, marked.
pub fn build(
    matcher: &Matcher,
    chunk: &Chunk,
    matches: &[Match],
    line_hashes: bool,
) -> Vec<Finding> {
    let rules = matcher.rules();
    let data = &chunk.bytes;
    let anchor = chunk.provenance.anchor();
    let mut counter = LineCounter::default();
    let mut findings = Vec::new();
    let hashes =
        if line_hashes && anchor.is_none() && matches.iter().any(|m| m.suppressed.is_none()) {
            let mut lc = LineCounter::default();
            let lines: Vec<usize> = matches.iter().map(|m| lc.locate(data, m.start).0).collect();
            crate::linehash::line_hashes(data, &lines)
        } else {
            Default::default()
        };
    for m in matches
        .iter()
        .filter(|m| m.suppressed != Some(Suppression::Config))
    {
        let rule = &rules.rules[m.rule];
        let secret_bytes = &data[m.start..m.end];
        let (line, column) = counter.locate(data, m.start);
        let mut end_counter = counter;
        let (end_line, end_column) = end_counter.locate(data, m.end);
        let ((line, column), (end_line, end_column)) = match anchor {
            Some(at) => (at, at),
            None => ((line, column), (end_line, end_column)),
        };
        findings.push(Finding {
            rule_id: rule.id().to_string(),
            rule_name: rule.spec.name.clone(),
            provider: rule.spec.provider.clone(),
            precedence: rule.precedence,
            severity: m.severity(rules),
            fingerprint: secret_id(rule.id(), secret_bytes),
            secret: Some(Secret::new(
                String::from_utf8_lossy(secret_bytes).into_owned(),
                &rule.spec.keywords,
            )),
            locations: vec![Location {
                path: chunk.path.clone(),
                line,
                column,
                end_line,
                end_column,
                context: redacted_line(data, m, matches, rules),
                line_hash: hashes.get(&line).cloned(),
                provenance: chunk.provenance.clone(),
            }],
            details: m.verdict.details.clone(),
            verified: m.verdict.verified,
            confidence: Default::default(),
            confidence_why: String::new(),
            verification: None,
            history: None,
            inline_allowed: m.suppressed == Some(Suppression::Inline),
        });
    }
    findings
}

/// Longest secret span we expect (a PEM block); bounds the look-back for overlapping spans.
const MAX_SPAN: usize = 1 << 16;

/// The line around a match with every match on it replaced by its redacted form, so one
/// finding's context never shows another's secret.
fn redacted_line(data: &[u8], m: &Match, all: &[Match], rules: &RuleSet) -> String {
    let line = line_around(data, m.start, m.end);
    let line_start = line.as_ptr() as usize - data.as_ptr() as usize;
    let line_end = line_start + line.len();
    let mut out = String::new();
    let mut pos = line_start;
    // `all` is sorted by start: look only at the matches that can touch this line.
    let hi = all.partition_point(|o| o.start < line_end);
    let mut spans: Vec<&Match> = all[..hi]
        .iter()
        .rev()
        .take_while(|o| o.start + MAX_SPAN >= line_start)
        .filter(|o| o.end > line_start)
        .collect();
    spans.reverse();
    for o in spans {
        if o.end <= pos {
            continue;
        }
        if o.start < pos {
            // A secret that began on an earlier line (a PEM block): hide the rest of it.
            out.push('…');
        } else {
            out.push_str(&String::from_utf8_lossy(&data[pos..o.start]));
            let secret = String::from_utf8_lossy(&data[o.start..o.end]);
            out.push_str(&redact(&secret, &rules.rules[o.rule].spec.keywords));
        }
        pos = o.end;
    }
    if pos < line_end {
        out.push_str(&String::from_utf8_lossy(&data[pos..line_end]));
    }
    out.trim_end_matches('\r')
        .chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect()
}
