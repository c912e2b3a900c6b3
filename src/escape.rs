//! Showing untrusted text to people. File names, author names, lines and decoded claims come
//! from the repository being checked, and a control character in them would act on the
//! terminal or the CI log that shows our output (`\r::stop-commands::` hides every annotation
//! printed after it). One rule for every human-facing output: text shows such characters as
//! visible escapes, annotations use GitHub's workflow-command escaping, markdown puts paths in
//! code spans nothing inside can end, and commands quote what they name.

use std::borrow::Cow;

/// A character that must not reach a terminal or a log as itself: C0 and C1 controls (tab
/// aside), DEL, and the bidirectional overrides and isolates that reorder what a line shows.
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every hidden character as a visible escape (`\n`, `\r`, `\x1b`, `\u{202e}`).
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if hidden(c) && (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A workflow-command property (`property`: `file=`, `title=`) or message, escaped as GitHub
/// reads them (`%`, CR and LF always; `:` and `,` in properties); other hidden characters are
/// shown as escapes first.
pub fn workflow(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in visible_but_lines(s).chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// `visible`, keeping CR and LF for an escaping that encodes them exactly.
fn visible_but_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| hidden(c) && c != '\n' && c != '\r') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.split_inclusive(['\n', '\r'])
            .map(|part| {
                let (body, end) = match part.char_indices().last() {
                    Some((i, c @ ('\n' | '\r'))) => (&part[..i], Some(c)),
                    _ => (part, None),
                };
                let mut v = visible(body).into_owned();
                v.extend(end);
                v
            })
            .collect(),
    )
}

/// A markdown code span holding `s` that nothing in `s` can end or break out of: a fence of
/// more backticks than any run inside, pipes escaped (GitHub tables split cells on them even in
/// code), hidden characters shown as escapes. HTML and links are inert inside a code span.
pub fn md_code(s: &str) -> String {
    let s = visible(s).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Plain text for a markdown table cell: markdown and HTML characters escaped, no line breaks.
pub fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in visible(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Our own prose with `code` in backticks (a checklist step) as safe markdown: each code
/// segment a code span, the rest escaped text, whatever a path filled into it holds.
pub fn md_inline(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                md_code(part)
            } else {
                md_text(part)
            }
        })
        .collect()
}

/// `s` as one word for a POSIX shell: as it is when it holds only safe characters, else in
/// single quotes (a quote inside closed, escaped and reopened).
pub fn shell_word(s: &str) -> Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "._-/+=@%,:".contains(c);
    if !s.is_empty() && s.chars().all(safe) && !s.starts_with('-') {
        return visible(s);
    }
    let quoted = format!("'{}'", s.replace('\'', "'\\''"));
    Cow::Owned(visible(&quoted).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_become_visible() {
        assert_eq!(visible("plain/path.py"), "plain/path.py");
        assert_eq!(
            visible("dev\r::stop-commands::x\n\x1b[2J\u{202e}\u{85}\tok"),
            "dev\\r::stop-commands::x\\n\\x1b[2J\\u{202e}\\x85\tok"
        );
    }

    #[test]
    fn workflow_escaping_encodes_line_breaks_and_property_separators() {
        assert_eq!(workflow("a\n::error::x%", false), "a%0A::error::x%25");
        assert_eq!(workflow("a:b,c\r", true), "a%3Ab%2Cc%0D");
        assert_eq!(workflow("esc\x1b", false), "esc\\x1b");
    }

    #[test]
    fn a_code_span_cannot_be_broken_out_of() {
        assert_eq!(md_code("a.py"), "`a.py`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x`"), "`` `x` ``");
        assert_eq!(md_code("a|b\nc"), "`a\\|b\\nc`");
        assert_eq!(md_text("<img src=x>[l](u)"), "&lt;img src=x&gt;\\[l\\](u)");
        assert_eq!(
            md_inline("Run `git rm a.py` now."),
            "Run `git rm a.py` now."
        );
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("src/a.py"), "src/a.py");
        assert_eq!(shell_word("a b;rm -rf ~"), "'a b;rm -rf ~'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("-rf"), "'-rf'");
        assert_eq!(shell_word("$(x)\n"), "'$(x)\\n'");
    }
}
