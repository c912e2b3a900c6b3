//! After matching: the most specific finding at each place, then one finding per secret with
//! every location it was found at.

use std::collections::HashMap;

use crate::chunk::Provenance;
use crate::finding::Finding;

/// Among the findings of one item that hold a secret, keep at each position only those whose
/// pack precedence is highest (a provider key beats the `.env.example` check beats `generic`).
/// File findings without a secret never compete.
pub fn keep_most_specific(found: &mut Vec<Finding>) {
    if found.len() < 2 {
        return;
    }
    let at = |f: &Finding| {
        let l = f.primary();
        (l.path.clone(), l.line, l.column)
    };
    let competes = |f: &Finding| f.secret.is_some() && !f.inline_allowed;
    let mut best: HashMap<(String, usize, usize), u8> = HashMap::new();
    for f in found.iter().filter(|f| competes(f)) {
        let p = best.entry(at(f)).or_insert(0);
        *p = (*p).max(f.precedence);
    }
    found.retain(|f| !competes(f) || best.get(&at(f)) == Some(&f.precedence));
}

/// A secret found both in a chunk and in a block decoded from it (a JSON line unescaped, the
/// same value in plain and in base64 on one line) is one finding: at each path and line, keep
/// one finding per secret (compared with JSON's `\/` undone), the most specific, and of equals
/// the one outside any encoding (chunks come parent first).
pub fn drop_decoded_duplicates(found: &mut Vec<Finding>) {
    let decoded = |f: &Finding| matches!(f.primary().provenance, Provenance::Decoded { .. });
    if found.len() < 2 || !found.iter().any(decoded) {
        return;
    }
    let key = |f: &Finding| {
        let l = f.primary();
        let s = f.secret.as_ref().map(|s| s.expose().replace("\\/", "/"));
        (l.path.clone(), l.line, s)
    };
    let mut same: HashMap<(String, usize, Option<String>), Vec<usize>> = HashMap::new();
    for (i, f) in found.iter().enumerate() {
        if f.secret.is_some() {
            same.entry(key(f)).or_default().push(i);
        }
    }
    let mut drop = vec![false; found.len()];
    for group in same.values().filter(|g| g.len() > 1) {
        for &i in group {
            let (fi, di) = (&found[i], decoded(&found[i]));
            // Beaten by a more specific finding from another encoding level, or a decoded
            // copy of an equal one met earlier (the parent comes first).
            drop[i] = group.iter().any(|&j| {
                let fj = &found[j];
                j != i
                    && decoded(fj) != di
                    && (fj.precedence > fi.precedence || (fj.precedence == fi.precedence && di))
                    || (j < i && di && decoded(fj) && fj.precedence >= fi.precedence)
            });
        }
    }
    let mut i = 0;
    found.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}

/// One finding per rule and secret (file findings: per rule and file), with every location,
/// sorted by their first location.
pub fn group(found: Vec<Finding>) -> Vec<Finding> {
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::new();
    for f in found {
        match index.get(&(f.rule_id.clone(), f.fingerprint.clone())) {
            Some(&i) => out[i].locations.extend(f.locations),
            None => {
                index.insert((f.rule_id.clone(), f.fingerprint.clone()), out.len());
                out.push(f);
            }
        }
    }
    for f in &mut out {
        if f.history.is_none() {
            f.locations
                .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
        }
        f.locations
            .dedup_by(|a, b| (&a.path, a.line, a.column) == (&b.path, b.line, b.column));
    }
    out.sort_by(|a, b| {
        let (la, lb) = (a.primary(), b.primary());
        (&la.path, la.line, la.column, &a.rule_id).cmp(&(&lb.path, lb.line, lb.column, &b.rule_id))
    });
    out
}
