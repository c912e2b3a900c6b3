//! `--format html`: the incident report page. The plain tests read the file keywarden writes
//! from a real repository (one card per finding, the exposure facts, redaction even with
//! `--show-secrets`, nothing loaded from elsewhere); the browser test drives it in Debian's
//! headless Chromium through Playwright (tests/it/util/browser_check.py), so it runs under
//! scripts/test.sh.

use std::path::Path;

use crate::util::fakes::Fakes;
use crate::util::*;

/// Four fake keys (labelled FAKE): one removed from HEAD, three still in it, of several
/// severities. Returns the secrets.
fn leaky_repo(d: &Path) -> Vec<String> {
    let mut f = Fakes::new(28);
    let (anthropic, github, aws, stripe) = (f.anthropic(), f.github(), f.aws_id(), f.stripe_live());
    init_repo(d);
    write(
        d,
        "old.py",
        &format!("# FAKE key for a test\nK = '{anthropic}'\n"),
    );
    commit_all(d, "add a key", 1_600_000_000);
    write(d, "old.py", "K = None\n");
    commit_all(d, "remove it", 1_600_864_000);
    write(
        d,
        "ci.yml",
        &format!("# FAKE\ntoken: {github}\naws_access_key_id: {aws}\n"),
    );
    write(d, "pay.py", &format!("# FAKE\nSTRIPE = '{stripe}'\n"));
    commit_all(d, "more", 1_601_000_000);
    vec![anthropic, github, aws, stripe]
}

/// The page without its script and data blocks: what a reader without JavaScript gets.
fn markup(page: &str) -> String {
    let mut out = String::new();
    let mut rest = page;
    while let Some(at) = rest.find("<script") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find("</script>").expect("a closed script") + at + 9;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn html_of(d: &Path, args: &[&str]) -> (String, Run) {
    let out = d.join("report.html");
    let out_arg = out.to_str().unwrap().to_string();
    let mut argv = args.to_vec();
    argv.extend(["--format", "html", "--output", &out_arg]);
    let run = keywarden(d, &argv);
    assert_eq!(run.code, 1, "{}", run.all());
    (std::fs::read_to_string(&out).unwrap(), run)
}

#[test]
fn history_report_has_a_card_per_secret_with_its_timeline_and_no_secret() {
    let dir = tempdir();
    let d = dir.path();
    let secrets = leaky_repo(d);
    let (page, run) = html_of(d, &["scan", "--history", "--show-secrets"]);
    let json = json(&keywarden(d, &["scan", "--history", "--format", "json"]));
    let n = json["findings"].as_array().unwrap().len();
    assert!(n >= 4, "{n}");
    for s in &secrets {
        assert!(!page.contains(s.as_str()), "a full secret in the HTML");
    }
    assert!(page.contains("<script type=\"application/json\" id=\"data\">"));
    let page = markup(&page);
    assert_eq!(page.matches("<article class=\"card\"").count(), n);
    assert!(
        run.stderr.contains("never holds a full secret"),
        "{}",
        run.stderr
    );
    // Self-contained: a CSP that allows only hashed inline style and script, nothing fetched.
    assert!(
        page.contains("default-src 'none'; style-src 'sha256-"),
        "no CSP"
    );
    for attr in ["src=\"http", "href=\"//", "<link", "@import", "url("] {
        assert!(!markup(&page).contains(attr), "{attr} in the page");
    }
    // The removed key: its timeline says when it left HEAD and how long it was exposed.
    let removed = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["in_head"] == false)
        .expect("the removed key");
    assert_eq!(removed["removed_in"]["date"], "2020-09-23T12:26:40Z");
    assert_eq!(removed["exposed_for"]["days"], 10);
    assert!(page.contains("Removed from HEAD</span> in <code>"));
    assert!(page.contains("Exposed for <strong>10 day(s)</strong>"));
    assert!(page.contains("Still in HEAD"));
    assert!(page.contains("Secrets exposed over time"));
    assert!(page.contains("<h2 id=\"purge\">Purge plan</h2>"));
    // Essentials read without the script: the checklist is in the page, the filters wait for it.
    assert!(page.contains("<ol class=\"checklist\">"));
    assert!(page.contains("<form id=\"filters\" class=\"js-only\" hidden"));
}

#[test]
fn tree_report_is_the_same_page_without_a_timeline() {
    let dir = tempdir();
    let d = dir.path();
    leaky_repo(d);
    let (page, _) = html_of(d, &["scan", "."]);
    let page = markup(&page);
    assert!(page.matches("<article class=\"card\"").count() >= 3);
    assert!(!page.contains("<h4>Timeline</h4>"));
    assert!(!page.contains("Purge plan"));
    // Also as an extra report beside the main format.
    let run = keywarden(d, &["scan", ".", "--report", "html=extra.html"]);
    assert_eq!(run.code, 1);
    assert!(
        std::fs::read_to_string(d.join("extra.html"))
            .unwrap()
            .starts_with("<!doctype html>")
    );
}

#[test]
#[ignore = "needs Debian chromium and Python playwright; run scripts/test.sh"]
fn report_works_in_a_real_browser() {
    let dir = tempdir();
    let d = dir.path();
    let secrets = leaky_repo(d);
    let (_, _) = html_of(d, &["scan", "--history"]);
    let n = json(&keywarden(d, &["scan", "--history", "--format", "json"]))["findings"]
        .as_array()
        .unwrap()
        .len();
    std::fs::write(d.join("secrets.txt"), secrets.join("\n")).unwrap();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let shot = shots.join("html-report.png");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/util/browser_check.py");
    let out = std::process::Command::new(python())
        .arg(&script)
        .arg(d.join("report.html"))
        .arg(d.join("secrets.txt"))
        .arg(&shot)
        .arg(d)
        .arg(n.to_string())
        .output()
        .expect("run python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && text.contains("ok"), "{text}");
    assert!(shot.exists(), "no screenshot");
    eprintln!("screenshot: {}", shot.display());
}
