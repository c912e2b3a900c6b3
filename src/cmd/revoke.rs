//! `keywarden revoke FINGERPRINT…`: find each secret again (in the tree, or with `--history` in
//! every commit), then revoke it through its provider's API where the holder of a token may do
//! that (GitHub's public credential revocation API, Slack `auth.revoke`, GitLab token
//! self-revocation: `revoke:` in the built-in packs), or print the page and steps that do it.
//! Nothing is sent without `--apply`, and on a terminal the user confirms first.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::checklist::Checklist;
use crate::cli::{RevokeArgs, ScanArgs};
use crate::settings::Settings;
use crate::verify::{Network, Options};

pub fn run(args: &RevokeArgs) -> Result<i32> {
    let wanted: Vec<String> = args
        .fingerprints
        .iter()
        .map(|f| f.to_ascii_lowercase())
        .collect();
    if let Some(bad) = wanted
        .iter()
        .find(|f| f.len() != 64 || !f.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        bail!("{bad:?} is not a 64-hex fingerprint (reports and baselines list them)");
    }
    let scan_args = ScanArgs {
        paths: vec![args.path.clone().unwrap_or_else(|| PathBuf::from("."))],
        history: args.history,
        config: args.config.clone(),
        quiet: true,
        ..ScanArgs::default()
    };
    let settings = Settings::resolve(&scan_args)?;
    let findings = super::scan::collect(&settings)?.findings;
    let mut chosen = Vec::new();
    for fp in &wanted {
        match findings
            .iter()
            .find(|f| f.fingerprint.eq_ignore_ascii_case(fp))
        {
            Some(f) => chosen.push(f),
            None => bail!(
                "no finding with fingerprint {fp} {}; revoke needs the secret, so it must still be there{}",
                if args.history {
                    "in any commit"
                } else {
                    "in the scanned tree"
                },
                if args.history { "" } else { " (try --history)" }
            ),
        }
    }
    let rules = &settings.rules.rules;
    let mut out = std::io::stdout().lock();
    let mut by_api = Vec::new();
    for f in &chosen {
        let rule = rules
            .get(&f.rule_id)
            .expect("findings come from rules in effect");
        let where_ = f
            .locations
            .first()
            .map(|l| format!("{}:{}", l.path, l.line))
            .unwrap_or_default();
        match &rule.spec.revoke {
            Some(check) => {
                writeln!(
                    out,
                    "{} ({}) at {where_}: revoke with {} {}",
                    f.rule_id,
                    f.shown_secret(false),
                    check.method,
                    check.url.replace("{secret}", "…")
                )?;
                by_api.push((*f, check));
            }
            None => {
                writeln!(
                    out,
                    "{} ({}) at {where_}: {} offers no revocation API for its holder; do it by hand:",
                    f.rule_id,
                    f.shown_secret(false),
                    if rule.spec.provider.is_empty() {
                        "the provider"
                    } else {
                        &rule.spec.provider
                    }
                )?;
                for (label, s) in Checklist::for_finding(rule, f).numbered() {
                    writeln!(out, "  {label} {s}")?;
                }
            }
        }
    }
    if by_api.is_empty() {
        return Ok(0);
    }
    if !args.apply {
        writeln!(
            out,
            "dry run: nothing was sent. Run again with --apply to revoke {} secret(s).",
            by_api.len()
        )?;
        return Ok(0);
    }
    if !args.yes && std::io::stdin().is_terminal() {
        write!(
            out,
            "Revoke {} secret(s) now? This cannot be undone. [y/N] ",
            by_api.len()
        )?;
        out.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            writeln!(out, "nothing was sent.")?;
            return Ok(0);
        }
    }
    let opts = Options {
        timeout: Duration::from_secs(args.timeout.max(1)),
        network: Network {
            ca_pem: match &args.verify_ca {
                Some(p) => Some(crate::fsutil::read_settings(p, "--verify-ca")?),
                None => None,
            },
            connect_to: args.verify_connect_to.clone(),
        },
        ..Options::default()
    };
    let mut failed = 0;
    for (f, check) in by_api {
        let secret = f.secret.as_ref().map(|s| s.expose()).unwrap_or_default();
        let v = crate::verify::revoke(check, secret, &opts)?;
        let outcome = match v.live {
            Some(true) => "revoked",
            Some(false) => {
                failed += 1;
                "not revoked (the provider refused: already revoked or not a token it knows)"
            }
            None => {
                failed += 1;
                "unknown"
            }
        };
        writeln!(
            out,
            "{} ({}): {outcome} ({})",
            f.rule_id,
            f.shown_secret(false),
            v.reason
        )?;
    }
    Ok(if failed > 0 { 1 } else { 0 })
}
