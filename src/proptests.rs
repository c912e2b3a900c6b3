//! Property tests standing in for fuzzing (stable Rust, no cargo-fuzz toolchain): the matcher
//! over arbitrary bytes, the dotenv parser, the apikee decoder and the config loader never
//! panic, and planted keys are always found. `PROPTEST_CASES` sets the run length
//! (scripts/test.sh raises it); the seed inputs under fuzz/corpus/ run every time.

use proptest::prelude::*;

use crate::chunk::{Chunk, Provenance};
use crate::config::Config;
use crate::finding::Finding;
use crate::matcher::{LastScan, MatchOptions, Matcher};
use crate::rules::RuleSet;
use crate::source::Read;
use crate::validate::{base62_encode, base62_u32, crc32};
use crate::yaml::parse_yaml;

fn corpus(dir: &str) -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(dir);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(root)
        .map(|d| {
            d.flatten()
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(!out.is_empty(), "fuzz/corpus/{dir} has seed inputs");
    out.sort();
    out
}

/// Built once: compiling the rule set per case would dominate the run.
fn rules() -> &'static RuleSet {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("built-in packs parse"))
}

/// A matcher over the built-in rules with default options, built once.
fn matcher() -> &'static Matcher<'static> {
    static OPTS: std::sync::OnceLock<MatchOptions> = std::sync::OnceLock::new();
    static MATCHER: std::sync::OnceLock<Matcher<'static>> = std::sync::OnceLock::new();
    MATCHER.get_or_init(|| {
        Matcher::new(rules(), OPTS.get_or_init(MatchOptions::default)).expect("matcher builds")
    })
}

/// The pipeline's per-item stage on bytes from a file.
fn scan(m: &Matcher, data: &[u8]) -> Vec<Finding> {
    let read = Read::Chunk {
        chunk: Chunk {
            bytes: data.to_vec(),
            path: "noise".into(),
            provenance: Provenance::File,
        },
        meta: None,
        content: true,
        revision: None,
    };
    crate::pipeline::scan_item(read, m, &Default::default(), &mut Default::default()).0
}

fn github_token(body: &str) -> String {
    format!("ghp_{body}{}", base62_u32(crc32(body.as_bytes()), 6))
}

#[test]
fn seed_inputs_never_panic() {
    let rules = RuleSet::builtin().unwrap();
    let opts = MatchOptions::default();
    let m = Matcher::new(&rules, &opts).unwrap();
    for data in corpus("matcher") {
        let _ = scan(&m, &data);
    }
    for data in corpus("dotenv") {
        let _ = crate::envfile::parse(&String::from_utf8_lossy(&data));
    }
    for data in corpus("config") {
        if let Ok(cfg) = parse_yaml::<Config>("seed", &String::from_utf8_lossy(&data)) {
            let mut rules = RuleSet::builtin().unwrap();
            let _ = cfg.apply(&mut rules, "seed");
        }
    }
}

proptest! {
    #[test]
    fn matcher_never_panics_and_finds_planted_keys(
        noise in proptest::collection::vec(any::<u8>(), 0..2048),
        body in "[0-9A-Za-z]{30}",
        at in 0usize..2048,
    ) {
        let m = matcher();
        let _ = scan(m, &noise);
        let token = github_token(&body);
        let mut data: Vec<u8> = noise.iter().map(|b| if *b == 0 { b' ' } else { *b }).collect();
        let at = at.min(data.len());
        let planted = format!("\n{token}\n");
        data.splice(at..at, planted.bytes());
        let out = scan(m, &data);
        prop_assert!(
            out.iter().any(|f| f.secret.as_ref().is_some_and(|s| s.expose() == token)),
            "planted token not found"
        );
    }

    #[test]
    fn dotenv_parser_never_panics(text in "(?s).{0,400}") {
        for v in crate::envfile::parse(&text) {
            prop_assert!(v.value_start <= text.len());
            prop_assert!(!v.name.is_empty());
        }
    }

    #[test]
    fn apikee_decoder_never_panics_and_round_trips(
        payload in "[0-9A-Za-z]{0,300}",
        sig in "[0-9A-Za-z]{43}",
        tenant in "tn_[0-9A-Za-z]{12}",
        expiry in 0i64..5_000_000_000,
    ) {
        let _ = crate::validate::apikee_claims(format!("apikee_{payload}.{sig}").as_bytes());
        let claims = format!(r#"{{"t":"{tenant}","s":["a:b"],"e":{expiry}}}"#);
        let key = format!("apikee_{}.{sig}", base62_encode(claims.as_bytes(), 0));
        let decoded = crate::validate::apikee_claims(key.as_bytes());
        let decoded = decoded.expect("a key built from valid claims decodes");
        prop_assert_eq!(decoded["t"].as_str(), Some(tenant.as_str()));
    }

    #[test]
    fn config_loader_never_panics(text in "(?s)[ -~\n]{0,300}") {
        if let Ok(cfg) = parse_yaml::<Config>("fuzz", &text) {
            let mut rules = RuleSet::builtin().unwrap();
            let _ = cfg.apply(&mut rules, "fuzz");
        }
    }
}

/// History scans reuse what the previous revision of a file gave outside the changed
/// bytes; over any sequence of edits that must equal a fresh scan of each revision. Each case
/// scans a dozen revisions twice, so it runs 1,000 cases whatever PROPTEST_CASES says (the
/// `proptest!` macro would let the variable raise it to 10,000: two minutes in debug).
#[test]
fn a_revision_scanned_with_the_memo_matches_a_fresh_scan() {
    let strategy = (
        proptest::collection::vec(
            (any::<prop::sample::Index>(), "[ -~]{0,40}", 0usize..600),
            1..16,
        ),
        proptest::collection::vec(
            (
                0u8..8,
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>(),
                "[ -~\n]{0,24}",
                any::<bool>(),
            ),
            1..12,
        ),
    );
    let config = ProptestConfig {
        cases: 1000,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&strategy, |(picks, edits)| {
        let m = matcher();
        // Revision 0: rule examples (real-shaped FAKE keys), some base64-encoded (blocks the
        // decoder finds), between arbitrary text.
        let plain: Vec<&String> = rules()
            .rules
            .iter()
            .flat_map(|r| r.spec.examples.iter())
            .collect();
        let encoded: Vec<String> = plain
            .iter()
            .step_by(3)
            .map(|e| format!("data: {}", crate::decode::base64_encode(e.as_bytes())))
            .collect();
        let examples: Vec<&String> = plain.iter().copied().chain(&encoded).collect();
        let keywords: Vec<&String> = rules()
            .rules
            .iter()
            .flat_map(|r| r.spec.keywords.iter())
            .collect();
        let mut data = Vec::new();
        for (pick, filler, gap) in &picks {
            data.extend_from_slice(pick.get(&examples).as_bytes());
            data.push(b'\n');
            data.extend_from_slice(filler.as_bytes());
            // Spaced out, so a keyword hit is often the only one opening its rule's window.
            data.extend(std::iter::repeat_n(b'.', *gap));
            data.push(b'\n');
        }
        let mut memo = LastScan::default();
        let mut paths = crate::rules::PathRules::default();
        let mut revisions = vec![data.clone()];
        // A revision is kept after some edits only, so revisions differ in several places
        // (shared stretches between the common prefix and suffix).
        for (op, at, len, text, keep) in &edits {
            let at = at.index(data.len() + 1);
            let end = (at + len.index(64)).min(data.len());
            match op {
                0 => {
                    data.splice(at..at, text.bytes());
                }
                1 => {
                    data.drain(at..end);
                }
                2 => {
                    data.splice(at..end, text.bytes());
                }
                3 => {
                    let example = len.get(&examples);
                    data.splice(at..at, example.bytes());
                }
                // An inline marker changes what a match on its line reports.
                7 => {
                    data.splice(at..at, b" # keywarden:allow ".iter().copied());
                }
                // Edits at a keyword's edges, where a hit straddles the changed bytes.
                _ => {
                    let lower = data.to_ascii_lowercase();
                    let first = len.index(keywords.len());
                    let found = (0..keywords.len()).find_map(|i| {
                        let keyword = keywords[(first + i) % keywords.len()].to_ascii_lowercase();
                        memchr::memmem::find(&lower[at..], keyword.as_bytes())
                            .map(|p| at + p)
                            .or_else(|| memchr::memmem::find(&lower, keyword.as_bytes()))
                            .map(|k| (k, keyword.len()))
                    });
                    let Some((k, keyword_len)) = found else {
                        continue;
                    };
                    let kend = k + keyword_len;
                    // Break the keyword's last or first byte in one revision and restore it
                    // in the next: the restored keyword ends (starts) at the changed byte.
                    let at = if *op == 5 { kend - 1 } else { k };
                    if *op == 4 {
                        data.splice(kend..kend, text.bytes());
                    } else {
                        let was = data[at];
                        data[at] = b'#';
                        revisions.push(data.clone());
                        data[at] = was;
                    }
                }
            }
            if *keep {
                revisions.push(data.clone());
            }
        }
        // The last one twice: an unchanged revision (its prefix reaches both ends).
        revisions.push(data.clone());
        revisions.push(data.clone());
        let limits = crate::decode::Limits::default();
        let mut prev: Option<&Vec<u8>> = None;
        for (i, rev) in revisions.iter().enumerate() {
            // Some revisions at a path more rules admit: a delta's base may be another file.
            let path = if i % 4 == 3 {
                "config/app.env"
            } else {
                "src/app.py"
            };
            // Every other revision as history reads a blob built from a delta: what it shares
            // with its base is the delta's copies (here the shared stretches cut into pieces,
            // every third piece left out as if inserted), whatever the base's path.
            let change = match prev {
                // A delta as git makes them: copies from wherever the bytes are, short and
                // out of order included.
                Some(prev) if i % 4 == 3 => Some(crate::change::Change::from_copies(
                    &greedy_copies(prev, rev),
                    prev.len(),
                    rev.len(),
                )),
                Some(prev) if i % 2 == 1 => {
                    let between = crate::change::Change::between(prev, rev);
                    let piece = 16 + (i * 37) % 300;
                    let mut copies = Vec::new();
                    for (j, s) in between.same.iter().enumerate() {
                        for o in (0..s.len).step_by(piece) {
                            if (j + o / piece) % 3 != 2 {
                                copies.push(crate::change::Same {
                                    new: s.new + o,
                                    old: s.old + o,
                                    len: piece.min(s.len - o),
                                });
                            }
                        }
                    }
                    Some(crate::change::Change::from_copies(
                        &copies,
                        prev.len(),
                        rev.len(),
                    ))
                }
                _ => memo.change(path, rev),
            };
            prev = Some(rev);
            let chunk = Chunk {
                bytes: rev.clone(),
                path: path.into(),
                provenance: Provenance::File,
            };
            let fresh_chunks = crate::decode::expand(chunk.clone(), limits);
            let (reused_chunks, decoded, _) = crate::decode::expand_reusing(
                chunk,
                limits,
                change.as_ref().map(|c| (memo.decoded(), c)),
            );
            prop_assert_eq!(
                format!("{fresh_chunks:?}"),
                format!("{reused_chunks:?}"),
                "decoded chunks of revision {}",
                i
            );
            let fresh = m.scan(path, rev);
            let reused = m.scan_reusing(path, rev, change.as_ref(), &mut memo, &mut paths);
            memo.remember(rev.clone(), decoded, None);
            prop_assert_eq!(
                format!("{fresh:?}"),
                format!("{reused:?}"),
                "revision {}",
                i
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The copies of a delta building `new` from `old` by taking, at each place, the first
/// place in `old` holding the next 16 bytes and extending the copy as far as it goes.
fn greedy_copies(old: &[u8], new: &[u8]) -> Vec<crate::change::Same> {
    const LOOK: usize = 16;
    let mut out = Vec::new();
    let mut i = 0;
    while i + LOOK <= new.len() {
        let Some(p) = memchr::memmem::find(old, &new[i..i + LOOK]) else {
            i += 1;
            continue;
        };
        let len = LOOK
            + new[i + LOOK..]
                .iter()
                .zip(&old[p + LOOK..])
                .take_while(|(a, b)| a == b)
                .count();
        out.push(crate::change::Same {
            new: i,
            old: p,
            len,
        });
        i += len;
    }
    out
}

/// `rules::line_bound` claims that every match of such a rule lies on one line and holds one
/// of its keywords; the matcher then runs the rule only on its hits' lines. Over text built
/// from the rules' own examples (and negative examples), keywords, newlines and noise, every
/// match of every line-bound rule is checked for both (from every rule's examples, so other
/// rules' keys sit next to its keywords).
#[test]
fn a_line_bound_rules_matches_are_one_line_holding_a_keyword() {
    let bound: Vec<&crate::rules::Rule> = rules()
        .rules
        .iter()
        .filter(|r| r.compiled().is_some_and(|c| c.line_bound))
        .collect();
    assert!(bound.len() >= 2, "some built-in rules are line-bound");
    let pieces: Vec<&String> = rules()
        .rules
        .iter()
        .flat_map(|r| {
            r.spec
                .examples
                .iter()
                .chain(&r.spec.negative_examples)
                .chain(&r.spec.keywords)
        })
        .collect();
    let strategy =
        proptest::collection::vec((any::<prop::sample::Index>(), "[ -~\t\r\n]{0,30}"), 1..12);
    let config = ProptestConfig {
        cases: 2000,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&strategy, |parts| {
        let mut text = String::new();
        for (pick, noise) in &parts {
            text.push_str(pick.get(&pieces).as_str());
            text.push_str(noise);
        }
        for rule in &bound {
            let re = rule.regex().expect("a content rule");
            for m in re.find_iter(text.as_bytes()) {
                let found = &text.as_bytes()[m.range()];
                prop_assert!(!found.contains(&b'\n'), "{}: {:?}", rule.id(), m);
                let lower = String::from_utf8_lossy(found).to_ascii_lowercase();
                prop_assert!(
                    rule.spec
                        .keywords
                        .iter()
                        .any(|k| lower.contains(&k.to_ascii_lowercase())),
                    "{}: no keyword in {:?}",
                    rule.id(),
                    lower
                );
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Two shared stretches can touch (here the common prefix and suffix, after a deletion), and
/// a keyword can span the place they touch: `Change::gaps` yields the empty gap between them,
/// so the search looks there too.
#[test]
fn a_keyword_joined_by_a_deletion_is_found() {
    let m = matcher();
    let token = github_token("FAKE0q7Zr1m9XcTt4LbN2vPk8sWd3Y"); // a fake, real-shaped
    let filler = |tag: &str| -> String {
        (0..40)
            .map(|i| format!("{tag} line {i} of ordinary text\n"))
            .collect()
    };
    // `gh` and `p_…` are apart in the old revision; deleting what is between spells the key.
    let head = format!("{}# FAKE key: gh", filler("alpha"));
    let tail = format!("{} = 1\n{}", &token[2..], filler("omega"));
    let old = format!("{head}-deleted-{tail}");
    let new = format!("{head}{tail}");
    let mut memo = LastScan::default();
    let mut paths = crate::rules::PathRules::default();
    let _ = m.scan_reusing("src/app.py", old.as_bytes(), None, &mut memo, &mut paths);
    memo.remember(old.clone().into_bytes(), Default::default(), None);
    let change = memo
        .change("src/app.py", new.as_bytes())
        .expect("same file");
    assert!(
        change
            .same
            .windows(2)
            .any(|w| w[0].new_end() == w[1].new && w[0].len > 0 && w[1].len > 0),
        "two touching stretches: {:?}",
        change.same
    );
    let fresh = m.scan("src/app.py", new.as_bytes());
    assert!(!fresh.is_empty(), "the key is found in a fresh scan");
    let reused = m.scan_reusing(
        "src/app.py",
        new.as_bytes(),
        Some(&change),
        &mut memo,
        &mut paths,
    );
    assert_eq!(format!("{fresh:?}"), format!("{reused:?}"));
}
