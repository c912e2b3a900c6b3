//! Rule packs: the serde form a YAML pack is written in (`RuleSpec`) and the compiled form the
//! matcher uses (`Rule`, whose `Body` is a content pattern or a file check). The self-test
//! that proves a rule sound sits above rules and matcher, in `selftest.rs`.
//!
//! Rules are data. Nothing about a provider's key format lives in Rust except the offline
//! validators a rule can name (`validate:`), which check things a regex cannot (checksums,
//! signed payloads).

//! Layout: `spec.rs` (the serde form), `allow.rs` (allowlists and path filters),
//! `line_bound.rs` (regex analysis for line-bound rules), this file (compiled rules).

use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow};
use regex::bytes::{Regex, RegexBuilder};

mod allow;
mod line_bound;
mod spec;

pub use allow::{Allow, PathFilter};
pub use line_bound::line_bound;
pub use spec::*;

/// The packs compiled into the binary, in the order their rules are tried.
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("openai", include_str!("../../rules/openai.yaml")),
    ("anthropic", include_str!("../../rules/anthropic.yaml")),
    ("stripe", include_str!("../../rules/stripe.yaml")),
    ("apikee", include_str!("../../rules/apikee.yaml")),
    ("github", include_str!("../../rules/github.yaml")),
    ("aws", include_str!("../../rules/aws.yaml")),
    ("chat", include_str!("../../rules/chat.yaml")),
    ("database", include_str!("../../rules/database.yaml")),
    ("private-key", include_str!("../../rules/private-key.yaml")),
    ("credentials", include_str!("../../rules/credentials.yaml")),
    ("tokenomics", include_str!("../../rules/tokenomics.yaml")),
    ("saas", include_str!("../../rules/saas.yaml")),
    ("ai", include_str!("../../rules/ai.yaml")),
    ("generic", include_str!("../../rules/generic.yaml")),
    ("hygiene", include_str!("../../rules/hygiene.yaml")),
    ("trust", include_str!("../../rules/trust.yaml")),
    ("passwords", include_str!("../../rules/passwords.yaml")),
];

/// Regex size limit for every pattern, built-in or custom: a pull request can add a custom rule,
/// and a pathological pattern must fail with exit 2 instead of eating memory.
const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// The secret a match captured: the group `secret`, or for a pattern with alternatives the first
/// of `secret2` … `secret6` that took part (the regex crate allows a name once).
pub fn secret_group<'h>(caps: &regex::bytes::Captures<'h>) -> Option<regex::bytes::Match<'h>> {
    [
        "secret", "secret2", "secret3", "secret4", "secret5", "secret6",
    ]
    .iter()
    .find_map(|n| caps.name(n))
}

/// The last line of an error: a regex parse error quotes the pattern first and says what is
/// wrong last, and the pattern may be a secret.
fn last_line(e: &anyhow::Error) -> String {
    let full = format!("{e:#}");
    full.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid")
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

pub fn compile_regex(pattern: &str) -> Result<Regex> {
    // ASCII semantics for `\b`, `\s`, `\w` and `(?i)`: secrets and the names around them are
    // ASCII, and Unicode word boundaries make the lazy DFA give up on the first non-ASCII byte
    // (falling back to a slower engine), while Unicode case folding grows every `(?i)` rule.
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| anyhow!("not a valid pattern: {}", last_line(&anyhow!("{e}"))))
}

/// A content rule's pattern, compiled.
#[derive(Debug)]
pub struct Compiled {
    pub regex: Regex,
    /// Every match lies on one line and holds one of the rule's keywords, so the rule only
    /// needs to run on the lines its keywords are on (see `line_bound`).
    pub line_bound: bool,
}

/// What a compiled rule looks at: content through a pattern, or a file through a check.
#[derive(Debug)]
pub enum Body {
    /// The regex compiles on first use so start-up stays fast for the pre-commit hook, where
    /// most rules never see a keyword hit.
    Content(OnceLock<Compiled>),
    File {
        check: FileCheck,
        requires_secret: bool,
        /// Which repository-relative paths the rule is about.
        files: PathFilter,
    },
}

/// A rule ready to run.
#[derive(Debug)]
pub struct Rule {
    pub spec: RuleSpec,
    pub pack: String,
    pub kind: RuleKind,
    pub precedence: u8,
    /// Whether the rule runs when no config names its pack.
    pub default_enabled: bool,
    pub body: Body,
    pub allow: Allow,
    pub paths: PathFilter,
}

impl Rule {
    fn new(spec: RuleSpec, pack: &str, kind: RuleKind, precedence: u8) -> Result<Rule> {
        let what = format!("rule {}", spec.id);
        let anywhere = |globs: &[String]| -> Vec<String> {
            globs
                .iter()
                .map(|g| {
                    if g.contains('/') {
                        g.clone()
                    } else {
                        format!("**/{g}")
                    }
                })
                .collect()
        };
        let body = match &spec.file {
            Some(f) => Body::File {
                check: f.check,
                requires_secret: f.requires_secret,
                files: PathFilter::compile(
                    &PathsSpec {
                        include: anywhere(&f.paths),
                        exclude: anywhere(&f.exclude),
                    },
                    &what,
                )?,
            },
            None => Body::Content(OnceLock::new()),
        };
        Ok(Rule {
            body,
            allow: {
                if !spec.allow.paths.is_empty() {
                    anyhow::bail!(
                        "{what}: allow.paths is the config's; a rule excludes paths with paths.exclude"
                    );
                }
                Allow::compile(&spec.allow, &what)?
            },
            paths: PathFilter::compile(&spec.paths, &what)?,
            pack: pack.to_string(),
            kind,
            precedence,
            default_enabled: true,
            spec,
        })
    }

    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The check of a file rule; `None` for a content rule.
    pub fn file_check(&self) -> Option<FileCheck> {
        match &self.body {
            Body::File { check, .. } => Some(*check),
            Body::Content(_) => None,
        }
    }

    /// A file rule that applies only to files holding a secret.
    pub fn requires_secret(&self) -> bool {
        matches!(
            self.body,
            Body::File {
                requires_secret: true,
                ..
            }
        )
    }

    /// True for a file rule whose globs cover this repository-relative path.
    pub fn file_matches(&self, rel: &str) -> bool {
        match &self.body {
            Body::File { files, .. } => files.admits(rel),
            Body::Content(_) => false,
        }
    }

    /// The compiled pattern of a content rule (`None` for a file rule). Built-in patterns are
    /// proven to compile by `rules check` (run by `cargo test`); custom rules are compiled
    /// eagerly when the config loads.
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled().map(|c| &c.regex)
    }

    /// The compiled pattern and what is known about its matches (`None` for a file rule).
    pub fn compiled(&self) -> Option<&Compiled> {
        match &self.body {
            Body::Content(cell) => Some(cell.get_or_init(|| {
                self.compile()
                    .expect("built-in patterns are checked by the rule self-test")
            })),
            Body::File { .. } => None,
        }
    }

    fn compile(&self) -> Result<Compiled> {
        Ok(Compiled {
            regex: compile_regex(&self.spec.pattern)?,
            line_bound: line_bound(&self.spec.pattern, &self.spec.keywords),
        })
    }

    fn compile_now(&self) -> Result<()> {
        if let Body::Content(cell) = &self.body
            && cell.get().is_none()
        {
            let _ = cell.set(self.compile()?);
        }
        Ok(())
    }

    /// The bytes after a keyword hit within which the pattern must end.
    pub fn window(&self) -> usize {
        self.spec.window.unwrap_or(1024)
    }
}

/// What the rules say of one path, asked once per rule: history scans a path's revisions one
/// after another, so each rule's globs are matched once per path instead of per revision.
/// Indexes are those of the one `RuleSet` it is used with.
#[derive(Debug, Default)]
pub struct PathRules {
    path: String,
    /// Per rule: not asked yet, or whether its `paths` admit the path.
    admitted: Vec<Option<bool>>,
    /// The file rules whose globs cover the path, once asked.
    files: Option<Vec<usize>>,
}

impl PathRules {
    /// The answers for `path` (forgotten when it is another path than the last one).
    pub fn at(&mut self, path: &str) -> &mut PathRules {
        if self.path != path {
            self.path.clear();
            self.path.push_str(path);
            self.admitted.clear();
            self.files = None;
        }
        self
    }

    /// Does rule `index` (`rule`) admit the path (`PathFilter::admits`)?
    pub fn admits(&mut self, index: usize, rule: &Rule) -> bool {
        if self.admitted.len() <= index {
            self.admitted.resize(index + 1, None);
        }
        let path = &self.path;
        *self.admitted[index].get_or_insert_with(|| rule.paths.admits(path))
    }

    /// The file rules of `rules` whose globs cover the path (`Rule::file_matches`).
    pub fn file_rules<'r>(&mut self, rules: &'r RuleSet) -> impl Iterator<Item = &'r Rule> {
        let path = &self.path;
        let files = self.files.get_or_insert_with(|| {
            (0..rules.rules.len())
                .filter(|&i| rules.rules[i].file_matches(path))
                .collect()
        });
        files.iter().map(|&i| &rules.rules[i])
    }
}

/// All rules in effect, in priority order.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The packs embedded in the binary. Parsing their YAML was a fifth of `scan --staged`
    /// (3 ms of 16), so the packs are parsed in parallel, then added in order.
    pub fn builtin() -> Result<RuleSet> {
        use rayon::prelude::*;
        // Errors name the file, line and field.
        let packs: Vec<PackSpec> = BUILTIN_PACKS
            .par_iter()
            .map(|(name, text)| crate::yaml::parse_yaml(&format!("rules/{name}.yaml"), text))
            .collect::<Result<_>>()?;
        let mut set = RuleSet::default();
        for pack in packs {
            set.add_pack(pack)?;
        }
        Ok(set)
    }

    /// Add a parsed pack's rules.
    fn add_pack(&mut self, pack: PackSpec) -> Result<()> {
        for spec in pack.rules {
            self.push(spec, &pack.pack, pack.kind, pack.precedence)?;
            if let Some(rule) = self.rules.last_mut() {
                rule.default_enabled = pack.enabled;
            }
        }
        Ok(())
    }

    /// Add a custom rule from a repository config: a provider-kind rule of pack `custom`.
    pub fn add(&mut self, spec: RuleSpec, pack: &str) -> Result<()> {
        self.push(spec, pack, RuleKind::Provider, default_precedence())
    }

    fn push(&mut self, spec: RuleSpec, pack: &str, kind: RuleKind, precedence: u8) -> Result<()> {
        let rule = Rule::new(spec, pack, kind, precedence)?;
        self.rules.push(rule);
        Ok(())
    }

    /// Compile every pattern now (custom rules), so a bad regex is an error at load time.
    pub fn compile_all(&self) -> Result<()> {
        for r in &self.rules {
            r.compile_now()
                .with_context(|| format!("rule {}: pattern", r.id()))?;
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id() == id)
    }

    pub fn packs(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for r in &self.rules {
            if !seen.contains(&r.pack.as_str()) {
                seen.push(r.pack.as_str());
            }
        }
        seen
    }

    /// Whether any file rule (the hygiene checks) is on.
    pub fn has_file_rules(&self) -> bool {
        self.rules.iter().any(|r| r.file_check().is_some())
    }

    /// Whether a file rule is about `path` (a name or a relative path).
    pub fn file_rule_about(&self, path: &str) -> bool {
        self.rules.iter().any(|r| r.file_matches(path))
    }

    /// Which rules can speak at `path`, as a number: two paths of one class are judged alike
    /// (every content rule's path filter and every file rule's globs say the same of both), so
    /// a blob matched at one needs no second match at the other.
    pub fn path_class(&self, path: &str) -> u64 {
        let mut h: u64 = 0xCBF2_9CE4_8422_2325;
        for (i, r) in self.rules.iter().enumerate() {
            let speaks = match &r.body {
                Body::File { files, .. } => files.admits(path),
                Body::Content(_) => r.paths.admits(path),
            };
            if speaks {
                h = (h ^ i as u64).wrapping_mul(0x0000_0100_0000_01B3);
                h ^= h >> 29;
            }
        }
        h
    }

    /// Keep only the rules for which `keep` is true.
    pub fn retain(&mut self, keep: impl Fn(&Rule) -> bool) {
        self.rules.retain(|r| keep(r));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn line_bound_needs_one_line_and_a_keyword_in_every_match() {
        // One line, the keyword in every branch (case folded, spelled across classes).
        assert!(line_bound(
            r#"(?i:api_key)[ \t]*=[ \t]*"[^"\n]{8}""#,
            &kw(&["key"])
        ));
        assert!(line_bound(
            r"(?:TOKEN|secret)=[a-z]{8}",
            &kw(&["token", "secret"])
        ));
        assert!(line_bound(r"x(?:ab)+key[0-9]{4}", &kw(&["key"])));
        // `\s`, `[^"]` and `(?s:.)` admit a newline.
        assert!(!line_bound(r"key\s+[a-z]{8}", &kw(&["key"])));
        assert!(!line_bound(r#"key="[^"]{8}""#, &kw(&["key"])));
        assert!(!line_bound(r"(?s)key.{8}", &kw(&["key"])));
        // A branch, an optional keyword or a bare class without the keyword.
        assert!(!line_bound(r"(?:key|pat)=[a-z]{8}", &kw(&["key"])));
        assert!(!line_bound(r"(?:key)?=[a-z]{8}", &kw(&["key"])));
        assert!(!line_bound(r"[a-z]{4}_[0-9]{8}", &kw(&["abcd"])));
        // A keyword split by an optional part is not certain.
        assert!(!line_bound(r"ke?y=[a-z]{8}", &kw(&["key"])));
        assert!(!line_bound(r"(unclosed", &kw(&["key"])));
        assert!(!line_bound(r"key=[a-z]{8}", &[]));
    }

    #[test]
    fn the_generic_assignment_rule_is_line_bound_and_private_keys_are_not() {
        let set = RuleSet::builtin().expect("built-in packs parse");
        let bound = |id: &str| {
            let rule = set.rules.iter().find(|r| r.id() == id).expect(id);
            rule.compiled().expect("a content rule").line_bound
        };
        assert!(bound("generic-secret-assignment"));
        assert!(!bound("private-key"));
    }
}
