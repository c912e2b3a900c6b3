//! `.keywarden.yaml`: which packs and rules run, custom rules, allowlists, the failing
//! severity and size limits. A pull request can change this file, so parsing is bounded
//! (serde-saphyr's budget), unknown fields are errors, and nothing in it can run code or read
//! files: the apikee signing secret is named as an environment variable, never stored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::entropy::shannon_entropy;
use crate::fingerprint::is_fingerprint;
use crate::matcher::{MatchOptions, Matcher};
use crate::redact::redact_str;
use crate::rules::{AllowSpec, RuleSet, RuleSpec};
use crate::severity::{Confidence, Severity};
use crate::yaml::{line_of, parse_yaml};

/// The file name looked for at the repository root or the scanned directory.
pub const FILE_NAME: &str = ".keywarden.yaml";

/// Largest config we parse; bigger is an error, not a slow start.
const MAX_CONFIG_BYTES: usize = 1 << 20;

/// `.keywarden.yaml`: the repository's keywarden configuration.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Pack name → enabled. Packs not named keep their default: on, except opt-in packs
    /// (`passwords`).
    #[serde(default)]
    pub packs: BTreeMap<String, bool>,
    /// Rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Custom rules in the pack schema; self-tested at load like built-ins.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    #[serde(default)]
    pub allow: AllowSpec,
    /// Minimum severity that makes the exit code 1.
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// Lowest confidence reported (`low`, `medium`, `high`; default `medium`).
    #[serde(default)]
    pub min_confidence: Option<Confidence>,
    /// Bytes, or a size such as `50MiB`.
    #[serde(default)]
    pub max_file_size: Option<SizeSpec>,
    /// Environment variable holding the apikee signing secret(s), comma separated.
    #[serde(default)]
    pub apikee_secret_env: Option<String>,
    /// The file's text, for errors that name a line.
    #[serde(skip)]
    #[schemars(skip)]
    pub text: String,
}

/// A size written as a number of bytes or with a unit.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SizeSpec {
    Bytes(u64),
    Text(String),
}

impl SizeSpec {
    pub fn bytes(&self) -> Result<u64> {
        match self {
            SizeSpec::Bytes(n) => Ok(*n),
            SizeSpec::Text(s) => parse_size(s),
        }
    }
}

/// `100MiB`, `30MB`, `512K`, `1024` → bytes.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| anyhow!("not a size: {} (use e.g. 100MiB)", crate::redact::value(s)))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => bail!(
            "not a size: {} (units: KB, KiB, MB, MiB, GB, GiB)",
            crate::redact::value(s)
        ),
    };
    n.checked_mul(mult)
        .ok_or_else(|| anyhow!("size too large: {s:?}"))
}

/// The JSON Schema of the config, as committed under `schemas/`.
pub fn schema() -> String {
    let mut s =
        serde_json::to_string_pretty(&schemars::schema_for!(Config)).expect("a schema serializes");
    s.push('\n');
    s
}

impl Config {
    /// Read and parse a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let shown = path.display().to_string();
        let bytes = crate::fsutil::read_settings(path, "config")?;
        Config::parse_bytes(&shown, &bytes)
    }

    /// Parse a config's bytes (a file, or a blob read at a commit); `shown` names it in errors.
    /// A raw secret under `allow.secrets` is an error: list its fingerprint instead.
    pub fn parse_bytes(shown: &str, bytes: &[u8]) -> Result<Config> {
        let cfg = Config::parse_lenient(shown, bytes)?;
        cfg.reject_raw_secrets(shown, std::str::from_utf8(bytes).unwrap_or_default())?;
        Ok(cfg)
    }

    /// Parse without the raw-secret check: only to learn what a pull request's own config
    /// would suppress (it is reported, never applied).
    pub fn parse_lenient(shown: &str, bytes: &[u8]) -> Result<Config> {
        if bytes.len() > MAX_CONFIG_BYTES {
            bail!(
                "{shown}: config is {} bytes, over the {} byte limit",
                bytes.len(),
                MAX_CONFIG_BYTES
            );
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            anyhow!(
                "{shown}: config is not valid UTF-8 (byte {})",
                e.valid_up_to()
            )
        })?;
        let mut cfg: Config = parse_yaml(shown, text)?;
        cfg.text = text.to_string();
        if let Some(s) = &cfg.max_file_size {
            s.bytes().with_context(|| {
                format!(
                    "{shown}: line {}: field max_file_size",
                    line_of(text, "max_file_size").unwrap_or(1)
                )
            })?;
        }
        Ok(cfg)
    }

    /// On the error path of compiling the config's patterns: the first one that does not
    /// compile, as an error naming the file, the line and the field (the pattern itself is
    /// redacted: it could be a secret); `Ok` when none is found, so the caller's error stands.
    pub fn locate_bad_pattern(&self, shown: &str) -> Result<()> {
        let text = self.text.as_str();
        let allow = [
            ("allow.secrets", &self.allow.secrets),
            ("allow.lines", &self.allow.lines),
        ];
        for (field, list) in allow {
            for p in list.iter().filter(|p| !is_fingerprint(p)) {
                if let Err(e) = crate::rules::compile_regex(p) {
                    bail!(
                        "{shown}: line {}: field {field}: {}: {e}",
                        line_of(text, p).unwrap_or(1),
                        crate::redact::value(p)
                    );
                }
            }
        }
        for spec in &self.rules {
            if let Err(e) = crate::rules::compile_regex(&spec.pattern) {
                // The pattern as written may be escaped differently from the parsed string: the
                // rule's `pattern:` line after its id.
                let id_line = line_of(text, &spec.id).unwrap_or(1);
                let line = line_of(text, &spec.pattern).unwrap_or_else(|| {
                    text.lines()
                        .enumerate()
                        .skip(id_line - 1)
                        .find(|(_, l)| l.trim_start().starts_with("pattern:"))
                        .map_or(id_line, |(i, _)| i + 1)
                });
                bail!(
                    "{shown}: line {line}: field rules: rule {:?}: pattern: {e}",
                    spec.id
                );
            }
        }
        Ok(())
    }

    /// `allow.secrets` takes fingerprints (or patterns); a value a built-in rule recognises as
    /// a secret, or a long random literal, would put the key in the repository a second time.
    fn reject_raw_secrets(&self, shown: &str, text: &str) -> Result<()> {
        let candidates: Vec<&String> = self
            .allow
            .secrets
            .iter()
            .filter(|s| !is_fingerprint(s))
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let rules = RuleSet::builtin()?;
        let opts = MatchOptions::default();
        let matcher = Matcher::new(&rules, &opts)?;
        for entry in candidates {
            let literal = entry.trim_start_matches('^').trim_end_matches('$');
            let found = matcher
                .scan("allow.secrets", literal.as_bytes())
                .into_iter()
                .find(|m| m.suppressed.is_none())
                .map(|m| rules.rules[m.rule].id().to_string());
            let random = literal.len() >= 20
                && !literal.contains(|c: char| "\\.*+?()[]{}|".contains(c))
                && shannon_entropy(literal.as_bytes()) >= 3.5;
            if found.is_some() || random {
                let what = found.map_or("a high-entropy value".to_string(), |r| {
                    format!("a {r} secret")
                });
                bail!(
                    "{shown}: line {}: field allow.secrets: {} looks like {what}. A raw secret in the config commits it a second time: list its fingerprint instead (the `fingerprint` of the finding in `keywarden scan --format json`, or write a baseline with `keywarden baseline`)",
                    line_of(text, entry).unwrap_or(1),
                    redact_str(entry)
                );
            }
        }
        Ok(())
    }

    /// The config file that applies when none was named: `.keywarden.yaml` in the scanned
    /// directory or the nearest parent up to the repository root.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let mut dir = if start.is_dir() {
            Some(start)
        } else {
            start.parent()
        };
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Some(candidate);
            }
            if d.join(".git").exists() {
                return None;
            }
            dir = d.parent();
        }
        None
    }

    /// Apply packs, disabled rules and custom rules to the built-in set. Custom rules must pass
    /// the same self-test as built-ins.
    pub fn apply(&self, set: &mut RuleSet, file: &str) -> Result<()> {
        let known = set
            .packs()
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>();
        for name in self.packs.keys() {
            if !known.contains(name) {
                bail!(
                    "{file}: line {}: field packs: unknown pack {} (known: {})",
                    line_of(&self.text, name).unwrap_or(1),
                    crate::redact::value(name),
                    known.join(", ")
                );
            }
        }
        for id in &self.disable {
            if set.get(id).is_none() {
                bail!(
                    "{file}: line {}: field disable: unknown rule id {}",
                    line_of(&self.text, id).unwrap_or(1),
                    crate::redact::value(id)
                );
            }
        }
        set.retain(|r| {
            self.packs
                .get(&r.pack)
                .copied()
                .unwrap_or(r.default_enabled)
                && !self.disable.contains(&r.spec.id)
        });
        if !self.rules.is_empty() {
            let mut custom = RuleSet::default();
            for spec in &self.rules {
                if spec.verify.is_some() || spec.revoke.is_some() {
                    bail!(
                        "{file}: field rules: rule {:?} declares `verify` or `revoke`; only the built-in packs may send a secret to a provider (a repository config could send it anywhere)",
                        spec.id
                    );
                }
                if set.get(&spec.id).is_some() {
                    bail!(
                        "{file}: field rules: id {:?} is already a built-in rule",
                        spec.id
                    );
                }
                custom.add(spec.clone(), "custom").or_else(|e| {
                    self.locate_bad_pattern(file)?;
                    Err(e).with_context(|| format!("{file}: field rules"))
                })?;
            }
            custom.compile_all().or_else(|e| {
                self.locate_bad_pattern(file)?;
                Err(e).with_context(|| format!("{file}: field rules"))
            })?;
            crate::selftest::ensure_sound(&custom, &format!("{file}: field rules"))?;
            for spec in &self.rules {
                set.add(spec.clone(), "custom")?;
            }
            set.compile_all()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100MiB").unwrap(), 100 << 20);
        assert_eq!(parse_size("30MB").unwrap(), 30_000_000);
        assert_eq!(parse_size("1024").unwrap(), 1024);
        assert!(parse_size("lots").is_err());
    }

    /// `schemas/keywarden-config.schema.json` (for editors) is generated from these types.
    #[test]
    fn committed_config_schema_is_generated() {
        crate::schema_check::check("schemas/keywarden-config.schema.json", &schema());
    }

    #[test]
    fn unknown_field_names_file_line_and_field() {
        let err =
            parse_yaml::<Config>("cfg.yaml", "fail_on: high\nallow:\n  pathz: [x]\n").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("cfg.yaml"), "{msg}");
        assert!(msg.contains("pathz"), "{msg}");
        assert!(msg.contains('3'), "{msg}");
    }
}
