//! SARIF as GitHub code scanning needs it: one location per result relative to %SRCROOT%, rules
//! with help and security-severity, GitHub's line hash, no secrets. That every SARIF these
//! scans write is valid against the official schema is `schemas.rs` (it needs Python).

use std::collections::HashSet;
use std::process::Command;

use crate::util::fakes::Fakes;
use crate::util::*;
use serde_json::Value;

fn sarif(dir: &std::path::Path, args: &[&str], name: &str) -> Value {
    let out = dir.join(name);
    let mut all = args.to_vec();
    all.extend(["--format", "sarif", "--output", out.to_str().unwrap()]);
    let run = keywarden(dir, &all);
    assert!(run.code == 0 || run.code == 1, "{}", run.all());
    let text = std::fs::read_to_string(&out).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The GitHub-specific rules the upload and the Security tab depend on.
fn check_github_rules(doc: &Value, secrets: &[&str]) {
    let text = doc.to_string();
    for s in secrets {
        assert!(!text.contains(s), "secret in SARIF");
    }
    let run = &doc["runs"][0];
    assert_eq!(doc["runs"].as_array().unwrap().len(), 1);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: HashSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rules.len(), "rule ids are unique");
    for r in rules {
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(sev > 0.0 && sev <= 10.0);
        let tags = r["properties"]["tags"].as_array().unwrap();
        assert!(
            tags.len() <= 10
                && tags.iter().any(|t| t == "security")
                && tags.iter().any(|t| t == "secret")
                && tags.iter().any(|t| t == "external/cwe/cwe-798")
        );
        assert!(
            tags.iter().all(|t| !t.as_str().unwrap().contains(' ')),
            "tags hold no spaces: {tags:?}"
        );
        assert!(
            r["helpUri"].as_str().unwrap().starts_with("https://"),
            "{}",
            r["id"]
        );
        assert!(
            r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("Rotation checklist")
        );
        assert!(
            r["help"]["text"].as_str().is_some()
                && r["shortDescription"]["text"].as_str().is_some()
        );
        assert!(
            r["fullDescription"]["text"].as_str().is_some()
                && r["defaultConfiguration"]["level"].as_str().is_some()
        );
    }
    assert!(run["results"].is_array(), "results is always present");
    for res in run["results"].as_array().unwrap() {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        let locs = res["locations"].as_array().unwrap();
        assert_eq!(locs.len(), 1);
        let art = &locs[0]["physicalLocation"]["artifactLocation"];
        assert_eq!(art["uriBaseId"], "%SRCROOT%");
        assert!(!art["uri"].as_str().unwrap().starts_with('/'));
        let region = &locs[0]["physicalLocation"]["region"];
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[k].as_u64().unwrap() >= 1, "{k}");
        }
        let msg = res["message"]["text"].as_str().unwrap();
        assert!(msg.contains(". "), "first sentence is a title: {msg}");
        assert!(
            res["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
                .contains(':')
        );
        assert_eq!(
            res["partialFingerprints"]["keywarden/secretId/v1"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
    }
    assert!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("file:///")
    );
}

#[test]
fn tree_scan_sarif_is_valid_and_relative_to_the_repository_root() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(20);
    let (a, b) = (f.github(), f.openai_project());
    write(
        d,
        "sub/dir/cfg.py",
        &format!("# FAKE\r\n\tTOKEN = \"{a}\"  # é\r\n"),
    );
    write(d, "top.env", &format!("# FAKE\nOPENAI_API_KEY={b}\n"));
    let doc = sarif(&d.join("sub"), &["scan", "."], "../out.sarif");
    check_github_rules(&doc, &[&a, &b]);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let uri = &results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(
        uri, "sub/dir/cfg.py",
        "relative to the repository root, not the scanned sub-path"
    );
    assert_eq!(doc["runs"][0]["automationDetails"]["id"], "keywarden/");
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], 11);
    assert_eq!(region["endColumn"], 11 + 40);
}

#[test]
fn clean_scan_still_has_a_results_array() {
    let dir = tempdir();
    write(dir.path(), "a.txt", "nothing\n");
    let doc = sarif(dir.path(), &["scan", "."], "clean.sarif");
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
    check_github_rules(&doc, &[]);
}

#[test]
fn history_sarif_has_its_own_category_and_commit_properties() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(21);
    let key = f.anthropic();
    write(d, "old.py", &format!("# FAKE\nK = '{key}'\n"));
    let commit = commit_all(d, "key", 1_600_000_000);
    write(d, "old.py", "K = None\n");
    commit_all(d, "clean", 1_600_000_100);
    let doc = sarif(d, &["scan", "--history"], "h.sarif");
    check_github_rules(&doc, &[&key]);
    let run = &doc["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "keywarden-history/");
    let res = &run["results"][0];
    assert_eq!(res["properties"]["commit"], commit.as_str());
    assert_eq!(
        res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "old.py"
    );
    assert!(
        res["properties"]["date"]
            .as_str()
            .unwrap()
            .starts_with("2020-09-13")
    );
    assert!(
        res["message"]["text"]
            .as_str()
            .unwrap()
            .contains("the file is not in HEAD"),
        "{}",
        res["message"]["text"]
    );
}

#[test]
fn one_scan_writes_every_report_and_names_its_category() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let key = Fakes::new(22).github();
    write(d, "gone.py", &format!("# FAKE\nTOKEN = '{key}'\n"));
    let commit = commit_all(d, "key", 1_600_000_000);
    git(d, &["rm", "-q", "gone.py"]);
    commit_all(d, "remove", 1_600_000_100);
    let out = tempdir();
    let o = out.path();
    let arg = |f: &str, name: &str| format!("{f}={}", o.join(name).display());
    let run = Command::new(bin())
        .current_dir(d)
        .env("GITHUB_SERVER_URL", "https://github.example.net")
        .env("GITHUB_REPOSITORY", "acme/app")
        .args([
            "scan",
            "--history",
            "--quiet",
            "--format",
            "text",
            "--color",
            "never",
        ])
        .args(["--sarif-category", "keywarden/history"])
        .args(["--report", &arg("sarif", "r.sarif")])
        .args(["--report", &arg("json", "r.json")])
        .args(["--report", &arg("markdown", "r.md")])
        .args(["--report", &arg("github", "r.txt")])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("gone.py:2"), "text on stdout: {stdout}");
    for name in ["r.sarif", "r.json", "r.md", "r.txt"] {
        let text = std::fs::read_to_string(o.join(name)).unwrap();
        assert!(text.contains("gone.py"), "{name}: {text}");
        assert!(!text.contains(&key), "{name} leaks the secret");
    }
    assert!(
        std::fs::read_to_string(o.join("r.txt"))
            .unwrap()
            .starts_with("::error")
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(o.join("r.sarif")).unwrap()).unwrap();
    let run0 = &doc["runs"][0];
    assert_eq!(run0["automationDetails"]["id"], "keywarden/history/");
    let msg = run0["results"][0]["message"]["text"].as_str().unwrap();
    assert!(
        msg.contains(&format!(
            "https://github.example.net/acme/app/commit/{commit}"
        )),
        "{msg}"
    );
    let bad = keywarden(d, &["scan", ".", "--report", "yaml=x"]);
    assert_eq!(bad.code, 2, "{}", bad.all());
    assert!(
        bad.stderr.contains("unknown format `yaml`"),
        "{}",
        bad.stderr
    );
}
