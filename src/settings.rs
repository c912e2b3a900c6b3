//! Settings resolved once (ripgrep's low args → high args): what the user typed (`cli`) and
//! the repository config (`config`) become one `Settings` with the scan mode as an enum, the
//! rules in effect, compiled allowlists and path filters, and the output choices. Commands take
//! `Settings`; nothing below this module looks at the command line again.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::cli::{ColorChoice, ConfigArg, ScanArgs};
use crate::config::{Config, FILE_NAME, parse_size};
use crate::matcher::MatchOptions;
use crate::report::Format;
use crate::rules::{Allow, PathFilter, PathsSpec, RuleSet};
use crate::severity::Severity;
use crate::source::ScanMode;
use crate::source::worktree::WalkOptions;

const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;

/// Rules in effect and the config that shaped them.
pub struct Rules {
    pub rules: RuleSet,
    pub config: Config,
    pub config_file: Option<PathBuf>,
}

impl Rules {
    /// The built-in packs shaped by the config named on the command line, or else the one
    /// discovered from `start` up to the repository root.
    pub fn resolve(config: &ConfigArg, start: &Path) -> Result<Rules> {
        let mut rules = RuleSet::builtin()?;
        let config_file = match &config.config {
            Some(p) => Some(p.clone()),
            None => Config::discover(start),
        };
        let config = match &config_file {
            Some(p) => {
                let cfg = Config::load(p)?;
                cfg.apply(&mut rules, &p.display().to_string())?;
                cfg
            }
            None => Config::default(),
        };
        Ok(Rules {
            rules,
            config,
            config_file,
        })
    }
}

/// Everything a scan needs, resolved.
pub struct Settings {
    pub mode: ScanMode,
    /// What to walk (tree mode); the first is the repository for git modes.
    pub paths: Vec<PathBuf>,
    /// Repository root (or scanned directory) that SARIF URIs are relative to.
    pub root: PathBuf,
    pub rules: Rules,
    pub match_opts: MatchOptions,
    /// Paths the config says never to scan (and the config file itself).
    pub path_filter: PathFilter,
    pub walk: WalkOptions,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub color: bool,
    pub show_secrets: bool,
    /// A progress line on stderr (a terminal, and not `--quiet`).
    pub progress: bool,
    pub baseline: Option<PathBuf>,
    pub update_baseline: bool,
    pub fail_on: Severity,
    pub purge_file: Option<PathBuf>,
}

impl Settings {
    /// Resolve a scan: flags win over the config, the config over defaults.
    pub fn resolve(args: &ScanArgs) -> Result<Settings> {
        let paths: Vec<PathBuf> = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        if !paths[0].exists() {
            bail!("{}: no such file or directory", paths[0].display());
        }
        crate::messages::set_quiet(args.quiet);
        let rules = Rules::resolve(&args.config, &paths[0])?;
        let config = &rules.config;
        let mode = if args.staged {
            ScanMode::Staged
        } else if args.history {
            ScanMode::History {
                all_objects: args.all_objects,
            }
        } else if args.pre_push {
            ScanMode::PrePush
        } else if let Some(r) = &args.range {
            ScanMode::Range(r.clone())
        } else {
            ScanMode::Tree
        };
        let max_file_size = match (&args.max_file_size, &config.max_file_size) {
            (Some(s), _) => parse_size(s).context("--max-file-size")?,
            (None, Some(s)) => s.bytes()?,
            (None, None) => DEFAULT_MAX_FILE_SIZE,
        };
        let cfg_what = rules
            .config_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "config".into());
        let match_opts = MatchOptions {
            ctx: validate_context(args, config)?,
            allow: Allow::compile(&config.allow.spec(), &cfg_what)?,
            inline_allow: !args.no_inline_allow,
        };
        let mut excluded = config.allow.paths.clone();
        if rules
            .config_file
            .as_ref()
            .is_some_and(|p| p.file_name().is_some_and(|n| n == FILE_NAME))
        {
            excluded.push(FILE_NAME.to_string());
        }
        let path_filter = PathFilter::compile(
            &PathsSpec {
                include: vec![],
                exclude: excluded,
            },
            &cfg_what,
        )?;
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                args.output.is_none()
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Ok(Settings {
            root: crate::fsutil::repo_root(&paths[0]),
            mode,
            walk: WalkOptions {
                follow_links: args.follow_links,
                no_ignore: args.no_ignore,
                max_file_size,
            },
            fail_on: args.fail_on.or(config.fail_on).unwrap_or(Severity::Low),
            paths,
            match_opts,
            path_filter,
            format: args.format,
            output: args.output.clone(),
            color,
            show_secrets: args.show_secrets,
            progress: !args.quiet && std::io::stderr().is_terminal(),
            baseline: args.baseline.clone(),
            update_baseline: args.update_baseline,
            purge_file: args.purge_file.clone().filter(|_| args.show_secrets),
            rules,
        })
    }
}

/// What validators need: the clock, and the apikee signing secrets from the variable the user
/// named (never a value in a file).
fn validate_context(args: &ScanArgs, config: &Config) -> Result<crate::validate::Context> {
    let mut ctx = crate::validate::Context {
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
        ..Default::default()
    };
    let env_name = args
        .apikee_secret_env
        .clone()
        .or_else(|| config.apikee_secret_env.clone());
    if let Some(name) = env_name {
        let value = std::env::var(&name).with_context(|| {
            format!("apikee signing secret: environment variable {name} is not set")
        })?;
        ctx.apikee_secrets = value
            .split(',')
            .map(|s| s.trim().as_bytes().to_vec())
            .filter(|s| !s.is_empty())
            .collect();
    }
    Ok(ctx)
}
