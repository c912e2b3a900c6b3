//! The GitHub Action: action.yml against GitHub's schema, workflows through actionlint, and the
//! action end to end under `act` in host mode (offline): a pull request that adds a fake key
//! fails the job, a clean one passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::fakes::Fakes;
use crate::util::*;

fn tool(name: &str) -> PathBuf {
    python().parent().unwrap().join(name)
}

fn root() -> PathBuf {
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
fn action_yml_matches_githubs_schema() {
    assert_schema_valid(
        &shared().join("schemas/github-action.json"),
        &root().join("action.yml"),
    );
}

#[test]
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
fn workflows_lint_clean() {
    let out = Command::new(tool("actionlint"))
        .arg("-shellcheck=")
        .arg(root().join("examples/keywarden-workflow.yml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn act(repo: &Path, home: &Path, event: &Path, sarif_out: &Path) -> Run {
    Command::new(tool("act"))
        .args(["pull_request", "-e"])
        .arg(event)
        .arg("--env")
        .arg(format!("KW_TEST_OUT={}", sarif_out.display()))
        .args([
            "-P",
            "ubuntu-latest=-self-hosted",
            "--action-offline-mode",
            "--no-cache-server",
        ])
        .current_dir(repo)
        .env("HOME", home)
        .env(
            "PATH",
            format!(
                "{}:{}",
                python().parent().unwrap().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env(
            "CARGO_HOME",
            std::env::var("CARGO_HOME")
                .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap())),
        )
        .env(
            "RUSTUP_HOME",
            std::env::var("RUSTUP_HOME")
                .unwrap_or_else(|_| format!("{}/.rustup", std::env::var("HOME").unwrap())),
        )
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
        .into()
}

const WORKFLOW: &str = r#"name: selftest
on: pull_request
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
      - if: always()
        run: |
          echo "reported findings=${{ steps.kw.outputs.findings }}"
          cp out.sarif "$KW_TEST_OUT"
"#;

/// A clone of this repository (so `uses: ./` is this action) with a pull-request branch.
fn pr_repo(dir: &Path, add: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    let repo = dir.join("repo");
    git(dir, &["clone", "-q", root().to_str().unwrap(), "repo"]);
    git(&repo, &["config", "user.email", "author@example.com"]);
    git(&repo, &["config", "user.name", "Test Author"]);
    write(&repo, ".github/workflows/selftest.yml", WORKFLOW);
    let base = commit_all(&repo, "workflow", 1_700_000_000);
    git(&repo, &["checkout", "-q", "-b", "pr"]);
    for (path, content) in add {
        write(&repo, path, content);
    }
    if add.is_empty() {
        write(&repo, "docs/note.md", "a clean change\n");
    }
    let head = commit_all(&repo, "pull request", 1_700_000_100);
    let event = dir.join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"pull_request": {{"base": {{"sha": "{base}", "ref": "main"}}, "head": {{"sha": "{head}", "ref": "pr"}}}}, "repository": {{"default_branch": "main"}}}}"#),
    )
    .unwrap();
    (repo, event)
}

#[test]
fn action_fails_a_pull_request_that_adds_a_key_and_passes_a_clean_one() {
    let home = tempdir();
    let mut f = Fakes::new(50);
    let key = f.github();
    let leaky = tempdir();
    let (repo, event) = pr_repo(
        leaky.path(),
        &[("config/leak.yml", &format!("# FAKE\nGITHUB_TOKEN={key}\n"))],
    );
    let sarif = leaky.path().join("out.sarif");
    let run = act(&repo, home.path(), &event, &sarif);
    assert_ne!(run.code, 0, "the job fails: {}", run.all());
    let all = run.all();
    assert!(all.contains("Job failed"), "{all}");
    assert!(all.contains("config/leak.yml:2"), "{all}");
    assert!(all.contains("reported findings=1"), "{all}");
    assert!(!all.contains(&key), "the action never prints the secret");
    assert!(sarif.exists(), "SARIF written: {all}");
    assert_valid_sarif(&[&sarif]);

    let clean = tempdir();
    let (repo, event) = pr_repo(clean.path(), &[]);
    let run = act(&repo, home.path(), &event, &clean.path().join("out.sarif"));
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("Job succeeded"), "{}", run.all());
}

#[test]
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
