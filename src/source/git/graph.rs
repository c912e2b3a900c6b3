//! The commit graph and the tree DAG of the part of a repository a scan covers.

use super::*;
use rayon::prelude::*;

/// Object ids as dense `u32` numbers: a tree's children take 4 bytes each instead of 20
/// (cargo's history has 108,000 unique trees).
#[derive(Default)]
pub(super) struct Interner {
    ids: Vec<ObjectId>,
    /// gix's table hashes an id by its first bytes (ids are already uniform), not SipHash.
    index: IdMap<u32>,
}

impl Interner {
    fn intern(&mut self, id: ObjectId) -> u32 {
        *self.index.entry(id).or_insert_with(|| {
            self.ids.push(id);
            (self.ids.len() - 1) as u32
        })
    }

    pub(super) fn get(&self, id: &ObjectId) -> Option<u32> {
        self.index.get(id).copied()
    }
}

/// `Trees::spans` entry of an object that is not a walked tree (a blob, a skipped tree).
const NOT_WALKED: u64 = u64::MAX;

/// Every unique tree walked, with its children, packed: per tree the number of subtrees and of
/// blobs, then each list sorted and stored as LEB128 gaps. A tree's entries are interned
/// together, so the gaps are small (on cargo's history, peak RSS fell 7 MiB against `u32`s).
#[derive(Default)]
pub(super) struct Trees {
    pub(super) objects: Interner,
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
    pub(super) fn len(&self) -> usize {
        self.count
    }

    fn walked(&self, i: u32) -> bool {
        self.spans.get(i as usize).is_some_and(|&s| s != NOT_WALKED)
    }

    /// The subtrees and blobs of tree `i` (each sorted), if it was walked.
    fn children(&self, i: u32) -> Option<(Vec<u32>, Vec<u32>)> {
        let (mut trees, mut blobs) = (Vec::new(), Vec::new());
        self.each_child(i, |t| trees.push(t), |b| blobs.push(b))
            .then_some((trees, blobs))
    }

    fn insert(&mut self, id: u32, trees: &[u32], blobs: &[u32]) {
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
    fn each_child(&self, i: u32, mut tree: impl FnMut(u32), mut blob: impl FnMut(u32)) -> bool {
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
    fn merge(&mut self, other: Trees) {
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

    fn shrink(&mut self) {
        self.objects.ids.shrink_to_fit();
        self.objects.index.shrink_to_fit();
        self.spans.shrink_to_fit();
        self.packed.shrink_to_fit();
    }
}

/// A commit as the history scan needs it.
pub(super) struct CommitInfo {
    pub(super) id: ObjectId,
    pub(super) tree: ObjectId,
    pub(super) parents: Vec<ObjectId>,
    pub(super) time: i64,
    pub(super) author: String,
    pub(super) author_time: i64,
}

/// The commit graph and tree DAG of the scanned part of a repository.
pub(super) struct Graph {
    pub(super) commits: Vec<CommitInfo>,
    pub(super) index: IdMap<usize>,
    /// Children of every unique tree seen.
    pub(super) trees: Trees,
    /// Each unique blob with the first (oldest) commit and path it appeared at.
    pub(super) blobs: IdMap<(usize, String)>,
    /// The other paths a blob stands at (a copy, a rename, a moved directory), each with its
    /// oldest commit: content is matched once, but judged at every path.
    pub(super) more_paths: IdMap<Vec<(usize, String)>>,
    /// Every (tree, place) walked, when asked for (a range's base side).
    pub(super) places: HashSet<(ObjectId, u64)>,
}

/// A map keyed by object id that hashes the id's first bytes (ids are uniform already) instead
/// of running SipHash over all 20.
pub(super) type IdMap<V> = gix::hashtable::HashMap<ObjectId, V>;

pub(super) fn decode_commit(repo: &gix::Repository, id: ObjectId) -> Result<CommitInfo> {
    let obj = repo
        .find_object(id)
        .with_context(|| format!("commit {id}: missing or corrupt"))?;
    let c = CommitRef::from_bytes(&obj.data, repo.object_hash())
        .map_err(|e| anyhow!("commit {id}: corrupt: {e}"))?;
    let author = c
        .author()
        .map_err(|e| anyhow!("commit {id}: bad author: {e}"))?;
    let committer_time = c.committer().map(|s| s.seconds()).unwrap_or(0);
    Ok(CommitInfo {
        id,
        tree: c.tree(),
        parents: c.parents().collect(),
        time: committer_time,
        author: format!(
            "{} <{}>",
            author.name.to_string().trim(),
            author.email.to_string().trim()
        ),
        author_time: author.seconds(),
    })
}

/// Walk every commit reachable from `tips` (stopping at `stop`), parents before children.
///
/// Inflating commits is most of the walk (cargo's 23,815 take 0.16 s on one core), so every
/// rayon thread takes commits from one shared queue: a merge's parents are decoded at the same
/// time, and history with branches and merged pull requests walks in parallel.
pub(super) fn walk_commits(
    repo: &gix::Repository,
    tips: &[ObjectId],
    stop: &HashSet<ObjectId>,
) -> Result<Vec<CommitInfo>> {
    struct Shared {
        queue: Vec<ObjectId>,
        seen: gix::hashtable::HashSet<ObjectId>,
        /// Threads decoding a commit now (they may queue its parents).
        busy: usize,
        failed: bool,
    }
    let mut seen = gix::hashtable::HashSet::default();
    let queue: Vec<ObjectId> = tips
        .iter()
        .copied()
        .filter(|t| !stop.contains(t) && seen.insert(*t))
        .collect();
    let shared = std::sync::Mutex::new(Shared {
        queue,
        seen,
        busy: 0,
        failed: false,
    });
    let wake = std::sync::Condvar::new();
    let sync = repo.clone().into_sync();
    let threads = rayon::current_num_threads().max(1);
    let parts: Vec<Result<Vec<CommitInfo>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (shared, wake, sync) = (&shared, &wake, &sync);
                scope.spawn(move || -> Result<Vec<CommitInfo>> {
                    let repo = sync.to_thread_local();
                    let mut out = Vec::new();
                    let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
                    let mut guard = lock();
                    loop {
                        if guard.failed {
                            return Ok(out);
                        }
                        let Some(id) = guard.queue.pop() else {
                            if guard.busy == 0 {
                                wake.notify_all();
                                return Ok(out);
                            }
                            guard = wake.wait(guard).unwrap_or_else(|e| e.into_inner());
                            continue;
                        };
                        guard.busy += 1;
                        drop(guard);
                        let decoded = decode_commit(&repo, id);
                        guard = lock();
                        guard.busy -= 1;
                        let c = match decoded {
                            Ok(c) => c,
                            Err(e) => {
                                guard.failed = true;
                                wake.notify_all();
                                return Err(e);
                            }
                        };
                        let before = guard.queue.len();
                        for p in &c.parents {
                            if !stop.contains(p) && guard.seen.insert(*p) {
                                guard.queue.push(*p);
                            }
                        }
                        if guard.queue.len() > before + 1 || guard.busy == 0 {
                            wake.notify_all();
                        }
                        out.push(c);
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(anyhow!("the commit walk panicked")))
            })
            .collect()
    });
    let mut commits = Vec::new();
    for part in parts {
        commits.extend(part?);
    }
    Ok(topological(commits))
}

/// Parents before children, whatever the clocks say (commit times are not ordered along
/// ancestry: clock skew, rebases, scripted commits in one second). Among commits whose parents
/// are all placed, the oldest by commit time goes first, then by id, so the order is stable.
fn topological(commits: Vec<CommitInfo>) -> Vec<CommitInfo> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let index: IdMap<usize> = commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut pending = vec![0usize; commits.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); commits.len()];
    for (i, c) in commits.iter().enumerate() {
        for p in &c.parents {
            if let Some(&pi) = index.get(p) {
                pending[i] += 1;
                children[pi].push(i);
            }
        }
    }
    let key = |i: usize| Reverse((commits[i].time, commits[i].id, i));
    let mut ready: BinaryHeap<_> = (0..commits.len())
        .filter(|&i| pending[i] == 0)
        .map(key)
        .collect();
    let mut order = Vec::with_capacity(commits.len());
    while let Some(Reverse((_, _, i))) = ready.pop() {
        order.push(i);
        for &ch in &children[i] {
            pending[ch] -= 1;
            if pending[ch] == 0 {
                ready.push(key(ch));
            }
        }
    }
    let mut slots: Vec<Option<CommitInfo>> = commits.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

impl Graph {
    pub(super) fn new(commits: Vec<CommitInfo>) -> Graph {
        let index = commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        Graph {
            commits,
            index,
            trees: Trees::default(),
            blobs: IdMap::default(),
            more_paths: IdMap::default(),
            places: HashSet::new(),
        }
    }

    /// Every path a blob stands at: the first, then the others (each with its first commit).
    pub(super) fn paths_of(&self, id: &ObjectId) -> impl Iterator<Item = &(usize, String)> {
        self.blobs
            .get(id)
            .into_iter()
            .chain(self.more_paths.get(id).into_iter().flatten())
    }

    /// Forget the paths where `drop(blob, path)` holds; a blob left with no path is forgotten
    /// (how many were is returned), one whose first path went keeps its oldest remaining one.
    pub(super) fn drop_paths(&mut self, drop: impl Fn(&ObjectId, &str) -> bool) -> usize {
        let before = self.blobs.len();
        let mut more = std::mem::take(&mut self.more_paths);
        self.blobs.retain(|id, first| {
            let others = more.get_mut(id);
            if let Some(others) = others {
                others.retain(|(_, p)| !drop(id, p));
                if drop(id, &first.1) {
                    let Some(oldest) = (0..others.len()).min_by_key(|&i| others[i].0) else {
                        return false;
                    };
                    *first = others.swap_remove(oldest);
                }
                return true;
            }
            !drop(id, &first.1)
        });
        more.retain(|id, others| !others.is_empty() && self.blobs.contains_key(id));
        self.more_paths = more;
        before - self.blobs.len()
    }

    /// Record every unique tree and blob of every commit, and every path each blob stands
    /// at, skipping trees where `skip` has them (the same tree at the same place). The commits
    /// (oldest first) are cut into one contiguous run per thread; each run walks its commits'
    /// trees in order, never revisiting a subtree it has seen at the same place, which keeps
    /// the pack's delta base cache warm. Runs merge oldest first, so a blob keeps its first
    /// commit and path. With `keep_places`, `places` lists every (tree, place) walked.
    pub(super) fn collect_trees(
        &mut self,
        repo: &gix::Repository,
        skip: &HashSet<(ObjectId, u64)>,
        keep_places: bool,
    ) -> Result<()> {
        let n = self.commits.len();
        let runs = rayon::current_num_threads().clamp(1, n.max(1));
        let chunk = n.div_ceil(runs).max(1);
        let sync = repo.clone().into_sync();
        let roots: Vec<ObjectId> = self.commits.iter().map(|c| c.tree).collect();
        let parts: Vec<Result<Walked>> = (0..n)
            .step_by(chunk)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| {
                let repo = sync.to_thread_local();
                let mut w = Walked::default();
                for (ci, root) in roots.iter().enumerate().skip(start).take(chunk) {
                    w.walk(&repo, *root, ci, skip)?;
                }
                Ok(w)
            })
            .collect();
        for part in parts {
            let part = part?;
            if keep_places {
                self.places.extend(part.places());
            }
            if self.trees.len() == 0 {
                self.trees = part.trees;
            } else {
                self.trees.merge(part.trees);
            }
            if self.blobs.is_empty() {
                self.blobs = part.blobs;
                self.more_paths = part.more;
                continue;
            }
            self.blobs.reserve(part.blobs.len());
            let more = part
                .more
                .into_iter()
                .flat_map(|(id, v)| v.into_iter().map(move |p| (id, p)));
            for (id, (ci, path)) in part.blobs.into_iter().chain(more) {
                add_path(&mut self.blobs, &mut self.more_paths, id, ci, path);
            }
        }
        self.trees.shrink();
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
    again: HashSet<(u32, u64)>,
}

impl Walked {
    /// Walk the tree of commit `ci` (its root) and every subtree not yet walked at its place.
    /// A tree already walked somewhere else is read again for its blobs' paths only. The walk
    /// keeps its own stack: a hostile tree thousands of levels deep cannot overflow the
    /// thread's.
    fn walk(
        &mut self,
        repo: &gix::Repository,
        root: ObjectId,
        ci: usize,
        skip: &HashSet<(ObjectId, u64)>,
    ) -> Result<()> {
        let mut stack = vec![(root, String::new(), 0u64)];
        while let Some((tree, prefix, place)) = stack.pop() {
            if skip.contains(&(tree, place)) {
                continue;
            }
            let i = self.trees.objects.intern(tree);
            let fresh = !self.trees.walked(i);
            if !fresh && (self.first_place[i as usize] == place || !self.again.insert((i, place))) {
                continue;
            }
            let obj = repo
                .find_object(tree)
                .with_context(|| format!("tree {tree}: missing or corrupt"))?;
            let (mut tree_ids, mut blob_ids) = (Vec::new(), Vec::new());
            let mut subtrees = Vec::new();
            for entry in TreeRefIter::from_bytes(&obj.data, repo.object_hash()) {
                let entry = entry.map_err(|e| anyhow!("tree {tree}: corrupt: {e}"))?;
                let id = entry.oid.to_owned();
                if entry.mode.is_tree() {
                    let t = self.trees.objects.intern(id);
                    tree_ids.push(t);
                    let at = place_of(place, entry.filename);
                    // Walked already at this place, or skipped there: nothing new below.
                    let known = self.trees.walked(t) && self.first_place[t as usize] == at;
                    if !known && !skip.contains(&(id, at)) {
                        subtrees.push((id, join(&prefix, entry.filename), at));
                    }
                } else if entry.mode.is_blob() {
                    blob_ids.push(self.trees.objects.intern(id));
                    self.record(id, &prefix, entry.filename, ci);
                }
            }
            drop(obj);
            if fresh {
                self.trees.insert(i, &tree_ids, &blob_ids);
                if self.first_place.len() <= i as usize {
                    self.first_place.resize(i as usize + 1, 0);
                }
                self.first_place[i as usize] = place;
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

impl Graph {
    /// For each commit, which of `targets` (blob id → bit) its tree reaches, as a bitset.
    /// Targets go 64 at a time: one word per tree and a flag, memoized in two flat lists
    /// indexed by interned id (a map of bitsets per tree cost cargo's history 7 MiB).
    pub(super) fn commit_bits(&self, targets: &HashMap<ObjectId, usize>) -> Vec<Vec<u64>> {
        let words = targets.len().div_ceil(64).max(1);
        // Blobs are interned too (after the trees that hold them), so size by every id.
        let n = self.trees.objects.ids.len();
        let columns: Vec<Vec<u64>> = (0..words)
            .map(|w| {
                let mut slot = vec![u8::MAX; n];
                for (id, &t) in targets {
                    if t / 64 == w
                        && let Some(i) = self.trees.objects.get(id)
                        && let Some(s) = slot.get_mut(i as usize)
                    {
                        *s = (t % 64) as u8;
                    }
                }
                let mut memo = vec![0u64; n];
                let mut done = vec![false; n];
                self.commits
                    .iter()
                    .map(|c| match self.trees.objects.get(&c.tree) {
                        Some(t) => self.reach_word(t, &slot, &mut memo, &mut done),
                        None => 0,
                    })
                    .collect()
            })
            .collect();
        (0..self.commits.len())
            .map(|ci| columns.iter().map(|col| col[ci]).collect())
            .collect()
    }

    fn reach_word(&self, tree: u32, slot: &[u8], memo: &mut [u64], done: &mut [bool]) -> u64 {
        let i = tree as usize;
        if done.get(i).copied().unwrap_or(true) {
            return memo.get(i).copied().unwrap_or(0);
        }
        let mut bits = 0u64;
        let mut subtrees = 0u64;
        self.trees.each_child(
            tree,
            |c| subtrees |= self.reach_word(c, slot, memo, done),
            |c| {
                if let Some(&b) = slot.get(c as usize)
                    && b != u8::MAX
                {
                    bits |= 1 << b;
                }
            },
        );
        bits |= subtrees;
        memo[i] = bits;
        done[i] = true;
        bits
    }

    /// Each commit's children (by index), for walking forward from a commit.
    pub(super) fn children(&self) -> Vec<Vec<usize>> {
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); self.commits.len()];
        for (i, c) in self.commits.iter().enumerate() {
            for p in &c.parents {
                if let Some(&pi) = self.index.get(p) {
                    children[pi].push(i);
                }
            }
        }
        children
    }

    /// Which commits descend from (or are) commit `from`, indexed by commit.
    pub(super) fn descendants(children: &[Vec<usize>], from: usize) -> Vec<bool> {
        let mut seen = vec![false; children.len()];
        seen[from] = true;
        let mut queue = vec![from];
        while let Some(i) = queue.pop() {
            for &ch in &children[i] {
                if !seen[ch] {
                    seen[ch] = true;
                    queue.push(ch);
                }
            }
        }
        seen
    }
}

/// Every ref's target, peeled: (name, object id). HEAD included; a broken ref is a warning.
pub(super) fn tips(repo: &gix::Repository) -> Result<Vec<(String, ObjectId)>> {
    let mut out = Vec::new();
    let platform = repo.references().context("cannot read refs")?;
    for r in platform.all().context("cannot read refs")? {
        let mut r = match r {
            Ok(r) => r,
            Err(e) => {
                crate::messages::warn(format!("unreadable ref: {e}"));
                continue;
            }
        };
        let name = r.name().as_bstr().to_string();
        match r.peel_to_id() {
            Ok(id) => out.push((name, id.detach())),
            Err(e) => crate::messages::warn(format!("ref {name}: cannot resolve: {e}")),
        }
    }
    if let Ok(id) = repo.head_id() {
        out.push(("HEAD".to_string(), id.detach()));
    }
    Ok(out)
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
