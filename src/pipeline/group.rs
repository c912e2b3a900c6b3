//! After matching: the most specific finding at each place, then one finding per secret with
//! every location it was found at.

use std::collections::HashMap;

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
