//! Lesson 4 end to end on the offline BERT stand-in (all-MiniLM-L6-v2's real matrix).
//!
//! The snapshot was checked before acceptance by `scripts/crosscheck/lesson04.py`: numpy's
//! `np.linalg.svd` of the same mean-centred submatrices gives the same singular values
//! (relative error below 1e-4), the same explained-variance fractions, and the same
//! projections of every token onto the top letters vector (with the lesson's sign
//! convention), in the same order.

use clap::Parser;
use common::report::rounded;
use lesson04::{Args, run};

#[test]
fn lesson04_report_on_the_standins() {
    let out = tempfile::tempdir().unwrap();
    let report = run(&Args::parse_from([
        "lesson04",
        "--standin",
        "--out",
        out.path().to_str().unwrap(),
    ]))
    .unwrap();
    let json = report.to_json();
    let spectra = &json["spectra"];
    assert_eq!(spectra["set_a"]["ids"].as_array().unwrap().len(), 26);
    assert_eq!(spectra["set_b"]["ids"].as_array().unwrap().len(), 26);
    // letters share structure that random tokens do not
    let first = |key: &str| spectra[key][0].as_f64().unwrap();
    assert!(first("explained_a") > first("explained_b"), "{spectra}");
    for name in [
        "opening_1_vs_2",
        "spectra",
        "projections",
        "abs_correlations",
    ] {
        assert!(out.path().join(format!("{name}.png")).is_file(), "{name}");
    }
    let mut compact = json.clone();
    compact["random_draws"]
        .as_object_mut()
        .unwrap()
        .remove("spectra"); // 20 spectra; summarised beside
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_json_snapshot!("lesson04_report", rounded(&compact, 4));
    });
}

#[test]
fn digits_against_letters_and_word_lists() {
    let out = tempfile::tempdir().unwrap();
    let args = [
        "lesson04",
        "--standin",
        "--set-a",
        "digits",
        "--set-b",
        "letters",
        "--draws",
        "2",
        "--out",
        out.path().to_str().unwrap(),
    ];
    let json = run(&Args::parse_from(args)).unwrap().to_json();
    assert_eq!(json["spectra"]["set_a"]["tokens"][0], "0");
    assert_eq!(
        json["spectra"]["singular_values_a"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    let bad = [
        "lesson04",
        "--standin",
        "--set-a",
        "cat",
        "--out",
        out.path().to_str().unwrap(),
    ];
    assert!(
        run(&Args::parse_from(bad)).is_err(),
        "a one-token set has no spectrum"
    );
}
