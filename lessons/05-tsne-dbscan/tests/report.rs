//! Lesson 5 end to end on the offline GPT stand-in (SmolLM2-135M), against scikit-learn.
//!
//! `tests/reference/lesson05_sklearn.json` is written by `lessons/05-tsne-dbscan/crosscheck.py
//! REPORT --write-reference EXACT_REPORT` (scikit-learn 1.5.2, see
//! `scripts/crosscheck/requirements.txt`) from the lesson's own
//! reports: 20 runs of t-SNE called exactly as the notebook calls it,
//! `TSNE(n_components=2, perplexity=5)` (Barnes–Hut; not deterministic, see the script), one
//! run of `method="exact"` with `random_state=0`, and sklearn's DBSCAN and trustworthiness on
//! the lesson's 2-D points. The snapshot was reviewed against it.

use clap::Parser;
use common::run::Flags;
use course_tests::{assert_figures, assert_snapshot, out_dir, standin_args};
use lesson05::{Args, run};

fn reference() -> serde_json::Value {
    serde_json::from_str(include_str!("reference/lesson05_sklearn.json")).unwrap()
}

fn number(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap()
}

/// Mean share of each point's 5 nearest neighbours on map `a` that are also among its 5
/// nearest on map `b` (ties to the lower index, as a stable argsort).
fn neighbour_overlap(a: &[[f64; 2]], b: &[[f64; 2]]) -> f64 {
    let nearest = |m: &[[f64; 2]], i: usize| {
        let mut others: Vec<usize> = (0..m.len()).filter(|&j| j != i).collect();
        let d = |j: usize| (m[i][0] - m[j][0]).powi(2) + (m[i][1] - m[j][1]).powi(2);
        others.sort_by(|&x, &y| d(x).total_cmp(&d(y)).then(x.cmp(&y)));
        others.truncate(5);
        others
    };
    let shared: usize = (0..a.len())
        .map(|i| {
            let theirs = nearest(b, i);
            nearest(a, i).iter().filter(|j| theirs.contains(j)).count()
        })
        .sum();
    shared as f64 / (5 * a.len()) as f64
}

#[test]
fn lesson05_matches_scikit_learn() {
    let out = out_dir();
    let report = run(&standin_args::<Args>("lesson05", out.path(), &[])).unwrap();
    let json = report.to_json();
    let sk = reference();
    assert_eq!(json["tsne"]["method"], "barnes-hut");
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
    // t-SNE as the notebook calls it: scikit-learn's own runs differ from one another (KL
    // 0.646–0.699 over 20 runs), so the lesson's map must fall among them — its KL within
    // their range, its trustworthiness within theirs…
    let kl = number(&json["tsne"]["kl_divergence"]);
    assert!(
        kl >= number(&sk["notebook_kl_min"]) && kl <= number(&sk["notebook_kl_max"]),
        "KL {kl} outside scikit-learn's runs"
    );
    let trust = number(&json["trustworthiness"]);
    assert!(
        trust >= number(&sk["notebook_trustworthiness_min"])
            && trust <= number(&sk["notebook_trustworthiness_max"]),
        "trustworthiness {trust}"
    );
    // …and its map as close to theirs as theirs are to one another: the mean share of
    // shared 5 nearest neighbours on the map, against each run, is no lower than the least
    // of the runs' pairwise shares.
    let runs = sk["notebook_runs"].as_array().unwrap();
    let overlap = runs
        .iter()
        .map(|r| {
            let theirs: Vec<[f64; 2]> = serde_json::from_value(r["points"].clone()).unwrap();
            neighbour_overlap(&points, &theirs)
        })
        .sum::<f64>()
        / runs.len() as f64;
    assert!(
        overlap >= number(&sk["notebook_map_overlap_min"]),
        "map overlap {overlap}"
    );
    // Our trustworthiness is scikit-learn's formula.
    assert!((trust - number(&sk["trustworthiness_of_lesson_points"])).abs() < 1e-9);
    assert_figures(
        out.path(),
        &[
            "gram",
            "gram_and_tsne",
            "dbscan",
            "dbscan_tokens",
            "dbscan_tokens_half",
            "space_dbscan",
        ],
    );
    let mut compact = json.clone();
    compact["tsne"].as_object_mut().unwrap().remove("points"); // covered by the checks above
    let explorer = compact["explorer"].as_object_mut().unwrap();
    explorer.remove("seconds"); // a measurement
    // The data's size varies by a byte or two between CPUs (the shortest decimal form of
    // each metric's distance scale, a float computed with the machine's SIMD width); its
    // size is checked here, its content in tests/explorer.rs.
    let data_bytes = explorer.remove("data_bytes").unwrap().as_u64().unwrap();
    assert!((28_000..31_000).contains(&data_bytes), "{data_bytes}");
    // The map's regions are communities of the cosine neighbour graph (its lists checked
    // against a brute-force loop in tests/explorer.rs), each named by map tokens: on the
    // first 100 tokens (ASCII characters) they are the capitals, the lower-case
    // consonants, the punctuation, the digits and the vowels, as the snapshot shows (read
    // from its names; a region of 5 or more tokens is named); the 49,135 vocabulary
    // tokens are the GPT stand-in's non-special tokens.
    let shown: Vec<String> = report
        .results
        .dbscan
        .members
        .iter()
        .flatten()
        .map(|t| t.replace(' ', "Ġ"))
        .collect();
    for name in &report.results.explorer.regions {
        assert!(
            name.split(' ').all(|t| shown.contains(&t.to_string())),
            "{name}"
        );
    }
    // The Gram matrix's reading (`gram`: median 1.071; digits 4.424, capitals 2.299,
    // lower-case letters 2.360, the 6 tokens that decode to U+FFFD 3.348; a capital with its
    // own lower-case letter, ids 32 apart, 3.410, with the others 1.483) was recomputed with
    // numpy on the same rows of the GGUF dequantised by the gguf package: the same to the
    // digits shown.
    // DBSCAN on the embeddings themselves (`space`: eps 2.4756, the 5% quantile of the
    // 4,950 distances; 2 clusters, the 10 digits and 38 letters, each inside one map
    // cluster; 52 noise tokens, all in map clusters) is scikit-learn's DBSCAN on the same f64
    // rows with numpy's quantile of scipy's pdist: the same labels, eps to 1e-12.
    assert_snapshot("lesson05_report", &compact);
}

#[test]
fn exact_method_agrees_with_scikit_learn_exact() {
    // scikit-learn's exact method with random_state=0 is deterministic on one thread count;
    // the lesson starts from the same PCA and follows the same steps in f64 where
    // scikit-learn keeps the map in f32, so the two end in nearby minima: KL within 2%.
    let out = out_dir();
    let args = standin_args::<Args>("lesson05", out.path(), &["--method", "exact"]);
    let json = run(&args).unwrap().to_json();
    let sk = reference();
    let (kl, sk_kl) = (
        number(&json["tsne"]["kl_divergence"]),
        number(&sk["exact_kl_divergence"]),
    );
    assert!((kl - sk_kl).abs() <= 0.02 * sk_kl, "KL {kl} vs {sk_kl}");
    assert_eq!(json["tsne"]["iterations"], sk["exact_iterations"]);
    let trust = number(&json["trustworthiness"]);
    assert!(
        (trust - number(&sk["exact_trustworthiness"])).abs() < 0.02,
        "{trust}"
    );
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
        let mut json = run(&standin_args::<Args>("lesson05", out.path(), &args))
            .unwrap()
            .to_json();
        json["explorer"].as_object_mut().unwrap().remove("seconds"); // a measurement
        json
    };
    assert_eq!(run_with(), run_with());
}

#[test]
fn a_random_start_is_the_seeds() {
    // --init random draws the start from --seed: the same seed gives the same map, another
    // seed another map of the same tokens (the book's seed-1/seed-2 small multiples).
    let map_of = |seed: &str| {
        let out = out_dir();
        let args = ["--init", "random", "--seed", seed, "--iterations", "300"];
        let json = run(&standin_args::<Args>("lesson05", out.path(), &args))
            .unwrap()
            .to_json();
        (json["tokens"].clone(), json["tsne"]["points"].clone())
    };
    let (tokens_1, map_1) = map_of("1");
    let (tokens_2, map_2) = map_of("2");
    assert_eq!(map_1, map_of("1").1);
    assert_eq!(tokens_1, tokens_2);
    assert_ne!(map_1, map_2);
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
        // Trustworthiness with k = 5 is undefined below 11 points (scikit-learn refuses).
        vec!["--n-tokens", "10"],
        vec!["--tokens", "first:10"],
        vec!["--method", "umap"],
        vec!["--angle", "0"],
        // Outside scikit-learn's useful range 0.2–0.8, KL came out negative (-30.2 at 3);
        // no iterations printed NaN.
        vec!["--angle", "0.1"],
        vec!["--angle", "3"],
        vec!["--angle", "1e300"],
        vec!["--iterations", "0"],
        vec!["--iterations", "249"],
        vec!["--init", "umap"],
    ] {
        let mut args = vec!["lesson05"];
        args.extend(bad.iter().copied());
        assert!(Args::try_parse_from(&args).is_err(), "{bad:?}");
    }
    // Checked against each other: the perplexity must be below the number of tokens.
    let args = Args::parse_from(["lesson05", "--perplexity", "100"]);
    assert!(args.check().is_err());
    // The exact method keeps every pair: refused past 2,000 tokens.
    let exact = |n: &str| Args::parse_from(["lesson05", "--n-tokens", n, "--method", "exact"]);
    assert!(exact("2001").check().is_err() && exact("2000").check().is_ok());
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
fn large_token_sets_map_with_interpolated_forces() {
    // 2,050 tokens with --method fft: sparse affinities from the kNN graph and the
    // FFT-interpolated gradient; past 2,000 tokens the N×N Gram figure is skipped and
    // trustworthiness is measured on a sample.
    let out = out_dir();
    let args = [
        "--model",
        "bert-base-uncased",
        "--tokens",
        "random:2050",
        "--iterations",
        "260",
        "--method",
        "fft",
    ];
    let args = standin_args::<Args>("lesson05", out.path(), &args);
    let json = run(&args).unwrap().to_json();
    assert_eq!(json["tsne"]["points"].as_array().unwrap().len(), 2050);
    // identical run to run (no hash-map order or thread timing leaks into the map)
    assert_eq!(json["tsne"], run(&args).unwrap().to_json()["tsne"]);
    assert!(json["tsne"]["kl_divergence"].as_f64().unwrap() >= 0.0);
    let trust = json["trustworthiness"].as_f64().unwrap();
    assert!(trust > 0.5 && trust <= 1.0, "{trust}");
    assert!(out.path().join("dbscan.png").is_file() && !out.path().join("gram.png").exists());
}

#[test]
fn a_token_listed_twice_is_a_usage_error() {
    // Duplicates are points at distance zero: the KL divergence printed for them came out
    // negative (-39.04 for `1 1 1 1 1`), which a KL divergence never is.
    let file = tempfile::NamedTempFile::new().unwrap();
    for ids in ["1 1 1 1 1", "10 10 10 10 11 12 13 14 15 16"] {
        std::fs::write(file.path(), ids).unwrap();
        let spec = format!("@{}", file.path().display());
        let error = lesson05::TokenSpec::parse(&spec).unwrap_err();
        assert!(error.contains("more than once"), "{ids}: {error}");
        let parsed = Args::try_parse_from(["lesson05", "--tokens", &spec]);
        assert!(parsed.is_err(), "{ids}");
    }
    std::fs::write(file.path(), "10 11 12 13 14 15 16 17 18 19 20").unwrap();
    assert!(lesson05::TokenSpec::parse(&format!("@{}", file.path().display())).is_ok());
    // Ten distinct ids are one too few for the map's trustworthiness (k = 5).
    std::fs::write(file.path(), "10 11 12 13 14 15 16 17 18 19").unwrap();
    let error = lesson05::TokenSpec::parse(&format!("@{}", file.path().display())).unwrap_err();
    assert!(error.contains("at least 11"), "{error}");
}
