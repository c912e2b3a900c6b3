//! One self-contained HTML page for the people cleaning up after a leak: an overview (counts,
//! an exposure chart), then a card per secret (where, a timeline, the verdict, the checklist
//! with checkboxes), then the purge plan. No network request: the style and the script are
//! inline and the Content-Security-Policy allows exactly them, by hash. Everything reads
//! without the script; the script adds filters, sorting, search and checklist progress kept in
//! the browser (and exported as a small JSON file). Secrets are always redacted here, even
//! with `--show-secrets`: an HTML file is a file that travels.

use std::fmt::Write as _;
use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::{Covered, Report, Reporter};
use crate::checklist::summarize_refs;
use crate::finding::{Finding, day_of, short_id};
use crate::severity::{Confidence, Severity};

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

pub struct Html;

impl Reporter for Html {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        if report.show_secrets {
            crate::messages::warn(
                "the HTML report never holds a full secret (it is a file that travels): --show-secrets applies to the other formats",
            );
        }
        let report = report.for_people();
        let mut page = String::with_capacity(4096 + report.findings.len() * 3000);
        Page::new(&report).write(&mut page);
        out.write_all(page.as_bytes())
    }
}

/// HTML text: `&`, `<`, `>`, and both quotes escaped (safe in text and in attributes).
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A checklist step or note: escaped, `` `code` `` spans as `<code>`, https links as links.
fn rich(s: &str) -> String {
    let mut o = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(o, "<code>{}</code>", esc(part));
            continue;
        }
        let mut rest = part;
        while let Some(at) = rest.find("https://") {
            o.push_str(&esc(&rest[..at]));
            let url = &rest[at..];
            let end = url
                .find(|c: char| c.is_whitespace() || c == ')' || c == '"')
                .unwrap_or(url.len());
            let url = url[..end].trim_end_matches(['.', ',', ';', ':']);
            let _ = write!(
                o,
                "<a href=\"{0}\" rel=\"noreferrer noopener\">{0}</a>",
                esc(url)
            );
            rest = &rest[at + url.len()..];
        }
        o.push_str(&esc(rest));
    }
    o
}

/// `'sha256-…'` of an inline style or script, as a CSP source.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("'sha256-{}'", crate::decode::base64_encode(&digest))
}

/// The page's findings in reading order: live first, then by severity, then confidence.
struct Page<'r> {
    report: &'r Report<'r>,
    order: Vec<&'r Finding>,
    now: i64,
}

impl<'r> Page<'r> {
    fn new(report: &'r Report<'r>) -> Page<'r> {
        let mut order: Vec<&Finding> = report.findings.iter().collect();
        order.sort_by_key(|f| {
            (
                f.verified != Some(true),
                std::cmp::Reverse(f.severity),
                std::cmp::Reverse(f.confidence),
            )
        });
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Page { report, order, now }
    }

    /// The same findings give the same id, so progress kept for a report carries over to a
    /// rescan that finds the same secrets.
    fn id(&self) -> String {
        let mut fps: Vec<&str> = self
            .report
            .findings
            .iter()
            .map(|f| f.fingerprint.as_str())
            .collect();
        fps.sort_unstable();
        let mut h = Sha256::new();
        h.update(self.report.mode.name().as_bytes());
        for fp in fps {
            h.update(b"\0");
            h.update(fp.as_bytes());
        }
        h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn history(&self) -> bool {
        matches!(self.report.mode, Covered::History | Covered::Merged)
    }

    fn write(&self, o: &mut String) {
        let n = self.order.len();
        let title = match self.report.mode {
            Covered::History => "history of every ref",
            Covered::Range => "commits of a range",
            Covered::Staged => "staged changes",
            Covered::Worktree => "files",
            Covered::Merged => "reports of several repositories",
        };
        let root = self
            .report
            .root
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = write!(
            o,
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n\
             <title>keywarden: {n} secret(s) in {}</title>\n<style>{CSS}</style>\n</head>\n\
             <body data-report-id=\"{}\">\n<header>\n<h1>keywarden incident report</h1>\n\
             <p class=\"meta\">{} · scanned: {title} · {} · keywarden {}</p>\n</header>\n<main>\n",
            csp_hash(CSS),
            csp_hash(JS),
            esc(&root),
            self.id(),
            esc(&root),
            esc(&crate::civil::format_unix(self.now)),
            env!("CARGO_PKG_VERSION"),
        );
        self.overview(o);
        self.cards(o);
        self.purge(o);
        let _ = write!(o, "</main>\n<script>{JS}</script>\n</body>\n</html>\n");
    }

    fn overview(&self, o: &mut String) {
        let f = &self.order;
        let in_head = f
            .iter()
            .filter(|f| f.history.as_ref().is_some_and(|h| h.in_head))
            .count();
        let live = f.iter().filter(|f| f.verified == Some(true)).count();
        let verified_ran = f.iter().any(|f| f.verification.is_some());
        o.push_str("<section aria-labelledby=\"overview\">\n<h2 id=\"overview\">Overview</h2>\n");
        let mut lead = format!("<strong>{}</strong> secret(s)", f.len());
        if self.history() {
            let _ = write!(
                lead,
                " in {} commit(s); <strong>{in_head}</strong> still in HEAD",
                self.report.stats.counts.commits
            );
            if let Some(longest) = f
                .iter()
                .filter_map(|f| f.history.as_ref()?.exposed_for.as_ref())
                .map(|e| e.days)
                .max()
            {
                let _ = write!(lead, "; the longest exposed for {longest} day(s)");
            }
        }
        if verified_ran {
            let _ = write!(
                lead,
                "; <strong>{live}</strong> live when checked (live ones first)"
            );
        }
        let _ = writeln!(o, "<p class=\"lead\">{lead}.</p>");
        if f.is_empty() {
            o.push_str("<p>Nothing to do: no secret was found.</p>\n</section>\n");
            return;
        }
        o.push_str("<div class=\"grid\">\n");
        let sev: Vec<(String, usize)> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ]
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                f.iter().filter(|x| x.severity == *s).count(),
            )
        })
        .collect();
        table(o, "By severity", &sev);
        let conf: Vec<(String, usize)> = [Confidence::High, Confidence::Medium, Confidence::Low]
            .iter()
            .map(|c| {
                (
                    c.as_str().to_string(),
                    f.iter().filter(|x| x.confidence == *c).count(),
                )
            })
            .collect();
        table(o, "By confidence", &conf);
        let mut prov: Vec<(String, usize)> = Vec::new();
        for x in f {
            match prov.iter_mut().find(|(p, _)| *p == x.provider) {
                Some((_, n)) => *n += 1,
                None => prov.push((x.provider.clone(), 1)),
            }
        }
        prov.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if prov.len() > 12 {
            let rest: usize = prov[11..].iter().map(|p| p.1).sum();
            prov.truncate(11);
            prov.push((String::from("others"), rest));
        }
        table(o, "By provider", &prov);
        o.push_str("</div>\n");
        if self.history() {
            self.chart(o);
        }
        o.push_str("</section>\n");
    }

    /// How many secrets were exposed at each moment, from the first introduction to now (a
    /// secret counts from its introducing commit until it left HEAD, or until now).
    fn chart(&self, o: &mut String) {
        let spans: Vec<(i64, i64)> = self
            .order
            .iter()
            .filter_map(|f| {
                let e = f.history.as_ref()?.exposed_for.as_ref()?;
                let since = crate::civil::parse_iso(&e.since)?;
                // Still exposed: past any moment the chart shows.
                let until = e
                    .until
                    .as_deref()
                    .and_then(crate::civil::parse_iso)
                    .unwrap_or(i64::MAX);
                Some((since, until.max(since)))
            })
            .collect();
        let Some(start) = spans.iter().map(|s| s.0).min() else {
            return;
        };
        let end = self.now.max(start + 1);
        let (w, h, pad) = (800.0f64, 160.0f64, 30.0f64);
        const STEPS: usize = 200;
        let mut starts: Vec<i64> = spans.iter().map(|s| s.0).collect();
        let mut ends: Vec<i64> = spans.iter().map(|s| s.1).collect();
        starts.sort_unstable();
        ends.sort_unstable();
        let at = |t: i64| starts.partition_point(|&s| s <= t) - ends.partition_point(|&e| e <= t);
        let points: Vec<(i64, usize)> = (0..=STEPS)
            .map(|i| {
                let t = start + ((end - start) as f64 * i as f64 / STEPS as f64) as i64;
                (t, at(t))
            })
            .collect();
        let peak = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
        let x = |t: i64| pad + (w - 2.0 * pad) * (t - start) as f64 / (end - start) as f64;
        let y = |n: usize| h - pad - (h - 2.0 * pad) * n as f64 / peak as f64;
        let mut path = format!("M{:.1} {:.1}", x(start), y(0));
        for (t, n) in &points {
            let _ = write!(path, " L{:.1} {:.1}", x(*t), y(*n));
        }
        let _ = write!(path, " L{:.1} {:.1} Z", x(end), y(0));
        let now_exposed = points.last().map_or(0, |p| p.1);
        let day = |t: i64| crate::civil::format_unix(t)[..10].to_string();
        let (from, to) = (day(start), day(end));
        let (base, right, label_y) = (h - pad, w - pad, h - pad + 18.0);
        let peak_y = pad + 4.0;
        let _ = write!(
            o,
            "<figure class=\"chart panel\">\n<figcaption><strong>Secrets exposed over time</strong>: at most {peak} at once; {now_exposed} now. Each counts from the commit that introduced it until it left HEAD.</figcaption>\n\
             <svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Secrets exposed over time, from {from} to {to}: at most {peak} at once, {now_exposed} now\">\n\
             <path class=\"area\" d=\"{path}\"/>\n\
             <line class=\"axis\" x1=\"{pad}\" y1=\"{base:.1}\" x2=\"{right:.1}\" y2=\"{base:.1}\"/>\n\
             <text x=\"{pad}\" y=\"{label_y:.1}\">{from}</text><text x=\"{right:.1}\" y=\"{label_y:.1}\" text-anchor=\"end\">{to}</text>\n\
             <text x=\"2\" y=\"{peak_y:.1}\">{peak}</text>\n</svg>\n</figure>\n",
        );
    }

    /// With the script, cards are drawn from the page's data as they scroll into view (10,000
    /// secrets open in a blink); without it, every card is in the page in full (`<noscript>`:
    /// not even parsed into the document when the script runs).
    fn cards(&self, o: &mut String) {
        let f = &self.order;
        o.push_str("<section aria-labelledby=\"secrets\">\n<h2 id=\"secrets\">Secrets</h2>\n");
        if !f.is_empty() {
            self.filters(o);
        }
        o.push_str("<div id=\"cards\"></div>\n<p id=\"more\" class=\"js-only\" hidden><button type=\"button\" id=\"more-button\">Show more</button></p>\n<noscript>\n");
        for (rank, finding) in f.iter().enumerate() {
            self.card(o, rank, finding);
        }
        o.push_str("</noscript>\n");
        // A data block, never run; `</` escaped so no text in it can close the element.
        o.push_str("<script type=\"application/json\" id=\"data\">");
        self.write_data(o);
        o.push_str("</script>\n</section>\n");
    }

    /// What the script draws cards from: each finding in reading order, its checklist as
    /// numbers into one table of distinct steps (a rule's steps are shared by its findings).
    /// Written finding by finding (an organization's merged report holds tens of thousands).
    fn write_data(&self, o: &mut String) {
        use serde_json::json;
        let mut table: Vec<String> = Vec::new();
        let mut ids: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let push = |o: &mut String, v: &serde_json::Value| {
            let text = serde_json::to_string(v).expect("report data serializes");
            o.push_str(&text.replace("</", "<\\/"));
        };
        o.push_str("{\"findings\":[");
        for (i, f) in self.order.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let v = {
                let p = f.primary();
                let steps: Vec<(String, usize)> = self
                    .report
                    .checklist(f)
                    .numbered()
                    .into_iter()
                    .map(|(label, step)| {
                        let id = *ids.entry(step.clone()).or_insert_with(|| {
                            table.push(step);
                            table.len() - 1
                        });
                        (label, id)
                    })
                    .collect();
                let also: Vec<String> = f
                    .locations
                    .iter()
                    .skip(1)
                    .take(20)
                    .map(|l| format!("{}:{}", l.path, l.line))
                    .collect();
                let h = f.history.as_deref().map(|h| {
                    json!({
                        "commit": short_id(&h.commit),
                        "author": h.author,
                        "date": day_of(&h.date),
                        "also": h.introduced_in.iter().map(|c| short_id(c)).collect::<Vec<_>>(),
                        "refs": if h.refs.is_empty() { "no ref (an unreachable object)".to_string() } else { summarize_refs(&h.refs) },
                        "commits": h.commits,
                        "inhead": h.in_head,
                        "removed": h.removed_in.as_ref().map(|r| json!({"commit": short_id(&r.commit), "date": day_of(&r.date)})),
                        "days": h.exposed_for.as_ref().map(|e| e.days),
                        "counting": h.exposed_for.as_ref().is_some_and(|e| e.until.is_none()),
                        "since": crate::civil::parse_iso(&h.date).unwrap_or(0),
                    })
                });
                json!({
                    "fp": f.fingerprint,
                    "sev": f.severity.as_str(),
                    "conf": f.confidence.as_str(),
                    "prov": f.provider,
                    "name": f.rule_name,
                    "rule": f.rule_id,
                    "path": p.path,
                    "line": p.line,
                    "more": f.locations.len() - 1,
                    "also": also,
                    "secret": f.shown_secret(false),
                    "ctx": p.context,
                    "why": f.confidence_why,
                    "details": f.details,
                    "verified": f.verified,
                    "verification": f.verification,
                    "h": h,
                    "steps": steps,
                })
            };
            push(o, &v);
        }
        o.push_str("],\"steps\":");
        push(o, &json!(table));
        o.push('}');
    }

    fn filters(&self, o: &mut String) {
        let mut providers: Vec<&str> = self.order.iter().map(|f| f.provider.as_str()).collect();
        providers.sort_unstable();
        providers.dedup();
        let select = |o: &mut String, name: &str, label: &str, opts: &[(&str, &str)]| {
            let _ = write!(
                o,
                "<label>{label}<select name=\"{name}\"><option value=\"\">all</option>"
            );
            for (v, t) in opts {
                let _ = write!(o, "<option value=\"{}\">{}</option>", esc(v), esc(t));
            }
            o.push_str("</select></label>\n");
        };
        o.push_str("<form id=\"filters\" class=\"js-only\" hidden role=\"search\" aria-label=\"Filter secrets\">\n");
        let _ = writeln!(
            o,
            "<label>Sort<select name=\"sort\"><option value=\"rank\">live, severity</option>{}<option value=\"provider\">provider</option></select></label>",
            if self.history() {
                "<option value=\"exposure\">longest exposed</option><option value=\"introduced\">newest</option>"
            } else {
                ""
            }
        );
        select(
            o,
            "severity",
            "Severity",
            &[
                ("critical", "critical"),
                ("high", "high"),
                ("medium", "medium"),
                ("low", "low"),
            ],
        );
        let provs: Vec<(&str, &str)> = providers.iter().map(|p| (*p, *p)).collect();
        select(o, "provider", "Provider", &provs);
        select(
            o,
            "confidence",
            "Confidence",
            &[("high", "high"), ("medium", "medium"), ("low", "low")],
        );
        if self.history() {
            select(
                o,
                "inhead",
                "In HEAD",
                &[("yes", "still in HEAD"), ("no", "not in HEAD")],
            );
        }
        if self.order.iter().any(|f| f.verification.is_some()) {
            select(
                o,
                "live",
                "Verified",
                &[("yes", "live"), ("no", "dead"), ("unknown", "not checked")],
            );
        }
        o.push_str("<label>Search<input type=\"search\" name=\"q\" placeholder=\"path, provider, commit…\"></label>\n<output id=\"shown\" aria-live=\"polite\"></output>\n</form>\n");
        o.push_str("<p class=\"js-only note\" hidden>Checked steps are kept in this browser for this report. <button type=\"button\" id=\"export\">Export progress</button> <label>Import progress <input type=\"file\" id=\"import\" accept=\"application/json,.json\"></label> <span id=\"progress-status\" role=\"status\"></span></p>\n");
    }

    /// One card in full, as the page reads without its script (`<noscript>`); the script draws
    /// the same card from the page's data (`report.js`, `card`).
    fn card(&self, o: &mut String, rank: usize, f: &Finding) {
        let p = f.primary();
        let h = f.history.as_deref();
        let sev = f.severity.as_str();
        let _ = writeln!(
            o,
            "<article class=\"card\" data-severity=\"{sev}\" aria-labelledby=\"t-{rank}\">"
        );
        let mut badges = format!(
            "<span class=\"badge sev-{sev}\">{sev}</span><span class=\"badge conf\">{} confidence</span>",
            f.confidence.as_str()
        );
        match f.verified {
            Some(true) => badges.push_str("<span class=\"badge live\">live</span>"),
            Some(false) => badges.push_str("<span class=\"badge dead\">dead</span>"),
            None => {}
        }
        if let Some(h) = h {
            badges.push_str(if h.in_head {
                "<span class=\"badge inhead\">in HEAD</span>"
            } else {
                "<span class=\"badge gone\">not in HEAD</span>"
            });
        }
        let _ = writeln!(
            o,
            "<h3 id=\"t-{rank}\">{badges} {} <span class=\"meta\">{}</span></h3>",
            esc(&f.provider),
            esc(&f.rule_name)
        );
        o.push_str("<dl>\n");
        let _ = writeln!(
            o,
            "<dt>Where</dt><dd><code>{}:{}</code>{}</dd>",
            esc(&p.path),
            p.line,
            if f.locations.len() > 1 {
                format!(" and {} other place(s)", f.locations.len() - 1)
            } else {
                String::new()
            }
        );
        let secret = f.shown_secret(false);
        if !secret.is_empty() {
            let _ = writeln!(
                o,
                "<dt>Secret</dt><dd><code>{}</code> (redacted)</dd>",
                esc(secret)
            );
        }
        if !p.context.is_empty() {
            let _ = writeln!(o, "<dt>Line</dt><dd><code>{}</code></dd>", esc(&p.context));
        }
        let _ = writeln!(
            o,
            "<dt>Rule</dt><dd><code>{}</code> · {} confidence: {}</dd>",
            esc(&f.rule_id),
            f.confidence.as_str(),
            esc(&f.confidence_why)
        );
        for (k, v) in &f.details {
            let _ = writeln!(o, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
        }
        if let Some(why) = &f.verification {
            let verdict = match f.verified {
                Some(true) => "live",
                Some(false) => "dead",
                None => "unknown",
            };
            let _ = writeln!(
                o,
                "<dt>Verified</dt><dd><strong>{verdict}</strong> ({})</dd>",
                esc(why)
            );
        }
        if f.locations.len() > 1 {
            let _ = write!(o, "<dt>Also at</dt><dd>");
            for (i, l) in f.locations.iter().skip(1).take(20).enumerate() {
                let _ = write!(
                    o,
                    "{}<code>{}:{}</code>",
                    if i > 0 { ", " } else { "" },
                    esc(&l.path),
                    l.line
                );
            }
            if f.locations.len() > 21 {
                let _ = write!(o, " and {} more", f.locations.len() - 21);
            }
            o.push_str("</dd>\n");
        }
        o.push_str("</dl>\n");
        if let Some(h) = h {
            timeline(o, h);
        }
        let steps = self.report.checklist(f).numbered();
        let _ = writeln!(o, "<h4>What to do</h4>\n<ol class=\"checklist\">");
        for (i, (label, step)) in steps.iter().enumerate() {
            let sub = label.starts_with(' ');
            let _ = writeln!(
                o,
                "<li{}><label><input type=\"checkbox\" name=\"step-{rank}-{i}\"><span class=\"n\">{}</span><span>{}</span></label></li>",
                if sub { " class=\"sub\"" } else { "" },
                esc(label.trim()),
                rich(step)
            );
        }
        o.push_str("</ol>\n</article>\n");
    }

    fn purge(&self, o: &mut String) {
        let plan = self.report.purge_plan();
        if plan.is_empty() {
            return;
        }
        o.push_str("<section aria-labelledby=\"purge\">\n<h2 id=\"purge\">Purge plan</h2>\n<p>Once every secret above is rotated: one rewrite of history for all of them. Copy the commands; run them in a fresh mirror clone.</p>\n");
        let mut text = String::new();
        for line in &plan {
            text.push_str(line);
            text.push('\n');
        }
        let _ = write!(
            o,
            "<pre id=\"purge-plan\"><code>{}</code></pre>\n<button type=\"button\" class=\"copy js-only\" data-for=\"purge-plan\" hidden>Copy</button>\n</section>\n",
            esc(&text)
        );
    }
}

/// Introduced, reaches, removed from HEAD (or still there), exposed for.
fn timeline(o: &mut String, h: &crate::finding::HistoryInfo) {
    o.push_str("<h4>Timeline</h4>\n<ol class=\"timeline\">\n");
    let day = |d: &str| esc(day_of(d));
    let _ = writeln!(
        o,
        "<li><span class=\"when\">{}</span>Introduced in <code>{}</code> by {}</li>",
        day(&h.date),
        esc(short_id(&h.commit)),
        esc(&h.author)
    );
    if !h.introduced_in.is_empty() {
        let ids: Vec<String> = h
            .introduced_in
            .iter()
            .map(|c| format!("<code>{}</code>", esc(short_id(c))))
            .collect();
        let _ = writeln!(
            o,
            "<li>Also introduced independently in {}</li>",
            ids.join(", ")
        );
    }
    let refs = if h.refs.is_empty() {
        "no ref (an unreachable object)".to_string()
    } else {
        summarize_refs(&h.refs)
    };
    let _ = writeln!(
        o,
        "<li>Reachable from {}; seen in {} commit(s)</li>",
        esc(&refs),
        h.commits
    );
    match (&h.removed_in, h.in_head) {
        (_, true) => o.push_str("<li><strong class=\"inhead\">Still in HEAD</strong></li>\n"),
        (Some(r), false) => {
            let _ = writeln!(
                o,
                "<li><span class=\"when\">{}</span><span class=\"gone\">Removed from HEAD</span> in <code>{}</code> (still in history until purged)</li>",
                day(&r.date),
                esc(short_id(&r.commit))
            );
        }
        (None, false) => o.push_str("<li>Never on HEAD's line (only on other refs)</li>\n"),
    }
    if let Some(e) = &h.exposed_for {
        let _ = writeln!(
            o,
            "<li>Exposed for <strong>{} day(s)</strong>{}</li>",
            e.days,
            if e.until.is_some() {
                ""
            } else {
                " and counting"
            }
        );
    }
    o.push_str("</ol>\n");
}

fn table(o: &mut String, caption: &str, rows: &[(String, usize)]) {
    let _ = write!(
        o,
        "<div class=\"panel\"><table><caption>{}</caption>",
        esc(caption)
    );
    for (k, n) in rows {
        let _ = write!(o, "<tr><th scope=\"row\">{}</th><td>{n}</td></tr>", esc(k));
    }
    o.push_str("</table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_steps_get_code_and_links() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            rich("Run `git rm --cached <f>` then see https://example.com/x."),
            "Run <code>git rm --cached &lt;f&gt;</code> then see <a href=\"https://example.com/x\" rel=\"noreferrer noopener\">https://example.com/x</a>."
        );
    }

    #[test]
    fn the_csp_hashes_are_of_the_exact_inline_text() {
        let h = csp_hash("x");
        // sha256("x") in base64.
        assert_eq!(h, "'sha256-LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE='");
    }
}
