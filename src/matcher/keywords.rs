//! Finding every keyword occurrence (overlapping ones too, case-insensitively) fast.
//!
//! An Aho-Corasick DFA over ~180 keywords reads every byte through its transition table
//! (~1.8 ns/byte here, a third of a history scan). Instead the text is lowercased into a
//! buffer and searched by SIMD "packed" searchers (Teddy), 16 patterns each, for the *anchor*
//! keywords only: those containing no other keyword. Every keyword contains an anchor; at each
//! anchor hit the keywords built on it are compared in place. Anchors never contain one
//! another, so at most one starts at any position and resuming one byte after each hit finds
//! them all. Anchors sharing a prefix are searched as the prefix (`anchors`), fewer groups
//! and so fewer passes; a two-byte anchor is searched on its own. Without SIMD (or for odd
//! keyword sets) the DFA does the work.

use aho_corasick::packed::{Config, MatchKind as PackedKind, Searcher};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind, Span};

/// Anchors per packed searcher: fewer buckets per pattern keep Teddy's false hits rare
/// (16 measured fastest on cargo's blobs against 8, 24, 32 and 64).
const GROUP: usize = 16;

/// One keyword occurrence: `keyword` indexes the list the searcher was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occurrence {
    pub start: usize,
    pub end: usize,
    pub keyword: u32,
}

pub enum KeywordSearch {
    Packed(Packed),
    Automaton(AhoCorasick),
}

pub struct Packed {
    /// Lowercased keywords.
    keywords: Vec<Vec<u8>>,
    groups: Vec<Searcher>,
    /// Per group, per pattern: the keywords anchored on it, with the anchor's offset in each.
    built_on: Vec<Vec<Vec<(u32, usize)>>>,
    /// Anchors shorter than `MIN_PACKED`, each found on its own (`memmem`), with the keywords
    /// anchored on it: in a Teddy group, one two-byte pattern made every position of common
    /// text a candidate for the whole group.
    short: Vec<(memchr::memmem::Finder<'static>, Vec<(u32, usize)>)>,
    /// No keyword holds a NUL byte, so pieces of text joined by one are searched as one.
    joinable: bool,
}

impl KeywordSearch {
    /// `keywords` must be lowercase and distinct.
    pub fn new(keywords: &[String]) -> anyhow::Result<KeywordSearch> {
        match Packed::new(keywords) {
            Some(p) => Ok(KeywordSearch::Packed(p)),
            None => Ok(KeywordSearch::Automaton(automaton(keywords)?)),
        }
    }

    /// Every occurrence of every keyword inside `data`, in no particular order.
    pub fn find_all(&self, data: &[u8], out: &mut Vec<Occurrence>) {
        match self {
            KeywordSearch::Packed(p) => p.find_all(data, out),
            KeywordSearch::Automaton(a) => {
                out.extend(a.find_overlapping_iter(data).map(|m| Occurrence {
                    start: m.start(),
                    end: m.end(),
                    keyword: m.pattern().as_u32(),
                }))
            }
        }
    }
}

impl KeywordSearch {
    /// `find_all` over each of `ranges` of `data` (in order, disjoint), positions in `data`.
    pub fn find_all_in(&self, data: &[u8], ranges: &[(usize, usize)], out: &mut Vec<Occurrence>) {
        match self {
            KeywordSearch::Packed(p) if p.joinable => p.find_all_joined(data, ranges, out),
            _ => {
                for &(lo, hi) in ranges {
                    let from = out.len();
                    self.find_all(&data[lo..hi], out);
                    for o in &mut out[from..] {
                        (o.start, o.end) = (o.start + lo, o.end + lo);
                    }
                }
            }
        }
    }
}

/// A DFA, always: the automatic choice falls back to an NFA past 100 keywords, which made
/// every scan of a large history noticeably slower.
pub fn automaton(keywords: &[String]) -> anyhow::Result<AhoCorasick> {
    Ok(AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(keywords)?)
}

/// The shortest anchor searched in a Teddy group.
const MIN_PACKED: usize = 3;
/// How many anchors sharing a prefix of at least `MIN_PACKED` bytes are searched as that
/// prefix instead (`-us1` … `-us9` as `-us`, the ten `xox?-` as `xox`): a group fewer per
/// pass over the text, for a few more comparisons where the prefix occurs.
const MERGE: usize = 3;

/// The anchors to search for: the keywords that contain no other keyword, then anchors that
/// share a prefix (`MERGE` or more, shortest prefix first) replaced by it, where the prefix
/// neither contains nor lies inside another anchor. Anchors never contain one another, so at
/// most one starts at any position and every keyword contains one.
fn anchors(lower: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let contains = |hay: &[u8], needle: &[u8]| memchr::memmem::find(hay, needle).is_some();
    let mut anchors: Vec<Vec<u8>> = lower
        .iter()
        .enumerate()
        .filter(|&(i, k)| {
            !lower
                .iter()
                .enumerate()
                .any(|(j, o)| j != i && contains(k, o))
        })
        .map(|(_, k)| k.clone())
        .collect();
    let longest = anchors.iter().map(Vec::len).max().unwrap_or(0);
    for len in MIN_PACKED..longest {
        let mut by_prefix: std::collections::BTreeMap<Vec<u8>, Vec<usize>> = Default::default();
        for (i, a) in anchors.iter().enumerate() {
            if a.len() > len {
                by_prefix.entry(a[..len].to_vec()).or_default().push(i);
            }
        }
        let mut merged = vec![false; anchors.len()];
        let mut prefixes = Vec::new();
        for (prefix, members) in by_prefix {
            let apart = anchors.iter().enumerate().all(|(j, a)| {
                members.contains(&j) || !(contains(a, &prefix) || contains(&prefix, a))
            });
            if members.len() >= MERGE && apart {
                members.iter().for_each(|&i| merged[i] = true);
                prefixes.push(prefix);
            }
        }
        let mut kept: Vec<Vec<u8>> = anchors
            .into_iter()
            .zip(merged)
            .filter_map(|(a, m)| (!m).then_some(a))
            .collect();
        kept.extend(prefixes);
        anchors = kept;
    }
    // Shortest first, so each group's minimum length (Teddy's fingerprint) is as long as the
    // group allows.
    anchors.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    anchors
}

impl Packed {
    fn new(keywords: &[String]) -> Option<Packed> {
        let lower: Vec<Vec<u8>> = keywords.iter().map(|k| k.as_bytes().to_vec()).collect();
        if lower.is_empty()
            || lower
                .iter()
                .any(|k| k.is_empty() || k.iter().any(u8::is_ascii_uppercase))
        {
            return None;
        }
        let anchors = anchors(&lower);
        let mut anchored = vec![false; lower.len()];
        let mut built_on_anchor = |anchor: &[u8]| {
            let mut list = Vec::new();
            for (k, kw) in lower.iter().enumerate() {
                if anchored[k] {
                    continue;
                }
                if let Some(off) = memchr::memmem::find(kw, anchor) {
                    list.push((k as u32, off));
                    anchored[k] = true;
                }
            }
            list
        };
        let (short, packed): (Vec<&Vec<u8>>, Vec<&Vec<u8>>) =
            anchors.iter().partition(|a| a.len() < MIN_PACKED);
        let short = short
            .into_iter()
            .map(|a| {
                let finder = memchr::memmem::Finder::new(a).into_owned();
                (finder, built_on_anchor(a))
            })
            .collect();
        let mut groups = Vec::new();
        let mut built_on = Vec::new();
        for group in packed.chunks(GROUP) {
            let searcher = Config::new()
                .match_kind(PackedKind::LeftmostFirst)
                .builder()
                .extend(group)
                .build()?;
            groups.push(searcher);
            built_on.push(group.iter().map(|a| built_on_anchor(a)).collect());
        }
        if anchored.iter().any(|a| !a) {
            return None;
        }
        let joinable = lower.iter().all(|k| !k.contains(&0));
        Some(Packed {
            joinable,
            keywords: lower,
            groups,
            built_on,
            short,
        })
    }

    fn find_all(&self, data: &[u8], out: &mut Vec<Occurrence>) {
        LOWER.with_borrow_mut(|low| {
            low.clear();
            low.extend(data.iter().map(u8::to_ascii_lowercase));
            self.find_lowered(low, out);
        });
    }

    /// `find_all` over pieces of `data`, lowercased into one text with a NUL between pieces
    /// (no keyword holds one, so none is found across), each occurrence moved back to its
    /// piece: one pass per group instead of one per piece.
    fn find_all_joined(&self, data: &[u8], ranges: &[(usize, usize)], out: &mut Vec<Occurrence>) {
        JOINED.with_borrow_mut(|(low, starts)| {
            low.clear();
            starts.clear();
            for &(lo, hi) in ranges {
                starts.push((low.len(), lo));
                low.extend(data[lo..hi].iter().map(u8::to_ascii_lowercase));
                low.push(0);
            }
            let from = out.len();
            self.find_lowered(low, out);
            for o in &mut out[from..] {
                let piece = starts.partition_point(|&(at, _)| at <= o.start) - 1;
                let (at, lo) = starts[piece];
                (o.start, o.end) = (o.start - at + lo, o.end - at + lo);
            }
        });
    }

    /// Every occurrence in `low`, which is lowercase.
    fn find_lowered(&self, low: &[u8], out: &mut Vec<Occurrence>) {
        {
            for (g, searcher) in self.groups.iter().enumerate() {
                let mut at = 0;
                while at < low.len() {
                    let Some(m) = searcher.find_in(low, Span::from(at..low.len())) else {
                        break;
                    };
                    at = m.start() + 1;
                    self.confirm(
                        low,
                        m.start(),
                        &self.built_on[g][m.pattern().as_usize()],
                        out,
                    );
                }
            }
            for (finder, on) in &self.short {
                for start in finder.find_iter(low) {
                    self.confirm(low, start, on, out);
                }
            }
        }
    }

    /// The keywords built on the anchor found at `at` that are there in full.
    fn confirm(&self, low: &[u8], at: usize, on: &[(u32, usize)], out: &mut Vec<Occurrence>) {
        for &(k, off) in on {
            let Some(start) = at.checked_sub(off) else {
                continue;
            };
            let kw = &self.keywords[k as usize];
            if low.get(start..start + kw.len()) == Some(kw.as_slice()) {
                out.push(Occurrence {
                    start,
                    end: start + kw.len(),
                    keyword: k,
                });
            }
        }
    }
}

/// Pieces of text lowercased and joined, and where each starts (in the joined text, in the
/// data).
type Joined = (Vec<u8>, Vec<(usize, usize)>);

thread_local! {
    /// The lowercased text, reused from file to file.
    static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The lowercased pieces joined by NUL, and where each starts (in it, in the data).
    static JOINED: std::cell::RefCell<Joined> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keywords() -> &'static [String] {
        static KEYWORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        KEYWORDS.get_or_init(|| {
            let rules = crate::rules::RuleSet::builtin().expect("built-in packs parse");
            let mut out: Vec<String> = rules
                .rules
                .iter()
                .flat_map(|r| r.spec.keywords.iter().map(|k| k.to_ascii_lowercase()))
                .collect();
            out.sort();
            out.dedup();
            out
        })
    }

    /// The packed search and the automaton over the built-in keywords, built once.
    fn searchers() -> &'static (KeywordSearch, KeywordSearch) {
        static BOTH: std::sync::OnceLock<(KeywordSearch, KeywordSearch)> =
            std::sync::OnceLock::new();
        BOTH.get_or_init(|| {
            let kws = keywords();
            (
                KeywordSearch::new(kws).unwrap(),
                KeywordSearch::Automaton(automaton(kws).unwrap()),
            )
        })
    }

    fn sorted(search: &KeywordSearch, data: &[u8]) -> Vec<Occurrence> {
        let mut out = Vec::new();
        search.find_all(data, &mut out);
        out.sort();
        out
    }

    #[test]
    fn the_built_in_keywords_get_the_packed_search() {
        let kws = keywords();
        let KeywordSearch::Packed(p) = KeywordSearch::new(kws).unwrap() else {
            panic!("no packed searcher on this machine");
        };
        assert!(p.groups.len() <= kws.len().div_ceil(GROUP));
    }

    #[test]
    fn anchors_share_prefixes_and_never_contain_one_another() {
        let kws: Vec<Vec<u8>> = keywords().iter().map(|k| k.as_bytes().to_vec()).collect();
        let a = anchors(&kws);
        let has = |hay: &[u8], needle: &[u8]| memchr::memmem::find(hay, needle).is_some();
        for (i, x) in a.iter().enumerate() {
            for (j, y) in a.iter().enumerate() {
                assert!(i == j || !has(x, y), "{x:?} contains {y:?}");
            }
        }
        for k in &kws {
            assert!(a.iter().any(|x| has(k, x)), "{k:?} holds no anchor");
        }
        // Nine `-us1` … `-us9` and ten `xox?-` are one anchor each.
        assert!(a.contains(&b"-us".to_vec()) && a.contains(&b"xox".to_vec()));
        assert!(a.len() < kws.len() * 2 / 3, "{}", a.len());
        let mixed = [
            b"ab-1".to_vec(),
            b"ab-2".to_vec(),
            b"ab-3".to_vec(),
            b"xab-".to_vec(),
        ];
        // `ab-` lies inside `xab-`: not merged.
        assert_eq!(anchors(&mixed).len(), 4);
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: ProptestConfig::default().cases.min(3000),
            ..ProptestConfig::default()
        })]

        /// Keywords in any case, overlapping and cut short, between arbitrary text: the packed
        /// search reports exactly the automaton's occurrences.
        #[test]
        fn packed_search_finds_what_the_automaton_finds(
            pieces in proptest::collection::vec(
                (any::<prop::sample::Index>(), "[ -~\n]{0,12}", any::<u64>(), 0usize..3),
                0..60,
            ),
        ) {
            let kws = keywords();
            let (packed, dfa) = searchers();
            let mut data = Vec::new();
            for (pick, filler, case, cut) in &pieces {
                let kw = pick.get(kws).as_bytes();
                let kw = &kw[..kw.len() - cut.min(&(kw.len() - 1))];
                data.extend(kw.iter().enumerate().map(|(i, b)| {
                    if case >> (i % 64) & 1 == 1 { b.to_ascii_uppercase() } else { *b }
                }));
                data.extend_from_slice(filler.as_bytes());
            }
            prop_assert_eq!(sorted(packed, &data), sorted(dfa, &data));
        }
    }
}
