//! Files on disk: the `ignore` walker lists regular files (honouring .gitignore and .ignore,
//! skipping .git/ but not dotfiles such as `.env`); each is read on demand. FIFOs, sockets and
//! devices are never opened. Files a file rule is about get their git and mode facts here, and
//! secret-bearing files an ignore rule hid beside walked ones are listed for the file rules only
//! (their permissions still matter).

use std::collections::HashSet;
use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use super::{Read, Skip, Source};
use crate::chunk::FileMeta;
use crate::chunk::{Chunk, Provenance};

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
    pub meta: Option<FileMeta>,
    /// False for a file listed for the file rules only.
    pub content: bool,
}

/// The files under some roots.
pub struct Worktree {
    targets: Vec<Target>,
    max_file_size: u64,
    excluded: usize,
    /// Files in vendored dependency trees left out.
    vendored: usize,
}

impl Worktree {
    /// Walk `roots`, keep the paths `admit` accepts, and attach file facts to the files a file
    /// rule is about (`file_rule_about`, given a name or a path; `None` when no file rule is
    /// on); `root` is the repository root (or scanned directory). Returns the walk's warnings
    /// too.
    pub fn new(
        roots: &[PathBuf],
        opts: &WalkOptions,
        file_rule_about: Option<&dyn Fn(&str) -> bool>,
        vendored: Option<&dyn Fn(&str) -> bool>,
        root: &Path,
        admit: impl Fn(&Target) -> bool,
    ) -> (Worktree, Vec<String>) {
        let (mut targets, warnings) = walk(roots, opts);
        if !opts.no_ignore {
            add_tracked(roots, root, &mut targets);
        }
        let mut skipped_vendored = 0;
        if let Some(is_vendored) = vendored {
            // Judged below the root the user named: `scan node_modules/pkg` scans it.
            let below_root = |t: &Target| -> String {
                roots
                    .iter()
                    .find_map(|r| t.path.strip_prefix(r).ok())
                    .unwrap_or(&t.path)
                    .to_string_lossy()
                    .into_owned()
            };
            let before = targets.len();
            targets.retain(|t| !is_vendored(&below_root(t)));
            skipped_vendored = before - targets.len();
        }
        let walked = targets.len();
        targets.retain(|t| admit(t));
        let excluded = walked - targets.len();
        if let Some(about) = file_rule_about {
            attach_file_meta(about, &mut targets, root);
        }
        (
            Worktree {
                targets,
                max_file_size: opts.max_file_size,
                excluded,
                vendored: skipped_vendored,
            },
            warnings,
        )
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }
}

impl Source for Worktree {
    type Item = Target;
    type Reader = ();

    fn items(&self) -> &[Target] {
        &self.targets
    }

    fn reader(&self) {}

    fn vendored(&self) -> usize {
        self.vendored
    }

    fn excluded(&self) -> usize {
        self.excluded
    }

    fn read(&self, _: &mut (), t: &Target) -> Read {
        match read_regular(&t.path, self.max_file_size) {
            Ok(bytes) => Read::Chunk {
                chunk: Chunk {
                    bytes,
                    path: t.display.clone(),
                    provenance: Provenance::File,
                },
                meta: t.meta.clone(),
                content: t.content,
                revision: None,
            },
            Err(ReadError::NotRegular) => Read::Skip(Skip::NotRegular),
            Err(ReadError::TooLarge(n)) => Read::Skip(Skip::TooLarge(format!(
                "{}: skipped, {n} bytes is over --max-file-size ({})",
                t.display, self.max_file_size
            ))),
            Err(ReadError::Io(e)) => {
                Read::Skip(Skip::Unreadable(format!("{}: cannot read: {e}", t.display)))
            }
        }
    }
}

/// The regular files under `roots`, sorted, plus the warnings the walk raised.
fn walk(roots: &[PathBuf], opts: &WalkOptions) -> (Vec<Target>, Vec<String>) {
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
                    meta: None,
                    content: true,
                });
            }
            Err(err) => warnings.push(format!("{err}")),
        }
    }
    out.sort_by(|a, b| a.display.cmp(&b.display));
    (out, warnings)
}

/// What is committed is what leaks: every file the repository's index tracks under `roots` is
/// scanned whatever `.gitignore` or `.ignore` say (ignore files keep untracked files out, and a
/// committed `.ignore` with `*` must not empty the scan). Tracked symbolic links and
/// submodules are not files and stay out, as in the walk.
fn add_tracked(roots: &[PathBuf], root: &Path, targets: &mut Vec<Target>) {
    let Some(repo) = gix::discover(root).ok() else {
        return;
    };
    let Some(workdir) = repo.workdir().and_then(|w| std::fs::canonicalize(w).ok()) else {
        return;
    };
    let Ok(index) = repo.index_or_empty() else {
        return;
    };
    let walked: HashSet<PathBuf> = targets.iter().map(|t| t.path.clone()).collect();
    let dirs: Vec<(&PathBuf, PathBuf)> = roots
        .iter()
        .filter_map(|r| Some((r, std::fs::canonicalize(r).ok()?)))
        .filter(|(_, abs)| abs.is_dir())
        .collect();
    let before = targets.len();
    for entry in index.entries() {
        if entry.stage_raw() != 0 || !entry.mode.to_tree_entry_mode().is_some_and(|m| m.is_blob()) {
            continue;
        }
        let rel = String::from_utf8_lossy(entry.path(&index));
        let abs = workdir.join(rel.as_ref());
        for (r, canon) in &dirs {
            let Ok(under) = abs.strip_prefix(canon) else {
                continue;
            };
            let path = r.join(under);
            let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
            if regular && !walked.contains(&path) {
                targets.push(Target {
                    display: display_path(&path),
                    path,
                    meta: None,
                    content: true,
                });
            }
            break;
        }
    }
    if targets.len() > before {
        targets.sort_by(|a, b| a.display.cmp(&b.display));
    }
}

/// File facts for the walked files a file rule is about, plus secret-bearing files an ignore
/// rule hid in the same directories. The repository and its index are opened only when some
/// file name is a candidate, which most scans never have.
fn attach_file_meta(interesting: &dyn Fn(&str) -> bool, targets: &mut Vec<Target>, root: &Path) {
    let name_of = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut candidates: Vec<usize> = Vec::new();
    let mut dirs: HashSet<PathBuf> = HashSet::new();
    for (i, t) in targets.iter().enumerate() {
        dirs.insert(t.path.parent().map(Path::to_path_buf).unwrap_or_default());
        if interesting(&name_of(&t.path)) || interesting(&t.display) {
            candidates.push(i);
        }
    }
    let walked: HashSet<PathBuf> = targets.iter().map(|t| t.path.clone()).collect();
    let mut hidden = Vec::new();
    for dir in dirs {
        let here = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir.as_path()
        };
        let Ok(entries) = std::fs::read_dir(here) else {
            continue;
        };
        for e in entries.flatten() {
            let path = if dir.as_os_str().is_empty() {
                PathBuf::from(e.file_name())
            } else {
                dir.join(e.file_name())
            };
            if walked.contains(&path)
                || !e.file_type().is_ok_and(|t| t.is_file())
                || !interesting(&e.file_name().to_string_lossy())
            {
                continue;
            }
            hidden.push(Target {
                display: display_path(&path),
                path,
                meta: None,
                content: false,
            });
        }
    }
    if candidates.is_empty() && hidden.is_empty() {
        return;
    }
    let repo = gix::discover(root).ok();
    let workdir = repo.as_ref().and_then(|r| {
        r.workdir()
            .map(|w| std::fs::canonicalize(w).unwrap_or_else(|_| w.to_path_buf()))
    });
    let index = repo.as_ref().and_then(|r| r.index_or_empty().ok());
    let facts = |t: &Target, not_ignored: bool| -> Option<FileMeta> {
        let abs = std::fs::canonicalize(&t.path).unwrap_or_else(|_| t.path.clone());
        let rel = match &workdir {
            Some(w) => abs
                .strip_prefix(w)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_else(|_| abs.to_string_lossy().into_owned()),
            None => t
                .path
                .to_string_lossy()
                .trim_start_matches("./")
                .to_string(),
        };
        if !interesting(&rel) {
            return None;
        }
        let tracked = index
            .as_ref()
            .is_some_and(|idx| idx.entry_by_path(rel.as_str().into()).is_some());
        let mode = std::fs::symlink_metadata(&t.path)
            .ok()
            .and_then(|m| crate::fsutil::mode_of(&m));
        Some(FileMeta {
            rel,
            tracked,
            not_ignored,
            mode,
        })
    };
    for i in candidates {
        targets[i].meta = facts(&targets[i], true);
    }
    for mut t in hidden {
        t.meta = facts(&t, false);
        if t.meta.is_some() {
            targets.push(t);
        }
    }
    targets.sort_by(|a, b| a.display.cmp(&b.display));
}

/// A path as reports show it: as walked, without a leading `./`.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// Why a file could not be read.
#[derive(Debug)]
enum ReadError {
    NotRegular,
    TooLarge(u64),
    Io(std::io::Error),
}

/// Read a regular file without following it into a FIFO or device: open non-blocking, check
/// the type on the open handle, read once into a buffer sized from its metadata.
fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let file = crate::fsutil::no_block(std::fs::OpenOptions::new().read(true))
        .open(path)
        .map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.file_type().is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize + 1);
    // The file may grow while we read: never read past the size limit.
    (&file as &File)
        .take(max + 1)
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > max {
        return Err(ReadError::TooLarge(buf.len() as u64));
    }
    Ok(buf)
}
