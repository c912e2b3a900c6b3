//! Git sources through gix (no `git` binary): the index for `--staged`, every blob reachable
//! from every ref for `--history`, and the blobs a commit range introduces for `--range`.
//! Each unique blob is scanned once, in parallel; provenance (first commit, refs, HEAD) is
//! attached afterwards, so a secret kept across 1,000 commits is one finding.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use gix::ObjectId;
use gix::objs::{CommitRef, TreeRefIter};
use rayon::prelude::*;

use crate::finding::{Finding, HistoryInfo, Origin};
use crate::hygiene::{FileFacts, check_file};
use crate::matcher::Matcher;
use crate::rules::PathFilter;
use crate::scan::{Outcome, Stats, scan_chunk};

mod graph;
mod history;
mod range;

pub use history::history;
pub use range::{pre_push, range};

/// Settings shared by the git sources.
pub struct GitOptions<'a> {
    pub max_file_size: u64,
    pub all_objects: bool,
    pub quiet: bool,
    /// Show progress on stderr (it is a terminal and --quiet is off).
    pub progress: bool,
    pub path_filter: &'a PathFilter,
}

const SHALLOW_FIX: &str = "this is a shallow clone, so history is incomplete and a scan could miss secrets. Fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout) and run again";

fn open(path: &Path) -> Result<gix::Repository> {
    gix::discover(path).with_context(|| {
        format!(
            "{}: not a git repository (or it cannot be opened)",
            path.display()
        )
    })
}

/// A blob's bytes, or `Ok(None)` when its header says it is over the size limit (the blob is
/// never loaded).
fn read_blob(repo: &gix::Repository, id: ObjectId, max: u64) -> Result<Option<Vec<u8>>> {
    let header = repo
        .find_header(id)
        .with_context(|| format!("object {id}: missing or corrupt"))?;
    if header.size() > max {
        return Ok(None);
    }
    let obj = repo
        .find_object(id)
        .with_context(|| format!("object {id}: missing or corrupt"))?;
    Ok(Some(obj.detach().data))
}

/// Scan one blob; a missing object or an oversized one is a warning and a count.
fn scan_blob(
    matcher: &Matcher,
    repo: &gix::Repository,
    id: ObjectId,
    path: &str,
    origin: &Origin,
    opts: &GitOptions,
) -> Outcome {
    match read_blob(repo, id, opts.max_file_size) {
        Ok(Some(data)) => {
            let mut o = scan_chunk(matcher, path, &data, origin);
            let rules = matcher.rules();
            if rules.rules.iter().any(|r| r.file_matches(path)) {
                let facts = FileFacts {
                    rel: path,
                    display: path,
                    tracked: true,
                    not_ignored: false,
                    mode: None,
                    data: Some(&data),
                };
                o.findings.extend(check_file(rules, &facts, origin));
            }
            o
        }
        Ok(None) => {
            if !opts.quiet {
                eprintln!(
                    "warning: {path} (blob {id}): skipped, over --max-file-size ({})",
                    opts.max_file_size
                );
            }
            Outcome {
                stats: Stats {
                    skipped_large: 1,
                    ..Stats::default()
                },
                ..Outcome::default()
            }
        }
        Err(e) => {
            eprintln!("warning: {path}: {e:#}");
            Outcome {
                stats: Stats {
                    unreadable: 1,
                    git_errors: 1,
                    ..Stats::default()
                },
                ..Outcome::default()
            }
        }
    }
}

/// Every blob path → id in a tree, recursively.
fn tree_paths(
    repo: &gix::Repository,
    tree: ObjectId,
    prefix: &str,
    out: &mut HashMap<String, ObjectId>,
) -> Result<()> {
    let obj = repo
        .find_object(tree)
        .with_context(|| format!("tree {tree}: missing or corrupt"))?;
    for entry in TreeRefIter::from_bytes(&obj.data, repo.object_hash()) {
        let entry = entry.map_err(|e| anyhow!("tree {tree}: corrupt: {e}"))?;
        let path = join(prefix, entry.filename);
        if entry.mode.is_tree() {
            tree_paths(repo, entry.oid.to_owned(), &path, out)?;
        } else if entry.mode.is_blob() {
            out.insert(path, entry.oid.to_owned());
        }
    }
    Ok(())
}

fn join(prefix: &str, name: &gix::bstr::BStr) -> String {
    let name = String::from_utf8_lossy(name);
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// `--staged`: what the next commit would add. Content comes from index blobs, never the
/// working tree; a secret already in HEAD's version of the same path is not reported.
pub fn staged(matcher: &Matcher, path: &Path, opts: &GitOptions) -> Result<Outcome> {
    let repo = open(path)?;
    let index = repo.index_or_empty().context("cannot read the index")?;
    let mut head = HashMap::new();
    if let Ok(tree) = repo.head_tree_id() {
        tree_paths(&repo, tree.detach(), "", &mut head)?;
    }
    let mut changed: Vec<(String, ObjectId, Option<ObjectId>)> = Vec::new();
    for entry in index.entries() {
        if entry.stage() != gix::index::entry::Stage::Unconflicted {
            continue;
        }
        let mode = entry.mode;
        if mode != gix::index::entry::Mode::FILE && mode != gix::index::entry::Mode::FILE_EXECUTABLE
        {
            continue;
        }
        let p = String::from_utf8_lossy(entry.path(&index)).into_owned();
        let before = head.get(&p).copied();
        if before == Some(entry.id) || !opts.path_filter.admits(&p) {
            continue;
        }
        changed.push((p, entry.id, before));
    }
    let sync = repo.into_sync();
    let outcomes: Vec<Outcome> = changed
        .par_iter()
        .map_init(
            || sync.to_thread_local(),
            |repo, (p, id, before)| {
                let mut o = scan_blob(matcher, repo, *id, p, &Origin::Staged, opts);
                if let (Some(before), false) = (before, o.findings.is_empty()) {
                    if let Ok(Some(old)) = read_blob(repo, *before, opts.max_file_size) {
                        // File findings (no secret) stand: the commit still writes that file.
                        o.findings.retain(|f| {
                            f.secret.is_empty()
                                || memchr::memmem::find(&old, f.secret.as_bytes()).is_none()
                        });
                    }
                }
                o
            },
        )
        .collect();
    Ok(merge(outcomes))
}

fn merge(outcomes: Vec<Outcome>) -> Outcome {
    let mut total = Outcome::default();
    for o in outcomes {
        total.stats.add(&o.stats);
        total.findings.extend(o.findings);
    }
    total
}
