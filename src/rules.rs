//! Rule packs: the serde form a YAML pack is written in (`RuleSpec`) and the compiled form the
//! matcher uses (`Rule`, whose `Body` is a content pattern or a file check). The self-test
//! that proves a rule sound sits above rules and matcher, in `selftest.rs`.
//!
//! Rules are data. Nothing about a provider's key format lives in Rust except the offline
//! validators a rule can name (`validate:`), which check things a regex cannot (checksums,
//! signed payloads).

use std::collections::HashSet;
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::bytes::{Regex, RegexBuilder};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::fingerprint::{is_fingerprint, secret_id};
use crate::severity::Severity;
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
    ("credentials", include_str!("../rules/credentials.yaml")),
    ("tokenomics", include_str!("../rules/tokenomics.yaml")),
    ("saas", include_str!("../rules/saas.yaml")),
    ("ai", include_str!("../rules/ai.yaml")),
    ("generic", include_str!("../rules/generic.yaml")),
    ("hygiene", include_str!("../rules/hygiene.yaml")),
    ("trust", include_str!("../rules/trust.yaml")),
    ("passwords", include_str!("../rules/passwords.yaml")),
];

/// Regex size limit for every pattern, built-in or custom: a pull request can add a custom rule,
/// and a pathological pattern must fail with exit 2 instead of eating memory.
const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// What kind of evidence a rule's findings are. It decides precision in SARIF, which findings
/// a file rule may stand beside, and the default precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// A provider's own key format: the most specific.
    #[default]
    Provider,
    /// A value judged by the name it is assigned to.
    Generic,
    /// A judgement on a file (its name, git status, mode, or example values).
    File,
}

/// A pack file as written: a name, the kind of its rules, and the rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackSpec {
    pub pack: String,
    /// What the pack covers; for readers of the YAML, not used at run time.
    #[serde(default)]
    #[allow(dead_code)]
    pub description: String,
    #[serde(default)]
    pub kind: RuleKind,
    /// Where two findings of one chunk stand at the same place, only those of the highest
    /// precedence are reported (a provider key beats the `.env.example` check beats `generic`).
    #[serde(default = "default_precedence")]
    pub precedence: u8,
    /// False for an opt-in pack: it runs only when a config turns it on (`packs: {NAME: true}`).
    #[serde(default = "default_enabled")]
    pub enabled: bool,
    pub rules: Vec<RuleSpec>,
}

fn default_enabled() -> bool {
    true
}

fn default_precedence() -> u8 {
    100
}

/// One rule as written in YAML. Unknown fields are errors so a typo cannot silently disable a
/// check.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
    /// Drop a value the placeholder vocabulary (`rules/placeholders.yaml`) recognises.
    #[serde(default)]
    pub placeholders: bool,
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
    /// How `scan --verify` asks the provider whether the secret works. Built-in packs only: a
    /// repository config cannot declare one, so a pull request cannot send secrets anywhere.
    #[serde(default)]
    pub verify: Option<HttpCheck>,
    /// How `keywarden revoke --apply` revokes the secret, where its holder may (built-in only).
    #[serde(default)]
    pub revoke: Option<HttpCheck>,
}

/// One HTTPS request to a provider's own API host, and how to read its answer. `{secret}` in
/// the path, a header or the body is the secret (JSON-escaped in `json`). The host is fixed
/// here, never built from the secret.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpCheck {
    pub url: String,
    #[serde(default = "default_method")]
    pub method: String,
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// `Authorization: Basic base64(user:secret)` with this user (Mailgun: `api`).
    #[serde(default)]
    pub basic_user: Option<String>,
    /// The Basic user is an id found on the finding's line with this pattern (Twilio's account
    /// SID beside its auth token); `{user}` in the URL is that id. Without one on the line the
    /// check is not made, and the verdict says so.
    #[serde(default)]
    pub basic_user_on_line: Option<String>,
    /// A form body (`application/x-www-form-urlencoded`).
    #[serde(default)]
    pub form: std::collections::BTreeMap<String, String>,
    /// A JSON body.
    #[serde(default)]
    pub json: Option<String>,
    /// Sign the request with AWS Signature Version 4, pairing the secret access key with an
    /// access key id found in the same file.
    #[serde(default)]
    pub aws_sigv4: bool,
    /// Status codes that mean the secret works (for `revoke`: that it was revoked).
    pub live: Vec<u16>,
    /// Status codes that mean the provider rejected it.
    #[serde(default)]
    pub dead: Vec<u16>,
    /// For providers that answer 200 either way (Slack): text a live answer's body holds.
    #[serde(default)]
    pub live_body: Option<String>,
    /// Text a dead answer's body holds (`"ok":false`).
    #[serde(default)]
    pub dead_body: Option<String>,
}

fn default_method() -> String {
    "GET".into()
}

impl HttpCheck {
    /// The host every request of this check goes to: the URL's, fixed in the pack.
    pub fn host(&self) -> Option<&str> {
        let rest = self.url.strip_prefix("https://")?;
        let host = rest.split(['/', '?']).next()?;
        (!host.is_empty() && !host.contains(['{', '}', '@', ':'])).then_some(host)
    }
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathsSpec {
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Allowlist data: a match is dropped when its secret or its line matches, or its secret holds a
/// stopword. The config's `allow` and a rule's `allow` are this one type; `paths` belongs to the
/// config (a rule narrows where it applies with `paths.exclude`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowSpec {
    /// Path globs never scanned (the config's `allow` only).
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub secrets: Vec<String>,
    #[serde(default)]
    pub lines: Vec<String>,
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// The provider half of the rotation checklist, in zero-downtime order. `{path}` in a step is
/// filled with where the finding is.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSpec {
    #[serde(default)]
    pub revoke_url: String,
    #[serde(default)]
    pub steps: Vec<String>,
    /// How committed history is cleaned of it: replace the secret (the default), or drop the
    /// whole file (a tracked `.env`, a key file).
    #[serde(default)]
    pub purge: Purge,
}

/// How a purge removes a finding from history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Purge {
    /// `git filter-repo --replace-text`: the secret's value is replaced in every blob.
    #[default]
    ReplaceSecret,
    /// `git filter-repo --invert-paths --path …`: the file goes from every commit.
    DropFile,
}

/// What a file rule checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FileCheck {
    /// The file is tracked by git (working tree), staged (`--staged`) or was ever committed
    /// (`--history`).
    Tracked,
    /// The file is on disk, untracked, and no ignore rule covers it.
    NotIgnored,
    /// The file can be read or written by group or others (unix, working tree).
    Permissions,
    /// An example env file with a real-looking value for a secret-named variable.
    ExampleValues,
    /// A range's own config or baseline suppresses what the base's would report (judged by the
    /// range scan as a whole, not file by file).
    SuppressionAdded,
}

/// The file half of a file rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    pub check: FileCheck,
    /// Globs on the path relative to the repository root (`**/` is added in front of a glob
    /// without a `/`, so `.env` matches in every directory).
    pub paths: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Only files whose content holds a secret (a private key, a key store, an env file or
    /// credentials file with a real value): a certificate named `*.pem` is not a key file.
    #[serde(default)]
    pub requires_secret: bool,
}

/// Compiled allowlist shared by rules and the repository config. An entry of `secrets` that
/// is a fingerprint (64 hex digits) allows exactly that rule's secret; any other entry is a
/// pattern.
#[derive(Debug, Default)]
pub struct Allow {
    pub secrets: Vec<Regex>,
    pub fingerprints: HashSet<String>,
    pub lines: Vec<Regex>,
    pub stopwords: Vec<String>,
}

impl Allow {
    pub fn compile(spec: &AllowSpec, what: &str) -> Result<Allow> {
        let compile_all = |list: &[String], field: &str| -> Result<Vec<Regex>> {
            list.iter()
                .map(|p| {
                    compile_regex(p).map_err(|e| {
                        anyhow!("{what}: allow.{field}: {}: {e}", crate::redact::value(p))
                    })
                })
                .collect()
        };
        let (fingerprints, patterns): (Vec<String>, Vec<String>) = spec
            .secrets
            .iter()
            .cloned()
            .partition(|s| is_fingerprint(s));
        Ok(Allow {
            secrets: compile_all(&patterns, "secrets")?,
            fingerprints: fingerprints
                .into_iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            lines: compile_all(&spec.lines, "lines")?,
            stopwords: spec
                .stopwords
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
        })
    }

    /// True when the allowlist says this secret of this rule (on this line) is not a leak.
    pub fn allows(&self, rule_id: &str, secret: &[u8], line: &[u8]) -> bool {
        if self.secrets.iter().any(|r| r.is_match(secret)) {
            return true;
        }
        if !self.fingerprints.is_empty() && self.fingerprints.contains(&secret_id(rule_id, secret))
        {
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
                b.add(Glob::new(g).map_err(|e| {
                    anyhow!(
                        "{what}: paths.{field}: {}: {}",
                        crate::redact::value(g),
                        e.kind()
                    )
                })?);
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

/// Can the pattern be searched on the keyword's line alone? True when no match can hold a
/// newline (no literal or class of the pattern admits `\n`) and every match holds one of the
/// keywords (ASCII case-insensitively). Then a match on a line without a keyword hit cannot
/// exist, and one on the hit's line is found in that line. A pattern that does not parse, or
/// where either is not certain, is not line-bound (its windows stay as wide as before).
pub fn line_bound(pattern: &str, keywords: &[String]) -> bool {
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .nest_limit(64)
        .build()
        .parse(pattern)
    else {
        return false;
    };
    let keywords: Vec<Vec<u8>> = keywords
        .iter()
        .map(|k| k.to_ascii_lowercase().into_bytes())
        .filter(|k| !k.is_empty())
        .collect();
    !hir_admits_newline(&hir) && !keywords.is_empty() && holds_keyword(&hir, &keywords)
}

fn hir_admits_newline(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => lit.0.contains(&b'\n'),
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= '\n' && '\n' <= r.end()),
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
        HirKind::Repetition(r) => hir_admits_newline(&r.sub),
        HirKind::Capture(c) => hir_admits_newline(&c.sub),
        HirKind::Concat(xs) | HirKind::Alternation(xs) => xs.iter().any(hir_admits_newline),
    }
}

/// The one byte (lowercased) a node matches, if it matches exactly one byte up to ASCII case:
/// a literal byte, or a class like `[Kk]` that `(?i:k)` becomes.
fn single_folded_byte(hir: &regex_syntax::hir::Hir) -> Option<u8> {
    use regex_syntax::hir::{Class, HirKind};
    let bytes: Vec<u8> = match hir.kind() {
        HirKind::Literal(lit) if lit.0.len() == 1 => vec![lit.0[0]],
        HirKind::Class(Class::Bytes(c)) => {
            let mut v = Vec::new();
            for r in c.ranges() {
                if usize::from(r.end() - r.start()) > 1 {
                    return None;
                }
                v.extend(r.start()..=r.end());
            }
            v
        }
        HirKind::Class(Class::Unicode(c)) => {
            let mut v = Vec::new();
            for r in c.ranges() {
                let (a, b) = (u32::from(r.start()), u32::from(r.end()));
                if b > 0x7F || b - a > 1 {
                    return None;
                }
                v.extend((a..=b).map(|x| x as u8));
            }
            v
        }
        _ => return None,
    };
    let first = bytes.first()?.to_ascii_lowercase();
    bytes
        .iter()
        .all(|b| b.to_ascii_lowercase() == first)
        .then_some(first)
}

/// Does every match of `hir` hold one of `keywords` (lowercase)? Conservative: `false` when
/// unsure.
fn holds_keyword(hir: &regex_syntax::hir::Hir, keywords: &[Vec<u8>]) -> bool {
    use regex_syntax::hir::HirKind;
    let has = |run: &[u8]| {
        keywords
            .iter()
            .any(|k| run.windows(k.len()).any(|w| w.eq_ignore_ascii_case(k)))
    };
    match hir.kind() {
        HirKind::Literal(lit) => has(&lit.0),
        HirKind::Capture(c) => holds_keyword(&c.sub, keywords),
        HirKind::Repetition(r) => r.min >= 1 && holds_keyword(&r.sub, keywords),
        HirKind::Alternation(xs) => xs.iter().all(|x| holds_keyword(x, keywords)),
        HirKind::Concat(xs) => {
            // A keyword may be spelled across neighbours (`(?i:key)` is `[Kk][Ee][Yy]`).
            let mut run: Vec<u8> = Vec::new();
            for x in xs {
                match x.kind() {
                    HirKind::Literal(lit) => run.extend(lit.0.iter().map(u8::to_ascii_lowercase)),
                    _ => match single_folded_byte(x) {
                        Some(b) => run.push(b),
                        None => {
                            if has(&run) || holds_keyword(x, keywords) {
                                return true;
                            }
                            run.clear();
                        }
                    },
                }
            }
            has(&run)
        }
        HirKind::Class(_) => single_folded_byte(hir).is_some_and(|b| has(&[b])),
        HirKind::Empty | HirKind::Look(_) => false,
    }
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
        if let Body::Content(cell) = &self.body {
            if cell.get().is_none() {
                let _ = cell.set(self.compile()?);
            }
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
        let pack: PackSpec = crate::yaml::parse_yaml(file, text)?;
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
