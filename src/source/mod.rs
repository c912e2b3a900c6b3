//! Sources only list and read. A source lists its items up front (cheap: paths, blob ids) and
//! reads one item into a `Chunk` on demand, from any thread; the pipeline owns the parallel
//! loop, the counters and the messages. After matching, `settle` lets a source do what only it
//! can: drop a secret the base version already had, attach commit provenance.

use std::time::Duration;

use anyhow::Result;

use crate::chunk::Chunk;
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

/// What reading one item gave.
pub enum Read {
    Chunk {
        chunk: Chunk,
        /// Facts for the file rules; `None` when no file rule can be about this item.
        meta: Option<FileMeta>,
        /// False for a file only the file rules look at (an ignored `.env` beside walked
        /// files: its permissions matter, its content is not part of the scan).
        content: bool,
    },
    Skip(Skip),
}

/// Why an item was not scanned; each is a count in the summary and most are a message.
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

impl ScanMode {
    /// True when findings come from committed objects (history, range, pre-push).
    pub fn is_committed(&self) -> bool {
        matches!(
            self,
            ScanMode::Range { .. } | ScanMode::PrePush(_) | ScanMode::History { .. }
        )
    }

    /// The name JSON and SARIF use: `worktree`, `staged`, `range` or `history`.
    pub fn name(&self) -> &'static str {
        match self {
            ScanMode::Tree => "worktree",
            ScanMode::Staged => "staged",
            ScanMode::Range { .. } | ScanMode::PrePush(_) => "range",
            ScanMode::History { .. } => "history",
        }
    }
}
