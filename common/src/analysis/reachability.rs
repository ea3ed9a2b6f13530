//! Tokens the tokenizer can never produce. A model learns a token's embedding only from
//! the texts in which that token occurs; a token that no text tokenises to is never seen
//! in training, and its row stays close to where it started. Land & Bartolo (2024,
//! "Fishing for Magikarp") find such unreachable tokens by a round trip: decode the token
//! to its text, encode the text again, and see whether the token comes back.
//!
//! A piece that only continues a word (WordPiece's `##ing`, a SentencePiece piece without
//! `▁`) is tested after a probe word-start token that begins no other vocabulary entry, so
//! the probe cannot merge with it: `ª` + `##s` decodes to "ªs", which must encode to the
//! same two tokens.

use anyhow::{Result, anyhow};
use rayon::prelude::*;
use serde::Serialize;

use crate::model::Model;
use crate::model::token_kinds::Convention;

/// What the round trip says of one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Decoding it and encoding the text again gives it back.
    Reachable,
    /// It does not: no text produces it.
    Unreachable,
    /// A special token (`[CLS]`, `<|endoftext|>`): a marker inserted by the tokenizer,
    /// not text, so not tested.
    Special,
    /// Part of one multi-byte character (byte-level BPE): it decodes to no text of its
    /// own, so the round trip cannot test it.
    PartialCharacter,
}

/// The reach of every row of `model`'s embedding matrix: a token's by its round trip,
/// a row past the tokenizer's vocabulary `Unreachable`.
pub fn reachability(model: &Model) -> Result<Vec<Reach>> {
    let tokenizer = &model.tokenizer;
    let entries = tokenizer.vocab_strings();
    let special = tokenizer.special_ids();
    let convention = Convention::of(&entries);
    let continues = |entry: &str| match convention {
        Convention::WordPiece => entry.len() > 2 && entry.starts_with("##"),
        Convention::SentencePiece => !entry.starts_with('▁'),
        Convention::ByteLevel => false,
    };
    // ANCHOR: round_trip
    let round_trip = |ids: &[u32]| -> Result<Option<bool>> {
        let text = tokenizer.decode(ids)?;
        if text.contains('\u{FFFD}') {
            return Ok(None);
        }
        Ok(Some(tokenizer.encode(&text, false)? == ids))
    };
    let probe = probe_token(model, &entries, convention, &continues, &round_trip)?;
    let vocabulary = tokenizer.vocab_size().min(model.embeddings.rows());
    let mut reach = (0..vocabulary as u32)
        .into_par_iter()
        .map(|id| {
            let entry = entries.get(id as usize).map_or("", String::as_str);
            if special.contains(&id) {
                return Ok(Reach::Special);
            }
            let tested = match probe {
                Some(p) if continues(entry) => round_trip(&[p, id])?,
                _ => round_trip(&[id])?,
            };
            Ok(match tested {
                None => Reach::PartialCharacter,
                Some(true) => Reach::Reachable,
                Some(false) => Reach::Unreachable,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // ANCHOR_END: round_trip
    // Rows past the tokenizer's vocabulary (a matrix padded to a round size) belong to
    // no token: no text produces them.
    reach.resize(model.embeddings.rows(), Reach::Unreachable);
    Ok(reach)
}

/// The word-start token continuation pieces are tested after: the first, by id, that is
/// one letter, comes back from its own round trip, and begins no other word-start entry
/// (so it cannot merge with what follows). `None` for byte-level vocabularies, whose
/// pieces are text on their own.
fn probe_token(
    model: &Model,
    entries: &[String],
    convention: Convention,
    continues: &(dyn Fn(&str) -> bool + Sync),
    round_trip: &(dyn Fn(&[u32]) -> Result<Option<bool>> + Sync),
) -> Result<Option<u32>> {
    let marker = match convention {
        Convention::ByteLevel => return Ok(None),
        Convention::WordPiece => "",
        Convention::SentencePiece => "▁",
    };
    let starts: Vec<&str> = entries
        .iter()
        .map(String::as_str)
        .filter(|e| !e.is_empty() && !continues(e))
        .collect();
    for (id, entry) in entries.iter().enumerate() {
        let Some(letter) = entry.strip_prefix(marker) else {
            continue;
        };
        let single_letter = letter.chars().count() == 1 && letter.chars().all(char::is_alphabetic);
        if !single_letter || continues(entry) {
            continue;
        }
        let alone = !starts
            .iter()
            .any(|o| o.len() > entry.len() && o.starts_with(entry.as_str()));
        if alone && round_trip(&[id as u32])? == Some(true) {
            return Ok(Some(id as u32));
        }
    }
    Err(anyhow!(
        "{}: no single-letter word-start token begins no other entry, so its continuation pieces cannot be tested for reachability",
        model.files.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::files::locate;
    use crate::model::hub::Hub;
    use crate::model::weights::{SafetensorsEntry, write_safetensors};

    /// A WordPiece model of the given vocabulary (one line per token) in `dir`.
    pub(crate) fn wordpiece_model(dir: &std::path::Path, vocab: &[&str]) -> Model {
        std::fs::write(dir.join("vocab.txt"), vocab.join("\n") + "\n").unwrap();
        std::fs::write(
            dir.join("config.json"),
            r#"{"model_type":"bert","num_hidden_layers":1,"hidden_size":2}"#,
        )
        .unwrap();
        let values: Vec<u8> = (0..vocab.len() * 2)
            .flat_map(|i| (i as f32).to_le_bytes())
            .collect();
        write_safetensors(
            &dir.join("model.safetensors"),
            &[SafetensorsEntry {
                name: "bert.embeddings.word_embeddings.weight".into(),
                dtype: "F32".into(),
                shape: vec![vocab.len(), 2],
                bytes: values,
            }],
        )
        .unwrap();
        Model::load(locate(dir.to_str().unwrap(), &Hub::new(dir, true)).unwrap()).unwrap()
    }

    #[test]
    fn round_trips_of_words_pieces_placeholders_and_specials() {
        let dir = tempfile::tempdir().unwrap();
        let vocab = [
            "[PAD]",
            "[UNK]",
            "[CLS]",
            "[SEP]",
            "[MASK]",
            "[unused0]",
            "the",
            "cat",
            "c",
            "x",
            "!",
            "##s",
            "##!",
            "##0",
            "[",
            "]",
            "unused",
        ];
        let model = wordpiece_model(dir.path(), &vocab);
        let reach = reachability(&model).unwrap();
        let of = |token: &str| reach[vocab.iter().position(|t| *t == token).unwrap()];
        assert_eq!(of("[CLS]"), Reach::Special);
        // "[unused0]" encodes as "[", "unused", "##0", "]": never itself.
        assert_eq!(of("[unused0]"), Reach::Unreachable);
        assert_eq!(of("the"), Reach::Reachable);
        assert_eq!(of("c"), Reach::Reachable);
        // "##s" after the probe "x" ("c" begins "cat", so it is not the probe): "xs".
        assert_eq!(of("##s"), Reach::Reachable);
        // Punctuation is split off before WordPiece runs: "##!" can never be produced.
        assert_eq!(of("##!"), Reach::Unreachable);
    }
}
