//! User text (token texts, typed words, model names, paths) where it lands outside the
//! lesson: in file names, on the terminal, in figures (SVG), in Markdown. One rule for
//! what cannot be shown as it is, and one function per format.
//!
//! A character is *unprintable* when it is a control character (C0, DEL, C1), a format
//! character (bidirectional overrides such as U+202E, zero-width characters, the BOM), a
//! line or paragraph separator (U+2028, U+2029), or a noncharacter (U+FFFE, U+FFFF, …).
//! Each format shows it as the escape Rust writes for it, `\u{1b}`, so a token is seen for
//! what it is and can neither steer a terminal, reorder a line, break a table nor make a
//! file that its format's readers refuse (XML 1.0 forbids most C0 characters even when
//! escaped as character references).

use std::borrow::Cow;

use sha2::{Digest, Sha256};
use unicode_categories::UnicodeCategories;

/// Longest part of a file name taken from user text, in characters: with its prefix, hash
/// and extension, a name stays well under the 255 bytes file systems allow, even when
/// every character takes 4 bytes.
const STEM_CHARS: usize = 40;

/// `prefix_text` as a file stem that cannot collide or run too long: letters and digits
/// kept, anything else as `_`, at most 40 characters of it, and, unless `text` is plain
/// lowercase ASCII letters and digits (kept as they are), a hash of the whole text
/// appended: `new-york` and `new_york` get different names, and a name with a hash never
/// equals one without (it holds a `-`).
pub fn file_stem(prefix: &str, text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if plain && !text.is_empty() && text.len() <= STEM_CHARS {
        return format!("{prefix}_{text}");
    }
    let safe: String = text
        .chars()
        .take(STEM_CHARS)
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    let hash = Sha256::digest(text.as_bytes());
    let hex: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{safe}-{hex}")
}

/// Whether `c` is shown escaped (see the module's documentation).
pub fn is_unprintable(c: char) -> bool {
    let code = c as u32;
    c.is_control()
        || c.is_other_format()
        || c.is_separator_line()
        || c.is_separator_paragraph()
        || (0xFDD0..=0xFDEF).contains(&code)
        || code & 0xFFFE == 0xFFFE
}

/// `text` with every unprintable character for which `escaped` holds written as `\u{…}`.
fn escape_where(text: &str, escaped: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` on one line: every unprintable character escaped, line breaks and tabs too.
/// For text inside a line (a token in a table, an error message, a path) and for
/// figures, whose text elements hold one line each.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape_where(text, is_unprintable)
}

/// A block of terminal output (a step's table): unprintable characters escaped, so a word
/// cannot retitle or clear the terminal or reorder what follows it; the block's own line
/// breaks and tabs are kept. Text inside a line should come through [`one_line`] first,
/// so that a newline in a token cannot break a table row.
pub fn terminal(text: &str) -> String {
    escape_where(text, |c| is_unprintable(c) && c != '\n' && c != '\t').into_owned()
}

/// Text for a figure (an SVG `<text>` element and the PNG drawn beside it): one line, so
/// the SVG holds only characters XML allows; plotters escapes `<`, `>`, `&` and quotes.
pub fn figure(text: &str) -> Cow<'_, str> {
    one_line(text)
}

/// `text` as Markdown inline code, whatever it holds: unprintable characters escaped (a
/// code span cannot hold a line break), and fenced with one backtick more than its longest
/// run of them, so that a token of backticks cannot close the span early. The fence is
/// spaced off when the text holds a backtick or is itself spaced at both ends, because
/// CommonMark takes one space off each end of such a span. Inside a code span nothing is
/// markup, so `<`, `*` and `&` stay as they are.
///
/// A text holding a right-to-left letter is set in a left-to-right isolate (`<bdi
/// dir="ltr">`): otherwise the browser's bidirectional algorithm reorders a run of Hebrew
/// or Arabic tokens, with the punctuation and `##` markers between them, across the code
/// spans (a list of `ב` `ג` `ד` shows as `ד` `ג` `ב`). An HTML element, since the Unicode
/// isolate characters are format characters, which [`one_line`] escapes.
pub fn markdown_code(text: &str) -> String {
    let text = one_line(text);
    let longest_run = longest_backtick_run(&text);
    let fence = "`".repeat(longest_run + 1);
    let spaced_ends = text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty();
    let span = if longest_run > 0 || spaced_ends {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    };
    if text.chars().any(right_to_left) {
        format!("<bdi dir=\"ltr\">{span}</bdi>")
    } else {
        span
    }
}

/// Printed output as a Markdown code block: unprintable characters escaped as
/// [`terminal`] shows them, fenced with more backticks than any run of them in the text
/// (three at the least), so nothing in it can close the block.
pub fn markdown_code_block(text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    format!("{fence}text\n{}\n{fence}", terminal(text.trim_end()))
}

/// The length of the longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Whether `c` lies in a block of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana,
/// N'Ko and their presentation forms; the historic right-to-left scripts above U+10800).
fn right_to_left(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
}

/// `text` as plain Markdown, shown as it is: unprintable characters escaped and every
/// ASCII punctuation character backslash-escaped, so a token can open no emphasis, link,
/// HTML tag or table cell.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unprintable(c) {
            out.extend(c.escape_unicode());
        } else {
            if c.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// A cell of a Markdown table, already written as Markdown (code spans, numbers): kept on
/// one line, and `|` escaped so that it cannot split the cell (GitHub's tables take `\|`
/// inside code spans too).
pub fn markdown_cell(cell: &str) -> String {
    one_line(cell).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_keep_their_names() {
        assert_eq!(file_stem("distances", "ring"), "distances_ring");
    }

    #[test]
    fn stems_are_bounded_and_collision_free() {
        let a = file_stem("distances", "new-york");
        let b = file_stem("distances", "new_york");
        assert_ne!(a, b);
        assert!(a.starts_with("distances_new_york-"), "{a}");
        assert_ne!(file_stem("d", "Ring"), file_stem("d", "ring"));
        let long = "東".repeat(90);
        let stem = file_stem("distances_normalised", &long);
        assert!(stem.len() + ".png".len() <= 255, "{} bytes", stem.len());
        assert_ne!(stem, file_stem("distances_normalised", &"東".repeat(91)));
        assert!(!file_stem("d", "../../etc").contains('/'));
        assert_ne!(file_stem("d", ""), "d_");
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(terminal("ring"), "ring");
        assert_eq!(terminal("a\u{1b}]0;pwned\u{7}b"), "a\\u{1b}]0;pwned\\u{7}b");
        assert_eq!(terminal("line\nnext\tcell"), "line\nnext\tcell");
    }

    #[test]
    fn bidi_overrides_separators_and_noncharacters_are_shown_escaped() {
        // U+202E would reverse the rest of the line, U+2028 break it in some terminals and
        // editors; U+FFFE and U+FFFF are not characters XML allows.
        for c in [
            '\u{202e}', '\u{2028}', '\u{2029}', '\u{200b}', '\u{feff}', '\u{fffe}',
        ] {
            assert!(is_unprintable(c), "{c:?}");
            assert_eq!(
                terminal(&format!("a{c}b")),
                format!("a\\u{{{:x}}}b", c as u32)
            );
        }
        for c in ['a', ' ', 'é', '東', '🤗', '\u{301}', 'Ġ'] {
            assert!(!is_unprintable(c), "{c:?}");
        }
    }

    #[test]
    fn one_line_text_escapes_line_breaks_too() {
        assert_eq!(one_line("a\nb\tc\r"), "a\\u{a}b\\u{9}c\\u{d}");
        assert!(matches!(one_line("ring"), Cow::Borrowed("ring")));
    }

    #[test]
    fn markdown_text_is_shown_as_it_is() {
        assert_eq!(markdown_text("*a*"), "\\*a\\*");
        assert_eq!(markdown_text("<b>&amp;|"), "\\<b\\>\\&amp\\;\\|");
        assert_eq!(markdown_text("a\u{0}\nb"), "a\\u{0}\\u{a}b");
        assert_eq!(markdown_code("`"), "`` ` ``");
        // A token of two backticks closed a two-backtick fence at once.
        assert_eq!(markdown_code("``"), "``` `` ```");
        assert_eq!(markdown_code("a``b`"), "``` a``b` ```");
        // CommonMark would take the spaces off " ring ", so the fence is spaced.
        assert_eq!(markdown_code(" ring "), "`  ring  `");
        assert_eq!(markdown_code(" ring"), "` ring`");
        assert_eq!(markdown_code("a\nb"), "`a\\u{a}b`");
        // a right-to-left token in a left-to-right isolate, so a list keeps its order
        assert_eq!(markdown_code("##ال"), "<bdi dir=\"ltr\">`##ال`</bdi>");
        assert_eq!(markdown_code("龍"), "`龍`");
        // a block is fenced past the longest run of backticks in it
        assert_eq!(markdown_code_block("a\n"), "```text\na\n```");
        assert_eq!(markdown_code_block("````"), "`````text\n````\n`````");
        assert_eq!(markdown_cell("`a|b`\n"), "`a\\|b`\\u{a}");
    }
}
