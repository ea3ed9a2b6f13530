//! Token kinds on the real vocabularies of both stand-ins: the BERT stand-in's WordPiece
//! (`##` pieces) and the GPT stand-in's byte-level BPE (SmolLM2: `Ġ` word starts).

use common::model::token_kinds::{Convention, Script, TokenKind, token_kinds};
use common::model::{Model, files::locate, standins};

fn standin(name: &str) -> Model {
    Model::load(locate(name, &standins::ensure().unwrap()).unwrap()).unwrap()
}

/// The kind of the token stored as `entry`.
fn kind(model: &Model, entry: &str) -> TokenKind {
    let id = model
        .tokenizer
        .token_id(entry)
        .unwrap_or_else(|| panic!("{entry} is not in the vocabulary"));
    token_kinds(model, &[id as usize]).unwrap()[0]
}

#[test]
fn bert_kinds_follow_wordpiece() {
    let bert = standin("standin/bert-base-uncased");
    assert_eq!(
        Convention::of(&bert.tokenizer.vocab_strings()),
        Convention::WordPiece
    );
    assert_eq!(kind(&bert, "[CLS]"), TokenKind::Special);
    assert_eq!(kind(&bert, "ring"), TokenKind::WordInitial);
    assert_eq!(kind(&bert, "##ing"), TokenKind::Continuation);
    assert_eq!(kind(&bert, "1999"), TokenKind::Digits);
    assert_eq!(kind(&bert, "##5"), TokenKind::Digits);
    assert_eq!(kind(&bert, "!"), TokenKind::Punctuation);
    assert_eq!(kind(&bert, "会"), TokenKind::OtherScript(Script::Cjk));
    assert_eq!(kind(&bert, "ч"), TokenKind::OtherScript(Script::Cyrillic));
    assert_eq!(kind(&bert, "ध"), TokenKind::OtherScript(Script::Devanagari));
    assert_eq!(kind(&bert, "##っ"), TokenKind::OtherScript(Script::Kana));
}

#[test]
fn gpt_kinds_follow_byte_level_bpe() {
    let gpt = standin("standin/SmolLM2-135M-Instruct");
    assert_eq!(
        Convention::of(&gpt.tokenizer.vocab_strings()),
        Convention::ByteLevel
    );
    assert_eq!(kind(&gpt, "<|endoftext|>"), TokenKind::Special);
    assert_eq!(kind(&gpt, "Ġring"), TokenKind::WordInitial);
    assert_eq!(kind(&gpt, "ing"), TokenKind::Continuation);
    assert_eq!(kind(&gpt, "ĠThe"), TokenKind::Capitalised);
    assert_eq!(kind(&gpt, "The"), TokenKind::Capitalised);
    assert_eq!(kind(&gpt, "1"), TokenKind::Digits);
    assert_eq!(kind(&gpt, "Ċ"), TokenKind::Punctuation);
    assert_eq!(kind(&gpt, "Ġ("), TokenKind::Punctuation);
    // The whole vocabulary: every token has a kind, and the common kinds are common.
    let all: Vec<usize> = (0..gpt.tokenizer.vocab_size()).collect();
    let kinds = token_kinds(&gpt, &all).unwrap();
    let count = |k: TokenKind| kinds.iter().filter(|&&x| x == k).count();
    assert!(
        count(TokenKind::WordInitial) > 10_000,
        "{}",
        count(TokenKind::WordInitial)
    );
    assert!(count(TokenKind::Continuation) > 5_000);
    assert!(count(TokenKind::Special) >= 1);
}
