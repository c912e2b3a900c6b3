//! What a tree changes against the tree last walked at the same place.
//!
//! Most of a directory's versions differ from the previous one in an entry or two, and a
//! history like git/git's holds 2.6 GB of trees (74 million entries): looking at every entry of
//! every version cost more than reading them. The two versions are read side by side: the bytes
//! they share are found with a block comparison, and the entry bounds the walk kept for the
//! previous version say where whole entries end within them; only entries that differ are
//! parsed.

/// Where each entry starts, then where the last one ends (an empty tree: `[0]`).
pub(super) type Bounds = Vec<u32>;

/// A tree against the previous one: its bounds, where each of its entries comes from (the
/// previous one's entry of that number, or `NEW`), its entries the previous one lacks (as byte
/// ranges) and the previous one's entries it lacks (by number). Entries the two share, byte for
/// byte, are in neither list, one for one (a tree may list the same id twice, under two names).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Diff {
    pub(super) bounds: Bounds,
    pub(super) from: Vec<u32>,
    pub(super) added: Vec<(u32, u32)>,
    /// For each added entry: the previous tree's entry of the same name it replaces, or `NEW`.
    pub(super) replaced: Vec<u32>,
    pub(super) removed: Vec<u32>,
}

impl Diff {
    /// The entry `start..end` of the new tree is new; it replaces the previous tree's entry
    /// `was` of the same name (or `NEW`).
    fn add(&mut self, start: usize, end: usize, was: u32) {
        self.bounds.push(start as u32);
        self.from.push(NEW);
        self.added.push((start as u32, end as u32));
        self.replaced.push(was);
    }

    /// Every entry of `data` from `at` on is new; then the end bound. `None` if one is
    /// malformed.
    fn rest_added(&mut self, data: &[u8], mut at: usize, hash_len: usize) -> Option<()> {
        while at < data.len() {
            let end = entry_end(data, at, hash_len)?;
            self.add(at, end, NEW);
            at = end;
        }
        self.bounds.push(at as u32);
        Some(())
    }
}

/// `Diff::from` of an entry the previous tree lacks.
pub(super) const NEW: u32 = u32::MAX;

/// Where the entry at `at` ends (`<mode> <name>\0<id>`), if it is whole.
fn entry_end(data: &[u8], at: usize, hash_len: usize) -> Option<usize> {
    let rest = data.get(at..)?;
    let space = memchr::memchr(b' ', rest)?;
    let nul = space + 1 + memchr::memchr(0, &rest[space + 1..])?;
    let end = at + nul + 1 + hash_len;
    (end <= data.len()).then_some(end)
}

/// The entry `<mode> <name>\0<id>` as its mode, name and id; `None` when malformed.
pub(super) fn parse_entry(
    entry: &[u8],
    hash_len: usize,
) -> Option<(gix::objs::tree::EntryMode, &[u8], &gix::hash::oid)> {
    let mode = gix::objs::tree::EntryMode::from_bytes(entry)?;
    let rest = &entry[memchr::memchr(b' ', entry)? + 1..];
    let nul = memchr::memchr(0, rest)?;
    let id = rest.get(nul + 1..)?;
    if id.len() != hash_len {
        return None;
    }
    Some((mode, &rest[..nul], gix::hash::oid::try_from_bytes(id).ok()?))
}

/// Git's order of tree entries: by name, a tree's name read as if it ended in `/`.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n]).then_with(|| {
        let next = |name: &[u8], tree: bool| name.get(n).copied().or(tree.then_some(b'/'));
        next(a, a_tree).cmp(&next(b, b_tree))
    })
}

/// The name of entry `e` and whether it is a tree (its mode starts with `4`: `40000`).
fn name_of(e: &[u8]) -> (&[u8], bool) {
    let space = memchr::memchr(b' ', e).unwrap_or(0);
    let nul = memchr::memchr(0, &e[space..]).map_or(e.len(), |n| space + n);
    (&e[(space + 1).min(nul)..nul], e.first() == Some(&b'4'))
}

/// `data` (a tree's bytes) against `prev` (the previous tree's bytes and bounds); `None` when
/// an entry of `data` that had to be read is malformed. Both are read together in git's order:
/// the bytes they share from where each stands are skipped a whole entry at a time, and where
/// they differ the entry first in order is added (new) or removed (old), or both when the
/// names are the same. Entries out of order (only in a hostile tree) are at worst counted as
/// removed and added again: the answer stays correct.
pub(super) fn diff(prev: Option<(&[u8], &[u32])>, data: &[u8], hash_len: usize) -> Option<Diff> {
    let mut d = Diff::default();
    let Some((old, old_bounds)) = prev.filter(|(_, b)| !b.is_empty()) else {
        d.rest_added(data, 0, hash_len)?;
        return Some(d);
    };
    let last = old_bounds.len() - 1;
    // Most entries are the previous tree's: room for them all, and a few more.
    d.bounds.reserve(old_bounds.len() + 4);
    d.from.reserve(old_bounds.len() + 4);
    let (mut a, mut b) = (0usize, 0usize);
    loop {
        // Entries wholly inside the bytes both share from here are the same entries.
        let start = old_bounds[a] as usize;
        let same = crate::change::common_prefix(&old[start..], &data[b..]);
        let to = old_bounds.partition_point(|&x| x as usize <= start + same) - 1;
        let shift = b as i64 - start as i64;
        d.bounds.extend(
            old_bounds[a..to]
                .iter()
                .map(|&x| (i64::from(x) + shift) as u32),
        );
        d.from.extend(a as u32..to as u32);
        b = (i64::from(old_bounds[to]) + shift) as usize;
        a = to;
        if a == last {
            d.rest_added(data, b, hash_len)?;
            return Some(d);
        }
        let gone = (old_bounds[a], old_bounds[a + 1]);
        if b >= data.len() {
            d.removed.push(a as u32);
            a += 1;
            continue;
        }
        let end = entry_end(data, b, hash_len)?;
        let (old_name, old_tree) = name_of(&old[gone.0 as usize..gone.1 as usize]);
        let (new_name, new_tree) = name_of(&data[b..end]);
        let order = git_order(new_name, new_tree, old_name, old_tree);
        if order.is_le() {
            d.add(b, end, if order.is_eq() { a as u32 } else { NEW });
            b = end;
        }
        if order.is_ge() {
            d.removed.push(a as u32);
            a += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: usize = 20;

    fn entry(mode: &str, name: &str, id: u8) -> Vec<u8> {
        let mut e = format!("{mode} {name}\0").into_bytes();
        e.extend_from_slice(&[id; H]);
        e
    }

    fn tree(entries: &[Vec<u8>]) -> Vec<u8> {
        entries.concat()
    }

    /// The entries of a diff's side as bytes, sorted.
    fn side(data: &[u8], ranges: &[(u32, u32)]) -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = ranges
            .iter()
            .map(|&(s, e)| data[s as usize..e as usize].to_vec())
            .collect();
        v.sort();
        v
    }

    fn full(data: &[u8]) -> Diff {
        diff(None, data, H).unwrap()
    }

    #[test]
    fn one_changed_entry_is_the_whole_difference() {
        let a: Vec<Vec<u8>> = (0..50)
            .map(|i| entry("100644", &format!("file{i:02}"), i))
            .collect();
        let mut b = a.clone();
        b[20] = entry("100644", "file20", 200);
        let (old, new) = (tree(&a), tree(&b));
        let prev = full(&old);
        let d = diff(Some((&old, &prev.bounds)), &new, H).unwrap();
        assert_eq!(d.bounds, full(&new).bounds);
        assert_eq!(side(&new, &d.added), vec![b[20].clone()]);
        assert_eq!(d.removed, vec![20]);
        assert_eq!(
            d.replaced,
            vec![20],
            "the new entry replaces the old one of its name"
        );
        assert_eq!(d.from.iter().filter(|&&k| k == NEW).count(), 1);
        assert_eq!(d.from[21], 21);
    }

    #[test]
    fn an_entry_added_at_the_end_or_the_start_and_a_malformed_one() {
        let a = vec![entry("100644", "a", 1), entry("40000", "d", 2)];
        let old = tree(&a);
        let prev = full(&old);
        let mut b = a.clone();
        b.push(entry("100755", "z", 3));
        let d = diff(Some((&old, &prev.bounds)), &tree(&b), H).unwrap();
        assert_eq!(side(&tree(&b), &d.added), vec![b[2].clone()]);
        assert_eq!(d.replaced, vec![NEW]);
        assert!(d.removed.is_empty());
        let mut c = vec![entry("100644", "0", 4)];
        c.extend(a.clone());
        let d = diff(Some((&old, &prev.bounds)), &tree(&c), H).unwrap();
        assert_eq!(side(&tree(&c), &d.added), vec![c[0].clone()]);
        assert!(d.removed.is_empty());
        let mut bad = tree(&a);
        bad.extend_from_slice(b"100644 x\0short");
        assert!(diff(Some((&old, &prev.bounds)), &bad, H).is_none());
        assert!(diff(None, b"no space", H).is_none());
        assert_eq!(diff(None, b"", H).unwrap().bounds, vec![0]);
    }

    proptest! {
        /// Whatever the two trees (sorted or not, ids repeated, names sharing bytes), the new
        /// tree's bounds are those a full read finds, and the old entries minus `removed` plus
        /// `added` are the new entries, as multisets.
        #[test]
        fn a_diff_accounts_for_every_entry(
            old in proptest::collection::vec((0u8..4, 0u8..6), 0..12),
            new in proptest::collection::vec((0u8..4, 0u8..6), 0..12),
        ) {
            let make = |v: &[(u8, u8)]| -> Vec<Vec<u8>> {
                v.iter()
                    .map(|&(n, id)| entry(if id % 2 == 0 { "100644" } else { "40000" }, &"ab"[..(n as usize % 2) + 1].repeat(n as usize / 2 + 1), id))
                    .collect()
            };
            let (a, b) = (make(&old), make(&new));
            let (old, new) = (tree(&a), tree(&b));
            let prev = full(&old);
            let d = diff(Some((&old, &prev.bounds)), &new, H).unwrap();
            prop_assert_eq!(&d.bounds, &full(&new).bounds);
            let mut have = a.clone();
            let gone: Vec<(u32, u32)> = d.removed.iter().map(|&k| (prev.bounds[k as usize], prev.bounds[k as usize + 1])).collect();
            // Each entry comes from the old entry it says, or is new.
            prop_assert_eq!(d.from.len() + 1, d.bounds.len());
            for (j, &k) in d.from.iter().enumerate() {
                if k != NEW {
                    let (s, e) = (prev.bounds[k as usize] as usize, prev.bounds[k as usize + 1] as usize);
                    prop_assert_eq!(&old[s..e], &new[d.bounds[j] as usize..d.bounds[j + 1] as usize]);
                }
            }
            prop_assert_eq!(d.from.iter().filter(|&&k| k == NEW).count(), d.added.len());
            // An entry said to replace an old one has its name, and the old one is removed.
            prop_assert_eq!(d.replaced.len(), d.added.len());
            for (&(s, e), &k) in d.added.iter().zip(&d.replaced) {
                if k != NEW {
                    let (os, oe) = (prev.bounds[k as usize] as usize, prev.bounds[k as usize + 1] as usize);
                    prop_assert_eq!(name_of(&old[os..oe]), name_of(&new[s as usize..e as usize]));
                    prop_assert!(d.removed.contains(&k));
                }
            }
            for r in side(&old, &gone) {
                let k = have.iter().position(|e| *e == r).unwrap();
                have.remove(k);
            }
            have.extend(side(&new, &d.added));
            have.sort();
            let mut want = b.clone();
            want.sort();
            prop_assert_eq!(have, want);
        }
    }
}
