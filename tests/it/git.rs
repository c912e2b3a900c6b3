//! Git sources against real repositories built with the `git` CLI: staged, history, ranges,
//! shallow clones.

use crate::util::fakes::Fakes;
use crate::util::*;
use serde_json::Value;

fn scan_json(dir: &std::path::Path, args: &[&str]) -> (Run, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let run = keywarden(dir, &all);
    let v = if run.code == 2 {
        Value::Null
    } else {
        json(&run)
    };
    (run, v)
}

#[test]
fn staged_scans_the_index_not_the_working_tree() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(10);
    let (staged_then_deleted, unstaged, removed) = (f.github(), f.github(), f.github());
    write(d, "keep.txt", "hello\n");
    write(d, "gone.txt", &format!("# FAKE\ntoken={removed}\n"));
    commit_all(d, "base", 1_600_000_000);
    // Staged, then deleted from disk: the index still holds it.
    write(
        d,
        "a.py",
        &format!("# FAKE\nTOKEN = \"{staged_then_deleted}\"\n"),
    );
    git(d, &["add", "a.py"]);
    std::fs::remove_file(d.join("a.py")).unwrap();
    // Only in unstaged changes.
    write(d, "keep.txt", &format!("hello\n# FAKE\ntoken={unstaged}\n"));
    // Removed with git rm.
    git(d, &["rm", "-q", "gone.txt"]);
    let (run, v) = scan_json(d, &["scan", "--staged"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let got = findings(&run);
    assert_eq!(
        got,
        vec![("github-token".into(), "a.py".into(), 2)],
        "{}",
        run.stdout
    );
    assert_eq!(v["findings"][0]["source"], "staged");
    assert!(
        run.stdout.contains("has not left this machine"),
        "staged checklist"
    );
    assert_no_secret(&run, &[&staged_then_deleted]);
}

#[test]
fn staged_reports_only_what_the_commit_adds() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(11);
    let old = f.github();
    write(d, "cfg.txt", &format!("# FAKE\nOLD_TOKEN={old}\n"));
    commit_all(d, "old secret", 1_600_000_000);
    write(d, "cfg.txt", &format!("# FAKE\nOLD_TOKEN={old}\nDEBUG=1\n"));
    git(d, &["add", "cfg.txt"]);
    let (run, _) = scan_json(d, &["scan", "--staged"]);
    assert_eq!(
        run.code,
        0,
        "an unrelated line added next to a committed secret: {}",
        run.all()
    );
    let new = f.github();
    write(
        d,
        "cfg.txt",
        &format!("# FAKE\nOLD_TOKEN={old}\nNEW_TOKEN={new}\n"),
    );
    git(d, &["add", "cfg.txt"]);
    let (run, _) = scan_json(d, &["scan", "--staged"]);
    assert_eq!(
        findings(&run),
        vec![("github-token".into(), "cfg.txt".into(), 3)]
    );
}

#[test]
fn staged_works_before_the_first_commit_and_in_an_empty_repo() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let (run, _) = scan_json(d, &["scan", "--staged"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let (run, _) = scan_json(d, &["scan", "--history"]);
    assert_eq!(run.code, 0, "empty repository: {}", run.all());
    let mut f = Fakes::new(12);
    write(d, "k.txt", &format!("# FAKE\n{}\n", f.anthropic()));
    git(d, &["add", "k.txt"]);
    let (run, _) = scan_json(d, &["scan", "--staged"]);
    assert_eq!(
        findings(&run),
        vec![("anthropic-api-key".into(), "k.txt".into(), 2)]
    );
}

#[test]
fn history_reports_each_secret_once_with_its_first_commit() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(13);
    let key = f.openai_project();
    write(d, "README.md", "project\n");
    commit_all(d, "init", 1_600_000_000);
    write(d, "app.py", &format!("# FAKE\nKEY = \"{key}\"\n"));
    let first = commit_all(d, "add key", 1_600_000_100);
    for i in 0..5 {
        write(
            d,
            "app.py",
            &format!("# FAKE\nKEY = \"{key}\"\nVERSION = {i}\n"),
        );
        commit_all(d, &format!("edit {i}"), 1_600_000_200 + i);
    }
    git(d, &["mv", "app.py", "main.py"]);
    commit_all(d, "rename", 1_600_001_000);
    write(d, "main.py", "# key moved to the environment\n");
    commit_all(d, "remove key", 1_600_002_000);
    assert_eq!(
        keywarden(d, &["scan", "."]).code,
        0,
        "the tree is clean now"
    );

    let (run, v) = scan_json(d, &["scan", "--history"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let fs = v["findings"].as_array().unwrap();
    assert_eq!(fs.len(), 1, "one finding per secret: {}", run.stdout);
    let x = &fs[0];
    assert_eq!(x["commit"], first.as_str());
    assert_eq!(x["path"], "app.py");
    assert_eq!(x["line"], 2);
    assert_eq!(x["commits"], 7, "add + 5 edits + rename");
    assert_eq!(x["in_head"], false);
    assert_eq!(x["author"], "Test Author <author@example.com>");
    assert_eq!(x["date"], "2020-09-13T12:28:20Z");
    assert_eq!(x["refs"], serde_json::json!(["refs/heads/main", "HEAD"]));
    assert_eq!(x["source"], "history");
    let rotate = x["rotate"].to_string();
    assert!(
        rotate.contains("compromised") && rotate.contains("purge plan"),
        "{rotate}"
    );
    assert!(
        v["purge_plan"].to_string().contains("filter-repo"),
        "{}",
        v["purge_plan"]
    );
    assert_no_secret(&run, &[&key]);
    let text = keywarden(d, &["scan", "--history"]);
    assert!(text.stdout.contains(&first), "{}", text.stdout);
}

#[test]
fn history_covers_branches_tags_and_merges() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(14);
    let (on_branch, on_tag, in_merge) = (f.github(), f.github(), f.github());
    write(d, "a.txt", "a\n");
    commit_all(d, "init", 1_600_000_000);
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(d, "b.txt", &format!("# FAKE\n{on_branch}\n"));
    commit_all(d, "feature key", 1_600_000_100);
    git(d, &["checkout", "-q", "main"]);
    git(d, &["checkout", "-q", "-b", "tmp"]);
    write(d, "t.txt", &format!("# FAKE\n{on_tag}\n"));
    commit_all(d, "tagged key", 1_600_000_200);
    git(d, &["tag", "v1"]);
    git(d, &["checkout", "-q", "main"]);
    git(d, &["branch", "-q", "-D", "tmp"]);
    git(d, &["checkout", "-q", "-b", "side"]);
    write(d, "s.txt", "side\n");
    commit_all(d, "side", 1_600_000_300);
    git(d, &["checkout", "-q", "main"]);
    write(d, "m.txt", "main\n");
    commit_all(d, "main", 1_600_000_400);
    git(d, &["merge", "-q", "--no-ff", "--no-commit", "side"]);
    write(d, "merge.txt", &format!("# FAKE\n{in_merge}\n"));
    let merge = commit_all(d, "merge with key", 1_600_000_500);

    let (run, v) = scan_json(d, &["scan", "--history"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let by_path = |p: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["path"] == p)
            .cloned()
            .unwrap_or_else(|| panic!("{p}: {}", run.stdout))
    };
    assert_eq!(
        by_path("b.txt")["refs"],
        serde_json::json!(["refs/heads/feature"])
    );
    assert_eq!(
        by_path("t.txt")["refs"],
        serde_json::json!(["refs/tags/v1"])
    );
    assert_eq!(by_path("merge.txt")["commit"], merge.as_str());
    assert_eq!(by_path("merge.txt")["in_head"], true);
    assert_eq!(v["findings"].as_array().unwrap().len(), 3);
}

#[test]
fn range_scans_what_a_branch_adds() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(15);
    let (old, new) = (f.github(), f.github());
    write(d, "old.txt", &format!("# FAKE\nT={old}\n"));
    commit_all(d, "old", 1_600_000_000);
    git(d, &["checkout", "-q", "-b", "pr"]);
    write(d, "old.txt", &format!("# FAKE\nT={old}\nX=1\n"));
    commit_all(d, "touch old", 1_600_000_100);
    write(d, "new.py", &format!("# FAKE\nT = '{new}'\n"));
    let added = commit_all(d, "add key", 1_600_000_200);
    let (run, v) = scan_json(d, &["scan", "--range", "main..pr"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        findings(&run),
        vec![("github-token".into(), "new.py".into(), 2)]
    );
    assert_eq!(v["findings"][0]["commit"], added.as_str());
    let (clean, _) = scan_json(d, &["scan", "--range", "pr..pr"]);
    assert_eq!(clean.code, 0);
    let (missing, _) = scan_json(
        d,
        &[
            "scan",
            "--range",
            "0123456789abcdef0123456789abcdef01234567..pr",
        ],
    );
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("fetch-depth: 0"),
        "{}",
        missing.stderr
    );
}

#[test]
fn shallow_clones_are_an_error_never_a_silent_pass() {
    let dir = tempdir();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    init_repo(&src);
    let mut f = Fakes::new(16);
    write(&src, "k.txt", &format!("# FAKE\n{}\n", f.github()));
    commit_all(&src, "key", 1_600_000_000);
    write(&src, "k.txt", "clean\n");
    commit_all(&src, "clean", 1_600_000_100);
    let url = format!("file://{}", src.display());
    git(
        dir.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let shallow = dir.path().join("shallow");
    for args in [
        vec!["scan", "--history"],
        vec!["scan", "--range", "HEAD~1..HEAD"],
    ] {
        let run = keywarden(&shallow, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(
            run.stderr.contains("fetch-depth: 0") && run.stderr.contains("shallow"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn all_objects_finds_what_a_rewrite_left_behind() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(17);
    let key = f.github();
    write(d, "a.txt", "a\n");
    commit_all(d, "init", 1_600_000_000);
    write(d, "k.txt", &format!("# FAKE\n{key}\n"));
    commit_all(d, "oops", 1_600_000_100);
    git(d, &["reset", "-q", "--hard", "HEAD~1"]);
    let (run, _) = scan_json(d, &["scan", "--history"]);
    assert_eq!(run.code, 0, "no ref reaches it: {}", run.all());
    let (run, v) = scan_json(d, &["scan", "--history", "--all-objects"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(v["findings"][0]["path"], "k.txt");
    assert_eq!(v["findings"][0]["refs"], serde_json::json!([]));
}

#[test]
fn not_a_repository_is_exit_2() {
    let dir = tempdir();
    let run = keywarden(dir.path(), &["scan", "--staged"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_path_limits_range_and_staged_scans_to_files_under_it() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, "README.md", "hi\n");
    commit_all(d, "init", 1_600_000_000);
    git(d, &["checkout", "-q", "-b", "pr"]);
    let mut f = Fakes::new(16);
    let (a, b) = (f.github(), f.github());
    write(d, "services/api/k.py", &format!("# FAKE\nT = '{a}'\n"));
    write(d, "web/k.py", &format!("# FAKE\nT = '{b}'\n"));
    commit_all(d, "keys", 1_600_000_100);
    let paths =
        |run: &Run| -> Vec<String> { findings(run).into_iter().map(|(_, p, _)| p).collect() };
    let (all, _) = scan_json(d, &["scan", "--range", "main..pr"]);
    assert_eq!(paths(&all), vec!["services/api/k.py", "web/k.py"]);
    let (api, _) = scan_json(d, &["scan", "--range", "main..pr", "services/api"]);
    assert_eq!(api.code, 1, "{}", api.all());
    assert_eq!(
        paths(&api),
        vec!["services/api/k.py"],
        "only under the path"
    );
    let (web, _) = scan_json(d, &["scan", "--range", "main..pr", "web"]);
    assert_eq!(paths(&web), vec!["web/k.py"]);
    let (top, _) = scan_json(d, &["scan", "--range", "main..pr", "."]);
    assert_eq!(paths(&top).len(), 2, "the top is the whole repository");
    // --staged too.
    let c = f.github();
    write(d, "web/new.py", &format!("# FAKE\nT = '{c}'\n"));
    write(d, "services/api/new.py", &format!("# FAKE\nT = '{c}'\n"));
    git(d, &["add", "."]);
    let (staged, _) = scan_json(d, &["scan", "--staged", "web"]);
    assert_eq!(paths(&staged), vec!["web/new.py"]);
}
