//! Lesson 2's edge cases as a user meets them: exit code and one line on stderr.

use std::process::{Command, Output};

fn lesson(args: &[&str]) -> Output {
    let out = tempfile::tempdir().unwrap();
    lesson_into(args, out.path())
}

fn lesson_into(args: &[&str], out: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lesson02"))
        .args(args)
        .args(["--standin", "--out", out.to_str().unwrap()])
        .output()
        .expect("the lesson binary runs")
}

/// The token ids the lesson reports for each of its words, BERT's then GPT-2's.
fn reported_ids(out: &std::path::Path) -> Vec<(Vec<u64>, Vec<u64>)> {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let ids = |word: &serde_json::Value, key: &str| -> Vec<u64> {
        word[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect()
    };
    report["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (ids(w, "bert_ids"), ids(w, "gpt2_ids")))
        .collect()
}

fn last_error_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("error:"), "{stderr}");
    last
}

#[test]
fn an_empty_word_is_refused() {
    for blank in ["", "  ", "\t\n"] {
        let out = lesson(&["--word", blank]);
        assert_eq!(out.status.code(), Some(1));
        assert!(last_error_line(&out).contains("gives no tokens"));
    }
}

#[test]
fn accented_words_are_searched_as_bert_uncased_strips_them() {
    // bert-base-uncased lower-cases and strips accents: "Café" is the token "cafe"
    // (transformers' BertTokenizer gives the same), while GPT-2 keeps the bytes of "é".
    let out = tempfile::tempdir().unwrap();
    let run = lesson_into(
        &["--word", "Café", "--word", "cafe", "--k", "3"],
        out.path(),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ids = reported_ids(out.path());
    assert_eq!(ids[0].0, ids[1].0, "BERT: same token");
    assert_eq!(ids[0].0.len(), 1);
    assert_ne!(ids[0].1, ids[1].1, "GPT-2: different tokens");
}

#[test]
fn a_very_long_word_is_one_short_error_line() {
    // BERT's WordPiece gives [UNK] for any word over 100 characters.
    let long = "a".repeat(5000);
    let out = lesson(&["--word", &long]);
    assert_eq!(out.status.code(), Some(1));
    let line = last_error_line(&out);
    assert!(
        line.contains("[UNK]") && line.contains("5000 characters"),
        "{line}"
    );
    assert!(line.len() < 300, "{line}");
}

#[test]
fn a_multi_token_word_is_searched_from_the_mean_of_its_tokens() {
    let out = tempfile::tempdir().unwrap();
    let run = lesson_into(&["--word", "unbelievably", "--k", "3"], out.path());
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ids = reported_ids(out.path());
    assert!(ids[0].0.len() > 1 || ids[0].1.len() > 1, "{ids:?}");
    assert!(String::from_utf8_lossy(&run.stdout).contains("mean of their vectors"));
}

#[test]
fn an_unknown_word_is_refused_not_searched_as_unk() {
    let out = lesson(&["--word", "🤗"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(last_error_line(&out).contains("[UNK]"));
}

#[test]
fn k_zero_is_a_usage_error() {
    let out = lesson(&["--k", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn k_larger_than_the_vocabulary_lists_every_token() {
    let out = lesson(&["--word", "ring", "--k", "60000", "--metric", "cosine"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("more than a vocabulary holds"));
}
