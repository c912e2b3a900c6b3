//! Hostile input and failure: nothing a repository or a config holds may crash or hang the
//! scanner, or make it report clean when it is not; and no output path leaks a secret.

use std::os::unix::ffi::OsStrExt;
use std::process::Command;

use crate::util::fakes::Fakes;
use crate::util::*;

/// One keywarden run with `--stats`, and its peak RSS in MiB as the binary reports it (its own
/// VmHWM from /proc, so no outside tool is needed); `None` only where there is no /proc.
fn peak_rss_mib(dir: &std::path::Path, args: &[&str]) -> (Run, Option<u64>) {
    let mut argv = args.to_vec();
    argv.push("--stats");
    let run = keywarden(dir, &argv);
    let kib = run
        .stderr
        .lines()
        .find(|l| l.contains("peak memory (VmHWM)"))
        .and_then(|l| l.split_whitespace().find_map(|w| w.parse::<u64>().ok()));
    if cfg!(target_os = "linux") {
        assert!(kib.is_some(), "no peak memory line: {}", run.stderr);
    }
    (run, kib.map(|k| k / 1024))
}

#[test]
fn deep_directories_and_non_utf8_names() {
    let dir = tempdir();
    let mut f = Fakes::new(60);
    let mut deep = dir.path().to_path_buf();
    for i in 0..60 {
        deep.push(format!("d{i}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("k.txt"), format!("# FAKE\n{}\n", f.github())).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff.txt");
    std::fs::write(dir.path().join(name), format!("# FAKE\nT={}\n", f.github())).unwrap();
    let run = keywarden(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let got = findings(&run);
    assert_eq!(got.len(), 2, "{}", run.stdout);
    assert!(got.iter().any(|(_, p, _)| p.starts_with("caf")), "{got:?}");
    assert!(got.iter().any(|(_, p, _)| p.ends_with("d59/k.txt")));
}

#[test]
fn a_missing_object_is_named_and_never_a_clean_exit() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(61);
    write(d, "a.txt", "clean\n");
    write(d, "b.txt", &format!("# FAKE\n{}\n", f.github()));
    commit_all(d, "c", 1_600_000_000);
    let blob = git(d, &["rev-parse", "HEAD:a.txt"]);
    std::fs::remove_file(d.join(format!(".git/objects/{}/{}", &blob[..2], &blob[2..]))).unwrap();
    let run = keywarden(d, &["scan", "--history", "--format", "json"]);
    assert!(
        run.stderr.contains(&blob),
        "the warning names the object: {}",
        run.stderr
    );
    assert_eq!(
        run.code,
        1,
        "the rest is still scanned and the finding still reported: {}",
        run.all()
    );
    write(d, "b.txt", "clean now\n");
    commit_all(d, "clean", 1_600_000_100);
    let run = keywarden(d, &["scan", "--history", "--format", "json"]);
    assert_ne!(
        run.code,
        0,
        "an incomplete scan is not clean: {}",
        run.all()
    );

    let tree = git(d, &["rev-parse", "HEAD^{tree}"]);
    std::fs::remove_file(d.join(format!(".git/objects/{}/{}", &tree[..2], &tree[2..]))).unwrap();
    let run = keywarden(d, &["scan", "--history"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains(&tree), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn bare_repositories_and_thousands_of_refs() {
    let dir = tempdir();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    init_repo(&src);
    let mut f = Fakes::new(62);
    write(&src, "k.txt", &format!("# FAKE\n{}\n", f.github()));
    let head = commit_all(&src, "k", 1_600_000_000);
    let refs: String = (0..3000)
        .map(|i| format!("create refs/tags/t{i} {head}\n"))
        .collect();
    let mut child = Command::new("git")
        .args(["update-ref", "--stdin"])
        .current_dir(&src)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), refs.as_bytes()).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    git(
        dir.path(),
        &["clone", "-q", "--bare", src.to_str().unwrap(), "bare.git"],
    );
    let run = keywarden(
        &dir.path().join("bare.git"),
        &["scan", "--history", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let v = json(&run);
    assert_eq!(
        v["findings"][0]["refs"].as_array().unwrap().len(),
        3002,
        "3000 tags, main and HEAD"
    );
}

#[test]
fn staged_inside_a_submodule() {
    let dir = tempdir();
    let sub = dir.path().join("lib");
    std::fs::create_dir(&sub).unwrap();
    init_repo(&sub);
    write(&sub, "x.txt", "x\n");
    commit_all(&sub, "x", 1_600_000_000);
    let top = dir.path().join("top");
    std::fs::create_dir(&top).unwrap();
    init_repo(&top);
    git(
        &top,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            sub.to_str().unwrap(),
            "lib",
        ],
    );
    commit_all(&top, "sub", 1_600_000_100);
    let inner = top.join("lib");
    let mut f = Fakes::new(63);
    write(&inner, "k.txt", &format!("# FAKE\nK={}\n", f.github()));
    git(&inner, &["add", "k.txt"]);
    let run = keywarden(&inner, &["scan", "--staged", "--format", "json"]);
    assert_eq!(
        findings(&run),
        vec![("github-token".into(), "k.txt".into(), 2)],
        "{}",
        run.all()
    );
    assert_eq!(
        keywarden(&top, &["scan", "--staged"]).code,
        0,
        "the superproject stages nothing"
    );
}

#[test]
fn a_huge_blob_is_skipped_by_size_without_loading_it() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let big = d.join("big.bin");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(1 << 30).unwrap(); // 1 GiB, sparse
    drop(file);
    git(d, &["add", "big.bin"]);
    std::fs::remove_file(&big).unwrap();
    let (run, rss) = peak_rss_mib(d, &["scan", "--staged", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.contains("big.bin") && run.stderr.contains("max-file-size"),
        "{}",
        run.stderr
    );
    if let Some(rss) = rss {
        assert!(rss < 200, "peak RSS {rss} MiB: the blob was loaded");
    }
}

/// A big blob stored as a delta of another big blob is skipped from the delta's header: the
/// chain below it is never built.
#[test]
fn a_big_revision_stored_as_a_delta_is_skipped_without_building_its_base() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let rows: String = (0..800_000)
        .map(|i| format!("row {i:07} of a generated data file\n"))
        .collect();
    write(d, "data.txt", &rows);
    commit_all(d, "big", 1_700_000_000);
    write(d, "data.txt", &format!("{rows}one more row\n"));
    commit_all(d, "bigger", 1_700_000_100);
    git(d, &["repack", "-adf", "-q"]);
    let based = git(
        d,
        &[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objecttype) %(objectsize) %(deltabase)",
        ],
    );
    assert!(
        based
            .lines()
            .any(|l| l.starts_with("blob")
                && !l.ends_with("0000000000000000000000000000000000000000")),
        "git stores one revision as a delta of the other (what this test is about): {based}"
    );
    let (run, rss) = peak_rss_mib(d, &["scan", "--history", "--max-file-size", "1MiB"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stderr.matches("max-file-size").count(),
        2,
        "{}",
        run.stderr
    );
    if let Some(rss) = rss {
        assert!(rss < 45, "peak RSS {rss} MiB: a 30 MB revision was built");
    }
}

#[test]
fn pathological_custom_regexes_are_refused() {
    let dir = tempdir();
    let d = dir.path();
    let cfg = "rules:\n  - id: huge-rule\n    name: x\n    severity: low\n    keywords: [a]\n    pattern: '(?P<secret>(a{1000}){1000})'\n    examples: ['a']\n    rotate: {steps: [x]}\n";
    write(d, ".keywarden.yaml", cfg);
    let started = std::time::Instant::now();
    let run = keywarden(d, &["scan", "."]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("huge-rule") && run.stderr.contains("size limit"),
        "{}",
        run.stderr
    );
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn a_hundred_thousand_findings_and_sarif_limits() {
    let dir = tempdir();
    let d = dir.path();
    let mut f = Fakes::new(64);
    let mut body = String::from("# FAKE tokens\n");
    for _ in 0..100_000 {
        body.push_str(&f.github());
        body.push('\n');
    }
    write(d, "many.txt", &body);
    let (run, rss) = peak_rss_mib(d, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1);
    let summary = run
        .stdout
        .rfind("\"summary\"")
        .map(|i| &run.stdout[i..])
        .unwrap();
    assert!(summary.contains("\"findings\": 100000"), "{summary}");
    if let Some(rss) = rss {
        assert!(rss < 400, "peak RSS {rss} MiB for 100,000 findings");
    }
    let out = d.join("out.sarif");
    let run = keywarden(
        d,
        &[
            "scan",
            ".",
            "--format",
            "sarif",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("25000"), "{}", run.stderr);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 25_000);
}

#[test]
fn a_failed_write_leaves_the_target_alone() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::create_dir(d.join("report.json")).unwrap();
    std::fs::write(d.join("report.json/keep"), "mine").unwrap();
    write(d, "a.txt", "clean\n");
    let run = keywarden(d, &["scan", ".", "--format", "json", "-o", "report.json"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(d.join("report.json/keep")).unwrap(),
        "mine"
    );
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temp file left behind");
    std::fs::write(d.join("existing.json"), "old report").unwrap();
    let run = keywarden(
        d,
        &["scan", "nope", "--format", "json", "-o", "existing.json"],
    );
    assert_eq!(run.code, 2);
    assert_eq!(
        std::fs::read_to_string(d.join("existing.json")).unwrap(),
        "old report",
        "an error never truncates"
    );
}

/// `-o` naming a device or a named pipe writes into it: replacing it with a file (the atomic
/// rename a report file gets) turned /dev/null into a regular file when run as root.
#[test]
fn a_report_to_a_named_pipe_is_written_into_the_pipe_which_stays_a_pipe() {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let dir = tempdir();
    let d = dir.path();
    write(d, "a.txt", "clean\n");
    let fifo = d.join("report.pipe");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    // Opened for reading first and without blocking, so the scan's open for writing returns
    // at once; the report (a few hundred bytes) fits in the pipe's buffer.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let run = keywarden(
        d,
        &["scan", "a.txt", "--format", "json", "-o", "report.pipe"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let mut got = String::new();
    let _ = reader.read_to_string(&mut got);
    let doc: serde_json::Value = serde_json::from_str(&got)
        .unwrap_or_else(|e| panic!("no report came through the pipe ({e}): {got:?}"));
    assert!(
        doc["findings"].as_array().is_some_and(|f| f.is_empty()),
        "{got}"
    );
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the named pipe was replaced: {kind:?}");
}

/// Every output format, every report file and the error paths, with planted keys: the full
/// secret never appears without --show-secrets.
#[test]
fn redaction_sweep_over_every_output() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(65);
    let keys = [
        f.openai_project(),
        f.anthropic(),
        f.github(),
        f.stripe_live(),
        f.apikee_platform(),
    ];
    let body: String = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("K{i}_TOKEN = \"{k}\"  # FAKE\n"))
        .collect();
    write(d, "keys.py", &body);
    write(
        d,
        "two.env",
        &format!(
            "# FAKE, two on one line\nA_KEY={} B_KEY={}\n",
            keys[0], keys[2]
        ),
    );
    commit_all(d, "keys", 1_600_000_000);
    write(d, "staged.py", &body);
    git(d, &["add", "staged.py"]);
    let secrets: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut runs = Vec::new();
    for format in ["text", "json", "sarif", "github", "markdown"] {
        for mode in [
            vec!["scan", "."],
            vec!["scan", "--staged"],
            vec!["scan", "--history"],
        ] {
            let mut args = mode.clone();
            args.extend(["--format", format, "--color", "always"]);
            runs.push(keywarden(d, &args));
        }
    }
    let fp = json(&keywarden(d, &["scan", ".", "--format", "json"]))["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    runs.push(keywarden(d, &["explain", &fp]));
    runs.push(keywarden(d, &["baseline", "."]));
    runs.push(keywarden(
        d,
        &["scan", "--history", "--purge-file", "p.txt"],
    ));
    let bad = format!(
        "rules:\n  - id: bad-one\n    name: x\n    severity: low\n    keywords: [x]\n    pattern: '(?P<secret>{})'\n    examples: ['{}']\n    negative_examples: ['{}']\n    rotate: {{steps: [x]}}\n",
        keys[2], keys[2], keys[2]
    );
    std::fs::write(d.join("bad.yaml"), bad).unwrap();
    runs.push(keywarden(d, &["scan", ".", "--config", "bad.yaml"]));
    std::fs::write(d.join("bad2.yaml"), format!("fail_on: {}\n", keys[1])).unwrap();
    runs.push(keywarden(d, &["scan", ".", "--config", "bad2.yaml"]));
    for r in &runs {
        assert_no_secret(r, &secrets);
    }
    for name in ["out.json", "out.sarif", "base.json"] {
        let args: Vec<&str> = match name {
            "base.json" => vec!["baseline", ".", "-o", name],
            "out.sarif" => vec!["scan", ".", "--format", "sarif", "-o", name],
            _ => vec!["scan", ".", "--format", "json", "-o", name],
        };
        keywarden(d, &args);
        let text = std::fs::read_to_string(d.join(name)).unwrap();
        for s in &secrets {
            assert!(!text.contains(s), "{name} holds a secret");
        }
    }
    let shown = keywarden(
        d,
        &[
            "scan",
            "--history",
            "--show-secrets",
            "--purge-file",
            "purge.txt",
        ],
    );
    assert!(shown.stdout.contains(secrets[0]));
    let purge = d.join("purge.txt");
    assert!(
        std::fs::read_to_string(&purge)
            .unwrap()
            .contains(&format!("{}==>", secrets[0]))
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&purge).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_30_mb_minified_line_still_yields_its_key() {
    let dir = tempdir();
    let mut f = Fakes::new(66);
    let key = f.openai_project();
    let mut body = "var a=[1,2,3];".repeat(1_500_000);
    body.push_str(&format!("var k=\"{key}\";"));
    body.push_str(&"function b(){return 1};".repeat(600_000));
    assert!(body.len() > 30_000_000);
    write(dir.path(), "bundle.min.js", &body);
    let run = keywarden(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(
        findings(&run),
        vec![("openai-project-key".into(), "bundle.min.js".into(), 1)]
    );
    assert_no_secret(&run, &[&key]);
}

#[test]
fn a_corrupt_pack_is_an_error_never_a_clean_pass() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(67);
    for i in 0..20 {
        write(
            d,
            &format!("f{i}.txt"),
            &format!("# FAKE\n{}\n{}\n", f.github(), "filler line\n".repeat(50)),
        );
        commit_all(d, &format!("c{i}"), 1_600_000_000 + i);
    }
    git(d, &["repack", "-adq"]);
    let pack = std::fs::read_dir(d.join(".git/objects/pack"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&pack, bytes).unwrap();
    let run = keywarden(d, &["scan", "--history", "--format", "json"]);
    assert_ne!(
        run.code,
        0,
        "a corrupt pack is never a clean exit: {}",
        run.all()
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}
