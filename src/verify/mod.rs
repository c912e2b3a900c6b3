//! Verification (`scan --verify`, opt-in): after grouping and baseline filtering, ask each
//! secret's provider whether it works. One request per unique secret, only to the host its
//! built-in pack declares (`verify:` in `rules/*.yaml`; a repository config cannot declare
//! one), at most `per_host` at a time per host, each with a timeout, all within a total budget;
//! no redirect is followed. A live key moves to critical and its checklist starts with
//! "revoke now"; a dead one is still reported (it was a secret), one severity lower.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::finding::Finding;
use crate::rules::{HttpCheck, RuleSet};
use crate::severity::Severity;

pub mod aws;
pub mod http;

pub use http::Network;

/// A provider's answer about one secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `Some(true)` live, `Some(false)` dead, `None` unknown.
    pub live: Option<bool>,
    /// Why (`401 from the provider`, `timeout`, `network unreachable`).
    pub reason: String,
}

/// How verification may spend time and where it may connect.
#[derive(Debug, Clone)]
pub struct Options {
    /// Per request.
    pub timeout: Duration,
    /// For the whole stage; what is not asked by then is `null` with a reason.
    pub budget: Duration,
    /// Requests in flight per host.
    pub per_host: usize,
    pub network: Network,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(5),
            budget: Duration::from_secs(30),
            per_host: 2,
            network: Network::default(),
        }
    }
}

/// One request to make: a rule's check for one secret (and, for AWS, its access key id).
struct Job<'a> {
    check: &'a HttpCheck,
    host: &'a str,
    secret: String,
    /// AWS: the access key id; Twilio: the account SID on the line.
    key_id: Option<String>,
}

/// The access key id an AWS secret is signed with: one found in the same file.
fn paired_key_id(f: &Finding, all: &[Finding]) -> Option<String> {
    let paths: Vec<&str> = f.locations.iter().map(|l| l.path.as_str()).collect();
    all.iter()
        .filter(|o| o.rule_id == "aws-access-key-id")
        .find(|o| o.locations.iter().any(|l| paths.contains(&l.path.as_str())))
        .and_then(|o| o.secret.as_ref().map(|s| s.expose().to_string()))
}

/// The Basic-auth user a check takes from the finding's line (redacted context keeps ids, which
/// are not secrets).
fn user_on_line(check: &HttpCheck, f: &Finding) -> Option<String> {
    let pattern = check.basic_user_on_line.as_deref()?;
    let re = regex::Regex::new(pattern).ok()?;
    f.locations
        .iter()
        .find_map(|l| re.find(&l.context).map(|m| m.as_str().to_string()))
}

fn ask(agent: &ureq::Agent, job: &Job, timeout: Duration) -> Verdict {
    if job.check.basic_user_on_line.is_some() && job.key_id.is_none() {
        return Verdict {
            live: None,
            reason: "needs the paired account id on the same line (none found)".into(),
        };
    }
    let user = if job.check.aws_sigv4 {
        None
    } else {
        job.key_id.as_deref()
    };
    let (extra, body) = if job.check.aws_sigv4 {
        let Some(key_id) = &job.key_id else {
            return Verdict {
                live: None,
                reason: "needs the paired access key id (none found in the same file)".into(),
            };
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let headers = aws::sign(job.host, key_id, &job.secret, &crate::civil::amz_date(now));
        (headers, Some(aws::BODY))
    } else {
        (Vec::new(), None)
    };
    match http::send(agent, job.check, &job.secret, user, &extra, body, timeout) {
        Ok(answer) => http::judge(job.check, &answer),
        Err(reason) => Verdict { live: None, reason },
    }
}

/// Verify every finding whose rule can be verified; returns how many requests were made.
pub fn run(findings: &mut [Finding], rules: &RuleSet, opts: &Options) -> Result<usize> {
    let started = Instant::now();
    let deadline = started + opts.budget;
    // One job per unique (rule, secret).
    let mut jobs: Vec<Job> = Vec::new();
    let mut job_of: Vec<Option<usize>> = vec![None; findings.len()];
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let (Some(secret), Some(rule)) = (&f.secret, rules.get(&f.rule_id)) else {
            continue;
        };
        let Some(check) = &rule.spec.verify else {
            continue;
        };
        let Some(host) = check.host() else { continue };
        let key = (f.rule_id.clone(), secret.expose().to_string());
        let j = *index.entry(key).or_insert_with(|| {
            jobs.push(Job {
                check,
                host,
                secret: secret.expose().to_string(),
                key_id: if check.aws_sigv4 {
                    paired_key_id(f, findings)
                } else {
                    user_on_line(check, f)
                },
            });
            jobs.len() - 1
        });
        job_of[i] = Some(j);
    }
    if jobs.is_empty() {
        return Ok(0);
    }
    let agent = http::agent(&opts.network, opts.timeout)?;
    let mut by_host: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (j, job) in jobs.iter().enumerate() {
        by_host.entry(job.host).or_default().push_back(j);
    }
    let verdicts: Mutex<HashMap<usize, Verdict>> = Mutex::new(HashMap::new());
    let queues: Vec<(usize, Mutex<VecDeque<usize>>)> = by_host
        .into_values()
        .map(|q| (q.len(), Mutex::new(q)))
        .collect();
    std::thread::scope(|scope| {
        for (n, queue) in &queues {
            for _ in 0..opts.per_host.max(1).min(*n) {
                scope.spawn(|| {
                    loop {
                        let Some(j) = queue.lock().expect("queue").pop_front() else {
                            break;
                        };
                        let left = deadline.saturating_duration_since(Instant::now());
                        let verdict = if left.is_zero() {
                            Verdict {
                                live: None,
                                reason: "not asked: the verification budget ran out".into(),
                            }
                        } else {
                            ask(&agent, &jobs[j], opts.timeout.min(left))
                        };
                        verdicts.lock().expect("verdicts").insert(j, verdict);
                    }
                });
            }
        }
    });
    let verdicts = verdicts.into_inner().expect("verdicts");
    for (f, j) in findings.iter_mut().zip(job_of) {
        let Some(v) = j.and_then(|j| verdicts.get(&j)) else {
            continue;
        };
        f.verified = v.live;
        f.verification = Some(v.reason.clone());
        match v.live {
            Some(true) => f.severity = Severity::Critical,
            Some(false) => f.severity = f.severity.lower(),
            None => {}
        }
    }
    Ok(jobs.len())
}

/// Revoke one secret with its rule's `revoke` check; the verdict's `live` is `Some(true)` when
/// the provider confirmed the revocation.
pub fn revoke(check: &HttpCheck, secret: &str, opts: &Options) -> Result<Verdict> {
    let agent = http::agent(&opts.network, opts.timeout)?;
    Ok(
        match http::send(&agent, check, secret, None, &[], None, opts.timeout) {
            Ok(answer) => http::judge(check, &answer),
            Err(reason) => Verdict { live: None, reason },
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        live: &[u16],
        dead: &[u16],
        live_body: Option<&str>,
        dead_body: Option<&str>,
    ) -> HttpCheck {
        HttpCheck {
            url: "https://api.example.invalid/v1/me".into(),
            method: "GET".into(),
            headers: Default::default(),
            basic_user: None,
            basic_user_on_line: None,
            form: Default::default(),
            json: None,
            aws_sigv4: false,
            live: live.to_vec(),
            dead: dead.to_vec(),
            live_body: live_body.map(String::from),
            dead_body: dead_body.map(String::from),
        }
    }

    fn answer(status: u16, body: &str) -> http::Answer {
        http::Answer {
            status,
            body: body.into(),
        }
    }

    #[test]
    fn answers_are_read_by_status_and_body() {
        let c = check(&[200], &[401], None, None);
        assert_eq!(http::judge(&c, &answer(200, "")).live, Some(true));
        assert_eq!(http::judge(&c, &answer(401, "")).live, Some(false));
        assert_eq!(http::judge(&c, &answer(500, "")).live, None);
        let r = http::judge(&c, &answer(302, ""));
        assert_eq!(r.live, None);
        assert!(r.reason.contains("not followed"));
        let slack = check(&[200], &[], Some("\"ok\":true"), Some("\"ok\":false"));
        assert_eq!(
            http::judge(&slack, &answer(200, "{\"ok\":true}")).live,
            Some(true)
        );
        assert_eq!(
            http::judge(&slack, &answer(200, "{\"ok\":false}")).live,
            Some(false)
        );
    }

    #[test]
    fn a_check_host_is_fixed_in_the_pack() {
        let mut c = check(&[200], &[], None, None);
        assert_eq!(c.host(), Some("api.example.invalid"));
        c.url = "https://{secret}.example.invalid/".into();
        assert_eq!(c.host(), None);
        c.url = "http://api.example.invalid/".into();
        assert_eq!(c.host(), None);
        c.url = "https://user@api.example.invalid/".into();
        assert_eq!(c.host(), None);
    }
}
