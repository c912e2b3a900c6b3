//! Test harness: temp dirs, real git repositories built with the `git` CLI, running the
//! built binary, and FAKE keys generated in the real shapes at run time.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod fakes;

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// The binary under test: this build's, or `KEYWARDEN_TEST_BIN` (run a regression test against
/// an older build to see it fail there).
pub fn bin() -> PathBuf {
    std::env::var_os("KEYWARDEN_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_keywarden")))
}

/// Run keywarden in `dir` with `args`, colors off, no inherited config.
pub fn keywarden(dir: &Path, args: &[&str]) -> Run {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("APIKEE_SECRET")
        .output()
        .expect("run keywarden")
        .into()
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("keywarden-test-")
        .tempdir()
        .expect("tempdir")
}

/// Run git in `dir`; panics with git's stderr on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A fresh repository with a deterministic identity and `main` as the default branch.
pub fn init_repo(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "Test Author"]);
    git(dir, &["config", "user.email", "author@example.com"]);
    git(dir, &["config", "commit.gpgsign", "false"]);
}

pub fn write(dir: &Path, rel: &str, content: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(p, content).unwrap();
}

/// Commit everything with a fixed date so history order is deterministic.
pub fn commit_all(dir: &Path, msg: &str, epoch: i64) -> String {
    git(dir, &["add", "-A"]);
    let date = format!("@{epoch} +0000");
    let out = Command::new("git")
        .args(["commit", "-q", "--allow-empty", "-m", msg])
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    git(dir, &["rev-parse", "HEAD"])
}

/// Parse the JSON report.
pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.all()))
}

/// (rule_id, path, line) of each place a finding was found in a JSON report (a secret found
/// in two files is one finding with two locations).
pub fn findings(run: &Run) -> Vec<(String, String, u64)> {
    json(run)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["locations"].as_array().unwrap().iter().map(move |l| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    l["path"].as_str().unwrap().to_string(),
                    l["line"].as_u64().unwrap(),
                )
            })
        })
        .collect()
}

/// Assert no full secret leaked into any output of this run.
pub fn assert_no_secret(run: &Run, secrets: &[&str]) {
    for s in secrets {
        assert!(!run.stdout.contains(s), "secret leaked on stdout");
        assert!(!run.stderr.contains(s), "secret leaked on stderr");
    }
}

/// The Python that has the test tools (jsonschema, pre-commit): set by scripts/test.sh.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("KEYWARDEN_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "the test tools are missing: run scripts/test.sh (it installs them into .venv)"
    );
    venv
}

/// PATH with the test venv's tools first (act, pre-commit, actionlint).
pub fn path_with_venv() -> String {
    format!(
        "{}:{}",
        python().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The test venv's `bin` when it exists: tools on PATH for the tests that need them.
pub fn venv_bin() -> Option<PathBuf> {
    let python = match std::env::var_os("KEYWARDEN_TEST_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"),
    };
    python
        .exists()
        .then(|| python.parent().unwrap().to_path_buf())
}

/// `../shared` beside the checkout: schemas and formats.
pub fn shared() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    assert!(
        p.join("schemas/sarif-schema-2.1.0.json").exists(),
        "../shared/schemas is missing beside the checkout"
    );
    p
}

/// Validate SARIF files with the official schema through PyPI jsonschema.
pub fn assert_valid_sarif(files: &[&Path]) {
    assert_valid_json(&shared().join("schemas/sarif-schema-2.1.0.json"), files);
}

/// Validate JSON files against a JSON Schema through PyPI jsonschema (`scripts/validate_json.py`).
pub fn assert_valid_json(schema: &Path, files: &[&Path]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/validate_json.py");
    let out = Command::new(python())
        .arg(script)
        .arg(schema)
        .args(files)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{} does not validate:\n{}{}",
        schema.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A folder under fixtures/cases: its files and `expect.txt` (`args:`, `exit:`, then one
/// `rule-id path:line` per expected finding). Adding a case is adding a folder. A case runs in
/// a copy of its folder outside any repository: what it tests is the folder, not how this
/// repository tracks it (a tree scan reads every tracked file whatever `.ignore` says).
pub struct GoldenCase {
    pub name: String,
    /// The copy the case runs in.
    pub dir: PathBuf,
    pub copy: std::rc::Rc<tempfile::TempDir>,
    pub args: Vec<String>,
    pub exit: i32,
    pub want: Vec<String>,
}

/// Every golden case, sorted by name.
pub fn golden_cases() -> Vec<GoldenCase> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let expect = std::fs::read_to_string(dir.join("expect.txt")).unwrap();
            let copy = tempdir();
            copy_tree(&dir, copy.path());
            let mut case = GoldenCase {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                dir: copy.path().to_path_buf(),
                copy: std::rc::Rc::new(copy),
                args: Vec::new(),
                exit: 0,
                want: Vec::new(),
            };
            for line in expect.lines().filter(|l| !l.trim().is_empty()) {
                if let Some(a) = line.strip_prefix("args:") {
                    case.args = a.split_whitespace().map(String::from).collect();
                } else if let Some(c) = line.strip_prefix("exit:") {
                    case.exit = c.trim().parse().unwrap();
                } else {
                    case.want.push(line.trim().to_string());
                }
            }
            case
        })
        .collect()
}

/// Copy the files under `from` into `to` (dotfiles included).
pub fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}
