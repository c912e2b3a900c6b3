//! `Chunk`: bytes to scan, the path reports show for them, and where they came from. Sources
//! make chunks, decoders turn chunks into chunks, the pipeline matches them. `Provenance` is
//! open to new variants (an archive member, a base64 block): each says what it is and who its
//! parent was, and the place a finding was made (worktree, staged, history) is always its root.

use gix::ObjectId;

/// Where a chunk's bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// A file on disk.
    File,
    /// A staged blob in the index: what the next commit would add.
    Index,
    /// A blob in committed history. Commit facts (first commit, refs, HEAD) are attached to
    /// the finding after grouping, because one blob can sit in many commits.
    Blob(ObjectId),
    /// Bytes a codec decoded from a parent chunk.
    Decoded {
        codec: &'static str,
        parent: Box<Provenance>,
        /// Line and column in the parent where the encoded text starts; `None` when the whole
        /// parent was transcoded and lines map one to one (UTF-16).
        at: Option<(usize, usize)>,
    },
}

/// Provenance of a secret found in committed history, a fact a history source hands
/// back (`source::Facts::history`); the pipeline attaches it to the finding after grouping and
/// the JSON report writes it as is.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, schemars::JsonSchema)]
pub struct HistoryInfo {
    /// The commit that introduced the secret: it holds it and none of its parents does. Where
    /// several did (two branches added the same key), the earliest by author time.
    pub commit: String,
    /// The other commits that introduced it independently.
    pub introduced_in: Vec<String>,
    pub author: String,
    /// ISO 8601, UTC.
    pub date: String,
    /// How many commits' trees hold the blob.
    pub commits: usize,
    /// Whether HEAD's tree still holds it.
    pub in_head: bool,
    /// Refs from which the first commit is reachable.
    pub refs: Vec<String>,
    /// The blob id the secret was found in.
    pub blob: String,
    /// When it left HEAD: the first commit on HEAD's first-parent line without it, after the
    /// last one with it. Absent while HEAD holds it, and when HEAD's line never did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_in: Option<Removal>,
    /// How long it has been exposed: from the introducing commit's date to its removal from
    /// HEAD, or to the scan (`until` absent) while HEAD still holds it or another line does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposed_for: Option<Exposure>,
}

/// The commit that removed a secret from HEAD's line.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, schemars::JsonSchema)]
pub struct Removal {
    pub commit: String,
    /// ISO 8601, UTC (the commit's author date).
    pub date: String,
}

/// From introduction to removal (or to the scan).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, schemars::JsonSchema)]
pub struct Exposure {
    /// ISO 8601, UTC: the introducing commit's date.
    pub since: String,
    /// ISO 8601, UTC: when it left HEAD; absent while it is still exposed there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Whole days between the two (or between `since` and the scan).
    pub days: u64,
}

/// What a source knows about a file besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct FileMeta {
    /// Path relative to the repository root (or scan root), `/`-separated.
    pub rel: String,
    /// Tracked by git (worktree), added by the index (staged), or committed (history).
    pub tracked: bool,
    /// Whether a walk that honours ignore files reached it.
    pub not_ignored: bool,
    /// Unix mode bits, for files on disk.
    pub mode: Option<u32>,
}

/// Where a secret was found, as the rotation checklist and reports see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A file in the working tree.
    Worktree,
    /// The index: it has not left this machine.
    Staged,
    /// Committed history: it may have been pushed.
    History,
}

impl Place {
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Worktree => "worktree",
            Place::Staged => "staged",
            Place::History => "history",
        }
    }
}

impl Provenance {
    /// The chunk a source read, below any decoding.
    pub fn root(&self) -> &Provenance {
        match self {
            Provenance::Decoded { parent, .. } => parent.root(),
            other => other,
        }
    }

    pub fn place(&self) -> Place {
        match self.root() {
            Provenance::File => Place::Worktree,
            Provenance::Index => Place::Staged,
            _ => Place::History,
        }
    }

    /// The git blob behind this chunk, if it came from history.
    pub fn blob(&self) -> Option<ObjectId> {
        match self.root() {
            Provenance::Blob(id) => Some(*id),
            _ => None,
        }
    }

    /// The codecs applied from the source's bytes to these, outermost first.
    pub fn codecs(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut p = self;
        while let Provenance::Decoded { codec, parent, .. } = p {
            out.push(*codec);
            p = parent;
        }
        out.reverse();
        out
    }

    /// The line and column in the source's bytes that findings inside this chunk report, when
    /// decoding moved them (the outermost decoded block that has a position).
    pub fn anchor(&self) -> Option<(usize, usize)> {
        match self {
            Provenance::Decoded { parent, at, .. } => parent.anchor().or(*at),
            _ => None,
        }
    }
}

/// Bytes to scan.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub bytes: Vec<u8>,
    /// What reports show: the path as walked, or the path in the commit or index.
    pub path: String,
    pub provenance: Provenance,
}

/// 1-based line and column (in characters) of byte offset `at`, counting from a known earlier
/// position so a file with many findings is walked once.
#[derive(Debug, Clone, Copy)]
pub struct LineCounter {
    offset: usize,
    line: usize,
    line_start: usize,
    /// Characters from `line_start` to `offset` (so many positions on one long minified line
    /// do not each count the line from its start).
    col: usize,
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter {
            offset: 0,
            line: 1,
            line_start: 0,
            col: 0,
        }
    }
}

impl LineCounter {
    /// Position of `at`; calls must come in non-decreasing `at` order or the counter restarts.
    pub fn locate(&mut self, data: &[u8], at: usize) -> (usize, usize) {
        if at < self.offset {
            *self = LineCounter::default();
        }
        let chars = |bytes: &[u8]| bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count();
        match memchr::memrchr(b'\n', &data[self.offset..at]) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', &data[self.offset..at]).count();
                self.line_start = self.offset + last + 1;
                self.col = chars(&data[self.line_start..at]);
            }
            None => self.col += chars(&data[self.offset..at]),
        }
        self.offset = at;
        (self.line, 1 + self.col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_counter_counts_characters_not_bytes() {
        let data = "a\nbé=KEY\n".as_bytes();
        let mut lc = LineCounter::default();
        let at = data.len() - 4;
        assert_eq!(lc.locate(data, at), (2, 4));
        assert_eq!(lc.locate(data, data.len()), (3, 1));
    }

    #[test]
    fn positions_along_one_line_count_from_the_last_one() {
        let data = "x\nété=A, ü=B, C\nD".as_bytes();
        let mut lc = LineCounter::default();
        let find = |s: &str| {
            data.windows(s.len())
                .position(|w| w == s.as_bytes())
                .unwrap()
        };
        assert_eq!(lc.locate(data, find("A")), (2, 5));
        assert_eq!(lc.locate(data, find("B")), (2, 10));
        assert_eq!(lc.locate(data, find("C")), (2, 13));
        assert_eq!(lc.locate(data, find("D")), (3, 1));
        // Going back restarts the count.
        assert_eq!(lc.locate(data, find("B")), (2, 10));
    }
}
