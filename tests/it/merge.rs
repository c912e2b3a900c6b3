//! `keywarden merge`: the JSON reports of real repositories' history scans merged into one
//! answer (a key found in two repositories is one finding naming both), a repository that
//! could not be scanned listed with its error, a file that is not a report refused by name.

use std::path::Path;

use crate::util::fakes::Fakes;
use crate::util::*;

/// A repository at `dir/name` with the given files committed, scanned with `--history` into
/// `dir/<file>` (the JSON report).
fn scanned(dir: &Path, name: &str, files: &[(&str, String)], report: &str, extra: &[&str]) {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    init_repo(&d);
    for (path, content) in files {
        write(&d, path, content);
    }
    commit_all(&d, "keys", 1_650_000_000);
    let out = dir.join(report);
    let mut args = vec!["scan", "--history", "--format", "json", "--output"];
    let out_s = out.to_str().unwrap().to_string();
    args.push(&out_s);
    args.extend(extra);
    let run = keywarden(&d, &args);
    assert_eq!(run.code, 1, "{}", run.all());
}

#[test]
fn the_same_key_in_two_repositories_is_one_finding_naming_both() {
    let dir = tempdir();
    let d = dir.path();
    let mut f = Fakes::new(31);
    let (shared, own) = (f.github(), f.stripe_live());
    scanned(
        d,
        "api",
        &[("a.py", format!("# FAKE\nTOKEN = '{shared}'\n"))],
        "acme__api.json",
        &[],
    );
    // The second repository's report was written with --show-secrets: merge redacts it.
    scanned(
        d,
        "web",
        &[
            ("b.py", format!("# FAKE\nTOKEN = '{shared}'\n")),
            ("pay.py", format!("# FAKE\nSTRIPE = '{own}'\n")),
        ],
        "web.json",
        &["--show-secrets"],
    );
    std::fs::write(
        d.join("broken.json"),
        r#"{"repository": "acme/broken", "error": "clone failed: repository not found"}"#,
    )
    .unwrap();
    let run = keywarden(
        d,
        &[
            "merge",
            "acme__api.json",
            "acme/web=web.json",
            "broken.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert_no_secret(&run, &[&shared, &own]);
    let doc = json(&run);
    let github = assert_the_shared_key_once(&doc);
    let places: Vec<&str> = github["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(places, ["acme/api:a.py", "acme/web:b.py"]);
    let repos = doc["repositories"].as_array().unwrap();
    assert_eq!(repos.len(), 3);
    assert_eq!(repos[0]["repository"], "acme/api");
    assert_eq!(repos[1]["findings"], 2);
    assert_eq!(repos[2]["repository"], "acme/broken");
    assert_eq!(repos[2]["error"], "clone failed: repository not found");
    assert!(
        repos[1]["purge_plan"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
    // The text names the failed repository and counts the shared key once.
    let text = keywarden(
        d,
        &[
            "merge",
            "acme__api.json",
            "acme/web=web.json",
            "broken.json",
        ],
    );
    assert_eq!(text.code, 1);
    assert_no_secret(&text, &[&shared, &own]);
    assert!(
        text.stdout.contains(
            "2 secret(s) across 3 repositories (1 found in more than one); 1 could not be scanned"
        ),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("acme/broken") && text.stdout.contains("FAILED: clone failed"));
    // The summary adds up what each scan covered: one commit in each repository.
    assert!(text.stdout.contains("2 commit(s)"), "{}", text.stdout);
    // HTML and markdown from the same merge.
    let html = keywarden(
        d,
        &[
            "merge",
            "acme__api.json",
            "web.json",
            "--format",
            "html",
            "-o",
            "org.html",
        ],
    );
    assert_eq!(html.code, 1, "{}", html.all());
    let page = std::fs::read_to_string(d.join("org.html")).unwrap();
    assert!(page.contains("acme/api:a.py") && !page.contains(shared.as_str()));
    let md = keywarden(
        d,
        &[
            "merge",
            "acme__api.json",
            "web.json",
            "--format",
            "markdown",
        ],
    );
    assert!(md.stdout.contains("| acme/api | 1 |"), "{}", md.stdout);
}

#[test]
fn different_keys_stay_apart_and_a_clean_merge_exits_zero() {
    let dir = tempdir();
    let d = dir.path();
    let mut f = Fakes::new(32);
    let (a, b) = (f.github(), f.github());
    scanned(
        d,
        "one",
        &[("a.py", format!("# FAKE\nT = '{a}'\n"))],
        "one.json",
        &[],
    );
    scanned(
        d,
        "two",
        &[("a.py", format!("# FAKE\nT = '{b}'\n"))],
        "two.json",
        &[],
    );
    let doc = json(&keywarden(
        d,
        &["merge", "one.json", "two.json", "--format", "json"],
    ));
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2);
    std::fs::write(
        d.join("empty.json"),
        r#"{"version":1,"mode":"history","findings":[],"purge_plan":[],"summary":{}}"#,
    )
    .unwrap();
    let clean = keywarden(d, &["merge", "empty.json"]);
    assert_eq!(clean.code, 0, "{}", clean.all());
}

#[test]
fn a_file_that_is_not_a_report_is_refused_by_name() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(d.join("notes.json"), "{\"x\": 1}").unwrap();
    std::fs::write(d.join("garbage.json"), "\u{0}\u{1}not json").unwrap();
    for (file, says) in [
        ("notes.json", "notes.json: not a keywarden JSON report"),
        ("garbage.json", "garbage.json: not JSON"),
        ("missing.json", "missing.json"),
    ] {
        let run = keywarden(d, &["merge", file]);
        assert_eq!(run.code, 2, "{file}: {}", run.all());
        assert!(run.stderr.contains(says), "{file}: {}", run.stderr);
    }
    let sarif = keywarden(d, &["merge", "notes.json", "--format", "sarif"]);
    assert_eq!(sarif.code, 2);
}

/// A merged report of acme/api and acme/web, which share a GitHub key and where web holds one
/// key more: two findings, the shared one naming both repositories. Returns that one.
pub(crate) fn assert_the_shared_key_once(doc: &serde_json::Value) -> &serde_json::Value {
    assert_eq!(doc["mode"], "merged");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{doc:#}");
    let github = findings
        .iter()
        .find(|f| f["rule_id"] == "github-token")
        .unwrap();
    assert_eq!(
        github["repositories"],
        serde_json::json!(["acme/api", "acme/web"])
    );
    github
}
