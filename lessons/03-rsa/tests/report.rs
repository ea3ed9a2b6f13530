//! Lesson 3 end to end on the offline stand-ins.
//!
//! The snapshot was checked before acceptance by the lesson's `crosscheck.py`, which
//! recomputes from the same stand-in files, with numpy and scipy as the notebook does, the
//! token counts and ids (transformers' pure-Python tokenizers), the 18×18 cosine matrices,
//! the Pearson and Spearman RSA scores and the model × model RSA matrix, and agreed to the
//! 4 significant digits kept here. Part 4 runs on four stand-ins: the BERT (MiniLM) and GPT
//! (SmolLM2) ones, and each mapped to 1024 dimensions by a fixed random projection, so each
//! one's RSA with its 1024-wide projection must be close to 1. Beyond the notebook, the
//! RSA with GPT's word order reversed (Pearson 0.127, Spearman 0.11) was recomputed the
//! same way, and both permutation p-values lie within four standard errors of numpy's
//! over 10,000 shuffles (0.001 at the floor 1/1001; 0.046 against numpy's 0.031, and
//! 0.033–0.035 from the lesson's own 20,000 shuffles with seeds 42, 1 and 2). Each
//! p-value's standard error √(p(1 − p)/N) was recomputed by the script from the p reported
//! (0.0010 at the floor, where it equals p; 0.0066 for the reversed order's 0.046).
//! The permutation p-value is a draw of the lesson's seeded generator: the script checks it
//! against its own null of numpy shuffles within binomial quantiles for the lesson's 1000
//! shuffles. CI runs the script on every change.

use clap::Parser;
use common::run::Flags;
use course_tests::{assert_figures, assert_snapshot, out_dir, standin_args};
use lesson03::{Args, run};

#[test]
fn lesson03_report_on_the_standins() {
    let out = out_dir();
    let report = run(&standin_args::<Args>("lesson03", out.path(), &[])).unwrap();
    let sizes = &report.results.model_sizes;
    // The stand-ins for bert-large and gpt2-medium are 1024 wide, so part 2's per-word
    // correlation is defined; part 4 compares 576-, 1024- and 384-wide spaces.
    assert_eq!(sizes.widths, [576, 1024, 384, 1024]);
    for i in 0..4 {
        assert!(
            (sizes.rsa[i][i] - 1.0).abs() < 1e-6,
            "a model's RSA with itself is 1"
        );
    }
    assert!(
        sizes.rsa[2][3] > 0.9,
        "a random projection keeps the geometry"
    );
    assert!(
        sizes.rsa[0][1] > 0.9,
        "a random projection keeps the geometry"
    );
    // Two real models arrange the same words alike, beyond chance.
    let score = &report.results.rsa;
    assert!(
        score.pearson > 0.2 && score.p_value.is_some_and(|p| p < 0.01),
        "{score:?}"
    );
    // Reversing GPT's order maps each 6-word group of the default words onto a group:
    // the score drops but stays above most shuffles.
    let reversed = &report.results.reversed;
    assert!(
        reversed.pearson > 0.0 && reversed.pearson < score.pearson,
        "{reversed:?}"
    );
    assert!(reversed.p_value.is_some_and(|p| p > 0.01 && p < 0.1));
    // Each p-value's standard error over the 1000 shuffles, √(p(1 − p)/N): at the floor
    // 1/(N + 1) it equals p, and the reversed order's p is below 0.05 by less than one
    // standard error — as the chapter says of them.
    let errors = &report.results.p_value_standard_errors;
    let p = score.p_value.unwrap();
    assert!((p - 1.0 / 1001.0).abs() < 1e-12 && (errors.rsa.unwrap() - p).abs() < 1e-12);
    let (p, se) = (reversed.p_value.unwrap(), errors.reversed.unwrap());
    assert!(p < 0.05 && 0.05 < p + se, "p = {p}, standard error {se}");
    assert_figures(
        out.path(),
        &["part2_per_word", "part3_rsa", "part4_model_sizes"],
    );
    let mut compact = report.to_json();
    compact
        .as_object_mut()
        .unwrap()
        .remove("similarity_matrices"); // checked by the cross-check
    assert_snapshot("lesson03_report", &compact);
}

#[test]
fn the_permutation_test_repeats_for_a_seed() {
    let run_with = |seed: &str| {
        let out = out_dir();
        let args = [
            "--permutations",
            "200",
            "--seed",
            seed,
            "--models",
            "gpt2,bert-base-uncased",
        ];
        let report = run(&standin_args::<Args>("lesson03", out.path(), &args)).unwrap();
        report.to_json()["rsa"].clone()
    };
    assert_eq!(run_with("7"), run_with("7"));
}

#[test]
fn word_lists_come_from_flags_or_files_and_need_three_words() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "moon\n\nstar\nplanet\n").unwrap();
    let from_file = format!("@{}", file.path().display());
    let args = Args::parse_from(["lesson03", "--words", &format!("sun,{from_file}")]);
    assert_eq!(
        common::run::cli::expand(&args.words),
        ["sun", "moon", "star", "planet"]
    );
    assert!(args.check().is_ok());
    assert!(
        Args::parse_from(["lesson03", "--words", "a,b"])
            .check()
            .is_err()
    );
    assert!(
        Args::parse_from(["lesson03", "--models", "gpt2"])
            .check()
            .is_err()
    );
    assert!(Args::try_parse_from(["lesson03", "--words", "@/no/such/file"]).is_err());
}

#[test]
fn the_permutation_test_is_bounded_before_any_work() {
    // What is checked: --permutations 18446744073709551615 ran with no end, no estimate and
    // no progress; now the flag is bounded at a million shuffles (p resolved to 1e-6), and
    // shuffles × word pairs past about a minute's work is refused, naming the largest
    // --permutations for the words given. A bar shows the shuffles as they run.
    assert!(Args::try_parse_from(["lesson03", "--permutations", "18446744073709551615"]).is_err());
    assert!(Args::try_parse_from(["lesson03", "--permutations", "1000001"]).is_err());
    assert!(
        Args::parse_from(["lesson03", "--permutations", "1000000"])
            .check()
            .is_ok(),
        "a million shuffles of the default 18 words (153 pairs) are quick"
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    let words: Vec<String> = (0..2000).map(|i| format!("w{i}")).collect();
    std::fs::write(file.path(), words.join("\n")).unwrap();
    let list = format!("@{}", file.path().display());
    let error = Args::parse_from(["lesson03", "--words", &list, "--permutations", "100000"])
        .check()
        .unwrap_err();
    assert!(
        error.contains("--permutations 100000 with 2000 words")
            && error.contains("the largest --permutations for 2000 words is 5002"),
        "{error}"
    );
}

#[test]
fn identical_tokens_are_refused_not_scored() {
    // The BERT stand-in is uncased: three spellings, one token, a constant similarity
    // triangle. Its correlation is undefined (scipy's pearsonr gives NaN), so no score
    // and no p-value is printed: the run stops with one line.
    let out = out_dir();
    let output = course_tests::run_binary(
        env!("CARGO_BIN_EXE_lesson03"),
        &[
            "--standin",
            "--words",
            "Ring,ring,RING",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let error = course_tests::one_line_error(&output);
    assert!(error.contains("RSA is undefined"), "{error}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("permutation p"));
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn more_words_than_memory_holds_are_refused_before_any_work() {
    // 100,000 words: 10¹⁰ similarities per model, about 400 GB in all.
    if common::run::resources::available_memory().is_some_and(|free| free > 400_000_000_000) {
        eprintln!("skipped: this machine has more memory free than the run needs");
        return;
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    let words: String = (0..100_000).map(|i| format!("w{i}\n")).collect();
    std::fs::write(file.path(), words).unwrap();
    let out = out_dir();
    let output = course_tests::run_binary(
        env!("CARGO_BIN_EXE_lesson03"),
        &[
            "--standin",
            "--words",
            &format!("@{}", file.path().display()),
            // No permutation test: its time bound would refuse these words first.
            "--permutations",
            "0",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let error = course_tests::one_line_error(&output);
    assert!(
        error.contains("--words 100000") && error.contains("the largest --words that fits is"),
        "{error}"
    );
}
