//! Hooks as people run them: `keywarden install-hook` with real `git commit` and `git push`,
//! and the real pre-commit framework (PyPI `pre-commit`) via `try-repo` and a pre-push install.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::fakes::Fakes;
use crate::util::*;

/// PATH with the built keywarden first, then the test venv's tools when scripts/test.sh made
/// them (the tests that need them are ignored under plain `cargo test`).
fn path_with_tools() -> String {
    let mut dirs = vec![bin().parent().unwrap().to_path_buf()];
    dirs.extend(venv_bin());
    let rest = std::env::var_os("PATH").unwrap_or_default();
    dirs.extend(std::env::split_paths(&rest));
    std::env::join_paths(dirs).unwrap().into_string().unwrap()
}

/// Run a command like a developer would: git identity set, tools on PATH, pre-commit's cache in `home`.
fn sh(dir: &Path, home: &Path, cmd: &[&str], stdin_null: bool) -> Run {
    let mut c = Command::new(cmd[0]);
    c.args(&cmd[1..])
        .current_dir(dir)
        .env("PATH", path_with_tools())
        .env("HOME", home)
        .env("PRE_COMMIT_HOME", home.join("pre-commit-cache"))
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("NO_COLOR", "1");
    if stdin_null {
        c.stdin(std::process::Stdio::null());
    }
    c.output().expect("run").into()
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A build directory under the project's target/ that survives test runs.
fn test_build_dir(name: &str) -> PathBuf {
    repo_root().join("target").join("test-builds").join(name)
}

#[test]
fn install_hook_blocks_a_commit_that_adds_a_key() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, "README.md", "hi\n");
    commit_all(d, "init", 1_600_000_000);
    let run = keywarden(d, &["install-hook"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let mut f = Fakes::new(40);
    let key = f.openai_project();
    write(d, "app.py", &format!("# FAKE\nKEY = \"{key}\"\n"));
    git(d, &["add", "app.py"]);
    let commit = sh(d, d, &["git", "commit", "-q", "-m", "add key"], true);
    assert_ne!(
        commit.code,
        0,
        "the hook blocks the commit: {}",
        commit.all()
    );
    assert!(commit.all().contains("app.py:2"), "{}", commit.all());
    assert!(
        commit.all().contains("git restore --staged"),
        "how to proceed: {}",
        commit.all()
    );
    assert_no_secret(&commit, &[&key]);
    git(d, &["restore", "--staged", "app.py"]);
    write(d, "ok.txt", "fine\n");
    git(d, &["add", "ok.txt"]);
    let ok = sh(d, d, &["git", "commit", "-q", "-m", "clean"], true);
    assert_eq!(ok.code, 0, "{}", ok.all());
}

#[test]
fn install_hook_respects_foreign_hooks_hooks_path_and_uninstall() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    std::fs::create_dir_all(d.join(".git/hooks")).unwrap();
    std::fs::write(d.join(".git/hooks/pre-commit"), "#!/bin/sh\necho mine\n").unwrap();
    let run = keywarden(d, &["install-hook"]);
    assert_eq!(run.code, 2, "refuses to overwrite: {}", run.all());
    assert!(run.stderr.contains("--force"));
    assert_eq!(
        keywarden(d, &["install-hook", "--force", "--pre-push"]).code,
        0
    );
    assert!(
        std::fs::read_to_string(d.join(".git/hooks/pre-push"))
            .unwrap()
            .contains("scan --pre-push")
    );
    assert_eq!(keywarden(d, &["install-hook", "--uninstall"]).code, 0);
    assert!(!d.join(".git/hooks/pre-commit").exists() && !d.join(".git/hooks/pre-push").exists());

    git(d, &["config", "core.hooksPath", "githooks"]);
    assert_eq!(keywarden(d, &["install-hook"]).code, 0);
    assert!(
        d.join("githooks/pre-commit").exists(),
        "core.hooksPath is honoured"
    );
    std::fs::write(d.join("githooks/pre-push"), "#!/bin/sh\nexit 0\n").unwrap();
    assert_eq!(keywarden(d, &["install-hook", "--uninstall"]).code, 0);
    assert!(
        d.join("githooks/pre-push").exists(),
        "a hook keywarden did not write stays"
    );
}

#[test]
fn install_hook_in_a_linked_worktree_uses_the_shared_hooks() {
    let dir = tempdir();
    let main = dir.path().join("main");
    std::fs::create_dir(&main).unwrap();
    init_repo(&main);
    commit_all(&main, "init", 1_600_000_000);
    git(&main, &["worktree", "add", "-q", "../wt", "-b", "wt"]);
    let wt = dir.path().join("wt");
    assert_eq!(keywarden(&wt, &["install-hook"]).code, 0);
    assert!(main.join(".git/hooks/pre-commit").exists());
    let mut f = Fakes::new(41);
    write(&wt, "k.txt", &format!("# FAKE\n{}\n", f.github()));
    git(&wt, &["add", "k.txt"]);
    let run = sh(&wt, dir.path(), &["git", "commit", "-q", "-m", "k"], true);
    assert_ne!(run.code, 0, "{}", run.all());
}

#[test]
fn plain_pre_push_hook_blocks_a_push_that_adds_a_key() {
    let dir = tempdir();
    let remote = dir.path().join("remote.git");
    git(dir.path(), &["init", "-q", "--bare", "remote.git"]);
    let d = dir.path().join("work");
    std::fs::create_dir(&d).unwrap();
    init_repo(&d);
    write(&d, "a.txt", "a\n");
    commit_all(&d, "init", 1_600_000_000);
    git(&d, &["remote", "add", "origin", remote.to_str().unwrap()]);
    git(&d, &["push", "-q", "origin", "main"]);
    assert_eq!(keywarden(&d, &["install-hook", "--pre-push"]).code, 0);
    let mut f = Fakes::new(42);
    let key = f.anthropic();
    git(&d, &["checkout", "-q", "-b", "feature"]);
    write(&d, "k.env", &format!("# FAKE\nANTHROPIC_API_KEY={key}\n"));
    git(&d, &["add", "k.env"]);
    let c = sh(
        &d,
        &d,
        &["git", "commit", "-q", "--no-verify", "-m", "k"],
        true,
    );
    assert_eq!(c.code, 0);
    let push = sh(&d, &d, &["git", "push", "-q", "origin", "feature"], true);
    assert_ne!(push.code, 0, "new branch with a key: {}", push.all());
    assert!(push.all().contains("k.env"), "{}", push.all());
    // The push was blocked: the key never left, so the advice rewrites the local commits and
    // never talks of purging history or of a compromised key.
    assert!(
        push.all().contains("It has not left this machine")
            && push.all().contains("git commit --amend")
            && push.all().contains("git rebase -i"),
        "{}",
        push.all()
    );
    assert!(
        !push.all().contains("purge") && !push.all().contains("may have been pushed"),
        "{}",
        push.all()
    );
    assert!(!push.all().contains("other ref(s)"), "{}", push.all());
    assert!(
        push.all().contains("refs: branch feature"),
        "the refs line names the pushed branch: {}",
        push.all()
    );
    assert_no_secret(&push, &[&key]);
    git(&d, &["checkout", "-q", "main"]);
    write(&d, "b.txt", "b\n");
    commit_all(&d, "clean", 1_600_000_100);
    let ok = sh(&d, &d, &["git", "push", "-q", "origin", "main"], true);
    assert_eq!(ok.code, 0, "{}", ok.all());
}

fn throwaway_repo(dir: &Path) -> PathBuf {
    let d = dir.join("project");
    std::fs::create_dir(&d).unwrap();
    init_repo(&d);
    write(&d, "README.md", "project\n");
    commit_all(&d, "init", 1_600_000_000);
    d
}

#[test]
#[ignore = "needs pre-commit; run scripts/test.sh"]
fn pre_commit_framework_runs_the_system_hook() {
    let dir = tempdir();
    let d = throwaway_repo(dir.path());
    let home = dir.path();
    let mut f = Fakes::new(43);
    let key = f.github();
    let repo = repo_root();
    let repo = repo.to_str().unwrap();

    write(&d, "secrets.py", &format!("# FAKE\nTOKEN = '{key}'\n"));
    git(&d, &["add", "secrets.py"]);
    let blocked = sh(
        &d,
        home,
        &["pre-commit", "try-repo", repo, "keywarden-system"],
        true,
    );
    assert_eq!(blocked.code, 1, "{}", blocked.all());
    assert!(blocked.all().contains("secrets.py:2"), "{}", blocked.all());
    assert_no_secret(&blocked, &[&key]);

    git(&d, &["rm", "-q", "--cached", "secrets.py"]);
    std::fs::remove_file(d.join("secrets.py")).unwrap();
    write(&d, "README.md", "project\nmore\n");
    git(&d, &["add", "README.md"]);
    write(
        &d,
        "README.md",
        &format!("project\nmore\n# FAKE unstaged\n{key}\n"),
    );
    let passed = sh(
        &d,
        home,
        &["pre-commit", "try-repo", repo, "keywarden-system"],
        true,
    );
    assert_eq!(
        passed.code,
        0,
        "a key only in unstaged changes does not block: {}",
        passed.all()
    );
}

#[test]
#[ignore = "needs pre-commit; run scripts/test.sh"]
fn pre_commit_framework_pre_push_hook_blocks_a_push() {
    let dir = tempdir();
    let home = dir.path();
    git(dir.path(), &["init", "-q", "--bare", "remote.git"]);
    let d = throwaway_repo(dir.path());
    git(
        &d,
        &[
            "remote",
            "add",
            "origin",
            dir.path().join("remote.git").to_str().unwrap(),
        ],
    );
    git(&d, &["push", "-q", "origin", "main"]);
    // A local copy of this repository at a commit, as pre-commit expects a `rev`.
    let hooks_repo = dir.path().join("hooks-repo");
    std::fs::create_dir(&hooks_repo).unwrap();
    std::fs::copy(
        repo_root().join(".pre-commit-hooks.yaml"),
        hooks_repo.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    init_repo(&hooks_repo);
    let rev = commit_all(&hooks_repo, "hooks", 1_600_000_000);
    write(
        &d,
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: keywarden-push-system\n",
            hooks_repo.display()
        ),
    );
    let install = sh(
        &d,
        home,
        &["pre-commit", "install", "--hook-type", "pre-push"],
        true,
    );
    assert_eq!(install.code, 0, "{}", install.all());
    let mut f = Fakes::new(44);
    let key = f.stripe_live();
    write(&d, "pay.js", &format!("// FAKE\nconst k = '{key}';\n"));
    commit_all(&d, "pay", 1_600_000_100);
    let push = sh(&d, home, &["git", "push", "origin", "main"], true);
    assert_ne!(push.code, 0, "{}", push.all());
    assert!(push.all().contains("pay.js"), "{}", push.all());
    assert!(
        push.all().contains("It has not left this machine")
            && push.all().contains("git commit --amend")
            && !push.all().contains("purge"),
        "amend or rebase, no purge talk: {}",
        push.all()
    );
    assert_no_secret(&push, &[&key]);
}

/// The `language: rust` hook: pre-commit builds this crate with `cargo install` (slow: it is
/// the one full release build in the suite).
#[test]
#[ignore = "needs pre-commit; run scripts/test.sh"]
fn pre_commit_framework_builds_and_runs_the_rust_hook() {
    let dir = tempdir();
    let d = throwaway_repo(dir.path());
    let mut f = Fakes::new(45);
    write(&d, "k.env", &format!("# FAKE\nK={}\n", f.github()));
    git(&d, &["add", "k.env"]);
    let mut c = Command::new("pre-commit");
    c.args(["try-repo", repo_root().to_str().unwrap(), "keywarden"])
        .current_dir(&d)
        .env("PATH", path_with_venv())
        .env("PRE_COMMIT_HOME", dir.path().join("cache"))
        // One build directory that survives test runs: pre-commit's `cargo install` then
        // recompiles only this crate, not every dependency, and never touches target/release.
        .env("CARGO_TARGET_DIR", test_build_dir("pre-commit"))
        .stdin(std::process::Stdio::null());
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        c.env("CARGO_HOME", home);
    }
    let run: Run = c.output().unwrap().into();
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("k.env:2"), "{}", run.all());
}

/// The `keywarden-cli` wheel built with maturin (PyPI) from python/keywarden-cli.
fn build_wheel(out: &Path) {
    let run: Run = Command::new(python().parent().unwrap().join("maturin"))
        .args(["build", "--strip", "--out"])
        .arg(out)
        .current_dir(repo_root().join("python/keywarden-cli"))
        .env("CARGO_TARGET_DIR", test_build_dir("maturin"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
#[ignore = "needs maturin and pre-commit; run scripts/test.sh"]
fn the_wheel_puts_keywarden_on_path_and_the_python_hook_needs_no_rust() {
    // The launcher the python hook installs pins the wheel of this very version.
    let pin = format!("keywarden-cli=={}", env!("CARGO_PKG_VERSION"));
    let launcher = std::fs::read_to_string(repo_root().join("pyproject.toml")).unwrap();
    assert!(launcher.contains(&pin), "pyproject.toml pins {pin}");

    let dir = tempdir();
    let wheels = dir.path().join("wheels");
    build_wheel(&wheels);

    // pip install into a fresh venv, offline: the binary lands on the venv's PATH.
    let venv = dir.path().join("fresh");
    let st = Command::new(python())
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(st.success());
    let wheel = std::fs::read_dir(&wheels)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let run: Run = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
        ])
        .arg(&wheel)
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 0, "{}", run.all());
    let version: Run = Command::new(venv.join("bin/keywarden"))
        .arg("--version")
        .output()
        .unwrap()
        .into();
    assert!(
        version.stdout.contains(env!("CARGO_PKG_VERSION")),
        "{}",
        version.all()
    );
    let mut f = Fakes::new(47);
    let key = f.github();
    let scanned = dir.path().join("scanned");
    std::fs::create_dir(&scanned).unwrap();
    write(&scanned, "app.py", &format!("# FAKE\nTOKEN = '{key}'\n"));
    let scan: Run = Command::new(venv.join("bin/keywarden"))
        .args(["scan", "."])
        .current_dir(&scanned)
        .output()
        .unwrap()
        .into();
    assert_eq!(scan.code, 1, "{}", scan.all());

    // pre-commit installs the hook from the wheel; no cargo on PATH and a fresh HOME, so no
    // Rust toolchain can be used. pip finds the wheel in `wheels` (it is not on PyPI yet).
    let d = throwaway_repo(dir.path());
    write(&d, "secrets.py", &format!("# FAKE\nTOKEN = '{key}'\n"));
    git(&d, &["add", "secrets.py"]);
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let run: Run = Command::new(python().parent().unwrap().join("pre-commit"))
        .args([
            "try-repo",
            repo_root().to_str().unwrap(),
            "keywarden-python",
        ])
        .current_dir(&d)
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:/usr/local/bin:/usr/bin:/bin",
                python().parent().unwrap().display()
            ),
        )
        .env("HOME", &home)
        .env("PRE_COMMIT_HOME", dir.path().join("cache"))
        .env("PIP_FIND_LINKS", &wheels)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("secrets.py:2"), "{}", run.all());
    assert_no_secret(&run, &[&key]);
}

#[test]
fn on_a_first_commit_the_advice_unstages_with_a_command_that_works_there() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(41);
    let key = f.openai_project();
    write(d, "app.py", &format!("# FAKE\nKEY = \"{key}\"\n"));
    git(d, &["add", "app.py"]);
    let run = keywarden(d, &["scan", "--staged"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.all().contains("git rm --cached app.py"),
        "no HEAD yet: {}",
        run.all()
    );
    assert!(!run.all().contains("git restore --staged"), "{}", run.all());
    assert_no_secret(&run, &[&key]);
    // The advice works: the file is no longer staged.
    let out = sh(d, d, &["git", "rm", "-q", "--cached", "app.py"], true);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(git(d, &["diff", "--cached", "--name-only"]), "");
}
