//! The HTTP side of verification and revocation: one `ureq` agent over rustls that only speaks
//! HTTPS, follows no redirect, has a per-request timeout and a `keywarden/<version>` user
//! agent; requests are built from a pack's `HttpCheck` and answers read into a verdict. Errors
//! are mapped to our own words: a client error message can hold the URL, and a URL can hold the
//! secret (Telegram's `bot<token>/getMe`), so none is ever shown.

use std::net::SocketAddr;
use std::time::Duration;

use ureq::Agent;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::Verdict;
use crate::rules::HttpCheck;

/// Where requests go and what they trust, beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// PEM certificates to trust instead of Mozilla's roots (`--verify-ca`).
    pub ca_pem: Option<Vec<u8>>,
    /// `HOST=ADDR:PORT`: connect to ADDR:PORT for HOST (`--verify-connect-to`); the request,
    /// its Host header and the TLS name stay HOST.
    pub connect_to: Vec<(String, SocketAddr)>,
}

#[derive(Debug)]
struct ConnectTo {
    map: Vec<(String, SocketAddr)>,
    default: DefaultResolver,
}

impl Resolver for ConnectTo {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default();
        match self.map.iter().find(|(h, _)| h.eq_ignore_ascii_case(host)) {
            Some((_, addr)) => {
                let mut v = self.empty();
                v.push(*addr);
                Ok(v)
            }
            None => self.default.resolve(uri, config, timeout),
        }
    }
}

/// The agent every check uses.
pub fn agent(net: &Network, timeout: Duration) -> anyhow::Result<Agent> {
    let mut tls = TlsConfig::builder();
    if let Some(pem) = &net.ca_pem {
        let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c.to_owned()),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            anyhow::bail!("--verify-ca: no PEM certificate in the file");
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    // A proxy from the environment would take the connection elsewhere and make
    // `--verify-connect-to` a silent no-op: when it is given, no proxy is used, and we say so.
    let proxy = if net.connect_to.is_empty() {
        ureq::Proxy::try_from_env()
    } else {
        if ureq::Proxy::try_from_env().is_some() {
            crate::messages::warn(
                "--verify-connect-to is given: the proxy from the environment (HTTPS_PROXY, ALL_PROXY) is not used for verification",
            );
        }
        None
    };
    let config = Agent::config_builder()
        .proxy(proxy)
        .https_only(true)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .user_agent(format!("keywarden/{}", env!("CARGO_PKG_VERSION")))
        .tls_config(tls.build())
        .build();
    Ok(Agent::with_parts(
        config,
        DefaultConnector::default(),
        ConnectTo {
            map: net.connect_to.clone(),
            default: DefaultResolver::default(),
        },
    ))
}

fn fill(template: &str, secret: &str) -> String {
    template.replace("{secret}", secret)
}

fn json_escape(s: &str) -> String {
    serde_json::to_string(s)
        .map(|q| q[1..q.len() - 1].to_string())
        .unwrap_or_default()
}

fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The status and body of one answer.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Send `check` for `secret`. `extra` headers come from a signer (AWS).
#[allow(clippy::too_many_arguments)]
pub fn send(
    agent: &Agent,
    check: &HttpCheck,
    secret: &str,
    user: Option<&str>,
    extra: &[(String, String)],
    body_override: Option<&str>,
    timeout: Duration,
) -> Result<Answer, String> {
    let url = fill(&check.url, secret).replace("{user}", user.unwrap_or_default());
    let mut req = ureq::http::Request::builder()
        .method(check.method.as_str())
        .uri(&url);
    for (k, v) in &check.headers {
        req = req.header(k.as_str(), fill(v, secret));
    }
    if let Some(user) = check.basic_user.as_deref().or(user) {
        let token = crate::decode::base64_encode(format!("{user}:{secret}").as_bytes());
        req = req.header("Authorization", format!("Basic {token}"));
    }
    for (k, v) in extra {
        req = req.header(k.as_str(), v.as_str());
    }
    let body: Vec<u8> = if let Some(b) = body_override {
        b.as_bytes().to_vec()
    } else if let Some(json) = &check.json {
        req = req.header("Content-Type", "application/json");
        fill(json, &json_escape(secret)).into_bytes()
    } else if !check.form.is_empty() {
        req = req.header("Content-Type", "application/x-www-form-urlencoded");
        check
            .form
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(&fill(v, secret))))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes()
    } else {
        Vec::new()
    };
    let req = req
        .body(body)
        .map_err(|_| "the request could not be built".to_string())?;
    let req = agent
        .configure_request(req)
        .timeout_global(Some(timeout))
        .build();
    let mut response = agent.run(req).map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    Ok(Answer { status, body })
}

/// Our words for a client error: never its message, which can hold the URL.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timeout".into(),
        ureq::Error::HostNotFound => "network unreachable (host not found)".into(),
        ureq::Error::ConnectionFailed => "network unreachable".into(),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => "timeout".into(),
            _ => "network unreachable".into(),
        },
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
            "TLS error (the provider's certificate was not trusted)".into()
        }
        ureq::Error::RequireHttpsOnly(_) => "refused: not HTTPS".into(),
        _ => "request failed".into(),
    }
}

/// What an answer says about the secret.
pub fn judge(check: &HttpCheck, answer: &Answer) -> Verdict {
    let status = answer.status;
    if (300..400).contains(&status) {
        return Verdict {
            live: None,
            reason: format!("{status} redirect from the provider, not followed"),
        };
    }
    if let Some(dead) = &check.dead_body
        && answer.body.contains(dead.as_str())
    {
        return Verdict {
            live: Some(false),
            reason: format!("{status} from the provider: rejected"),
        };
    }
    let body_live = check
        .live_body
        .as_ref()
        .is_none_or(|l| answer.body.contains(l.as_str()));
    if (check.live.is_empty() || check.live.contains(&status)) && body_live {
        return Verdict {
            live: Some(true),
            reason: format!("{status} from the provider"),
        };
    }
    if check.dead.contains(&status) {
        return Verdict {
            live: Some(false),
            reason: format!("{status} from the provider"),
        };
    }
    Verdict {
        live: None,
        reason: format!("{status} from the provider, which says neither"),
    }
}
