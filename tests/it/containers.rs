//! Credentials inside encodings and archives, found with their provenance: a base64 value in a
//! Kubernetes Secret, a JSON-escaped value, a zip member and a gzip file, in the working tree
//! and in committed history. Every key here is FAKE, made in the real shape for the test.

use std::process::Command;

use crate::util::fakes::{b62, crc32};
use crate::util::*;

/// A FAKE `ghp_` token with a valid checksum, from a fixed body.
fn fake_github_token(body: &str) -> String {
    format!("ghp_{body}{}", b62(crc32(body.as_bytes()), 6))
}

fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * k)) as usize & 63] as char);
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

/// Write archives with Python's zipfile and gzip (real producers, not our own encoder).
fn run_python(dir: &std::path::Path, script: &str) {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs Python's zipfile and gzip (real producers); run scripts/test.sh"]
fn secrets_in_base64_json_zip_and_gzip_are_found_with_provenance() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let in_secret = fake_github_token("FAKEk8sSecretBody0123456789abc");
    let in_zip = fake_github_token("FAKEzipMemberBody0123456789abc");
    let in_gzip = fake_github_token("FAKEgzipFileBody01234567890abc");
    write(
        d,
        "deploy/secret.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\n# FAKE value for a test\ndata:\n  GITHUB_TOKEN: {}\n",
            base64(format!("token={in_secret}").as_bytes())
        ),
    );
    let password = format!("Zq8!{}", "vR3pK7wLx2Nf"); // FAKE, assembled at run time
    write(
        d,
        "config/app.json",
        &format!(
            "{{\"note\": \"FAKE\", \"backup\": \"s3:\\/\\/bucket\", \"smtp\": \"smtp:\\/\\/mailer:{password}@smtp.acme.internal\"}}\n"
        ),
    );
    let py = format!(
        "import zipfile, gzip\n\
         with zipfile.ZipFile('dist/release.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n\
         \x20   z.writestr('app/config.yml', '# FAKE\\nname: app\\ngithub_token: {in_zip}\\n')\n\
         open('backups/app.env.gz', 'wb').write(gzip.compress(b'# FAKE\\nGH={in_gzip}\\n', mtime=0))\n"
    );
    std::fs::create_dir_all(d.join("dist")).unwrap();
    std::fs::create_dir_all(d.join("backups")).unwrap();
    run_python(d, &py);

    let check = |run: &Run, history: bool| {
        assert_eq!(run.code, 1, "{}", run.all());
        assert_no_secret(run, &[&in_secret, &in_zip, &in_gzip, &password]);
        let v = json(run);
        let locs: Vec<(String, u64, Vec<String>)> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["locations"].as_array().unwrap().clone())
            .map(|l| {
                let codecs = l["decoded"]
                    .as_array()
                    .map(|a| a.iter().map(|c| c.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default();
                (
                    l["path"].as_str().unwrap().to_string(),
                    l["line"].as_u64().unwrap(),
                    codecs,
                )
            })
            .collect();
        let has = |path: &str, line: u64, codec: &str| {
            assert!(
                locs.iter()
                    .any(|l| l.0 == path && l.1 == line && l.2 == vec![codec.to_string()]),
                "{path}:{line} via {codec} (history: {history}) not in {locs:?}"
            )
        };
        has("deploy/secret.yaml", 5, "base64");
        has("config/app.json", 1, "json-escape");
        has("dist/release.zip!app/config.yml", 3, "zip");
        has("backups/app.env.gz", 2, "gzip");
        assert_eq!(
            locs.len(),
            4,
            "one location each, no duplicate from the parent: {locs:?}"
        );
    };
    check(&keywarden(d, &["scan", ".", "--format", "json"]), false);
    let text = keywarden(d, &["scan", "."]);
    assert!(
        text.stdout.contains("deploy/secret.yaml:5:"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("decoded: base64"), "{}", text.stdout);

    commit_all(d, "add config", 1_700_000_000);
    check(
        &keywarden(d, &["scan", "--history", "--format", "json"]),
        true,
    );
}

#[test]
#[ignore = "needs Python's zipfile (a real producer); run scripts/test.sh"]
fn a_zip_bomb_and_a_truncated_archive_do_not_stop_the_scan() {
    let dir = tempdir();
    let d = dir.path();
    let py = "import zipfile, gzip\n\
              with zipfile.ZipFile('bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n\
              \x20   z.writestr('zeros.txt', b'0' * (200 << 20))\n\
              data = open('bomb.zip', 'rb').read()\n\
              open('cut.zip', 'wb').write(data[: len(data) // 2])\n\
              open('cut.gz', 'wb').write(gzip.compress(b'A' * 100000)[:500])\n";
    run_python(d, py);
    write(d, "ok.txt", "nothing here\n");
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
}
