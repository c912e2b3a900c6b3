//! Messages on stderr: one place that knows whether `--quiet` is on (ripgrep's messages.rs
//! habit). A warning about a file that could not be read is always shown, because it makes the
//! scan incomplete; notes about skipped large files and progress lines are not, under `--quiet`.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Set once, from the resolved settings, before any scan starts.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Something the user must know: the scan is incomplete or an output was cut.
pub fn warn(msg: impl AsRef<str>) {
    eprintln!("warning: {}", crate::escape::visible(msg.as_ref()));
}

/// Something worth knowing that `--quiet` silences (a file skipped for its size).
pub fn note(msg: impl AsRef<str>) {
    if !quiet() {
        eprintln!("warning: {}", crate::escape::visible(msg.as_ref()));
    }
}

/// A line about what a command did (`wrote 3 baseline entries to …`).
pub fn info(msg: impl AsRef<str>) {
    eprintln!("keywarden: {}", crate::escape::visible(msg.as_ref()));
}
