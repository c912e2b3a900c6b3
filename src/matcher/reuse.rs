//! Reuse of a previous revision's results: history lists the revisions of a file one after
//! another, so the next revision searches only what changed (`Matcher::scan_reusing`), and a
//! rule window whose bytes and lines are unchanged lends its matches (`Reuse`). The result is
//! exactly a fresh scan's (`proptests` checks it).

use super::{Change, Hit, LINE_CONTEXT, Match, Matcher, Window};

/// What a rule window of the previous revision can lend to this one.
pub(super) struct Reuse<'m> {
    change: &'m Change,
    windows: &'m [Window],
    raw: &'m [Match],
    /// Where the last lookup ended in `windows`: lookups come mostly in order (by rule, then
    /// place), so the next one gallops forward from here instead of a binary search over all.
    cursor: std::cell::Cell<usize>,
}

impl Reuse<'_> {
    /// The previous revision's matches for this window, and how far they move, when the
    /// window and the lines around it are unchanged (a match reads its line, at most
    /// `LINE_CONTEXT` bytes either side of the window).
    pub(super) fn lookup(&self, rule: usize, ws: usize, we: usize) -> Option<(&[Match], isize)> {
        let s = self.change.holding(ws, we, LINE_CONTEXT)?;
        let delta = s.new as isize - s.old as isize;
        let (old_start, old_end) = (
            ws.wrapping_add_signed(-delta),
            we.wrapping_add_signed(-delta),
        );
        let i = self.find((rule, old_start))?;
        let w = &self.windows[i];
        (w.end == old_end).then(|| (&self.raw[w.matches.clone()], delta))
    }

    /// The window of the previous revision with this rule and start (windows are sorted by
    /// both, and no two share them).
    fn find(&self, key: (usize, usize)) -> Option<usize> {
        let w = self.windows;
        let below = |x: &Window| (x.rule, x.start) < key;
        let c = self.cursor.get().min(w.len());
        let i = if c == w.len() || !below(&w[c]) {
            // At or before the cursor.
            w[..c].partition_point(below)
        } else {
            // After it: double the step until past `key`, then search that stretch.
            let (mut lo, mut step) = (c, 1);
            while lo + step < w.len() && below(&w[lo + step]) {
                lo += step;
                step *= 2;
            }
            let hi = (lo + step).min(w.len());
            lo + w[lo..hi].partition_point(below)
        };
        self.cursor.set(i);
        (i < w.len() && (w[i].rule, w[i].start) == key).then_some(i)
    }
}

/// The last file one thread scanned, its keyword hits and rule windows, so the next revision
/// of that file (history lists revisions of a path one after another) only searches what
/// changed. Cloning shares what was scanned.
#[derive(Debug, Default, Clone)]
pub struct LastScan {
    /// The source's key for the item whose bytes these are (git history: the blob).
    key: Option<u32>,
    scanned: std::sync::Arc<Scanned>,
    fresh: Option<Fresh>,
}

#[derive(Debug, Default)]
struct Scanned {
    path: String,
    bytes: Vec<u8>,
    /// What the decoders remembered of `bytes` (base64 runs).
    decoded: crate::decode::CodecMemory,
    hits: Vec<Hit>,
    /// Sorted by rule, then start.
    windows: Vec<Window>,
    raw: Vec<Match>,
}

/// What `scan_reusing` computed, kept once `remember` is given the bytes.
#[derive(Debug, Clone)]
pub(super) struct Fresh {
    path: String,
    hits: Vec<Hit>,
    windows: Vec<Window>,
    raw: Vec<Match>,
}

impl LastScan {
    /// How `data` differs from the remembered revision, when it is a revision of the same
    /// file; with `decoded()`, what `decode::expand_reusing` and `scan_reusing` reuse. (What
    /// is reused does not depend on the path: keyword hits and base64 runs are the bytes',
    /// and a rule's windows are looked up per rule, among the rules that admit the path. A
    /// source that knows exactly what two blobs share, such as a delta and its base, may
    /// give that change for blobs at different paths.)
    pub fn change(&self, path: &str, data: &[u8]) -> Option<Change> {
        let last = &self.scanned;
        (last.path == path && !last.bytes.is_empty()).then(|| Change::between(&last.bytes, data))
    }

    /// The source's key of the remembered item.
    pub fn key(&self) -> Option<u32> {
        self.key
    }

    /// The remembered revision's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.scanned.bytes
    }

    /// What the decoders remembered of the previous revision.
    pub fn decoded(&self) -> &crate::decode::CodecMemory {
        &self.scanned.decoded
    }

    /// Keep `bytes`, the data `scan_reusing` was just given, and what the decoders remembered
    /// of it, for the next revision; `key` is the source's key for the item, if any.
    pub fn remember(
        &mut self,
        bytes: Vec<u8>,
        decoded: crate::decode::CodecMemory,
        key: Option<u32>,
    ) {
        if let Some(f) = self.fresh.take() {
            self.key = key;
            self.scanned = std::sync::Arc::new(Scanned {
                path: f.path,
                bytes,
                decoded,
                hits: f.hits,
                windows: f.windows,
                raw: f.raw,
            });
        }
    }
}

impl Matcher<'_> {
    /// `scan`, but when `memo` holds the previous revision of the same file (`change`, from
    /// `LastScan::change`), only what changed is searched again: keyword hits inside the
    /// stretches the two revisions share are the previous revision's (a keyword never spans a
    /// change it does not touch), and so are the matches of a rule window whose bytes and
    /// surrounding lines lie in one stretch. The result is exactly `scan`'s. Call `LastScan::remember` with the same
    /// bytes afterwards.
    pub fn scan_reusing(
        &self,
        path: &str,
        data: &[u8],
        change: Option<&Change>,
        memo: &mut LastScan,
        paths: &mut crate::rules::PathRules,
    ) -> Vec<Match> {
        let hits = match change {
            Some(change) => self.search_changed(data, change, &memo.scanned.hits),
            None => self.search(data),
        };
        let reuse = change.map(|change| Reuse {
            cursor: std::cell::Cell::new(0),
            change,
            windows: &memo.scanned.windows,
            raw: &memo.scanned.raw,
        });
        let paths = paths.at(path);
        let (matches, windows, raw) = self.scan_hits(
            &mut |i, rule| paths.admits(i, rule),
            data,
            &hits,
            reuse.as_ref(),
        );
        memo.fresh = Some(Fresh {
            path: path.to_string(),
            hits,
            windows,
            raw,
        });
        matches
    }

    /// The hits of `data` given the hits of the earlier revision it differs from by `c`: a
    /// hit wholly inside a shared stretch is the earlier revision's (moved), the others are
    /// found by searching between the stretches (`search_gaps` reads as far around each gap as
    /// the longest keyword reaches, so a hit across two touching stretches is found too).
    fn search_changed(&self, data: &[u8], c: &Change, prev_hits: &[Hit]) -> Vec<Hit> {
        let mut hits: Vec<Hit> = Vec::with_capacity(prev_hits.len());
        for s in c.hit_stretches() {
            let old_end = s.old + s.len;
            let first = prev_hits.partition_point(|h| h.start < s.old);
            hits.extend(
                prev_hits[first..]
                    .iter()
                    .take_while(|h| h.start < old_end)
                    .filter(|h| h.end <= old_end)
                    .map(|h| Hit {
                        keyword: h.keyword,
                        start: h.start - s.old + s.new,
                        end: h.end - s.old + s.new,
                    }),
            );
        }
        self.search_gaps(data, c.hit_gaps(), &mut hits);
        hits.sort_unstable();
        // A hit found in the bytes searched around a gap may also lie in a stretch.
        hits.dedup();
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The galloping lookup finds what a binary search finds, whatever order keys come in.
    #[test]
    fn find_matches_a_binary_search_in_any_order() {
        let windows: Vec<Window> = (0..3)
            .flat_map(|rule| {
                (0..40).map(move |k| Window {
                    rule,
                    start: k * 7 + rule,
                    end: k * 7 + rule + 3,
                    matches: 0..0,
                })
            })
            .collect();
        let change = Change::between(b"", b"");
        let reuse = Reuse {
            change: &change,
            windows: &windows,
            raw: &[],
            cursor: std::cell::Cell::new(0),
        };
        let mut keys: Vec<(usize, usize)> =
            (0..3).flat_map(|r| (0..300).map(move |s| (r, s))).collect();
        // In order, then scrambled (a fixed permutation), then descending.
        let n = keys.len();
        let scrambled: Vec<_> = (0..n).map(|i| keys[(i * 7919) % n]).collect();
        let orders = [keys.clone(), scrambled, {
            keys.reverse();
            keys
        }];
        for keys in orders {
            for key in keys {
                let want = windows
                    .binary_search_by_key(&key, |w| (w.rule, w.start))
                    .ok();
                assert_eq!(reuse.find(key), want, "{key:?}");
            }
        }
    }
}
