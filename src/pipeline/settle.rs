//! Settle: after matching, before grouping, findings are judged with what only the source
//! knows (`source::Facts`): every other path the matched content stands at is a place too; a
//! secret the base version of a path already held is not new there; in history, one finding
//! per rule and secret, the oldest occurrence first and then the first at every other path,
//! with where it entered history.

use std::collections::{HashMap, HashSet};

use gix::ObjectId;

use crate::finding::{Finding, Location};
use crate::source::Facts;

pub fn settle(mut found: Vec<Finding>, facts: &dyn Facts) -> Vec<Finding> {
    fan_out(&mut found, facts);
    found.retain_mut(|f| {
        let Some(secret) = &f.secret else {
            return true; // a file finding stands: the change still writes that file
        };
        f.locations
            .retain(|l| !facts.base_had(&l.path, secret.expose()));
        !f.locations.is_empty()
    });
    if facts.has_history() {
        found = with_history(found, facts);
    }
    found
}

/// Every other path the content stands at, for each location.
fn fan_out(found: &mut [Finding], facts: &dyn Facts) {
    for f in found {
        let Some(blob) = f.primary().provenance.blob() else {
            continue;
        };
        let mut more = Vec::new();
        for loc in &f.locations {
            for other in facts.also_at(blob, &loc.path) {
                let mut l = loc.clone();
                l.path = other;
                more.push(l);
            }
        }
        f.locations.extend(more);
    }
}

/// One finding per (rule, secret): the occurrence in the oldest commit first, then the first
/// occurrence at every other path, with the history the source gives for its blobs.
fn with_history(found: Vec<Finding>, facts: &dyn Facts) -> Vec<Finding> {
    let mut groups: HashMap<(String, String), Vec<Finding>> = HashMap::new();
    for f in found {
        groups
            .entry((f.rule_id.clone(), f.fingerprint.clone()))
            .or_default()
            .push(f);
    }
    let blob_of = |f: &Finding| f.primary().provenance.blob();
    let mut groups: Vec<Vec<Finding>> = groups.into_values().collect();
    for members in &mut groups {
        members.sort_by_key(|f| {
            let first = blob_of(f).map_or(usize::MAX, |b| facts.first_commit(b));
            (first, f.primary().path.clone(), f.primary().line)
        });
    }
    let blobs: Vec<Vec<ObjectId>> = groups
        .iter()
        .map(|members| members.iter().filter_map(blob_of).collect())
        .collect();
    let histories = facts.history(&blobs);
    groups
        .into_iter()
        .zip(histories)
        .map(|(members, info)| {
            let mut seen_paths = HashSet::new();
            let mut members = members.into_iter();
            let mut f = members.next().expect("a group has a member");
            let locations: Vec<Location> = std::mem::take(&mut f.locations)
                .into_iter()
                .chain(members.flat_map(|m| m.locations))
                .filter(|l| seen_paths.insert(l.path.clone()))
                .collect();
            f.locations = locations;
            f.history = Some(Box::new(info));
            f
        })
        .collect()
}
