//! Regression tests for issue #25: each reproduces an attack a red team made on the release
//! build (a hostile pull request or a hostile repository) against the real binary, and pins
//! that it now holds. Every key here is a FAKE generated at test time in the real shape.

use crate::util::fakes::Fakes;
use crate::util::*;

/// A repository with one commit tagged `base`, holding `files`.
fn repo_with_base(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempdir();
    let d = tmp.path();
    init_repo(d);
    write(d, "README.md", "# demo\n");
    for (rel, text) in files {
        write(d, rel, text);
    }
    commit_all(d, "base", 1_700_000_000);
    git(d, &["tag", "base"]);
    tmp
}

fn paths_of(run: &Run) -> Vec<String> {
    let mut p: Vec<String> = findings(run).into_iter().map(|(_, p, _)| p).collect();
    p.sort();
    p.dedup();
    p
}

/// Hole 1: content first seen at an excluded path, then moved to a scanned one, was never
/// judged at the new path (range and history); a copy of a file was listed only at the first.
#[test]
fn hole_01_a_key_moved_out_of_an_excluded_path_is_judged_at_its_new_path() {
    let key = Fakes::new(2501).stripe_live();
    let tmp = repo_with_base(&[(".keywarden.yaml", "allow:\n  paths: ['vendor/**']\n")]);
    let d = tmp.path();
    write(d, "vendor/c.py", &format!("K = \"{key}\"\n"));
    commit_all(d, "1", 1_700_000_100);
    std::fs::create_dir_all(d.join("src")).unwrap();
    git(d, &["mv", "vendor/c.py", "src/c.py"]);
    commit_all(d, "2", 1_700_000_200);
    for args in [
        &["scan", "--range", "base..HEAD", "--format", "json"][..],
        &["scan", "--history", "--format", "json"][..],
        &["scan", ".", "--format", "json"][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert_eq!(paths_of(&run), vec!["src/c.py"], "{args:?}");
        assert_no_secret(&run, &[&key]);
    }
}

#[test]
fn hole_01_a_directory_moved_out_of_an_excluded_path_is_judged_there() {
    let key = Fakes::new(2502).stripe_live();
    let tmp = repo_with_base(&[
        (".keywarden.yaml", "allow:\n  paths: ['vendor/**']\n"),
        ("vendor/lib/c.py", &format!("K = \"{key}\"\n")),
        ("vendor/lib/d.py", "print(1)\n"),
    ]);
    let d = tmp.path();
    // The same tree, at a new place: no tree object changes below `src/`.
    git(d, &["mv", "vendor", "src"]);
    commit_all(d, "move", 1_700_000_100);
    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(paths_of(&run), vec!["src/lib/c.py"]);
    let run = keywarden(d, &["scan", "--history", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(paths_of(&run), vec!["src/lib/c.py"]);
}

#[test]
fn hole_01_identical_files_are_each_reported_in_range_and_history() {
    let key = Fakes::new(2503).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let text = format!("K = \"{key}\"\n");
    write(d, "a.py", &text);
    write(d, "b.py", &text);
    write(d, "deep/er/c.py", &text);
    commit_all(d, "two copies", 1_700_000_100);
    let want = vec!["a.py", "b.py", "deep/er/c.py"];
    for args in [
        &["scan", "--range", "base..HEAD", "--format", "json"][..],
        &["scan", "--history", "--format", "json"][..],
        &["scan", ".", "--format", "json"][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert_eq!(paths_of(&run), want, "{args:?}");
    }
    // SARIF writes one result per place, so each file gets its annotation.
    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 3);
}

#[test]
fn hole_01_content_the_base_had_elsewhere_is_new_at_a_new_path() {
    let key = Fakes::new(2504).stripe_live();
    let text = format!("K = \"{key}\"\n");
    let tmp = repo_with_base(&[("legacy/old.py", &text)]);
    let d = tmp.path();
    write(d, "app/new.py", &text);
    commit_all(d, "copy the old file", 1_700_000_100);
    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        paths_of(&run),
        vec!["app/new.py"],
        "the base's own path is not new"
    );
}

#[test]
fn hole_01_a_copy_at_a_path_of_another_kind_is_judged_by_that_paths_rules() {
    // `.env` is judged by the file rules (a committed .env) that `notes.txt` is not: the
    // same blob at both is matched at each kind of path.
    let key = Fakes::new(2505).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let text = format!("STRIPE_KEY={key}\n");
    write(d, "notes.txt", &text);
    write(d, "deploy/.env", &text);
    commit_all(d, "env", 1_700_000_100);
    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let rules_at_env: Vec<String> = findings(&run)
        .into_iter()
        .filter(|(_, p, _)| p == "deploy/.env")
        .map(|(r, _, _)| r)
        .collect();
    let tree = keywarden(d, &["scan", ".", "--format", "json"]);
    let mut tree_rules: Vec<String> = findings(&tree)
        .into_iter()
        .filter(|(_, p, _)| p == "deploy/.env")
        .map(|(r, _, _)| r)
        .collect();
    let mut range_rules = rules_at_env.clone();
    tree_rules.sort();
    range_rules.sort();
    assert!(range_rules.len() >= 2, "{range_rules:?}");
    assert_eq!(range_rules, tree_rules);
}

/// Hole 2: `--config` named a path the pull request had turned into a symlink; it was
/// followed before the base was read, so the pull request chose the config.
#[test]
fn hole_02_a_symlinked_config_in_the_range_cannot_replace_the_bases() {
    let key = Fakes::new(2521).stripe_live();
    let tmp = repo_with_base(&[
        ("ci/kw.yaml", "allow:\n  paths: ['vendor/**']\n"),
        ("docs/lenient.yaml", "packs: {stripe: false}\n"),
    ]);
    let d = tmp.path();
    std::fs::remove_file(d.join("ci/kw.yaml")).unwrap();
    std::os::unix::fs::symlink("../docs/lenient.yaml", d.join("ci/kw.yaml")).unwrap();
    write(d, "c.py", &format!("K = \"{key}\"\n"));
    commit_all(d, "pr", 1_700_000_100);
    let run = keywarden(
        d,
        &[
            "scan",
            "--range",
            "base..HEAD",
            "--config",
            "ci/kw.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "the base's config applies: {}", run.all());
    assert_eq!(paths_of(&run), vec!["c.py"]);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    // Through a linked directory too: the path is taken by its words.
    std::fs::create_dir_all(d.join("alt")).unwrap();
    std::os::unix::fs::symlink("../docs", d.join("alt/ci")).unwrap();
    let run = keywarden(
        d,
        &[
            "scan",
            "--range",
            "base..HEAD",
            "--config",
            "./ci/../ci/kw.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
}

#[test]
fn hole_02_a_config_that_is_a_link_at_the_base_is_an_error_naming_it() {
    let tmp = repo_with_base(&[("real.yaml", "packs: {stripe: false}\n")]);
    let d = tmp.path();
    std::os::unix::fs::symlink("real.yaml", d.join("kw.yaml")).unwrap();
    commit_all(d, "link", 1_700_000_050);
    git(d, &["tag", "-f", "base"]);
    write(d, "x.txt", "x\n");
    commit_all(d, "pr", 1_700_000_100);
    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--config", "kw.yaml"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("kw.yaml at"), "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
}

#[test]
fn hole_02_settings_files_from_outside_are_bounded_and_regular() {
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    for (flag, what) in [("--config", "config"), ("--baseline", "baseline")] {
        let run = keywarden(d, &["scan", ".", flag, "/dev/zero"]);
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr.contains("/dev/zero") && run.stderr.contains("not a regular file"),
            "{what}: {}",
            run.stderr
        );
    }
    let big = d.join("../big.yaml");
    std::fs::write(&big, vec![b'#'; 17 << 20]).unwrap();
    let run = keywarden(d, &["scan", ".", "--config", big.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("over 16 MiB"), "{}", run.stderr);
    std::fs::remove_file(big).unwrap();
}

/// Hole 3: a CR or LF in an author, a path or a line reached the job log raw (a workflow
/// command injected, `stop-commands` swallowing the annotations), and a backtick in a path
/// broke out of the markdown summary's code span.
#[test]
fn hole_03_hostile_names_cannot_inject_workflow_commands_or_markdown() {
    let key = Fakes::new(2531).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let evil_path = "a\n::error::Approved\n.py";
    let md_path = "b`<img src=x onerror=alert(1)>`[x](javascript:evil).py";
    write(d, evil_path, &format!("K = \"{key}\"\n"));
    write(d, md_path, &format!("K = \"{key}\"\n"));
    git(d, &["add", "-A"]);
    let out = std::process::Command::new("git")
        .args(["commit", "-q", "-m", "pr"])
        .current_dir(d)
        .env("GIT_AUTHOR_NAME", "dev\r::stop-commands::x1")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("HOME", d)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    for args in [
        &["scan", "--range", "base..HEAD"][..],
        &["scan", "--history"][..],
        &["scan", "."][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(
            !run.stdout.contains('\r'),
            "{args:?}: a raw CR: {:?}",
            run.stdout
        );
        for line in run.stdout.lines() {
            assert!(!line.starts_with("::"), "{args:?}: injected: {line:?}");
        }
        assert!(
            run.stdout.contains("a\\n::error::Approved\\n.py"),
            "{}",
            run.stdout
        );
    }
    let run = keywarden(d, &["scan", "--history"]);
    assert!(
        run.stdout.contains("dev\\r::stop-commands::x1"),
        "{}",
        run.stdout
    );

    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--format", "github"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    for line in &lines {
        assert!(line.starts_with("::error file="), "{line:?}");
    }
    assert!(
        run.stdout
            .contains("file=a%0A%3A%3Aerror%3A%3AApproved%0A.py"),
        "{}",
        run.stdout
    );

    let run = keywarden(
        d,
        &["scan", "--range", "base..HEAD", "--format", "markdown"],
    );
    assert!(
        run.stdout
            .contains("``b`<img src=x onerror=alert(1)>`[x](javascript:evil).py:1``"),
        "the path is one code span: {}",
        run.stdout
    );
    assert_no_secret(&run, &[&key]);
}

#[test]
fn hole_03_a_shell_command_in_a_checklist_quotes_the_path() {
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    write(d, "x;touch pwned;.env", "API_TOKEN=not-a-real-value-0000\n");
    commit_all(d, "env", 1_700_000_100);
    let run = keywarden(d, &["scan", "--history"]);
    assert!(
        run.stdout.contains("--path 'x;touch pwned;.env'"),
        "{}",
        run.stdout
    );
}
