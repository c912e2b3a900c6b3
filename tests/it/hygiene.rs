//! File hygiene in real git repositories: .env tracked, staged, in history, not ignored,
//! readable by others; .env.example values; key files; and `keywarden fix`.

use std::os::unix::fs::PermissionsExt;

use crate::util::fakes::Fakes;
use crate::util::*;

fn rules_at(run: &Run) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = findings(run).into_iter().map(|(r, p, _)| (r, p)).collect();
    v.sort();
    v
}

fn chmod(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn tracked_unignored_and_wide_open_env_files() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, ".env", "# FAKE\nDEBUG=1\nSESSION_NAME=app\n");
    chmod(&d.join(".env"), 0o600);
    commit_all(d, "oops, committed .env", 1_600_000_000);
    let secret = Fakes::new(60).s(crate::util::fakes::ALNUM, 32);
    write(
        d,
        "svc/.env.local",
        &format!("# FAKE value for a test\nPORT=8080\nSESSION_SECRET={secret}\n"),
    );
    chmod(&d.join("svc/.env.local"), 0o644);
    // Readable by others but holding no secret: its mode is not a finding.
    write(d, "svc/.env.defaults", "PORT=8080\nLOG_LEVEL=debug\n");
    chmod(&d.join("svc/.env.defaults"), 0o644);
    write(
        d,
        "svc/.env.example",
        "API_KEY=your-key-here\nDATABASE_URL=postgres://localhost/dev\n",
    );
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        rules_at(&run),
        vec![
            ("env-file-not-ignored".into(), "svc/.env.defaults".into()),
            ("env-file-not-ignored".into(), "svc/.env.local".into()),
            ("env-file-tracked".into(), ".env".into()),
            ("generic-secret-config".into(), "svc/.env.local".into()),
            ("secret-file-permissions".into(), "svc/.env.local".into()),
        ]
    );
    let v = json(&run);
    let tracked = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "env-file-tracked")
        .unwrap();
    assert_eq!(
        tracked["details"]["variables"], "DEBUG, SESSION_NAME",
        "names, never values"
    );
    let not_ignored = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "env-file-not-ignored")
        .unwrap();
    assert!(
        not_ignored["details"]["add to .gitignore"]
            .as_str()
            .unwrap()
            .contains("!.env.example")
    );
}

#[test]
fn ignore_rules_follow_git_nested_gitignore_and_info_exclude() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, "a/.gitignore", ".env\n");
    let secret = Fakes::new(61).s(crate::util::fakes::ALNUM, 32);
    write(
        d,
        "a/.env",
        &format!("# FAKE value for a test\nX=1\nAPI_TOKEN={secret}\n"),
    );
    write(d, "b/.env", "X=1\n");
    write(d, ".git/info/exclude", "c/\n");
    write(d, "c/.env", "X=1\n");
    for p in ["a/.env", "b/.env", "c/.env"] {
        chmod(&d.join(p), 0o600);
    }
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(
        rules_at(&run),
        vec![("env-file-not-ignored".into(), "b/.env".into())],
        "{}",
        run.stdout
    );
    chmod(&d.join("a/.env"), 0o640);
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert!(
        rules_at(&run).contains(&("secret-file-permissions".into(), "a/.env".into())),
        "an ignored .env still gets its permissions checked: {}",
        run.stdout
    );
}

#[test]
fn example_files_with_real_values_and_key_files() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(70);
    let generic = f.s(crate::util::fakes::ALNUM, 32);
    write(
        d,
        ".env.example",
        &format!(
            "# FAKE\nOPENAI_API_KEY=sk-proj-your-key-here\nINTERNAL_API_TOKEN={generic}\nPORT=3000\nDB_PASSWORD=changeme\n"
        ),
    );
    // FAKE key material in the PEM shape; a certificate named *.pem holds no secret.
    write(
        d,
        "deploy/server.key",
        "-----BEGIN PRIVATE KEY-----\nMIIFAKEFAKEFAKE\n-----END PRIVATE KEY-----\n",
    );
    write(
        d,
        "deploy/chain.pem",
        "-----BEGIN CERTIFICATE-----\nMIIFAKE\n-----END CERTIFICATE-----\n",
    );
    write(d, "deploy/id_ed25519.pub", "ssh-ed25519 AAAA fake\n");
    write(d, "deploy/ca.crt", "cert\n");
    chmod(&d.join("deploy/server.key"), 0o600);
    commit_all(d, "files", 1_600_000_000);
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    let got: Vec<(String, String, u64)> = findings(&run);
    assert!(
        got.contains(&("env-example-real-value".into(), ".env.example".into(), 3)),
        "{}",
        run.stdout
    );
    assert_eq!(
        got.iter().filter(|(_, _, l)| *l == 3).count(),
        1,
        "reported once: {got:?}"
    );
    assert!(
        got.contains(&("key-file-tracked".into(), "deploy/server.key".into(), 1)),
        "{}",
        run.stdout
    );
    assert!(
        !got.iter().any(|(_, p, _)| p.ends_with(".pub")
            || p.ends_with(".crt")
            || p.ends_with("chain.pem")),
        "public keys and certificates are fine"
    );
    assert!(
        !got.iter().any(|(_, _, l)| *l == 2 || *l == 5),
        "placeholders are not findings: {got:?}"
    );
    assert_no_secret(&run, &[&generic]);
}

#[test]
fn staged_and_history_report_env_files() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, "README.md", "x\n");
    commit_all(d, "init", 1_600_000_000);
    write(
        d,
        ".env.production",
        "# FAKE\nAPI_URL=https://example.org\n",
    );
    git(d, &["add", ".env.production"]);
    let run = keywarden(d, &["scan", "--staged", "--format", "json"]);
    assert_eq!(
        rules_at(&run),
        vec![("env-file-tracked".into(), ".env.production".into())],
        "{}",
        run.all()
    );
    assert!(
        keywarden(d, &["scan", "--staged"])
            .stdout
            .contains("git restore --staged")
    );
    let added = commit_all(d, "add env", 1_600_000_100);
    git(d, &["rm", "-q", ".env.production"]);
    commit_all(d, "remove env", 1_600_000_200);
    let run = keywarden(d, &["scan", "--history", "--format", "json"]);
    let j = json(&run);
    let f = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "env-file-tracked")
        .cloned()
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert_eq!(
        f["commit"],
        added.as_str(),
        "the first commit that added it"
    );
    assert_eq!(f["in_head"], false);
}

#[test]
fn fix_dry_run_then_apply_is_idempotent() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(71);
    let key = f.github();
    write(d, ".gitignore", "target/\n");
    write(d, "app/.env", "# FAKE\nAPP_SECRET=abc\n");
    chmod(&d.join("app/.env"), 0o600);
    commit_all(d, "tracked app env", 1_600_000_000);
    write(
        d,
        ".env",
        &format!("# FAKE\nGITHUB_TOKEN={key}\nexport DEBUG=1\n"),
    );
    chmod(&d.join(".env"), 0o644);

    let dry = keywarden(d, &["fix"]);
    assert_eq!(
        dry.code,
        1,
        "something to fix: a CI check fails: {}",
        dry.all()
    );
    assert!(
        dry.stdout.contains("would chmod 600 .env"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("would add to .gitignore:"),
        "a path relative to where it ran: {}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("git rm --cached app/.env"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        std::fs::read_to_string(d.join(".gitignore")).unwrap(),
        "target/\n",
        "dry run changes nothing"
    );
    assert!(!d.join(".env.example").exists());

    let apply = keywarden(d, &["fix", "--apply"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert_eq!(
        std::fs::metadata(d.join(".env"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let gi = std::fs::read_to_string(d.join(".gitignore")).unwrap();
    assert!(
        gi.starts_with("target/\n") && gi.contains("\n.env\n") && gi.contains("!.env.example"),
        "{gi}"
    );
    let example = std::fs::read_to_string(d.join(".env.example")).unwrap();
    assert!(
        example.contains("GITHUB_TOKEN=\n") && example.contains("DEBUG=\n"),
        "{example}"
    );
    assert!(!example.contains(&key), "never a real value");
    assert_no_secret(&apply, &[&key]);
    let untracked = git(d, &["ls-files", "app/.env"]);
    assert_eq!(
        untracked, "app/.env",
        "fix prints git rm --cached, never runs it"
    );

    let again = keywarden(d, &["fix", "--apply"]);
    assert!(
        !again.stdout.contains("chmod")
            && !again.stdout.contains("add to")
            && !again.stdout.contains("write "),
        "{}",
        again.stdout
    );
    assert_eq!(std::fs::read_to_string(d.join(".gitignore")).unwrap(), gi);
}

#[test]
fn permissions_matter_only_for_untracked_files_that_hold_a_secret() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(62);
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        f.s(crate::util::fakes::ALNUM, 64)
    );
    // FAKE key material; a certificate and a public key hold nothing secret.
    write(
        d,
        "certs/ca.pem",
        "-----BEGIN CERTIFICATE-----\nMIIBFAKE\n-----END CERTIFICATE-----\n",
    );
    write(
        d,
        "ssh/id_ed25519.pub",
        "ssh-ed25519 AAAAC3NzaFAKE test@example.com\n",
    );
    write(d, "tracked/server.key", &pem);
    commit_all(d, "tracked files", 1_600_000_000);
    write(d, "local/server.key", &pem);
    for p in [
        "certs/ca.pem",
        "ssh/id_ed25519.pub",
        "tracked/server.key",
        "local/server.key",
    ] {
        chmod(&d.join(p), 0o644);
    }
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    let perms: Vec<_> = rules_at(&run)
        .into_iter()
        .filter(|(r, _)| r == "secret-file-permissions")
        .collect();
    assert_eq!(
        perms,
        vec![(
            "secret-file-permissions".to_string(),
            "local/server.key".to_string()
        )],
        "{}",
        run.stdout
    );
}

#[test]
fn staged_edits_of_an_already_tracked_env_file_are_not_a_new_tracking() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, ".env", "DEBUG=1\n");
    commit_all(d, "committed long ago", 1_600_000_000);
    write(d, ".env", "DEBUG=0\n");
    git(d, &["add", ".env"]);
    let run = keywarden(d, &["scan", "--staged", "--format", "json"]);
    assert_eq!(run.code, 0, "an edit is not what tracked it: {}", run.all());
    write(d, "svc/.env", "DEBUG=1\n");
    git(d, &["add", "svc/.env"]);
    let run = keywarden(d, &["scan", "--staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        rules_at(&run),
        vec![("env-file-tracked".to_string(), "svc/.env".to_string())]
    );
}
