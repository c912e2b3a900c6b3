//! Files on disk: the `ignore` walker lists regular files (honouring .gitignore and .ignore,
//! skipping .git/ but not dotfiles such as `.env`), then rayon reads and scans them. FIFOs,
//! sockets and devices are never opened; a file that cannot be read is a warning and a count.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use rayon::prelude::*;

use crate::finding::Origin;
use crate::matcher::Matcher;
use crate::scan::{Outcome, Stats, scan_chunk};

/// How the walk behaves; resolved from flags and config.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub follow_links: bool,
    pub no_ignore: bool,
    pub max_file_size: u64,
}

/// A file to scan and the path reports show for it.
#[derive(Debug, Clone)]
pub struct Target {
    pub path: PathBuf,
    pub display: String,
}

/// The regular files under `roots`, sorted, plus the warnings the walk raised.
pub fn targets(roots: &[PathBuf], opts: &WalkOptions) -> (Vec<Target>, Vec<String>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let Some((first, rest)) = roots.split_first() else {
        return (out, warnings);
    };
    let mut builder = WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    builder
        .hidden(false)
        .follow_links(opts.follow_links)
        .git_ignore(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git");
    for entry in builder.build() {
        match entry {
            Ok(e) => {
                let Some(ft) = e.file_type() else { continue };
                if !ft.is_file() {
                    continue;
                }
                out.push(Target {
                    display: display_path(e.path()),
                    path: e.into_path(),
                });
            }
            Err(err) => warnings.push(format!("warning: {err}")),
        }
    }
    out.sort_by(|a, b| a.display.cmp(&b.display));
    (out, warnings)
}

/// A path as reports show it: as walked, without a leading `./`.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// Why a file was not scanned.
#[derive(Debug)]
pub enum Skip {
    NotRegular,
    TooLarge(u64),
    Unreadable(std::io::Error),
}

/// Read a regular file without following it into a FIFO or device: open non-blocking, check
/// the type on the open handle, read once into a buffer sized from its metadata.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, Skip> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(Skip::Unreadable)?;
    let meta = file.metadata().map_err(Skip::Unreadable)?;
    if !meta.file_type().is_file() {
        return Err(Skip::NotRegular);
    }
    if meta.len() > max {
        return Err(Skip::TooLarge(meta.len()));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize + 1);
    // The file may grow while we read: never read past the size limit.
    (&file as &File)
        .take(max + 1)
        .read_to_end(&mut buf)
        .map_err(Skip::Unreadable)?;
    if buf.len() as u64 > max {
        return Err(Skip::TooLarge(buf.len() as u64));
    }
    Ok(buf)
}

/// Scan every target in parallel; warnings go to stderr as they happen.
pub fn scan(matcher: &Matcher, targets: &[Target], opts: &WalkOptions, quiet: bool) -> Outcome {
    let outcomes: Vec<Outcome> = targets
        .par_iter()
        .map(|t| match read_regular(&t.path, opts.max_file_size) {
            Ok(data) => scan_chunk(matcher, &t.display, &data, &Origin::Worktree),
            Err(skip) => {
                let mut stats = Stats::default();
                match skip {
                    Skip::NotRegular => {}
                    Skip::TooLarge(n) => {
                        stats.skipped_large = 1;
                        if !quiet {
                            eprintln!(
                                "warning: {}: skipped, {n} bytes is over --max-file-size ({})",
                                t.display, opts.max_file_size
                            );
                        }
                    }
                    Skip::Unreadable(e) => {
                        stats.unreadable = 1;
                        eprintln!("warning: {}: cannot read: {e}", t.display);
                    }
                }
                Outcome {
                    findings: Vec::new(),
                    stats,
                }
            }
        })
        .collect();
    let mut total = Outcome::default();
    for o in outcomes {
        total.stats.add(&o.stats);
        total.findings.extend(o.findings);
    }
    total
}
