//! Resolve what the user typed into settings (rules, matcher options, source, reporter) and
//! run it. Returns the exit code: 0 clean, 1 findings, 2 error.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::baseline::Baseline;
use crate::cli::{ColorChoice, Command, ConfigArg, Format, RulesAction, ScanArgs};
use crate::config::{Config, parse_size};
use crate::finding::Finding;
use crate::matcher::{MatchOptions, Matcher};
use crate::report::Report;
use crate::rules::{Allow, PathFilter, PathsSpec, RuleSet, Severity};
use crate::scan::Outcome;
use crate::source::{git, worktree};

const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;

pub fn run(command: Command) -> Result<i32> {
    match command {
        Command::Scan(args) => scan(&args, false),
        Command::Baseline(args) => scan(&args.scan, true),
        Command::Explain(args) => crate::inspect::explain(&args),
        Command::InstallHook(args) => crate::hook::install(&args),
        Command::Fix(args) => {
            let r = resolve_rules(&args.config, &args.path)?;
            crate::fix::run(&r.rules, &args.path, args.apply, args.force)
        }
        Command::Rules {
            action: RulesAction::List(c),
        } => crate::inspect::rules_list(&c),
        Command::Rules {
            action: RulesAction::Check(c),
        } => crate::inspect::rules_check(&c),
    }
}

/// Rules in effect and the config that shaped them.
pub(crate) struct Resolved {
    pub(crate) rules: RuleSet,
    pub(crate) config: Config,
    pub(crate) config_file: Option<PathBuf>,
}

pub(crate) fn resolve_rules(config: &ConfigArg, start: &Path) -> Result<Resolved> {
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
    Ok(Resolved {
        rules,
        config,
        config_file,
    })
}

/// Scan as asked and return (findings, stats) before baseline and threshold filtering.
pub(crate) fn collect(args: &ScanArgs, r: &Resolved) -> Result<(Vec<Finding>, crate::scan::Stats)> {
    let started = Instant::now();
    let max_file_size = match (&args.max_file_size, &r.config.max_file_size) {
        (Some(s), _) => parse_size(s).context("--max-file-size")?,
        (None, Some(s)) => s.bytes()?,
        (None, None) => DEFAULT_MAX_FILE_SIZE,
    };
    let env_name = args
        .apikee_secret_env
        .clone()
        .or_else(|| r.config.apikee_secret_env.clone());
    let mut ctx = crate::validate::Context {
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
        ..Default::default()
    };
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
    let cfg_what = r
        .config_file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "config".into());
    let opts = MatchOptions {
        ctx,
        allow: Allow::compile(&r.config.allow.spec(), &cfg_what)?,
        inline_allow: !args.no_inline_allow,
        line_hashes: args.format == Format::Sarif,
    };
    let mut excluded = r.config.allow.paths.clone();
    if r.config_file
        .as_ref()
        .is_some_and(|p| p.file_name().is_some_and(|n| n == crate::config::FILE_NAME))
    {
        excluded.push(crate::config::FILE_NAME.to_string());
    }
    let path_filter = PathFilter::compile(
        &PathsSpec {
            include: vec![],
            exclude: excluded,
        },
        &cfg_what,
    )?;
    let matcher = Matcher::new(&r.rules, opts)?;
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let outcome: Outcome = if args.staged || args.history || args.range.is_some() || args.pre_push {
        let git_opts = git::GitOptions {
            max_file_size,
            all_objects: args.all_objects,
            quiet: args.quiet,
            progress: !args.quiet && std::io::stderr().is_terminal(),
            path_filter: &path_filter,
        };
        let repo = paths.first().expect("at least one path");
        if args.staged {
            git::staged(&matcher, repo, &git_opts)?
        } else if args.history {
            git::history(&matcher, repo, &git_opts)?
        } else if args.pre_push {
            git::pre_push(&matcher, repo, &git_opts)?
        } else {
            git::range(
                &matcher,
                repo,
                args.range.as_deref().unwrap_or_default(),
                &git_opts,
            )?
        }
    } else {
        let walk = worktree::WalkOptions {
            follow_links: args.follow_links,
            no_ignore: args.no_ignore,
            max_file_size,
        };
        let (mut targets, warnings) = worktree::targets(&paths, &walk);
        for w in warnings {
            eprintln!("{w}");
        }
        // The config is settings, not content: its custom-rule examples are fakes by definition.
        let config_path = r
            .config_file
            .as_ref()
            .and_then(|p| std::fs::canonicalize(p).ok());
        targets.retain(|t| {
            let is_config = config_path.as_ref().is_some_and(|c| {
                t.path.file_name() == c.file_name()
                    && std::fs::canonicalize(&t.path).ok().as_ref() == Some(c)
            });
            path_filter.admits(&t.display) && !is_config
        });
        let mut o = worktree::scan(&matcher, &targets, &walk, args.quiet);
        let walked: Vec<(PathBuf, String)> = targets
            .iter()
            .map(|t| (t.path.clone(), t.display.clone()))
            .collect();
        o.findings.extend(crate::hygiene::check_worktree(
            &r.rules,
            &walked,
            &repo_root(&paths[0]),
        ));
        o
    };
    let mut findings = outcome.findings;
    // A value both a provider rule and the example-file check found is reported once, by the
    // provider rule, which knows how to rotate it.
    // The generic rule, though, is less specific than the example-file check.
    let at = |f: &Finding| (f.path.clone(), f.line, f.column);
    let provider_hits: std::collections::HashSet<_> = findings
        .iter()
        .filter(|f| f.provider != "hygiene" && f.provider != "generic")
        .map(at)
        .collect();
    let example_hits: std::collections::HashSet<_> = findings
        .iter()
        .filter(|f| f.provider == "hygiene" && !f.secret.is_empty())
        .map(at)
        .collect();
    findings.retain(|f| match f.provider.as_str() {
        "hygiene" => f.secret.is_empty() || !provider_hits.contains(&at(f)),
        "generic" => !example_hits.contains(&at(f)) || provider_hits.contains(&at(f)),
        _ => true,
    });
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule_id).cmp(&(&b.path, b.line, b.column, &b.rule_id))
    });
    let mut stats = outcome.stats;
    stats.elapsed = started.elapsed();
    Ok((findings, stats))
}

fn scan(args: &ScanArgs, write_baseline: bool) -> Result<i32> {
    let start = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    if !start.exists() {
        bail!("{}: no such file or directory", start.display());
    }
    let r = resolve_rules(&args.config, &start)?;
    let (mut findings, mut stats) = collect(args, &r)?;

    if write_baseline {
        let previous = match &args.output {
            Some(p) if p.exists() => Baseline::load(p).ok(),
            _ => None,
        };
        let b = Baseline::from_findings(&findings, previous.as_ref());
        match &args.output {
            Some(p) => {
                crate::fsutil::atomic_write(p, b.to_json().as_bytes(), None)?;
                eprintln!(
                    "keywarden: wrote {} baseline entries to {}",
                    b.entries.len(),
                    p.display()
                );
            }
            None => std::io::stdout().lock().write_all(b.to_json().as_bytes())?,
        }
        return Ok(0);
    }

    if let Some(path) = &args.baseline {
        let base = Baseline::load(path)?;
        if args.update_baseline {
            let updated = Baseline::from_findings(&findings, Some(&base));
            let kept: std::collections::HashSet<_> = updated
                .entries
                .iter()
                .map(|e| (&e.fingerprint, &e.path))
                .collect();
            let dropped = base
                .entries
                .iter()
                .filter(|e| !kept.contains(&(&e.fingerprint, &e.path)))
                .count();
            crate::fsutil::atomic_write(path, updated.to_json().as_bytes(), None)?;
            eprintln!(
                "keywarden: baseline {} updated: {} entries, {dropped} dropped that no longer match",
                path.display(),
                updated.entries.len()
            );
            let (kept_findings, n) = updated.filter(findings);
            findings = kept_findings;
            stats.baselined = n;
        } else {
            let (kept, n) = base.filter(findings);
            findings = kept;
            stats.baselined = n;
        }
    }

    if let (Some(purge), true) = (&args.purge_file, args.show_secrets) {
        let mut secrets: Vec<&str> = findings.iter().map(|f| f.secret.as_str()).collect();
        secrets.sort();
        secrets.dedup();
        let body: String = secrets
            .iter()
            .map(|s| format!("{s}==>REMOVED-BY-KEYWARDEN\n"))
            .collect();
        crate::fsutil::atomic_write(purge, body.as_bytes(), Some(0o600))?;
        eprintln!(
            "keywarden: wrote {} secret(s) to {} (mode 0600) for git filter-repo --replace-text",
            secrets.len(),
            purge.display()
        );
    }

    let fail_on = args.fail_on.or(r.config.fail_on).unwrap_or(Severity::Low);
    let failing = findings.iter().filter(|f| f.severity >= fail_on).count();
    stats.below_threshold = findings.len() - failing;
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let mode = if args.staged {
        "staged"
    } else if args.history {
        "history"
    } else if args.range.is_some() || args.pre_push {
        "range"
    } else {
        "worktree"
    };
    let root = repo_root(&start);
    let report_errors = stats.git_errors;
    let report = Report {
        findings,
        stats,
        rules: &r.rules,
        show_secrets: args.show_secrets,
        mode,
        root,
    };
    let reporter = args.format.reporter(color);
    match &args.output {
        Some(path) => {
            let mut buf = Vec::new();
            reporter.write(&report, &mut buf)?;
            crate::fsutil::atomic_write(path, &buf, None)?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            reporter.write(&report, &mut out)?;
            out.flush()?;
        }
    }
    if failing > 0 {
        return Ok(1);
    }
    if report_errors > 0 {
        eprintln!(
            "keywarden: error: {report_errors} git object(s) could not be read; the scan is incomplete"
        );
        return Ok(2);
    }
    Ok(0)
}

/// The repository root holding `start` (the nearest parent with `.git`), else `start` itself;
/// SARIF URIs are relative to it.
pub fn repo_root(start: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let dir = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone())
    };
    let mut cur = Some(dir.as_path());
    while let Some(d) = cur {
        if d.join(".git").exists() {
            return d.to_path_buf();
        }
        cur = d.parent();
    }
    dir
}
