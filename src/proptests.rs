//! Property tests standing in for fuzzing (stable Rust, no cargo-fuzz toolchain): the matcher
//! over arbitrary bytes, the dotenv parser, the apikee decoder and the config loader never
//! panic, and planted keys are always found. `PROPTEST_CASES` sets the run length
//! (scripts/test.sh raises it); the seed inputs under fuzz/corpus/ run every time.

use proptest::prelude::*;

use crate::chunk::{Chunk, Provenance};
use crate::config::Config;
use crate::finding::Finding;
use crate::matcher::{MatchOptions, Matcher};
use crate::rules::RuleSet;
use crate::source::Read;
use crate::validate::{base62_encode, base62_u32, crc32};
use crate::yaml::parse_yaml;

fn corpus(dir: &str) -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(dir);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(root)
        .map(|d| {
            d.flatten()
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(!out.is_empty(), "fuzz/corpus/{dir} has seed inputs");
    out.sort();
    out
}

/// Built once: compiling the rule set per case would dominate the run.
fn rules() -> &'static RuleSet {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("built-in packs parse"))
}

/// The pipeline's per-item stage on bytes from a file.
fn scan(m: &Matcher, data: &[u8]) -> Vec<Finding> {
    let read = Read::Chunk {
        chunk: Chunk {
            bytes: data.to_vec(),
            path: "noise".into(),
            provenance: Provenance::File,
        },
        meta: None,
        content: true,
    };
    crate::pipeline::scan_item(read, m, &Default::default()).0
}

fn github_token(body: &str) -> String {
    format!("ghp_{body}{}", base62_u32(crc32(body.as_bytes()), 6))
}

#[test]
fn seed_inputs_never_panic() {
    let rules = RuleSet::builtin().unwrap();
    let opts = MatchOptions::default();
    let m = Matcher::new(&rules, &opts).unwrap();
    for data in corpus("matcher") {
        let _ = scan(&m, &data);
    }
    for data in corpus("dotenv") {
        let _ = crate::envfile::parse(&String::from_utf8_lossy(&data));
    }
    for data in corpus("config") {
        if let Ok(cfg) = parse_yaml::<Config>("seed", &String::from_utf8_lossy(&data)) {
            let mut rules = RuleSet::builtin().unwrap();
            let _ = cfg.apply(&mut rules, "seed");
        }
    }
}

proptest! {
    #[test]
    fn matcher_never_panics_and_finds_planted_keys(
        noise in proptest::collection::vec(any::<u8>(), 0..2048),
        body in "[0-9A-Za-z]{30}",
        at in 0usize..2048,
    ) {
        let opts = MatchOptions::default();
        let m = Matcher::new(rules(), &opts).unwrap();
        let _ = scan(&m, &noise);
        let token = github_token(&body);
        let mut data: Vec<u8> = noise.iter().map(|b| if *b == 0 { b' ' } else { *b }).collect();
        let at = at.min(data.len());
        let planted = format!("\n{token}\n");
        data.splice(at..at, planted.bytes());
        let out = scan(&m, &data);
        prop_assert!(
            out.iter().any(|f| f.secret.as_ref().is_some_and(|s| s.expose() == token)),
            "planted token not found"
        );
    }

    #[test]
    fn dotenv_parser_never_panics(text in "(?s).{0,400}") {
        for v in crate::envfile::parse(&text) {
            prop_assert!(v.value_start <= text.len());
            prop_assert!(!v.name.is_empty());
        }
    }

    #[test]
    fn apikee_decoder_never_panics_and_round_trips(
        payload in "[0-9A-Za-z]{0,300}",
        sig in "[0-9A-Za-z]{43}",
        tenant in "tn_[0-9A-Za-z]{12}",
        expiry in 0i64..5_000_000_000,
    ) {
        let _ = crate::validate::apikee_claims(format!("apikee_{payload}.{sig}").as_bytes());
        let claims = format!(r#"{{"t":"{tenant}","s":["a:b"],"e":{expiry}}}"#);
        let key = format!("apikee_{}.{sig}", base62_encode(claims.as_bytes(), 0));
        let decoded = crate::validate::apikee_claims(key.as_bytes());
        let decoded = decoded.expect("a key built from valid claims decodes");
        prop_assert_eq!(decoded["t"].as_str(), Some(tenant.as_str()));
    }

    #[test]
    fn config_loader_never_panics(text in "(?s)[ -~\n]{0,300}") {
        if let Ok(cfg) = parse_yaml::<Config>("fuzz", &text) {
            let mut rules = RuleSet::builtin().unwrap();
            let _ = cfg.apply(&mut rules, "fuzz");
        }
    }
}
