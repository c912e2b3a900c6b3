//! The organization workflow (`.github/workflows/org-scan.yml`) end to end under `act`: a
//! caller runs it against a local mock of GitHub's REST API (paginated, tests/it/util/
//! mock_github_api.py) and local bare repositories as clone sources. Two repositories hold the
//! same fake key, one cannot be cloned, an archived one and a fork are filtered out. GitHub's
//! own cache and artifact actions, which act cannot fetch offline, are stood in for by
//! tests/it/util/act-stubs (a shared folder plays the services).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::action::root;
use crate::util::fakes::Fakes;
use crate::util::*;

const TOKEN: &str = "fake-org-token-for-tests-0001";

pub(crate) struct Api {
    child: std::process::Child,
    pub(crate) port: u16,
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The mock REST API serving `dir` (tests/it/util/mock_github_api.py).
pub(crate) fn api(dir: &Path) -> Api {
    let script = root().join("tests/it/util/mock_github_api.py");
    let child = Command::new(python())
        .arg(&script)
        .arg(dir)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !dir.join("port").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the mock API did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let port = std::fs::read_to_string(dir.join("port"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    Api { child, port }
}

/// A bare repository `bare/acme/NAME.git` whose one commit holds `files`.
fn bare(dir: &Path, name: &str, files: &[(&str, String)]) {
    let work = dir.join("work").join(name);
    std::fs::create_dir_all(&work).unwrap();
    init_repo(&work);
    for (p, c) in files {
        write(&work, p, c);
    }
    commit_all(&work, "keys", 1_650_000_000);
    let target = dir.join("bare/acme").join(format!("{name}.git"));
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    git(
        dir,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            target.to_str().unwrap(),
        ],
    );
}

fn caller(port: u16, bare: &Path) -> String {
    format!(
        r#"name: org-test
on: workflow_dispatch
jobs:
  org:
    uses: ./.github/workflows/org-scan.yml
    with:
      org: acme
      api-url: http://127.0.0.1:{port}
      clone-url: file://{}
      keywarden-version: source
      shard-size: 1
    secrets:
      token: ${{{{ secrets.ORG_TOKEN }}}}
"#,
        bare.display()
    )
}

fn run_act(repo: &Path, home: &Path, store: &Path) -> Run {
    let mut cmd = crate::action::act_command(repo, home, store);
    cmd.args(["workflow_dispatch", "-W", ".github/workflows/org-test.yml"])
        // The action from a clone (the project's folder holds target/, gigabytes act would copy).
        .arg("--local-repository")
        .arg(format!("keywarden/keywarden@v0.1.0={}", repo.display()))
        .args(["-s", &format!("ORG_TOKEN={TOKEN}")]);
    cmd.output().unwrap().into()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
#[ignore = "needs act and a Rust toolchain for the action's build; run scripts/test.sh"]
fn an_organization_scan_merges_every_repository_and_names_the_failed_one() {
    let dir = tempdir();
    let kept = std::env::var_os("KW_KEEP").map(|_| dir.path().to_path_buf());
    let d = dir.path();
    let mut f = Fakes::new(131);
    let (shared, own) = (f.github(), f.stripe_live());
    bare(
        d,
        "api",
        &[("app.py", format!("# FAKE\nTOKEN = '{shared}'\n"))],
    );
    bare(
        d,
        "web",
        &[
            ("src/config.py", format!("# FAKE\nTOKEN = '{shared}'\n")),
            ("pay.py", format!("# FAKE\nSTRIPE = '{own}'\n")),
        ],
    );
    bare(
        d,
        "old",
        &[("k.py", format!("# FAKE\nT = '{}'\n", f.github()))],
    );
    let repo = |name: &str, size: u64, archived: bool, fork: bool| {
        serde_json::json!({"name": name, "full_name": format!("acme/{name}"), "size": size,
            "archived": archived, "fork": fork, "visibility": "private", "topics": []})
    };
    let api_dir = d.join("api");
    std::fs::create_dir_all(&api_dir).unwrap();
    std::fs::write(
        api_dir.join("repos.json"),
        serde_json::to_string(&[
            repo("api", 10, false, false),
            repo("web", 30, false, false),
            repo("broken", 5, false, false), // listed, but no repository to clone
            repo("old", 1, true, false),     // archived: left out
            repo("forked", 1, false, true),  // a fork: left out
        ])
        .unwrap(),
    )
    .unwrap();
    let mock = api(&api_dir);

    let checkout = d.join("caller");
    git(d, &["clone", "-q", root().to_str().unwrap(), "caller"]);
    git(&checkout, &["config", "user.email", "author@example.com"]);
    git(&checkout, &["config", "user.name", "Test Author"]);
    write(
        &checkout,
        ".github/workflows/org-test.yml",
        &caller(mock.port, &d.join("bare")),
    );
    commit_all(&checkout, "caller", 1_700_000_000);
    let (home, store) = (d.join("home"), d.join("store"));
    std::fs::create_dir_all(&home).unwrap();

    let run = run_act(&checkout, &home, &store);
    let log = run.all();
    if let Some(k) = &kept {
        std::fs::write(k.with_extension("log"), &log).unwrap();
        eprintln!("log: {}", k.with_extension("log").display());
    }
    assert_eq!(run.code, 0, "{log}");
    let report_file = store.join("artifacts/keywarden-org-report/org-report.json");
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&report_file)
            .unwrap_or_else(|_| panic!("no merged report\n{log}")),
    )
    .unwrap();
    crate::merge::assert_the_shared_key_once(&doc);
    // Every chosen repository is listed, the one that could not be cloned with its error.
    let mut repos: Vec<(String, Option<String>)> = doc["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["repository"].as_str().unwrap().to_string(),
                r["error"].as_str().map(String::from),
            )
        })
        .collect();
    repos.sort();
    assert_eq!(repos.len(), 3, "{repos:?}");
    assert_eq!(repos[0].0, "acme/api");
    assert_eq!(repos[1].0, "acme/broken");
    assert!(
        repos[1]
            .1
            .as_deref()
            .is_some_and(|e| e.starts_with("clone failed")),
        "{repos:?}"
    );
    assert_eq!(repos[2].0, "acme/web");
    // The API was paged through with the token; the token is in no artifact, cache or log line.
    let requests = std::fs::read_to_string(api_dir.join("requests.log")).unwrap();
    assert_eq!(
        requests.matches("/orgs/acme/repos auth=bearer").count(),
        3,
        "{requests}"
    );
    assert!(!log.contains(TOKEN), "the token is in act's output");
    for file in files_under(&store) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TOKEN),
            "token in {}",
            file.display()
        );
        for s in [&shared, &own] {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(s.as_str()),
                "secret in {}",
                file.display()
            );
        }
    }
    assert!(
        store
            .join("artifacts/keywarden-org-report/org-report.html")
            .exists()
    );

    // A second run: refs unchanged, so the reports come from the cache, not a new scan.
    let again = run_act(&checkout, &home, &store);
    let log2 = again.all();
    assert_eq!(again.code, 0, "{log2}");
    assert!(
        log2.contains("acme/api: refs unchanged since the last run"),
        "{log2}"
    );
    assert!(
        log2.contains("acme/web: refs unchanged since the last run"),
        "{log2}"
    );
    let doc2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_file).unwrap()).unwrap();
    assert_eq!(doc2["findings"].as_array().unwrap().len(), 2);
}
