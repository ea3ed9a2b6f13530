//! Lesson 7 end to end on the offline stand-ins.
//!
//! The snapshot (the GPT stand-in, SmolLM2-135M's 49,152 × 576 matrix, the lesson's
//! defaults) was checked before acceptance by the lesson's `crosscheck.py`, which reads
//! the GGUF with the `gguf` package and recomputes every field with numpy, SciPy and
//! scikit-learn: the mean cosines and partition isotropies (np.linalg.eigh, logsumexp),
//! the rogue dimensions, the eigenvalues against the Marchenko–Pastur edges
//! (np.linalg.svd), both k-nearest-neighbour graphs' k-occurrence (skewness within 0.1%,
//! the largest N_k and the tokens in no list exactly), TwoNN (within 0.2%), Spearman's
//! correlation of the norms with the merge order
//! (scipy.stats.spearmanr), the round trip of every token with a pure-Python tokenizer,
//! and the ranking; the Gaussian and column-shuffled nulls are drawn again from the
//! lesson's documented generator and measured the same way. The BERT run below is
//! cross-checked by the same script (its held-out ROC AUCs by scikit-learn's
//! roc_auc_score on the report's own split).

use course_tests::{assert_figures, assert_snapshot, out_dir, standin_args};
use lesson07::{Args, Method, run};

const FIGURES: [&str; 7] = [
    "isotropy",
    "rogue_dimensions",
    "spectrum",
    "hubness",
    "twonn",
    "norms",
    "under_trained",
];

#[test]
fn lesson07_report_on_the_gpt_standin() {
    let out = out_dir();
    let report = run(&standin_args::<Args>("lesson07", out.path(), &[])).unwrap();
    let r = &report.results;
    // Chance gives what theory says: a Gaussian matrix's mean cosine is about 0, its
    // spectrum lies inside the Marchenko–Pastur bulk, TwoNN of a width-8 Gaussian is 8.
    assert!(r.isotropy.gaussian.raw.mean_cosine.abs() < 1e-3);
    assert_eq!(r.spectrum.gaussian.above, 0);
    assert!((r.intrinsic.check.dimension - 8.0).abs() < 0.8);
    // The model is far from chance: anisotropic until centred, with a spectrum above the
    // bulk and a much lower intrinsic dimension than its width.
    assert!(r.isotropy.model.raw.mean_cosine > 0.3);
    assert!(r.isotropy.model.all_but_the_top.partition > 0.9);
    assert!(r.spectrum.model.above > 10);
    assert!(r.intrinsic.model.dimension < 50.0);
    // SmolLM2's tokenizer gives every token back: the ranking falls back to the norm.
    assert_eq!(r.under_trained.unreachable, 0);
    assert_eq!(r.under_trained.method, Method::Norm);
    assert!(r.under_trained.held_out.is_none());
    assert_figures(out.path(), &FIGURES);
    assert!(out.path().join("token-scores.json").is_file());
    let mut compact = report.to_json();
    // Long lists, kept as their lengths (the cross-check compares every value).
    for path in [
        "/spectrum/model/eigenvalues",
        "/spectrum/gaussian/eigenvalues",
        "/spectrum/shuffled/eigenvalues",
        "/intrinsic/model/fit_points",
        "/intrinsic/gaussian/fit_points",
        "/intrinsic/check/fit_points",
        "/norms/binned",
        "/norms/histogram/edges",
        "/norms/histogram/values",
        "/hubness/euclidean/summary/hubs",
        "/hubness/cosine/summary/hubs",
        "/hubness/euclidean/tokens",
        "/hubness/cosine/tokens",
        "/under_trained/listed",
    ] {
        let value = compact.pointer_mut(path).unwrap();
        *value = serde_json::json!(value.as_array().unwrap().len());
    }
    compact["under_trained"]
        .as_object_mut()
        .unwrap()
        .remove("score_densities"); // drawn only
    assert_snapshot("lesson07_report", &compact);
}

#[test]
fn bert_placeholders_rank_far_above_word_tokens() {
    // all-MiniLM-L6-v2 keeps bert-base-uncased's vocabulary: its 994 `[unused…]` rows were
    // never trained. Fitted on half the unreachable tokens, the indicator must rank the
    // other half's placeholders above nearly every word-initial token.
    let out = out_dir();
    let args = standin_args::<Args>("lesson07", out.path(), &["--model", "bert-base-uncased"]);
    let report = run(&args).unwrap();
    let u = &report.results.under_trained;
    assert_eq!(u.placeholders, 994);
    assert_eq!(u.unreachable_placeholders, 994);
    assert_eq!(u.method, Method::Indicator);
    let held = u.held_out.as_ref().expect("a held-out check");
    assert!(held.placeholders > 400, "{}", held.placeholders);
    let auc = held.placeholder_auc.unwrap();
    assert!(
        auc > 0.99,
        "placeholders against word-initial tokens: {auc}"
    );
    assert!(held.auc.unwrap() > 0.95, "{:?}", held.auc);
    // In the column-shuffled null the same fit ranks by chance.
    assert!(
        (held.null_auc.unwrap() - 0.5).abs() < 0.1,
        "{:?}",
        held.null_auc
    );
    assert!(u.unreachable_in_top > 0.8);
}
