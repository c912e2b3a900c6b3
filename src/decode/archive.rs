//! Compressed containers found in a tree or a blob: a gzip file (`backup.sql.gz`, `.env.gz`)
//! and the members of a zip archive (a `.zip`, `.jar`, `.whl`, an Office document). Each
//! member is a block of its own named `archive.zip!member/path`; sizes are bounded by the
//! decode budget and `MAX_MEMBER`, so a zip bomb stops early.

use std::io::Read;

use super::{Codec, Decoded};

/// Decompressed bytes at most per member (a config file, not a database dump).
const MAX_MEMBER: u64 = 16 << 20;
/// Members at most per archive.
const MAX_MEMBERS: usize = 10_000;

pub struct Gzip;

impl Codec for Gzip {
    fn name(&self) -> &'static str {
        "gzip"
    }

    fn decode(&self, data: &[u8]) -> Vec<Decoded> {
        if !data.starts_with(&[0x1f, 0x8b, 0x08]) {
            return Vec::new();
        }
        let mut out = Vec::new();
        // A truncated or corrupt stream still yields what decompressed before the damage.
        let _ = flate2::read::MultiGzDecoder::new(data)
            .take(MAX_MEMBER)
            .read_to_end(&mut out);
        if out.is_empty() {
            return Vec::new();
        }
        vec![Decoded {
            bytes: out,
            at: None,
            path: None,
        }]
    }
}

pub struct Zip;

fn u16_at(d: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(d: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// One member's name and bytes, read through the central directory (local headers may leave
/// sizes to a trailing descriptor).
fn members(data: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    // End of central directory: the last `PK\x05\x06` within 64 KiB + 22 bytes of the end.
    let from = data.len().saturating_sub(65_557);
    let eocd = from + memchr::memmem::rfind(&data[from..], b"PK\x05\x06")?;
    let entries = u16_at(data, eocd + 10)?;
    let mut at = u32_at(data, eocd + 16)?;
    let mut out = Vec::new();
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
        if name.ends_with('/') || data.get(local..local + 4)? != b"PK\x03\x04" {
            continue;
        }
        let start = local + 30 + u16_at(data, local + 26)? + u16_at(data, local + 28)?;
        let Some(raw) = data.get(start..start.saturating_add(csize)) else {
            continue;
        };
        let mut bytes = Vec::new();
        match method {
            0 => bytes.extend_from_slice(&raw[..raw.len().min(MAX_MEMBER as usize)]),
            8 => {
                let _ = flate2::read::DeflateDecoder::new(raw)
                    .take(MAX_MEMBER)
                    .read_to_end(&mut bytes);
            }
            _ => continue,
        }
        out.push((name, bytes));
    }
    Some(out)
}

impl Codec for Zip {
    fn name(&self) -> &'static str {
        "zip"
    }

    fn decode(&self, data: &[u8]) -> Vec<Decoded> {
        if !data.starts_with(b"PK\x03\x04") {
            return Vec::new();
        }
        members(data)
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
}
