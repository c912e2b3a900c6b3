//! Reachability: which commits hold which blobs, and which commits descend from which.

use std::collections::HashMap;

use gix::ObjectId;

use super::Graph;

impl Graph {
    /// For each commit, which of `targets` (blob id → bit) its tree reaches, as a bitset.
    /// Targets go 64 at a time. Trees are stored as changes against a base, so each tree's
    /// count of children reaching each target is its base's plus what it adds minus what it
    /// removes, taken in the order walks finished (a base and the subtrees come first); a
    /// tree reaches a target when that count is above zero.
    pub(in crate::source::git) fn commit_bits(
        &self,
        targets: &HashMap<ObjectId, usize>,
    ) -> Vec<Vec<u64>> {
        let words = targets.len().div_ceil(64).max(1);
        // Blobs are interned too, so size by every id.
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
                let bits = self.reach_word(&slot);
                self.commits
                    .iter()
                    .map(|c| {
                        self.trees
                            .objects
                            .get(&c.tree)
                            .map_or(0, |t| bits[t as usize])
                    })
                    .collect()
            })
            .collect();
        (0..self.commits.len())
            .map(|ci| columns.iter().map(|col| col[ci]).collect())
            .collect()
    }

    /// Per interned id, the targets of one word (`slot`: blob → bit) a tree reaches.
    fn reach_word(&self, slot: &[u8]) -> Vec<u64> {
        let n = slot.len();
        let mut bits = vec![0u64; n];
        // Per tree, how many children reach each bit, where any does (most trees: none).
        let mut counts: Vec<Vec<(u8, i64)>> = vec![Vec::new(); n];
        for &t in self.trees.finished() {
            let Some(changes) = self.trees.changes(t) else {
                continue;
            };
            let mut scratch = [0i64; 64];
            let mut any = false;
            if let Some(base) = changes.base.and_then(|b| counts.get(b as usize)) {
                for &(b, c) in base {
                    scratch[b as usize] = c;
                    any = true;
                }
            }
            changes.each(|c, is_tree, added| {
                let reach = if is_tree {
                    bits.get(c as usize).copied().unwrap_or(0)
                } else {
                    match slot.get(c as usize) {
                        Some(&b) if b != u8::MAX => 1 << b,
                        _ => 0,
                    }
                };
                let mut r = reach;
                while r != 0 {
                    let b = r.trailing_zeros() as usize;
                    scratch[b] += if added { 1 } else { -1 };
                    r &= r - 1;
                    any = true;
                }
            });
            if !any {
                continue;
            }
            let mut mask = 0u64;
            let mut mine = Vec::new();
            for (b, &c) in scratch.iter().enumerate() {
                if c > 0 {
                    mask |= 1 << b;
                    mine.push((b as u8, c));
                }
            }
            bits[t as usize] = mask;
            counts[t as usize] = mine;
        }
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
