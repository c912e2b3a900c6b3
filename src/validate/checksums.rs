//! The arithmetic validators share: base62 (GitHub's and apikee's checksums), CRC-32 and
//! HMAC-SHA256.

use sha2::{Digest, Sha256};

pub(super) const BASE62: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub(super) fn base62_digit(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as u32),
        b'A'..=b'Z' => Some((c - b'A') as u32 + 10),
        b'a'..=b'z' => Some((c - b'a') as u32 + 36),
        _ => None,
    }
}

/// `n` in base62, left-padded with `0` to `width`.
pub fn base62_u32(mut n: u32, width: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("base62 is ASCII")
}

/// Big-endian bytes (minimal) of a base62 number; `None` on a non-base62 character.
pub fn base62_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut bytes: Vec<u8> = Vec::new(); // little-endian accumulator
    for &c in s {
        let mut carry = base62_digit(c)?;
        for b in bytes.iter_mut() {
            let v = (*b as u32) * 62 + carry;
            *b = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    bytes.reverse();
    Some(bytes)
}

/// Big-endian bytes in base62, left-padded with `0` to `width`.
pub fn base62_encode(be: &[u8], width: usize) -> String {
    let mut digits: Vec<u8> = Vec::new(); // little-endian base62 digits
    for &byte in be {
        let mut carry = byte as u32;
        for d in digits.iter_mut() {
            let v = (*d as u32) * 256 + carry;
            *d = (v % 62) as u8;
            carry = v / 62;
        }
        while carry > 0 {
            digits.push((carry % 62) as u8);
            carry /= 62;
        }
    }
    while digits.len() < width {
        digits.push(0);
    }
    digits
        .iter()
        .rev()
        .map(|&d| BASE62[d as usize] as char)
        .collect()
}

/// CRC-32 (IEEE 802.3, as zlib computes it).
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |x: u8| k.iter().map(|b| b ^ x).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}
