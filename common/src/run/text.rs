//! User text where it lands outside the lesson: in file names and on the terminal.

use sha2::{Digest, Sha256};

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

/// `text` with control characters shown as escapes (`\u{1b}`), so a word cannot retitle
/// or clear the terminal it is printed on; line breaks and tabs are kept.
pub fn terminal(text: &str) -> String {
    if !text.chars().any(is_escaped) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if is_escaped(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn is_escaped(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
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
}
