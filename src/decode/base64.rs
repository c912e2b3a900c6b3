//! Base64 blocks inside text: a Kubernetes Secret's `data:` values, a kubeconfig's
//! `client-key-data`, a base64 PEM in an environment variable. A run of at least `MIN_RUN`
//! base64 characters that decodes to text is scanned as a block of its own, anchored at the
//! line where the encoded text starts. Runs that decode to binary (hashes, images, random
//! keys) are dropped after their first bytes.

use super::{Codec, CodecMemory, Decoded};
use crate::change::Change;

pub struct Base64;

/// The shortest run worth decoding: 24 bytes of text, less than any key we look for in base64.
const MIN_RUN: usize = 32;
/// Decoded text shorter than this cannot hold a key.
const MIN_TEXT: usize = 16;

const INVALID: u8 = 0xFF;

const fn table() -> [u8; 256] {
    let mut t = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
}

static VALUE: [u8; 256] = table();

fn is_b64(b: u8) -> bool {
    VALUE[b as usize] != INVALID
}

/// Decode standard base64 without padding (the run excludes `=`); trailing bits that do not
/// fill a byte are ignored.
pub fn decode_std(run: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(run.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in run {
        let v = VALUE[c as usize];
        if v == INVALID {
            return None;
        }
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Standard base64 with padding (HTTP Basic credentials, tests).
pub fn encode_std(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * k)) as usize & 63] as char);
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

/// Text a key could hang in: printable ASCII, whitespace and UTF-8, with at most 1 in 20 bytes
/// outside that.
pub fn looks_like_text(bytes: &[u8]) -> bool {
    let odd = bytes
        .iter()
        .filter(|&&b| {
            !(b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7F).contains(&b) || b >= 0x80)
        })
        .count();
    odd * 20 <= bytes.len() && std::str::from_utf8(bytes).is_ok()
}

fn judge(run: &[u8]) -> Option<Vec<u8>> {
    // Hex digests and decimal ids are base64 characters too; they never decode to text.
    if run.iter().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    // The first 64 characters decide cheaply before the whole run is decoded.
    let head = decode_std(&run[..run.len().min(64) & !3])?;
    if !looks_like_text(&head) {
        return None;
    }
    let text = decode_std(run)?;
    (text.len() >= MIN_TEXT && looks_like_text(&text)).then_some(text)
}

/// A maximal run of at least `MIN_RUN` base64 characters, and the text it decodes to when it
/// is a block worth scanning. Whether a run is one depends only on its bytes and the byte
/// either side, so a revision's runs away from what changed are the previous revision's.
#[derive(Debug, Clone)]
pub struct Run {
    start: usize,
    end: usize,
    text: Option<Vec<u8>>,
}

/// The runs of `data` that start in `first..=last`, appended to `out`, reading from `from`
/// (at most `first`), which must be where a run can start: 0, or just after a byte that is
/// not base64.
fn runs(data: &[u8], from: usize, (first, last): (usize, usize), out: &mut Vec<Run>) {
    let n = data.len();
    let mut i = from;
    // A run of MIN_RUN characters starting anywhere in [i, i + MIN_RUN) covers the probe
    // at i + MIN_RUN - 1; when the probe is not base64, skip past it. Text is full of
    // separators, so most probes skip MIN_RUN bytes at once.
    while i + MIN_RUN <= n && i <= last {
        let probe = i + MIN_RUN - 1;
        if !is_b64(data[probe]) {
            i = probe + 1;
            continue;
        }
        // Walk back from the probe. A non-base64 byte after `i` means the run holding the
        // probe starts there and is shorter than MIN_RUN so far: probe again MIN_RUN - 1
        // bytes after its start. Words in code are short, so this touches few bytes.
        let mut s = probe;
        while s > i && is_b64(data[s - 1]) {
            s -= 1;
        }
        if s > i {
            i = s;
            continue;
        }
        // data[i - 1] is not base64 (or i is 0): [i, probe] is a run of MIN_RUN; extend it.
        let mut e = probe + 1;
        while e < n && is_b64(data[e]) {
            e += 1;
        }
        // A run glued to a URL-safe base64 character or an escape is part of a larger
        // token (a key with `-` or `_`), not a base64 block.
        let glued = |b: u8| b == b'-' || b == b'_' || b == b'.' || b == b'%' || b == b'\\';
        let starts_clean = s == 0 || !glued(data[s - 1]);
        let ends_clean = e == n || !glued(data[e]);
        if s >= first {
            out.push(Run {
                start: s,
                end: e,
                text: (starts_clean && ends_clean)
                    .then(|| judge(&data[s..e]))
                    .flatten(),
            });
        }
        i = e + 1;
    }
}

/// The runs of `data`, given the previous revision's (`prev`) and how `data` differs from it.
/// A run is the previous revision's (moved) when it and the bytes either side of it (or the
/// file's end, for the first and last stretch) lie in one shared stretch: whether a run is a
/// block depends on nothing else. The others start in a gap or touch a stretch's edge; each
/// gap is read from the start of the run reaching into it (if any), and keeps the runs that
/// start after the previous gap's last and up to the next stretch's start.
fn runs_reusing(data: &[u8], prev: Option<(&[Run], &Change)>) -> Vec<Run> {
    let mut out = Vec::new();
    let Some((old, c)) = prev else {
        runs(data, 0, (0, usize::MAX), &mut out);
        return out;
    };
    let mut first = 0;
    for (k, s) in c.same.iter().enumerate() {
        let (old_lo, old_hi) = (s.old, s.old + s.len);
        let from = old.partition_point(|r| r.start < old_lo);
        for r in old[from..].iter().take_while(|r| r.start < old_hi) {
            let before = if r.start == 0 {
                c.is_first(k)
            } else {
                r.start > old_lo
            };
            let after = if r.end == c.old_len {
                c.is_last(k)
            } else {
                r.end < old_hi
            };
            if before && after {
                out.push(Run {
                    start: r.start - s.old + s.new,
                    end: r.end - s.old + s.new,
                    text: r.text.clone(),
                });
            }
        }
        let Some(next) = c.same.get(k + 1) else {
            break;
        };
        let mut at = s.new_end().min(data.len());
        while at > 0 && is_b64(data[at - 1]) {
            at -= 1;
        }
        runs(data, at, (first, next.new), &mut out);
        first = next.new + 1;
    }
    out.sort_unstable_by_key(|r| r.start);
    out
}

fn blocks(runs: &[Run]) -> Vec<Decoded> {
    runs.iter()
        .filter_map(|r| {
            Some(Decoded {
                bytes: r.text.clone()?,
                at: Some(r.start),
                path: None,
            })
        })
        .collect()
}

impl Codec for Base64 {
    fn name(&self) -> &'static str {
        "base64"
    }

    fn decode(&self, data: &[u8]) -> Vec<Decoded> {
        blocks(&runs_reusing(data, None))
    }

    fn decode_reusing(
        &self,
        data: &[u8],
        prev: Option<(&CodecMemory, &Change)>,
        next: &mut CodecMemory,
        _budget: &mut super::Budget,
    ) -> Vec<Decoded> {
        next.base64 = runs_reusing(data, prev.map(|(m, c)| (m.base64.as_slice(), c)));
        blocks(&next.base64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        encode_std(s.as_bytes())
    }

    #[test]
    fn decodes_a_text_block_and_anchors_it() {
        let text_in = "OPENAI_API_KEY=FAKE-value-for-a-base64-test";
        let text = format!("data:\n  env: {}\n", b64(text_in));
        let got = Base64.decode(text.as_bytes());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].bytes, text_in.as_bytes());
        assert_eq!(got[0].at, text.find(&b64(text_in)));
    }

    #[test]
    fn binary_hex_and_glued_runs_are_not_decoded() {
        let random = "wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzz9a8b7c6d5e4f3g2h1i0";
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let glued = format!("sk-proj-{}", b64("this is readable text but part of a key"));
        for s in [random, hex, glued.as_str()] {
            assert!(Base64.decode(s.as_bytes()).is_empty(), "{s}");
        }
    }

    #[test]
    fn short_runs_are_skipped() {
        assert!(Base64.decode(b64("short text").as_bytes()).is_empty());
    }

    #[test]
    fn an_unchanged_revision_reuses_every_run_once() {
        // A block at the very end: the common prefix reaches the end, and the run must come
        // once, from the prefix, not again from the (empty) gap after it.
        let data = format!(
            "FAKE test data\nkey: {}\nlast: {}",
            b64("a fake password: correct-horse-battery-staple"),
            b64("another fake value, long enough to count as text").trim_end_matches('=')
        );
        let fresh = runs_reusing(data.as_bytes(), None);
        assert_eq!(fresh.len(), 2);
        let change = Change::between(data.as_bytes(), data.as_bytes());
        let again = runs_reusing(data.as_bytes(), Some((&fresh, &change)));
        assert_eq!(format!("{fresh:?}"), format!("{again:?}"));
    }
}
