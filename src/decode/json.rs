//! JSON string escaping: `\/`, `\"`, `\\`, `\n`, `\uXXXX`. A line that holds an escaped JSON
//! document or an escaped slash (PHP's `json_encode`, a JSON value inside a JSON string) is
//! unescaped and scanned again, anchored at that line, so every rule reads the value as it
//! will be used: an AWS secret key or a URL with `\/` in it, a nested `\"token\": \"…\"`.

use super::{Codec, Decoded};

pub struct JsonEscape;

/// Lines longer than this (minified bundles) are not unescaped.
const MAX_LINE: usize = 1 << 20;

impl Codec for JsonEscape {
    fn name(&self) -> &'static str {
        "json-escape"
    }

    fn decode(&self, data: &[u8]) -> Vec<Decoded> {
        let mut out = Vec::new();
        let mut next_line = 0;
        for bs in memchr::memchr_iter(b'\\', data) {
            if bs < next_line {
                continue;
            }
            let escaped_json = match data.get(bs + 1) {
                Some(b'/') => true,
                // `\"name\":` or `\":\"`: an escaped JSON document, not a quote in prose.
                Some(b'"') => {
                    let rest = &data[bs + 2..data.len().min(bs + 6)];
                    rest.starts_with(b":") || rest.starts_with(b" :") || rest.starts_with(b": ")
                }
                _ => false,
            };
            if !escaped_json {
                continue;
            }
            let start = memchr::memrchr(b'\n', &data[..bs]).map_or(0, |p| p + 1);
            let end = memchr::memchr(b'\n', &data[bs..]).map_or(data.len(), |p| bs + p);
            next_line = end + 1;
            if end - start > MAX_LINE {
                continue;
            }
            out.push(Decoded {
                bytes: unescape(&data[start..end]),
                at: Some(start),
                path: None,
            });
        }
        out
    }
}

/// One level of JSON string escaping removed; anything that is not a valid escape is kept.
pub fn unescape(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if b != b'\\' || i + 1 == line.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let (put, used): (Option<char>, usize) = match line[i + 1] {
            b'/' => (Some('/'), 2),
            b'"' => (Some('"'), 2),
            b'\\' => (Some('\\'), 2),
            b'n' => (Some('\n'), 2),
            b'r' => (Some('\r'), 2),
            b't' => (Some('\t'), 2),
            b'u' => match line
                .get(i + 2..i + 6)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
            {
                Some(c) => (Some(c), 6),
                None => (None, 1),
            },
            _ => (None, 1),
        };
        match put {
            Some(c) => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            None => out.push(b),
        }
        i += used;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_lines_with_escaped_json_only() {
        let text =
            b"plain \"quoted\" line\n{\"cfg\": \"{\\\"key\\\": \\\"a\\/b\\\"}\"}\nsay \\\"hi\\\"\n";
        let got = JsonEscape.decode(text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].bytes, b"{\"cfg\": \"{\"key\": \"a/b\"}\"}");
        assert_eq!(got[0].at, Some(20));
    }

    #[test]
    fn unescape_keeps_what_is_not_an_escape() {
        assert_eq!(unescape(b"a\\qb\\u0041\\u00zz\\"), b"a\\qbA\\u00zz\\");
    }
}
