//! How a revision of a file differs from the one read before it (`Change`): the stretches the
//! two share. History reads a file's revisions one after another; what lies in a shared stretch
//! (keyword hits, rule windows, base64 runs) is reused instead of searched again.

/// A stretch of bytes a revision shares with the previous one: `len` bytes at `new` in this
/// revision equal `len` bytes at `old` in the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Same {
    pub new: usize,
    pub old: usize,
    pub len: usize,
}

impl Same {
    pub fn new_end(&self) -> usize {
        self.new + self.len
    }
}

/// How a revision of a file differs from the previous one: the stretches they share, in order
/// in both. The first is the common prefix (at 0 in both), the last the common suffix (ending
/// at both ends); either may be empty. Between them, stretches of at least `MIN_SAME` bytes
/// found around anchors in what changed (so a file edited in several places is not read again
/// from the first edit to the last). Keyword hits, rule windows and base64 runs inside a
/// stretch are the previous revision's.
#[derive(Debug, Clone)]
pub struct Change {
    pub same: Vec<Same>,
    /// The previous revision's length.
    pub old_len: usize,
    /// Where keyword hits are the previous revision's, when that is more than `same`: a
    /// delta's copies of at least `MIN_HIT_COPY` bytes whatever their order in the previous
    /// revision, with `same`'s, sorted by place in this revision (a hit lies in the bytes;
    /// windows and base64 runs also need their surroundings, so they keep to `same`). Empty
    /// when it would be `same`.
    copies: Vec<Same>,
}

/// The shortest shared stretch worth keeping between the prefix and the suffix. Unit tests
/// use short ones, so the property tests' small files get many stretch edges near keys.
const MIN_SAME: usize = if cfg!(test) { 48 } else { 1024 };
/// The shortest copy of a delta kept as a shared stretch (shorter ones cost more to reuse
/// than to search again: 256 and 2,048 were slower on cargo's and lodash's histories).
const MIN_COPY: usize = if cfg!(test) { 48 } else { 512 };
/// The shortest copy of a delta whose keyword hits are reused: git's deltas copy many short
/// pieces (cargo's history: 1.3 GB of blobs, 4 million copies under 512 bytes holding 200 MB,
/// 66 MB in longer copies out of order), and the bytes a copy spares outweigh a lookup in the
/// previous revision's hits from about this length.
const MIN_HIT_COPY: usize = if cfg!(test) { 16 } else { 128 };
/// The bytes looked up in the previous revision to find a shared stretch.
const ANCHOR: usize = if cfg!(test) { 12 } else { 32 };
/// How many times what changed is split around an anchor (up to 2^depth - 1 stretches).
const SPLIT_DEPTH: u32 = 5;

impl Change {
    /// `data` against the previous revision `prev`.
    pub fn between(prev: &[u8], data: &[u8]) -> Change {
        let a = common_prefix(data, prev);
        let room = data.len().min(prev.len()) - a;
        let b = common_suffix(data, prev, room);
        let mut same = vec![Same {
            new: 0,
            old: 0,
            len: a,
        }];
        split(
            data,
            prev,
            (a, data.len() - b),
            (a, prev.len() - b),
            SPLIT_DEPTH,
            &mut same,
        );
        same.push(Same {
            new: data.len() - b,
            old: prev.len() - b,
            len: b,
        });
        Change {
            same,
            old_len: prev.len(),
            copies: Vec::new(),
        }
    }

    /// A revision of `new_len` bytes built from the previous one (`old_len` bytes) by a delta
    /// whose copies are `copies` (in order in the new revision): the copies of at least
    /// `MIN_COPY` bytes that keep their order in both revisions, with the one at 0 in both as
    /// the prefix and the one ending at both ends as the suffix (otherwise both are empty).
    pub fn from_copies(copies: &[Same], old_len: usize, new_len: usize) -> Change {
        let mut same = vec![Same {
            new: 0,
            old: 0,
            len: 0,
        }];
        let mut fine = Vec::new();
        for c in copies {
            if c.len >= MIN_HIT_COPY {
                fine.push(*c);
            }
            let last = same[same.len() - 1];
            if c.new == 0 && c.old == 0 {
                same[0] = *c;
            } else if c.len >= MIN_COPY && c.new >= last.new_end() && c.old >= last.old + last.len {
                same.push(*c);
            }
        }
        let last = same[same.len() - 1];
        if same.len() == 1 || last.new_end() != new_len || last.old + last.len != old_len {
            same.push(Same {
                new: new_len,
                old: old_len,
                len: 0,
            });
        }
        // Every stretch of `same` is one of the copies (or empty): only more copies add.
        let copies = if fine.len() > same.iter().filter(|s| s.len >= MIN_HIT_COPY).count() {
            fine.extend_from_slice(&same);
            fine.sort_unstable_by_key(|s| (s.new, s.len));
            // `same`'s copies are there twice; keep the stretches disjoint whatever came in.
            let mut end = 0;
            fine.retain(|s| {
                let keep = s.new >= end;
                end = end.max(s.new_end());
                keep
            });
            fine
        } else {
            Vec::new()
        };
        Change {
            same,
            old_len,
            copies,
        }
    }

    /// The stretches where keyword hits are the previous revision's, in order in this
    /// revision, the first at 0 and the last ending at the end (either may be empty).
    pub fn hit_stretches(&self) -> &[Same] {
        if self.copies.is_empty() {
            &self.same
        } else {
            &self.copies
        }
    }

    /// The bytes between one of `hit_stretches` and the next: `(from, to)`, one per pair of
    /// neighbours (empty when they touch).
    pub fn hit_gaps(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.hit_stretches()
            .windows(2)
            .map(|w| (w[0].new_end(), w[1].new))
    }

    /// Is stretch `k` the common prefix (at 0 in both revisions)? Known by place, not by
    /// value: when the revisions are equal the prefix reaches both ends too, and the (empty)
    /// suffix after it is the one that owns the end.
    pub fn is_first(&self, k: usize) -> bool {
        k == 0
    }

    /// Is stretch `k` the common suffix (ending at both ends)?
    pub fn is_last(&self, k: usize) -> bool {
        k + 1 == self.same.len()
    }

    /// The stretch holding `lo..hi` of this revision and `margin` bytes either side of it
    /// (clipped at the file's ends only where the stretch reaches that end in both revisions).
    pub fn holding(&self, lo: usize, hi: usize, margin: usize) -> Option<Same> {
        let i = self.same.partition_point(|s| s.new <= lo).checked_sub(1)?;
        let s = self.same[i];
        let low_ok = if self.is_first(i) {
            true
        } else {
            lo >= s.new + margin
        };
        let high_ok = if self.is_last(i) {
            hi <= s.new_end()
        } else {
            hi + margin <= s.new_end()
        };
        (low_ok && high_ok).then_some(s)
    }
}

/// Shared stretches between `new[n.0..n.1]` and `old[o.0..o.1]`, in order: the bytes at the
/// middle of the new range are looked up in the old range, and the match is widened both
/// ways; each side is split again, `depth` times at most.
fn split(
    new: &[u8],
    old: &[u8],
    n: (usize, usize),
    o: (usize, usize),
    depth: u32,
    out: &mut Vec<Same>,
) {
    if depth == 0 || n.1 - n.0 < MIN_SAME || o.1 - o.0 < MIN_SAME {
        return;
    }
    let mid = n.0 + (n.1 - n.0) / 2;
    let anchor = &new[mid..(mid + ANCHOR).min(n.1)];
    let Some(at) = memchr::memmem::find(&old[o.0..o.1], anchor).map(|p| o.0 + p) else {
        return;
    };
    let back = common_suffix(&new[n.0..mid], &old[o.0..at], (mid - n.0).min(at - o.0));
    let fwd = common_prefix(&new[mid..n.1], &old[at..o.1]);
    let s = Same {
        new: mid - back,
        old: at - back,
        len: back + fwd,
    };
    if s.len < MIN_SAME {
        return;
    }
    split(new, old, (n.0, s.new), (o.0, s.old), depth - 1, out);
    out.push(s);
    split(
        new,
        old,
        (s.new_end(), n.1),
        (s.old + s.len, o.1),
        depth - 1,
        out,
    );
}

/// Length of the common prefix of `a` and `b`: 4 KiB blocks first (one `memcmp` each; most
/// revisions share most of their bytes), then 64-byte blocks, then bytes.
pub(crate) fn common_prefix(a: &[u8], b: &[u8]) -> usize {
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
mod change_tests {
    use super::*;

    #[test]
    fn a_deltas_long_copies_in_order_are_the_stretches_and_the_ends_are_known_by_place() {
        let s = |new, old, len| Same { new, old, len };
        // A copy at 0 in both is the prefix; one out of order, one short, and one ending at
        // both ends (the suffix) follow.
        let c = Change::from_copies(
            &[
                s(0, 0, 100),
                s(200, 300, 60),
                s(300, 100, 60),
                s(400, 10, 8),
                s(500, 440, 60),
            ],
            500,
            560,
        );
        assert_eq!(c.same, vec![s(0, 0, 100), s(200, 300, 60), s(500, 440, 60)]);
        assert!(c.is_first(0) && c.is_last(2));
        // Keyword hits also come from the copy out of order (the short one is under
        // `MIN_HIT_COPY` too).
        assert_eq!(
            c.hit_stretches(),
            [
                s(0, 0, 100),
                s(200, 300, 60),
                s(300, 100, 60),
                s(500, 440, 60)
            ]
        );
        let gaps: Vec<_> = c.hit_gaps().collect();
        assert_eq!(gaps, vec![(100, 200), (260, 300), (360, 500)]);
        // No copy at 0 and none at the ends: both are empty.
        let c = Change::from_copies(&[s(10, 20, 80)], 200, 200);
        assert_eq!(c.same, vec![s(0, 0, 0), s(10, 20, 80), s(200, 200, 0)]);
        // One copy of the whole file is the prefix, and the empty suffix owns the end.
        let c = Change::from_copies(&[s(0, 0, 90)], 90, 90);
        assert_eq!(c.same, vec![s(0, 0, 90), s(90, 90, 0)]);
        assert_eq!(c.hit_gaps().collect::<Vec<_>>(), vec![(90, 90)]);
    }

    #[test]
    fn two_edits_far_apart_leave_the_bytes_between_shared() {
        let old: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut new = old.clone();
        new[1000] = b'#';
        let at = new.len() - 1000;
        new.splice(at..at, b"inserted".iter().copied());
        let c = Change::between(&old, &new);
        assert_eq!(
            c.same.first(),
            Some(&Same {
                new: 0,
                old: 0,
                len: 1000
            })
        );
        assert!(c.is_last(c.same.len() - 1));
        let middle: usize = c.same[1..c.same.len() - 1].iter().map(|s| s.len).sum();
        assert!(middle > 100_000, "{:?}", c.same.len());
        for s in &c.same {
            assert_eq!(new[s.new..s.new_end()], old[s.old..s.old + s.len]);
        }
        for w in c.same.windows(2) {
            assert!(w[0].new_end() <= w[1].new && w[0].old + w[0].len <= w[1].old);
        }
    }
}
