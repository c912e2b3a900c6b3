//! Path classes as data (`rules/contexts.yaml`): which paths are tests, fixtures, docs,
//! examples or generated files (a generic value found only there is `low` confidence), and which
//! are vendored dependency trees (tree scans skip them by default).

use std::sync::OnceLock;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

const TEXT: &str = include_str!("../rules/contexts.yaml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    classes: std::collections::BTreeMap<String, Vec<String>>,
    test_material: Vec<String>,
    vendor_layouts_low_in: Vec<String>,
    vendored: Vec<String>,
}

/// The compiled classes.
pub struct Contexts {
    /// (class name, its globs), in the file's order.
    classes: Vec<(String, GlobSet)>,
    test_material: Vec<String>,
    vendor_layouts_low_in: Vec<String>,
    vendored: GlobSet,
}

fn compile(globs: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).expect("built-in context globs compile (unit-tested)"));
    }
    b.build().expect("built-in context globs build")
}

impl Contexts {
    /// Parsed and compiled once; the built-in file is proven sound by the unit test below.
    pub fn get() -> &'static Contexts {
        static C: OnceLock<Contexts> = OnceLock::new();
        C.get_or_init(|| {
            let spec: Spec = crate::yaml::parse_yaml("rules/contexts.yaml", TEXT)
                .expect("the built-in contexts parse (unit-tested)");
            Contexts {
                classes: spec
                    .classes
                    .iter()
                    .map(|(name, globs)| (name.clone(), compile(globs)))
                    .collect(),
                test_material: spec.test_material,
                vendor_layouts_low_in: spec.vendor_layouts_low_in,
                vendored: compile(&spec.vendored),
            }
        })
    }

    /// The class of `path` that lowers a generic value (`test`, `docs`…), if any. A path inside
    /// an archive (`a.zip!b/c.txt`) is judged by the archive's path.
    pub fn class_of(&self, path: &str) -> Option<&str> {
        let path = path.split('!').next().unwrap_or(path);
        self.classes
            .iter()
            .find(|(_, set)| set.is_match(path))
            .map(|(name, _)| name.as_str())
    }

    /// Whether findings of rule `id` are test material when found only in a class's paths.
    pub fn test_material(&self, id: &str) -> bool {
        self.test_material.iter().any(|r| r == id)
    }

    /// Whether a vendor key layout without an offline check is `low` in `class`.
    pub fn lowers_vendor_layouts(&self, class: &str) -> bool {
        self.vendor_layouts_low_in.iter().any(|c| c == class)
    }

    /// Whether `path` is inside a vendored dependency tree.
    pub fn vendored(&self, path: &str) -> bool {
        self.vendored.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::Contexts;

    #[test]
    fn the_built_in_classes_compile_and_say_what_they_mean() {
        let c = Contexts::get();
        assert_eq!(c.class_of("tests/auth.py"), Some("test"));
        assert_eq!(c.class_of("src/auth_test.go"), Some("test"));
        assert_eq!(c.class_of("pkg/a/testdata/x.json"), Some("test"));
        assert_eq!(c.class_of("docs/setup.md"), Some("docs"));
        assert_eq!(c.class_of("README.rst"), Some("docs"));
        assert_eq!(c.class_of("examples/app.py"), Some("example"));
        assert_eq!(c.class_of("app/fixtures/users.yml"), Some("fixture"));
        assert_eq!(c.class_of("docs.zip!inner/a.txt"), None);
        assert_eq!(c.class_of("src/app.py"), None);
        assert_eq!(c.class_of(".env"), None);
        assert!(c.vendored("node_modules/x/index.js"));
        assert!(c.vendored("web/node_modules/x/index.js"));
        assert!(c.vendored("lib/python3.11/site-packages/pkg/a.py"));
        assert!(!c.vendored("src/vendors.py"));
        assert!(!c.vendored("src/app.py"));
        assert!(c.test_material("private-key") && !c.test_material("github-token"));
    }
}
