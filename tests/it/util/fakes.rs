//! FAKE keys in the real shapes, generated at test time from a seed. None was ever issued by
//! a provider. Mirrors scripts/fake_keys.py.

pub const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub struct Fakes(u64);

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub fn b62(mut n: u32, width: usize) -> String {
    let mut v = Vec::new();
    while n > 0 {
        v.push(B62[(n % 62) as usize]);
        n /= 62;
    }
    while v.len() < width {
        v.push(b'0');
    }
    v.reverse();
    String::from_utf8(v).unwrap()
}

impl Fakes {
    pub fn new(seed: u64) -> Fakes {
        Fakes(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn s(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    pub fn openai_project(&mut self) -> String {
        format!(
            "sk-proj-{}T3BlbkFJ{}",
            self.s(URLSAFE, 74),
            self.s(URLSAFE, 74)
        )
    }

    pub fn anthropic(&mut self) -> String {
        format!("sk-ant-api03-{}AA", self.s(URLSAFE, 93))
    }

    pub fn stripe_live(&mut self) -> String {
        format!("sk_live_{}", self.s(ALNUM, 99))
    }

    pub fn github(&mut self) -> String {
        let body = self.s(B62, 30);
        let check = b62(crc32(body.as_bytes()), 6);
        format!("ghp_{body}{check}")
    }

    pub fn apikee_platform(&mut self) -> String {
        let body = self.s(B62, 42);
        let check = b62(crc32(body.as_bytes()), 6);
        format!("sk_live_{body}{check}")
    }

    pub fn aws_id(&mut self) -> String {
        format!("AKIA{}", self.s(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16))
    }
}

/// Big-endian bytes in base62 (no padding unless `width`).
pub fn b62_bytes(be: &[u8], width: usize) -> String {
    let mut digits: Vec<u8> = Vec::new();
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
        .map(|&d| B62[d as usize] as char)
        .collect()
}

pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key);
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// A FAKE apikee customer key with these claims, signed with `secret` (a made-up test secret).
pub fn apikee_customer(claims: &str, secret: &[u8]) -> String {
    let payload = b62_bytes(claims.as_bytes(), 0);
    let mac = hmac_sha256(secret, format!("apikee_{payload}").as_bytes());
    format!("apikee_{payload}.{}", b62_bytes(&mac, 43))
}
