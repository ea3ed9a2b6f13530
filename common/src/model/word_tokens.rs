//! Turning a word into token ids the way the notebooks do, with the failure cases said
//! plainly instead of computing on the wrong vector.

use anyhow::{Result, bail};

use super::Model;

/// The ids of `text` without special tokens (`encode(text, add_special_tokens=False)`).
///
/// Fails when `text` gives no tokens at all (empty or only whitespace) or when a BERT-style
/// tokenizer maps part of it to `[UNK]`: the `[UNK]` vector is shared by everything the
/// vocabulary lacks, so neighbours of it say nothing about the word.
pub fn word_ids(model: &Model, text: &str) -> Result<Vec<u32>> {
    let ids = model.tokenizer.encode(text, false)?;
    let text = shown(text);
    if ids.is_empty() {
        bail!(
            "{text} gives no tokens in {}; choose a word with letters in it",
            model.files.name
        );
    }
    if let Some(unk) = model.tokenizer.token_id("[UNK]")
        && ids.contains(&unk)
    {
        bail!(
            "{text} is unknown to {} (it tokenises to [UNK], a vector shared by every unknown word); choose another word",
            model.files.name
        );
    }
    if let Some(&id) = ids
        .iter()
        .find(|&&id| id as usize >= model.embeddings.rows())
    {
        bail!(
            "token {id} of {text} has no row in {}'s embedding matrix ({} rows)",
            model.files.name,
            model.embeddings.rows()
        );
    }
    Ok(ids)
}

/// A word as error messages quote it: in full when short, else its start and length, so
/// a pasted paragraph still gives a one-line error.
fn shown(text: &str) -> String {
    const LIMIT: usize = 40;
    let chars = text.chars().count();
    if chars <= LIMIT {
        format!("{text:?}")
    } else {
        let start: String = text.chars().take(LIMIT).collect();
        format!("{start:?}… ({chars} characters)")
    }
}

/// The first token of `text` (the notebooks' `encode(word)[0]` without special tokens,
/// `encode(word)[1]` after BERT's `[CLS]`), with [`word_ids`]'s checks.
pub fn first_token(model: &Model, text: &str) -> Result<usize> {
    Ok(word_ids(model, text)?[0] as usize)
}

/// Decoded text of one token, as the notebooks print it in tables and labels.
pub fn token_text(model: &Model, id: usize) -> Result<String> {
    model.tokenizer.decode(&[id as u32])
}

/// One token as a student reads it on a map, from its decoded text (`token_text`):
/// spaces, newlines and tabs shown as GPT-2's markers (`Ġ`, `Ċ`, `ĉ`), BERT's `##` kept;
/// a token that is part of a multi-byte character (decoded as `�`) is shown as its
/// vocabulary entry instead.
pub fn display_text(decoded: &str, vocabulary_entry: Option<&str>) -> String {
    if decoded.contains('\u{FFFD}') {
        if let Some(entry) = vocabulary_entry.filter(|e| !e.is_empty()) {
            return entry.to_string();
        }
    }
    decoded
        .chars()
        .map(|c| match c {
            ' ' => 'Ġ',
            '\n' => 'Ċ',
            '\t' => 'ĉ',
            c => c,
        })
        .collect()
}
