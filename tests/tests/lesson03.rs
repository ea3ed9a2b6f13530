//! Lesson 3 end to end on the offline stand-ins.
//!
//! The snapshot was checked before acceptance by `scripts/crosscheck/lesson03.py`, which
//! recomputes from the same stand-in files, with numpy and scipy as the notebook does, the
//! token counts and ids (transformers' pure-Python tokenizers), the 18×18 cosine matrices,
//! the Pearson and Spearman RSA scores and the model × model RSA matrix, and agreed to the
//! 4 significant digits kept here. Part 4 runs on four stand-ins: the BERT and GPT-2 ones,
//! plus two made for it — the BERT matrix mapped to 1024 dimensions by a fixed random
//! projection (so its RSA with the 384-wide original must be close to 1) and a synthetic
//! 1024-wide GPT-2 matrix.

use clap::Parser;
use common::report::rounded;
use lesson03::{Args, run};

#[test]
fn lesson03_report_on_the_standins() {
    let out = tempfile::tempdir().unwrap();
    let report = run(&Args::parse_from([
        "lesson03",
        "--standin",
        "--out",
        out.path().to_str().unwrap(),
    ]))
    .unwrap();
    let json = report.to_json();
    // The stand-ins for bert-large and gpt2-medium are 1024 wide, so part 2's per-word
    // correlation is defined; part 4 compares 768-, 1024- and 384-wide spaces.
    assert_eq!(
        json["model_sizes"]["widths"],
        serde_json::json!([768, 1024, 384, 1024])
    );
    let rsa = &json["model_sizes"]["rsa"];
    for i in 0..4 {
        assert!(
            (rsa[i][i].as_f64().unwrap() - 1.0).abs() < 1e-6,
            "a model's RSA with itself is 1"
        );
    }
    assert!(
        rsa[2][3].as_f64().unwrap() > 0.9,
        "a random projection keeps the geometry"
    );
    for name in ["part2_per_word", "part3_rsa", "part4_model_sizes"] {
        assert!(out.path().join(format!("{name}.png")).is_file(), "{name}");
    }
    let mut compact = json.clone();
    compact
        .as_object_mut()
        .unwrap()
        .remove("similarity_matrices"); // checked by the cross-check
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_json_snapshot!("lesson03_report", rounded(&compact, 4));
    });
}

#[test]
fn the_permutation_test_repeats_for_a_seed() {
    let run_with = |seed: &str| {
        let out = tempfile::tempdir().unwrap();
        let args = [
            "lesson03",
            "--standin",
            "--permutations",
            "200",
            "--seed",
            seed,
            "--models",
            "gpt2,bert-base-uncased",
            "--out",
            out.path().to_str().unwrap(),
        ];
        run(&Args::parse_from(args)).unwrap().to_json()["rsa"].clone()
    };
    assert_eq!(run_with("7"), run_with("7"));
}

#[test]
fn word_lists_come_from_flags_or_files() {
    assert_eq!(lesson03::parse_words("a, b,c").unwrap(), ["a", "b", "c"]);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "moon\n\nstar\nplanet\n").unwrap();
    assert_eq!(
        lesson03::parse_words(&format!("@{}", file.path().display())).unwrap(),
        ["moon", "star", "planet"]
    );
    assert!(lesson03::parse_words("a,b").is_err());
    assert!(lesson03::parse_words("@/no/such/file").is_err());
}
