//! Regex analysis for a matcher optimisation: whether a content rule's matches can be searched
//! on a keyword's line alone (`line_bound`).

/// Can the pattern be searched on the keyword's line alone? True when no match can hold a
/// newline (no literal or class of the pattern admits `\n`) and every match holds one of the
/// keywords (ASCII case-insensitively). Then a match on a line without a keyword hit cannot
/// exist, and one on the hit's line is found in that line. A pattern that does not parse, or
/// where either is not certain, is not line-bound (its windows stay as wide as before).
pub fn line_bound(pattern: &str, keywords: &[String]) -> bool {
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .nest_limit(64)
        .build()
        .parse(pattern)
    else {
        return false;
    };
    let keywords: Vec<Vec<u8>> = keywords
        .iter()
        .map(|k| k.to_ascii_lowercase().into_bytes())
        .filter(|k| !k.is_empty())
        .collect();
    !hir_admits_newline(&hir) && !keywords.is_empty() && holds_keyword(&hir, &keywords)
}

fn hir_admits_newline(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => lit.0.contains(&b'\n'),
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= '\n' && '\n' <= r.end()),
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
        HirKind::Repetition(r) => hir_admits_newline(&r.sub),
        HirKind::Capture(c) => hir_admits_newline(&c.sub),
        HirKind::Concat(xs) | HirKind::Alternation(xs) => xs.iter().any(hir_admits_newline),
    }
}

/// The one byte (lowercased) a node matches, if it matches exactly one byte up to ASCII case:
/// a literal byte, or a class like `[Kk]` that `(?i:k)` becomes.
fn single_folded_byte(hir: &regex_syntax::hir::Hir) -> Option<u8> {
    use regex_syntax::hir::{Class, HirKind};
    let bytes: Vec<u8> = match hir.kind() {
        HirKind::Literal(lit) if lit.0.len() == 1 => vec![lit.0[0]],
        HirKind::Class(Class::Bytes(c)) => {
            let mut v = Vec::new();
            for r in c.ranges() {
                if usize::from(r.end() - r.start()) > 1 {
                    return None;
                }
                v.extend(r.start()..=r.end());
            }
            v
        }
        HirKind::Class(Class::Unicode(c)) => {
            let mut v = Vec::new();
            for r in c.ranges() {
                let (a, b) = (u32::from(r.start()), u32::from(r.end()));
                if b > 0x7F || b - a > 1 {
                    return None;
                }
                v.extend((a..=b).map(|x| x as u8));
            }
            v
        }
        _ => return None,
    };
    let first = bytes.first()?.to_ascii_lowercase();
    bytes
        .iter()
        .all(|b| b.to_ascii_lowercase() == first)
        .then_some(first)
}

/// Does every match of `hir` hold one of `keywords` (lowercase)? Conservative: `false` when
/// unsure.
fn holds_keyword(hir: &regex_syntax::hir::Hir, keywords: &[Vec<u8>]) -> bool {
    use regex_syntax::hir::HirKind;
    let has = |run: &[u8]| {
        keywords
            .iter()
            .any(|k| run.windows(k.len()).any(|w| w.eq_ignore_ascii_case(k)))
    };
    match hir.kind() {
        HirKind::Literal(lit) => has(&lit.0),
        HirKind::Capture(c) => holds_keyword(&c.sub, keywords),
        HirKind::Repetition(r) => r.min >= 1 && holds_keyword(&r.sub, keywords),
        HirKind::Alternation(xs) => xs.iter().all(|x| holds_keyword(x, keywords)),
        HirKind::Concat(xs) => {
            // A keyword may be spelled across neighbours (`(?i:key)` is `[Kk][Ee][Yy]`).
            let mut run: Vec<u8> = Vec::new();
            for x in xs {
                match x.kind() {
                    HirKind::Literal(lit) => run.extend(lit.0.iter().map(u8::to_ascii_lowercase)),
                    _ => match single_folded_byte(x) {
                        Some(b) => run.push(b),
                        None => {
                            if has(&run) || holds_keyword(x, keywords) {
                                return true;
                            }
                            run.clear();
                        }
                    },
                }
            }
            has(&run)
        }
        HirKind::Class(_) => single_folded_byte(hir).is_some_and(|b| has(&[b])),
        HirKind::Empty | HirKind::Look(_) => false,
    }
}
