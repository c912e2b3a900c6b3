//! Rule packs: the serde form a YAML pack is written in (`RuleSpec`), the compiled form the
//! matcher uses (`Rule`), and the self-test that `keywarden rules check` and `cargo test` run.
//!
//! Rules are data. Nothing about a provider's key format lives in Rust except the offline
//! validators a rule can name (`validate:`), which check things a regex cannot (checksums,
//! signed payloads).

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::validate::Validator;

/// The packs compiled into the binary, in the order their rules are tried.
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("openai", include_str!("../rules/openai.yaml")),
    ("anthropic", include_str!("../rules/anthropic.yaml")),
    ("stripe", include_str!("../rules/stripe.yaml")),
    ("apikee", include_str!("../rules/apikee.yaml")),
    ("github", include_str!("../rules/github.yaml")),
    ("aws", include_str!("../rules/aws.yaml")),
    ("chat", include_str!("../rules/chat.yaml")),
    ("database", include_str!("../rules/database.yaml")),
    ("private-key", include_str!("../rules/private-key.yaml")),
    ("tokenomics", include_str!("../rules/tokenomics.yaml")),
    ("generic", include_str!("../rules/generic.yaml")),
    ("hygiene", include_str!("../rules/hygiene.yaml")),
];

/// Regex size limit for every pattern, built-in or custom: a pull request can add a custom rule,
/// and a pathological pattern must fail with exit 2 instead of eating memory.
const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// How sure a finding is; it orders output and decides the exit code with `fail_on`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One step down, used for expired keys: still a leak, less urgent.
    pub fn lower(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            _ => Severity::Low,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A pack file as written: a name and its rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackSpec {
    pub pack: String,
    /// What the pack covers; shown by `rules list --packs` readers of the YAML, not used at run time.
    #[serde(default)]
    #[allow(dead_code)]
    pub description: String,
    pub rules: Vec<RuleSpec>,
}

/// One rule as written in YAML. Unknown fields are errors so a typo cannot silently disable a
/// check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub provider: String,
    pub severity: Severity,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub pattern: String,
    /// A file rule: judged on the file's name, git status and mode instead of its content.
    #[serde(default)]
    pub file: Option<FileSpec>,
    #[serde(default)]
    pub min_entropy: f64,
    #[serde(default)]
    pub validate: Option<Validator>,
    /// Bytes after a keyword hit the pattern may still reach (long secrets such as PEM blocks).
    #[serde(default)]
    pub window: Option<usize>,
    #[serde(default)]
    pub paths: PathsSpec,
    #[serde(default)]
    pub allow: AllowSpec,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub rotate: RotateSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathsSpec {
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Allowlist data: a match is dropped when its secret or its line matches, or its secret holds a
/// stopword.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowSpec {
    #[serde(default)]
    pub secrets: Vec<String>,
    #[serde(default)]
    pub lines: Vec<String>,
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// The provider half of the rotation checklist, in zero-downtime order.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateSpec {
    #[serde(default)]
    pub revoke_url: String,
    #[serde(default)]
    pub steps: Vec<String>,
}

/// The file half of a file rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    pub check: crate::envfile::FileCheck,
    /// Globs on the path relative to the repository root (`**/` is added in front of a glob
    /// without a `/`, so `.env` matches in every directory).
    pub paths: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Compiled allowlist shared by rules and the repository config.
#[derive(Debug, Default)]
pub struct Allow {
    pub secrets: Vec<Regex>,
    pub lines: Vec<Regex>,
    pub stopwords: Vec<String>,
}

impl Allow {
    pub fn compile(spec: &AllowSpec, what: &str) -> Result<Allow> {
        let compile_all = |list: &[String], field: &str| -> Result<Vec<Regex>> {
            list.iter()
                .map(|p| compile_regex(p).with_context(|| format!("{what}: allow.{field}: {p:?}")))
                .collect()
        };
        Ok(Allow {
            secrets: compile_all(&spec.secrets, "secrets")?,
            lines: compile_all(&spec.lines, "lines")?,
            stopwords: spec
                .stopwords
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
        })
    }

    /// True when the allowlist says this secret (on this line) is not a leak.
    pub fn allows(&self, secret: &[u8], line: &[u8]) -> bool {
        if self.secrets.iter().any(|r| r.is_match(secret)) {
            return true;
        }
        if self.lines.iter().any(|r| r.is_match(line)) {
            return true;
        }
        if !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            return self
                .stopwords
                .iter()
                .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some());
        }
        false
    }
}

/// Include/exclude path globs of a rule or config.
#[derive(Debug, Default)]
pub struct PathFilter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl PathFilter {
    pub fn compile(spec: &PathsSpec, what: &str) -> Result<PathFilter> {
        let build = |globs: &[String], field: &str| -> Result<Option<GlobSet>> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut b = GlobSetBuilder::new();
            for g in globs {
                b.add(Glob::new(g).with_context(|| format!("{what}: paths.{field}: {g:?}"))?);
            }
            Ok(Some(b.build()?))
        };
        Ok(PathFilter {
            include: build(&spec.include, "include")?,
            exclude: build(&spec.exclude, "exclude")?,
        })
    }

    pub fn admits(&self, path: &str) -> bool {
        if let Some(ex) = &self.exclude {
            if ex.is_match(path) {
                return false;
            }
        }
        match &self.include {
            Some(inc) => inc.is_match(path),
            None => true,
        }
    }
}

pub fn compile_regex(pattern: &str) -> Result<Regex> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| anyhow!("{e}"))
}

/// A rule ready to run. The regex compiles on first use so start-up stays fast for the
/// pre-commit hook, where most rules never see a keyword hit.
#[derive(Debug)]
pub struct Rule {
    pub spec: RuleSpec,
    pub pack: String,
    regex: OnceLock<Regex>,
    pub allow: Allow,
    pub paths: PathFilter,
    /// For file rules: which paths the rule is about.
    files: PathFilter,
}

impl Rule {
    fn new(spec: RuleSpec, pack: &str) -> Result<Rule> {
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
        let files = match &spec.file {
            Some(f) => PathFilter::compile(
                &PathsSpec {
                    include: anywhere(&f.paths),
                    exclude: anywhere(&f.exclude),
                },
                &what,
            )?,
            None => PathFilter::default(),
        };
        Ok(Rule {
            files,
            allow: Allow::compile(&spec.allow, &what)?,
            paths: PathFilter::compile(&spec.paths, &what)?,
            pack: pack.to_string(),
            spec,
            regex: OnceLock::new(),
        })
    }

    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// True for a file rule whose globs cover this repository-relative path.
    pub fn file_matches(&self, rel: &str) -> bool {
        self.spec.file.is_some() && self.files.admits(rel)
    }

    /// The compiled pattern. Built-in patterns are proven to compile by `rules check` (run by
    /// `cargo test`); custom rules are compiled eagerly when the config loads.
    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            compile_regex(&self.spec.pattern)
                .expect("built-in patterns are checked by the rule self-test")
        })
    }

    fn compile_now(&self) -> Result<()> {
        if self.regex.get().is_none() {
            let re = compile_regex(&self.spec.pattern)?;
            let _ = self.regex.set(re);
        }
        Ok(())
    }

    /// The bytes after a keyword hit within which the pattern must end.
    pub fn window(&self) -> usize {
        self.spec.window.unwrap_or(1024)
    }
}

/// All rules in effect, in priority order.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The packs embedded in the binary.
    pub fn builtin() -> Result<RuleSet> {
        let mut set = RuleSet::default();
        for (name, text) in BUILTIN_PACKS {
            set.add_pack_text(&format!("rules/{name}.yaml"), text)?;
        }
        Ok(set)
    }

    /// Parse one pack file; errors name the file, line and field.
    pub fn add_pack_text(&mut self, file: &str, text: &str) -> Result<()> {
        let pack: PackSpec = crate::config::parse_yaml(file, text)?;
        for spec in pack.rules {
            self.add(spec, &pack.pack)?;
        }
        Ok(())
    }

    pub fn add(&mut self, spec: RuleSpec, pack: &str) -> Result<()> {
        let rule = Rule::new(spec, pack)?;
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

    /// Keep only the rules for which `keep` is true.
    pub fn retain(&mut self, keep: impl Fn(&Rule) -> bool) {
        self.rules.retain(|r| keep(r));
    }
}

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
                    crate::finding::redact_str(ex)
                ));
            }
            if crate::matcher::self_test_matches(set, rule, ex.as_bytes()).is_empty() {
                bad(format!(
                    "example does not produce a finding: {}",
                    crate::finding::redact_str(ex)
                ));
            }
        }
        for ex in &rule.spec.negative_examples {
            if !crate::matcher::self_test_matches(set, rule, ex.as_bytes()).is_empty() {
                bad(format!(
                    "negative example matches: {}",
                    crate::finding::redact_str(ex)
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
        let spec: RuleSpec = crate::config::parse_yaml(
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
