//! Full-output snapshots of the golden cases in every format (text without color, JSON, SARIF,
//! markdown, annotations), so any change to what a user sees shows up in review. Snapshots
//! hold only redacted secrets. The run's time and the checkout's absolute path are replaced by
//! placeholders. Review changes with `cargo insta review`, or accept them with
//! `INSTA_UPDATE=always cargo test`.

use std::path::Path;

use crate::util::*;

const FORMATS: &[&str] = &["text", "json", "sarif", "markdown", "github"];

/// Replace what differs between runs and machines.
fn normalize(out: &str, root: &Path) -> String {
    let root = std::fs::canonicalize(root).unwrap();
    let s = out.replace(&root.to_string_lossy().into_owned(), "[ROOT]");
    // `, 12 ms` in text and `"elapsed_ms": 12` in JSON.
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        if let Some(pos) = line.find("\"elapsed_ms\": ") {
            let end = line[pos + 14..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(line.len(), |e| pos + 14 + e);
            out.push_str(&line[..pos + 14]);
            out.push_str("[ms]");
            out.push_str(&line[end..]);
        } else if line.starts_with("keywarden: ") && line.trim_end().ends_with(" ms") {
            let cut = line.trim_end().rfind(", ").unwrap_or(0);
            out.push_str(&line[..cut]);
            out.push_str(", [ms] ms\n");
        } else {
            out.push_str(line);
        }
    }
    out
}

#[test]
fn golden_cases_in_every_format() {
    for case in golden_cases() {
        for format in FORMATS {
            let mut argv: Vec<&str> = case.args.iter().map(String::as_str).collect();
            argv.extend(["--format", format]);
            let run = keywarden(&case.dir, &argv);
            let mut out = run.stdout.clone();
            if *format == "sarif" {
                let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
                out = serde_json::to_string_pretty(&doc).unwrap();
            }
            let snap = format!("exit: {}\n{}", run.code, normalize(&out, &case.dir));
            insta::assert_snapshot!(format!("{}-{format}", case.name), snap);
        }
    }
}
