//! UTF-16 text with a byte-order mark (Windows editors and PowerShell write it): transcoded to
//! UTF-8, replacing the original, whose NUL bytes would otherwise make it look binary.

use super::{Codec, Decoded};

pub struct Utf16;

impl Codec for Utf16 {
    fn name(&self) -> &'static str {
        "utf-16"
    }

    fn decode(&self, data: &[u8]) -> Vec<Decoded> {
        // A BOM alone is weak evidence (Latin-1 text can start with ÿþ); ASCII in UTF-16
        // always carries NUL bytes, and so does any key we look for.
        let be = match data {
            [0xFF, 0xFE, ..] => false,
            [0xFE, 0xFF, ..] => true,
            _ => return Vec::new(),
        };
        if memchr::memchr(0, data).is_none() {
            return Vec::new();
        }
        let units = data[2..].chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        let text: String = char::decode_utf16(units)
            .map(|r| r.unwrap_or('\u{FFFD}'))
            .collect();
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
}
