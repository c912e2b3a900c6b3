//! Settings resolved once (ripgrep's low args → high args): what the user typed (`cli`) and
//! the repository config (`config`) become one `Settings` with the scan mode as an enum, the
//! rules in effect, compiled allowlists and path filters, and the output choices. Commands take
//! `Settings`; nothing below this module looks at the command line again.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::baseline::Baseline;
use crate::cli::{ColorChoice, ConfigArg, ScanArgs};
use crate::config::{Config, FILE_NAME, parse_size};
use crate::matcher::MatchOptions;
use crate::report::Format;
use crate::rules::{Allow, PathFilter, PathsSpec, RuleSet};
use crate::severity::{Confidence, Severity};
use crate::source::worktree::WalkOptions;
use crate::source::{ScanMode, git};

const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;

/// Rules in effect and the config that shaped them.
pub struct Rules {
    pub rules: RuleSet,
    pub config: Config,
    /// How errors and findings name the config (`.keywarden.yaml`, or `.keywarden.yaml at
    /// 1a2b3c4d` when read at a commit).
    pub config_name: Option<String>,
    /// The config's file name, to recognise it among scanned files.
    pub config_file_name: Option<String>,
    /// Built-in rules the config switched off (packs, `disable`).
    pub disabled: usize,
}

impl Rules {
    /// The built-in packs alone (`--no-config`, or no config anywhere).
    pub fn builtin() -> Result<Rules> {
        Rules::from_config(Config::default(), None, None)
    }

    /// The built-in packs shaped by the config named on the command line, or else the one
    /// discovered from `start` up to the repository root.
    pub fn resolve(config: &ConfigArg, start: &Path) -> Result<Rules> {
        let file = match &config.config {
            Some(p) => Some(p.clone()),
            None => Config::discover(start),
        };
        match file {
            Some(p) => Rules::from_config(
                Config::load(&p)?,
                Some(p.display().to_string()),
                p.file_name().map(|n| n.to_string_lossy().into_owned()),
            ),
            None => Rules::builtin(),
        }
    }

    fn from_config(
        config: Config,
        name: Option<String>,
        file_name: Option<String>,
    ) -> Result<Rules> {
        let mut rules = RuleSet::builtin()?;
        let on_by_default = |set: &RuleSet| {
            set.rules
                .iter()
                .filter(|r| r.default_enabled && r.pack != "custom")
                .count()
        };
        let builtin = on_by_default(&rules);
        config.apply(&mut rules, name.as_deref().unwrap_or("config"))?;
        Ok(Rules {
            disabled: builtin - on_by_default(&rules),
            rules,
            config,
            config_name: name,
            config_file_name: file_name,
        })
    }
}

/// A file of settings as one side of a range has it.
pub struct Named {
    pub name: String,
    pub text: String,
}

/// What a range's own head would suppress: built from the head commit's config and baseline,
/// compared with the trusted side's result and reported as `suppression-added`, never applied.
pub struct HeadSide {
    pub rules: Rules,
    pub match_opts: MatchOptions,
    pub path_filter: PathFilter,
    pub config: Option<Named>,
    pub baseline: Option<(Named, Baseline)>,
}

/// Everything a scan needs, resolved.
pub struct Settings {
    pub mode: ScanMode,
    /// What to walk (tree mode); the first is the repository for git modes.
    pub paths: Vec<PathBuf>,
    /// PATHs were given: in git modes they also limit what is reported to files under them.
    pub paths_given: bool,
    /// Repository root (or scanned directory) that SARIF URIs are relative to.
    pub root: PathBuf,
    pub rules: Rules,
    pub match_opts: MatchOptions,
    /// Paths the config says never to scan.
    pub path_filter: PathFilter,
    pub walk: WalkOptions,
    pub format: Format,
    pub output: Option<PathBuf>,
    /// More reports from the same scan (`--report FORMAT=FILE`).
    pub reports: Vec<(Format, PathBuf)>,
    /// SARIF automation category (`--sarif-category`).
    pub sarif_category: Option<String>,
    /// Verification against providers (`--verify`), off by default.
    pub verify: Option<crate::verify::Options>,
    pub only_verified: bool,
    pub color: bool,
    pub show_secrets: bool,
    /// A progress line on stderr (a terminal, and not `--quiet`).
    pub progress: bool,
    /// The baseline to filter with (read at the base commit for range scans), and the file
    /// `--update-baseline` rewrites.
    pub baseline: Option<Baseline>,
    pub baseline_path: Option<PathBuf>,
    pub update_baseline: bool,
    pub fail_on: Severity,
    /// Findings below it are counted, not reported.
    pub min_confidence: Confidence,
    /// Tree scans: scan vendored dependency trees too.
    pub include_vendored: bool,
    pub purge_file: Option<PathBuf>,
    /// Range and pre-push scans: what the range's own config and baseline would suppress.
    pub head_side: Option<HeadSide>,
}

fn short(rev: &str) -> &str {
    crate::finding::short_id(rev)
}

/// A settings file as it is at `rev` (`None` when the commit has none).
fn named_at(repo: &Path, rev: &str, rel: &str) -> Result<Option<(String, Vec<u8>)>> {
    Ok(git::file_at(repo, rev, rel)?.map(|b| (format!("{rel} at {}", short(rev)), b)))
}

/// The trusted config of a range scan: the file named on the command line when it lies outside
/// the checkout, else the repository's config as it is at the base commit.
fn rules_at(
    config: &ConfigArg,
    repo: &Path,
    rev: &str,
    lenient: bool,
) -> Result<(Rules, Option<Named>)> {
    let rel = match &config.config {
        Some(p) => match git::relative_to_workdir(repo, p) {
            Some(rel) => rel,
            None => return Ok((Rules::resolve(config, repo)?, None)),
        },
        None => FILE_NAME.to_string(),
    };
    let Some((name, bytes)) = named_at(repo, rev, &rel)? else {
        return Ok((Rules::builtin()?, None));
    };
    let cfg = if lenient {
        Config::parse_lenient(&name, &bytes)?
    } else {
        Config::parse_bytes(&name, &bytes)?
    };
    let file_name = Path::new(&rel)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok((
        Rules::from_config(cfg, Some(name.clone()), file_name)?,
        Some(Named { name, text }),
    ))
}

/// A baseline as it is at `rev` when its path lies inside the checkout (missing: empty).
fn baseline_at(repo: &Path, path: &Path, rev: &str) -> Result<Option<(Named, Baseline)>> {
    let Some(rel) = git::relative_to_workdir(repo, path) else {
        return Ok(None);
    };
    Ok(match named_at(repo, rev, &rel)? {
        Some((name, bytes)) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let b = Baseline::parse(&name, &text)?;
            Some((Named { name, text }, b))
        }
        None => Some((
            Named {
                name: format!("{rel} at {}", short(rev)),
                text: String::new(),
            },
            Baseline::default(),
        )),
    })
}

/// The allowlist and path filter a config compiles to.
pub fn compile(
    rules: &Rules,
    ctx: crate::validate::Context,
    inline_allow: bool,
) -> Result<(MatchOptions, PathFilter)> {
    let what = rules.config_name.clone().unwrap_or_else(|| "config".into());
    let config = &rules.config;
    let match_opts = MatchOptions {
        ctx,
        allow: Allow::compile(&config.allow, &what).or_else(|e| {
            config.locate_bad_pattern(&what)?;
            Err(e)
        })?,
        inline_allow,
    };
    let path_filter = PathFilter::compile(
        &PathsSpec {
            include: vec![],
            exclude: config.allow.paths.clone(),
        },
        &what,
    )?;
    Ok((match_opts, path_filter))
}

impl Settings {
    /// Resolve a scan: flags win over the config, the config over defaults. Range and pre-push
    /// scans read the config and baseline at the base commit: a pull request controls its own
    /// files, so they cannot switch the check off.
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
        let repo = paths[0].clone();
        let mode = if args.staged {
            ScanMode::Staged
        } else if args.history {
            ScanMode::History {
                all_objects: args.all_objects,
            }
        } else if args.pre_push {
            ScanMode::PrePush(git::read_pushes()?)
        } else if let Some(r) = &args.range {
            let (base, head) = git::split_range(r)?;
            ScanMode::Range { base, head }
        } else {
            ScanMode::Tree
        };
        // The trusted side (base) and the range's own side (head) of a range scan.
        let sides: Option<(String, String)> = match &mode {
            ScanMode::Range { base, head } => {
                let (b, h) = git::resolve_range(&repo, base, head)?;
                Some((b.to_string(), h.to_string()))
            }
            ScanMode::PrePush(pushes) => {
                let head = pushes.first().map(|p| p.to.clone()).unwrap_or_default();
                git::push_base(&repo, pushes).map(|b| (b, head))
            }
            _ => None,
        };
        let (rules, base_config) = match (&sides, args.no_config) {
            (_, true) => (Rules::builtin()?, None),
            (Some((base, _)), false) => rules_at(&args.config, &repo, base, false)?,
            (None, false) => (Rules::resolve(&args.config, &paths[0])?, None),
        };
        let ctx = validate_context(args, &rules.config)?;
        let (match_opts, path_filter) = compile(&rules, ctx.clone(), !args.no_inline_allow)?;
        let config = &rules.config;
        let max_file_size = match (&args.max_file_size, &config.max_file_size) {
            (Some(s), _) => parse_size(s).context("--max-file-size")?,
            (None, Some(s)) => s.bytes()?,
            (None, None) => DEFAULT_MAX_FILE_SIZE,
        };
        let mut baseline = None;
        let mut head_side = None;
        let base_baseline = match (&sides, &args.baseline) {
            (Some((base, _)), Some(p)) => baseline_at(&repo, p, base)?,
            _ => None,
        };
        if let Some(p) = &args.baseline {
            baseline = Some(match &base_baseline {
                Some((_, b)) => b.clone(),
                None => Baseline::load(p)?,
            });
        }
        if let (Some((_, head)), false) = (&sides, args.no_config) {
            // The range's own config only shows what it would hide: one the range made
            // unreadable (a link, an oversized file) counts as none, and says so.
            let (head_rules, head_config) = match rules_at(&args.config, &repo, head, true) {
                Ok(side) => side,
                Err(e) => {
                    crate::messages::warn(format!(
                        "{e:#}; the range's own config is taken as absent (the base's applies)"
                    ));
                    (Rules::builtin()?, None)
                }
            };
            let head_baseline = match (&args.baseline, &base_baseline) {
                (Some(p), Some(_)) => baseline_at(&repo, p, head)?,
                _ => None,
            };
            let text = |n: &Option<Named>| n.as_ref().map(|n| n.text.clone());
            let changed = text(&head_config) != text(&base_config)
                || head_baseline.as_ref().map(|(n, _)| &n.text)
                    != base_baseline.as_ref().map(|(n, _)| &n.text);
            if changed {
                let (m, f) = compile(&head_rules, ctx, !args.no_inline_allow)?;
                head_side = Some(HeadSide {
                    rules: head_rules,
                    match_opts: m,
                    path_filter: f,
                    config: head_config,
                    baseline: head_baseline,
                });
            }
        }
        let color = color_enabled(args.color, args.output.is_some());
        Ok(Settings {
            root: crate::fsutil::repo_root(&paths[0]),
            mode,
            walk: WalkOptions {
                follow_links: args.follow_links,
                no_ignore: args.no_ignore,
                max_file_size,
            },
            fail_on: args.fail_on.or(config.fail_on).unwrap_or(Severity::Low),
            min_confidence: args
                .min_confidence
                .or(config.min_confidence)
                .unwrap_or(Confidence::Medium),
            include_vendored: args.include_vendored,
            paths_given: !args.paths.is_empty(),
            paths,
            match_opts,
            path_filter,
            format: args.format,
            output: args.output.clone(),
            reports: args.report.clone(),
            sarif_category: args.sarif_category.clone(),
            verify: if args.verify || args.only_verified {
                Some(crate::verify::Options {
                    timeout: std::time::Duration::from_secs(args.verify_timeout.max(1)),
                    budget: std::time::Duration::from_secs(args.verify_budget.max(1)),
                    network: crate::verify::Network {
                        ca_pem: match &args.verify_ca {
                            Some(p) => Some(crate::fsutil::read_settings(p, "--verify-ca")?),
                            None => None,
                        },
                        connect_to: args.verify_connect_to.clone(),
                    },
                    ..crate::verify::Options::default()
                })
            } else {
                None
            },
            only_verified: args.only_verified,
            color,
            show_secrets: args.show_secrets,
            progress: !args.quiet && std::io::stderr().is_terminal(),
            baseline,
            baseline_path: args.baseline.clone(),
            update_baseline: args.update_baseline,
            purge_file: args.purge_file.clone().filter(|_| args.show_secrets),
            head_side,
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

/// Whether text output is colored: `auto` colors a terminal on stdout unless `NO_COLOR` is set.
pub fn color_enabled(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
