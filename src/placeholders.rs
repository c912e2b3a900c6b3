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
        assert!(published_example(b"AKIAIOSFODNN7EXAMPLF").is_none());
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
