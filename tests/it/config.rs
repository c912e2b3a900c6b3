//! `.keywarden.yaml`, custom rules, allowlists and baselines, as a team adopting the scanner
//! uses them.

use crate::util::fakes::Fakes;
use crate::util::*;

const CUSTOM: &str = r#"
rules:
  - id: acme-internal-token
    name: ACME internal token
    severity: high
    keywords: [acme_]
    pattern: '(?P<secret>acme_[a-z0-9]{24})'
    examples: ['TOKEN=acme_k3v9q2m7x1p8w4r6t0z5y2b8']
    negative_examples: ['acme_short']
    rotate:
      steps: [Revoke it in the ACME console.]
"#;

#[test]
fn custom_rule_fires_and_a_failing_example_is_rejected() {
    let dir = tempdir();
    let d = dir.path();
    write(d, ".keywarden.yaml", CUSTOM);
    write(
        d,
        "app.cfg",
        "# FAKE\ntoken = acme_zyxwvutsrqponmlkjihgfedc\n",
    );
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(
        findings(&run),
        vec![("acme-internal-token".into(), "app.cfg".into(), 2)],
        "{}",
        run.all()
    );
    let list = keywarden(d, &["rules", "list"]);
    assert!(list.stdout.contains("acme-internal-token"));

    write(
        d,
        ".keywarden.yaml",
        &CUSTOM.replace("acme_k3v9q2m7x1p8w4r6t0z5y2b8", "acme_tooshort"),
    );
    let run = keywarden(d, &["scan", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(".keywarden.yaml") && run.stderr.contains("acme-internal-token"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("example does not produce a finding"),
        "{}",
        run.stderr
    );

    write(
        d,
        ".keywarden.yaml",
        &CUSTOM.replace(
            "(?P<secret>acme_[a-z0-9]{24})",
            "(?P<secret>acme_[a-z0-9]{24}",
        ),
    );
    let run = keywarden(d, &["scan", "."]);
    assert_eq!(run.code, 2, "a bad regex is exit 2");
    assert!(run.stderr.contains("acme-internal-token"), "{}", run.stderr);
}

#[test]
fn unknown_fields_and_wrong_types_name_the_field() {
    let dir = tempdir();
    let d = dir.path();
    for (yaml, want) in [
        ("disable: [github-token]\nfail_onn: high\n", "fail_onn"),
        ("fail_on: 3\n", "line 1"),
        (
            "rules:\n  - id: x-y\n    name: n\n    severity: low\n    keywords: [a]\n    pattern: '(?P<secret>a)'\n    colour: red\n",
            "colour",
        ),
        ("packs:\n  nosuchpack: false\n", "nosuchpack"),
        ("disable: [no-such-rule]\n", "no-such-rule"),
    ] {
        write(d, ".keywarden.yaml", yaml);
        let run = keywarden(d, &["scan", "."]);
        assert_eq!(run.code, 2, "{yaml}");
        assert!(
            run.stderr.contains(".keywarden.yaml") && run.stderr.contains(want),
            "{yaml}: {}",
            run.stderr
        );
    }
}

#[test]
fn packs_rules_paths_and_secrets_can_be_turned_off() {
    let dir = tempdir();
    let d = dir.path();
    let mut f = Fakes::new(30);
    let (gh, oa, st) = (f.github(), f.openai_project(), f.stripe_live());
    write(
        d,
        "a.txt",
        &format!("# FAKE\nGH={gh}\nOPENAI_API_KEY={oa}\nSTRIPE={st}\n"),
    );
    write(d, "vendor/b.txt", &format!("# FAKE\nGH={gh}\n"));
    write(
        d,
        ".keywarden.yaml",
        &format!(
            "packs:\n  openai: false\n  generic: false\ndisable: [stripe-live-secret-key]\nallow:\n  paths: ['vendor/**']\n  secrets: ['^{}.*$']\n",
            &gh[..10]
        ),
    );
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        json(&run)["summary"]["suppressed"],
        1,
        "config allowlist counts as suppressed"
    );
}

#[test]
fn config_sets_fail_on_and_max_file_size() {
    let dir = tempdir();
    let d = dir.path();
    let mut f = Fakes::new(31);
    write(
        d,
        "t.txt",
        &format!("# FAKE\nK=sk_test_{}\n", f.s(crate::util::fakes::ALNUM, 30)),
    );
    write(
        d,
        "big.txt",
        &format!("# FAKE\nK={}\n{}", f.github(), "x".repeat(4000)),
    );
    write(d, ".keywarden.yaml", "fail_on: high\nmax_file_size: 2KiB\n");
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(json(&run)["summary"]["skipped_large"], 1);
    assert_eq!(json(&run)["summary"]["below_threshold"], 1);
}

#[test]
fn yaml_bombs_are_bounded_and_exit_2() {
    let dir = tempdir();
    let d = dir.path();
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, prev) in ('b'..='j').zip('a'..='i') {
        bomb.push_str(&format!(
            "{i}: &{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    write(d, ".keywarden.yaml", &bomb);
    let started = std::time::Instant::now();
    let run = keywarden(d, &["scan", "."]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(started.elapsed().as_secs() < 20);
    let deep = format!("disable: {}{}\n", "[".repeat(5000), "]".repeat(5000));
    write(d, ".keywarden.yaml", &deep);
    assert_eq!(keywarden(d, &["scan", "."]).code, 2);
    std::fs::write(d.join(".keywarden.yaml"), b"fail_on: \xff\xfe high\n").unwrap();
    let run = keywarden(d, &["scan", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("UTF-8"), "{}", run.stderr);
}

#[test]
fn baseline_round_trip_survives_edits_but_not_new_secrets() {
    let dir = tempdir();
    let d = dir.path();
    let mut f = Fakes::new(32);
    let (old, new) = (f.github(), f.github());
    write(d, "src/a.py", &format!("# FAKE\nT = '{old}'\n"));
    let base = d.join(".keywarden-baseline.json");
    let run = keywarden(d, &["baseline", ".", "--output", base.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    let text = std::fs::read_to_string(&base).unwrap();
    assert!(
        !text.contains(&old),
        "baselines hold fingerprints, never secrets"
    );
    assert!(!text.contains("\"line\""), "no line numbers");
    assert!(text.contains("github-token") && text.contains("src/a.py"));
    let b = base.to_str().unwrap();
    assert_eq!(keywarden(d, &["scan", ".", "--baseline", b]).code, 0);

    // Moving lines and editing elsewhere changes nothing.
    write(
        d,
        "src/a.py",
        &format!("# FAKE\nimport os\n\n\nX = 1\nT = '{old}'\n"),
    );
    let run = keywarden(d, &["scan", ".", "--baseline", b, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(json(&run)["summary"]["baselined"], 1);
    // A new secret on the baselined line is new.
    write(
        d,
        "src/a.py",
        &format!("# FAKE\nimport os\n\n\nX = 1\nT = '{old}'; U = '{new}'\n"),
    );
    let run = keywarden(d, &["scan", ".", "--baseline", b, "--format", "json"]);
    assert_eq!(
        findings(&run),
        vec![("github-token".into(), "src/a.py".into(), 6)]
    );
    // The same secret copied to another file is new.
    write(d, "src/a.py", &format!("# FAKE\nT = '{old}'\n"));
    write(d, "src/b.py", &format!("# FAKE\nT = '{old}'\n"));
    let run = keywarden(d, &["scan", ".", "--baseline", b, "--format", "json"]);
    assert_eq!(
        findings(&run),
        vec![("github-token".into(), "src/b.py".into(), 2)]
    );
}

#[test]
fn update_baseline_keeps_reasons_and_drops_stale_entries() {
    let dir = tempdir();
    let d = dir.path();
    let mut f = Fakes::new(33);
    let (a, b) = (f.github(), f.github());
    write(d, "a.txt", &format!("# FAKE\n{a}\n"));
    write(d, "b.txt", &format!("# FAKE\n{b}\n"));
    let base = d.join("bl.json");
    keywarden(d, &["baseline", ".", "-o", base.to_str().unwrap()]);
    let text = std::fs::read_to_string(&base).unwrap().replacen(
        "\"fingerprint\"",
        "\"reason\": \"test fixture\",\n      \"fingerprint\"",
        1,
    );
    std::fs::write(&base, &text).unwrap();
    std::fs::remove_file(d.join("b.txt")).unwrap();
    let run = keywarden(
        d,
        &[
            "scan",
            ".",
            "--baseline",
            base.to_str().unwrap(),
            "--update-baseline",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("1 dropped"), "{}", run.stderr);
    let after = std::fs::read_to_string(&base).unwrap();
    assert!(after.contains("test fixture"), "reason kept: {after}");
    assert!(!after.contains("b.txt"));
}

#[test]
fn explain_takes_a_rule_id_or_a_fingerprint() {
    let dir = tempdir();
    let d = dir.path();
    let run = keywarden(d, &["explain", "github-token"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("github.com/settings/tokens") && run.stdout.contains("GithubChecksum"),
        "{}",
        run.stdout
    );
    let mut f = Fakes::new(34);
    let key = f.github();
    write(d, "k.txt", &format!("# FAKE\n{key}\n"));
    let scan = keywarden(d, &["scan", ".", "--format", "json"]);
    let fp = json(&scan)["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let run = keywarden(d, &["explain", &fp]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("k.txt:2"), "{}", run.stdout);
    assert_no_secret(&run, &[&key]);
    assert_eq!(keywarden(d, &["explain", "nonsense"]).code, 2);
}

#[test]
fn the_passwords_pack_is_opt_in() {
    let dir = tempdir();
    let d = dir.path();
    write(
        d,
        "db.py",
        "# FAKE password for a test\npassword = \"hunter2\"\n",
    );
    let off = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(off.code, 0, "off by default: {}", off.all());
    write(d, ".keywarden.yaml", "packs:\n  passwords: true\n");
    // A weak password is low confidence: counted, not reported, at the default level.
    let hidden = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(hidden.code, 0, "{}", hidden.all());
    assert_eq!(json(&hidden)["summary"]["below_confidence"], 1);
    let on = keywarden(
        d,
        &["scan", ".", "--format", "json", "--min-confidence", "low"],
    );
    assert_eq!(on.code, 1, "{}", on.all());
    assert_eq!(
        findings(&on),
        vec![("weak-password-assignment".into(), "db.py".into(), 2)]
    );
    assert_eq!(json(&on)["findings"][0]["severity"], "low");
    assert_eq!(json(&on)["findings"][0]["confidence"], "low");
    let why = keywarden(
        d,
        &[
            "explain",
            "--line",
            "db.py:2",
            "--config",
            ".keywarden.yaml",
        ],
    );
    assert!(
        why.stdout.contains("low confidence (a weak value, under"),
        "{}",
        why.stdout
    );
}

#[test]
fn explain_line_says_which_rule_saw_a_value_and_what_dropped_it() {
    let dir = tempdir();
    let d = dir.path();
    let mut f = Fakes::new(31);
    let key = f.s(crate::util::fakes::ALNUM, 32);
    write(
        d,
        "app.py",
        &format!(
            "# FAKE values for a test\nAPI_KEY = \"{key}\"\nAPI_KEY = \"YOUR_API_KEY\"\nAPI_KEY = \"{key}\"  # keywarden:allow\nlet token = self.token;\n"
        ),
    );
    let why = |n: usize| keywarden(d, &["explain", "--line", &format!("app.py:{n}")]);
    let reported = why(2);
    assert_eq!(reported.code, 0, "{}", reported.all());
    assert!(
        reported.stdout.contains("generic-secret-assignment saw"),
        "{}",
        reported.stdout
    );
    assert!(
        reported.stdout.contains(": reported"),
        "{}",
        reported.stdout
    );
    assert!(why(3).stdout.contains("placeholder"), "{}", why(3).stdout);
    assert!(why(4).stdout.contains("inline marker"), "{}", why(4).stdout);
    assert!(
        why(5).stdout.contains("no rule's pattern sees a secret"),
        "{}",
        why(5).stdout
    );
    assert_no_secret(&reported, &[&key]);
    let bad = keywarden(d, &["explain", "--line", "app.py"]);
    assert_eq!(bad.code, 2);
    // A line past the end is an error that says how long the file is, not an empty answer.
    let past = why(99);
    assert_eq!(past.code, 2, "{}", past.all());
    assert!(past.stderr.contains("has 5 line(s)"), "{}", past.all());
    assert_eq!(why(0).code, 2);
}

#[test]
fn a_bad_regex_in_the_config_names_its_file_line_and_field() {
    let dir = tempdir();
    let d = dir.path();
    let cases = [
        (
            "# team config\nallow:\n  secrets:\n    - '([unclosed'\n",
            "line 4: field allow.secrets",
        ),
        (
            "allow:\n  lines:\n    - 'ok.*'\n    - '(?P<x'\n",
            "line 4: field allow.lines",
        ),
        (
            "rules:\n  - id: acme-token\n    name: ACME\n    severity: high\n    keywords: [acme_]\n    pattern: \"(?P<secret>acme_[a-z\"\n    examples: ['acme_k3v9q2m7x1p8w4r6t0z5y2b8']\n    rotate:\n      steps: [Revoke it.]\n",
            "line 6: field rules: rule \"acme-token\": pattern",
        ),
    ];
    for (text, says) in cases {
        write(d, ".keywarden.yaml", text);
        let run = keywarden(d, &["scan", "."]);
        assert_eq!(run.code, 2, "{text}: {}", run.all());
        assert!(
            run.stderr.contains(".keywarden.yaml") && run.stderr.contains(says),
            "{says}: {}",
            run.stderr
        );
    }
}
