//! Provider rules with offline validation: apikee claims, expiry, sensitive metadata and
//! signature verification.

use crate::util::fakes::apikee_customer;
use crate::util::*;

const TEST_SECRET: &[u8] = b"fake-signing-secret-for-tests-0000000000";

#[test]
fn apikee_customer_keys_are_decoded_offline() {
    let dir = tempdir();
    let d = dir.path();
    let live = apikee_customer(
        r#"{"t":"tn_AbCdEf123456","s":["usage:read","keys:write"],"e":4102444800,"v":1}"#,
        TEST_SECRET,
    );
    let expired = apikee_customer(
        r#"{"t":"tn_ZyXwVu987654","s":["usage:read"],"e":1600000000}"#,
        TEST_SECRET,
    );
    let pii = apikee_customer(
        r#"{"t":"tn_PiIpIi000111","s":["usage:read"],"e":4102444800,"m":{"email":"jane.doe@example.com"}}"#,
        TEST_SECRET,
    );
    write(
        d,
        "keys.txt",
        &format!("# FAKE keys\nLIVE={live}\nOLD={expired}\nPII={pii}\nNOT_A_KEY=apikee_sdk\n"),
    );
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let v = json(&run);
    let fs = v["findings"].as_array().unwrap();
    let at = |line: u64, rule: &str| {
        fs.iter()
            .find(|f| f["line"] == line && f["rule_id"] == rule)
            .cloned()
            .unwrap_or_else(|| panic!("{rule} at {line}: {}", run.stdout))
    };
    let l = at(2, "apikee-customer-key");
    assert_eq!(l["details"]["tenant"], "tn_AbCdEf123456");
    assert_eq!(l["details"]["scopes"], "usage:read keys:write");
    assert_eq!(l["details"]["expires"], "2100-01-01 00:00:00 UTC");
    assert_eq!(l["severity"], "high");
    let o = at(3, "apikee-customer-key");
    assert!(
        o["details"]["expires"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    assert_eq!(
        o["severity"], "medium",
        "an expired key is still reported, one step lower"
    );
    let p = at(4, "apikee-sensitive-metadata");
    assert_eq!(p["details"]["sensitive metadata"], "email");
    at(4, "apikee-customer-key");
    assert_eq!(fs.len(), 4, "{}", run.stdout);
    assert_no_secret(&run, &[&live, &expired, &pii]);
    let text = keywarden(d, &["scan", "."]);
    assert!(
        text.stdout.contains("tenant  tn_AbCdEf123456"),
        "{}",
        text.stdout
    );
}

#[test]
fn apikee_signatures_verify_with_the_named_secret() {
    let dir = tempdir();
    let d = dir.path();
    let genuine = apikee_customer(
        r#"{"t":"tn_AbCdEf123456","s":["a"],"e":4102444800}"#,
        TEST_SECRET,
    );
    let forged = apikee_customer(
        r#"{"t":"tn_AbCdEf123456","s":["b"],"e":4102444800}"#,
        b"some-other-secret-not-the-tenants-one",
    );
    write(d, "k.txt", &format!("# FAKE\nA={genuine}\nB={forged}\n"));
    let out = std::process::Command::new(bin())
        .args([
            "scan",
            ".",
            "--format",
            "json",
            "--apikee-secret-env",
            "KW_TEST_APIKEE",
        ])
        .env("KW_TEST_APIKEE", std::str::from_utf8(TEST_SECRET).unwrap())
        .current_dir(d)
        .output()
        .unwrap();
    let run: Run = out.into();
    let v = json(&run);
    let fs = v["findings"].as_array().unwrap();
    assert_eq!(fs[0]["verified"], true);
    assert_eq!(fs[1]["verified"], false);
    assert!(
        !run.all()
            .contains(std::str::from_utf8(TEST_SECRET).unwrap()),
        "the signing secret is never printed"
    );
    let missing = keywarden(d, &["scan", ".", "--apikee-secret-env", "KW_TEST_NOT_SET"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("KW_TEST_NOT_SET"));
}
