//! The commit graph and the tree DAG of the part of a repository a scan covers: `trees.rs`
//! (interned ids, packed trees), `commits.rs` (the commit walk, refs), `walk.rs` (the tree
//! walk, every path of every blob), `reach.rs` (which commits hold a blob).

mod commits;
mod diff;
mod reach;
mod read;
mod trees;
mod walk;

pub(super) use commits::{decode_commit, tips, walk_commits};
use trees::Trees;

use std::collections::HashSet;

use gix::ObjectId;

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
}
