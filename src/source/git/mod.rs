//! Git sources through gix (no `git` binary): the index for `--staged`, every blob reachable
//! from every ref for `--history`, and the blobs a commit range introduces for `--range` and
//! `--pre-push`. Each lists unique blobs (one read per blob, however many commits hold it) and
//! settles afterwards: provenance (first commit, refs, HEAD) is attached to each secret, so a
//! secret kept across 1,000 commits is one finding.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use gix::ObjectId;
use gix::objs::TreeRefIter;

use super::{Facts, Read, Skip, Source};
use crate::chunk::FileMeta;
use crate::chunk::{Chunk, Provenance};

mod deltas;
mod graph;
mod history;
mod range;

pub use crate::source::PathJudge;
pub use history::history;
pub use range::{Push, pre_push, range, read_pushes, resolve_range, split_range};

/// The most any one object (or a delta base on the way to one) may take in memory, for every
/// handle: a hostile pack claiming 2^62 bytes is refused by gix instead of aborting the process.
const OBJECT_LIMIT: u64 = 2 << 30;

/// A size claim no real object makes: an object claiming more is corrupt or hostile, an error
/// that names it (never a blob skipped as merely large).
const ABSURD_SIZE: u64 = 1 << 40;

const SHALLOW_FIX: &str = "this is a shallow clone, so history is incomplete and a scan could miss secrets. Fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout) and run again";

/// Delta bases each thread keeps decoded in gix's handles: the listing's (commits and trees),
/// and blobs that `deltas` cannot read itself (loose objects, alternates, errors). A small
/// cache was as fast as gix's default (up to 96 MiB per thread) when gix read every blob, with
/// peak memory 40-70 MiB lower.
const DELTA_BASE_CACHE: &str = "2m";

/// The repository holding `path`, reading objects as they are stored: a replace ref (`git
/// replace`) would otherwise show a clean blob where the leaked one is, and replace refs travel
/// with `git clone --mirror`, the usual first step of a cleanup.
fn open(path: &Path) -> Result<gix::Repository> {
    let cannot = || {
        format!(
            "{}: not a git repository (or it cannot be opened)",
            path.display()
        )
    };
    let found = gix::discover(path).with_context(cannot)?;
    let opts = found.open_options().clone().config_overrides([
        "core.useReplaceRefs=false".to_string(),
        format!("gitoxide.objects.allocLimit={OBJECT_LIMIT}"),
    ]);
    let repo = gix::open_opts(found.path(), opts).with_context(cannot)?;
    small_delta_cache(repo)
}

fn small_delta_cache(mut repo: gix::Repository) -> Result<gix::Repository> {
    let mut config = repo.config_snapshot_mut();
    config
        .set_value(
            &gix::config::tree::Core::DELTA_BASE_CACHE_LIMIT,
            DELTA_BASE_CACHE,
        )
        .context("cannot size the delta base cache")?;
    config
        .commit()
        .context("cannot size the delta base cache")?;
    Ok(repo)
}

/// A fresh handle on `repo`'s objects for reading blobs, with its own object store: the pages
/// of the pack that listing commits and trees mapped are released with the listing's handle
/// (cargo's history peaked 16 MiB lower). With `limit`, gix refuses to inflate any object
/// bigger than it (`gitoxide.objects.allocLimit`), so an oversized blob is caught without first
/// resolving its header, which walks the whole delta chain (0.25 CPU-s on cargo's history).
fn reopen(repo: &gix::Repository, limit: Option<u64>) -> Result<gix::Repository> {
    let limit = limit.unwrap_or(OBJECT_LIMIT).min(OBJECT_LIMIT);
    let opts = repo.open_options().clone().config_overrides([
        "core.useReplaceRefs=false".to_string(),
        format!("gitoxide.objects.allocLimit={limit}"),
    ]);
    let fresh = gix::open_opts(repo.path(), opts).with_context(|| {
        format!(
            "{}: cannot open the repository again",
            repo.path().display()
        )
    })?;
    small_delta_cache(fresh)
}

/// A blob's bytes, or `Ok(None)` when its header says it is over the size limit (the blob is
/// never loaded).
fn read_blob(repo: &gix::Repository, id: ObjectId, max: u64) -> Result<Option<Vec<u8>>> {
    let header = repo
        .find_header(id)
        .with_context(|| format!("object {id}: missing or corrupt"))?;
    if header.size() > ABSURD_SIZE {
        bail!(
            "object {id}: claims {} bytes, more than any real object: the pack is corrupt or hostile",
            header.size()
        );
    }
    if header.size() > max {
        return Ok(None);
    }
    let obj = repo
        .find_object(id)
        .with_context(|| format!("object {id}: missing or corrupt"))?;
    Ok(Some(obj.detach().data))
}

/// Read one blob as a chunk; a missing object or an oversized one is a skip with a message.
/// `tracked` tells the file rules whether this commit (or history) adds the path.
fn read_item(
    repo: &gix::Repository,
    id: ObjectId,
    path: &str,
    provenance: Provenance,
    tracked: bool,
    max: u64,
) -> Read {
    item(read_blob(repo, id, max), id, path, provenance, tracked, max)
}

fn item(
    read: Result<Option<Vec<u8>>>,
    id: ObjectId,
    path: &str,
    provenance: Provenance,
    tracked: bool,
    max: u64,
) -> Read {
    match read {
        Ok(Some(bytes)) => Read::Chunk {
            chunk: Chunk {
                bytes,
                path: path.to_string(),
                provenance,
            },
            meta: Some(FileMeta {
                rel: path.to_string(),
                tracked,
                not_ignored: false,
                mode: None,
            }),
            content: true,
            revision: None,
        },
        Ok(None) => Read::Skip(Skip::TooLarge(format!(
            "{path} (blob {id}): skipped, over --max-file-size ({max})"
        ))),
        Err(e) => Read::Skip(Skip::Corrupt(format!("{path}: {e:#}"))),
    }
}

/// Does the blob `id` hold `secret`? (Used to drop what a base version already had.)
fn blob_holds(repo: &gix::Repository, id: ObjectId, secret: &str, max: u64) -> bool {
    read_blob(repo, id, max)
        .ok()
        .flatten()
        .is_some_and(|data| memchr::memmem::find(&data, secret.as_bytes()).is_some())
}

/// Every blob path → id in a tree and its subtrees (an explicit stack: a hostile tree
/// thousands of levels deep cannot overflow the thread's).
fn tree_paths(
    repo: &gix::Repository,
    tree: ObjectId,
    prefix: &str,
    out: &mut HashMap<String, ObjectId>,
) -> Result<()> {
    let mut stack = vec![(tree, prefix.to_string())];
    while let Some((tree, prefix)) = stack.pop() {
        let obj = repo
            .find_object(tree)
            .with_context(|| format!("tree {tree}: missing or corrupt"))?;
        for entry in TreeRefIter::from_bytes(&obj.data, repo.object_hash()) {
            let entry = entry.map_err(|e| anyhow!("tree {tree}: corrupt: {e}"))?;
            let path = join(&prefix, entry.filename);
            if entry.mode.is_tree() {
                stack.push((entry.oid.to_owned(), path));
            } else if entry.mode.is_blob() {
                out.insert(path, entry.oid.to_owned());
            }
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

/// The bytes of `rel` (a `/`-separated path from the repository root) in the tree of the
/// commit `rev`; `None` when that commit has no such file. Trusted settings of a range scan
/// (config, baseline) are read this way, at the base commit, never from the working tree. A
/// symbolic link on the way, or a file over the settings limit, is an error that names it.
pub fn file_at(repo_path: &Path, rev: &str, rel: &str) -> Result<Option<Vec<u8>>> {
    let repo = open(repo_path)?;
    let id = repo
        .rev_parse_single(rev)
        .map_err(|e| anyhow!("{rev}: not a commit in this repository: {e}"))?;
    let commit = repo
        .find_object(id)?
        .peel_to_commit()
        .map_err(|e| anyhow!("{rev} is not a commit: {e}"))?;
    let mut tree = commit.tree_id()?.detach();
    let rel = rel.trim_start_matches("./");
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        let obj = repo
            .find_object(tree)
            .with_context(|| format!("tree {tree}: missing or corrupt"))?;
        let mut found = None;
        for entry in TreeRefIter::from_bytes(&obj.data, repo.object_hash()) {
            let entry = entry.map_err(|e| anyhow!("tree {tree}: corrupt: {e}"))?;
            if entry.filename == part.as_bytes() {
                found = Some((entry.mode, entry.oid.to_owned()));
                break;
            }
        }
        let Some((mode, oid)) = found else {
            return Ok(None);
        };
        let so_far = parts[..=i].join("/");
        let last = i + 1 == parts.len();
        if mode.is_link() {
            bail!(
                "{so_far} at {rev}: a symbolic link; name the file itself (settings are read from the commit, never through a link)"
            );
        } else if last && mode.is_blob() {
            return match read_blob(&repo, oid, crate::fsutil::SETTINGS_LIMIT)? {
                Some(bytes) => Ok(Some(bytes)),
                None => bail!(
                    "{so_far} at {rev}: over {} MiB; refusing to read it",
                    crate::fsutil::SETTINGS_LIMIT >> 20
                ),
            };
        } else if !last && mode.is_tree() {
            tree = oid;
        } else {
            return Ok(None);
        }
    }
    Ok(None)
}

/// `path` relative to the work tree of the repository holding `repo_path`, when it is inside
/// it (`None` for a path outside the checkout, or a bare repository). The path is resolved by
/// its words, never through a symbolic link inside the checkout: a pull request controls
/// those, and one pointing elsewhere must not move what is read at the base commit.
pub fn relative_to_workdir(repo_path: &Path, path: &Path) -> Option<String> {
    let repo = gix::discover(repo_path).ok()?;
    let workdir = repo.workdir()?;
    let cwd = std::env::current_dir().ok()?;
    let abs = lexical(&cwd.join(path));
    let roots = [
        lexical(&cwd.join(workdir)),
        std::fs::canonicalize(workdir).ok()?,
    ];
    let cwd_real = std::fs::canonicalize(&cwd).ok()?;
    // The working directory itself may be reached through a link outside the checkout (`/tmp`
    // on macOS): a relative path is also tried from its real location.
    let real = lexical(&cwd_real.join(path));
    roots.iter().find_map(|root| {
        [&abs, &real].into_iter().find_map(|p| {
            p.strip_prefix(root)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        })
    })
}

/// `.` and `..` taken out by the words alone.
fn lexical(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The commit that pushes in a pre-push hook are compared with: the first pushed ref's remote
/// commit, else the remote's default branch (`refs/remotes/origin/HEAD`).
pub fn push_base(repo_path: &Path, pushes: &[Push]) -> Option<String> {
    if let Some(p) = pushes
        .iter()
        .find(|p| !p.from.is_empty() && p.from != range::ZERO_OID)
    {
        return Some(p.from.clone());
    }
    let repo = open(repo_path).ok()?;
    repo.rev_parse_single("refs/remotes/origin/HEAD")
        .ok()
        .map(|id| id.detach().to_string())
}

/// One staged change: the path, the index blob, and HEAD's blob at that path if any.
pub struct StagedItem {
    path: String,
    id: ObjectId,
    before: Option<ObjectId>,
}

/// `--staged`: what the next commit would add. Content comes from index blobs, never the
/// working tree; a secret already in HEAD's version of the same path is not reported.
pub struct Staged {
    repo: gix::ThreadSafeRepository,
    items: Vec<StagedItem>,
    max_file_size: u64,
    excluded: usize,
    /// The repository has no commit yet (`git restore --staged` cannot resolve HEAD there).
    no_commit_yet: bool,
}

impl Staged {
    pub fn open(path: &Path, max_file_size: u64, admit: impl Fn(&str) -> bool) -> Result<Staged> {
        let repo = open(path)?;
        let index = repo.index_or_empty().context("cannot read the index")?;
        let mut head = HashMap::new();
        let head_tree = repo.head_tree_id();
        if let Ok(tree) = &head_tree {
            tree_paths(&repo, tree.detach(), "", &mut head)?;
        }
        let mut items = Vec::new();
        let mut excluded = 0;
        for entry in index.entries() {
            if entry.stage() != gix::index::entry::Stage::Unconflicted {
                continue;
            }
            let mode = entry.mode;
            if mode != gix::index::entry::Mode::FILE
                && mode != gix::index::entry::Mode::FILE_EXECUTABLE
            {
                continue;
            }
            let p = String::from_utf8_lossy(entry.path(&index)).into_owned();
            let before = head.get(&p).copied();
            if before == Some(entry.id) {
                continue;
            }
            if !admit(&p) {
                excluded += 1;
                continue;
            }
            items.push(StagedItem {
                path: p,
                id: entry.id,
                before,
            });
        }
        Ok(Staged {
            no_commit_yet: head_tree.is_err(),
            repo: repo.into_sync(),
            items,
            max_file_size,
            excluded,
        })
    }
}

impl Source for Staged {
    type Item = StagedItem;
    type Reader = gix::Repository;

    fn items(&self) -> &[StagedItem] {
        &self.items
    }

    fn reader(&self) -> gix::Repository {
        self.repo.to_thread_local()
    }

    fn excluded(&self) -> usize {
        self.excluded
    }

    fn no_commit_yet(&self) -> bool {
        self.no_commit_yet
    }

    fn read(&self, repo: &mut gix::Repository, item: &StagedItem) -> Read {
        // A commit is blocked for what it adds: a file HEAD already tracks is not "newly
        // tracked" by an edit (the same rule as for secrets).
        read_item(
            repo,
            item.id,
            &item.path,
            Provenance::Index,
            item.before.is_none(),
            self.max_file_size,
        )
    }

    fn facts(&self) -> &dyn Facts {
        self
    }
}

impl Facts for Staged {
    /// A secret HEAD's version of the path already holds is not what this commit adds. (File
    /// findings stand: the commit still writes that file.)
    fn base_had(&self, path: &str, secret: &str) -> bool {
        let Some(old) = self
            .items
            .iter()
            .find(|i| i.path == path)
            .and_then(|i| i.before)
        else {
            return false;
        };
        blob_holds(
            &self.repo.to_thread_local(),
            old,
            secret,
            self.max_file_size,
        )
    }
}
