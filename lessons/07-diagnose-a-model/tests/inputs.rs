//! Lesson 7 on models a user may bring: tiny GGUF files written here, each with a byte-level
//! BPE tokenizer (letters, a space marker and merged pairs) and an F32 matrix. A matrix the
//! diagnosis cannot measure is a one-line error naming the fix; one it can is diagnosed,
//! and what it lacks is said.

use std::path::Path;
use std::process::Output;

use course_tests::{one_line_error, report_on_disk, run_binary};

/// A GGUF v3 file: string and string-array metadata, then one F32 tensor.
fn gguf(tokens: &[String], merges: &[String], rows: &[Vec<f32>]) -> Vec<u8> {
    fn text(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend(s.as_bytes());
    }
    let mut out = b"GGUF".to_vec();
    out.extend(3u32.to_le_bytes());
    out.extend(1u64.to_le_bytes()); // tensors
    out.extend(4u64.to_le_bytes()); // metadata entries
    for (key, value) in [
        ("general.architecture", "llama"),
        ("tokenizer.ggml.model", "gpt2"),
    ] {
        text(&mut out, key);
        out.extend(8u32.to_le_bytes()); // a string
        text(&mut out, value);
    }
    for (key, list) in [
        ("tokenizer.ggml.tokens", tokens),
        ("tokenizer.ggml.merges", merges),
    ] {
        text(&mut out, key);
        out.extend(9u32.to_le_bytes()); // an array
        out.extend(8u32.to_le_bytes()); // of strings
        out.extend((list.len() as u64).to_le_bytes());
        list.iter().for_each(|s| text(&mut out, s));
    }
    let cols = rows[0].len() as u64;
    text(&mut out, "token_embd.weight");
    out.extend(2u32.to_le_bytes());
    out.extend(cols.to_le_bytes());
    out.extend((rows.len() as u64).to_le_bytes());
    out.extend(0u32.to_le_bytes()); // F32
    out.extend(0u64.to_le_bytes()); // offset in the data section
    out.resize(out.len().next_multiple_of(32), 0);
    rows.iter()
        .flatten()
        .for_each(|x| out.extend(x.to_le_bytes()));
    out
}

/// Letters a–z, `Ġ`, the pairs `a` + each of b…(pairs+1) with their merges, and `extra`
/// tokens that no merge builds (so no text encodes to them: unreachable).
fn vocabulary(pairs: usize, extra: &[&str]) -> (Vec<String>, Vec<String>) {
    let letters: Vec<String> = ('a'..='z').map(String::from).collect();
    let mut tokens = letters.clone();
    tokens.push("Ġ".into());
    let mut merges = Vec::new();
    for second in &letters[1..=pairs] {
        tokens.push(format!("a{second}"));
        merges.push(format!("a {second}"));
    }
    tokens.extend(extra.iter().map(|s| s.to_string()));
    (tokens, merges)
}

/// `rows` rows of width `cols`, seeded pseudo-random values in [−1, 1).
fn random_rows(rows: usize, cols: usize) -> Vec<Vec<f32>> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    };
    (0..rows)
        .map(|_| (0..cols).map(|_| next()).collect())
        .collect()
}

/// Lesson 7 on `rows` (with the vocabulary `tokens`, `merges`) written as `dir/model.gguf`.
fn diagnose(
    dir: &Path,
    vocab: (Vec<String>, Vec<String>),
    rows: &[Vec<f32>],
    extra: &[&str],
) -> Output {
    let model = dir.join("model.gguf");
    std::fs::write(&model, gguf(&vocab.0, &vocab.1, rows)).unwrap();
    let out = dir.join("out");
    let mut args = vec![
        "--model",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run_binary(env!("CARGO_BIN_EXE_lesson07"), &args)
}

fn succeeded(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_small_model_with_unreachable_tokens_is_diagnosed_and_checked_on_held_out_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let vocab = vocabulary(20, &["qqq", "xzx", "zzq", "qxz"]);
    let mut rows = random_rows(vocab.0.len(), 16);
    // the unreachable tokens' rows, never trained, sit together near where they started
    let n = rows.len();
    for row in &mut rows[n - 4..] {
        row.iter_mut().for_each(|x| *x = 0.05 * *x + 0.3);
    }
    let stdout = succeeded(&diagnose(dir.path(), vocab, &rows, &["--k", "5"]));
    assert!(stdout.contains("4 unreachable"), "{stdout}");
    let report = report_on_disk(&dir.path().join("out"));
    let u = &report["under_trained"];
    assert_eq!(u["method"], "indicator");
    assert_eq!(u["unreachable"], 4);
    let split = &u["held_out"]["split"];
    assert_eq!(split["fit"].as_array().unwrap().len(), 2);
    assert_eq!(split["held_out"].as_array().unwrap().len(), 2);
    // the held-out pair ranks above every reachable token
    assert_eq!(u["held_out"]["auc"], 1.0, "{u}");
}

#[test]
fn a_model_whose_tokens_are_all_reachable_is_ranked_by_norm_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let vocab = vocabulary(20, &[]);
    let rows = random_rows(vocab.0.len(), 16);
    let stdout = succeeded(&diagnose(dir.path(), vocab, &rows, &["--k", "5"]));
    assert!(stdout.contains("No token is unreachable"), "{stdout}");
    let report = report_on_disk(&dir.path().join("out"));
    assert_eq!(report["under_trained"]["method"], "norm");
    assert!(report["under_trained"]["held_out"].is_null());
}

#[test]
fn a_matrix_padded_past_its_vocabulary_is_diagnosed_its_padding_unreachable() {
    // What is checked: a matrix with more rows than its tokenizer has tokens (padded to a
    // round size, as some Hub models are; a GGUF file refuses it) panicked on the first
    // row past the vocabulary. Its padding rows belong to no token, so no text reaches
    // them: here a BERT-style folder, 36 WordPiece entries and 41 rows.
    let dir = tempfile::tempdir().unwrap();
    let mut entries: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .map(String::from)
        .to_vec();
    entries.extend((0..25).map(|i| format!("word{i:02}")));
    entries.extend((0..5).map(|i| format!("##ing{i}")));
    entries.push("x".into()); // the word start continuation pieces are tested after
    std::fs::write(dir.path().join("vocab.txt"), entries.join("\n") + "\n").unwrap();
    let rows = random_rows(entries.len() + 5, 16);
    common::model::weights::write_safetensors(
        &dir.path().join("model.safetensors"),
        &[common::model::weights::SafetensorsEntry {
            name: "embeddings.word_embeddings.weight".into(),
            dtype: "F32".into(),
            shape: vec![rows.len(), 16],
            bytes: rows
                .iter()
                .flatten()
                .flat_map(|x| x.to_le_bytes())
                .collect(),
        }],
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = run_binary(
        env!("CARGO_BIN_EXE_lesson07"),
        &[
            "--model",
            dir.path().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--k",
            "5",
            "--words",
            "word01",
        ],
    );
    succeeded(&output);
    let report = report_on_disk(&out);
    let reach = &report["under_trained"];
    assert_eq!(reach["unreachable"], 5, "{reach}");
}

#[test]
fn duplicate_and_zero_rows_are_counted_not_divided_by() {
    let dir = tempfile::tempdir().unwrap();
    let vocab = vocabulary(20, &[]);
    let mut rows = random_rows(vocab.0.len(), 16);
    rows[2] = rows[1].clone();
    rows[3] = rows[1].clone();
    rows[4] = vec![0.0; 16];
    succeeded(&diagnose(dir.path(), vocab, &rows, &["--k", "5"]));
    let report = report_on_disk(&dir.path().join("out"));
    assert_eq!(report["facts"]["zero_rows"], 1);
    assert_eq!(report["facts"]["duplicate_rows"], 3);
    assert_eq!(
        report["facts"]["duplicate_groups"][0]["ids"],
        serde_json::json!([1, 2, 3])
    );
    assert_eq!(report["intrinsic"]["model"]["duplicates"], 3);
    // every number written is finite (serde_json writes NaN and infinity as null)
    let text = std::fs::read_to_string(dir.path().join("out/report.json")).unwrap();
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
}

#[test]
fn a_matrix_of_one_repeated_row_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let vocab = vocabulary(20, &[]);
    let rows = vec![vec![0.25f32; 16]; vocab.0.len()];
    let output = diagnose(dir.path(), vocab, &rows, &["--k", "5"]);
    assert_eq!(output.status.code(), Some(1));
    let error = one_line_error(&output);
    assert!(error.contains("no spread to diagnose"), "{error}");
}

#[test]
fn a_tiny_vocabulary_is_refused_in_one_line_naming_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let vocab = vocabulary(2, &[]); // 29 tokens
    let rows = random_rows(vocab.0.len(), 16);
    let output = diagnose(dir.path(), vocab, &rows, &["--k", "40"]);
    assert_eq!(output.status.code(), Some(1));
    let error = one_line_error(&output);
    assert!(error.contains("lower --k"), "{error}");
    // all-but-the-top must keep a direction
    let output = diagnose(
        dir.path(),
        vocabulary(2, &[]),
        &rows,
        &["--k", "5", "--remove-top", "16"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(one_line_error(&output).contains("--remove-top below 16"));
}
