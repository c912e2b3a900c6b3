//! Every report keywarden writes validates against its schema: SARIF against the official
//! SARIF 2.1.0 schema, JSON against `schemas/keywarden-report.schema.json` (generated from the
//! reporter's own types). The documents come from real runs in every mode: each golden case,
//! and a repository scanned as a tree, staged, as a range, as history, with `--verify` (its
//! provider unreachable, so every finding carries a verdict and its reason) and with several
//! reports from one scan. Validation is PyPI jsonschema, so these run under scripts/test.sh.

use std::path::{Path, PathBuf};

use crate::util::fakes::Fakes;
use crate::util::*;

/// A repository with a key in history only, a key a range adds, a staged key and a key
/// decoded from base64: every mode has something to report.
fn repo(d: &Path) {
    let mut f = Fakes::new(77);
    init_repo(d);
    write(d, "old.py", &format!("# FAKE\nK = '{}'\n", f.anthropic()));
    commit_all(d, "old", 1_600_000_000);
    write(d, "old.py", "K = None\n");
    commit_all(d, "clean", 1_600_000_100);
    git(d, &["tag", "base"]);
    write(d, "new.py", &format!("# FAKE\nTOKEN = '{}'\n", f.github()));
    write(d, "copy.py", &format!("# FAKE\nTOKEN = '{}'\n", f.github()));
    commit_all(d, "new", 1_600_000_200);
    write(
        d,
        "staged.env",
        &format!("# FAKE\nOPENAI_API_KEY={}\n", f.openai_project()),
    );
    git(d, &["add", "staged.env"]);
}

/// Run keywarden with `--format FORMAT --output FILE` (and `--report`s) and keep FILE.
fn produce(dir: &Path, out: &Path, name: &str, args: &[&str], format: &str) -> PathBuf {
    let file = out.join(format!("{name}.{format}"));
    let mut argv = args.to_vec();
    let file_arg = file.to_str().unwrap().to_string();
    argv.extend(["--format", format, "--output", &file_arg]);
    let run = keywarden(dir, &argv);
    assert!(run.code == 0 || run.code == 1, "{name}: {}", run.all());
    file
}

#[test]
#[ignore = "needs Python jsonschema and ../shared; run scripts/test.sh"]
fn every_report_validates_against_its_schema() {
    let out = tempdir();
    let o = out.path();
    let (mut sarif, mut json) = (Vec::new(), Vec::new());
    for case in golden_cases() {
        let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        sarif.push(produce(&case.dir, o, &case.name, &args, "sarif"));
        json.push(produce(&case.dir, o, &case.name, &args, "json"));
    }
    let dir = tempdir();
    let d = dir.path();
    repo(d);
    let verify = [
        "--verify",
        "--verify-timeout",
        "1",
        "--verify-connect-to",
        "api.github.com=127.0.0.1:9",
        "--verify-connect-to",
        "api.openai.com=127.0.0.1:9",
        "--verify-connect-to",
        "api.anthropic.com=127.0.0.1:9",
    ];
    let modes: Vec<(&str, Vec<&str>)> = vec![
        ("tree", vec!["scan", "."]),
        ("staged", vec!["scan", "--staged"]),
        ("range", vec!["scan", "--range", "base..HEAD"]),
        ("history", vec!["scan", "--history"]),
        (
            "history-all-objects",
            vec!["scan", "--history", "--all-objects"],
        ),
        ("tree-verify", [&["scan", "."][..], &verify].concat()),
        (
            "history-verify",
            [&["scan", "--history"][..], &verify].concat(),
        ),
    ];
    for (name, args) in &modes {
        sarif.push(produce(d, o, name, args, "sarif"));
        let j = produce(d, o, name, args, "json");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
        assert!(
            !doc["findings"].as_array().unwrap().is_empty(),
            "{name}: every mode has findings to validate"
        );
        if name.ends_with("verify") {
            assert!(
                doc["findings"][0]["verification"].is_string(),
                "{name}: a verdict with its reason"
            );
        }
        json.push(j);
    }
    let sarif: Vec<&Path> = sarif.iter().map(PathBuf::as_path).collect();
    let json: Vec<&Path> = json.iter().map(PathBuf::as_path).collect();
    assert_valid_sarif(&sarif);
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/keywarden-report.schema.json");
    assert_valid_json(&schema, &json);
}
