//! UTF-16 and UTF-32 text (Windows editors and PowerShell write UTF-16), with a byte-order
//! mark or without one: transcoded to UTF-8, replacing the original, whose NUL bytes would
//! otherwise make it look binary. Without a mark, the NUL bytes' places tell: ASCII in UTF-16LE
//! has a NUL at nearly every odd offset and almost none at even ones.

use super::{Codec, Decoded};

pub struct Utf16;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Form {
    Utf16 { be: bool },
    Utf32 { be: bool },
}

/// The form of `data`, from its byte-order mark or else from where its NUL bytes fall (the
/// first 4 KiB; at least 8 characters' worth, nearly every character ASCII or Latin).
fn sniff(data: &[u8]) -> Option<(Form, usize)> {
    match data {
        [0xFF, 0xFE, 0, 0, ..] => return Some((Form::Utf32 { be: false }, 4)),
        [0, 0, 0xFE, 0xFF, ..] => return Some((Form::Utf32 { be: true }, 4)),
        [0xFF, 0xFE, ..] => return Some((Form::Utf16 { be: false }, 2)),
        [0xFE, 0xFF, ..] => return Some((Form::Utf16 { be: true }, 2)),
        _ => {}
    }
    let head = &data[..data.len().min(4096) & !3];
    // Text without a NUL in its head is neither form (the usual case: every blob is asked).
    if head.len() < 16 || memchr::memchr(0, head).is_none() {
        return None;
    }
    // NUL bytes at each offset modulo 4.
    let mut nul = [0usize; 4];
    for (i, &b) in head.iter().enumerate() {
        if b == 0 {
            nul[i % 4] += 1;
        }
    }
    let per = head.len() / 4;
    let most = |n: usize| n * 20 >= per * 19;
    let few = |n: usize| n * 20 <= per;
    let form = if most(nul[1]) && most(nul[2]) && most(nul[3]) && few(nul[0]) {
        Form::Utf32 { be: false }
    } else if most(nul[0]) && most(nul[1]) && most(nul[2]) && few(nul[3]) {
        Form::Utf32 { be: true }
    } else if most(nul[1]) && most(nul[3]) && few(nul[0]) && few(nul[2]) {
        Form::Utf16 { be: false }
    } else if most(nul[0]) && most(nul[2]) && few(nul[1]) && few(nul[3]) {
        Form::Utf16 { be: true }
    } else {
        return None;
    };
    Some((form, 0))
}

impl Codec for Utf16 {
    fn name(&self) -> &'static str {
        "utf-16"
    }

    fn decode(&self, data: &[u8]) -> Vec<Decoded> {
        let Some((form, skip)) = sniff(data) else {
            return Vec::new();
        };
        // A BOM alone is weak evidence (Latin-1 text can start with ÿþ); ASCII in UTF-16 or
        // UTF-32 always carries NUL bytes, and so does any key we look for.
        if memchr::memchr(0, &data[skip..]).is_none() {
            return Vec::new();
        }
        let body = &data[skip..];
        let text: String = match form {
            Form::Utf16 { be } => {
                let units = body.chunks_exact(2).map(|c| {
                    if be {
                        u16::from_be_bytes([c[0], c[1]])
                    } else {
                        u16::from_le_bytes([c[0], c[1]])
                    }
                });
                char::decode_utf16(units)
                    .map(|r| r.unwrap_or('\u{FFFD}'))
                    .collect()
            }
            Form::Utf32 { be } => body
                .chunks_exact(4)
                .map(|c| {
                    let b = [c[0], c[1], c[2], c[3]];
                    let u = if be {
                        u32::from_be_bytes(b)
                    } else {
                        u32::from_le_bytes(b)
                    };
                    char::from_u32(u).unwrap_or('\u{FFFD}')
                })
                .collect(),
        };
        vec![Decoded {
            bytes: text.into_bytes(),
            at: None,
            path: None,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_bom_and_nul_is_decoded_latin1_is_not() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("k=v".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(Utf16.decode(&le)[0].bytes, b"k=v");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("k=v".encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect();
        assert_eq!(Utf16.decode(&be)[0].bytes, b"k=v");
        assert!(Utf16.decode(b"\xff\xfe not utf-16").is_empty());
        assert!(Utf16.decode(b"").is_empty());
    }

    #[test]
    fn utf16_and_utf32_without_a_mark_are_known_by_their_nul_bytes() {
        let text = "K=\"sk_live_FAKEFAKEFAKE\"\nsecond line\n";
        let le16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let le32: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        let be32: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        for data in [le16, be16, le32, be32] {
            assert_eq!(Utf16.decode(&data)[0].bytes, text.as_bytes());
        }
        // Binary with NUL bytes here and there is not text.
        let mut bin = vec![0u8; 64];
        bin.extend((0..=255u8).cycle().take(512));
        assert!(Utf16.decode(&bin).is_empty());
    }
}
