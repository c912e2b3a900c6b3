//! Reads one value per line and prints how many cl100k BPE tokens it takes: a machine-made key
//! takes about one token per two characters, words and identifiers far fewer.
use std::io::{BufRead, Write};

fn main() {
    let bpe = tiktoken_rs::cl100k_base().expect("the vocabulary ships inside the crate");
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is text");
        writeln!(out, "{}", bpe.encode_ordinary(&line).len()).expect("stdout");
    }
}
