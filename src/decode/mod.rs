//! Decoders: bounded `Chunk → Chunk` stages between a source and the matcher. A codec looks at
//! a chunk's bytes and returns what it decoded: either a replacement for the whole chunk (UTF-16
//! text becomes UTF-8) or blocks found inside it (a base64 value, an archive member), each
//! scanned as a chunk of its own whose provenance names the parent and the codec. Depth and a
//! byte budget bound the work, so a zip of zips cannot run away.
//!
//! Adding a codec is one file in this folder plus one line in `CODECS`.

use crate::change::Change;
use crate::chunk::{Chunk, LineCounter, Provenance};

mod archive;
mod base64;
mod json;
mod utf16;

pub use self::base64::{decode_std as base64_decode, encode_std as base64_encode, looks_like_text};

/// Every codec, tried in this order on every chunk.
const CODECS: &[&dyn Codec] = &[
    &utf16::Utf16,
    &archive::Gzip,
    &archive::Zip,
    &base64::Base64,
    &json::JsonEscape,
];

/// What one codec decoded from one chunk.
pub struct Decoded {
    pub bytes: Vec<u8>,
    /// Byte offset in the parent where the encoded text starts; `None` when the whole parent
    /// was transcoded (then lines map one to one, and the parent is not scanned itself).
    pub at: Option<usize>,
    /// The block's own name, when it has one (an archive member): reports show
    /// `parent!name`.
    pub path: Option<String>,
}

/// A `Chunk → Chunk` transform.
pub trait Codec: Sync {
    /// The name findings show (`provenance: utf-16le in notes.txt`).
    fn name(&self) -> &'static str;
    /// What this codec can decode from `data`; empty when nothing.
    fn decode(&self, data: &[u8]) -> Vec<Decoded>;
    /// `decode` for a codec whose output can outgrow its input (a compressed archive): it
    /// takes what it produces from `budget` as it goes, and records there what it left out.
    /// Codecs whose output is no bigger than their input decode.
    fn decode_within(&self, data: &[u8], _budget: &mut Budget) -> Vec<Decoded> {
        self.decode(data)
    }
    /// True for a codec that spends the budget itself as it decodes (`decode_within`).
    fn spends(&self) -> bool {
        false
    }
    /// `decode_within` for a file's top-level chunk, given what this codec remembered of the
    /// previous revision (`prev`, and how `data` differs from it); what it remembers of `data`
    /// goes in `next`. The result must be exactly `decode`'s. A codec that remembers nothing
    /// decodes.
    fn decode_reusing(
        &self,
        data: &[u8],
        _prev: Option<(&CodecMemory, &Change)>,
        _next: &mut CodecMemory,
        budget: &mut Budget,
    ) -> Vec<Decoded> {
        self.decode_within(data, budget)
    }
}

/// What decoding one source chunk may still produce, and what it had to leave out. Nothing a
/// limit cuts is dropped silently: each cut is a phrase the scan warns with and counts.
#[derive(Debug, Default)]
pub struct Budget {
    /// Decoded bytes still allowed for this chunk.
    pub left: usize,
    /// Archive members left unread or read only in part because the budget ran out (names).
    pub over_budget: Vec<String>,
    /// Archive members that repeat or overlap another member's bytes (read once).
    pub overlapping: usize,
    /// Archive members past the most read from one archive.
    pub too_many: usize,
    /// Encoded blocks found nested deeper than the depth limit (not decoded).
    pub too_deep: usize,
}

impl Budget {
    pub fn new(bytes: usize) -> Budget {
        Budget {
            left: bytes,
            ..Budget::default()
        }
    }

    /// How much a codec may produce now: the chunk's budget, and what is left of the scan's.
    pub fn allowance(&self) -> usize {
        self.left
            .min(SCAN_LEFT.load(std::sync::atomic::Ordering::Relaxed) as usize)
    }

    /// Account for `n` decoded bytes.
    pub fn spend(&mut self, n: usize) {
        self.left = self.left.saturating_sub(n);
        let _ = SCAN_LEFT.fetch_update(
            std::sync::atomic::Ordering::Relaxed,
            std::sync::atomic::Ordering::Relaxed,
            |l| Some(l.saturating_sub(n as u64)),
        );
    }

    /// What was left out, in one phrase (`None` when nothing was).
    pub fn cut(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.over_budget.is_empty() {
            let mut names = self.over_budget.clone();
            names.dedup();
            let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
            parts.push(format!(
                "{} block(s) not read in full, past the decode budget ({}{})",
                self.over_budget.len(),
                shown.join(", "),
                if names.len() > 3 { ", …" } else { "" }
            ));
        }
        if self.overlapping > 0 {
            parts.push(format!(
                "{} archive member(s) repeating or overlapping another (read once)",
                self.overlapping
            ));
        }
        if self.too_many > 0 {
            parts.push(format!(
                "{} archive member(s) past the first {}",
                self.too_many,
                archive::MAX_MEMBERS
            ));
        }
        if self.too_deep > 0 {
            parts.push(format!(
                "{} encoded block(s) nested past the depth limit",
                self.too_deep
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Decoded bytes at most for a whole scan (archives of archives across a long history): past
/// it, what is left is not decoded, and each file says so.
pub const SCAN_BYTES: u64 = 8 << 30;

static SCAN_LEFT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(SCAN_BYTES);

/// Start a scan's budget afresh (once per scan, before any chunk is decoded).
pub fn reset_scan_budget(bytes: u64) {
    SCAN_LEFT.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// What the codecs remember of a file's previous revision (history reads a file's revisions
/// one after another): base64's runs, so only the changed bytes are looked at again.
#[derive(Debug, Default, Clone)]
pub struct CodecMemory {
    base64: Vec<base64::Run>,
}

/// How far decoding may go.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Codecs applied on top of each other at most.
    pub max_depth: usize,
    /// Decoded bytes at most, per source chunk.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 4,
            max_bytes: 64 << 20,
        }
    }
}

/// The chunks to match for one source chunk: the chunk itself (unless a codec replaced it) and
/// everything decoded from it, within the limits.
#[cfg(test)]
pub fn expand(chunk: Chunk, limits: Limits) -> Vec<Chunk> {
    expand_reusing(chunk, limits, None).0
}

/// What expanding one source chunk gave: the chunks to match, what the codecs remember of it,
/// and what the limits left out (one phrase, for a warning and a count).
pub type Expanded = (Vec<Chunk>, CodecMemory, Option<String>);

/// `expand`, reusing what the codecs remembered of the previous revision of the same file
/// (`prev`, with how this chunk differs from it), and returning what they remember of this one
/// and what the limits cut.
pub fn expand_reusing(
    chunk: Chunk,
    limits: Limits,
    prev: Option<(&CodecMemory, &Change)>,
) -> Expanded {
    let mut out = Vec::new();
    let mut budget = Budget::new(limits.max_bytes);
    let mut next = CodecMemory::default();
    expand_into(chunk, 0, limits, &mut budget, &mut out, (prev, &mut next));
    let cut = budget.cut();
    (out, next, cut)
}

fn expand_into(
    chunk: Chunk,
    depth: usize,
    limits: Limits,
    budget: &mut Budget,
    out: &mut Vec<Chunk>,
    (prev, next): (Option<(&CodecMemory, &Change)>, &mut CodecMemory),
) {
    if depth >= limits.max_depth {
        // Not decoded, but never silently: is there anything a codec would have read?
        let mut probe = Budget::new(0);
        if CODECS
            .iter()
            .any(|c| !c.decode_within(&chunk.bytes, &mut probe).is_empty())
            || probe.cut().is_some()
        {
            budget.too_deep += 1;
        }
        out.push(chunk);
        return;
    }
    let mut children = Vec::new();
    let mut replaced = false;
    for codec in CODECS {
        // One counter per codec: its blocks come in order, so lines are counted once.
        let mut lines = LineCounter::default();
        let decoded = if depth == 0 {
            codec.decode_reusing(&chunk.bytes, prev, next, budget)
        } else {
            codec.decode_within(&chunk.bytes, budget)
        };
        for d in decoded {
            // Archives spend as they inflate, from the file's and the scan's budget; a text
            // codec's output is no bigger than its input, so only the file's budget bounds it.
            if !codec.spends() {
                if d.bytes.len() > budget.left {
                    budget
                        .over_budget
                        .push(d.path.clone().unwrap_or_else(|| codec.name().to_string()));
                    continue;
                }
                budget.left -= d.bytes.len();
            }
            replaced |= d.at.is_none();
            let at = d.at.map(|offset| lines.locate(&chunk.bytes, offset));
            children.push(Chunk {
                bytes: d.bytes,
                path: match &d.path {
                    Some(member) => format!("{}!{member}", chunk.path),
                    None => chunk.path.clone(),
                },
                provenance: Provenance::Decoded {
                    codec: codec.name(),
                    parent: Box::new(chunk.provenance.clone()),
                    at,
                },
            });
        }
    }
    if !replaced {
        out.push(chunk);
    }
    for child in children {
        let mut unused = CodecMemory::default();
        expand_into(child, depth + 1, limits, budget, out, (None, &mut unused));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> Chunk {
        Chunk {
            bytes: bytes.to_vec(),
            path: "f.txt".into(),
            provenance: Provenance::File,
        }
    }

    #[test]
    fn plain_text_passes_through_alone() {
        let got = expand(file(b"k=v\n"), Limits::default());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].provenance, Provenance::File);
    }

    #[test]
    fn utf16_replaces_its_parent_and_names_the_codec() {
        let mut data = vec![0xFF, 0xFE];
        data.extend("k=v".encode_utf16().flat_map(|u| u.to_le_bytes()));
        let got = expand(file(&data), Limits::default());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].bytes, b"k=v");
        assert_eq!(got[0].provenance.codecs(), vec!["utf-16"]);
        assert_eq!(got[0].provenance.place(), crate::chunk::Place::Worktree);
    }

    #[test]
    fn the_budget_bounds_decoded_bytes() {
        let mut data = vec![0xFF, 0xFE];
        data.extend("k=v".encode_utf16().flat_map(|u| u.to_le_bytes()));
        let tight = Limits {
            max_depth: 4,
            max_bytes: 2,
        };
        let (got, _, cut) = expand_reusing(file(&data), tight, None);
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].provenance,
            Provenance::File,
            "over budget: not decoded"
        );
        assert!(cut.unwrap().contains("past the decode budget"));
    }
}
