//! A pull request cannot switch the scanner off: range and pre-push scans apply the config and
//! baseline as they are at the base commit, and whatever the range's own settings would hide is
//! reported as `suppression-added` at the line that would hide it.

use std::path::Path;

use crate::util::fakes::Fakes;
use crate::util::*;

/// A repository whose `main` has one clean commit; returns the key a branch will add.
fn repo_with_main(d: &Path, seed: u64) -> String {
    init_repo(d);
    write(d, "README.md", "# app\n");
    commit_all(d, "init", 1_700_000_000);
    git(d, &["checkout", "-q", "-b", "feature"]);
    Fakes::new(seed).stripe_live()
}

fn range_json(d: &Path) -> (Run, serde_json::Value) {
    let run = keywarden(d, &["scan", "--range", "main..feature", "--format", "json"]);
    let j = json(&run);
    (run, j)
}

fn rules_at(j: &serde_json::Value) -> Vec<(String, String, u64)> {
    let mut v: Vec<_> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn an_allowlisted_path_added_in_the_range_is_reported_with_the_line_that_adds_it() {
    let dir = tempdir();
    let d = dir.path();
    let key = repo_with_main(d, 181);
    write(
        d,
        "pay.py",
        &format!("# FAKE key for a test\nSTRIPE = \"{key}\"\n"),
    );
    write(d, ".keywarden.yaml", "allow:\n  paths: [\"pay.py\"]\n");
    commit_all(d, "pay", 1_700_000_100);
    let (run, j) = range_json(d);
    assert_eq!(run.code, 1, "{}", run.all());
    let got = rules_at(&j);
    assert!(
        got.contains(&("stripe-live-secret-key".into(), "pay.py".into(), 2)),
        "{got:?}"
    );
    assert!(
        got.contains(&("suppression-added".into(), ".keywarden.yaml".into(), 2)),
        "{got:?}"
    );
    let sup = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "suppression-added")
        .unwrap();
    let what = sup["details"]["suppresses"].as_str().unwrap();
    assert!(
        what.starts_with("stripe-live-secret-key at pay.py:2 (sk_live_"),
        "{what}"
    );
    assert!(
        sup["details"]["by"]
            .as_str()
            .unwrap()
            .contains("allow.paths")
    );
    let text = keywarden(d, &["scan", "--range", "main..feature"]);
    assert_eq!(text.code, 1);
    assert_no_secret(&text, &[&key]);
    assert_no_secret(&run, &[&key]);
}

#[test]
fn a_raw_key_in_the_range_config_is_reported_in_both_places() {
    let dir = tempdir();
    let d = dir.path();
    let key = repo_with_main(d, 182);
    write(
        d,
        "pay2.py",
        &format!("# FAKE key for a test\nSTRIPE = \"{key}\"\n"),
    );
    write(
        d,
        ".keywarden.yaml",
        &format!("allow:\n  secrets:\n    - \"{key}\"\n"),
    );
    commit_all(d, "pay2", 1_700_000_100);
    let (run, j) = range_json(d);
    assert_eq!(run.code, 1, "{}", run.all());
    let got = findings(&run);
    assert!(
        got.contains(&("stripe-live-secret-key".into(), "pay2.py".into(), 2)),
        "{got:?}"
    );
    let sup: Vec<_> = got
        .iter()
        .filter(|(r, _, _)| r == "suppression-added")
        .collect();
    assert_eq!(
        sup,
        vec![&(
            "suppression-added".to_string(),
            ".keywarden.yaml".to_string(),
            3
        )]
    );
    // The config file is scanned like any other: the key committed there is a finding too.
    let stripe = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "stripe-live-secret-key")
        .unwrap();
    let paths: Vec<&str> = stripe["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec![".keywarden.yaml", "pay2.py"]);
    assert_no_secret(&run, &[&key]);
    // The history scan from that branch uses the working tree's config, which is invalid.
    let tree = keywarden(d, &["scan", "."]);
    assert_eq!(tree.code, 2, "{}", tree.all());
    assert!(
        tree.stderr
            .contains(".keywarden.yaml: line 3: field allow.secrets"),
        "{}",
        tree.stderr
    );
    assert!(tree.stderr.contains("fingerprint"), "{}", tree.stderr);
    assert_no_secret(&tree, &[&key]);
}

#[test]
fn removing_an_allowlist_entry_in_the_range_is_no_finding() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, "README.md", "# app\n");
    write(
        d,
        ".keywarden.yaml",
        "allow:\n  paths: [\"vendor/**\"]\n  stopwords: [\"fixture\"]\n",
    );
    commit_all(d, "init", 1_700_000_000);
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(d, ".keywarden.yaml", "allow:\n  paths: [\"vendor/**\"]\n");
    write(d, "src/app.py", "print('hello')\n");
    commit_all(d, "tighten", 1_700_000_100);
    let (run, j) = range_json(d);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(j["findings"].as_array().unwrap().is_empty());
}

#[test]
fn a_baseline_edited_in_the_range_does_not_hide_the_new_key() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, "README.md", "# app\n");
    write(
        d,
        "keywarden-baseline.json",
        "{\n  \"version\": 1,\n  \"entries\": []\n}\n",
    );
    commit_all(d, "init", 1_700_000_000);
    git(d, &["checkout", "-q", "-b", "feature"]);
    let key = Fakes::new(183).stripe_live();
    write(
        d,
        "pay.py",
        &format!("# FAKE key for a test\nSTRIPE = \"{key}\"\n"),
    );
    commit_all(d, "pay", 1_700_000_100);
    // The branch then accepts its own key into the baseline.
    let b = keywarden(d, &["baseline", ".", "-o", "keywarden-baseline.json"]);
    assert_eq!(b.code, 0, "{}", b.all());
    commit_all(d, "accept", 1_700_000_200);
    let run = keywarden(
        d,
        &[
            "scan",
            "--range",
            "main..feature",
            "--baseline",
            "keywarden-baseline.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let got = rules_at(&json(&run));
    assert!(
        got.contains(&("stripe-live-secret-key".into(), "pay.py".into(), 2)),
        "{got:?}"
    );
    let sup: Vec<_> = got
        .iter()
        .filter(|(r, _, _)| r == "suppression-added")
        .collect();
    assert_eq!(sup.len(), 1, "{got:?}");
    assert_eq!(sup[0].1, "keywarden-baseline.json");
    assert!(sup[0].2 > 1, "points at the entry's line: {got:?}");
    // A tree scan with the same baseline trusts it (the working tree is the user's own).
    let tree = keywarden(d, &["scan", ".", "--baseline", "keywarden-baseline.json"]);
    assert_eq!(tree.code, 0, "{}", tree.all());
}

#[test]
fn inline_markers_added_in_the_range_are_listed_without_failing() {
    let dir = tempdir();
    let d = dir.path();
    let key = repo_with_main(d, 184);
    write(
        d,
        "tests/fixture.py",
        &format!("# FAKE key for a test\nSTRIPE = \"{key}\"  # keywarden:allow\n"),
    );
    commit_all(d, "fixture", 1_700_000_100);
    let (run, j) = range_json(d);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(j["inline_allowed"][0]["path"], "tests/fixture.py");
    assert_eq!(j["inline_allowed"][0]["line"], 2);
    let text = keywarden(d, &["scan", "--range", "main..feature"]);
    assert_eq!(text.code, 0);
    assert!(
        text.stdout
            .contains("1 inline allow marker(s) added in this range")
            && text
                .stdout
                .contains("stripe-live-secret-key at tests/fixture.py:2"),
        "{}",
        text.stdout
    );
    let gh = keywarden(
        d,
        &["scan", "--range", "main..feature", "--format", "github"],
    );
    assert!(
        gh.stdout
            .starts_with("::notice file=tests/fixture.py,line=2,"),
        "{}",
        gh.stdout
    );
    let md = keywarden(
        d,
        &["scan", "--range", "main..feature", "--format", "markdown"],
    );
    assert!(
        md.stdout
            .contains("| `stripe-live-secret-key` | `tests/fixture.py:2` |"),
        "{}",
        md.stdout
    );
    assert_no_secret(&text, &[&key]);
}

#[test]
fn history_audits_say_what_was_suppressed_and_no_config_shows_everything() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(185);
    let (a, b) = (f.stripe_live(), f.github());
    write(
        d,
        "vendor/lib.py",
        &format!("# FAKE key for a test\nK = \"{a}\"\n"),
    );
    write(
        d,
        "app.py",
        &format!("# FAKE key for a test\nT = \"{b}\"  # keywarden:allow\n"),
    );
    write(d, ".keywarden.yaml", "allow:\n  paths: [\"vendor/**\"]\n");
    commit_all(d, "init", 1_700_000_000);
    let run = keywarden(d, &["scan", "--history"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("not reported: 1 by inline markers, 1 file(s) under allow.paths not scanned"),
        "{}",
        run.stdout
    );
    let all = keywarden(
        d,
        &[
            "scan",
            "--history",
            "--no-config",
            "--no-inline-allow",
            "--format",
            "json",
        ],
    );
    assert_eq!(all.code, 1, "{}", all.all());
    let got = rules_at(&json(&all));
    assert_eq!(got.len(), 2, "{got:?}");
    assert_no_secret(&run, &[&a, &b]);
}
