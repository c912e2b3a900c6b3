//! Compressed containers found in a tree or a blob: a gzip file (`backup.sql.gz`, `.env.gz`)
//! and the members of a zip archive (a `.zip`, `.jar`, `.whl`, an Office document). Each
//! member is a block of its own named `archive.zip!member/path`. Every byte inflated is taken
//! from the decode budget as it comes, members that repeat or overlap another are read once,
//! and what a limit cuts is recorded in the budget, so a zip bomb stops early and says so.

use std::io::Read;

use super::{Budget, Codec, Decoded};

/// Members at most per archive; the rest are counted as cut.
pub(super) const MAX_MEMBERS: usize = 10_000;

/// Inflate `reader` into a vector, at most `budget.allowance()` bytes; a stream with more is
/// cut there and named (`what`). Memory never exceeds the allowance, whatever a header claims.
fn inflate(reader: impl Read, budget: &mut Budget, what: &str) -> Vec<u8> {
    let allowed = budget.allowance();
    let mut out = Vec::new();
    // A truncated or corrupt stream still yields what decompressed before the damage.
    let _ = reader.take(allowed as u64 + 1).read_to_end(&mut out);
    if out.len() > allowed {
        out.truncate(allowed);
        budget.over_budget.push(what.to_string());
    }
    budget.spend(out.len());
    out
}

pub struct Gzip;

impl Codec for Gzip {
    fn name(&self) -> &'static str {
        "gzip"
    }

    fn decode(&self, data: &[u8]) -> Vec<Decoded> {
        self.decode_within(data, &mut Budget::new(super::Limits::default().max_bytes))
    }

    fn decode_within(&self, data: &[u8], budget: &mut Budget) -> Vec<Decoded> {
        if !data.starts_with(&[0x1f, 0x8b, 0x08]) {
            return Vec::new();
        }
        let out = inflate(flate2::read::MultiGzDecoder::new(data), budget, "gzip");
        if out.is_empty() {
            return Vec::new();
        }
        vec![Decoded {
            bytes: out,
            at: None,
            path: None,
        }]
    }

    fn spends(&self) -> bool {
        true
    }
}

pub struct Zip;

fn u16_at(d: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(d: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// Each member's name and bytes, read through the central directory (local headers may leave
/// sizes to a trailing descriptor). A member whose compressed bytes repeat or overlap another's
/// is read once (a zip bomb points thousands of entries at one member), and every member
/// inflates from the budget, so memory is bounded whatever the directory claims.
fn members(data: &[u8], budget: &mut Budget) -> Option<Vec<(String, Vec<u8>)>> {
    // End of central directory: the last `PK\x05\x06` within 64 KiB + 22 bytes of the end.
    let from = data.len().saturating_sub(65_557);
    let eocd = from + memchr::memmem::rfind(&data[from..], b"PK\x05\x06")?;
    let entries = u16_at(data, eocd + 10)?;
    let mut at = u32_at(data, eocd + 16)?;
    let mut out = Vec::new();
    // Compressed ranges already read, kept sorted by start.
    let mut read: Vec<(usize, usize)> = Vec::new();
    budget.too_many += entries.saturating_sub(MAX_MEMBERS);
    for _ in 0..entries.min(MAX_MEMBERS) {
        if data.get(at..at + 4)? != b"PK\x01\x02" {
            break;
        }
        let method = u16_at(data, at + 10)?;
        let csize = u32_at(data, at + 20)?;
        let name_len = u16_at(data, at + 28)?;
        let extra_len = u16_at(data, at + 30)?;
        let comment_len = u16_at(data, at + 32)?;
        let local = u32_at(data, at + 42)?;
        let name = String::from_utf8_lossy(data.get(at + 46..at + 46 + name_len)?).into_owned();
        at += 46 + name_len + extra_len + comment_len;
        if name.ends_with('/') || data.get(local..local + 4) != Some(b"PK\x03\x04".as_slice()) {
            continue;
        }
        let start = local + 30 + u16_at(data, local + 26)? + u16_at(data, local + 28)?;
        let end = start.saturating_add(csize).min(data.len());
        let Some(raw) = data.get(start..end) else {
            continue;
        };
        let span = (local, end.max(local + 30));
        let i = read.partition_point(|r| r.0 < span.0);
        let overlaps = read.get(i).is_some_and(|r| r.0 < span.1)
            || i.checked_sub(1).is_some_and(|j| read[j].1 > span.0);
        if overlaps {
            budget.overlapping += 1;
            continue;
        }
        read.insert(i, span);
        let bytes = match method {
            0 => inflate(raw, budget, &name),
            8 => inflate(flate2::read::DeflateDecoder::new(raw), budget, &name),
            _ => continue,
        };
        out.push((name, bytes));
    }
    Some(out)
}

impl Codec for Zip {
    fn name(&self) -> &'static str {
        "zip"
    }

    fn decode(&self, data: &[u8]) -> Vec<Decoded> {
        self.decode_within(data, &mut Budget::new(super::Limits::default().max_bytes))
    }

    fn decode_within(&self, data: &[u8], budget: &mut Budget) -> Vec<Decoded> {
        if !data.starts_with(b"PK\x03\x04") {
            return Vec::new();
        }
        members(data, budget)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, bytes)| !bytes.is_empty())
            .map(|(name, bytes)| Decoded {
                bytes,
                at: None,
                path: Some(name),
            })
            .collect()
    }

    fn spends(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_text_is_decompressed() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"TOKEN=FAKE\n").unwrap();
        let gz = enc.finish().unwrap();
        let got = Gzip.decode(&gz);
        assert_eq!(got[0].bytes, b"TOKEN=FAKE\n");
        assert!(Gzip.decode(b"not gzip").is_empty());
    }

    #[test]
    fn truncated_and_garbage_zips_give_nothing_and_do_not_panic() {
        assert!(Zip.decode(b"PK\x03\x04garbage").is_empty());
        let mut d = b"PK\x03\x04".to_vec();
        d.extend_from_slice(&[0xFF; 64]);
        d.extend_from_slice(b"PK\x05\x06");
        d.extend_from_slice(&[0xFF; 18]);
        assert!(Zip.decode(&d).is_empty());
    }

    /// A zip whose central directory lists `entries` entries, all pointing at one stored member.
    fn bomb(member: &[u8], entries: usize) -> Vec<u8> {
        let mut d = b"PK\x03\x04".to_vec();
        d.extend_from_slice(&[0u8; 22]);
        d.extend_from_slice(&1u16.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d.push(b'a');
        d.extend_from_slice(member);
        let cd = d.len();
        for i in 0..entries {
            let name = format!("m{i}");
            d.extend_from_slice(b"PK\x01\x02");
            d.extend_from_slice(&[0u8; 6]);
            d.extend_from_slice(&0u16.to_le_bytes()); // stored
            d.extend_from_slice(&[0u8; 8]);
            d.extend_from_slice(&(member.len() as u32).to_le_bytes());
            d.extend_from_slice(&(member.len() as u32).to_le_bytes());
            d.extend_from_slice(&(name.len() as u16).to_le_bytes());
            d.extend_from_slice(&[0u8; 12]);
            d.extend_from_slice(&0u32.to_le_bytes()); // local header at 0
            d.extend_from_slice(name.as_bytes());
        }
        let cd_len = d.len() - cd;
        d.extend_from_slice(b"PK\x05\x06");
        d.extend_from_slice(&[0u8; 6]);
        d.extend_from_slice(&(entries as u16).to_le_bytes());
        d.extend_from_slice(&(cd_len as u32).to_le_bytes());
        d.extend_from_slice(&(cd as u32).to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d
    }

    #[test]
    fn entries_pointing_at_one_member_are_read_once_and_counted() {
        let zip = bomb(b"TOKEN=FAKE\n", 2000);
        let mut budget = Budget::new(1 << 20);
        let got = Zip.decode_within(&zip, &mut budget);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path.as_deref(), Some("m0"));
        assert_eq!(budget.overlapping, 1999);
        assert!(
            budget
                .cut()
                .unwrap()
                .contains("1999 archive member(s) repeating")
        );
    }

    #[test]
    fn a_member_past_the_budget_is_cut_there_and_named() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&vec![b'x'; 5 << 20]).unwrap();
        let gz = enc.finish().unwrap();
        let mut budget = Budget::new(1 << 20);
        let got = Gzip.decode_within(&gz, &mut budget);
        assert_eq!(got[0].bytes.len(), 1 << 20);
        assert_eq!(budget.left, 0);
        assert_eq!(budget.over_budget, vec!["gzip".to_string()]);
    }

    proptest::proptest! {
        /// Arbitrary central directories (sizes, offsets, counts) and streams: decoding never
        /// panics and never produces more than the budget.
        #[test]
        fn hostile_archives_stay_within_the_budget(
            member in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
            entries in 0usize..300,
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
            budget in 0usize..4096,
        ) {
            let mut zip = bomb(&member, entries);
            zip.extend_from_slice(&tail);
            for data in [zip, [b"PK\x03\x04".as_slice(), &noise].concat(), [[0x1f, 0x8b, 0x08].as_slice(), &noise].concat()] {
                for codec in [&Zip as &dyn Codec, &Gzip] {
                    let mut b = Budget::new(budget);
                    let out = codec.decode_within(&data, &mut b);
                    let total: usize = out.iter().map(|d| d.bytes.len()).sum();
                    proptest::prop_assert!(total <= budget);
                    proptest::prop_assert_eq!(b.left, budget - total);
                }
            }
        }
    }
}
