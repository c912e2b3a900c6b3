//! Rule packs as written: the serde form of a YAML pack (`PackSpec`, `RuleSpec` and their
//! parts). Unknown fields are errors everywhere, so a typo cannot silently disable a check; the
//! pack JSON Schema is generated from these types.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::severity::Severity;
use crate::validate::Validator;

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

pub(super) fn default_precedence() -> u8 {
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
