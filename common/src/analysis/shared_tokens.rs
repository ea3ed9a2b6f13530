//! The tokens two vocabularies share: the same text in the same place in a word.
//!
//! Tokenizers mark word boundaries differently (`model::token_kinds::Convention`):
//! WordPiece (BERT) marks a piece *inside* a word with `##`, byte-level BPE (GPT-2,
//! SmolLM2) marks a piece that *begins* a word with a space (stored as `Ġ`),
//! SentencePiece with `▁`. Each entry is read as a [`TokenKey`] — its text without the
//! marker, and whether it begins a word — so that BERT's `ring` is GPT's `Ġring` and
//! BERT's `##ing` is GPT's `ing`, while BERT's `ring` is not GPT's `ring` (a piece inside
//! a word). Special tokens and byte fragments (part of one multi-byte character) have no
//! text of their own and are left out.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use serde::Serialize;

use crate::model::token_kinds::{Convention, TokenKind, kind_of};
use crate::model::{Model, token_text};

/// A token's text without its tokenizer's word marker, and whether it begins a word.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TokenKey {
    pub text: String,
    pub word_initial: bool,
}

impl TokenKey {
    /// How the course writes it whatever the tokenizer: `ring` for a word's start,
    /// `##ing` for a piece inside a word (WordPiece's marker, the one lesson 1 teaches).
    pub fn label(&self) -> String {
        if self.word_initial {
            self.text.clone()
        } else {
            format!("##{}", self.text)
        }
    }

    /// The key with its text in lower case (`--fold-case`).
    fn folded(&self) -> TokenKey {
        TokenKey {
            text: self.text.to_lowercase(),
            word_initial: self.word_initial,
        }
    }
}

/// One vocabulary entry as the matching reads it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub id: usize,
    /// `None` for entries with no text of their own: special tokens, byte fragments, and
    /// a bare word marker (`Ġ`, `▁`).
    pub key: Option<TokenKey>,
    pub kind: TokenKind,
}

/// The key of one vocabulary entry: `entry` as stored (`Ġring`, `##ing`), `decoded` its
/// text on its own (` ring`, `##ing`), `kind` from [`kind_of`].
pub fn key_of(
    entry: &str,
    decoded: &str,
    kind: TokenKind,
    convention: Convention,
) -> Option<TokenKey> {
    if matches!(kind, TokenKind::Special | TokenKind::ByteFragment) {
        return None;
    }
    let (text, word_initial) = match convention {
        Convention::WordPiece => match entry.strip_prefix("##").filter(|t| !t.is_empty()) {
            Some(inside) => (inside, false),
            None => (entry, true),
        },
        Convention::ByteLevel => match decoded.strip_prefix(' ') {
            Some(start) => (start, true),
            None => (decoded, false),
        },
        Convention::SentencePiece => match entry.strip_prefix('▁') {
            Some(start) => (start, true),
            None => (entry, false),
        },
    };
    (!text.is_empty()).then(|| TokenKey {
        text: text.to_string(),
        word_initial,
    })
}

/// Every entry of `model`'s vocabulary that has an embedding row, with its key and kind.
pub fn entries(model: &Model) -> Result<Vec<Entry>> {
    let vocabulary = model.tokenizer.vocab_strings();
    let special = model.tokenizer.special_ids();
    let convention = Convention::of(&vocabulary);
    let rows = model.embeddings.rows().min(vocabulary.len());
    (0..rows)
        .map(|id| {
            let decoded = token_text(model, id)?;
            let kind = kind_of(
                &vocabulary[id],
                &decoded,
                special.contains(&(id as u32)),
                convention,
            );
            Ok(Entry {
                id,
                key: key_of(&vocabulary[id], &decoded, kind, convention),
                kind,
            })
        })
        .collect()
}

/// A token both vocabularies hold.
#[derive(Clone, Debug, Serialize)]
pub struct SharedToken {
    /// The key both entries have (folded to lower case under `--fold-case`).
    pub key: TokenKey,
    /// Its id in the first and in the second vocabulary.
    pub ids: [usize; 2],
    /// Its kind in the first vocabulary.
    pub kind: TokenKind,
}

/// How one kind of entry fared in one vocabulary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindCount {
    pub kind: String,
    /// Entries of this kind in the vocabulary.
    pub entries: usize,
    /// Of them, shared with the other vocabulary.
    pub shared: usize,
    /// The first few (lowest ids) not shared, as the course writes them.
    pub unmatched_examples: Vec<String>,
}

/// The shared tokens of two vocabularies and what was left on each side.
#[derive(Clone, Debug, Serialize)]
pub struct SharedTokens {
    /// In the first vocabulary's id order.
    pub tokens: Vec<SharedToken>,
    pub fold_case: bool,
    /// For each vocabulary, entries that had the key of an earlier (lower-id) entry of the
    /// same vocabulary — under `--fold-case`, `ĠRing` after `Ġring` — and so were not
    /// matched themselves.
    pub duplicates: [usize; 2],
    /// For each vocabulary, by kind (in [`TokenKind`]'s order): entries and shared ones.
    pub by_kind: [Vec<KindCount>; 2],
}

/// How many unmatched examples each kind lists.
const EXAMPLES: usize = 5;

/// The tokens of `a` and `b` with equal keys (text compared in lower case when
/// `fold_case`). Where several entries of one vocabulary have the same key, the one whose
/// text is already as compared (`Ġring` before `ĠRing` when folding), else the lowest
/// id, stands for it.
pub fn match_vocabularies(a: &[Entry], b: &[Entry], fold_case: bool) -> SharedTokens {
    let (index_a, index_b) = (by_key(a, fold_case), by_key(b, fold_case));
    let mut tokens: Vec<SharedToken> = index_a
        .iter()
        .filter_map(|(key, (ea, _))| {
            index_b.get(key).map(|(eb, _)| SharedToken {
                key: key.clone(),
                ids: [ea.id, eb.id],
                kind: ea.kind,
            })
        })
        .collect();
    tokens.sort_by_key(|t| t.ids[0]);
    let keyed = |entries: &[Entry]| entries.iter().filter(|e| e.key.is_some()).count();
    let duplicates = [keyed(a) - index_a.len(), keyed(b) - index_b.len()];
    let by_kind = [0, 1].map(|side| {
        let entries = if side == 0 { a } else { b };
        let shared: std::collections::HashSet<usize> = tokens.iter().map(|t| t.ids[side]).collect();
        kind_counts(entries, &shared)
    });
    SharedTokens {
        tokens,
        fold_case,
        duplicates,
        by_kind,
    }
}

/// Each key (folded when `fold_case`) with the entry that stands for it, and whether that
/// entry's own text is the compared one.
fn by_key(entries: &[Entry], fold_case: bool) -> HashMap<TokenKey, (&Entry, bool)> {
    use std::collections::hash_map::Entry::{Occupied, Vacant};
    let mut chosen: HashMap<TokenKey, (&Entry, bool)> = HashMap::new();
    for entry in entries {
        let Some(key) = &entry.key else { continue };
        let compared = if fold_case { key.folded() } else { key.clone() };
        let exact = *key == compared;
        match chosen.entry(compared) {
            Vacant(slot) => {
                slot.insert((entry, exact));
            }
            Occupied(mut slot) if exact && !slot.get().1 => {
                slot.insert((entry, exact));
            }
            Occupied(_) => {}
        }
    }
    chosen
}

/// Entries and shared entries of each kind, with a few unmatched examples.
fn kind_counts(entries: &[Entry], shared: &std::collections::HashSet<usize>) -> Vec<KindCount> {
    let mut by_kind: BTreeMap<TokenKind, KindCount> = BTreeMap::new();
    for entry in entries {
        let count = by_kind.entry(entry.kind).or_insert_with(|| KindCount {
            kind: entry.kind.name(),
            entries: 0,
            shared: 0,
            unmatched_examples: Vec::new(),
        });
        count.entries += 1;
        if shared.contains(&entry.id) {
            count.shared += 1;
        } else if count.unmatched_examples.len() < EXAMPLES {
            // Control characters (byte-level BPE has tokens for them) as code points.
            let shown = entry.key.as_ref().map_or_else(
                || format!("id {}", entry.id),
                |key| {
                    key.label()
                        .chars()
                        .map(|c| {
                            if c.is_control() {
                                format!("U+{:04X}", u32::from(c))
                            } else {
                                c.to_string()
                            }
                        })
                        .collect()
                },
            );
            count.unmatched_examples.push(shown);
        }
    }
    by_kind.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(entries: &[(&str, &str, bool)], convention: Convention) -> Vec<Entry> {
        entries
            .iter()
            .enumerate()
            .map(|(id, &(entry, decoded, special))| {
                let kind = kind_of(entry, decoded, special, convention);
                Entry {
                    id,
                    key: key_of(entry, decoded, kind, convention),
                    kind,
                }
            })
            .collect()
    }

    fn bert() -> Vec<Entry> {
        vocabulary(
            &[
                ("[CLS]", "[CLS]", true),
                ("ring", "ring", false),
                ("##ing", "##ing", false),
                ("the", "the", false),
                ("paris", "paris", false),
                (",", ",", false),
            ],
            Convention::WordPiece,
        )
    }

    fn gpt() -> Vec<Entry> {
        vocabulary(
            &[
                ("<|endoftext|>", "<|endoftext|>", true),
                ("ing", "ing", false),
                ("Ġring", " ring", false),
                ("ring", "ring", false),
                ("ĠParis", " Paris", false),
                ("Ġparis", " paris", false),
                ("ĠThe", " The", false),
                ("Ã", "\u{FFFD}", false),
                ("Ġ", " ", false),
                ("Ġ,", " ,", false),
            ],
            Convention::ByteLevel,
        )
    }

    fn labels(shared: &SharedTokens) -> Vec<(String, [usize; 2])> {
        shared
            .tokens
            .iter()
            .map(|t| (t.key.label(), t.ids))
            .collect()
    }

    #[test]
    fn word_initial_and_continuation_pieces_are_matched_apart() {
        let shared = match_vocabularies(&bert(), &gpt(), false);
        // BERT's `ring` is GPT's `Ġring` (id 2), not GPT's `ring` (id 3, inside a word);
        // BERT's `##ing` is GPT's `ing`. Case kept: BERT's `the` has no `Ġthe` partner.
        assert_eq!(
            labels(&shared),
            [
                ("ring".to_string(), [1, 2]),
                ("##ing".to_string(), [2, 1]),
                ("paris".to_string(), [4, 5]),
                (",".to_string(), [5, 9]),
            ]
        );
        assert_eq!(shared.duplicates, [0, 0]);
        let gpt_kinds = &shared.by_kind[1];
        let special = gpt_kinds.iter().find(|k| k.kind == "special").unwrap();
        assert_eq!((special.entries, special.shared), (1, 0));
        let fragment = gpt_kinds
            .iter()
            .find(|k| k.kind == "byte fragment")
            .unwrap();
        assert_eq!((fragment.entries, fragment.shared), (1, 0));
        let capitalised = gpt_kinds.iter().find(|k| k.kind == "capitalised").unwrap();
        assert_eq!(capitalised.unmatched_examples, ["Paris", "The"]);
        let total: usize = gpt_kinds.iter().map(|k| k.entries).sum();
        assert_eq!(total, 10, "every entry is counted under one kind");
    }

    #[test]
    fn folding_case_prefers_the_entry_already_in_lower_case() {
        let shared = match_vocabularies(&bert(), &gpt(), true);
        // `the` now meets `ĠThe`; `paris` meets `Ġparis` (id 5), not `ĠParis` (id 4),
        // which is counted as a duplicate of it.
        assert_eq!(
            labels(&shared),
            [
                ("ring".to_string(), [1, 2]),
                ("##ing".to_string(), [2, 1]),
                ("the".to_string(), [3, 6]),
                ("paris".to_string(), [4, 5]),
                (",".to_string(), [5, 9]),
            ]
        );
        assert_eq!(shared.duplicates, [0, 1]);
        assert!(shared.fold_case);
    }

    #[test]
    fn keys_by_convention() {
        let key = |text: &str, word_initial| {
            Some(TokenKey {
                text: text.into(),
                word_initial,
            })
        };
        let sp = Convention::SentencePiece;
        assert_eq!(
            key_of("▁ring", " ring", TokenKind::WordInitial, sp),
            key("ring", true)
        );
        assert_eq!(
            key_of("ing", "ing", TokenKind::Continuation, sp),
            key("ing", false)
        );
        assert_eq!(key_of("▁", " ", TokenKind::Punctuation, sp), None);
        let wp = Convention::WordPiece;
        assert_eq!(
            key_of("##", "##", TokenKind::Punctuation, wp),
            key("##", true)
        );
        assert_eq!(key_of("[SEP]", "[SEP]", TokenKind::Special, wp), None);
        assert_eq!(key("ing", false).unwrap().label(), "##ing");
    }
}
