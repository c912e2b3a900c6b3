//! GitHub code scanning's `primaryLocationLineHash`, so alerts follow a line when code moves.
//! A leaf: the pipeline computes it for SARIF output, the SARIF reporter writes it.

use std::collections::HashMap;

/// GitHub's `primaryLocationLineHash` for the given 1-based lines of `text`: a rolling hash over
/// the first 100 characters (UTF-16 code units) of each line, ignoring spaces and tabs, with
/// CR, LF and CRLF read as one line end; `:n` counts earlier lines with the same hash.
pub fn line_hashes(text: &[u8], wanted: &[usize]) -> HashMap<usize, String> {
    const BLOCK: usize = 100;
    const MOD: u64 = 37;
    let first_mod = (0..BLOCK).fold(1u64, |acc, _| acc.wrapping_mul(MOD));
    let mut window = [0u32; BLOCK];
    let mut line_numbers = [0usize; BLOCK]; // 0 = no line starts here
    let mut hash = 0u64;
    let mut index = 0usize;
    let mut line_number = 0usize;
    let mut line_start = true;
    let mut prev_cr = false;
    let mut counts: HashMap<u64, usize> = HashMap::new();
    let mut out = HashMap::new();
    let max_wanted = wanted.iter().copied().max().unwrap_or(0);
    let wanted: std::collections::HashSet<usize> = wanted.iter().copied().collect();

    let mut emit = |hash: u64, line: usize, out: &mut HashMap<usize, String>| {
        let n = counts.entry(hash).or_insert(0);
        *n += 1;
        if wanted.contains(&line) {
            out.insert(line, format!("{hash:x}:{n}"));
        }
    };
    let update = |c: u32, hash: &mut u64, index: &mut usize, window: &mut [u32; BLOCK]| {
        let begin = window[*index];
        window[*index] = c;
        *hash = MOD
            .wrapping_mul(*hash)
            .wrapping_add(c as u64)
            .wrapping_sub(first_mod.wrapping_mul(begin as u64));
        *index = (*index + 1) % BLOCK;
    };

    let decoded = String::from_utf8_lossy(text);
    let units = decoded
        .encode_utf16()
        .map(u32::from)
        .chain(std::iter::once(65535u32));
    for unit in units {
        let mut c = unit;
        if c == ' ' as u32 || c == '\t' as u32 || (prev_cr && c == '\n' as u32) {
            prev_cr = false;
            continue;
        }
        if c == '\r' as u32 {
            c = '\n' as u32;
            prev_cr = true;
        } else {
            prev_cr = false;
        }
        if line_numbers[index] != 0 {
            emit(hash, line_numbers[index], &mut out);
            line_numbers[index] = 0;
        }
        if line_start {
            line_start = false;
            line_number += 1;
            line_numbers[index] = line_number;
            if line_number > max_wanted + BLOCK {
                break;
            }
        }
        if c == '\n' as u32 {
            line_start = true;
        }
        update(c, &mut hash, &mut index, &mut window);
    }
    for _ in 0..BLOCK {
        if line_numbers[index] != 0 {
            emit(hash, line_numbers[index], &mut out);
            line_numbers[index] = 0;
        }
        update(0, &mut hash, &mut index, &mut window);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known values from an independent re-statement of github/codeql-action's
    /// `src/fingerprints.ts` (BigInt arithmetic over UTF-16 code units).
    #[test]
    fn line_hash_matches_known_values() {
        let cases: &[(&str, &[(usize, &str)])] = &[
            (
                "const a = 1;\nconst key = \"FAKE\";\n\treturn a;\n",
                &[
                    (1, "f91e094f34129779:1"),
                    (2, "f4e307ca2f13d6ea:1"),
                    (3, "50098a4d687f1911:1"),
                ],
            ),
            (
                "line one\r\nline two\r\n\r\nlast",
                &[
                    (1, "563d4fcfb497e9fd:1"),
                    (2, "ca43cd64b1718ae1:1"),
                    (3, "2bafa474670c5ca1:1"),
                    (4, "58429ecce5a8d0db:1"),
                ],
            ),
            (
                "\tnamé = 'FAKE' // ✓ 𝄞\nzweite Zeile\n",
                &[(1, "c875994e3719e3da:1"), (2, "900e990e52785fe2:1")],
            ),
            (&"x".repeat(250), &[]),
            (
                "dup\ndup\ndup\n",
                &[
                    (1, "ce684366d1b6d674:1"),
                    (2, "5676b622f2c12429:1"),
                    (3, "8cc409fcab63c38e:1"),
                ],
            ),
        ];
        for (text, want) in cases {
            let lines: Vec<usize> = want.iter().map(|(l, _)| *l).collect();
            let got = line_hashes(text.as_bytes(), &lines);
            for (line, hash) in *want {
                assert_eq!(
                    got.get(line).map(String::as_str),
                    Some(*hash),
                    "line {line} of {text:?}"
                );
            }
        }
        let long = format!("{}\ny = 1\n", "x".repeat(250));
        assert_eq!(
            line_hashes(long.as_bytes(), &[1, 2])[&2],
            "17ab1ef2caecdd1c:1"
        );
        assert_eq!(line_hashes(long.as_bytes(), &[1])[&1], "52b56201ffb58620:1");
    }
}
