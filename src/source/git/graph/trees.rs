//! Object ids as dense numbers (`Interner`) and every unique tree walked with its children,
//! packed (`Trees`).

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

/// Every unique tree walked, with its children, packed: per tree the number of subtrees and of
/// blobs, then each list sorted and stored as LEB128 gaps. A tree's entries are interned
/// together, so the gaps are small (on cargo's history, peak RSS fell 7 MiB against `u32`s).
#[derive(Default)]
pub(in crate::source::git) struct Trees {
    pub(in crate::source::git) objects: Interner,
    /// Indexed by interned id: where the tree's children start in `packed`, or `NOT_WALKED`.
    spans: Vec<u64>,
    packed: Vec<u8>,
    count: usize,
}

/// An id the store wrote with `leb128::put` (always well formed).
fn get_id(data: &[u8], at: &mut usize) -> u32 {
    crate::leb128::get(data, at).unwrap_or(0) as u32
}

impl Trees {
    pub(in crate::source::git) fn len(&self) -> usize {
        self.count
    }

    pub(super) fn walked(&self, i: u32) -> bool {
        self.spans.get(i as usize).is_some_and(|&s| s != NOT_WALKED)
    }

    /// The subtrees and blobs of tree `i` (each sorted), if it was walked.
    pub(super) fn children(&self, i: u32) -> Option<(Vec<u32>, Vec<u32>)> {
        let (mut trees, mut blobs) = (Vec::new(), Vec::new());
        self.each_child(i, |t| trees.push(t), |b| blobs.push(b))
            .then_some((trees, blobs))
    }

    pub(super) fn insert(&mut self, id: u32, trees: &[u32], blobs: &[u32]) {
        let i = id as usize;
        if self.spans.len() <= i {
            self.spans.resize(i + 1, NOT_WALKED);
        }
        if self.spans[i] != NOT_WALKED {
            return;
        }
        self.spans[i] = self.packed.len() as u64;
        crate::leb128::put(&mut self.packed, trees.len() as u64);
        crate::leb128::put(&mut self.packed, blobs.len() as u64);
        for list in [trees, blobs] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            let mut prev = 0u32;
            for x in sorted {
                crate::leb128::put(&mut self.packed, u64::from(x - prev));
                prev = x;
            }
        }
        self.count += 1;
    }

    /// Calls `tree` for each subtree and `blob` for each blob of tree `i` (each in sorted
    /// order), without collecting them; false if `i` was not walked.
    pub(super) fn each_child(
        &self,
        i: u32,
        mut tree: impl FnMut(u32),
        mut blob: impl FnMut(u32),
    ) -> bool {
        let Some(&start) = self.spans.get(i as usize) else {
            return false;
        };
        if start == NOT_WALKED {
            return false;
        }
        let mut at = start as usize;
        let trees = get_id(&self.packed, &mut at);
        let blobs = get_id(&self.packed, &mut at);
        let mut prev = 0u32;
        for _ in 0..trees {
            prev = prev.wrapping_add(get_id(&self.packed, &mut at));
            tree(prev);
        }
        prev = 0;
        for _ in 0..blobs {
            prev = prev.wrapping_add(get_id(&self.packed, &mut at));
            blob(prev);
        }
        true
    }

    /// Fold another walk's trees in (its ids renumbered into this interner).
    pub(super) fn merge(&mut self, other: Trees) {
        let map: Vec<u32> = other
            .objects
            .ids
            .iter()
            .map(|id| self.objects.intern(*id))
            .collect();
        for i in 0..other.spans.len() as u32 {
            let Some((trees, blobs)) = other.children(i) else {
                continue;
            };
            let renumber =
                |xs: Vec<u32>| -> Vec<u32> { xs.iter().map(|&x| map[x as usize]).collect() };
            self.insert(map[i as usize], &renumber(trees), &renumber(blobs));
        }
    }

    pub(super) fn shrink(&mut self) {
        self.objects.ids.shrink_to_fit();
        self.objects.index.shrink_to_fit();
        self.spans.shrink_to_fit();
        self.packed.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_children_come_back_sorted_and_whole() {
        let mut t = Trees::default();
        let trees = [7u32, 3, 3, 1 << 30];
        let blobs = [u32::MAX - 1, 0, 300, 129, 128];
        t.insert(5, &trees, &blobs);
        t.insert(9, &[], &[42]);
        t.insert(5, &[1], &[1]);
        assert_eq!(t.len(), 2, "a tree is stored once");
        let (tr, bl) = t.children(5).unwrap();
        assert_eq!(tr, vec![3, 3, 7, 1 << 30]);
        assert_eq!(bl, vec![0, 128, 129, 300, u32::MAX - 1]);
        assert_eq!(t.children(9).unwrap(), (vec![], vec![42]));
        assert!(t.children(6).is_none() && t.children(1000).is_none());
    }
}
