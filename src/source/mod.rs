//! Sources only list and read. A source lists its items up front (cheap: paths, blob ids) and
//! reads one item into a `Chunk` on demand, from any thread; the pipeline owns the parallel
//! loop, the counters and the messages. After matching, a source answers questions about where
//! content stands (`Facts`: other paths of a blob, what the base held, commit provenance); the
//! pipeline settles findings with those answers. A source never sees a finding.

use std::time::Duration;

use gix::ObjectId;

use crate::change::Change;
use crate::chunk::{Chunk, FileMeta, HistoryInfo};

pub mod git;
pub mod worktree;

/// One stage's cost, for `--stats`.
#[derive(Debug, Clone)]
pub struct Stage {
    pub name: &'static str,
    pub time: Duration,
    /// What it handled (`23815 commits`).
    pub detail: String,
}

/// How a git source judges paths without knowing the rules. A blob may stand at many paths
/// (a copy, a rename, a moved directory): it is read and matched once, but admitted if any of
/// its paths is, and every admitted path is a place it is reported at.
#[derive(Clone, Copy)]
pub struct PathJudge<'a> {
    /// The scan admits the path (the config's `allow.paths` keeps it out otherwise).
    pub admit: &'a (dyn Fn(&str) -> bool + Sync),
    /// Which rules can speak at the path, as a number: paths of one class are matched alike, so
    /// what a blob gave at one serves the others; a path of another class is matched again.
    pub class: &'a (dyn Fn(&str) -> u64 + Sync),
}

/// What reading one item gave.
pub enum Read {
    Chunk {
        chunk: Chunk,
        /// Facts for the file rules; `None` when no file rule can be about this item.
        meta: Option<FileMeta>,
        /// False for a file only the file rules look at (an ignored `.env` beside walked
        /// files: its permissions matter, its content is not part of the scan).
        content: bool,
        /// How the item relates to items read before it (git history only).
        revision: Option<Revision>,
    },
    Skip(Skip),
}

/// Why an item was not scanned; each is a count in the summary and most are a message.
/// A git blob's place among the blobs one thread reads: history builds a blob stored as a
/// delta from the bytes of its base, read just before it (see `source::git::deltas`).
pub struct Revision {
    /// The blob's key; a blob built from it later asks `Earlier` for it by this key.
    pub key: u32,
    /// Blobs built from it come after others: the scan keeps it until then.
    pub shared: bool,
    /// The key of the blob it was built from, and exactly what the two share.
    pub from: Option<(u32, Change)>,
}

/// What the scan on this thread still holds of items read before, by `Revision::key`.
pub trait Earlier {
    fn bytes(&self, key: u32) -> Option<&[u8]>;
}

/// Holds nothing.
pub struct Nothing;

impl Earlier for Nothing {
    fn bytes(&self, _: u32) -> Option<&[u8]> {
        None
    }
}

pub enum Skip {
    /// A FIFO, socket or device: never opened, never counted.
    NotRegular,
    /// Over `--max-file-size`; the message says which and how big.
    TooLarge(String),
    /// The file could not be read: a warning, a count, and the scan goes on.
    Unreadable(String),
    /// A git object is missing or corrupt: the scan is incomplete and never exits 0.
    Corrupt(String),
}

/// Facts a source knows about where matched content stands, asked once after matching.
pub trait Facts: Sync {
    /// The other paths that the content of `blob`, matched at `path`, also stands at (a copy,
    /// a rename, a moved directory): every one is a place to report it. `path` may name a
    /// member inside the blob (`dir/a.zip!key.txt`); the answers name the same member.
    fn also_at(&self, _blob: ObjectId, _path: &str) -> Vec<String> {
        Vec::new()
    }

    /// Whether the base's version of `path` already held `secret`: then it is not new there.
    fn base_had(&self, _path: &str, _secret: &str) -> bool {
        false
    }

    /// True when findings come with commit provenance (`history`).
    fn has_history(&self) -> bool {
        false
    }

    /// The index of the oldest commit that holds `blob` (the order findings of one secret are
    /// reported in); `usize::MAX` when unknown.
    fn first_commit(&self, _blob: ObjectId) -> usize {
        usize::MAX
    }

    /// For each group of blobs (the blobs one secret was found in, oldest first), where it
    /// entered history.
    fn history(&self, groups: &[Vec<ObjectId>]) -> Vec<HistoryInfo> {
        vec![HistoryInfo::default(); groups.len()]
    }
}

/// A source that knows nothing more than its chunks say.
pub struct NoFacts;

impl Facts for NoFacts {}

/// A list of things to scan and a way to read each.
pub trait Source: Sync {
    type Item: Sync;
    /// Per-thread reading state (a thread-local repository handle).
    type Reader: Send;

    fn items(&self) -> &[Self::Item];
    fn reader(&self) -> Self::Reader;
    fn read(&self, reader: &mut Self::Reader, item: &Self::Item) -> Read;

    /// `read`, for a source that can build an item from one read before it on this thread.
    fn read_after(
        &self,
        reader: &mut Self::Reader,
        item: &Self::Item,
        _earlier: &dyn Earlier,
    ) -> Read {
        self.read(reader, item)
    }

    /// What only the source knows about where matched content stands.
    fn facts(&self) -> &dyn Facts {
        &NoFacts
    }

    /// Files in vendored dependency trees a tree scan left out (for the summary).
    fn vendored(&self) -> usize {
        0
    }

    /// Items the path filter kept out (for the summary).
    fn excluded(&self) -> usize {
        0
    }

    /// Commits this source walked (for the summary).
    fn commits(&self) -> usize {
        0
    }

    /// The repository has no commit yet (`--staged` of a first commit): the checklist unstages
    /// with `git rm --cached`, since `git restore --staged` cannot resolve HEAD there.
    fn no_commit_yet(&self) -> bool {
        false
    }

    /// What listing the items cost, stage by stage (`--stats`).
    fn stages(&self) -> Vec<Stage> {
        Vec::new()
    }

    /// A prefix for the progress line on a terminal (`12 commits walked`); `None` shows none.
    fn progress_label(&self) -> Option<String> {
        None
    }
}

/// What a scan covers, resolved once from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanMode {
    /// Files on disk under the given paths.
    Tree,
    /// What the index would commit.
    Staged,
    /// The blobs `BASE..HEAD` introduces.
    Range { base: String, head: String },
    /// What a `git push` would add, one entry per pushed ref.
    PrePush(Vec<git::Push>),
    /// Every blob of every ref (and with `all_objects`, unreachable ones).
    History { all_objects: bool },
}
