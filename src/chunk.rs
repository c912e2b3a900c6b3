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

/// How a revision of a file differs from the previous one: equal up to `prefix`, and equal
/// from `tail_new` (`tail_old` in the previous revision) to the end. What lies outside
/// `prefix..tail_new` is the previous revision's, so keyword hits, rule windows and base64
/// runs there can be reused.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    pub prefix: usize,
    pub tail_new: usize,
    pub tail_old: usize,
}

impl Change {
    /// `data` against the previous revision `prev`.
    pub fn between(prev: &[u8], data: &[u8]) -> Change {
        let a = common_prefix(data, prev);
        let room = data.len().min(prev.len()) - a;
        let b = common_suffix(data, prev, room);
        Change {
            prefix: a,
            tail_new: data.len() - b,
            tail_old: prev.len() - b,
        }
    }
}

/// Length of the common prefix of `a` and `b`: 4 KiB blocks first (one `memcmp` each; most
/// revisions share most of their bytes), then 64-byte blocks, then bytes.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    for block in [4096, 64, 1] {
        while i + block <= n && a[i..i + block] == b[i..i + block] {
            i += block;
        }
    }
    i
}

/// Length of the common suffix of `a` and `b`, at most `max`; blocks as in `common_prefix`.
fn common_suffix(a: &[u8], b: &[u8], max: usize) -> usize {
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    for block in [4096, 64, 1] {
        while i + block <= max && a[la - i - block..la - i] == b[lb - i - block..lb - i] {
            i += block;
        }
    }
    i
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
