//! What kind of token each vocabulary entry is — a special marker, digits, punctuation, the
//! start of a word or a piece inside one, a capitalised word, a word in another script —
//! read from the tokenizer's own conventions, so that it works for any model: byte-level
//! BPE (GPT-2, SmolLM2) marks a word's start with a space (stored as `Ġ`), WordPiece
//! (BERT) marks a piece inside a word with `##`, SentencePiece marks a word's start with
//! `▁`. The notebook's 100-token map teaches these groups by eye; the vocabulary map
//! colours by them.

use anyhow::Result;
use serde::Serialize;

use super::{Model, token_text};

/// How a vocabulary marks where words begin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convention {
    /// Byte-level BPE: a token that begins a word begins with a space (`Ġ` as stored).
    ByteLevel,
    /// WordPiece: a token inside a word begins with `##`; every other token begins one.
    WordPiece,
    /// SentencePiece: a token that begins a word begins with `▁`.
    SentencePiece,
}

impl Convention {
    /// The convention whose marker most vocabulary entries carry (byte-level when none do).
    pub fn of(vocabulary: &[String]) -> Convention {
        let count = |marker: &str| vocabulary.iter().filter(|e| e.starts_with(marker)).count();
        let (wordpiece, sentencepiece, bytelevel) = (count("##"), count("▁"), count("Ġ"));
        if wordpiece > bytelevel.max(sentencepiece) {
            Convention::WordPiece
        } else if sentencepiece > bytelevel {
            Convention::SentencePiece
        } else {
            Convention::ByteLevel
        }
    }
}

/// A writing system other than Latin, from the Unicode block of a token's first letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Script {
    Greek,
    Cyrillic,
    Hebrew,
    Arabic,
    Devanagari,
    Thai,
    Hangul,
    /// Hiragana and katakana.
    Kana,
    /// Chinese characters (also used in Japanese and Korean).
    Cjk,
    Other,
}

/// The kinds of token the map colours by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TokenKind {
    /// A marker for the model (`[CLS]`, `<|endoftext|>`), not text.
    Special,
    /// Only digits (after the word-start marker).
    Digits,
    /// No letter or digit: punctuation, symbols, spaces.
    Punctuation,
    /// Part of one multi-byte character (byte-level BPE): no text on its own.
    ByteFragment,
    /// A Latin-script word piece whose first letter is upper case.
    Capitalised,
    /// A lower-case Latin piece that begins a word.
    WordInitial,
    /// A lower-case Latin piece that continues a word.
    Continuation,
    /// A piece whose first letter is in another script.
    OtherScript(Script),
}

impl TokenKind {
    /// The kind as the map's legend names it.
    pub fn name(self) -> String {
        match self {
            TokenKind::Special => "special".into(),
            TokenKind::Digits => "digits".into(),
            TokenKind::Punctuation => "punctuation, symbols, spaces".into(),
            TokenKind::ByteFragment => "byte fragment".into(),
            TokenKind::Capitalised => "capitalised".into(),
            TokenKind::WordInitial => "word-initial".into(),
            TokenKind::Continuation => "continuation piece".into(),
            TokenKind::OtherScript(script) => {
                let name = match script {
                    Script::Cjk => "CJK".to_string(),
                    Script::Other => "other".to_string(),
                    other => format!("{other:?}"),
                };
                format!("script: {name}")
            }
        }
    }
}

/// The kind of one token from its vocabulary entry as stored (`Ġthe`, `##ing`), its
/// decoded text (`token_text`) and whether the tokenizer calls it special.
pub fn kind_of(entry: &str, decoded: &str, special: bool, convention: Convention) -> TokenKind {
    if special {
        return TokenKind::Special;
    }
    if decoded.contains('\u{FFFD}') {
        return TokenKind::ByteFragment;
    }
    let (initial, body) = match convention {
        Convention::ByteLevel => (decoded.starts_with(' '), decoded.trim_start_matches(' ')),
        Convention::WordPiece => match entry.strip_prefix("##").filter(|b| !b.is_empty()) {
            Some(body) => (false, body),
            None => (true, decoded),
        },
        Convention::SentencePiece => match entry.strip_prefix('▁') {
            Some(body) => (true, body),
            None => (false, entry),
        },
    };
    if body.chars().all(|c| !c.is_alphanumeric()) {
        return TokenKind::Punctuation;
    }
    if body.chars().all(char::is_numeric) {
        return TokenKind::Digits;
    }
    let Some(letter) = body.chars().find(|c| c.is_alphabetic()) else {
        return TokenKind::Digits; // digits with marks such as `²`: numbers all the same
    };
    if let Some(script) = script_of(letter) {
        return TokenKind::OtherScript(script);
    }
    if letter.is_uppercase() {
        TokenKind::Capitalised
    } else if initial {
        TokenKind::WordInitial
    } else {
        TokenKind::Continuation
    }
}

/// The script of a letter by its Unicode block, `None` for Latin (IPA and Latin extensions
/// included).
fn script_of(letter: char) -> Option<Script> {
    const BLOCKS: &[(u32, u32, Option<Script>)] = &[
        (0x0000, 0x02AF, None),
        (0x0370, 0x03FF, Some(Script::Greek)),
        (0x0400, 0x052F, Some(Script::Cyrillic)),
        (0x0590, 0x05FF, Some(Script::Hebrew)),
        (0x0600, 0x06FF, Some(Script::Arabic)),
        (0x0750, 0x077F, Some(Script::Arabic)),
        (0x0900, 0x097F, Some(Script::Devanagari)),
        (0x0E00, 0x0E7F, Some(Script::Thai)),
        (0x1100, 0x11FF, Some(Script::Hangul)),
        (0x1D00, 0x1DBF, None),
        (0x1E00, 0x1EFF, None),
        (0x1F00, 0x1FFF, Some(Script::Greek)),
        (0x2E80, 0x2FDF, Some(Script::Cjk)),
        (0x3040, 0x30FF, Some(Script::Kana)),
        (0x3130, 0x318F, Some(Script::Hangul)),
        (0x3400, 0x4DBF, Some(Script::Cjk)),
        (0x4E00, 0x9FFF, Some(Script::Cjk)),
        (0xA720, 0xA7FF, None),
        (0xAC00, 0xD7AF, Some(Script::Hangul)),
        (0xF900, 0xFAFF, Some(Script::Cjk)),
        (0xFB50, 0xFDFF, Some(Script::Arabic)),
        (0xFE70, 0xFEFF, Some(Script::Arabic)),
        (0xFF21, 0xFF5A, None),
        (0x20000, 0x2FFFF, Some(Script::Cjk)),
    ];
    let code = letter as u32;
    BLOCKS
        .iter()
        .find(|&&(start, end, _)| (start..=end).contains(&code))
        .map_or(Some(Script::Other), |&(_, _, script)| script)
}

/// The kind of each of `ids` in `model`'s vocabulary.
pub fn token_kinds(model: &Model, ids: &[usize]) -> Result<Vec<TokenKind>> {
    let vocabulary = model.tokenizer.vocab_strings();
    let special = model.tokenizer.special_ids();
    let convention = Convention::of(&vocabulary);
    ids.iter()
        .map(|&id| {
            let entry = vocabulary.get(id).map_or("", String::as_str);
            let decoded = token_text(model, id)?;
            Ok(kind_of(
                entry,
                &decoded,
                special.contains(&(id as u32)),
                convention,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_by_block() {
        assert_eq!(script_of('é'), None);
        assert_eq!(script_of('ɔ'), None);
        assert_eq!(script_of('ж'), Some(Script::Cyrillic));
        assert_eq!(script_of('会'), Some(Script::Cjk));
        assert_eq!(script_of('っ'), Some(Script::Kana));
        assert_eq!(script_of('ق'), Some(Script::Arabic));
        assert_eq!(script_of('ध'), Some(Script::Devanagari));
        assert_eq!(script_of('ի'), Some(Script::Other)); // Armenian
    }

    #[test]
    fn markers_of_each_convention() {
        let wp = Convention::WordPiece;
        assert_eq!(
            kind_of("##ing", "##ing", false, wp),
            TokenKind::Continuation
        );
        assert_eq!(kind_of("ring", "ring", false, wp), TokenKind::WordInitial);
        assert_eq!(
            kind_of("##っ", "##っ", false, wp),
            TokenKind::OtherScript(Script::Kana)
        );
        assert_eq!(kind_of("##", "##", false, wp), TokenKind::Punctuation);
        let sp = Convention::SentencePiece;
        assert_eq!(kind_of("▁the", " the", false, sp), TokenKind::WordInitial);
        assert_eq!(kind_of("ing", "ing", false, sp), TokenKind::Continuation);
        let bl = Convention::ByteLevel;
        assert_eq!(kind_of("ĠThe", " The", false, bl), TokenKind::Capitalised);
        assert_eq!(kind_of("Ġ2019", " 2019", false, bl), TokenKind::Digits);
        assert_eq!(kind_of("Ġ", " ", false, bl), TokenKind::Punctuation);
        assert_eq!(kind_of("Ã", "\u{FFFD}", false, bl), TokenKind::ByteFragment);
        assert_eq!(kind_of("<s>", "<s>", true, bl), TokenKind::Special);
    }
}
