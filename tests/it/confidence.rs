//! Confidence on every finding, and where it comes from: a generic value found only in test,
//! docs or example paths, or a weak one, is `low` (hidden by default, counted, shown with
//! `--min-confidence low`); a vendor key whose checksum holds is `high` wherever it is; a
//! vendor layout without a checksum is `low` among test vectors but stays `medium` in docs (a
//! README with a real key is a classic leak); a published example key is never reported;
//! vendored dependency trees are skipped by tree scans and counted. Every key here is FAKE,
//! made in the real shape, except the published examples, which are public.

use crate::util::fakes::{ALNUM, Fakes};
use crate::util::*;

/// (rule id, path, confidence) of every finding.
fn judged(run: &Run) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = json(run)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["confidence"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn context_lowers_generic_values_never_a_checksummed_key() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(90);
    let (in_src, in_test) = (f.s(ALNUM, 32), f.s(ALNUM, 32));
    let gh = f.github();
    let stripe = f.stripe_live();
    let in_readme = f.stripe_live();
    write(
        d,
        "docs/README.md",
        &format!("FAKE key for the docs: `{in_readme}`\n"),
    );
    write(
        d,
        "src/aws.py",
        "# published by AWS as an example\nAWS_ACCESS_KEY_ID = \"AKIAIOSFODNN7EXAMPLE\"\n",
    );
    write(
        d,
        "src/app.py",
        &format!("# FAKE\nAPI_SECRET = \"{in_src}\"\n"),
    );
    write(
        d,
        "tests/test_app.py",
        &format!("# FAKE\nAPI_SECRET = \"{in_test}\"\nTOKEN = \"{gh}\"\nSTRIPE = \"{stripe}\"\n"),
    );
    write(
        d,
        "examples/settings.py",
        &format!("# FAKE\nAPI_SECRET = \"{}\"\n", f.s(ALNUM, 24)),
    );
    // A weak password in a connection URL: low wherever it is.
    write(
        d,
        "src/db.py",
        "# FAKE\nDATABASE_URL = \"postgres://app:Tr0ub4d@db.prod.example.net/app\"\n",
    );
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        judged(&run),
        vec![
            (
                "generic-secret-assignment".into(),
                "src/app.py".into(),
                "medium".into()
            ),
            (
                "github-token".into(),
                "tests/test_app.py".into(),
                "high".into()
            ),
            (
                "stripe-live-secret-key".into(),
                "docs/README.md".into(),
                "medium".into()
            ),
        ],
        "{}",
        run.stdout
    );
    let summary = &json(&run)["summary"];
    assert_eq!(summary["below_confidence"], 4, "{summary}");
    let all = keywarden(
        d,
        &["scan", ".", "--format", "json", "--min-confidence", "low"],
    );
    let low: Vec<_> = judged(&all)
        .into_iter()
        .filter(|(_, _, c)| c == "low")
        .map(|(_, p, _)| p)
        .collect();
    assert!(low.contains(&"tests/test_app.py".to_string()), "{low:?}");
    assert!(low.contains(&"examples/settings.py".to_string()), "{low:?}");
    assert!(low.contains(&"src/db.py".to_string()), "{low:?}");
    assert!(
        judged(&all).contains(&(
            "stripe-live-secret-key".into(),
            "tests/test_app.py".into(),
            "low".into()
        )),
        "test vectors: {}",
        all.stdout
    );
    assert!(!all.stdout.contains("src/aws.py"), "a published example");
    let why = keywarden(d, &["explain", "--line", "src/aws.py:2"]);
    assert!(
        why.stdout.contains("published example (AWS documentation"),
        "{}",
        why.stdout
    );
    let high = keywarden(
        d,
        &["scan", ".", "--format", "json", "--min-confidence", "high"],
    );
    assert_eq!(
        judged(&high),
        vec![(
            "github-token".into(),
            "tests/test_app.py".into(),
            "high".into()
        )]
    );
    // SARIF ranks by confidence; the text says it.
    let sarif = keywarden(
        d,
        &["scan", ".", "--format", "sarif", "--min-confidence", "low"],
    );
    let doc: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["rank"] == 90.0 && r["properties"]["confidence"] == "high")
    );
    assert!(
        results
            .iter()
            .any(|r| r["rank"] == 30.0 && r["level"] == "note")
    );
    let text = keywarden(d, &["scan", "src", "--color", "never"]);
    assert!(text.stdout.contains("medium confidence"), "{}", text.stdout);
    assert_no_secret(&all, &[&in_src, &in_test, &gh, &stripe, &in_readme]);
}

#[test]
fn a_test_certificates_key_is_low_and_vendored_trees_are_skipped_unless_named() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(91);
    let body: String = (0..20).map(|_| f.s(ALNUM, 64) + "\n").collect();
    let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n");
    write(d, "testdata/certs/server.key", &pem);
    let key = f.openai_project();
    write(
        d,
        "node_modules/pkg/index.js",
        &format!("// FAKE\nconst k = \"{key}\";\n"),
    );
    write(
        d,
        "vendor/lib/app.rb",
        &format!("# FAKE\nKEY = \"{key}\"\n"),
    );
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let summary = &json(&run)["summary"];
    assert_eq!(summary["vendored"], 2, "{summary}");
    assert!(
        summary["below_confidence"].as_u64().unwrap() >= 1,
        "{summary}"
    );
    let low = keywarden(
        d,
        &["scan", ".", "--format", "json", "--min-confidence", "low"],
    );
    assert!(
        judged(&low).contains(&(
            "private-key".into(),
            "testdata/certs/server.key".into(),
            "low".into()
        )),
        "{}",
        low.stdout
    );
    let all = keywarden(d, &["scan", ".", "--format", "json", "--include-vendored"]);
    assert_eq!(all.code, 1);
    assert_eq!(
        json(&all)["findings"][0]["locations"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let named = keywarden(d, &["scan", "node_modules/pkg", "--format", "json"]);
    assert_eq!(
        named.code,
        1,
        "a vendored tree the user names is scanned: {}",
        named.all()
    );
    assert_no_secret(&all, &[&key]);
}
