//! Reading blobs along the packs' delta trees.
//!
//! A pack stores most revisions of a file as a delta against another object (its base), in
//! chains up to 50 deep. Read in history order, a blob's base has seldom just been read, so
//! gix applies long chains again and again: on lodash's history 72,000 delta applications
//! wrote 6.1 GB for 2.6 GB of blobs. Here blobs are read depth first along the delta trees,
//! each delta right after its base (or while the base is still kept), and the delta is applied
//! to the base's bytes the scan still holds: each blob is inflated once and built once, and the
//! delta's copy instructions say exactly which stretches it shares with its base, so the
//! matcher and the decoders search only what the delta inserted.
//!
//! Only pack headers are read to plan. Anything the packs do not explain (a loose object, an
//! alternate's pack, a base the scan does not read) is read through gix as before, and keeps
//! its place in the incoming order, which groups revisions of one file.

use crate::change::Same;
use gix::ObjectId;
use gix::odb::pack;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// The packs, mapped again after every `REMAP` bytes read through them. A mapped page stays in
/// the process's resident memory until its mapping goes: read through one mapping, git/git's
/// 314 MiB pack ended up resident whole. Each reading thread has its own.
pub(super) struct Mapped {
    packs: Packs,
    read: u64,
}

/// Bytes read through one mapping before it is replaced.
const REMAP: u64 = 32 << 20;

/// The span of a pack whose entry headers the plan reads through one mapping. Reading a header
/// maps the pages around it, so a span is nearly all resident by its end.
const HEADER_SPAN: u64 = 8 << 20;

impl Mapped {
    /// `packs` mapped again for one reader (the places of a plan made with them stay valid).
    pub(super) fn of(packs: &Packs) -> Mapped {
        Mapped {
            packs: packs.again().unwrap_or_else(|| Packs::none(packs.hash)),
            read: 0,
        }
    }

    pub(super) fn packs(&self) -> &Packs {
        &self.packs
    }

    /// An entry of `size` bytes was read: a page or more, and the pages around it the kernel
    /// maps with it.
    pub(super) fn count(&mut self, size: u64) {
        // Sizes come from pack headers, which may claim anything (up to 2^64 - 1).
        self.read = self.read.saturating_add(size.max(16 << 10));
        if self.read > REMAP {
            if let Some(again) = self.packs.again() {
                self.packs = again;
            }
            self.read = 0;
        }
    }
}

fn open_pack(
    idx: &Path,
    hash: gix::hash::Kind,
) -> Option<(Arc<pack::index::File>, pack::data::File)> {
    let index = pack::index::File::at(idx, hash).ok()?;
    Some((Arc::new(index), open_data(idx, hash)?))
}

fn open_data(idx: &Path, hash: gix::hash::Kind) -> Option<pack::data::File> {
    pack::data::File::at(idx.with_extension("pack"), hash).ok()
}

/// No base among the items.
pub(super) const ROOT: u32 = u32::MAX;

/// One blob to read, in reading order.
#[derive(Debug, Clone)]
pub struct Blob {
    pub(super) id: ObjectId,
    /// Its place in the reading order.
    pub(super) key: u32,
    /// The key of the blob it is a delta of, read before it, or `ROOT`.
    pub(super) base: u32,
    /// Two or more blobs are deltas of this one (the scan keeps it for the later ones).
    pub(super) shared: bool,
    /// Pack and offset.
    pub(super) place: Option<(u32, u64)>,
}

/// The repository's packs, index and data, skipping any that cannot be opened, with the index
/// files they came from.
pub(super) struct Packs {
    /// Each index is mapped once and shared by every reader: mapped again with the data, its
    /// pages were faulted in again (cargo's history: 5,000 page faults more).
    packs: Vec<(Arc<pack::index::File>, pack::data::File)>,
    paths: Vec<PathBuf>,
    hash: gix::hash::Kind,
}

impl Packs {
    pub(super) fn open(objects_dir: &Path, hash: gix::hash::Kind) -> Packs {
        let Ok(dir) = std::fs::read_dir(objects_dir.join("pack")) else {
            return Packs::none(hash);
        };
        let mut paths: Vec<_> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "idx"))
            .collect();
        paths.sort();
        let (mut packs, mut opened) = (Vec::new(), Vec::new());
        for idx in paths {
            if let Some(pack) = open_pack(&idx, hash) {
                packs.push(pack);
                opened.push(idx);
            }
        }
        Packs {
            packs,
            paths: opened,
            hash,
        }
    }

    fn none(hash: gix::hash::Kind) -> Packs {
        Packs {
            packs: Vec::new(),
            paths: Vec::new(),
            hash,
        }
    }

    /// The same packs' data mapped again (their indexes shared), if every one still opens
    /// (places stay valid).
    pub(super) fn again(&self) -> Option<Packs> {
        let packs = self
            .paths
            .iter()
            .zip(&self.packs)
            .map(|(idx, (index, _))| Some((index.clone(), open_data(idx, self.hash)?)))
            .collect::<Option<Vec<_>>>()?;
        Some(Packs {
            packs,
            paths: self.paths.clone(),
            hash: self.hash,
        })
    }

    pub(super) fn len(&self) -> usize {
        self.packs.len()
    }

    pub(super) fn locate(&self, id: &gix::hash::oid) -> Option<(u32, u64)> {
        self.packs.iter().enumerate().find_map(|(p, (index, _))| {
            lookup(index, id).map(|e| (p as u32, index.pack_offset_at_index(e)))
        })
    }

    pub(super) fn data(&self, pack: u32) -> &pack::data::File {
        &self.packs[pack as usize].1
    }
}

/// Where `id` is in `index`'s sorted ids. Object ids are uniform, so the place is guessed from
/// the id's first bytes between the bounds known so far (interpolation): a few probes among
/// git/git's 419,000, where gix's binary search within the first byte's bucket takes about 11
/// (each a likely cache miss; the lookups' share of the run did not measurably change, as the
/// first probe's miss remains). After four guesses it halves, so ids crafted to cluster cost
/// no more than a binary search.
fn lookup(index: &pack::index::File, id: &gix::hash::oid) -> Option<u32> {
    let n = index.num_objects();
    let key = |i: u32| {
        let b = index.oid_at_index(i).as_bytes();
        u64::from_be_bytes(b[..8].try_into().unwrap_or_default())
    };
    let want = u64::from_be_bytes(id.as_bytes()[..8].try_into().ok()?);
    let (mut lo, mut hi) = (0u32, n.checked_sub(1)?);
    let mut step = 0;
    while lo <= hi {
        let (low, high) = (key(lo), key(hi));
        if want < low || want > high {
            return None;
        }
        let mid = if step < 4 && high > low {
            let span = u128::from(hi - lo);
            lo + (u128::from(want - low) * span / u128::from(high - low)) as u32
        } else {
            lo + (hi - lo) / 2
        };
        match index.oid_at_index(mid).cmp(id) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater if mid == 0 => return None,
            std::cmp::Ordering::Greater => hi = mid - 1,
            std::cmp::Ordering::Equal => return Some(mid),
        }
        step += 1;
    }
    None
}

/// `items` in reading order: depth first along their delta trees, each tree in the place of
/// its first member in `items`, each base before its deltas, and of a base's deltas the one
/// with the fewest descendants first (so the base is still kept when its last delta is read).
/// Every item appears once.
pub(super) fn plan(packs: &Packs, items: Vec<ObjectId>) -> Vec<Blob> {
    let n = items.len();
    let places: Vec<Option<(u32, u64)>> = if packs.packs.is_empty() {
        vec![None; n]
    } else {
        items.par_iter().map(|id| packs.locate(id)).collect()
    };
    let parents = parents(packs, &places);
    walk(&parents)
        .into_iter()
        .enumerate()
        .map(|(key, (i, base, shared))| Blob {
            id: items[i as usize],
            key: key as u32,
            base,
            shared,
            place: places[i as usize],
        })
        .collect()
}

/// The reading order for items whose delta bases are `parents` (an index or `ROOT`): for each
/// place, the item's index, the place of its base (or `ROOT`), and whether two or more items
/// are deltas of it.
fn walk(parents: &[u32]) -> Vec<(u32, u32, bool)> {
    let n = parents.len();

    // Deltas of each item, in compressed rows.
    let mut starts = vec![0u32; n + 1];
    for &p in parents {
        if p != ROOT {
            starts[p as usize + 1] += 1;
        }
    }
    for i in 0..n {
        starts[i + 1] += starts[i];
    }
    let mut fill = starts.clone();
    let mut children = vec![0u32; starts[n] as usize];
    for (i, &p) in parents.iter().enumerate() {
        if p != ROOT {
            children[fill[p as usize] as usize] = i as u32;
            fill[p as usize] += 1;
        }
    }
    let row = |i: u32| starts[i as usize] as usize..starts[i as usize + 1] as usize;

    // Reached from the roots (in any order), then subtree sizes from the leaves up. A node on
    // a cycle of ref-deltas (only in a corrupt pack) is never reached from a root.
    let roots: Vec<u32> = (0..n as u32)
        .filter(|&i| parents[i as usize] == ROOT)
        .collect();
    let mut reached = Vec::with_capacity(n);
    let mut stack = roots.clone();
    while let Some(i) = stack.pop() {
        reached.push(i);
        stack.extend_from_slice(&children[row(i)]);
    }
    let mut size = vec![1u32; n];
    for &i in reached.iter().rev() {
        let p = parents[i as usize];
        if p != ROOT {
            size[p as usize] += size[i as usize];
        }
    }
    for i in 0..n as u32 {
        // Popped from a stack: the largest subtree goes in first and is read last.
        children[row(i)].sort_unstable_by_key(|&c| (std::cmp::Reverse(size[c as usize]), c));
    }

    let mut order: Vec<u32> = Vec::with_capacity(n);
    for root in roots {
        stack.push(root);
        while let Some(i) = stack.pop() {
            order.push(i);
            stack.extend_from_slice(&children[row(i)]);
        }
    }
    let mut key = vec![ROOT; n];
    for (k, &i) in order.iter().enumerate() {
        key[i as usize] = k as u32;
    }
    // Whatever no root reaches, in its incoming order, read without a base.
    let placed = order.len() as u32;
    for (i, k) in key.iter_mut().enumerate() {
        if *k == ROOT {
            *k = order.len() as u32;
            order.push(i as u32);
        }
    }
    order
        .iter()
        .map(|&i| {
            let p = parents[i as usize];
            let base = if p != ROOT && key[i as usize] < placed {
                key[p as usize]
            } else {
                ROOT
            };
            (i, base, row(i).len() >= 2)
        })
        .collect()
}

/// For each item, the index of the item that is its delta base, or `ROOT`. Headers are read in
/// pack order, each `HEADER_SPAN` bytes of a pack through a mapping of its own (see `Mapped`).
fn parents(packs: &Packs, places: &[Option<(u32, u64)>]) -> Vec<u32> {
    // Items by place: read in pack order, and a base's item found by binary search.
    let mut order: Vec<(u32, u64, u32)> = places
        .iter()
        .enumerate()
        .filter_map(|(i, place)| place.map(|(p, o)| (p, o, i as u32)))
        .collect();
    order.par_sort_unstable();
    let at = |place: (u32, u64)| {
        order
            .binary_search_by(|&(p, o, _)| (p, o).cmp(&place))
            .ok()
            .map(|k| order[k].2)
    };
    let mut parents = vec![ROOT; places.len()];
    for span in order.chunk_by(|a, b| a.0 == b.0 && a.1 / HEADER_SPAN == b.1 / HEADER_SPAN) {
        let mapped = packs.again();
        let packs = mapped.as_ref().unwrap_or(packs);
        let found: Vec<(u32, u32)> = span
            .par_iter()
            .filter_map(|&(p, offset, i)| {
                let entry = packs.data(p).entry(offset).ok()?;
                let base = base_of(packs, p, &entry).and_then(at)?;
                Some((i, base))
            })
            .collect();
        for (i, base) in found {
            parents[i as usize] = base;
        }
    }
    parents
}

/// Where the base of a delta entry in pack `p` is (`None` for a whole object, or a base no pack
/// holds).
fn base_of(packs: &Packs, p: u32, entry: &pack::data::Entry) -> Option<(u32, u64)> {
    match entry.header {
        pack::data::entry::Header::OfsDelta { base_distance } => entry
            .checked_base_pack_offset(base_distance)
            .map(|base| (p, base)),
        pack::data::entry::Header::RefDelta { base_id } => packs.locate(&base_id),
        _ => None,
    }
}

/// What reading one packed blob gave.
pub(super) enum Packed {
    /// The blob, and when it was built from its base's bytes, the stretches it shares with it.
    Bytes(Vec<u8>, Option<Vec<Same>>),
    /// Bigger than the limit: gix reads it to say so.
    TooLarge,
}

/// Reads `blob` from its pack: a whole object is inflated; a delta is applied to `base` (the
/// bytes of the blob it is a delta of) when given, otherwise to its base resolved down the
/// chain. `None` when the blob is not in a pack or anything fails: gix then reads it and names
/// any problem. `touched` grows by the size of each entry read.
pub(super) fn read_packed(
    packs: &Packs,
    blob: &Blob,
    base: Option<&[u8]>,
    inflate: &mut Inflater,
    scratch: &mut Vec<u8>,
    max: u64,
    touched: &mut u64,
) -> Option<Packed> {
    let (p, offset) = blob.place?;
    let entry = packs.data(p).entry(offset).ok()?;
    if base.is_some() || entry.header == pack::data::entry::Header::Blob {
        *touched = touched.saturating_add(entry.decompressed_size);
    }
    if entry.header == pack::data::entry::Header::Blob {
        if entry.decompressed_size > max {
            return Some(Packed::TooLarge);
        }
        return Some(Packed::Bytes(inflated(packs, p, &entry, inflate)?, None));
    }
    if let Some(base) = base {
        let delta = delta_of(packs, p, &entry, inflate, scratch, max)?;
        return match apply(base, delta, max)? {
            Applied::Bytes(out, copies) => Some(Packed::Bytes(out, Some(copies))),
            Applied::TooLarge => Some(Packed::TooLarge),
        };
    }
    // A result over the limit is known from the delta's header, before any base is built.
    let (_, result) = sizes(delta_of(packs, p, &entry, inflate, scratch, max)?)?;
    if result > max {
        return Some(Packed::TooLarge);
    }
    match build(
        packs,
        (p, offset),
        pack::data::entry::Header::Blob,
        max,
        Reading {
            inflate,
            scratch,
            touched,
        },
        &mut (),
    )? {
        Built::Bytes(bytes) => Some(Packed::Bytes(
            Rc::try_unwrap(bytes).unwrap_or_else(|shared| (*shared).clone()),
            None,
        )),
        Built::TooLarge => Some(Packed::TooLarge),
    }
}

/// An object's bytes, shared by a reader's cache and its user.
pub(super) type Bytes = Rc<Vec<u8>>;

/// Built objects a reader keeps by place in the packs, to build later deltas from.
pub(super) trait Kept {
    fn get(&mut self, place: (u32, u64)) -> Option<Bytes>;
    fn keep(&mut self, place: (u32, u64), bytes: &Bytes);
}

/// Keeps nothing: a blob is read once, in an order that has its base at hand.
impl Kept for () {
    fn get(&mut self, _: (u32, u64)) -> Option<Bytes> {
        None
    }
    fn keep(&mut self, _: (u32, u64), _: &Bytes) {}
}

/// A reader's buffers, and the bytes of pack entries it read (see `Mapped::count`).
pub(super) struct Reading<'r> {
    pub(super) inflate: &'r mut Inflater,
    pub(super) scratch: &'r mut Vec<u8>,
    pub(super) touched: &'r mut u64,
}

/// What `build` built.
pub(super) enum Built {
    Bytes(Bytes),
    /// The result, or an object on the way, is over its limit.
    TooLarge,
}

/// The object at `place`: down its delta chain to an object `kept` has or a whole object of
/// type `kind`, then every delta back up, each object built offered to `kept`. The result may
/// have `max` bytes, an object on the way `OBJECT_LIMIT` (a small object may be a delta of a big
/// one). `None` when the chain ends in another type or anything fails.
pub(super) fn build(
    packs: &Packs,
    place: (u32, u64),
    kind: pack::data::entry::Header,
    max: u64,
    r: Reading<'_>,
    kept: &mut impl Kept,
) -> Option<Built> {
    let mut chain: Vec<((u32, u64), pack::data::Entry)> = Vec::new();
    let (mut p, mut offset) = place;
    let mut bytes = loop {
        if let Some(hit) = kept.get((p, offset)) {
            break hit;
        }
        let entry = packs.data(p).entry(offset).ok()?;
        *r.touched = r.touched.saturating_add(entry.decompressed_size);
        if entry.header == kind {
            let limit = if chain.is_empty() {
                max
            } else {
                super::OBJECT_LIMIT
            };
            if entry.decompressed_size > limit {
                return Some(Built::TooLarge);
            }
            let whole = Rc::new(inflated(packs, p, &entry, r.inflate)?);
            kept.keep((p, offset), &whole);
            break whole;
        }
        // Git's chains stop at 4,095; a longer one is a cycle.
        if !entry.header.is_delta() || chain.len() > 4096 {
            return None;
        }
        let base = base_of(packs, p, &entry)?;
        chain.push(((p, offset), entry));
        (p, offset) = base;
    };
    for (i, ((p, offset), entry)) in chain.into_iter().enumerate().rev() {
        let limit = if i == 0 { max } else { super::OBJECT_LIMIT };
        let delta = delta_of(packs, p, &entry, r.inflate, r.scratch, super::OBJECT_LIMIT)?;
        bytes = match apply(&bytes, delta, limit)? {
            Applied::Bytes(out, _) => Rc::new(out),
            Applied::TooLarge => return Some(Built::TooLarge),
        };
        kept.keep((p, offset), &bytes);
    }
    Some(Built::Bytes(bytes))
}

/// Inflates pack entries whole, with libdeflate: an entry's size is in its header and the pack is
/// mapped, so nothing streams, and libdeflate takes 0.60x of zlib-rs's time (zlib-rs through
/// gix: 0.49 s for every entry of cargo's pack, libdeflate 0.30 s). Fed the pack from the entry
/// to its end, it reads only the entry's stream.
pub(super) struct Inflater(libdeflater::Decompressor);

impl Default for Inflater {
    fn default() -> Inflater {
        Inflater(libdeflater::Decompressor::new())
    }
}

impl Inflater {
    /// Fills `out` with `entry`'s inflated bytes; `None` unless its stream is whole, its
    /// checksum holds and it inflates to exactly `out.len()` bytes, the size its header gave.
    fn entry(
        &mut self,
        packs: &Packs,
        p: u32,
        entry: &pack::data::Entry,
        out: &mut [u8],
    ) -> Option<()> {
        let data = packs.data(p);
        let stream = data.entry_slice(entry.data_offset..data.pack_end() as u64)?;
        match self.0.zlib_decompress(stream, out) {
            Ok(n) if n == out.len() => Some(()),
            _ => None,
        }
    }
}

/// A whole object's bytes.
fn inflated(
    packs: &Packs,
    p: u32,
    entry: &pack::data::Entry,
    inflate: &mut Inflater,
) -> Option<Vec<u8>> {
    let mut out = vec![0; usize::try_from(entry.decompressed_size).ok()?];
    inflate.entry(packs, p, entry, &mut out)?;
    Some(out)
}

/// A delta's instructions and inserted bytes, inflated into `scratch`. Deltas are small: one
/// bigger than the result may be (`max`) plus a MiB is taken for corrupt.
fn delta_of<'s>(
    packs: &Packs,
    p: u32,
    entry: &pack::data::Entry,
    inflate: &mut Inflater,
    scratch: &'s mut Vec<u8>,
    max: u64,
) -> Option<&'s [u8]> {
    if entry.decompressed_size > max.saturating_add(1 << 20) {
        return None;
    }
    scratch.clear();
    scratch.resize(usize::try_from(entry.decompressed_size).ok()?, 0);
    inflate.entry(packs, p, entry, scratch)?;
    Some(scratch)
}

/// A delta's base size and result size.
fn sizes(delta: &[u8]) -> Option<(u64, u64)> {
    let mut at = 0;
    Some((
        crate::leb128::get(delta, &mut at)?,
        crate::leb128::get(delta, &mut at)?,
    ))
}

enum Applied {
    Bytes(Vec<u8>, Vec<Same>),
    TooLarge,
}

/// Git's delta format: the base's size and the result's size (little-endian base-128), then
/// instructions: a byte with the high bit set copies from the base (its low 4 bits say which
/// offset bytes follow, the next 3 which size bytes; size 0 means 0x10000); a byte from 1 to
/// 127 inserts that many following bytes. Returns the result and its copies (merged where one
/// continues the last in both). `None` on any inconsistency.
fn apply(base: &[u8], delta: &[u8], max: u64) -> Option<Applied> {
    let mut at = 0;
    let base_size = crate::leb128::get(delta, &mut at)?;
    let result_size = crate::leb128::get(delta, &mut at)?;
    if base_size != base.len() as u64 {
        return None;
    }
    if result_size > max {
        return Some(Applied::TooLarge);
    }
    let result = usize::try_from(result_size).ok()?;
    // The header's claim is only a claim: reserve what the delta can plausibly produce and
    // let a real result grow past it.
    let mut out = Vec::with_capacity(result.min(base.len().saturating_add(delta.len()) * 2));
    let mut copies: Vec<Same> = Vec::new();
    while at < delta.len() {
        let cmd = delta[at];
        at += 1;
        if cmd & 0x80 != 0 {
            let mut field = |bits: u8, shifts: std::ops::Range<u32>| -> Option<usize> {
                let mut v = 0usize;
                for (i, shift) in shifts.step_by(8).enumerate() {
                    if bits & (1 << i) != 0 {
                        v |= usize::from(*delta.get(at)?) << shift;
                        at += 1;
                    }
                }
                Some(v)
            };
            let offset = field(cmd & 0x0f, 0..32)?;
            let len = match field((cmd >> 4) & 0x07, 0..24)? {
                0 => 0x10000,
                n => n,
            };
            let chunk = base.get(offset..offset.checked_add(len)?)?;
            let new = out.len();
            if out.len() + len > result {
                return None;
            }
            out.extend_from_slice(chunk);
            match copies.last_mut() {
                Some(last) if last.new_end() == new && last.old + last.len == offset => {
                    last.len += len
                }
                _ => copies.push(Same {
                    new,
                    old: offset,
                    len,
                }),
            }
        } else if cmd != 0 {
            let len = usize::from(cmd);
            let chunk = delta.get(at..at + len)?;
            if out.len() + len > result {
                return None;
            }
            out.extend_from_slice(chunk);
            at += len;
        } else {
            return None;
        }
    }
    (out.len() as u64 == result_size).then_some(Applied::Bytes(out, copies))
}

#[cfg(test)]
mod hostile {
    use super::*;
    use proptest::prelude::*;

    /// A delta header claiming `base` and `result` bytes, then `ops` as they come.
    fn header(base: u64, result: u64, ops: &[u8]) -> Vec<u8> {
        let mut d = Vec::new();
        crate::leb128::put(&mut d, base);
        crate::leb128::put(&mut d, result);
        d.extend_from_slice(ops);
        d
    }

    proptest! {
        /// Any size claim (up to 2^64 - 1), any instructions: a delta is applied, refused or
        /// found too large, never a panic, and a result never exceeds the limit.
        #[test]
        fn deltas_with_hostile_sizes_never_panic_or_exceed_the_limit(
            base in proptest::collection::vec(any::<u8>(), 0..64),
            claim in prop_oneof![any::<u64>(), 0u64..4096, Just(1u64 << 62), Just(u64::MAX)],
            base_claim in prop_oneof![Just(None), any::<u64>().prop_map(Some)],
            ops in proptest::collection::vec(any::<u8>(), 0..64),
            max in 0u64..(1 << 20),
        ) {
            let d = header(base_claim.unwrap_or(base.len() as u64), claim, &ops);
            let _ = sizes(&d);
            if let Some(Applied::Bytes(out, copies)) = apply(&base, &d, max) {
                prop_assert!(out.len() as u64 <= max);
                prop_assert_eq!(out.len() as u64, claim);
                for c in copies {
                    prop_assert!(c.old + c.len <= base.len() && c.new + c.len <= out.len());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(base_len: usize, result_len: usize, ops: &[u8]) -> Vec<u8> {
        let mut d = Vec::new();
        crate::leb128::put(&mut d, base_len as u64);
        crate::leb128::put(&mut d, result_len as u64);
        d.extend_from_slice(ops);
        d
    }

    /// The interpolating lookup agrees with gix's binary search on every object of a real
    /// pack, on ids next to them that are not there, and on ids past either end.
    #[test]
    fn lookup_finds_what_a_binary_search_finds() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .arg("-C")
                .arg(dir.path())
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "git {args:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        git(&["init", "-q"]);
        for i in 0..600 {
            std::fs::write(dir.path().join(format!("f{i}")), format!("file {i}\n")).unwrap();
        }
        git(&["add", "."]);
        git(&["commit", "-qm", "files"]);
        git(&["repack", "-adq"]);
        let packs = Packs::open(&dir.path().join(".git/objects"), gix::hash::Kind::Sha1);
        let index = &packs.packs[0].0;
        let listed = git(&[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname)",
        ]);
        let mut ids: Vec<ObjectId> = listed
            .lines()
            .map(|l| ObjectId::from_hex(l.as_bytes()).unwrap())
            .collect();
        assert!(ids.len() > 600);
        for id in ids.clone() {
            let mut near = id;
            let last = near.as_mut_slice().last_mut().unwrap();
            *last ^= 1;
            ids.push(near);
        }
        ids.push(ObjectId::from_bytes_or_panic(&[0; 20]));
        ids.push(ObjectId::from_bytes_or_panic(&[0xff; 20]));
        let mut found = 0;
        for id in &ids {
            let want = index.lookup(id);
            assert_eq!(lookup(index, id), want, "{id}");
            found += usize::from(want.is_some());
        }
        assert!(found > 600);
    }

    #[test]
    fn each_base_comes_before_its_deltas_the_smaller_subtree_first_and_a_cycle_last() {
        // 0 ← 1 ← 2 ← 3 and 0 ← 4 (a one-node subtree, read before 1's), 5 alone, 6 ↔ 7 a
        // cycle (a corrupt pack), 8 ← 9 listed before its base.
        let parents = [ROOT, 0, 1, 2, 0, ROOT, 7, 6, ROOT, 8];
        let walked = walk(&parents);
        let order: Vec<u32> = walked.iter().map(|w| w.0).collect();
        assert_eq!(order, vec![0, 4, 1, 2, 3, 5, 8, 9, 6, 7]);
        let bases: Vec<u32> = walked.iter().map(|w| w.1).collect();
        assert_eq!(bases, vec![ROOT, 0, 0, 2, 3, ROOT, ROOT, 6, ROOT, ROOT]);
        let shared: Vec<u32> = walked.iter().filter(|w| w.2).map(|w| w.0).collect();
        assert_eq!(shared, vec![0]);
    }

    #[test]
    fn a_delta_copies_and_inserts_and_reports_its_copies_merged() {
        let base = b"0123456789abcdefghij";
        // copy 4 bytes at 2, copy 3 bytes at 6 (continues the first), insert "XY", copy 2 at 0.
        let ops = [
            0x80 | 0x01 | 0x10,
            2,
            4,
            0x80 | 0x01 | 0x10,
            6,
            3,
            2,
            b'X',
            b'Y',
            0x80 | 0x10,
            2,
        ];
        let Some(Applied::Bytes(out, copies)) = apply(base, &delta(20, 11, &ops), 100) else {
            panic!("the delta applies");
        };
        assert_eq!(out, b"2345678XY01");
        assert_eq!(
            copies,
            vec![
                Same {
                    new: 0,
                    old: 2,
                    len: 7
                },
                Same {
                    new: 9,
                    old: 0,
                    len: 2
                }
            ]
        );
    }

    #[test]
    fn a_copy_of_size_zero_means_64_kib_and_a_result_over_the_limit_is_too_large() {
        let base = vec![7u8; 0x10000];
        let Some(Applied::Bytes(out, _)) = apply(&base, &delta(0x10000, 0x10000, &[0x80]), 1 << 20)
        else {
            panic!("the delta applies");
        };
        assert_eq!(out.len(), 0x10000);
        assert!(matches!(
            apply(&base, &delta(0x10000, 0x10000, &[0x80]), 100),
            Some(Applied::TooLarge)
        ));
    }

    #[test]
    fn an_inconsistent_delta_is_refused() {
        let base = b"0123456789";
        // Wrong base size, a copy past the base's end, a result of another size, command 0,
        // and an insert running past the delta's end.
        assert!(apply(base, &delta(9, 2, &[0x80 | 0x10, 2]), 100).is_none());
        assert!(apply(base, &delta(10, 4, &[0x80 | 0x01 | 0x10, 8, 4]), 100).is_none());
        assert!(apply(base, &delta(10, 3, &[0x80 | 0x10, 2]), 100).is_none());
        assert!(apply(base, &delta(10, 0, &[0]), 100).is_none());
        assert!(apply(base, &delta(10, 5, &[5, b'a']), 100).is_none());
    }
}
