//! The scanner as a user runs it: golden cases over fixture folders, exit codes, redaction,
//! walking rules, and the odd files a tree can hold.

use crate::util::fakes::Fakes;
use crate::util::*;

/// The golden cases (fixtures/cases/*): the findings and exit code each `expect.txt` names.
#[test]
fn golden_cases_report_what_expect_txt_names() {
    let cases = golden_cases();
    assert!(cases.len() >= 4);
    for GoldenCase {
        dir: case,
        copy: _copy,
        mut args,
        exit: code,
        mut want,
        ..
    } in cases
    {
        args.extend(["--format".into(), "json".into()]);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = keywarden(&case, &argv);
        assert_eq!(run.code, code, "case {}: {}", case.display(), run.all());
        let mut got: Vec<String> = findings(&run)
            .into_iter()
            .map(|(r, p, l)| format!("{r} {p}:{l}"))
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "case {}", case.display());
        let text = keywarden(&case, &["scan", "."]);
        assert_eq!(text.code, code);
    }
}

#[test]
fn planted_key_names_file_and_line_and_is_redacted_everywhere() {
    let dir = tempdir();
    let mut f = Fakes::new(1);
    let key = f.openai_project();
    write(
        dir.path(),
        "src/app.py",
        &format!("# FAKE key for a test\nimport os\nclient = OpenAI(api_key=\"{key}\")\n"),
    );
    let text = keywarden(dir.path(), &["scan", "."]);
    assert_eq!(text.code, 1, "{}", text.all());
    assert!(text.stdout.contains("src/app.py:3:"), "{}", text.stdout);
    assert!(text.stdout.contains("openai-project-key"));
    assert!(
        text.stdout.contains(&format!("{}…(164 chars)", &key[..12])),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("platform.openai.com/api-keys"),
        "checklist shown"
    );
    assert_no_secret(&text, &[&key]);
    for format in ["json", "sarif"] {
        let run = keywarden(dir.path(), &["scan", ".", "--format", format]);
        assert_eq!(run.code, 1);
        assert_no_secret(&run, &[&key]);
    }
    let out = dir.path().join("report.json");
    let run = keywarden(
        dir.path(),
        &[
            "scan",
            "src",
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(!written.contains(&key));
    assert!(written.contains("\"line\": 3"), "{written}");
    let shown = keywarden(
        dir.path(),
        &["scan", ".", "--format", "json", "--show-secrets"],
    );
    assert!(shown.stdout.contains(&key), "--show-secrets reveals");
}

#[test]
fn clean_folder_exits_zero_and_summary_counts_files() {
    let dir = tempdir();
    write(dir.path(), "a.txt", "nothing to see\n");
    write(dir.path(), "b/c.rs", "fn main() {}\n");
    let run = keywarden(dir.path(), &["scan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("0 finding(s), 2 file(s)"),
        "{}",
        run.stdout
    );
}

#[test]
fn malformed_config_is_exit_2_naming_file_line_and_field() {
    let dir = tempdir();
    write(
        dir.path(),
        ".keywarden.yaml",
        "fail_on: high\nallow:\n  pathz: [\"x\"]\n",
    );
    let run = keywarden(dir.path(), &["scan", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(".keywarden.yaml"), "{}", run.stderr);
    assert!(run.stderr.contains("line 3"), "{}", run.stderr);
    assert!(run.stderr.contains("pathz"), "{}", run.stderr);
    let bad_sev = dir.path().join("sev.yaml");
    std::fs::write(&bad_sev, "fail_on: urgent\n").unwrap();
    let run = keywarden(
        dir.path(),
        &["scan", ".", "--config", bad_sev.to_str().unwrap()],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("sev.yaml") && run.stderr.contains("line 1"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_arguments_are_exit_2() {
    let dir = tempdir();
    assert_eq!(keywarden(dir.path(), &["scan", "--format", "xml"]).code, 2);
    assert_eq!(keywarden(dir.path(), &["scan", "does-not-exist"]).code, 2);
    assert_eq!(
        keywarden(dir.path(), &["scan", "--max-file-size", "lots"]).code,
        2
    );
}

#[test]
fn rules_check_passes_and_list_names_every_pack() {
    let dir = tempdir();
    let run = keywarden(dir.path(), &["rules", "check"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("all sound"));
    let list = keywarden(dir.path(), &["rules", "list"]);
    for id in [
        "openai-project-key",
        "anthropic-api-key",
        "stripe-live-secret-key",
        "apikee-customer-key",
        "github-token",
        "private-key",
    ] {
        assert!(list.stdout.contains(id), "{id} missing");
    }
}

#[test]
fn walker_scans_dotfiles_honours_ignore_files_and_reads_binaries_for_provider_keys() {
    let dir = tempdir();
    let mut f = Fakes::new(2);
    let (a, b, c) = (f.anthropic(), f.anthropic(), f.anthropic());
    write(
        dir.path(),
        ".env",
        &format!("# FAKE\nANTHROPIC_API_KEY={a}\n"),
    );
    write(dir.path(), ".gitignore", "build/\ncfg.yaml\n");
    write(dir.path(), "cfg.yaml", "packs:\n  hygiene: false\n");
    write(dir.path(), "build/out.txt", &format!("# FAKE\nkey={b}\n"));
    // A string table: NUL-separated, as a compiler writes one.
    let mut binary = b"\x00\x01\x02binary\x00".to_vec();
    binary.extend_from_slice(c.as_bytes());
    std::fs::write(dir.path().join("blob.bin"), binary).unwrap();
    let run = keywarden(
        dir.path(),
        &["scan", ".", "--format", "json", "--config", "cfg.yaml"],
    );
    let got = findings(&run);
    assert_eq!(
        got,
        vec![
            ("anthropic-api-key".into(), ".env".into(), 2),
            ("anthropic-api-key".into(), "blob.bin".into(), 1)
        ]
    );
    assert_eq!(json(&run)["summary"]["binary"], 1);
    let all = keywarden(
        dir.path(),
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--no-ignore",
            "--config",
            "cfg.yaml",
        ],
    );
    assert_eq!(findings(&all).len(), 3, "{}", all.stdout);
}

#[test]
fn odd_encodings_and_long_lines_still_find_the_key() {
    let dir = tempdir();
    let mut f = Fakes::new(3);
    let (crlf, bad_utf8, utf16, minified) = (f.github(), f.github(), f.github(), f.github());
    write(
        dir.path(),
        "crlf.txt",
        &format!("# FAKE\r\ntoken = {crlf}\r\n"),
    );
    let mut raw = b"\xff\xfe\xfd garbage ".to_vec();
    raw.extend_from_slice(format!("GITHUB_TOKEN={bad_utf8} ").as_bytes());
    raw.extend_from_slice(b"\xc3\x28\n");
    std::fs::write(dir.path().join("latin.txt"), raw).unwrap();
    let text16 = format!("# FAKE\nGITHUB_TOKEN={utf16}\n");
    let mut bytes16 = vec![0xFF, 0xFE];
    bytes16.extend(text16.encode_utf16().flat_map(|u| u.to_le_bytes()));
    std::fs::write(dir.path().join("utf16.txt"), bytes16).unwrap();
    let mut big = "var a=1;".repeat(600_000);
    big.push_str(&format!("var t=\"{minified}\";"));
    big.push_str(&"var b=2;".repeat(100_000));
    write(dir.path(), "bundle.min.js", &big);
    write(dir.path(), "empty.txt", "");
    let run = keywarden(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1);
    let got = findings(&run);
    let paths: Vec<&str> = got.iter().map(|(_, p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        vec!["bundle.min.js", "crlf.txt", "latin.txt", "utf16.txt"],
        "{}",
        run.all()
    );
    let ctx = &json(&run)["findings"][0]["context"];
    assert!(
        ctx.as_str().unwrap().len() < 400,
        "context of a minified line is bounded"
    );
    assert_no_secret(&run, &[&crlf, &bad_utf8, &utf16, &minified]);
}

#[test]
fn oversized_files_are_skipped_with_a_warning_and_a_count() {
    let dir = tempdir();
    let mut f = Fakes::new(4);
    write(
        dir.path(),
        "big.txt",
        &format!("# FAKE\n{}\n{}", f.github(), "x".repeat(5000)),
    );
    let run = keywarden(
        dir.path(),
        &["scan", ".", "--max-file-size", "1KiB", "--format", "json"],
    );
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("big.txt") && run.stderr.contains("max-file-size"),
        "{}",
        run.stderr
    );
    assert_eq!(json(&run)["summary"]["skipped_large"], 1);
}

#[cfg(unix)]
#[test]
fn fifos_are_never_opened_and_symlinks_not_followed() {
    let dir = tempdir();
    let mut f = Fakes::new(5);
    let outside = tempdir();
    write(
        outside.path(),
        "secret.txt",
        &format!("# FAKE\ntoken={}\n", f.github()),
    );
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("link.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("dangling")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    let run = keywarden(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(findings(&run).is_empty());
    let followed = keywarden(
        dir.path(),
        &["scan", ".", "--format", "json", "--follow-links"],
    );
    assert_eq!(findings(&followed).len(), 1, "{}", followed.all());
}

#[test]
fn broken_pipe_exits_quietly() {
    let dir = tempdir();
    let mut f = Fakes::new(6);
    for i in 0..200 {
        write(
            dir.path(),
            &format!("f{i}.txt"),
            &format!("# FAKE\ntoken={}\n", f.github()),
        );
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("'{}' scan . | head -n 1", bin().display()))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("error") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn most_specific_rule_wins_and_checksums_decide() {
    let dir = tempdir();
    let mut f = Fakes::new(7);
    let platform = f.apikee_platform();
    let stripe = f.stripe_live();
    let good = f.github();
    let mut bad = good.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == 'A' { 'B' } else { 'A' });
    write(
        dir.path(),
        "keys.txt",
        &format!(
            "# FAKE\nAPIKEE_PLATFORM_KEY={platform}\nSTRIPE_KEY={stripe}\nGH_TOKEN={good}\nOLD_TOKEN_VALUE={bad}\n"
        ),
    );
    let run = keywarden(dir.path(), &["scan", ".", "--format", "json"]);
    let got: Vec<(String, u64)> = findings(&run).into_iter().map(|(r, _, l)| (r, l)).collect();
    assert_eq!(
        got,
        vec![
            ("apikee-platform-key".into(), 2),
            ("stripe-live-secret-key".into(), 3),
            ("github-token".into(), 4)
        ],
        "{}",
        run.stdout
    );
}

#[test]
fn inline_allow_suppresses_and_is_counted() {
    let dir = tempdir();
    let mut f = Fakes::new(8);
    let (a, b, c, d) = (f.github(), f.github(), f.github(), f.github());
    write(
        dir.path(),
        "t.py",
        &format!(
            "A = \"{a}\"  # keywarden:allow\nB = \"{b}\"  # keywarden:allow github-token\nC = \"{c}\"  # keywarden:allow openai-project-key\nD = \"{d}\"  # pragma: allowlist secret\n"
        ),
    );
    let run = keywarden(dir.path(), &["scan", ".", "--format", "json"]);
    let got: Vec<u64> = findings(&run).into_iter().map(|(_, _, l)| l).collect();
    assert_eq!(
        got,
        vec![3],
        "only the allow naming another rule still fires"
    );
    assert_eq!(json(&run)["summary"]["suppressed"], 3);
    let text = keywarden(dir.path(), &["scan", "."]);
    assert!(text.stdout.contains("3 suppressed"), "{}", text.stdout);
    let audit = keywarden(
        dir.path(),
        &["scan", ".", "--format", "json", "--no-inline-allow"],
    );
    assert_eq!(findings(&audit).len(), 4);
}

#[test]
fn fail_on_sets_the_threshold_for_exit_1() {
    let dir = tempdir();
    let mut f = Fakes::new(9);
    let test_key = format!("sk_test_{}", f.s(crate::util::fakes::ALNUM, 40));
    write(
        dir.path(),
        "t.env",
        &format!("# FAKE\nSTRIPE_KEY={test_key}\n"),
    );
    assert_eq!(keywarden(dir.path(), &["scan", "."]).code, 1);
    let run = keywarden(dir.path(), &["scan", ".", "--fail-on", "high"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("stripe-test-secret-key"),
        "still reported"
    );
}

#[test]
fn one_secret_in_three_files_is_one_finding_with_three_locations() {
    let dir = tempdir();
    let mut f = Fakes::new(7);
    let key = f.stripe_live();
    for p in ["a.py", "b/c.js", "d.env.sh"] {
        write(
            dir.path(),
            p,
            &format!("# FAKE key for a test\nSTRIPE = \"{key}\"\n"),
        );
    }
    let text = keywarden(dir.path(), &["scan", "."]);
    assert_eq!(text.code, 1, "{}", text.all());
    assert_eq!(
        text.stdout.matches("stripe-live-secret-key").count(),
        1,
        "{}",
        text.stdout
    );
    assert_eq!(text.stdout.matches("rotate:").count(), 1, "one checklist");
    for place in [
        "at      a.py:2:",
        "also at b/c.js:2:",
        "also at d.env.sh:2:",
    ] {
        assert!(text.stdout.contains(place), "{place} in {}", text.stdout);
    }
    assert!(
        text.stdout
            .contains("Move the value out of a.py, b/c.js, d.env.sh")
    );
    assert!(text.stdout.contains("keywarden: 1 finding(s), 3 file(s)"));
    let j = json(&keywarden(dir.path(), &["scan", ".", "--format", "json"]));
    assert_eq!(j["findings"].as_array().unwrap().len(), 1);
    assert_eq!(j["findings"][0]["locations"].as_array().unwrap().len(), 3);
    assert_eq!(j["findings"][0]["path"], "a.py");
    let sarif = keywarden(dir.path(), &["scan", ".", "--format", "sarif"]);
    let doc: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(
        doc["runs"][0]["results"].as_array().unwrap().len(),
        3,
        "one result per location"
    );
    assert_no_secret(&text, &[&key]);
}

/// The README names every command and every `scan` option, and docs/usage.md explains each
/// option: a new flag without documentation fails here.
#[test]
fn every_command_and_option_is_documented() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let usage = std::fs::read_to_string(root.join("docs/usage.md")).unwrap();
    let tmp = tempdir();
    let help = keywarden(tmp.path(), &["--help"]).stdout;
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 8, "{help}");
    for c in commands {
        assert!(
            readme.contains(&format!("keywarden {c}")),
            "README lacks `keywarden {c}`"
        );
    }
    let scan_help = keywarden(tmp.path(), &["scan", "--help"]).stdout;
    let options: Vec<&str> = scan_help
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| l.split([' ', ',', '=', '<']).find(|w| w.starts_with("--")))
        .filter(|o| *o != "--help")
        .collect();
    assert!(options.len() >= 25, "{scan_help}");
    for o in options {
        assert!(readme.contains(o), "README lacks {o}");
        assert!(usage.contains(o), "docs/usage.md does not explain {o}");
    }
}
