//! The tree walk: every unique tree and blob of every commit, and every path a blob stands at
//! (a (tree, place) pair is walked once).

use std::collections::{HashSet, VecDeque};
use std::rc::Rc;

use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use rayon::prelude::*;

use super::super::deltas::{Bytes, Packs};
use super::super::join;
use super::diff::{Bounds, NEW, diff, parse_entry};
use super::read::{ObjectReader, TREE_CACHE_BYTES};
use super::{Graph, IdMap, Trees};

impl Graph {
    /// Record every unique tree and blob of every commit, and every path each blob stands
    /// at, skipping trees where `skip` has them (the same tree at the same place). The commits
    /// (oldest first) are cut into one contiguous run per thread, the older runs longer, and a
    /// thread done with its run takes the newer half of what another has left; each segment
    /// walks its commits' trees in order, never revisiting a subtree it has seen at the same
    /// place, which keeps the tree reader's cache warm. Segments merge oldest first, so a blob
    /// keeps its first commit and path. With `keep_places`, `places` lists every (tree, place)
    /// walked.
    pub(in crate::source::git) fn collect_trees(
        &mut self,
        repo: &gix::Repository,
        skip: &HashSet<(ObjectId, u64)>,
        keep_places: bool,
    ) -> Result<()> {
        let n = self.commits.len();
        let runs = rayon::current_num_threads().clamp(1, n.max(1));
        // A history's trees grow, so the older runs take more commits: run k ends at
        // n·((k+1)/runs)^0.7 (with two threads the older run takes 62%; on git/git's history
        // the two runs took 1.4 s each, though a run's time varies by a fifth from one try
        // to the next on this machine).
        let ends: Vec<usize> = (1..=runs)
            .map(|k| ((n as f64) * (k as f64 / runs as f64).powf(0.7)).round() as usize)
            .map(|e| e.min(n))
            .collect();
        let sync = repo.clone().into_sync();
        let packs = Packs::open(repo.objects.store_ref().path(), repo.object_hash());
        // Each root with its base: its first parent's root, which a branch's commit changes by
        // an entry or two (the last root walked may be another branch's, tens of entries apart).
        let roots: Vec<(ObjectId, Option<ObjectId>)> = self
            .commits
            .iter()
            .map(|c| {
                let parent = c.parents.first().and_then(|p| self.index.get(p));
                (c.tree, parent.map(|&p| self.commits[p].tree))
            })
            .collect();
        let segments = Segments::new(&ends);
        let walked: Vec<Result<Vec<(usize, Walked)>>> = (0..runs)
            .into_par_iter()
            .map(|k| {
                let repo = sync.to_thread_local();
                let mut reader = ObjectReader::new(&packs, TREE_CACHE_BYTES);
                let mut parts = Vec::new();
                let mut segment = Some(k);
                while let Some(s) = segment {
                    // A segment starts afresh: what a thread walked in a newer segment must not
                    // stand for what an older one holds.
                    let mut lasts = Lasts::default();
                    let mut w = Walked::default();
                    let first = segments.start(s);
                    while let Some(ci) = segments.next(s) {
                        w.walk(&repo, &mut reader, &mut lasts, roots[ci], ci, skip)?;
                    }
                    parts.push((first, w));
                    segment = segments.steal();
                }
                Ok(parts)
            })
            .collect();
        let mut parts = Vec::new();
        for w in walked {
            parts.extend(w?);
        }
        // Oldest first, so a blob keeps its first commit and path.
        parts.sort_by_key(|(first, _)| *first);
        let mut trees = Vec::with_capacity(parts.len());
        let mut blobs = Vec::with_capacity(parts.len());
        for (_, part) in parts {
            if keep_places {
                self.places.extend(part.places());
            }
            trees.push(part.trees);
            blobs.push((part.blobs, part.more));
        }
        // The trees and the blobs merge on two threads (cargo's history: 27 ms on one).
        let (all_trees, all_blobs, all_more) =
            (&mut self.trees, &mut self.blobs, &mut self.more_paths);
        rayon::join(
            || {
                for part in trees {
                    if all_trees.len() == 0 {
                        *all_trees = part;
                    } else {
                        all_trees.merge(part);
                    }
                }
                all_trees.shrink();
            },
            || {
                for (part, more) in blobs {
                    if all_blobs.is_empty() {
                        *all_blobs = part;
                        *all_more = more;
                        continue;
                    }
                    all_blobs.reserve(part.len());
                    let more = more
                        .into_iter()
                        .flat_map(|(id, v)| v.into_iter().map(move |p| (id, p)));
                    for (id, (ci, path)) in part.into_iter().chain(more) {
                        add_path(all_blobs, all_more, id, ci, path);
                    }
                }
            },
        );
        Ok(())
    }
}

/// Record that blob `id` stands at `path` from commit `ci` on: the first path is the one of the
/// oldest commit; every other distinct path is kept once, with its oldest commit.
fn add_path(
    blobs: &mut IdMap<(usize, String)>,
    more: &mut IdMap<Vec<(usize, String)>>,
    id: ObjectId,
    ci: usize,
    path: String,
) {
    let Some(first) = blobs.get_mut(&id) else {
        blobs.insert(id, (ci, path));
        return;
    };
    if first.1 == path {
        first.0 = first.0.min(ci);
        return;
    }
    let (ci, path) = if ci < first.0 {
        std::mem::replace(first, (ci, path))
    } else {
        (ci, path)
    };
    let others = more.entry(id).or_default();
    match others.iter_mut().find(|(_, p)| *p == path) {
        Some(o) => o.0 = o.0.min(ci),
        None => others.push((ci, path)),
    }
}

/// The fewest commits a thread takes from another's run: a segment starts with its first
/// commit's whole tree.
const STEAL: usize = 512;

/// Contiguous stretches of the commits, each walked by one thread: (next commit, end). A
/// thread done with its run takes the newer half of what is left of the run with the most left
/// (if that is at least `STEAL` commits), as a segment of its own: the two runs of cargo's
/// history ended 40 to 70 ms apart.
struct Segments(std::sync::Mutex<Vec<(usize, usize)>>);

impl Segments {
    /// One segment per run, run k ending at `ends[k]`.
    fn new(ends: &[usize]) -> Segments {
        let starts = std::iter::once(0).chain(ends.iter().copied());
        Segments(std::sync::Mutex::new(
            starts.zip(ends.iter().copied()).collect(),
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(usize, usize)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn start(&self, s: usize) -> usize {
        self.lock()[s].0
    }

    /// Segment `s`'s next commit, `None` once it is walked to its (possibly moved) end.
    fn next(&self, s: usize) -> Option<usize> {
        let mut g = self.lock();
        let (next, end) = &mut g[s];
        (*next < *end).then(|| {
            *next += 1;
            *next - 1
        })
    }

    /// A new segment: the newer half of what the segment with the most left has left.
    fn steal(&self) -> Option<usize> {
        let mut g = self.lock();
        let left = |g: &[(usize, usize)], i: usize| g[i].1.saturating_sub(g[i].0);
        let i = (0..g.len()).max_by_key(|&i| left(&g, i))?;
        if left(&g, i) < STEAL {
            return None;
        }
        let (next, end) = g[i];
        let mid = next + (end - next) / 2;
        g[i].1 = mid;
        g.push((mid, end));
        Some(g.len() - 1)
    }
}

/// A place in a tree (`src/app`) as a number: the root is 0, and a child's is its parent's
/// mixed with the child's name, so no string is built for a subtree already walked there.
fn place_of(parent: u64, name: &[u8]) -> u64 {
    let mut h = parent ^ 0x9E37_79B9_7F4A_7C15;
    for &b in name {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    h.rotate_left(29).wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (name.len() as u64)
}

/// What one run of commits' tree walk found.
#[derive(Default)]
struct Walked {
    trees: Trees,
    blobs: IdMap<(usize, String)>,
    more: IdMap<Vec<(usize, String)>>,
    /// By interned id: the place a walked tree was first walked at.
    first_place: Vec<u64>,
    /// Trees walked again at another place (a moved or copied directory), for their paths.
    again: foldhash::HashSet<(u32, u64)>,
}

/// Trees walked lately, which the next version of each is compared with: the most recent by
/// interned id (a commit's tree is compared with its first parent's at the same place), and
/// the last one at each place for when that one is not held.
#[derive(Default)]
struct Lasts {
    /// Keyed per process (foldhash), as ids and places come from the repository.
    by_tree: foldhash::HashMap<u32, Rc<Last>>,
    /// The trees in `by_tree`, oldest first: the first forgotten.
    order: VecDeque<u32>,
    at: foldhash::HashMap<u64, Rc<Last>>,
    /// Bytes held in `by_tree`, and in `at`.
    held_by_tree: usize,
    held_at: usize,
}

/// A tree walked at a place: its id, bytes, entry bounds and its entries' interned ids (a
/// subtree's with `TREE` set, `OTHER` for a submodule or anything not a tree or blob).
struct Last {
    id: u32,
    bytes: Bytes,
    bounds: Bounds,
    ids: Vec<u32>,
}

/// In `Last::ids`: the entry is a tree (interned ids stay far below 2^31).
const TREE: u32 = 1 << 31;
/// In `Last::ids`: neither a tree nor a blob.
const OTHER: u32 = u32::MAX;

/// Bytes of the last trees at each place a walk keeps (past this it starts over), and of
/// recent trees it keeps by id (past this the oldest are forgotten). A tree with neither has
/// every entry read. By id, 8 MiB held git/git's entries read to 2.0 million (4 MiB: 2.5, 2
/// MiB: 2.9; 5.1 with none) but cost cargo's history 10 MB of peak memory.
const LAST_BYTES: usize = 8 << 20;
const RECENT_BYTES: usize = 4 << 20;

fn size(l: &Last) -> usize {
    l.bytes.len() + 4 * (l.bounds.len() + l.ids.len())
}

impl Lasts {
    /// The tree to compare a tree at `place` with: `base` if held, else the last one there.
    fn base(&self, base: Option<u32>, place: u64) -> Option<Rc<Last>> {
        base.and_then(|b| self.by_tree.get(&b))
            .or_else(|| self.at.get(&place))
            .cloned()
    }

    /// Remember `last` as the tree last walked at `place`.
    fn at_place(&mut self, place: u64, last: Rc<Last>) {
        self.held_at += size(&last);
        if let Some(old) = self.at.insert(place, last) {
            self.held_at -= size(&old);
        }
        if self.held_at > LAST_BYTES {
            self.at.clear();
            self.held_at = 0;
        }
    }

    /// Remember `last` by id once its walk (and its subtrees') is over: a tree is stored
    /// against a base whose walk is over, so reachability, taken in finishing order, has the
    /// base's counts first (a tree still open could be a base only in a crafted history where
    /// a directory holds its own older version).
    fn finished(&mut self, last: Rc<Last>) {
        let (id, n) = (last.id, size(&last));
        if self.by_tree.insert(id, last).is_some() {
            return;
        }
        self.held_by_tree += n;
        self.order.push_back(id);
        while self.held_by_tree > RECENT_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(l) = self.by_tree.remove(&old) {
                self.held_by_tree -= size(&l);
            }
        }
    }
}

/// A step of the walk: a tree to walk at a place (with the tree it likely changes a little:
/// the one of its name in its parent's base), or the end of a tree's walk.
enum Step {
    Walk(ObjectId, String, u64, Option<u32>),
    Done(Rc<Last>),
}

impl Walked {
    /// Walk the tree of commit `ci` (its root) and every subtree not yet walked at its place.
    /// A tree is compared with the one last walked at its place: what they share was recorded
    /// then (each path and blob, each subtree walked), so only its other entries are looked at.
    /// A tree already walked somewhere else is walked again for its blobs' paths only. The
    /// walk keeps its own stack: a hostile tree thousands of levels deep cannot overflow the
    /// thread's.
    fn walk(
        &mut self,
        repo: &gix::Repository,
        reader: &mut ObjectReader,
        lasts: &mut Lasts,
        (root, root_base): (ObjectId, Option<ObjectId>),
        ci: usize,
        skip: &HashSet<(ObjectId, u64)>,
    ) -> Result<()> {
        let hash_len = repo.object_hash().len_in_bytes();
        let root_base = root_base.and_then(|b| self.trees.objects.get(&b));
        let mut stack = vec![Step::Walk(root, String::new(), 0u64, root_base)];
        while let Some(step) = stack.pop() {
            let (tree, prefix, place, base) = match step {
                Step::Walk(tree, prefix, place, base) => (tree, prefix, place, base),
                Step::Done(last) => {
                    self.trees.finish(last.id);
                    lasts.finished(last);
                    continue;
                }
            };
            if skip.contains(&(tree, place)) {
                continue;
            }
            let i = self.trees.objects.intern(tree);
            let fresh = !self.trees.walked(i);
            if !fresh && (self.first_place[i as usize] == place || !self.again.insert((i, place))) {
                continue;
            }
            if self.trees.objects.ids.len() >= TREE as usize {
                return Err(anyhow!("more than 2^31 trees and blobs: too many to walk"));
            }
            let bytes = reader.read(repo, tree, gix::odb::pack::data::entry::Header::Tree)?;
            let last = lasts.base(base, place);
            let last = last.as_deref();
            let d = diff(
                last.map(|l| (&l.bytes[..], &l.bounds[..])),
                &bytes,
                hash_len,
            )
            .ok_or_else(|| anyhow!("tree {tree}: corrupt"))?;
            let corrupt = || anyhow!("tree {tree}: corrupt entry");
            let (mut tree_ids, mut blob_ids) = (Vec::new(), Vec::new());
            // The entries' ids (`Last::ids`), those the new entries have in order.
            let mut new_ids = Vec::with_capacity(d.added.len());
            let mut subtrees = Vec::new();
            for (&(s, e), &was) in d.added.iter().zip(&d.replaced) {
                let (mode, name, id) =
                    parse_entry(&bytes[s as usize..e as usize], hash_len).ok_or_else(corrupt)?;
                let (name, id) = (name.as_bstr(), id.to_owned());
                if mode.is_tree() {
                    let t = self.trees.objects.intern(id);
                    tree_ids.push(t);
                    new_ids.push(t | TREE);
                    let at = place_of(place, name);
                    // Walked already at this place, or skipped there: nothing new below.
                    let known = self.trees.walked(t) && self.first_place[t as usize] == at;
                    if !known && !skip.contains(&(id, at)) {
                        let base = last
                            .and_then(|l| l.ids.get(was as usize))
                            .filter(|&&b| b != OTHER && b & TREE != 0)
                            .map(|&b| b & !TREE);
                        subtrees.push(Step::Walk(id, join(&prefix, name), at, base));
                    }
                } else if mode.is_blob() {
                    let b = self.trees.objects.intern(id);
                    blob_ids.push(b);
                    new_ids.push(b);
                    self.record(id, &prefix, name, ci);
                } else {
                    new_ids.push(OTHER);
                }
            }
            let mut new_ids = new_ids.into_iter();
            let ids: Vec<u32> = d
                .from
                .iter()
                .map(|&k| match k {
                    NEW => new_ids.next(),
                    k => last.and_then(|l| l.ids.get(k as usize).copied()),
                })
                .map(|id| id.unwrap_or(OTHER))
                .collect();
            if fresh {
                let (mut gone_trees, mut gone_blobs) = (Vec::new(), Vec::new());
                if let Some(last) = last {
                    for &k in &d.removed {
                        match last.ids.get(k as usize).copied().unwrap_or(OTHER) {
                            OTHER => {}
                            t if t & TREE != 0 => gone_trees.push(t & !TREE),
                            b => gone_blobs.push(b),
                        }
                    }
                }
                let base = last.map(|l| l.id);
                self.trees
                    .insert(i, base, [&tree_ids, &blob_ids], [&gone_trees, &gone_blobs]);
                if self.first_place.len() <= i as usize {
                    self.first_place.resize(i as usize + 1, 0);
                }
                self.first_place[i as usize] = place;
            }
            let last = Rc::new(Last {
                id: i,
                bytes,
                bounds: d.bounds,
                ids,
            });
            lasts.at_place(place, last.clone());
            if fresh {
                stack.push(Step::Done(last));
            }
            // Popped in listing order.
            stack.extend(subtrees.into_iter().rev());
        }
        Ok(())
    }

    fn record(&mut self, id: ObjectId, prefix: &str, name: &gix::bstr::BStr, ci: usize) {
        match self.blobs.get(&id) {
            None => {
                self.blobs.insert(id, (ci, join(prefix, name)));
            }
            Some((_, p)) if same_path(p, prefix, name) => {}
            Some(_) => add_path(&mut self.blobs, &mut self.more, id, ci, join(prefix, name)),
        }
    }

    /// Every (tree, place) this run walked.
    fn places(&self) -> impl Iterator<Item = (ObjectId, u64)> + '_ {
        let ids = &self.trees.objects.ids;
        (0..self.first_place.len() as u32)
            .filter(|&i| self.trees.walked(i))
            .map(|i| (ids[i as usize], self.first_place[i as usize]))
            .chain(self.again.iter().map(|&(i, p)| (ids[i as usize], p)))
    }
}

/// Is `path` the same as `join(prefix, name)`? (No string is built.)
fn same_path(path: &str, prefix: &str, name: &gix::bstr::BStr) -> bool {
    let name: &[u8] = name.as_ref();
    let path = path.as_bytes();
    if prefix.is_empty() {
        return path == name;
    }
    path.len() == prefix.len() + 1 + name.len()
        && path.starts_with(prefix.as_bytes())
        && path[prefix.len()] == b'/'
        && path.ends_with(name)
}
