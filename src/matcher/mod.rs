//! The matcher: a case-insensitive search for every rule's keywords (`keywords.rs`) finds
//! where a secret could be; only rules whose keyword hit run their regex, and only in a window
//! around the hit. Candidates then pass entropy, the rule's validator and the allowlists, and
//! where two rules claim the same span the more specific one wins. A file's next revision
//! reuses what this one found where the bytes are the same (`reuse.rs`).

mod keywords;
mod reuse;
mod why;

pub use reuse::LastScan;
use reuse::Reuse;

use keywords::KeywordSearch;

pub use crate::change::Change;
use crate::entropy::shannon_entropy;
use crate::rules::{Allow, Rule, RuleSet};
use crate::severity::Severity;
use crate::validate::{Context, Verdict};

/// Bytes before a keyword hit that a pattern may start at (`api_key = "…"` starts before `key`).
const WINDOW_BEFORE: usize = 256;
/// At most this many bytes of a line either side of a secret are used for line allowlists and
/// shown in reports, so a 30 MB minified line never gets copied around.
pub const LINE_CONTEXT: usize = 160;

/// Why a match was not reported; suppressed matches are counted, never silently lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    /// `keywarden:allow`, `gitleaks:allow` or `pragma: allowlist secret` on the line.
    Inline,
    /// The repository config's allowlist.
    Config,
}

/// Why a candidate the pattern matched was not a match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dropped {
    /// Shannon entropy (got, rule's minimum).
    Entropy(f64, f64),
    /// The placeholder vocabulary recognised it.
    Placeholder,
    /// The rule's offline check said no.
    Validator(crate::validate::Validator),
    /// The rule's own allowlist.
    RuleAllowlist,
    /// A key published as an example (`rules/published-examples.yaml`).
    PublishedExample(&'static str),
    /// Made by hand: an alphabet or digit run, a repeated character (`placeholders::obvious_fake`).
    ObviousFake(&'static str),
}

/// One secret a rule found in one chunk, before it becomes a `Finding`.
#[derive(Debug, Clone)]
pub struct Match {
    pub rule: usize,
    /// Byte span of the `secret` group in the chunk.
    pub start: usize,
    pub end: usize,
    pub verdict: Verdict,
    pub suppressed: Option<Suppression>,
    specificity: (bool, usize),
}

impl Match {
    pub fn severity(&self, rules: &RuleSet) -> Severity {
        self.verdict
            .severity
            .unwrap_or(rules.rules[self.rule].spec.severity)
    }
}

/// Settings that come from the command line and config rather than from rules.
#[derive(Debug, Default)]
pub struct MatchOptions {
    pub ctx: Context,
    pub allow: Allow,
    pub inline_allow: bool,
}

/// One keyword occurrence (ordered by start, then end).
type Hit = keywords::Occurrence;

/// One rule's window in a chunk and the matches (before overlaps are resolved) it gave.
#[derive(Debug, Clone)]
struct Window {
    rule: usize,
    start: usize,
    end: usize,
    matches: std::ops::Range<usize>,
}

pub struct Matcher<'r> {
    rules: &'r RuleSet,
    search: KeywordSearch,
    /// For each keyword, the rules that listed it.
    keyword_rules: Vec<Vec<usize>>,
    longest_keyword: usize,
    opts: &'r MatchOptions,
    /// The options' validator context plus what the rules tell validators (vendor prefixes).
    ctx: Context,
}

impl<'r> Matcher<'r> {
    pub fn new(rules: &'r RuleSet, opts: &'r MatchOptions) -> anyhow::Result<Matcher<'r>> {
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        for (i, rule) in rules.rules.iter().enumerate() {
            for kw in &rule.spec.keywords {
                let kw = kw.to_ascii_lowercase();
                match keywords.iter().position(|k| *k == kw) {
                    Some(p) => {
                        if !keyword_rules[p].contains(&i) {
                            keyword_rules[p].push(i)
                        }
                    }
                    None => {
                        keywords.push(kw);
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let search = KeywordSearch::new(&keywords)?;
        let mut ctx = opts.ctx.clone();
        ctx.vendor_prefixes = vendor_prefixes(rules);
        Ok(Matcher {
            rules,
            search,
            longest_keyword: keywords.iter().map(|k| k.len()).max().unwrap_or(0),
            keyword_rules,
            opts,
            ctx,
        })
    }

    pub fn rules(&self) -> &'r RuleSet {
        self.rules
    }

    /// Every match in `data`, suppressed ones included, sorted by position.
    pub fn scan(&self, path: &str, data: &[u8]) -> Vec<Match> {
        let hits = self.search(data);
        self.scan_hits(&mut |_, rule| rule.paths.admits(path), data, &hits, None)
            .0
    }

    /// `scan` for the printable runs of a binary file (`printable`): only the rules of a
    /// provider's own key layout run there (a prefix, a checksum); a value judged by the name it
    /// is assigned to means nothing among machine code.
    pub fn scan_binary(&self, path: &str, printable: &[u8]) -> Vec<Match> {
        let hits = self.search(printable);
        let mut admits = |_, rule: &Rule| {
            rule.kind == crate::rules::RuleKind::Provider && rule.paths.admits(path)
        };
        self.scan_hits(&mut admits, printable, &hits, None).0
    }

    fn scan_hits(
        &self,
        admits: &mut dyn FnMut(usize, &Rule) -> bool,
        data: &[u8],
        hits: &[Hit],
        reuse: Option<&Reuse>,
    ) -> (Vec<Match>, Vec<Window>, Vec<Match>) {
        let spans = self.windows(data, hits, admits);
        let mut found = Vec::new();
        let mut windows = Vec::new();
        for (rule_idx, spans) in spans.into_iter().enumerate() {
            for (ws, we) in spans {
                let begin = found.len();
                match reuse.and_then(|r| r.lookup(rule_idx, ws, we)) {
                    Some((earlier, delta)) => found.extend(earlier.iter().map(|m| {
                        let mut m = m.clone();
                        m.start = m.start.wrapping_add_signed(delta);
                        m.end = m.end.wrapping_add_signed(delta);
                        m
                    })),
                    None => self.run_rule(rule_idx, data, ws, we, &mut found),
                }
                windows.push(Window {
                    rule: rule_idx,
                    start: ws,
                    end: we,
                    matches: begin..found.len(),
                });
            }
        }
        let raw = found.clone();
        (resolve_overlaps(found), windows, raw)
    }

    /// Every keyword occurrence (overlapping ones too) in `data`, sorted by start.
    fn search(&self, data: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.search.find_all(data, &mut hits);
        hits.sort_unstable();
        hits
    }

    /// Every keyword occurrence overlapping one of `gaps` (in order, disjoint), and maybe
    /// others: the bytes around each gap, as far as the longest keyword reaches, are searched
    /// in one go (a delta's gaps are many and short).
    fn search_gaps(
        &self,
        data: &[u8],
        gaps: impl Iterator<Item = (usize, usize)>,
        out: &mut Vec<Hit>,
    ) {
        let reach = self.longest_keyword.saturating_sub(1);
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for (from, to) in gaps {
            let lo = from.saturating_sub(reach);
            let hi = (to + reach).min(data.len());
            match ranges.last_mut() {
                Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                _ => ranges.push((lo, hi)),
            }
        }
        self.search.find_all_in(data, &ranges, out);
    }

    /// Per rule, the merged byte windows around its keyword hits (sorted by start): from
    /// `WINDOW_BEFORE` bytes before a hit to the rule's `window` after it, and for a
    /// line-bound rule (`rules::line_bound`) no further than the hit's line.
    fn windows(
        &self,
        data: &[u8],
        hits: &[Hit],
        mut admits: impl FnMut(usize, &Rule) -> bool,
    ) -> Vec<Vec<(usize, usize)>> {
        let n = self.rules.rules.len();
        let len = data.len();
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        // Per rule: not yet asked, not admitted, or admitted and whether it is line-bound.
        let mut admitted: Vec<Option<Option<bool>>> = vec![None; n];
        for hit in hits {
            for &r in &self.keyword_rules[hit.keyword as usize] {
                let rule = &self.rules.rules[r];
                let Some(line_bound) = *admitted[r].get_or_insert_with(|| {
                    admits(r, rule).then(|| rule.compiled().is_some_and(|c| c.line_bound))
                }) else {
                    continue;
                };
                let mut ws = hit.start.saturating_sub(WINDOW_BEFORE);
                let mut we = (hit.end + rule.window()).min(len);
                if line_bound {
                    if let Some(i) = memchr::memrchr(b'\n', &data[ws..hit.start]) {
                        ws += i + 1;
                    }
                    if let Some(i) = memchr::memchr(b'\n', &data[hit.end.min(we)..we]) {
                        we = hit.end + i;
                    }
                }
                match windows[r].last_mut() {
                    Some(last) if ws <= last.1 => last.1 = last.1.max(we),
                    _ => windows[r].push((ws, we)),
                }
            }
        }
        windows
    }

    fn run_rule(&self, rule_idx: usize, data: &[u8], ws: usize, we: usize, out: &mut Vec<Match>) {
        let rule = &self.rules.rules[rule_idx];
        let hay = &data[ws..we];
        let Some(re) = rule.regex() else { return };
        let mut pos = 0;
        // Resume after the secret, not after the whole match: a pattern's trailing boundary
        // (a newline, a comma) is also the next key's leading boundary. Windows of one rule
        // are disjoint, so no span is seen twice.
        while pos <= hay.len() {
            let Some(caps) = re.captures_at(hay, pos) else {
                break;
            };
            let whole = caps.get(0).expect("group 0 always participates");
            let Some(g) = crate::rules::secret_group(&caps) else {
                break;
            };
            pos = g.end().max(whole.start() + 1);
            if g.start() == g.end() {
                continue;
            }
            let span = (ws + whole.start(), ws + whole.end());
            if let Ok(m) = self.judge(rule_idx, data, span, ws + g.start(), ws + g.end()) {
                out.push(m);
            }
        }
    }

    /// Entropy, placeholders, validator and allowlists for one candidate: the match, or why
    /// it was dropped (`explain --line` shows the reason).
    fn judge(
        &self,
        rule_idx: usize,
        data: &[u8],
        (match_start, match_end): (usize, usize),
        start: usize,
        end: usize,
    ) -> Result<Match, Dropped> {
        let rule = &self.rules.rules[rule_idx];
        let secret = &data[start..end];
        let entropy = shannon_entropy(secret);
        if rule.spec.min_entropy > 0.0 && entropy < rule.spec.min_entropy {
            return Err(Dropped::Entropy(entropy, rule.spec.min_entropy));
        }
        if let Some(p) = crate::placeholders::published_example(secret) {
            return Err(Dropped::PublishedExample(&p.source));
        }
        if rule.spec.placeholders
            && crate::placeholders::Placeholders::get().matches(&String::from_utf8_lossy(secret))
        {
            return Err(Dropped::Placeholder);
        }
        let verdict = match rule.spec.validate {
            Some(v) => v
                .check(
                    secret,
                    &data[match_start..start],
                    &data[end..match_end],
                    rule.spec.severity,
                    &self.ctx,
                )
                .ok_or(Dropped::Validator(v))?,
            None => Verdict::default(),
        };
        // A checksum or signature that holds is no accident; anything else with a run typed
        // by hand is a fake.
        if !rule.spec.validate.is_some_and(|v| v.proves_key())
            && let Some(why) = crate::placeholders::obvious_fake(secret)
        {
            return Err(Dropped::ObviousFake(why));
        }
        let line = line_around(data, start, end);
        if rule.allow.allows(rule.id(), secret, line) {
            return Err(Dropped::RuleAllowlist);
        }
        let suppressed = if self.opts.allow.allows(rule.id(), secret, line) {
            Some(Suppression::Config)
        } else if self.opts.inline_allow && inline_allowed(line, rule.id()) {
            Some(Suppression::Inline)
        } else {
            None
        };
        let lower = secret.to_ascii_lowercase();
        let keyword_len = rule
            .spec
            .keywords
            .iter()
            .filter(|k| memchr::memmem::find(&lower, k.to_ascii_lowercase().as_bytes()).is_some())
            .map(|k| k.len())
            .max()
            .unwrap_or(0);
        Ok(Match {
            rule: rule_idx,
            start,
            end,
            verdict,
            suppressed,
            specificity: (
                rule.spec.validate.is_some_and(|v| v.proves_key()),
                keyword_len,
            ),
        })
    }
}

/// Key prefixes of the provider rules whose offline check proves a key (`ghp_` and its
/// checksum, `apikee_` and its signature): a keyword that ends in a separator or is an
/// upper-case marker. A value with such a prefix is that rule's to judge, so a failed checksum
/// is not reported by the generic rules instead. A prefix without such a check (`xai-`, `EAAA`)
/// proves nothing: a value under a secret's name that misses the vendor layout is still judged
/// as a generic value (the vendor rule wins where both match).
fn vendor_prefixes(rules: &RuleSet) -> Vec<String> {
    let mut out: Vec<String> = rules
        .rules
        .iter()
        .filter(|r| {
            r.kind == crate::rules::RuleKind::Provider
                && r.spec.validate.is_some_and(|v| v.proves_key())
        })
        .flat_map(|r| r.spec.keywords.iter())
        .filter(|k| {
            k.len() >= 3
                && (k.ends_with(['_', '-', '.'])
                    || (k.len() >= 4
                        && k.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())))
        })
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Where two rules claim overlapping spans, keep the more specific: a rule whose validator
/// passed beats one without, then the longer keyword inside the secret, then the earlier rule.
/// Two validated rules both stand: they state different facts about a checked key.
fn resolve_overlaps(mut found: Vec<Match>) -> Vec<Match> {
    found.sort_by_key(|m| (m.start, m.end, m.rule));
    let mut dropped = vec![false; found.len()];
    for i in 0..found.len() {
        for j in i + 1..found.len() {
            if found[j].start >= found[i].end {
                break;
            }
            let (a, b) = (&found[i], &found[j]);
            if a.specificity.0 && b.specificity.0 {
                continue;
            }
            let a_wins = (a.specificity, std::cmp::Reverse(a.rule))
                >= (b.specificity, std::cmp::Reverse(b.rule));
            if a_wins {
                dropped[j] = true;
            } else {
                dropped[i] = true;
            }
        }
    }
    found
        .into_iter()
        .zip(dropped)
        .filter(|(_, d)| !d)
        .map(|(m, _)| m)
        .collect()
}

/// The line holding `start..end`, at most `LINE_CONTEXT` bytes either side.
pub fn line_around(data: &[u8], start: usize, end: usize) -> &[u8] {
    let lo = start.saturating_sub(LINE_CONTEXT);
    let ls = memchr::memrchr(b'\n', &data[lo..start]).map_or(lo, |p| lo + p + 1);
    let end_of_first = memchr::memchr(b'\n', &data[start..end]).map_or(end, |p| start + p);
    let hi = (end_of_first + LINE_CONTEXT).min(data.len());
    let le = memchr::memchr(b'\n', &data[end_of_first..hi]).map_or(hi, |p| end_of_first + p);
    &data[ls..le]
}

/// Inline markers teams already use, so migrating from another scanner needs no edits.
fn inline_allowed(line: &[u8], rule_id: &str) -> bool {
    let text = String::from_utf8_lossy(line);
    if text.contains("gitleaks:allow") || text.contains("pragma: allowlist secret") {
        return true;
    }
    let Some(pos) = text.find("keywarden:allow") else {
        return false;
    };
    let rest = text[pos + "keywarden:allow".len()..].trim_start();
    let first = rest.split(char::is_whitespace).next().unwrap_or("");
    let is_id = |w: &&str| {
        w.contains('-')
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    let named: Vec<&str> = first.split(',').filter(is_id).collect();
    named.is_empty() || named.contains(&rule_id)
}

/// The matches one rule alone produces on `text` (used by the self-test, where examples and
/// negative examples are judged rule by rule).
pub fn self_test_matches(set: &RuleSet, rule: &Rule, text: &[u8]) -> Vec<Match> {
    let idx = set
        .rules
        .iter()
        .position(|r| std::ptr::eq(r, rule))
        .unwrap_or(usize::MAX);
    let opts = MatchOptions {
        ctx: Context {
            now: 1_800_000_000,
            ..Context::default()
        },
        ..MatchOptions::default()
    };
    let Ok(matcher) = Matcher::new(set, &opts) else {
        return Vec::new();
    };
    let hits = matcher.search(text);
    let windows = matcher.windows(text, &hits, |_, r| std::ptr::eq(r, rule));
    let mut out = Vec::new();
    if let Some(spans) = windows.get(idx) {
        for &(ws, we) in spans {
            matcher.run_rule(idx, text, ws, we, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markers() {
        assert!(inline_allowed(
            b"x = 'k' # keywarden:allow",
            "openai-project-key"
        ));
        assert!(inline_allowed(
            b"x = 'k' // keywarden:allow openai-project-key",
            "openai-project-key"
        ));
        assert!(!inline_allowed(
            b"x = 'k' // keywarden:allow stripe-live-key",
            "openai-project-key"
        ));
        assert!(inline_allowed(b"x = 'k' # gitleaks:allow", "any-rule"));
        assert!(inline_allowed(
            b"x = 'k' # pragma: allowlist secret",
            "any-rule"
        ));
        assert!(!inline_allowed(b"x = 'k'", "any-rule"));
    }

    #[test]
    fn line_context_is_bounded_on_a_long_line() {
        let mut data = vec![b'a'; 10_000];
        data.extend_from_slice(b"SECRET");
        data.extend(vec![b'b'; 10_000]);
        let line = line_around(&data, 10_000, 10_006);
        assert_eq!(line.len(), 2 * LINE_CONTEXT + 6);
    }
}
