//! What makes a value assigned to a secret-sounding name a secret: the judgement behind the
//! `generic-value` and `database-url` validators. A value must be a literal that looks random
//! for its alphabet; placeholders, references to a secret store, paths, URLs, identifiers,
//! words, commit hashes and another vendor's (malformed) key are not secrets.

use std::sync::OnceLock;

use regex::Regex;

use crate::entropy::shannon_entropy;
use crate::placeholders::Placeholders;

const WORDS: &str = include_str!("../rules/generic-words.yaml");

/// The word and host lists (`rules/generic-words.yaml`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    secret_words: Vec<String>,
    public_names: Vec<String>,
    digest_names: Vec<String>,
    uuid_secret_names: Vec<String>,
    local_hosts: Vec<String>,
    doc_hosts: Vec<String>,
}

fn words() -> &'static Words {
    static W: OnceLock<Words> = OnceLock::new();
    W.get_or_init(|| {
        crate::yaml::parse_yaml("rules/generic-words.yaml", WORDS)
            .expect("the built-in word lists parse (unit-tested)")
    })
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static regex"))
}

/// The secret-sounding name a value was assigned to: the last identifier before it that holds
/// a secret word (`API_KEY` in `os.getenv("API_KEY", "…")`, `SECRET` in
/// `const SECRET: &str = "…"`, `ApiKey` in `<add key="ApiKey" value="…">`).
pub fn name_of(before: &[u8]) -> String {
    let text = String::from_utf8_lossy(before).to_ascii_lowercase();
    text.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .find(|w| words().secret_words.iter().any(|s| w.contains(s.as_str())))
        .unwrap_or_default()
        .to_string()
}

/// True when `value` (assigned to the name in `before`) plausibly is a secret.
pub fn plausible(value: &[u8], before: &[u8], vendor_prefixes: &[String]) -> bool {
    let Ok(v) = std::str::from_utf8(value) else {
        return false;
    };
    let name = name_of(before);
    // A bare `key` (a JSON field, a map entry) says nothing about what the value is.
    if words()
        .public_names
        .iter()
        .any(|p| name.contains(p.as_str()))
        || matches!(name.as_str(), "key" | "keys")
    {
        return false;
    }
    if Placeholders::get().matches(v)
        || reference(v)
        || pattern_or_format(v)
        || path_or_url(v)
        || identifier_or_words(v)
        || vendor_prefixes.iter().any(|p| v.starts_with(p.as_str()))
    {
        return false;
    }
    // A base64 encoding of text is judged by the text (of a `user:password`, the password):
    // `YWxpY2U6c2VjcmV0LXBhc3N3ZA==` is `alice:secret-passwd`, `YS1naXQtdG9rZW4=` is
    // `a-git-token`. Random key bytes never decode to printable text.
    if let Some(text) = base64_text(value) {
        let secret = memchr::memchr(b':', &text).map_or(&text[..], |c| &text[c + 1..]);
        return plausible(secret, before, vendor_prefixes);
    }
    static UUID: OnceLock<Regex> = OnceLock::new();
    if re(
        &UUID,
        r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    )
    .is_match(v)
    {
        return words()
            .uuid_secret_names
            .iter()
            .any(|s| name.contains(s.as_str()));
    }
    let entropy = shannon_entropy(value);
    if v.bytes().all(|b| b.is_ascii_hexdigit()) {
        let digest_name = words()
            .digest_names
            .iter()
            .any(|s| name.contains(s.as_str()));
        // 24 hex digits and up: KuCoin-style keys; shorter ones are ids and colours.
        return v.len() >= 24 && !digest_name && entropy >= 3.0;
    }
    let has = |f: fn(&u8) -> bool| value.iter().any(f);
    let classes = [
        has(u8::is_ascii_lowercase),
        has(u8::is_ascii_uppercase),
        has(u8::is_ascii_digit),
        has(|b| b.is_ascii_punctuation()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    (v.len() >= 16 && classes >= 2 && entropy >= 3.5)
        || (v.len() >= 12 && classes >= 3 && entropy >= 3.3)
}

/// The printable ASCII text a padded (or whole-quantum) standard base64 value encodes, if it is
/// one.
fn base64_text(value: &[u8]) -> Option<Vec<u8>> {
    let body = value
        .strip_suffix(b"==")
        .or(value.strip_suffix(b"="))
        .unwrap_or(value);
    if value.len() < 8
        || (body.len() == value.len() && !value.len().is_multiple_of(4))
        || !body
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
    {
        return None;
    }
    let text = crate::decode::base64_decode(body)?;
    (text.len() >= 4 && text.iter().all(|b| (0x20..0x7F).contains(b))).then_some(text)
}

/// A reference to where a secret lives, not the secret: `${VAR}`, `vault:…`, `op://…`,
/// `arn:aws:…`, `anthropic:api-key`, `secrets.X`, an interpolation (`{cfg.key}` in an f-string).
fn reference(v: &str) -> bool {
    static PROVIDER_REF: OnceLock<Regex> = OnceLock::new();
    v.starts_with(['$', '%', '@', '!', '&', '*', '{'])
        || v.starts_with("#{")
        || v.starts_with("arn:")
        || v.contains("${")
        || v.contains("#{")
        || v.contains("{{")
        || re(&PROVIDER_REF, r"^[a-z][a-z0-9_-]*:[A-Za-z0-9_./:#-]+$").is_match(v)
}

/// A regular expression, a format string or an expression of code, not a value
/// (`[a-z]+(?:…)`, `VS%0.fTOOLS`, minified `l.C0.DEL:n.keyCode===219?…`). Not `==` alone: base64
/// parts joined by `.` or `:` hold it (`t1.gnNVZLz==.8vf1…`).
fn pattern_or_format(v: &str) -> bool {
    [
        "[a-z", "[A-Z", "[0-9", "(?", "\\d", "\\w", "\\s", ".*", ".+", "{}", "{0}", "%s", "%d",
        "%0", "%(", "===", "!==", "&&", "||", "=>",
    ]
    .iter()
    .any(|p| v.contains(p))
}

/// A file path, a URL (a URL with a password is the database rule's), or a name made of
/// `/`-separated words (`keywarden/secretId/v1`); a random value with a `/` has random segments.
fn path_or_url(v: &str) -> bool {
    static FILE: OnceLock<Regex> = OnceLock::new();
    static VERSION: OnceLock<Regex> = OnceLock::new();
    // `/`-separated, and a route's `controller#action` (`active_storage/disk#update`).
    let segments_are_words = v.contains('/')
        && v.split(['/', '#']).all(|seg| {
            seg.is_empty()
                || identifier_or_words(seg)
                || re(&VERSION, r"^v?[0-9]+(?:\.[0-9]+)*$").is_match(seg)
        });
    segments_are_words
        || v.contains("://")
        || v.starts_with(['/', '~'])
        || v.starts_with("./")
        || v.starts_with("../")
        || re(
            &FILE,
            r"(?i)\.(?:pem|key|json|txt|ya?ml|p12|pfx|crt|env|ini|cfg|conf|toml|xml|properties|py|js|ts|rb|go|rs|java|php|cs|sh|md)(?::[0-9]+){0,2}$",
        )
        .is_match(v)
}

/// An identifier, a dotted or `::` path, a constant name, words, or a name with a version
/// (`user_profile_v2`, `EmrManagedMasterSecurityGroup`, `self.api_key`, `SalesResults-1.2`).
fn identifier_or_words(v: &str) -> bool {
    static SHAPES: OnceLock<Regex> = OnceLock::new();
    // A private-by-convention name (`_aj_ruby2_keywords`, `__init__`) is still a name.
    let v = v.trim_matches('_');
    // A word-prefixed random token (`shippo_live_f83caad7…`, `tk-us-jct0iq61x7…`) has the
    // shape of snake words, but one of its segments is random.
    if v.split(['_', '-', '.']).any(random_segment) {
        return false;
    }
    let shapes = re(
        &SHAPES,
        r"(?x)^(?:
            [A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]*)+  # dotted or :: path
          | [A-Z][A-Z0-9_]+                                             # CONSTANT_NAME
          | [a-z]+(?:[-_.]{1,2}[a-z0-9]+)+                              # snake, kebab words
          | [a-z]+[0-9]*(?:[A-Z][a-z]+[0-9]*)+                          # camelCase words
          | (?:[A-Z][a-z]+[0-9]*)+                                      # PascalCase words
          | [A-Za-z]+                                                   # one word
          | [A-Za-z][A-Za-z_]*[A-Za-z][-_.]?v?[0-9]+(?:\.[0-9]+)+       # name with a version
          | (?:[A-Z]+[0-9]*|[A-Z]?[a-z]+[0-9]*|[0-9]+)(?:[-_.](?:[A-Z]+[0-9]*|[A-Z]?[a-z]+[0-9]*|[0-9]+))+  # Mixed_Case_words_5
        )$",
    );
    shapes.is_match(v)
}

/// A segment no one would write as a word: long, and switching between letters and digits
/// again and again (`f83caad739ee7158c7e9`, `ady0c0cqx2yqthy8wabxr720`), or long hex with a
/// digit. `getUser2FactorAuth`, `sha256withrsa` and `v1beta1` switch too rarely.
fn random_segment(seg: &str) -> bool {
    if seg.len() < 12 || !seg.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let switches = seg
        .as_bytes()
        .windows(2)
        .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
        .count();
    switches >= 4 || (seg.len() >= 16 && seg.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A connection URL's password (`before` ends with `scheme://user:`, `after` starts with
/// `@host`): not a placeholder, and not the user name again on a local host.
pub fn database_password(password: &[u8], before: &[u8], after: &[u8]) -> bool {
    let Ok(pw) = std::str::from_utf8(password) else {
        return false;
    };
    if Placeholders::get().matches(pw) {
        return false;
    }
    let before = String::from_utf8_lossy(before);
    let user = before
        .rsplit("://")
        .next()
        .unwrap_or_default()
        .trim_end_matches(':');
    let host = host_after(after);
    let local = is_local(&host);
    !(local && user.eq_ignore_ascii_case(pw))
}

/// This machine or a development name (`localhost`, `*.local`, `*.test`).
fn is_local(host: &str) -> bool {
    words().local_hosts.iter().any(|h| h == host)
        || host.ends_with(".local")
        || host.ends_with(".localhost")
        || host.ends_with(".test")
}

/// The host of the text after a password (`@db.example.net:5432/app`), lowercased.
fn host_after(after: &[u8]) -> String {
    String::from_utf8_lossy(after)
        .trim_start_matches('@')
        .split([':', '/', '?', ';', '"', '\'', ' '])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Words that stand for a password in documentation, never one in use.
const DOC_PASSWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "mypassword",
    "mypass",
    "user",
    "username",
    "login",
    "token",
    "apikey",
    "api_key",
    "foo",
    "bar",
    "baz",
    "foobar",
    "test",
    "xxx",
    "pw",
    "anonymous",
    "guest",
    "none",
    "null",
    "empty",
    "x-oauth-basic",
];

/// A password found inside a container (a URL, `curl -u`, .netrc, a connection string, base64
/// Basic credentials): the database-URL judgment, and not a template or variable reference
/// (`$X`, `%s`, `{user}`, `<pw>`, `[pw]`), a documentation word, or one character repeated.
pub fn credential_password(password: &[u8], before: &[u8], after: &[u8]) -> bool {
    let Ok(pw) = std::str::from_utf8(password) else {
        return false;
    };
    // Quotes around it and the punctuation of the sentence or list it sits in are not part of it.
    let pw = pw
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        .trim_end_matches([',', ';', '.', ')', ']', '}', '`', '"', '\'']);
    if pw.len() < 3
        || !pw.bytes().any(|b| b.is_ascii_alphanumeric())
        || pw.starts_with(['$', '%', '{', '<', '[', '*', '('])
        || pw.contains("${")
        || pw.contains("{{")
        || DOC_PASSWORDS.iter().any(|w| pw.eq_ignore_ascii_case(w))
        || pw.bytes().all(|b| b == pw.as_bytes()[0])
        || snake_case_name(pw)
    {
        return false;
    }
    let host = host_after(after);
    let documented = |d: &&str| {
        host == *d || (d.contains('.') && host.strip_suffix(*d).is_some_and(|h| h.ends_with('.')))
    };
    // A credential for this machine in a URL, `curl -u` or connection string is a test or
    // development one (ureq's proxy tests: `http://user:password123@localhost:3128`).
    if words()
        .doc_hosts
        .iter()
        .map(String::as_str)
        .any(|d| documented(&d))
        || host.ends_with(".invalid")
        || host.ends_with(".example")
        || is_local(&host)
    {
        return false;
    }
    database_password(pw.as_bytes(), before, after)
}

/// `secret_access_key`, `db_password`: a name standing where the value goes.
fn snake_case_name(v: &str) -> bool {
    v.contains('_')
        && !v.starts_with('_')
        && !v.ends_with('_')
        && !v.contains("__")
        && v.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_lists_parse_and_are_lowercase() {
        let w = words();
        for list in [
            &w.secret_words,
            &w.public_names,
            &w.digest_names,
            &w.uuid_secret_names,
            &w.local_hosts,
            &w.doc_hosts,
        ] {
            assert!(!list.is_empty());
            assert!(
                list.iter().all(|x| *x == x.to_ascii_lowercase()),
                "{list:?}"
            );
        }
    }

    fn ok(v: &str, before: &str) -> bool {
        plausible(v.as_bytes(), before.as_bytes(), &["ghp_".to_string()])
    }

    #[test]
    fn random_literals_under_secret_names_are_plausible() {
        assert!(ok("RDFOxEzf5FJtRBZRAJyu5BKaCKvsYFJG", "API_KEY = \""));
        assert!(ok("PfMAGw!lLoZVPYY7L", "DB_PASSWORD = \""));
        // FAKE: base64 parts joined by `.` keep their `==` inside the value.
        assert!(ok(
            "t1.q7ZkWx9Lr4T==.b8Nv3Hcx2Pd5Gf7Jk9Lm4Qr8St2Vw6Yz1Bc3",
            "IAM_TOKEN=\""
        ));
        assert!(ok(
            "1ea4ff07fe1e33fbc729109a6cb24f350209e6174543265c588f612e60a65d48",
            "SIGNING_SECRET=\""
        ));
        assert!(ok(
            "3f1c2b9a-8e7d-4c6b-9a5f-1e2d3c4b5a69",
            "HEROKU_API_KEY=\""
        ));
        // Word-prefixed random tokens of providers without a rule of their own.
        assert!(ok(
            "shippo_live_f83caad739ee7158c7e9ea3efebc3ad344a3c354",
            "shippoToken = \""
        ));
        assert!(ok(
            "b_fg_ady0c0cqx2yqthy8wabxr720_yc-beobaoujed88z",
            "beamerToken = \""
        ));
        assert!(ok("39ca173cb6f5e9ba99c5a8e7", "kucoinToken = \""));
        assert!(ok(
            "5378bdc2-1610-90da-d6a2-e2fbff79bf79",
            "squarespaceToken = \""
        ));
    }

    #[test]
    fn names_with_a_digit_or_two_are_still_names() {
        for v in [
            "getUser2FactorAuth",
            "user_profile_v2",
            "SHA256WITHRSA",
            "Base64UrlEncoder",
            "SalesResults-1.2",
            "DOC_Vector_5_32",
            "Mid-server-short",
            "FAKE-value-for-a-base64-test",
            "app_v2.10.3",
        ] {
            assert!(identifier_or_words(v), "{v}");
        }
        assert!(!identifier_or_words("shippo_live_f83caad739ee7158c7e9ea3e"));
        assert!(!identifier_or_words("Gx_b_d8eD_rUsXPfVxDc6k5BeK4ryM"));
    }

    #[test]
    fn code_references_words_and_digests_are_not() {
        for (v, before) in [
            ("user_profile_v2", "cache_key = \""),
            ("EmrManagedMasterSecurityGroup", "src_key='"),
            ("anthropic:api-key", "ANTHROPIC_API_KEY="),
            ("vault:secret/data/app", "DB_PASSWORD="),
            ("vault:secret/data/app#token", "VAULT_TOKEN="),
            ("${{ secrets.TOKEN }}", "token: \""),
            ("3f1c2b9a-8e7d-4c6b-9a5f-1e2d3c4b5a69", "request_key = \""),
            (
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                "commit_token = \"",
            ),
            ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "OLD_TOKEN = \""),
            ("pk_live_Zx8Qw2Lp9Rt4Vb7Nm3Kd6Fh1", "publishable_key = \""),
            ("YOUR_PASSWORD", "password = \""),
            ("config/secrets.json", "secret_file_key = \""),
            ("config/settings.py:5", "anthropic-api-key "),
            ("YWxpY2U6c2VjcmV0LXBhc3N3ZA==", "credential="),
            ("YS1naXQtdG9rZW4=", "credential="),
            (
                "keywarden/secretId/v1",
                "pub const FINGERPRINT_KEY: &str = \"",
            ),
            ("RDFOxEzf5FJtRBZRAJyu5BKaCKvsYFJG", "{\"key\": \""),
            // Minified code after `key=` (Playwright's bundled xterm).
            ("l.C0.DEL:n.keyCode===219?_.key=l.C0.ESC:n", "?_.key="),
            ("dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: "),
            ("q7Zk2mWx9Lr4Tb8Nv3Hc", "fakeToken := \""),
            ("q7Zk2mWx9Lr4Tb8Nv3Hc", "invalid_api_key = \""),
            ("Zk2mWx9=Lr4Tb8Nv3Hc", "primaryKey="),
            // Seen in real code (rails, gin): interpolations, private names, routes.
            ("ROUTES_#{object_id}_SCRIPT_NAME", "@env_key = \""),
            (
                "_aj_hash_with_indifferent_access",
                "WITH_INDIFFERENT_ACCESS_KEY = \"",
            ),
            (
                "active_storage/disk#update",
                "\"/disk/:encoded_token\" => \"",
            ),
            ("_gin-gonic/gin/bodybyteskey", "const BodyBytesKey = \""),
        ] {
            assert!(!ok(v, before), "{v} after {before}");
        }
    }

    #[test]
    fn database_defaults_on_local_hosts_are_not_passwords() {
        let db = |pw: &str, before: &str, after: &str| {
            database_password(pw.as_bytes(), before.as_bytes(), after.as_bytes())
        };
        assert!(!db("mongodb", "mongodb://mongodb:", "@localhost"));
        assert!(!db("YOUR_PASSWORD", "postgres://app:", "@db.example.com"));
        assert!(db(
            "mongodb",
            "mongodb://mongodb:",
            "@cluster0.prod.example.net"
        ));
        assert!(db("PfMAGw!lLoZVPYY7L", "postgres://app:", "@localhost"));
    }

    #[test]
    fn a_base64_value_is_judged_by_the_text_it_encodes() {
        // FAKE: `deploy:fDXevg!y7QMVmNiP3`, a strong password behind a user name.
        let strong = crate::decode::base64_encode(b"deploy:fDXevg!y7QMVmNiP3");
        assert!(plausible(strong.as_bytes(), b"credential=", &[]));
        let words = crate::decode::base64_encode(b"alice:secret-passwd");
        assert!(!plausible(words.as_bytes(), b"credential=", &[]));
        // Random key bytes do not decode to text: judged as before.
        assert!(base64_text(b"q3J0sZ8vYl1kQ2xNbWp4T3BzR2hWa0lqY1Rz").is_none());
    }
}
