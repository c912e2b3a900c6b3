//! `keywarden merge`: the JSON reports of many repositories (an organization scan's shards)
//! as one answer. A secret is one finding however many repositories hold it (its fingerprint
//! depends only on the rule and the value): one key to rotate, one checklist, every repository
//! and place listed. The worst come first (live, then severity, then how many repositories).
//! Repositories that could not be scanned are listed with their error; a file that is not a
//! keywarden report is refused (exit 2) by name.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use gix::ObjectId;
use serde::Deserialize;

use crate::chunk::{Exposure, HistoryInfo, Provenance, Removal};
use crate::cli::MergeArgs;
use crate::finding::{Finding, Location};
use crate::redact::Secret;
use crate::report::{Covered, Format, Report};
use crate::rules::RuleSet;
use crate::severity::{Confidence, Severity};

/// One input report, as `scan --format json` writes it (only what merging needs).
#[derive(Deserialize)]
struct InReport {
    version: u32,
    mode: String,
    findings: Vec<InFinding>,
    #[serde(default)]
    purge_plan: Vec<String>,
    /// What the scan covered (files, bytes, commits…): the merged summary adds them up. A
    /// summary this version cannot read (an older report's) counts as nothing.
    #[serde(default, deserialize_with = "lenient")]
    summary: crate::pipeline::Counts,
}

fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<crate::pipeline::Counts, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

#[derive(Deserialize, Clone)]
struct InFinding {
    rule_id: String,
    rule_name: String,
    provider: String,
    severity: Severity,
    #[serde(default)]
    secret: String,
    fingerprint: String,
    #[serde(default)]
    details: BTreeMap<String, String>,
    #[serde(default)]
    confidence: Confidence,
    #[serde(default)]
    confidence_reason: String,
    #[serde(default)]
    verified: Option<bool>,
    #[serde(default)]
    verification: Option<String>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    commit: Option<String>,
    #[serde(default)]
    introduced_in: Vec<String>,
    #[serde(default)]
    author: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    commits: usize,
    #[serde(default)]
    in_head: bool,
    #[serde(default)]
    refs: Vec<String>,
    #[serde(default)]
    blob: String,
    #[serde(default)]
    removed_in: Option<InRemoval>,
    #[serde(default)]
    exposed_for: Option<InExposure>,
    locations: Vec<InLocation>,
}

#[derive(Deserialize, Clone)]
struct InRemoval {
    commit: String,
    date: String,
}

#[derive(Deserialize, Clone)]
struct InExposure {
    since: String,
    #[serde(default)]
    until: Option<String>,
    days: u64,
}

#[derive(Deserialize, Clone)]
struct InLocation {
    path: String,
    line: usize,
    #[serde(default)]
    column: usize,
    #[serde(default)]
    end_line: usize,
    #[serde(default)]
    end_column: usize,
    #[serde(default)]
    context: String,
}

/// A repository that could not be scanned, as the organization workflow records it.
#[derive(Deserialize)]
struct Failure {
    #[serde(default)]
    repository: Option<String>,
    error: String,
}

/// One repository's part: its findings, or why it has none.
struct Repo {
    name: String,
    mode: String,
    findings: Vec<InFinding>,
    purge_plan: Vec<String>,
    counts: crate::pipeline::Counts,
    error: Option<String>,
}

pub fn run(args: &MergeArgs) -> Result<i32> {
    if !matches!(
        args.format,
        Format::Text | Format::Json | Format::Markdown | Format::Html
    ) {
        bail!("merge writes text, json, markdown or html");
    }
    let repos: Vec<Repo> = args
        .reports
        .iter()
        .map(|a| read(a))
        .collect::<Result<_>>()?;
    let rules = RuleSet::builtin()?;
    let holders = holders(&repos);
    let findings = merge(&repos, &holders, &rules);
    let mut stats = crate::pipeline::Stats::default();
    for r in &repos {
        stats.counts.add(&r.counts);
    }
    let report = Report {
        findings,
        inline_allowed: Vec::new(),
        stats,
        rules: &rules,
        show_secrets: false,
        mode: Covered::Merged,
        unpushed: false,
        root: PathBuf::from("merged"),
        category: None,
    };
    let color = crate::settings::color_enabled(args.color, args.output.is_some());
    let mut buf = Vec::new();
    match args.format {
        Format::Json => write_json(&report, &repos, &holders, &mut buf)?,
        Format::Text => {
            write_repos_text(&repos, &holders, &report, &mut buf)?;
            args.format.reporter(color).write(&report, &mut buf)?;
            write_purge_plans(&repos, &mut buf, false)?;
        }
        Format::Markdown => {
            write_repos_markdown(&repos, &report, &mut buf)?;
            args.format.reporter(false).write(&report, &mut buf)?;
            write_purge_plans(&repos, &mut buf, true)?;
        }
        _ => args.format.reporter(false).write(&report, &mut buf)?,
    }
    match &args.output {
        Some(path) => crate::fsutil::atomic_write(path, &buf, None)
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    Ok(if report.findings.is_empty() { 0 } else { 1 })
}

/// `NAME=FILE` or `FILE` (named by its stem, `__` read as `/`).
fn read(arg: &str) -> Result<Repo> {
    let (name, file) = match arg.split_once('=') {
        Some((n, f)) if !n.is_empty() && !Path::new(arg).exists() => (Some(n.to_string()), f),
        _ => (None, arg),
    };
    let path = Path::new(file);
    let name = name.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().replace("__", "/"))
            .unwrap_or_else(|| file.to_string())
    });
    let text = crate::fsutil::read_regular(path, "the report", 1 << 30)?;
    serde_json::from_slice::<serde::de::IgnoredAny>(&text)
        .with_context(|| format!("{file}: not JSON (merge reads `scan --format json` reports)"))?;
    #[derive(Deserialize)]
    struct Probe {
        error: Option<serde::de::IgnoredAny>,
        findings: Option<serde::de::IgnoredAny>,
    }
    let probe: Probe = serde_json::from_slice(&text)
        .with_context(|| format!("{file}: not a keywarden JSON report"))?;
    if probe.error.is_some() && probe.findings.is_none() {
        let f: Failure = serde_json::from_slice(&text)
            .with_context(|| format!("{file}: a failure record needs a string `error`"))?;
        return Ok(Repo {
            name: f.repository.unwrap_or(name),
            mode: String::new(),
            findings: Vec::new(),
            purge_plan: Vec::new(),
            counts: Default::default(),
            error: Some(f.error),
        });
    }
    let report: InReport = serde_json::from_slice(&text).map_err(|e| {
        anyhow::anyhow!(
            "{file}: not a keywarden JSON report ({})",
            crate::redact::quoted_values(&e.to_string())
        )
    })?;
    if report.version != 1 {
        bail!(
            "{file}: report version {} (this keywarden reads version 1)",
            report.version
        );
    }
    Ok(Repo {
        name,
        mode: report.mode,
        findings: report.findings,
        purge_plan: report.purge_plan,
        counts: report.summary,
        error: None,
    })
}

/// One finding per fingerprint, every repository's places under `repository:path`; the worst
/// first (live, severity, held by more repositories, confidence).
fn merge(repos: &[Repo], holders: &Holders, rules: &RuleSet) -> Vec<Finding> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<Vec<(&str, &InFinding)>> = Vec::new();
    for r in repos {
        for f in &r.findings {
            let i = *index.entry(f.fingerprint.as_str()).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[i].push((r.name.as_str(), f));
        }
    }
    let mut out: Vec<Finding> = groups.iter().map(|g| finding(g, rules)).collect();
    let held = |f: &Finding| holders.get(f.fingerprint.as_str()).map_or(0, Vec::len);
    out.sort_by(|a, b| {
        (b.verified == Some(true))
            .cmp(&(a.verified == Some(true)))
            .then(b.severity.cmp(&a.severity))
            .then(held(b).cmp(&held(a)))
            .then(b.confidence.cmp(&a.confidence))
            .then(a.rule_id.cmp(&b.rule_id))
    });
    out
}

/// The repositories that hold each fingerprint, in the order given.
type Holders<'a> = HashMap<&'a str, Vec<&'a str>>;

fn holders(repos: &[Repo]) -> Holders<'_> {
    let mut m: Holders = HashMap::new();
    for r in repos {
        for f in &r.findings {
            let v = m.entry(f.fingerprint.as_str()).or_default();
            if !v.contains(&r.name.as_str()) {
                v.push(r.name.as_str());
            }
        }
    }
    m
}

fn finding(g: &[(&str, &InFinding)], rules: &RuleSet) -> Finding {
    let (_, first) = g[0];
    let rule = rules.get(&first.rule_id);
    let prefixes = rule.map(|r| r.spec.keywords.clone()).unwrap_or_default();
    let mut locations: Vec<Location> = g
        .iter()
        .flat_map(|(repo, f)| {
            let provenance = match f.source.as_str() {
                "worktree" => Provenance::File,
                "staged" => Provenance::Index,
                _ => Provenance::Blob(
                    f.blob
                        .parse()
                        .unwrap_or(ObjectId::null(gix::hash::Kind::Sha1)),
                ),
            };
            f.locations.iter().map(move |l| Location {
                path: format!("{repo}:{}", l.path),
                line: l.line,
                column: l.column,
                end_line: l.end_line,
                end_column: l.end_column,
                context: l.context.clone(),
                line_hash: None,
                provenance: provenance.clone(),
            })
        })
        .collect();
    locations.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    locations.dedup_by(|a, b| a.path == b.path && a.line == b.line);
    // The earliest introduction stands for all; HEAD holds it if any repository's HEAD does.
    let history = g
        .iter()
        .filter(|(_, f)| f.commit.is_some())
        .min_by(|(_, a), (_, b)| a.date.cmp(&b.date))
        .map(|(repo, f)| {
            let in_head = g.iter().any(|(_, f)| f.in_head);
            let mut refs: Vec<String> = g
                .iter()
                .flat_map(|(r, f)| f.refs.iter().map(move |x| format!("{r}:{x}")))
                .collect();
            refs.dedup();
            Box::new(HistoryInfo {
                commit: f.commit.clone().unwrap_or_default(),
                // Every other introducing commit, in any repository, as `repository@commit`.
                introduced_in: g
                    .iter()
                    .flat_map(|(r, o)| {
                        o.commit
                            .iter()
                            .filter(move |c| r != repo || Some(*c) != f.commit.as_ref())
                            .chain(o.introduced_in.iter())
                            .map(move |c| format!("{r}@{c}"))
                    })
                    .collect(),
                author: f.author.clone(),
                date: f.date.clone(),
                commits: g.iter().map(|(_, f)| f.commits).sum(),
                in_head,
                refs,
                blob: f.blob.clone(),
                removed_in: (!in_head)
                    .then(|| {
                        f.removed_in.as_ref().map(|r| Removal {
                            commit: r.commit.clone(),
                            date: r.date.clone(),
                        })
                    })
                    .flatten(),
                exposed_for: g
                    .iter()
                    .filter_map(|(_, f)| f.exposed_for.as_ref())
                    .max_by_key(|e| e.days)
                    .map(|e| Exposure {
                        since: e.since.clone(),
                        until: e.until.clone(),
                        days: e.days,
                    }),
            })
        });
    let verified = if g.iter().any(|(_, f)| f.verified == Some(true)) {
        Some(true)
    } else if g.iter().any(|(_, f)| f.verified == Some(false)) {
        Some(false)
    } else {
        None
    };
    Finding {
        rule_id: first.rule_id.clone(),
        rule_name: first.rule_name.clone(),
        provider: first.provider.clone(),
        precedence: rule.map_or(0, |r| r.precedence),
        severity: g
            .iter()
            .map(|(_, f)| f.severity)
            .max()
            .unwrap_or(first.severity),
        secret: (!first.secret.is_empty()).then(|| Secret::from_report(&first.secret, &prefixes)),
        fingerprint: first.fingerprint.clone(),
        details: first.details.clone().into_iter().collect(),
        verified,
        confidence: g
            .iter()
            .map(|(_, f)| f.confidence)
            .max()
            .unwrap_or_default(),
        confidence_why: first.confidence_reason.clone(),
        verification: g.iter().find_map(|(_, f)| f.verification.clone()),
        locations,
        history,
        inline_allowed: false,
    }
}

/// The JSON report of the merged findings, with `mode: merged`, every repository's counts (and
/// error, and purge plan), and each finding's repositories; written finding by finding.
fn write_json(report: &Report, repos: &[Repo], holders: &Holders, out: &mut Vec<u8>) -> Result<()> {
    use crate::report::json::{JsonFinding, JsonSummary};
    use serde::Serialize;

    #[derive(Serialize)]
    struct Merged<'a> {
        #[serde(flatten)]
        finding: JsonFinding,
        repositories: &'a [&'a str],
    }
    struct Findings<'a>(&'a Report<'a>, &'a Holders<'a>);
    impl Serialize for Findings<'_> {
        fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeSeq;
            let mut seq = ser.serialize_seq(Some(self.0.findings.len()))?;
            for f in &self.0.findings {
                let repositories = self
                    .1
                    .get(f.fingerprint.as_str())
                    .map_or(&[][..], |v| &v[..]);
                seq.serialize_element(&Merged {
                    finding: JsonFinding::new(f, self.0),
                    repositories,
                })?;
            }
            seq.end()
        }
    }
    #[derive(Serialize)]
    struct RepoOut<'a> {
        repository: &'a str,
        findings: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        mode: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a str>,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        purge_plan: &'a [String],
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        version: u32,
        mode: &'static str,
        findings: Findings<'a>,
        inline_allowed: [u8; 0],
        purge_plan: [u8; 0],
        summary: JsonSummary,
        repositories: Vec<RepoOut<'a>>,
    }
    let doc = Doc {
        version: 1,
        mode: "merged",
        findings: Findings(report, holders),
        inline_allowed: [],
        purge_plan: [],
        summary: crate::report::json::summary(report),
        repositories: repos
            .iter()
            .map(|r| RepoOut {
                repository: &r.name,
                findings: r.findings.len(),
                mode: r.error.is_none().then_some(r.mode.as_str()),
                error: r.error.as_deref(),
                purge_plan: &r.purge_plan,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.push(b'\n');
    Ok(())
}

fn write_repos_text(
    repos: &[Repo],
    holders: &Holders,
    report: &Report,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    let failed = repos.iter().filter(|r| r.error.is_some()).count();
    writeln!(
        out,
        "keywarden merge: {} secret(s) across {} repositories ({} found in more than one){}",
        report.findings.len(),
        repos.len(),
        holders.values().filter(|v| v.len() > 1).count(),
        if failed > 0 {
            format!("; {failed} could not be scanned")
        } else {
            String::new()
        }
    )?;
    for r in repos {
        match &r.error {
            Some(e) => writeln!(
                out,
                "  {:<40} FAILED: {}",
                r.name,
                crate::escape::visible(e)
            )?,
            None => writeln!(out, "  {:<40} {} finding(s)", r.name, r.findings.len())?,
        }
    }
    writeln!(out)
}

fn write_repos_markdown(repos: &[Repo], report: &Report, out: &mut Vec<u8>) -> std::io::Result<()> {
    writeln!(
        out,
        "### keywarden: {} secret(s) across {} repositories\n\n| repository | findings |\n|---|---:|",
        report.findings.len(),
        repos.len()
    )?;
    for r in repos {
        let name = r.name.replace('|', "\\|");
        match &r.error {
            Some(e) => writeln!(
                out,
                "| {name} | failed: {} |",
                crate::escape::visible(e).replace('|', "\\|")
            )?,
            None => writeln!(out, "| {name} | {} |", r.findings.len())?,
        }
    }
    writeln!(out)
}

/// Each repository's purge plan, under its name (a rewrite is per repository).
fn write_purge_plans(repos: &[Repo], out: &mut Vec<u8>, markdown: bool) -> std::io::Result<()> {
    for r in repos.iter().filter(|r| !r.purge_plan.is_empty()) {
        if markdown {
            writeln!(out, "\n#### Purge plan for {}\n\n```sh", r.name)?;
        } else {
            writeln!(out, "\npurge plan for {}:", r.name)?;
        }
        for line in &r.purge_plan {
            writeln!(out, "{}{line}", if markdown { "" } else { "  " })?;
        }
        if markdown {
            writeln!(out, "```")?;
        }
    }
    Ok(())
}
