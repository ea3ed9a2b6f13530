//! Lesson 2's edge cases as a user meets them: exit code and one line on stderr.

use std::process::{Command, Output};

fn lesson(args: &[&str]) -> Output {
    let out = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_lesson02"))
        .args(args)
        .args(["--standin", "--out", out.path().to_str().unwrap()])
        .output()
        .expect("the lesson binary runs")
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
    let out = lesson(&["--word", "  "]);
    assert_eq!(out.status.code(), Some(1));
    assert!(last_error_line(&out).contains("gives no tokens"));
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
