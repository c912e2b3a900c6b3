//! The GitHub Action: action.yml against GitHub's schema, workflows (the release workflow too)
//! through actionlint, and the action end to end under `act` in host mode: it downloads a fake
//! release from a local HTTP server (checksum verified, a tampered one refused), runs one scan
//! that writes every output, fails a pull request that adds a fake key and passes a clean one;
//! without a release it builds from source.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::fakes::Fakes;
use crate::util::*;

pub(crate) fn tool(name: &str) -> PathBuf {
    python().parent().unwrap().join(name)
}

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Validate a YAML or JSON file against a JSON Schema with PyPI check-jsonschema.
fn assert_schema_valid(schema: &Path, file: &Path) {
    let out = Command::new(tool("check-jsonschema"))
        .arg("--schemafile")
        .arg(schema)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs check-jsonschema and ../shared; run scripts/test.sh"]
fn action_yml_matches_githubs_schema() {
    assert_schema_valid(
        &shared().join("schemas/github-action.json"),
        &root().join("action.yml"),
    );
}

#[test]
#[ignore = "needs check-jsonschema; run scripts/test.sh"]
fn config_schema_accepts_a_real_config() {
    let dir = tempdir();
    let cfg = dir.path().join("cfg.yaml");
    std::fs::write(&cfg, "packs:\n  generic: false\ndisable: [github-token]\nfail_on: high\nmax_file_size: 50MiB\nallow:\n  paths: ['vendor/**']\n").unwrap();
    assert_schema_valid(&root().join("schemas/keywarden-config.schema.json"), &cfg);
    assert_eq!(
        keywarden(
            dir.path(),
            &["rules", "list", "--config", cfg.to_str().unwrap()]
        )
        .code,
        0
    );
}

#[test]
#[ignore = "needs actionlint; run scripts/test.sh"]
fn workflows_lint_clean() {
    let mut files = vec![
        root().join("examples/keywarden-workflow.yml"),
        root().join("examples/org-scan-caller.yml"),
    ];
    for e in std::fs::read_dir(root().join(".github/workflows")).unwrap() {
        files.push(e.unwrap().path());
    }
    assert!(files.len() >= 2, "the release workflow is linted too");
    let out = Command::new(tool("actionlint"))
        .arg("-shellcheck=")
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Every path of this repository a workflow or the action names exists: a renamed folder
/// (the release once built its wheel in `python/keywarden`, which was never there) fails here,
/// not on the first tag. Paths are what `working-directory:`, `uses: ./…` and commands name
/// under the repository's own folders.
#[test]
fn every_path_a_workflow_names_exists() {
    let mut files = vec![root().join("action.yml")];
    for e in std::fs::read_dir(root().join(".github/workflows")).unwrap() {
        files.push(e.unwrap().path());
    }
    let named = regex::Regex::new(
        r"(?m)working-directory:\s*(\S+)|uses:\s*(\./\S*)|(?:^|[\s\x22/])((?:scripts|python|src|rules|docs|examples|schemas)/[A-Za-z0-9_./-]*[A-Za-z0-9_])",
    )
    .unwrap();
    let mut checked = 0;
    let mut missing = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for c in named.captures_iter(&text) {
            let m = c.get(1).or(c.get(2)).or(c.get(3)).unwrap();
            let word = text[..m.start()]
                .rsplit(char::is_whitespace)
                .next()
                .unwrap_or("");
            if word.ends_with("../shared/") || word.contains("://") {
                continue; // beside the checkout, or a URL: not in this repository
            }
            let path = m.as_str();
            checked += 1;
            if !root().join(path).exists() {
                missing.push(format!("{}: {path}", file.display()));
            }
        }
    }
    assert!(checked >= 5, "the workflows name paths: {checked}");
    assert!(missing.is_empty(), "named but missing: {missing:#?}");
}

fn act(repo: &Path, home: &Path, event: &Path, sarif_out: &Path) -> Run {
    act_env(repo, home, event, sarif_out, &[])
}

/// The action's build-from-source cache for tests: under the project's target/, so it
/// survives test runs and only this crate recompiles.
pub(crate) fn action_build_dir() -> String {
    format!(
        "KEYWARDEN_BUILD_TARGET_DIR={}",
        root().join("target/test-builds/action").display()
    )
}

fn act_env(repo: &Path, home: &Path, event: &Path, sarif_out: &Path, env: &[String]) -> Run {
    act_event(repo, home, "pull_request", event, sarif_out, env)
}

fn act_event(
    repo: &Path,
    home: &Path,
    event_name: &str,
    event: &Path,
    sarif_out: &Path,
    env: &[String],
) -> Run {
    let mut cmd = act_command(repo, home, home);
    for e in env {
        cmd.arg("--env").arg(e);
    }
    // Only the test's workflow: the clone carries the project's own (CI, release), which
    // need the network.
    cmd.args([event_name, "-W", ".github/workflows/selftest.yml", "-e"])
        .arg(event)
        .arg("--env")
        .arg(format!("KW_TEST_OUT={}", sarif_out.display()))
        .output()
        .unwrap()
        .into()
}

/// `act` in host mode, offline, in `repo` with `home` as HOME: the test venv's tools on PATH,
/// this machine's Rust for the action's build from source (into the suite's build cache), and
/// GitHub's artifact and cache actions, which act cannot fetch offline, stood in for by
/// tests/it/util/act-stubs keeping their files under `store`.
pub(crate) fn act_command(repo: &Path, home: &Path, store: &Path) -> Command {
    let stubs = root().join("tests/it/util/act-stubs");
    let mut cmd = Command::new(tool("act"));
    cmd.args([
        "-P",
        "ubuntu-latest=-self-hosted",
        "--action-offline-mode",
        "--no-cache-server",
    ]);
    for (action, stub) in [
        ("actions/upload-artifact@v6", "upload-artifact"),
        ("actions/download-artifact@v7", "download-artifact"),
        ("actions/cache@v5", "cache"),
    ] {
        cmd.arg("--local-repository")
            .arg(format!("{action}={}", stubs.join(stub).display()));
    }
    let from_env = |var: &str, default: &str| {
        std::env::var(var)
            .unwrap_or_else(|_| format!("{}/{default}", std::env::var("HOME").unwrap()))
    };
    cmd.arg("--env")
        .arg(format!("KW_STUB_STORE={}", store.display()))
        .arg("--env")
        .arg(action_build_dir())
        .current_dir(repo)
        .env("HOME", home)
        .env("PATH", path_with_venv())
        .env("CARGO_HOME", from_env("CARGO_HOME", ".cargo"))
        .env("RUSTUP_HOME", from_env("RUSTUP_HOME", ".rustup"))
        .stdin(std::process::Stdio::null());
    cmd
}

/// The workflow under test; `with` adds inputs of the action (indented under `with:`).
fn workflow(with: &str) -> String {
    format!(
        r#"name: selftest
on: [pull_request, push]
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
        with:
          fetch-depth: 0
      - uses: ./
        id: kw
        with:
          sarif-file: out.sarif
{with}      - if: always()
        run: |
          echo "reported findings=${{{{ steps.kw.outputs.findings }}}}"
          cp out.sarif "$KW_TEST_OUT"
"#
    )
}

/// A clone of this repository (so `uses: ./` is this action) with a pull-request branch.
fn pr_repo(dir: &Path, add: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    pr_repo_with(dir, add, "")
}

fn pr_repo_with(dir: &Path, add: &[(&str, &str)], with: &str) -> (PathBuf, PathBuf) {
    pr_repo_by(dir, add, with, "Test Author")
}

/// `pr_repo_with`, the pull request's commit written by `author`.
fn pr_repo_by(dir: &Path, add: &[(&str, &str)], with: &str, author: &str) -> (PathBuf, PathBuf) {
    let repo = dir.join("repo");
    git(dir, &["clone", "-q", root().to_str().unwrap(), "repo"]);
    git(&repo, &["config", "user.email", "author@example.com"]);
    git(&repo, &["config", "user.name", "Test Author"]);
    write(&repo, ".github/workflows/selftest.yml", &workflow(with));
    let base = commit_all(&repo, "workflow", 1_700_000_000);
    git(&repo, &["checkout", "-q", "-b", "pr"]);
    for (path, content) in add {
        write(&repo, path, content);
    }
    if add.is_empty() {
        write(&repo, "docs/note.md", "a clean change\n");
    }
    git(&repo, &["config", "user.name", author]);
    let head = commit_all(&repo, "pull request", 1_700_000_100);
    let event = dir.join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"pull_request": {{"number": 7, "base": {{"sha": "{base}", "ref": "main", "repo": {{"full_name": "acme/app"}}}}, "head": {{"sha": "{head}", "ref": "pr", "repo": {{"full_name": "acme/app"}}}}}}, "repository": {{"default_branch": "main", "full_name": "acme/app"}}}}"#),
    )
    .unwrap();
    (repo, event)
}

/// A fake release of keywarden `version` served over HTTP from 127.0.0.1: the archive this
/// runner's target would download, holding a wrapper that logs each invocation to
/// `$KW_INVOCATIONS` and runs the binary under test, and a SHA256SUMS (`tamper`: a wrong one).
struct FakeRelease {
    url: String,
    server: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Drop for FakeRelease {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn fake_release(version: &str, tamper: bool) -> FakeRelease {
    let dir = tempdir();
    let target = match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    };
    let stem = format!("keywarden-{version}-{target}");
    let stage = dir.path().join(&stem);
    std::fs::create_dir_all(&stage).unwrap();
    let wrapper = stage.join("keywarden");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"${{KW_INVOCATIONS:-/dev/null}}\"\nexec '{}' \"$@\"\n",
            bin().display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let rel = dir.path().join(version);
    std::fs::create_dir_all(&rel).unwrap();
    let archive = format!("{stem}.tar.gz");
    let st = Command::new("tar")
        .arg("-czf")
        .arg(rel.join(&archive))
        .arg("-C")
        .arg(dir.path())
        .arg(&stem)
        .status()
        .unwrap();
    assert!(st.success());
    let sum = Command::new("sha256sum")
        .arg(&archive)
        .current_dir(&rel)
        .output()
        .unwrap();
    let mut sums = String::from_utf8(sum.stdout).unwrap();
    if tamper {
        sums = format!("{}{}", "0".repeat(64), &sums[64..]);
    }
    std::fs::write(rel.join("SHA256SUMS"), sums).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Command::new(python())
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    FakeRelease {
        url: format!("http://127.0.0.1:{port}"),
        server,
        _dir: dir,
    }
}

#[test]
#[ignore = "needs act and the Python test server; run scripts/test.sh"]
fn action_downloads_the_release_scans_once_and_fails_a_pull_request_that_adds_a_key() {
    let home = tempdir();
    let release = fake_release("v0.0.1", false);
    let with = format!(
        "          version: v0.0.1\n          release-url: {}\n          comment: true\n",
        release.url
    );
    let api_dir = tempdir();
    let api = crate::org::api(api_dir.path());
    let api_env = format!("GITHUB_API_URL=http://127.0.0.1:{}", api.port);
    let mut f = Fakes::new(50);
    let key = f.github();
    let leaky = tempdir();
    let (repo, event) = pr_repo_with(
        leaky.path(),
        &[
            ("config/leak.yml", &format!("# FAKE\nGITHUB_TOKEN={key}\n")),
            // The same key in a second file: two annotations, one secret.
            ("deploy/ci.yml", &format!("# FAKE\ntoken: {key}\n")),
        ],
        &with,
    );
    let sarif = leaky.path().join("out.sarif");
    let log = leaky.path().join("invocations.log");
    let run = act_env(
        &repo,
        home.path(),
        &event,
        &sarif,
        &[format!("KW_INVOCATIONS={}", log.display()), api_env.clone()],
    );
    assert_ne!(run.code, 0, "the job fails: {}", run.all());
    let all = run.all();
    assert!(
        all.contains("checksum verified"),
        "installed from the release: {all}"
    );
    assert!(
        !all.contains("Building keywarden"),
        "nothing compiled: {all}"
    );
    assert!(all.contains("Job failed"), "{all}");
    assert!(all.contains("config/leak.yml:2"), "{all}");
    assert!(all.contains("deploy/ci.yml:2"), "{all}");
    assert!(all.contains("::error"), "annotations printed: {all}");
    assert!(
        all.contains("reported findings=1"),
        "one secret in two files counts once: {all}"
    );
    assert!(all.contains("1 secret(s) found"), "{all}");
    assert!(!all.contains(&key), "the action never prints the secret");
    let invocations = std::fs::read_to_string(&log).unwrap();
    let scans: Vec<&str> = invocations
        .lines()
        .filter(|l| l.starts_with("scan"))
        .collect();
    // The range scan writes the text, annotations, summary and JSON; code scanning gets the
    // state of the checkout, read with the base's settings, so GitHub can mark alerts new or
    // fixed against the default branch's analysis of the same category.
    assert_eq!(scans.len(), 2, "range, then tree: {invocations}");
    assert!(scans[0].contains("--range"), "{invocations}");
    assert!(
        !scans[1].contains("--range")
            && (scans[1].contains("--config") || scans[1].contains("--no-config")),
        "{invocations}"
    );
    assert!(sarif.exists(), "SARIF written: {all}");
    assert_valid_sarif(&[&sarif]);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(
        doc["runs"][0]["automationDetails"]["id"], "keywarden/",
        "the category pushes to the default branch use too"
    );
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "the key in both files: {results:?}");
    // The reports as an artifact, redacted.
    let artifact = home.path().join("artifacts/keywarden-report");
    let json_report = std::fs::read_to_string(artifact.join("keywarden.json"))
        .expect("the JSON report in the artifact");
    assert!(
        artifact.join("out.sarif").exists(),
        "the SARIF in the artifact"
    );
    assert!(!json_report.contains(&key));
    // One comment on the pull request, redacted, with the findings' table.
    let comments = || -> Vec<serde_json::Value> {
        serde_json::from_str(
            &std::fs::read_to_string(api_dir.path().join("comments.json"))
                .unwrap_or_else(|_| "[]".into()),
        )
        .unwrap()
    };
    let first = comments();
    assert_eq!(first.len(), 1, "{first:?}\n{all}");
    let body = first[0]["body"].as_str().unwrap();
    assert!(
        body.starts_with("<!-- keywarden-comment keywarden -->"),
        "{body}"
    );
    assert!(
        body.contains("config/leak.yml") && !body.contains(&key),
        "{body}"
    );

    // The clean follow-up: the same pull request's comment is updated, not a second one.
    let clean = tempdir();
    let (repo, event) = pr_repo_with(clean.path(), &[], &with);
    let run = act_env(
        &repo,
        home.path(),
        &event,
        &clean.path().join("out.sarif"),
        std::slice::from_ref(&api_env),
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("Job succeeded"), "{}", run.all());
    let after = comments();
    assert_eq!(after.len(), 1, "one sticky comment: {after:?}");
    assert!(
        after[0]["body"].as_str().unwrap().contains("No secrets"),
        "{after:?}"
    );
    let requests = std::fs::read_to_string(api_dir.path().join("requests.log")).unwrap();
    assert!(
        requests.contains("PATCH /repos/acme/app/issues/comments/1 auth=bearer"),
        "{requests}"
    );
}

#[test]
#[ignore = "needs act and the Python test server; run scripts/test.sh"]
fn a_push_to_the_default_branch_uploads_the_category_pull_requests_compare_with() {
    let home = tempdir();
    let release = fake_release("v0.0.4", false);
    let with = format!(
        "          version: v0.0.4\n          release-url: {}\n",
        release.url
    );
    let dir = tempdir();
    let (repo, _) = pr_repo_with(dir.path(), &[], &with);
    // The clean pull request merged: a push to main from the workflow commit to the merge.
    git(&repo, &["checkout", "-q", "main"]);
    let before = git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    git(&repo, &["merge", "-q", "--ff-only", "pr"]);
    let after = git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let event = dir.path().join("push.json");
    std::fs::write(
        &event,
        format!(r#"{{"ref": "refs/heads/main", "before": "{before}", "after": "{after}", "repository": {{"default_branch": "main", "full_name": "acme/app"}}}}"#),
    )
    .unwrap();
    let sarif = dir.path().join("out.sarif");
    let run = act_event(&repo, home.path(), "push", &event, &sarif, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.all().contains(&format!("--range {before}..{after}")),
        "{}",
        run.all()
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(
        doc["runs"][0]["automationDetails"]["id"], "keywarden/",
        "the category a pull request's analysis is compared with"
    );
    assert_valid_sarif(&[&sarif]);
}

#[test]
#[ignore = "needs act and the Python test server; run scripts/test.sh"]
fn action_refuses_a_release_whose_checksum_does_not_match() {
    let home = tempdir();
    let release = fake_release("v0.0.2", true);
    let with = format!(
        "          version: v0.0.2\n          release-url: {}\n",
        release.url
    );
    let dir = tempdir();
    let (repo, event) = pr_repo_with(dir.path(), &[], &with);
    let run = act(&repo, home.path(), &event, &dir.path().join("out.sarif"));
    assert_ne!(run.code, 0, "the job fails: {}", run.all());
    let all = run.all();
    assert!(all.contains("checksum mismatch"), "{all}");
    assert!(all.contains("Refusing to run it"), "{all}");
}

#[test]
#[ignore = "needs act and the Python test server; run scripts/test.sh"]
fn action_fails_a_pull_request_that_adds_a_key_and_allowlists_it() {
    let home = tempdir();
    let key = Fakes::new(51).github();
    let dir = tempdir();
    let base_config = std::fs::read_to_string(root().join(".keywarden.yaml")).unwrap();
    let (repo, event) = pr_repo(
        dir.path(),
        &[
            ("config/leak.yml", &format!("# FAKE\nGITHUB_TOKEN={key}\n")),
            (
                ".keywarden.yaml",
                &format!("{base_config}    - \"config/**\"\n"),
            ),
        ],
    );
    let sarif = dir.path().join("out.sarif");
    let run = act(&repo, home.path(), &event, &sarif);
    assert_ne!(run.code, 0, "the job fails: {}", run.all());
    let all = run.all();
    assert!(
        all.contains("config/leak.yml:2"),
        "the key is reported: {all}"
    );
    assert!(
        all.contains("suppression-added"),
        "the allowlist line is named: {all}"
    );
    assert!(!all.contains(&key), "the action never prints the secret");
    assert_valid_sarif(&[&sarif]);
}

/// Issue #25, hole 3: an author name holding `\r::stop-commands::TOKEN` reached the job log in
/// the text report and swallowed every annotation printed after it.
#[test]
#[ignore = "needs act and the Python test server; run scripts/test.sh"]
fn action_keeps_its_annotations_when_an_author_name_injects_stop_commands() {
    let home = tempdir();
    let release = fake_release("v0.0.3", false);
    let with = format!(
        "          version: v0.0.3\n          release-url: {}\n",
        release.url
    );
    let key = Fakes::new(2532).github();
    let dir = tempdir();
    let (repo, event) = pr_repo_by(
        dir.path(),
        &[("config/leak.yml", &format!("# FAKE\nGITHUB_TOKEN={key}\n"))],
        &with,
        "dev\r::stop-commands::x1",
    );
    let run = act(&repo, home.path(), &event, &dir.path().join("out.sarif"));
    assert_ne!(run.code, 0, "the job fails: {}", run.all());
    let all = run.all();
    assert!(
        all.contains("dev\\r::stop-commands::x1"),
        "shown escaped: {all}"
    );
    // act marks a workflow command it carried out; a swallowed one is printed as plain text.
    assert!(
        all.contains("❗  ::error file=config/leak.yml,line=2"),
        "the annotation is still an annotation: {all}"
    );
    assert!(all.contains("reported findings=1"), "{all}");
    assert!(!all.contains(&key), "the action never prints the secret");
}
