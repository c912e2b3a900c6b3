//! The scan pipeline: one parallel loop for every source. Per item: read (source) → decode
//! (bounded codecs) → match (content rules) and judge (file rules) → keep the most specific
//! finding at each place. Then, once: settle (`settle.rs`, with the source's `Facts`: other
//! paths, base versions, commit provenance) →
//! group (one finding per secret, every location). Counters and messages live here, so a
//! source never prints and never counts.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use anyhow::Result;
use rayon::prelude::*;

use crate::decode::{self, Limits};
use crate::finding::Finding;
use crate::matcher::{LastScan, Matcher, Suppression};
use crate::messages;
use crate::source::{Earlier, Read, Skip, Source, Stage};

mod findings;
mod group;
mod settle;

pub use group::group;

/// The counters a report shows: the JSON summary serialises this type (its schema documents
/// each field) and the text summary words it (`Counts::worded`), so both say the same.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Counts {
    pub files: usize,
    pub bytes: u64,
    pub commits: usize,
    /// Binary files (a NUL byte in the first 8 KiB): searched only for provider key layouts in
    /// their printable runs.
    pub binary: usize,
    pub skipped_large: usize,
    /// Files a decode limit cut (an archive past its budget, repeating or overlapping members,
    /// encodings nested past the depth limit); each is named in a warning.
    pub not_fully_decoded: usize,
    pub unreadable: usize,
    /// Matches an inline marker or the config's allowlist suppressed.
    pub suppressed: usize,
    pub suppressed_inline: usize,
    pub suppressed_config: usize,
    /// Files (or blobs) the config's `allow.paths` kept out of the scan.
    pub excluded_paths: usize,
    /// Built-in rules the config switched off.
    pub rules_disabled: usize,
    pub baselined: usize,
    pub below_threshold: usize,
    /// Findings below `--min-confidence` (by default the `low` ones: generic values in tests,
    /// docs and examples, weak values), not reported.
    pub below_confidence: usize,
    /// Files in vendored dependency trees (`node_modules/`, `vendor/`, `site-packages/`…) a
    /// tree scan skipped (`--include-vendored` scans them).
    pub vendored: usize,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.files += o.files;
        self.bytes += o.bytes;
        self.commits += o.commits;
        self.binary += o.binary;
        self.skipped_large += o.skipped_large;
        self.not_fully_decoded += o.not_fully_decoded;
        self.unreadable += o.unreadable;
        self.suppressed += o.suppressed;
        self.suppressed_inline += o.suppressed_inline;
        self.suppressed_config += o.suppressed_config;
        self.excluded_paths += o.excluded_paths;
        self.vendored += o.vendored;
    }

    /// The text summary's words for the counters (files and bytes always, the others when not
    /// zero); `bytes` is how to show a byte count.
    pub fn worded(&self, bytes: impl Fn(u64) -> String) -> Vec<String> {
        let mut parts = vec![format!("{} file(s)", self.files), bytes(self.bytes)];
        let mut some = |n: usize, words: &str| {
            if n > 0 {
                parts.push(format!("{n} {words}"));
            }
        };
        some(self.commits, "commit(s)");
        some(
            self.binary,
            "binary (searched for provider key layouts only)",
        );
        some(self.skipped_large, "skipped as too large");
        some(
            self.not_fully_decoded,
            "not decoded in full (archive or nesting limits)",
        );
        some(self.unreadable, "unreadable");
        some(self.suppressed, "suppressed inline or by config");
        some(self.baselined, "in baseline");
        some(self.below_threshold, "below --fail-on");
        some(self.below_confidence, "below --min-confidence");
        some(self.vendored, "vendored file(s) skipped");
        parts
    }
}

/// What a scan counted: the report's `Counts`, and what only `--stats` and the exit code use.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub counts: Counts,
    /// Git blobs built from the bytes of their delta base, read before them (`--stats`).
    pub built_from_base: usize,
    /// Git objects that were missing or corrupt; a scan with any is never a clean exit 0.
    pub git_errors: usize,
    pub elapsed: Duration,
    /// Where the time went, in order (`--stats`).
    pub stages: Vec<Stage>,
    /// The repository has no commit yet (see `Source::no_commit_yet`).
    pub no_commit_yet: bool,
}

impl Stats {
    pub fn add(&mut self, other: &Stats) {
        self.counts.add(&other.counts);
        self.git_errors += other.git_errors;
        self.built_from_base += other.built_from_base;
        self.no_commit_yet |= other.no_commit_yet;
        self.stages.extend(other.stages.iter().cloned());
    }
}

/// What a scan produced: grouped findings (before baseline and threshold), the places an
/// inline marker allowed, and counters.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub inline_allowed: Vec<Finding>,
    pub stats: Stats,
}

/// Settings of the pipeline itself (the matcher carries the rules and allowlists).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Compute GitHub's line hash for each location (SARIF output).
    pub line_hashes: bool,
    /// Show a progress line (stderr is a terminal and `--quiet` is off).
    pub progress: bool,
    pub decode: Limits,
}

/// Scan every item of `source` in parallel, settle and group.
pub fn run<S: Source>(source: &S, matcher: &Matcher, opts: &Options) -> Result<Outcome> {
    let started = Instant::now();
    decode::reset_scan_budget(decode::SCAN_BYTES);
    let progress = Progress {
        label: source.progress_label().filter(|_| opts.progress),
        total: source.items().len(),
        done: AtomicUsize::new(0),
        bytes: AtomicU64::new(0),
        started,
    };
    // Results are reduced as they come (a list per item would hold 58,000 empty results
    // for a history like cargo's).
    // What each thread remembers, and its reader, outlive rayon's pieces of work (a piece may
    // start with a delta whose base the thread read at the end of its previous piece; a reader
    // maps the packs, too dear to do for every piece).
    let memos: Vec<std::sync::Mutex<(ThreadMemory, Option<S::Reader>)>> = (0
        ..rayon::current_num_threads())
        .map(|_| std::sync::Mutex::new((ThreadMemory::default(), None)))
        .collect();
    let (found, mut stats) = source
        .items()
        .par_iter()
        // rayon cuts the items into a few long pieces and a thread can take only a piece not
        // yet started, so one thread often finished a long last piece alone (on cargo's history
        // 5 to 105 ms after the other). With pieces of at most PIECE items the threads end
        // within a millisecond; a piece another thread takes starts with a delta whose base it
        // rebuilds (cargo's history: 54,770 blobs built from their base instead of 54,792).
        .with_max_len(PIECE)
        .map(|item| {
            // A thread that lends itself to other work inside an item finds its memos in
            // use: that item goes without.
            let mut mine = rayon::current_thread_index()
                .and_then(|i| memos.get(i))
                .and_then(|m| m.try_lock().ok());
            let mut spare = None;
            let (memos, reader) = match mine.as_deref_mut() {
                Some(slot) => slot,
                None => spare.insert((ThreadMemory::default(), None)),
            };
            let reader = reader.get_or_insert_with(|| source.reader());
            let read = source.read_after(reader, item, memos);
            let out = scan_item(read, matcher, opts, memos);
            progress.tick(out.1.counts.bytes);
            out
        })
        .reduce(
            || (Vec::new(), Stats::default()),
            |(mut fa, mut sa), (fb, sb)| {
                sa.add(&sb);
                fa.extend(fb);
                (fa, sa)
            },
        );
    stats.stages = source.stages();
    stats.stages.push(Stage {
        name: "scan: read, decode, match",
        time: started.elapsed(),
        detail: format!(
            "{} item(s), {:.1} MiB, {} candidate finding(s){}",
            source.items().len(),
            stats.counts.bytes as f64 / 1048576.0,
            found.len(),
            match stats.built_from_base {
                0 => String::new(),
                n => format!(", {n} blob(s) built from their delta base"),
            }
        ),
    });
    let settle_start = Instant::now();
    let (allowed, settled): (Vec<Finding>, Vec<Finding>) = settle::settle(found, source.facts())
        .into_iter()
        .partition(|f| f.inline_allowed);
    stats.stages.push(Stage {
        name: "settle: base versions, provenance",
        time: settle_start.elapsed(),
        detail: String::new(),
    });
    stats.counts.commits = source.commits();
    stats.counts.excluded_paths = source.excluded();
    stats.no_commit_yet = source.no_commit_yet();
    stats.counts.vendored = source.vendored();
    let findings = group(settled);
    let inline_allowed = group(allowed);
    stats.elapsed = started.elapsed();
    Ok(Outcome {
        findings,
        inline_allowed,
        stats,
    })
}

/// What one thread remembers of what it scanned: the last file, and blobs that deltas read
/// later are built from (git history reads along delta trees).
#[derive(Default)]
pub(crate) struct ThreadMemory {
    last: LastScan,
    /// Blobs that two or more deltas are built from (`Revision::shared`), oldest first.
    kept: std::collections::VecDeque<LastScan>,
    /// What the rules say of the path last scanned.
    paths: crate::rules::PathRules,
}

/// At most this many items in one piece of a scan's work.
const PIECE: usize = 64;

/// At most this many bytes of kept blobs per thread (the oldest goes first).
const KEPT_BYTES: usize = 2 << 20;

impl ThreadMemory {
    /// Make the blob with `key` the last one, if it is kept.
    fn recall(&mut self, key: u32) {
        if self.last.key() != Some(key)
            && let Some(m) = self.kept.iter().rev().find(|m| m.key() == Some(key))
        {
            self.last = m.clone();
        }
    }

    fn keep(&mut self) {
        let mut total: usize = self.last.bytes().len();
        self.kept.retain(|m| m.key() != self.last.key());
        for m in self.kept.iter().rev() {
            total += m.bytes().len();
        }
        while total > KEPT_BYTES
            && let Some(m) = self.kept.pop_front()
        {
            total -= m.bytes().len();
        }
        if self.last.bytes().len() <= KEPT_BYTES {
            self.kept.push_back(self.last.clone());
        }
    }
}

impl Earlier for ThreadMemory {
    fn bytes(&self, key: u32) -> Option<&[u8]> {
        if self.last.key() == Some(key) {
            return Some(self.last.bytes());
        }
        self.kept
            .iter()
            .rev()
            .find(|m| m.key() == Some(key))
            .map(|m| m.bytes())
    }
}

/// One item: its findings (most specific at each place) and counters. `memos` is what the
/// thread remembers of the items it scanned before.
pub(crate) fn scan_item(
    read: Read,
    matcher: &Matcher,
    opts: &Options,
    memos: &mut ThreadMemory,
) -> (Vec<Finding>, Stats) {
    let mut stats = Stats::default();
    let (chunk, meta, content, mut revision) = match read {
        Read::Chunk {
            chunk,
            meta,
            content,
            revision,
        } => (chunk, meta, content, revision),
        Read::Skip(skip) => {
            match skip {
                Skip::NotRegular => {}
                Skip::TooLarge(msg) => {
                    stats.counts.skipped_large = 1;
                    messages::note(msg);
                }
                Skip::Unreadable(msg) => {
                    stats.counts.unreadable = 1;
                    messages::warn(msg);
                }
                Skip::Corrupt(msg) => {
                    stats.counts.unreadable = 1;
                    stats.git_errors = 1;
                    messages::warn(msg);
                }
            }
            return (Vec::new(), stats);
        }
    };
    let mut found = match &meta {
        Some(m) => crate::hygiene::check_file_rules(
            memos.paths.at(&m.rel).file_rules(matcher.rules()),
            m,
            &chunk.path,
            Some(&chunk.bytes),
            &chunk.provenance,
        ),
        None => Vec::new(),
    };
    if content {
        stats.counts.files = 1;
        stats.counts.bytes = chunk.bytes.len() as u64;
        // How this revision differs from an earlier one: the decoders and the matcher both
        // reuse what lies outside the change. A blob built from its delta base knows exactly
        // (the base may be another file); otherwise it is compared with the thread's previous
        // one of the same file.
        let from = revision.as_mut().and_then(|r| r.from.take());
        stats.built_from_base = usize::from(from.is_some());
        let change = match from {
            Some((base, change)) => {
                memos.recall(base);
                (memos.last.key() == Some(base)).then_some(change)
            }
            None => memos.last.change(&chunk.path, &chunk.bytes),
        };
        let memo = &mut memos.last;
        let path = chunk.path.clone();
        let (chunks, mut decoded, cut) = decode::expand_reusing(
            chunk,
            opts.decode,
            change.as_ref().map(|c| (memo.decoded(), c)),
        );
        if let Some(cut) = cut {
            stats.counts.not_fully_decoded = 1;
            messages::note(format!("{path}: not decoded in full: {cut}"));
        }
        for c in chunks {
            if is_binary(&c.bytes) {
                // A NUL byte must not hide a key: the printable runs are searched for the
                // provider layouts that stand on their own.
                stats.counts.binary = 1;
                let c = crate::chunk::Chunk {
                    bytes: printable(c.bytes),
                    ..c
                };
                let matches = matcher.scan_binary(&c.path, &c.bytes);
                found.extend(findings::build(matcher, &c, &matches, opts.line_hashes));
                continue;
            }
            // Only what a source read is remembered: decoded chunks are small and many.
            let top = !matches!(c.provenance, crate::chunk::Provenance::Decoded { .. });
            let matches = if top {
                matcher.scan_reusing(&c.path, &c.bytes, change.as_ref(), memo, &mut memos.paths)
            } else {
                matcher.scan(&c.path, &c.bytes)
            };
            for m in &matches {
                match m.suppressed {
                    Some(Suppression::Inline) => stats.counts.suppressed_inline += 1,
                    Some(Suppression::Config) => stats.counts.suppressed_config += 1,
                    None => {}
                }
            }
            stats.counts.suppressed =
                stats.counts.suppressed_inline + stats.counts.suppressed_config;
            found.extend(findings::build(matcher, &c, &matches, opts.line_hashes));
            if top {
                memo.remember(
                    c.bytes,
                    std::mem::take(&mut decoded),
                    revision.as_ref().map(|r| r.key),
                );
            }
        }
        if let Some(r) = &revision
            && r.shared
            && memos.last.key() == Some(r.key)
        {
            memos.keep();
        }
    }
    group::drop_decoded_duplicates(&mut found);
    group::keep_most_specific(&mut found);
    (found, stats)
}

/// Binary content: a NUL byte in the first 8 KiB (after decoding, so UTF-16 text is not).
pub fn is_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(8192)]).is_some()
}

/// A binary file's printable runs, as `strings` shows them: every byte that is not printable
/// ASCII, a tab or a line break becomes a space, so offsets and line numbers stay the file's.
fn printable(mut data: Vec<u8>) -> Vec<u8> {
    for b in &mut data {
        if !(b.is_ascii_graphic() || matches!(*b, b' ' | b'\t' | b'\n' | b'\r')) {
            *b = b' ';
        }
    }
    data
}

/// A progress line on stderr, redrawn in place; silent without a label.
struct Progress {
    label: Option<String>,
    total: usize,
    done: AtomicUsize,
    bytes: AtomicU64,
    started: Instant,
}

impl Progress {
    fn tick(&self, bytes: u64) {
        let Some(label) = &self.label else { return };
        let done = self.done.fetch_add(1, Relaxed) + 1;
        let bytes = self.bytes.fetch_add(bytes, Relaxed) + bytes;
        if done.is_multiple_of(256) || done == self.total {
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            let mib = bytes as f64 / 1048576.0;
            eprint!(
                "\r\x1b[2Kkeywarden: {label}, {done}/{} blobs scanned, {mib:.1} MiB ({:.0} MiB/s)",
                self.total,
                mib / secs
            );
            if done == self.total {
                eprintln!();
            }
        }
    }
}
