//! The module layering written in docs/design.md is checked, not just described: every
//! top-level module of `src/` may use only modules of a lower layer, so the module graph has no
//! cycle and a reader can go through the code bottom-up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `| layer | modules |` rows of the "Layers" table in docs/design.md.
fn layers() -> BTreeMap<String, usize> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let design = std::fs::read_to_string(root.join("docs/design.md")).unwrap();
    let section = design
        .split("## Layers")
        .nth(1)
        .expect("docs/design.md has a `## Layers` section");
    let mut out = BTreeMap::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let Ok(layer) = cells[0].parse::<usize>() else {
            continue;
        };
        for m in cells[1].split(',') {
            let m = m.trim().trim_matches('`');
            assert!(
                out.insert(m.to_string(), layer).is_none(),
                "{m} is listed twice"
            );
        }
    }
    out
}

/// For each top-level module, the other top-level modules its code (not its comments) names.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let module = first.trim_end_matches(".rs").to_string();
            if module == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let deps = out.entry(module.clone()).or_default();
            for line in text.lines() {
                let code = line.split("//").next().unwrap_or_default();
                for part in code.split("crate::").skip(1) {
                    let dep: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !dep.is_empty() && dep != module {
                        deps.insert(dep);
                    }
                }
            }
        }
    }
    out
}

/// Every use of a module that is not in a lower layer.
fn violations(
    layers: &BTreeMap<String, usize>,
    uses: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (module, deps) in uses {
        let Some(&here) = layers.get(module) else {
            problems.push(format!("{module} is missing from the Layers table"));
            continue;
        };
        for dep in deps {
            match layers.get(dep) {
                None => problems.push(format!("{module} uses {dep}, which is not in the table")),
                Some(&there) if there >= here => problems.push(format!(
                    "{module} (layer {here}) uses {dep} (layer {there}): a module may use only lower layers"
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

#[test]
fn modules_only_use_lower_layers() {
    let problems = violations(&layers(), &uses());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_cycle_or_an_unlisted_module_is_a_violation() {
    let layers: BTreeMap<String, usize> = [("a".into(), 0), ("b".into(), 1)].into();
    let set = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
    let cyclic: BTreeMap<String, BTreeSet<String>> =
        [("a".into(), set(&["b"])), ("b".into(), set(&["a"]))].into();
    assert_eq!(violations(&layers, &cyclic).len(), 1);
    let unlisted: BTreeMap<String, BTreeSet<String>> = [("c".into(), set(&[]))].into();
    assert_eq!(violations(&layers, &unlisted).len(), 1);
    let fine: BTreeMap<String, BTreeSet<String>> = [("b".into(), set(&["a"]))].into();
    assert!(violations(&layers, &fine).is_empty());
}
