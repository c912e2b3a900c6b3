//! Sources only list and read. A source lists its items up front (cheap: paths, blob ids) and
//! reads one item into a `Chunk` on demand, from any thread; the pipeline owns the parallel
//! loop, the counters and the messages. After matching, `settle` lets a source do what only it
//! can: drop a secret the base version already had, attach commit provenance.

use std::time::Duration;

use anyhow::Result;

use crate::chunk::{Change, Chunk};
use crate::finding::Finding;
use crate::hygiene::FileMeta;

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

/// A list of things to scan and a way to read each.
pub trait Source: Sync {
    type Item: Sync;
    /// Per-thread reading state (a thread-local repository handle).
    type Reader;

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

    /// After matching, before grouping: what only the source knows how to judge.
    fn settle(&self, found: Vec<Finding>) -> Result<Vec<Finding>> {
        Ok(found)
    }

    /// Items the path filter kept out (for the summary).
    fn excluded(&self) -> usize {
        0
    }

    /// Commits this source walked (for the summary).
    fn commits(&self) -> usize {
        0
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
