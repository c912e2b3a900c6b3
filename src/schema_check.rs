//! Test support: a committed schema must equal the one generated from the types.

/// Fail when `path` (relative to the crate root) differs from `generated`; with
/// `KEYWARDEN_UPDATE_SCHEMAS=1`, write it instead.
pub fn check(path: &str, generated: &str) {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("KEYWARDEN_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&full, generated).expect("write schema");
        return;
    }
    let committed = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(
        committed == generated,
        "{path} differs from the schema generated from the types; run `KEYWARDEN_UPDATE_SCHEMAS=1 cargo test` and commit it"
    );
}
