//! `keywarden explain RULE_ID | FINGERPRINT | --line FILE:LINE`: a rule with its checklist,
//! the finding behind a fingerprint in the scanned tree, or why a line was (not) reported.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};

use super::scan::collect;
use crate::checklist::Checklist;
use crate::cli::{ExplainArgs, ScanArgs};
use crate::finding::Finding;
use crate::settings::{Rules, Settings, compile};

/// `--line FILE:LINE`: what every rule's pattern sees there and what became of it.
fn line(args: &ExplainArgs, spec: &str) -> Result<i32> {
    let (file, n) = spec
        .rsplit_once(':')
        .and_then(|(f, n)| Some((PathBuf::from(f), n.parse::<usize>().ok()?)))
        .ok_or_else(|| anyhow::anyhow!("--line {spec:?}: expected FILE:LINE"))?;
    let data = std::fs::read(&file)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", file.display()))?;
    // Lines are numbered from 1; a last line without a newline still counts.
    let lines = memchr::memchr_iter(b'\n', &data).count()
        + usize::from(!data.is_empty() && !data.ends_with(b"\n"));
    if n == 0 || n > lines {
        bail!(
            "--line {spec:?}: {} has {lines} line(s); lines are numbered from 1",
            file.display()
        );
    }
    let r = Rules::resolve(&args.config, file.parent().unwrap_or(&file))?;
    let (opts, path_filter) = compile(&r, crate::validate::Context::default(), true)?;
    let matcher = crate::matcher::Matcher::new(&r.rules, &opts)?;
    let shown = crate::source::worktree::display_path(&file);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{shown}:{n}")?;
    if !path_filter.admits(&shown) {
        writeln!(
            out,
            "  the file is not scanned: the config's allow.paths excludes it"
        )?;
    }
    let candidates = matcher.why(&shown, &data, n);
    if candidates.is_empty() {
        writeln!(out, "  no rule's pattern sees a secret on this line")?;
    }
    for c in candidates {
        write!(out, "  {} saw {}: {}", c.rule_id, c.secret, c.outcome)?;
        match r.rules.get(&c.rule_id).filter(|_| c.reported) {
            Some(rule) => {
                let (level, why) = crate::confidence::judge(
                    rule,
                    Some(c.value.expose()),
                    std::iter::once(shown.as_str()),
                    None,
                );
                writeln!(out, ", {level} confidence ({why})")?;
            }
            None => writeln!(out)?,
        }
    }
    Ok(0)
}

pub fn run(args: &ExplainArgs) -> Result<i32> {
    if let Some(spec) = &args.line {
        return line(args, spec);
    }
    let id = args.id.clone().unwrap_or_default();
    let start = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let r = Rules::resolve(&args.config, &start)?;
    let mut out = std::io::stdout().lock();
    if let Some(rule) = r.rules.get(&id) {
        writeln!(
            out,
            "{} ({}, {} severity, pack {})",
            rule.id(),
            rule.spec.name,
            rule.spec.severity,
            rule.pack
        )?;
        writeln!(out, "{}", rule.spec.description)?;
        writeln!(
            out,
            "fires on: keywords {:?}, pattern {}",
            rule.spec.keywords, rule.spec.pattern
        )?;
        if rule.spec.min_entropy > 0.0 {
            writeln!(
                out,
                "requires: Shannon entropy of the secret >= {}",
                rule.spec.min_entropy
            )?;
        }
        if let Some(v) = rule.spec.validate {
            writeln!(out, "validated offline: {v:?}")?;
        }
        writeln!(out, "rotation checklist:")?;
        for s in Checklist::for_rule(rule).steps() {
            writeln!(out, "  - {s}")?;
        }
        for r in &rule.spec.references {
            writeln!(out, "see: {r}")?;
        }
        return Ok(0);
    }
    if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        let scan_args = ScanArgs {
            paths: vec![start],
            config: args.config.clone(),
            quiet: true,
            ..ScanArgs::default()
        };
        let settings = Settings::resolve(&scan_args)?;
        let findings = collect(&settings)?.findings;
        let hits: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.fingerprint.eq_ignore_ascii_case(&id))
            .collect();
        if hits.is_empty() {
            bail!(
                "no finding with fingerprint {} in the scanned tree (it may have been removed)",
                id
            );
        }
        for f in hits {
            for l in &f.locations {
                writeln!(
                    out,
                    "{} at {}:{}:{} — {} ({})",
                    f.rule_id,
                    l.path,
                    l.line,
                    l.column,
                    f.rule_name,
                    f.shown_secret(false)
                )?;
            }
            writeln!(
                out,
                "why: the keyword prefilter hit, the pattern matched and every check passed (entropy, validator, allowlists)"
            )?;
            let rule = settings
                .rules
                .rules
                .get(&f.rule_id)
                .expect("findings come from rules in effect");
            for (label, s) in Checklist::for_finding(rule, f).numbered() {
                writeln!(out, "  {label} {s}")?;
            }
        }
        return Ok(0);
    }
    bail!(
        "{:?} is neither a rule id nor a 64-hex fingerprint (see `keywarden rules list`)",
        id
    )
}
