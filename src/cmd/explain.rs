//! `keywarden explain RULE_ID | FINGERPRINT`: a rule with its checklist, or the finding
//! behind a fingerprint in the scanned tree.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};

use super::scan::collect;
use crate::checklist::Checklist;
use crate::cli::{ExplainArgs, ScanArgs};
use crate::finding::Finding;
use crate::settings::{Rules, Settings};

pub fn run(args: &ExplainArgs) -> Result<i32> {
    let start = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let r = Rules::resolve(&args.config, &start)?;
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
        for s in Checklist::for_rule(rule).steps() {
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
        let settings = Settings::resolve(&scan_args)?;
        let findings = collect(&settings)?.findings;
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
            for (i, s) in Checklist::for_finding(rule, f).steps().iter().enumerate() {
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
