//! Reachability: which commits hold which blobs, and which commits descend from which.

use std::collections::HashMap;

use gix::ObjectId;

use super::Graph;

impl Graph {
    /// For each commit, which of `targets` (blob id → bit) its tree reaches, as a bitset.
    /// Targets go 64 at a time: one word per tree and a flag, memoized in two flat lists
    /// indexed by interned id (a map of bitsets per tree cost cargo's history 7 MiB).
    pub(in crate::source::git) fn commit_bits(
        &self,
        targets: &HashMap<ObjectId, usize>,
    ) -> Vec<Vec<u64>> {
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
    pub(in crate::source::git) fn children(&self) -> Vec<Vec<usize>> {
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
    pub(in crate::source::git) fn descendants(children: &[Vec<usize>], from: usize) -> Vec<bool> {
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
