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
