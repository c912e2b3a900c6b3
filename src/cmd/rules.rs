//! `keywarden rules list` and `keywarden rules check`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::ConfigArg;
use crate::settings::Rules;

/// One line per rule, then the count per pack.
pub fn list(c: &ConfigArg) -> Result<i32> {
    let r = Rules::resolve(c, Path::new("."))?;
    let mut out = std::io::stdout().lock();
    let mut per_pack: BTreeMap<&str, usize> = BTreeMap::new();
    for rule in &r.rules.rules {
        writeln!(
            out,
            "{:<34} {:<8} {:<12} {}",
            rule.id(),
            rule.spec.severity,
            rule.pack,
            rule.spec.name
        )?;
        *per_pack.entry(rule.pack.as_str()).or_default() += 1;
    }
    let packs: Vec<String> = per_pack.iter().map(|(p, n)| format!("{p} {n}")).collect();
    writeln!(
        out,
        "{} rules in {} packs: {}",
        r.rules.rules.len(),
        per_pack.len(),
        packs.join(", ")
    )?;
    Ok(0)
}

/// The self-test over every rule in effect; exit 2 when a rule is unsound.
pub fn check(c: &ConfigArg) -> Result<i32> {
    let r = Rules::resolve(c, Path::new("."))?;
    let problems = crate::selftest::self_test(&r.rules);
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
