//! Object ids as dense numbers (`Interner`) and every unique tree walked, as what it changes
//! against the tree before it at its place (`Trees`).

use gix::ObjectId;

use super::IdMap;

/// Object ids as dense `u32` numbers: a tree's children take 4 bytes each instead of 20
/// (cargo's history has 108,000 unique trees).
#[derive(Default)]
pub(in crate::source::git) struct Interner {
    pub(super) ids: Vec<ObjectId>,
    /// gix's table hashes an id by its first bytes (ids are already uniform), not SipHash.
    index: IdMap<u32>,
}

impl Interner {
    pub(super) fn intern(&mut self, id: ObjectId) -> u32 {
        *self.index.entry(id).or_insert_with(|| {
            self.ids.push(id);
            (self.ids.len() - 1) as u32
        })
    }

    pub(in crate::source::git) fn get(&self, id: &ObjectId) -> Option<u32> {
        self.index.get(id).copied()
    }
}

/// `Trees::spans` entry of an object that is not a walked tree (a blob, a skipped tree).
const NOT_WALKED: u64 = u64::MAX;

/// Every unique tree walked, each stored as what it changes against its base (the tree walked
/// before it at the same place, whose children it otherwise has) or, without one, as all its
/// children: per tree the base (plus one, 0 for none) and the sizes of four lists, subtrees and
/// blobs added, subtrees and blobs removed, then each list sorted and stored as LEB128 gaps. On
/// git/git's history a tree changes 2 entries of its base's 400 or so; all children of every
/// tree took 74 million entries.
#[derive(Default)]
pub(in crate::source::git) struct Trees {
    pub(in crate::source::git) objects: Interner,
    /// Indexed by interned id: where the tree's record starts in `packed`, or `NOT_WALKED`.
    spans: Vec<u64>,
    packed: Vec<u8>,
    /// Walked trees in the order their walk finished: a tree comes after its base and after
    /// every subtree it holds.
    finished: Vec<u32>,
}

/// A tree's record: its base and what it changes against it.
pub(super) struct Changes<'a> {
    pub(super) base: Option<u32>,
    /// Subtrees added, blobs added, subtrees removed, blobs removed.
    lists: [usize; 4],
    data: &'a [u8],
    at: usize,
}

impl Changes<'_> {
    /// Calls `f(child, is_tree, added)` for each change, in the stored order.
    pub(super) fn each(mut self, mut f: impl FnMut(u32, bool, bool)) {
        for (k, &n) in self.lists.iter().enumerate() {
            let mut prev = 0u32;
            for _ in 0..n {
                prev = prev.wrapping_add(get_id(self.data, &mut self.at));
                f(prev, k % 2 == 0, k < 2);
            }
        }
    }
}

/// An id the store wrote with `leb128::put` (always well formed).
fn get_id(data: &[u8], at: &mut usize) -> u32 {
    crate::leb128::get(data, at).unwrap_or(0) as u32
}

impl Trees {
    pub(in crate::source::git) fn len(&self) -> usize {
        self.finished.len()
    }

    pub(super) fn walked(&self, i: u32) -> bool {
        self.spans.get(i as usize).is_some_and(|&s| s != NOT_WALKED)
    }

    /// Walked trees, each after its base and its subtrees.
    pub(super) fn finished(&self) -> &[u32] {
        &self.finished
    }

    /// Store tree `id` as `base` plus `added` minus `removed` (each: subtrees, blobs); a tree
    /// already stored is left as it is.
    pub(super) fn insert(
        &mut self,
        id: u32,
        base: Option<u32>,
        added: [&[u32]; 2],
        removed: [&[u32]; 2],
    ) -> bool {
        let i = id as usize;
        if self.spans.len() <= i {
            self.spans.resize(i + 1, NOT_WALKED);
        }
        if self.spans[i] != NOT_WALKED {
            return false;
        }
        self.spans[i] = self.packed.len() as u64;
        crate::leb128::put(&mut self.packed, base.map_or(0, |b| u64::from(b) + 1));
        let lists = [added[0], added[1], removed[0], removed[1]];
        for list in lists {
            crate::leb128::put(&mut self.packed, list.len() as u64);
        }
        for list in lists {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            let mut prev = 0u32;
            for x in sorted {
                crate::leb128::put(&mut self.packed, u64::from(x - prev));
                prev = x;
            }
        }
        true
    }

    /// Tree `id`'s walk (and its subtrees') is over.
    pub(super) fn finish(&mut self, id: u32) {
        self.finished.push(id);
    }

    /// Tree `i`'s record, if it was walked.
    pub(super) fn changes(&self, i: u32) -> Option<Changes<'_>> {
        let &start = self.spans.get(i as usize)?;
        if start == NOT_WALKED {
            return None;
        }
        let mut at = start as usize;
        let base = match get_id(&self.packed, &mut at) {
            0 => None,
            b => Some(b - 1),
        };
        let mut lists = [0usize; 4];
        for n in &mut lists {
            *n = get_id(&self.packed, &mut at) as usize;
        }
        Some(Changes {
            base,
            lists,
            data: &self.packed,
            at,
        })
    }

    /// Fold another walk's trees in (its ids renumbered into this interner), in its finishing
    /// order, after this walk's.
    pub(super) fn merge(&mut self, other: Trees) {
        let map: Vec<u32> = other
            .objects
            .ids
            .iter()
            .map(|id| self.objects.intern(*id))
            .collect();
        let mut lists: [Vec<u32>; 4] = Default::default();
        for &i in &other.finished {
            let Some(changes) = other.changes(i) else {
                continue;
            };
            let base = changes.base.map(|b| map[b as usize]);
            for l in &mut lists {
                l.clear();
            }
            changes.each(|c, is_tree, added| {
                lists[usize::from(!is_tree) + if added { 0 } else { 2 }].push(map[c as usize])
            });
            let [at, ab, rt, rb] = &lists;
            if self.insert(map[i as usize], base, [at, ab], [rt, rb]) {
                self.finish(map[i as usize]);
            }
        }
    }

    pub(super) fn shrink(&mut self) {
        self.objects.ids.shrink_to_fit();
        self.objects.index.shrink_to_fit();
        self.spans.shrink_to_fit();
        self.packed.shrink_to_fit();
        self.finished.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(t: &Trees, i: u32) -> (Option<u32>, Vec<(u32, bool, bool)>) {
        let c = t.changes(i).unwrap();
        let base = c.base;
        let mut v = Vec::new();
        c.each(|x, tree, added| v.push((x, tree, added)));
        (base, v)
    }

    #[test]
    fn a_record_comes_back_sorted_and_whole_and_is_stored_once() {
        let mut t = Trees::default();
        assert!(t.insert(
            5,
            None,
            [&[7, 3, 3, 1 << 30], &[u32::MAX - 1, 0, 128]],
            [&[], &[]]
        ));
        t.finish(5);
        assert!(t.insert(9, Some(5), [&[], &[42]], [&[3], &[0]]));
        t.finish(9);
        assert!(
            !t.insert(5, None, [&[1], &[1]], [&[], &[]]),
            "a tree is stored once"
        );
        assert_eq!(t.len(), 2);
        let (base, v) = lists(&t, 5);
        assert_eq!(base, None);
        assert_eq!(
            v,
            vec![
                (3, true, true),
                (3, true, true),
                (7, true, true),
                (1 << 30, true, true),
                (0, false, true),
                (128, false, true),
                (u32::MAX - 1, false, true)
            ]
        );
        assert_eq!(
            lists(&t, 9),
            (
                Some(5),
                vec![(42, false, true), (3, true, false), (0, false, false)]
            )
        );
        assert!(t.changes(6).is_none() && t.changes(1000).is_none());
        assert_eq!(t.finished(), &[5, 9]);
    }
}
