//! What the user typed (clap derive). `crate::settings` resolves it into `Settings`; the
//! commands in `crate::cmd` run on those.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;
use crate::severity::{Confidence, Severity};

#[derive(Debug, Parser)]
#[command(
    name = "keywarden",
    version,
    about = "Find leaked API keys in files, staged changes and git history, and say how to rotate them."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a tree, the staged changes, a commit range or the whole history.
    Scan(ScanArgs),
    /// Write a baseline of the current findings (fingerprints only, never secrets).
    Baseline(BaselineArgs),
    /// Show a rule, or the finding behind a fingerprint, with its rotation checklist.
    Explain(ExplainArgs),
    /// Fix file hygiene: chmod 600 secret files, extend .gitignore, write .env.example (dry run
    /// unless --apply).
    Fix(FixArgs),
    /// Install (or remove) a plain git pre-commit hook that runs `keywarden scan --staged`.
    InstallHook(InstallHookArgs),
    /// Revoke leaked secrets by fingerprint where the provider lets their holder do it (GitHub,
    /// Slack, GitLab); for the rest, print the page or command that does it. Dry run unless
    /// --apply.
    Revoke(RevokeArgs),
    /// Merge the JSON reports of several repositories into one: each secret once, with every
    /// repository and place it was found, the worst first.
    Merge(MergeArgs),
    /// List or self-test the rules in effect.
    Rules {
        #[command(subcommand)]
        action: RulesAction,
    },
    /// Print a JSON Schema: of `--format json` reports, or of `.keywarden.yaml` (for editors).
    Schema {
        #[arg(value_enum)]
        which: SchemaKind,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The JSON report (`scan --format json`).
    Report,
    /// The repository config, `.keywarden.yaml`.
    Config,
}

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// One line per rule: id, severity, pack, name.
    List(ConfigArg),
    /// Check every rule: ids, patterns, examples, negative examples, checklists.
    Check(ConfigArg),
}

#[derive(Debug, Args, Clone, Default)]
pub struct ConfigArg {
    /// Config file (default: .keywarden.yaml at the repository root or scanned directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ScanArgs {
    /// Files or directories to scan (default: the current directory). With --staged,
    /// --history, --range or --pre-push: the repository to read, and when given, only files
    /// under these paths are reported (`--range main..feat services/api`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Scan what is staged in the index (what the next commit would add), not the working tree.
    #[arg(long, conflicts_with_all = ["history", "range"])]
    pub staged: bool,

    /// Scan every blob reachable from every ref (branches, remotes, tags, HEAD, stash).
    #[arg(long, conflicts_with = "range")]
    pub history: bool,

    /// Scan the blobs introduced by the commits in BASE..HEAD (pull requests, pre-push).
    #[arg(long, value_name = "BASE..HEAD")]
    pub range: Option<String>,

    /// Scan what a push adds: from the pre-commit framework's PRE_COMMIT_FROM_REF/TO_REF, or
    /// git's pre-push lines on stdin. A new branch is compared with every remote-tracking ref.
    #[arg(long, conflicts_with_all = ["staged", "history", "range"])]
    pub pre_push: bool,

    /// With --history: also scan objects no ref reaches (left behind by a history rewrite).
    #[arg(long, requires = "history")]
    pub all_objects: bool,

    /// With --history --show-secrets: write the found secrets to FILE (mode 0600) for
    /// `git filter-repo --replace-text`.
    #[arg(long, value_name = "FILE", requires = "show_secrets")]
    pub purge_file: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write the report in FORMAT to FILE, from the same scan (repeatable):
    /// `--report sarif=out.sarif --report markdown=summary.md --report github=annotations.txt`.
    /// FILE `-` is stdout.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_report)]
    pub report: Vec<(Format, PathBuf)>,

    /// Ask each secret's provider whether it still works (opt-in; one request per unique
    /// secret, only to the API host the built-in pack declares; see docs/verification.md for the list).
    #[arg(long)]
    pub verify: bool,

    /// Report only secrets the provider confirmed live (implies --verify).
    #[arg(long)]
    pub only_verified: bool,

    /// With --verify: seconds per request (default 5).
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub verify_timeout: u64,

    /// With --verify: seconds for all requests together (default 30); what is not asked by
    /// then is reported as unknown.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub verify_budget: u64,

    /// With --verify: trust the PEM certificates in FILE instead of the built-in Mozilla roots
    /// (a TLS-inspecting proxy, or a test server).
    #[arg(long, value_name = "FILE")]
    pub verify_ca: Option<PathBuf>,

    /// With --verify: connect to ADDR:PORT for requests to HOST (`HOST=ADDR:PORT`, repeatable),
    /// like curl's --connect-to. The URL, Host header and TLS name stay the provider's.
    #[arg(long, value_name = "HOST=ADDR:PORT", value_parser = parse_connect_to)]
    pub verify_connect_to: Vec<(String, std::net::SocketAddr)>,

    /// SARIF `runAutomationDetails` category, so uploads of different scans (modes, paths of a
    /// monorepo) never replace each other in code scanning. Default: `keywarden` for tree and
    /// range scans, `keywarden-history` for history scans.
    #[arg(long, value_name = "CATEGORY")]
    pub sarif_category: Option<String>,

    /// Print secrets in full. Off by default: every output is redacted.
    #[arg(long)]
    pub show_secrets: bool,

    /// When to color text output (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Skip files larger than this (e.g. 100MiB, 30MB, 1048576). Default 100MiB.
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,

    /// Follow symbolic links while walking (off by default).
    #[arg(long)]
    pub follow_links: bool,

    /// Do not honour .gitignore, .ignore and git excludes when walking.
    #[arg(long)]
    pub no_ignore: bool,

    #[command(flatten)]
    pub config: ConfigArg,

    /// Scan with the built-in packs only: no `.keywarden.yaml`, no allowlists (audits after a
    /// leak).
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// Drop findings whose fingerprint and path are in this baseline file. Range and pre-push
    /// scans read a baseline inside the repository at the base commit.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Rewrite --baseline with the current findings, keeping reasons.
    #[arg(long, requires = "baseline")]
    pub update_baseline: bool,

    /// Ignore `keywarden:allow`, `gitleaks:allow` and `pragma: allowlist secret` (audits).
    #[arg(long)]
    pub no_inline_allow: bool,

    /// Minimum severity that makes the exit code 1 (default: low, i.e. any finding).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Lowest confidence reported (default: medium): `low` also shows generic values in tests,
    /// fixtures, docs and examples and weak values; what is hidden is counted in the summary.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<Confidence>,

    /// Scan vendored dependency trees too (`node_modules/`, `vendor/`, `site-packages/`,
    /// `.venv/`, `third_party/`…); tree scans skip them by default and count them.
    #[arg(long)]
    pub include_vendored: bool,

    /// Environment variable holding the apikee signing secret, to verify customer keys offline.
    #[arg(long, value_name = "NAME")]
    pub apikee_secret_env: Option<String>,

    /// Print where the time went (per stage, with counts) and the peak memory, on stderr.
    #[arg(long)]
    pub stats: bool,

    /// No progress and no warnings about skipped large files.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args, Clone)]
pub struct MergeArgs {
    /// JSON reports (`scan --format json`), each `FILE` (the repository is named by the file's
    /// stem, `__` read as `/`: `acme__api.json` is `acme/api`) or `NAME=FILE`. A file
    /// `{"repository": NAME, "error": TEXT}` records a repository that could not be scanned.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<String>,
    /// `text` (default), `json`, `markdown` or `html`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the merged report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colors for text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Args, Clone)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Args, Clone)]
pub struct ExplainArgs {
    /// A rule id, or a 64-hex fingerprint from a report or baseline.
    #[arg(required_unless_present = "line")]
    pub id: Option<String>,
    /// Why a line was or was not reported: every rule whose pattern sees a candidate on
    /// FILE:LINE, and what kept it out (entropy, placeholder, offline check, allowlist, marker).
    #[arg(long, value_name = "FILE:LINE", conflicts_with = "id")]
    pub line: Option<String>,
    #[command(flatten)]
    pub config: ConfigArg,
    /// Where to look for a fingerprint (default: the current directory).
    #[arg(long, value_name = "PATH")]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct RevokeArgs {
    /// Fingerprints (64 hex) from a report or baseline.
    #[arg(required = true, value_name = "FINGERPRINT")]
    pub fingerprints: Vec<String>,
    /// Where the secrets are (default: the current directory).
    #[arg(long, value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Look for them in every commit of every ref (a secret already removed from the tree).
    #[arg(long)]
    pub history: bool,
    /// Revoke for real (otherwise print what would be done). On a terminal, asks first.
    #[arg(long)]
    pub apply: bool,
    /// With --apply: do not ask.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub config: ConfigArg,
    /// Seconds per request (default 5).
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub timeout: u64,
    /// Trust the PEM certificates in FILE instead of the built-in Mozilla roots.
    #[arg(long, value_name = "FILE")]
    pub verify_ca: Option<PathBuf>,
    /// Connect to ADDR:PORT for requests to HOST (`HOST=ADDR:PORT`, repeatable).
    #[arg(long, value_name = "HOST=ADDR:PORT", value_parser = parse_connect_to)]
    pub verify_connect_to: Vec<(String, std::net::SocketAddr)>,
}

#[derive(Debug, Args, Clone)]
pub struct InstallHookArgs {
    /// Also install a pre-push hook that scans what a push adds.
    #[arg(long)]
    pub pre_push: bool,
    /// Overwrite a hook that keywarden did not write.
    #[arg(long)]
    pub force: bool,
    /// Remove keywarden's hooks (only hooks it wrote).
    #[arg(long)]
    pub uninstall: bool,
    /// The repository (default: the current directory).
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct FixArgs {
    /// The directory to fix (default: the current directory).
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    /// Make the changes (without it, only print them).
    #[arg(long)]
    pub apply: bool,
    /// Overwrite an existing .env.example.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub config: ConfigArg,
}

/// `FORMAT=FILE` for `--report`.
fn parse_report(v: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = v
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=FILE (e.g. sarif=out.sarif), got `{v}`"))?;
    let format = <Format as clap::ValueEnum>::from_str(format, true)
        .map_err(|_| format!("unknown format `{format}` (text, json, sarif, github, markdown)"))?;
    if file.is_empty() {
        return Err(format!("`{v}` names no file"));
    }
    Ok((format, PathBuf::from(file)))
}

/// `HOST=ADDR:PORT` for `--verify-connect-to`.
pub fn parse_connect_to(v: &str) -> Result<(String, std::net::SocketAddr), String> {
    let (host, addr) = v
        .split_once('=')
        .ok_or_else(|| format!("expected HOST=ADDR:PORT, got `{v}`"))?;
    let addr = addr
        .parse()
        .map_err(|_| format!("`{addr}` is not an ADDR:PORT (e.g. 127.0.0.1:8443)"))?;
    Ok((host.to_string(), addr))
}
