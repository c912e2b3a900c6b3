//! JSON for tools. Schema (version 1, stable; fields are only ever added):
//! `{"version":1,"mode":…,"findings":[{rule_id, rule_name, provider, severity, path, line,
//! column, end_line, end_column, secret, fingerprint, context, details, verified, source,
//! commit?, author?, date?, commits?, in_head?, refs?, rotate}], "summary":{…}}`.
//! `secret` and `context` are redacted unless `--show-secrets`.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{Report, Reporter};

pub struct Json;

impl Reporter for Json {
    /// Streams: one compact object per finding line, so 100,000 findings never become one
    /// in-memory document.
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "{{\n  \"version\": 1,\n  \"mode\": {},\n  \"findings\": [",
            json!(report.mode)
        )?;
        for (i, f) in report.findings.iter().enumerate() {
            let details: Map<String, Value> = f
                .details
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let mut o = json!({
                "rule_id": f.rule_id,
                "rule_name": f.rule_name,
                "provider": f.provider,
                "severity": f.severity.as_str(),
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "end_line": f.end_line,
                "end_column": f.end_column,
                "secret": f.shown_secret(report.show_secrets),
                "fingerprint": f.fingerprint,
                "context": f.line_text,
                "details": details,
                "verified": f.verified,
                "source": f.origin.as_str(),
                "rotate": report.rotate(f),
            });
            if let Some(h) = f.origin.history() {
                let m = o.as_object_mut().expect("object literal");
                m.insert("commit".into(), json!(h.commit));
                m.insert("author".into(), json!(h.author));
                m.insert("date".into(), json!(h.date));
                m.insert("commits".into(), json!(h.commits));
                m.insert("in_head".into(), json!(h.in_head));
                m.insert("refs".into(), json!(h.refs));
                m.insert("blob".into(), json!(h.blob));
            }
            out.write_all(b"    ")?;
            serde_json::to_writer(&mut *out, &o)?;
            out.write_all(if i + 1 < report.findings.len() {
                b",\n"
            } else {
                b"\n"
            })?;
        }
        let s = &report.stats;
        let summary = json!({
            "findings": report.findings.len(),
            "files": s.files,
            "bytes": s.bytes,
            "commits": s.commits,
            "skipped_binary": s.skipped_binary,
            "skipped_large": s.skipped_large,
            "unreadable": s.unreadable,
            "suppressed": s.suppressed,
            "baselined": s.baselined,
            "below_threshold": s.below_threshold,
            "elapsed_ms": s.elapsed.as_millis() as u64,
        });
        write!(out, "  ],\n  \"summary\": ")?;
        serde_json::to_writer_pretty(&mut *out, &summary)?;
        writeln!(out, "\n}}")
    }
}
