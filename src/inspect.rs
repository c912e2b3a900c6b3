//! Commands that inspect rather than scan: `rules list`, `rules check` and `explain`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::app::{collect, resolve_rules};
use crate::cli::{ConfigArg, ExplainArgs, ScanArgs};
use crate::finding::Finding;

pub fn rules_list(c: &ConfigArg) -> Result<i32> {
    let r = resolve_rules(c, Path::new("."))?;
    let mut out = std::io::stdout().lock();
    for rule in &r.rules.rules {
        writeln!(
            out,
            "{:<34} {:<8} {:<12} {}",
            rule.id(),
            rule.spec.severity,
            rule.pack,
            rule.spec.name
        )?;
    }
    Ok(0)
}

pub fn rules_check(c: &ConfigArg) -> Result<i32> {
    let r = resolve_rules(c, Path::new("."))?;
    let problems = crate::rules::self_test(&r.rules);
    let examples: usize = r
        .rules
        .rules
        .iter()
        .map(|x| x.spec.examples.len() + x.spec.negative_examples.len())
        .sum();
    if problems.is_empty() {
        println!(
            "{} rules in {} packs: all sound ({examples} examples checked)",
            r.rules.rules.len(),
            r.rules.packs().len()
        );
        Ok(0)
    } else {
        for p in &problems {
            eprintln!("error: {p}");
        }
        eprintln!(
            "{} problem(s) in {} rules",
            problems.len(),
            r.rules.rules.len()
        );
        Ok(2)
    }
}

pub fn explain(args: &ExplainArgs) -> Result<i32> {
    let start = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let r = resolve_rules(&args.config, &start)?;
    let mut out = std::io::stdout().lock();
    if let Some(rule) = r.rules.get(&args.id) {
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
        if !rule.spec.rotate.revoke_url.is_empty() {
            writeln!(out, "  - revoke at {}", rule.spec.rotate.revoke_url)?;
        }
        for s in &rule.spec.rotate.steps {
            writeln!(out, "  - {s}")?;
        }
        for r in &rule.spec.references {
            writeln!(out, "see: {r}")?;
        }
        return Ok(0);
    }
    if args.id.len() == 64 && args.id.bytes().all(|b| b.is_ascii_hexdigit()) {
        let scan_args = ScanArgs {
            paths: vec![start],
            config: args.config.clone(),
            quiet: true,
            ..ScanArgs::default()
        };
        let (findings, _) = collect(&scan_args, &r)?;
        let hits: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.fingerprint.eq_ignore_ascii_case(&args.id))
            .collect();
        if hits.is_empty() {
            bail!(
                "no finding with fingerprint {} in the scanned tree (it may have been removed)",
                args.id
            );
        }
        for f in hits {
            writeln!(
                out,
                "{} at {}:{}:{} — {} ({})",
                f.rule_id, f.path, f.line, f.column, f.rule_name, f.redacted
            )?;
            writeln!(
                out,
                "why: the keyword prefilter hit, the pattern matched and every check passed (entropy, validator, allowlists)"
            )?;
            let rule = r
                .rules
                .get(&f.rule_id)
                .expect("findings come from rules in effect");
            for (i, s) in crate::rotation::checklist(rule, &f.origin, &f.path)
                .iter()
                .enumerate()
            {
                writeln!(out, "  {}. {s}", i + 1)?;
            }
        }
        return Ok(0);
    }
    bail!(
        "{:?} is neither a rule id nor a 64-hex fingerprint (see `keywarden rules list`)",
        args.id
    )
}
