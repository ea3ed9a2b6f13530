//! Lesson 5 end to end on the offline GPT stand-in (SmolLM2-135M), against scikit-learn.
//!
//! `tests/reference/lesson05_sklearn.json` is written by `lessons/05-tsne-dbscan/crosscheck.py`
//! (scikit-learn 1.5.2, see `scripts/crosscheck/requirements.txt`) from the lesson's own
//! report: sklearn's exact TSNE on the same 100 rows (the method the lesson uses at this
//! size), and sklearn's DBSCAN
//! and trustworthiness on the lesson's 2-D points. The snapshot was reviewed against it.

use clap::Parser;
use common::run::Flags;
use course_tests::{assert_figures, assert_snapshot, out_dir, standin_args};
use lesson05::{Args, run};

fn reference() -> serde_json::Value {
    serde_json::from_str(include_str!("reference/lesson05_sklearn.json")).unwrap()
}

#[test]
fn lesson05_matches_scikit_learn() {
    let out = out_dir();
    let report = run(&standin_args::<Args>("lesson05", out.path(), &[])).unwrap();
    let json = report.to_json();
    let sk = reference();
    // DBSCAN: the same labels as scikit-learn on the same points, at the notebook's eps and
    // at a finer one (eps 3, min_samples 2) with other clusters and border points to agree on.
    assert_eq!(
        json["dbscan"]["labels"],
        sk["dbscan_labels_of_lesson_points"]
    );
    let points: Vec<[f64; 2]> = serde_json::from_value(json["tsne"]["points"].clone()).unwrap();
    let fine = common::analysis::dbscan::dbscan(&points, 3.0, 2).unwrap();
    assert_eq!(
        serde_json::json!(fine),
        sk["dbscan_eps3_labels_of_lesson_points"]
    );
    // t-SNE: final KL within 10% of scikit-learn's on the same input…
    let (kl, sk_kl) = (
        json["tsne"]["kl_divergence"].as_f64().unwrap(),
        sk["sklearn_kl_divergence"].as_f64().unwrap(),
    );
    assert!(
        (kl - sk_kl).abs() <= 0.1 * sk_kl,
        "KL {kl} vs scikit-learn {sk_kl}"
    );
    // …neighbourhoods kept no worse than scikit-learn's by more than 0.02…
    let trust = json["trustworthiness"].as_f64().unwrap();
    assert!(
        trust >= sk["sklearn_trustworthiness"].as_f64().unwrap() - 0.02,
        "trustworthiness {trust}"
    );
    // …and our trustworthiness is scikit-learn's formula.
    assert!((trust - sk["trustworthiness_of_lesson_points"].as_f64().unwrap()).abs() < 1e-9);
    assert_figures(out.path(), &["gram", "gram_and_tsne", "dbscan"]);
    let mut compact = json.clone();
    compact["tsne"].as_object_mut().unwrap().remove("points"); // covered by the checks above
    assert_snapshot("lesson05_report", &compact);
}

#[test]
fn lesson05_is_identical_for_a_seed() {
    let run_with = || {
        let out = out_dir();
        let args = [
            "--tokens",
            "random:60",
            "--seed",
            "3",
            "--iterations",
            "300",
        ];
        run(&standin_args::<Args>("lesson05", out.path(), &args))
            .unwrap()
            .to_json()
    };
    assert_eq!(run_with(), run_with());
}

#[test]
fn bad_flags_are_refused_before_any_model_loads() {
    for bad in [
        vec!["--perplexity", "0"],
        vec!["--eps", "0"],
        vec!["--eps", "NaN"],
        vec!["--min-samples", "0"],
        vec!["--tokens", "middle:5"],
        vec!["--tokens", "first:3"],
        vec!["--n-tokens", "2"],
    ] {
        let mut args = vec!["lesson05"];
        args.extend(bad.iter().copied());
        assert!(Args::try_parse_from(&args).is_err(), "{bad:?}");
    }
    // Checked against each other: the perplexity must be below the number of tokens.
    let args = Args::parse_from(["lesson05", "--perplexity", "100"]);
    assert!(args.check().is_err());
    assert!(
        Args::parse_from(["lesson05", "--n-tokens", "200", "--perplexity", "100"])
            .check()
            .is_ok()
    );
}

#[test]
fn more_tokens_than_the_vocabulary_is_one_line() {
    let out = out_dir();
    let args = ["--tokens", "first:60000"];
    let error = run(&standin_args::<Args>("lesson05", out.path(), &args))
        .err()
        .map(|e| format!("{e:#}"));
    assert!(
        error
            .as_ref()
            .is_some_and(|e| !e.contains('\n') && e.contains("choose fewer")),
        "{error:?}"
    );
}

#[test]
fn large_token_sets_switch_to_interpolated_forces() {
    // 2,050 tokens is past the exact limit: sparse affinities from the kNN graph and the
    // FFT-interpolated gradient; the N×N Gram figure is skipped and trustworthiness is
    // measured on a sample.
    let out = out_dir();
    let args = [
        "--model",
        "bert-base-uncased",
        "--tokens",
        "random:2050",
        "--iterations",
        "260",
    ];
    let args = standin_args::<Args>("lesson05", out.path(), &args);
    let json = run(&args).unwrap().to_json();
    assert_eq!(json["tsne"]["points"].as_array().unwrap().len(), 2050);
    // identical run to run (no hash-map order or thread timing leaks into the map)
    assert_eq!(json["tsne"], run(&args).unwrap().to_json()["tsne"]);
    assert!(json["tsne"]["kl_divergence"].as_f64().unwrap().is_finite());
    let trust = json["trustworthiness"].as_f64().unwrap();
    assert!(trust > 0.5 && trust <= 1.0, "{trust}");
    assert!(out.path().join("dbscan.png").is_file() && !out.path().join("gram.png").exists());
}
