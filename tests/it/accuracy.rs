//! Detection quality on the labelled corpus (fixtures/corpus, written by scripts/gen_corpus.py):
//! recall and precision per family must both be at least 0.98.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::util::*;

#[test]
fn recall_and_precision_per_family_on_the_labelled_corpus() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
    let labels: HashSet<(String, u64, String)> = std::fs::read_to_string(corpus.join("labels.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut it = l.split('\t');
            (
                it.next().unwrap().to_string(),
                it.next().unwrap().parse().unwrap(),
                it.next().unwrap().to_string(),
            )
        })
        .collect();
    assert!(labels.len() >= 100, "the corpus plants at least 100 keys");
    let run = keywarden(&corpus, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: HashSet<(String, u64, String)> = json(&run)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let provider = f["provider"].as_str().unwrap().to_string();
            f["locations"].as_array().unwrap().iter().map(move |l| {
                (
                    l["path"].as_str().unwrap().to_string(),
                    l["line"].as_u64().unwrap(),
                    provider.clone(),
                )
            })
        })
        .collect();
    let mut table: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new(); // (tp, labels, found)
    for l in &labels {
        let e = table.entry(l.2.clone()).or_default();
        e.1 += 1;
        if found.contains(l) {
            e.0 += 1;
        }
    }
    for f in &found {
        table.entry(f.2.clone()).or_default().2 += 1;
    }
    let mut report = String::from("family        recall  precision  (planted, reported)\n");
    let mut failing = Vec::new();
    for (fam, (tp, n, m)) in &table {
        let recall = if *n == 0 { 1.0 } else { *tp as f64 / *n as f64 };
        let precision = if *m == 0 { 1.0 } else { *tp as f64 / *m as f64 };
        report.push_str(&format!(
            "{fam:<13} {recall:>6.3} {precision:>10.3}  ({n}, {m})\n"
        ));
        if recall < 0.98 || precision < 0.98 {
            failing.push(fam.clone());
        }
    }
    println!("{report}");
    assert!(
        failing.is_empty(),
        "below 0.98: {failing:?}\n{report}\nmissed: {:?}\nfalse: {:?}",
        labels.difference(&found).collect::<Vec<_>>(),
        found.difference(&labels).collect::<Vec<_>>()
    );
}
