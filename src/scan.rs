//! From bytes to findings: decode (UTF-16 with a BOM), skip binaries, run the matcher, then turn
//! matches into `Finding`s with positions, redacted context and a checklist. Sources hand chunks
//! here; nothing in this file knows whether the bytes came from disk or from git.

use std::borrow::Cow;
use std::time::Duration;

use crate::finding::{Finding, LineCounter, Origin, redact, secret_id};
use crate::matcher::{Match, Matcher, line_around};

/// Counters shown in the summary line and the JSON summary.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub files: usize,
    pub bytes: u64,
    pub skipped_binary: usize,
    pub skipped_large: usize,
    pub unreadable: usize,
    pub suppressed: usize,
    pub baselined: usize,
    pub below_threshold: usize,
    pub commits: usize,
    /// Git objects that were missing or corrupt; a scan with any is never a clean exit 0.
    pub git_errors: usize,
    pub elapsed: Duration,
}

impl Stats {
    pub fn add(&mut self, other: &Stats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.skipped_binary += other.skipped_binary;
        self.skipped_large += other.skipped_large;
        self.unreadable += other.unreadable;
        self.suppressed += other.suppressed;
        self.git_errors += other.git_errors;
    }
}

/// What one chunk produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub stats: Stats,
}

/// Text to scan, or `None` for binary content (a NUL byte in the first 8 KiB). UTF-16 with a
/// BOM is decoded to UTF-8.
pub fn text_of(data: &[u8]) -> Option<Cow<'_, [u8]>> {
    let utf16 = |be: bool| {
        let units = data[2..].chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        let s: String = char::decode_utf16(units)
            .map(|r| r.unwrap_or('\u{FFFD}'))
            .collect();
        Some(Cow::Owned(s.into_bytes()))
    };
    // A BOM alone is weak evidence (Latin-1 text can start with ÿþ); ASCII in UTF-16 always
    // carries NUL bytes, and so does any key we look for.
    let has_nul = || memchr::memchr(0, data).is_some();
    match data {
        [0xFF, 0xFE, ..] if has_nul() => utf16(false),
        [0xFE, 0xFF, ..] if has_nul() => utf16(true),
        _ => {
            let head = &data[..data.len().min(8192)];
            if memchr::memchr(0, head).is_some() {
                None
            } else {
                Some(Cow::Borrowed(data))
            }
        }
    }
}

/// Scan one chunk's bytes. `path` is what reports show; `origin` picks the checklist.
pub fn scan_chunk(matcher: &Matcher, path: &str, data: &[u8], origin: &Origin) -> Outcome {
    let mut out = Outcome::default();
    out.stats.files = 1;
    out.stats.bytes = data.len() as u64;
    let Some(text) = text_of(data) else {
        out.stats.skipped_binary = 1;
        return out;
    };
    let matches = matcher.scan(path, &text);
    out.stats.suppressed = matches.iter().filter(|m| m.suppressed.is_some()).count();
    out.findings = build_findings(matcher, path, &text, &matches, origin);
    out
}

/// Turn matches into findings. Every secret span on a finding's line is redacted in its
/// `line_text`, so one finding's context never shows another's secret.
pub fn build_findings(
    matcher: &Matcher,
    path: &str,
    data: &[u8],
    matches: &[Match],
    origin: &Origin,
) -> Vec<Finding> {
    let rules = matcher.rules();
    let mut counter = LineCounter::default();
    let mut findings = Vec::new();
    let hashes = if matcher.options().line_hashes && matches.iter().any(|m| m.suppressed.is_none())
    {
        let mut lc = LineCounter::default();
        let lines: Vec<usize> = matches.iter().map(|m| lc.locate(data, m.start).0).collect();
        crate::report::sarif::line_hashes(data, &lines)
    } else {
        Default::default()
    };
    for m in matches.iter().filter(|m| m.suppressed.is_none()) {
        let rule = &rules.rules[m.rule];
        let secret_bytes = &data[m.start..m.end];
        let secret = String::from_utf8_lossy(secret_bytes).into_owned();
        let redacted = redact(&secret, &rule.spec.keywords);
        let (line, column) = counter.locate(data, m.start);
        let mut end_counter = counter;
        let (end_line, end_column) = end_counter.locate(data, m.end);
        findings.push(Finding {
            rule_id: rule.id().to_string(),
            rule_name: rule.spec.name.clone(),
            provider: rule.spec.provider.clone(),
            severity: m.severity(rules),
            fingerprint: secret_id(rule.id(), secret_bytes),
            redacted,
            secret,
            path: path.to_string(),
            line,
            column,
            end_line,
            end_column,
            line_text: redacted_line(data, m, matches, rules),
            details: m.verdict.details.clone(),
            verified: m.verdict.verified,
            origin: origin.clone(),
            line_hash: hashes.get(&line).cloned(),
        });
    }
    findings
}

/// Longest secret span we expect (a PEM block); bounds the look-back for overlapping spans.
const MAX_SPAN: usize = 1 << 16;

/// The line around a match with every match on it replaced by its redacted form.
fn redacted_line(data: &[u8], m: &Match, all: &[Match], rules: &crate::rules::RuleSet) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_utf16_detection() {
        assert!(text_of(b"abc\0def").is_none());
        assert_eq!(text_of(b"plain").unwrap().as_ref(), b"plain");
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("k=v".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(text_of(&utf16le).unwrap().as_ref(), b"k=v");
        let latin1 = b"\xff\xfe not utf-16";
        assert_eq!(text_of(latin1).unwrap().as_ref(), latin1);
        assert_eq!(text_of(b"").unwrap().as_ref(), b"");
    }
}
