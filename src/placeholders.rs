//! The placeholder vocabulary (`rules/placeholders.yaml`): values that only stand in for a
//! secret (`YOUR_API_KEY`, `<token>`, `changeme`, `${VAR}`). One list, as data, consulted by
//! every rule that opts in and by the `.env.example` check, so they never disagree. Beside it,
//! keys published as examples (`rules/published-examples.yaml`), which no rule reports.

use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

const TEXT: &str = include_str!("../rules/placeholders.yaml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    words: Vec<String>,
    patterns: Vec<String>,
}

const PUBLISHED: &str = include_str!("../rules/published-examples.yaml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishedSpec {
    examples: Vec<Published>,
}

/// A key published as an example (`rules/published-examples.yaml`): public by design.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub value: String,
    /// Where it was published (a documentation page, an SDK).
    pub source: String,
}

/// Keys published as examples, never reported by any rule.
pub fn published() -> &'static [Published] {
    static P: OnceLock<Vec<Published>> = OnceLock::new();
    P.get_or_init(|| {
        crate::yaml::parse_yaml::<PublishedSpec>("rules/published-examples.yaml", PUBLISHED)
            .expect("the built-in published examples parse (unit-tested)")
            .examples
    })
}

/// The published example `value` is, if it is one.
pub fn published_example(value: &[u8]) -> Option<&'static Published> {
    published().iter().find(|p| p.value.as_bytes() == value)
}

/// Runs this long are never chance in a machine-made key: eight letters in alphabet order among
/// a value's letters (`abcdefgh`, also interleaved: `a1b2c3d4…`, `abc123def456…`, `AaBbCc…`), eight
/// digits in counting order among its digits (`12345678`, `…7890`), or one character eight
/// times in a row (`88888888`). In a random base62 key the first has a chance near 1e-10 per
/// place; hex keys hold no more than six letters in a row of the alphabet.
const FAKE_RUN: usize = 8;

/// Why `value` is an obvious fake made by hand (an alphabet or digit run, a repeated
/// character), or `None`. Every rule drops these, except where an offline check proves the
/// key (a checksum that holds is no accident).
pub fn obvious_fake(value: &[u8]) -> Option<&'static str> {
    let mut repeat = 0usize;
    let mut prev = None;
    for &b in value {
        repeat = if Some(b) == prev { repeat + 1 } else { 1 };
        prev = Some(b);
        if repeat >= FAKE_RUN && b.is_ascii_alphanumeric() {
            return Some("one character repeated");
        }
    }
    // A letter written twice in both cases counts once (`Aa1Bb2Cc3…`, `aA1bB2cC3…`).
    let mut last = None;
    let letters = value
        .iter()
        .filter(|b| b.is_ascii_alphabetic())
        .map(|b| b.to_ascii_lowercase())
        .filter(|&b| last.replace(b) != Some(b));
    if longest_ascending(letters, |a, b| b == a + 1) >= FAKE_RUN {
        return Some("an alphabet run");
    }
    let digits = value.iter().copied().filter(u8::is_ascii_digit);
    if longest_ascending(digits, |a, b| b == a + 1 || (a == b'9' && b == b'0')) >= FAKE_RUN {
        return Some("a digit run");
    }
    None
}

/// The longest run of `items` in which each follows the one before by `next`.
fn longest_ascending(items: impl Iterator<Item = u8>, next: impl Fn(u8, u8) -> bool) -> usize {
    let (mut best, mut run, mut prev) = (0, 0, None);
    for b in items {
        run = match prev {
            Some(a) if next(a, b) => run + 1,
            _ => 1,
        };
        best = best.max(run);
        prev = Some(b);
    }
    best
}

/// The compiled vocabulary.
pub struct Placeholders {
    words: Vec<String>,
    patterns: Vec<Regex>,
}

impl Placeholders {
    /// Parsed and compiled once; the built-in file is proven sound by the unit test below.
    pub fn get() -> &'static Placeholders {
        static P: OnceLock<Placeholders> = OnceLock::new();
        P.get_or_init(|| {
            let spec: Spec = crate::yaml::parse_yaml("rules/placeholders.yaml", TEXT)
                .expect("the built-in placeholder vocabulary parses (unit-tested)");
            Placeholders {
                words: spec.words.iter().map(|w| w.to_ascii_lowercase()).collect(),
                patterns: spec
                    .patterns
                    .iter()
                    .map(|p| Regex::new(p).expect("built-in placeholder patterns compile"))
                    .collect(),
            }
        })
    }

    /// True when `value` only stands in for a secret.
    pub fn matches(&self, value: &str) -> bool {
        let v = value.trim();
        let lower = v.to_ascii_lowercase();
        self.words.iter().any(|w| lower.contains(w.as_str()))
            || self.patterns.iter().any(|p| p.is_match(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_examples_parse_and_are_known_by_value() {
        assert!(published().len() >= 5);
        assert!(published().iter().all(|p| !p.source.is_empty()));
        let aws = published_example(b"AKIAIOSFODNN7EXAMPLE").expect("listed");
        assert!(aws.source.contains("AWS"));
        assert!(published_example(b"AKIAIOSFODNN7EXAMPLE0").is_none());
    }

    #[test]
    fn obvious_fakes_are_runs_and_repeats_and_random_keys_are_not() {
        for v in [
            "AIzaSyabcdefghijklmnopqrstuvwxyz1234567",
            "EXAabc123def456ghi789jkl012mno345",
            "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8NRAL",
            "mdb_sa_sk_1234567890123456789012345678901234567890",
            "xoxc-888888888888-888888888888",
            "aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3",
            "Pp1Qq2Rr3Ss4Tt5Uu6Vv7Ww8/xX9yY0zZ",
        ] {
            assert!(obvious_fake(v.as_bytes()).is_some(), "{v}");
        }
        // Fakes from scripts/fake_keys.py (random, as real keys are) and a hex digest.
        for v in [
            "sk-proj-Xq3hT9bV0pLmN2rK8sWd4YfZ1cJe6GuA7oRi5HtB",
            "ghp_R8tY2mKq9LxW3nVb7ZcP4dFs6HjG1aEo0uTi",
            "d151c7bc86d545dafe2c1de75e3a174623230a2a",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ] {
            assert!(obvious_fake(v.as_bytes()).is_none(), "{v}");
        }
    }

    #[test]
    fn vocabulary_parses_and_knows_the_usual_stand_ins() {
        let p = Placeholders::get();
        for v in [
            "YOUR_API_KEY",
            "your-key-here",
            "REPLACE_WITH_PASSWORD",
            "<token>",
            "${API_KEY}",
            "{{ secrets.X }}",
            "changeme",
            "xxxxxxxxxxxx",
            "random-secret-string",
            "%(password)s",
            "********",
        ] {
            assert!(p.matches(v), "{v}");
        }
        for v in [
            "RDFOxEzf5FJtRBZRAJyu5BKaCKvsYFJG",
            "PfMAGw!lLoZVPYY7L",
            "1ea4ff07fe1e33fbc729109a6cb24f350209e6174543265c588f612e60a65d48",
        ] {
            assert!(!p.matches(v), "{v}");
        }
    }
}
