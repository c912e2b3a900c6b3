//! Little-endian base-128 numbers (7 bits a byte, high bit "more"): git's delta headers use
//! them, and the packed tree store writes its ids with them.

/// Append `v`.
pub fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The number at `*at`, moving `*at` past it; `None` when the data ends first or the number
/// does not fit in 64 bits.
pub fn get(data: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let b = *data.get(*at)?;
        *at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_and_refuses_what_does_not_fit() {
        for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut buf = Vec::new();
            super::put(&mut buf, v);
            let mut at = 0;
            assert_eq!(super::get(&buf, &mut at), Some(v));
            assert_eq!(at, buf.len());
        }
        assert_eq!(super::get(&[0x80; 11], &mut 0), None);
        assert_eq!(super::get(&[0x80], &mut 0), None);
    }
}
