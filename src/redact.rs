//! Redaction, which every output goes through, and `Secret`, a value that redacts itself: its
//! `Debug` and `Display` never show more than a prefix and a length, so a stray `{:?}` in a log
//! or an error cannot leak what we protect. Only `expose()` hands out the value.

use std::fmt;

/// A secret as shown by default: the provider prefix it starts with, a few characters, and its
/// length — enough to find it in a file or a provider's key list, never enough to use it.
pub fn redact(secret: &str, prefixes: &[String]) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let lower = secret.to_ascii_lowercase();
    let prefix = prefixes
        .iter()
        .filter(|p| lower.starts_with(&p.to_ascii_lowercase()))
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0);
    let rest = chars.len().saturating_sub(prefix);
    let extra = match rest {
        0..=11 => 0,
        12..=23 => 2,
        _ => 4,
    };
    let shown: String = chars[..prefix + extra]
        .iter()
        .collect::<String>()
        .escape_debug()
        .to_string();
    format!("{shown}…({} chars)", chars.len())
}

/// Redaction without rule context, for error messages and self-test output.
pub fn redact_str(text: &str) -> String {
    redact(text, &[])
}

/// A value from a config or baseline as an error shows it: a short one quoted as it is, a long
/// one redacted. A value an error quotes back could be the very secret the file was meant to
/// keep out of the report.
pub fn value(v: &str) -> String {
    if v.chars().count() < 16 {
        format!("{v:?}")
    } else {
        format!("\"{}\"", redact_str(v))
    }
}

/// `msg` with every quoted run of 16 characters or more (`"…"`, `'…'`, `` `…` ``) redacted: the
/// last line of defence for an error that quotes what it was given (a parser, a glob or a JSON
/// type error).
pub fn quoted_values(msg: &str) -> String {
    static QUOTED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = QUOTED.get_or_init(|| {
        regex::Regex::new(r#"`([^`\n]{16,})`|"([^"\n]{16,})"|'([^'\n]{16,})'"#)
            .expect("static regex")
    });
    re.replace_all(msg, |c: &regex::Captures| {
        let (q, v) = [(1, '`'), (2, '"'), (3, '\'')]
            .into_iter()
            .find_map(|(i, q)| c.get(i).map(|m| (q, m.as_str())))
            .unwrap_or(('"', ""));
        if v.starts_with(['/', '.']) || v.contains('…') {
            // A path we named ourselves, or a value already redacted.
            return c[0].to_string();
        }
        format!("{q}{}{q}", redact_str(v))
    })
    .into_owned()
}

/// A found secret. The redacted form is computed once, with the rule's keywords as the prefixes
/// it may keep.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    redacted: String,
}

impl Secret {
    pub fn new(value: String, prefixes: &[String]) -> Secret {
        let redacted = redact(&value, prefixes);
        Secret { value, redacted }
    }

    /// A secret known only as a report showed it (`keywarden merge` reads reports): a value
    /// already redacted stays as it is, a full one (a report written with `--show-secrets`) is
    /// redacted here and forgotten, so the merged report never holds it.
    pub fn from_report(shown: &str, prefixes: &[String]) -> Secret {
        let redacted = if shown.ends_with(" chars)") && shown.contains("…(") {
            shown.to_string()
        } else {
            redact(shown, prefixes)
        };
        Secret {
            value: redacted.clone(),
            redacted,
        }
    }

    /// The value itself: for fingerprints, `--show-secrets`, purge files and the "already in
    /// the base version" checks. Never for messages.
    pub fn expose(&self) -> &str {
        &self.value
    }

    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// The secret as the user asked to see it.
    pub fn shown(&self, show: bool) -> &str {
        if show { &self.value } else { &self.redacted }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_prefix_and_length_only() {
        let secret = format!("sk-proj-{}", "Q".repeat(150));
        let r = redact(&secret, &["sk-proj-".to_string()]);
        assert_eq!(r, "sk-proj-QQQQ…(158 chars)");
        assert_eq!(redact("short", &[]), "…(5 chars)");
        assert_eq!(redact("0123456789abcdef", &[]), "01…(16 chars)");
    }

    #[test]
    fn secret_never_prints_itself() {
        let s = Secret::new(
            "sk_live_FAKEFAKEFAKEFAKEFAKE0000".into(),
            &["sk_live_".into()],
        );
        assert_eq!(format!("{s}"), "sk_live_FAKE…(32 chars)");
        assert_eq!(format!("{s:?}"), "Secret(sk_live_FAKE…(32 chars))");
        assert!(!format!("{s:#?}").contains("FAKEFAKEFAKE0000"));
        assert_eq!(s.expose(), "sk_live_FAKEFAKEFAKEFAKEFAKE0000");
    }
}
