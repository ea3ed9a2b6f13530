//! Lesson 5 end to end on the offline GPT-2 stand-in, against scikit-learn.
//!
//! `tests/reference/lesson05_sklearn.json` is written by `scripts/crosscheck/lesson05.py`
//! (scikit-learn 1.5.2, see `scripts/crosscheck/requirements.txt`) from the lesson's own
//! report: sklearn's TSNE on the same 100 rows with the same settings, and sklearn's DBSCAN
//! and trustworthiness on the lesson's 2-D points. The snapshot was reviewed against it.

use clap::Parser;
use common::report::rounded;
use lesson05::{Args, run};

fn reference() -> serde_json::Value {
    serde_json::from_str(include_str!("../reference/lesson05_sklearn.json")).unwrap()
}

#[test]
fn lesson05_matches_scikit_learn() {
    let out = tempfile::tempdir().unwrap();
    let report = run(&Args::parse_from([
        "lesson05",
        "--standin",
        "--out",
        out.path().to_str().unwrap(),
    ]))
    .unwrap();
    let json = report.to_json();
    let sk = reference();
    // DBSCAN: the same labels as scikit-learn on the same points, at the notebook's eps and
    // at a wider one (min_samples 2) where there are clusters and border points to agree on.
    assert_eq!(
        json["dbscan"]["labels"],
        sk["dbscan_labels_of_lesson_points"]
    );
    let points: Vec<[f64; 2]> = serde_json::from_value(json["tsne"]["points"].clone()).unwrap();
    let wide = common::dbscan::dbscan(&points, 20.0, 2).unwrap();
    assert_eq!(
        serde_json::json!(wide),
        sk["dbscan_eps20_labels_of_lesson_points"]
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
    for name in ["gram", "gram_and_tsne", "dbscan"] {
        assert!(out.path().join(format!("{name}.png")).is_file(), "{name}");
    }
    let mut compact = json.clone();
    compact["tsne"].as_object_mut().unwrap().remove("points"); // covered by the checks above
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_json_snapshot!("lesson05_report", rounded(&compact, 4));
    });
}

#[test]
fn lesson05_is_identical_for_a_seed() {
    let run_with = || {
        let out = tempfile::tempdir().unwrap();
        let args = [
            "lesson05",
            "--standin",
            "--tokens",
            "random:60",
            "--seed",
            "3",
            "--iterations",
            "300",
            "--out",
            out.path().to_str().unwrap(),
        ];
        run(&Args::parse_from(args)).unwrap().to_json()
    };
    assert_eq!(run_with(), run_with());
}

#[test]
fn bad_parameters_are_refused() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    for bad in [
        vec!["--perplexity", "0"],
        vec!["--perplexity", "100"],
        vec!["--eps", "0"],
        vec!["--min-samples", "0"],
        vec!["--tokens", "first:60000"],
        vec!["--tokens", "middle:5"],
    ] {
        let mut args = vec!["lesson05", "--standin", "--out", dir];
        args.extend(bad.iter().copied());
        let error = run(&Args::parse_from(&args))
            .err()
            .map(|e| format!("{e:#}"));
        assert!(
            error.as_ref().is_some_and(|e| !e.contains('\n')),
            "{bad:?}: {error:?}"
        );
    }
}

#[test]
fn large_token_sets_switch_to_interpolated_forces() {
    // 2,050 tokens is past the exact limit: sparse affinities from the kNN graph and the
    // FFT-interpolated gradient; the N×N Gram figure is skipped and trustworthiness is
    // measured on a sample.
    let out = tempfile::tempdir().unwrap();
    let args = [
        "lesson05",
        "--standin",
        "--model",
        "bert-base-uncased",
        "--tokens",
        "random:2050",
        "--iterations",
        "260",
        "--out",
        out.path().to_str().unwrap(),
    ];
    let json = run(&Args::parse_from(args)).unwrap().to_json();
    assert_eq!(json["tsne"]["points"].as_array().unwrap().len(), 2050);
    // identical run to run (no hash-map order or thread timing leaks into the map)
    assert_eq!(
        json["tsne"],
        run(&Args::parse_from(args)).unwrap().to_json()["tsne"]
    );
    assert!(json["tsne"]["kl_divergence"].as_f64().unwrap().is_finite());
    let trust = json["trustworthiness"].as_f64().unwrap();
    assert!(trust > 0.5 && trust <= 1.0, "{trust}");
    assert!(out.path().join("dbscan.png").is_file() && !out.path().join("gram.png").exists());
}
