//! Lesson 1 end to end on the offline stand-ins.
//!
//! The snapshot was reviewed against an independent computation before it was accepted:
//! the lesson's `crosscheck.py` recomputes every number in it with numpy (per-token
//! variances and means, their 100-bin density histograms, Pearson r on the first 384
//! dimensions of the same-index and same-word rows) on the matrices the
//! `safetensors` and `gguf` packages read, and with transformers' pure-Python tokenizers
//! (vocabulary sizes, token ids, stored and decoded token lengths) from the same stand-in
//! files, and agreed to the snapshot's 4 significant digits.
//!
//! Beyond the notebook, checked the same way before the snapshot took them: the shares of
//! each matrix's values outside the heatmaps' colour range ±0.15 (numpy's counts on the
//! same matrices, in float64, equal to the last digit: `OUTSIDE` below); the tree line of
//! each token embedding matrix (found in the printed tree by the config's V and d); and
//! the same word's GPT vector against 5 seeded shuffles of its dimensions, whose r the
//! script checks against numpy's own 20,000 shuffles of that vector (each inside the
//! 0.01%–99.99% quantiles, mean |r| too) and which a Python SplitMix64 and Fisher–Yates,
//! written apart from the Rust, repeated to 1e-15.

use common::Pair;
use course_tests::{
    assert_figures, assert_snapshot, out_dir, report_on_disk, rounded, standin_args,
};
use lesson01::{Args, run};

/// numpy's Pearson r (`np.corrcoef`) on the first 384 dimensions: BERT and GPT row 15413
/// (the seeded same-index draw), and "the" (BERT 1996, GPT 1195).
const R_SAME_INDEX: f64 = -0.016_617_263;
const R_THE: f64 = -0.001_998_019_6;

/// numpy's counts of values below −0.15 and above 0.15 (`np.sum(e64 < -0.15)`, in
/// float64) and of all values: BERT, GPT.
const OUTSIDE: [(usize, usize, usize); 2] = [
    (60_292, 60_319, 30_522 * 384),
    (2_867_137, 2_932_610, 49_152 * 576),
];

#[test]
fn lesson01_report_on_the_standins() {
    let out = out_dir();
    let report = run(&standin_args::<Args>("lesson01", out.path(), &[])).unwrap();
    let results = &report.results;

    // bert-base-uncased's vocabulary (MiniLM) and SmolLM2's own (the GPT stand-in).
    assert_eq!(results.vocab_sizes, Pair::new(30522, 49152));
    assert_eq!(results.same_word.comparison.index, Pair::new(1996, 1195));
    // 384 vs 576 wide: both comparisons use the first 384 dimensions of each vector, and
    // the notebook's point holds — unrelated dimensions, r near 0 even for the same word.
    // numpy's corrcoef on the first 384 values of the same rows of the matrices the
    // `safetensors` and `gguf` packages read (crosscheck.py) gives R_SAME_INDEX and R_THE.
    for (comparison, numpy) in [
        (&results.same_index, R_SAME_INDEX),
        (&results.same_word.comparison, R_THE),
    ] {
        assert_eq!(comparison.dimensions, 384);
        assert!(
            (comparison.pearson_r as f64 - numpy).abs() < 1e-5,
            "r = {} where numpy gives {numpy}",
            comparison.pearson_r
        );
        assert!(comparison.pearson_r.abs() < 0.2, "{}", comparison.pearson_r);
    }
    assert_eq!(
        results.labels,
        Pair::new(
            "BERT (MiniLM stand-in)".to_string(),
            "GPT (SmolLM2 stand-in)".to_string()
        )
    );
    // print(model): transformers' classes, and a parameter count from the module tree (the
    // architecture's formula) equal to the base model's tensors in the files — two
    // independent counts (no buffers, no heads).
    let architectures = &results.architectures;
    assert!(
        architectures
            .bert
            .module_tree
            .starts_with("BertModel(\n  (embeddings): BertEmbeddings(")
    );
    assert!(
        architectures
            .gpt
            .module_tree
            .starts_with("LlamaModel(\n  (embed_tokens): Embedding(49152, 576")
    );
    assert!(
        architectures
            .gpt
            .module_tree
            .contains("(0-29): 30 x LlamaDecoderLayer(")
    );
    for a in [&architectures.bert, &architectures.gpt] {
        assert!(a.module_classes_known);
        assert_eq!(a.parameters, a.parameters_in_files, "{}", a.model);
    }

    // The heatmaps' colour range leaves out about a fifth of the GPT stand-in's values.
    let clipped = &results.clipped;
    assert_eq!(clipped.limits, [-0.15, 0.15]);
    for (share, (below, above, all)) in [&clipped.share.bert, &clipped.share.gpt]
        .into_iter()
        .zip(OUTSIDE)
    {
        assert_eq!(share.below, below as f64 / all as f64);
        assert_eq!(share.above, above as f64 / all as f64);
    }
    // The token embedding matrix's line in each printed tree.
    let lines = results
        .embedding_in_tree
        .as_ref()
        .map(|l| l.as_ref().unwrap());
    assert_eq!(
        lines.gpt.text,
        "(embed_tokens): Embedding(49152, 576, padding_idx=2)"
    );
    assert_eq!(
        lines.bert.text,
        "(word_embeddings): Embedding(30522, 384, padding_idx=0)"
    );
    // A vector against shuffles of its own dimensions: r near 0, as for two models.
    let shuffled = &results.shuffled_self;
    assert_eq!((shuffled.index, shuffled.dimensions), (1195, 576));
    assert!(shuffled.mean_abs_r < shuffled.band, "{shuffled:?}");

    // Every figure exists in both formats, and report.json on disk is what run returned.
    assert_figures(
        out.path(),
        &[
            "token_lengths",
            "embedding_matrices",
            "same_index",
            "same_word",
            "distributions",
        ],
    );
    let json = report.to_json();
    // (f32 values come back from JSON as the nearest f64, so compare them rounded)
    assert_eq!(rounded(&report_on_disk(out.path()), 6), rounded(&json, 6));
    let numbers = std::fs::read_to_string(out.path().join("numbers.md")).unwrap();
    assert!(
        numbers.contains("“the” is BERT token 1996 and GPT token 1195"),
        "{numbers}"
    );

    assert_snapshot("lesson01_report", &compact(without_histograms(json)));
}

/// The report with each model's tensor list (hundreds of lines, read straight from the
/// checkpoint's header) replaced by its length.
fn compact(mut json: serde_json::Value) -> serde_json::Value {
    for model in ["bert", "gpt"] {
        let architecture = &mut json["architectures"][model];
        let tensors = architecture["tensors"].as_array().map_or(0, Vec::len);
        architecture["tensors"] = serde_json::json!(tensors);
    }
    json
}

/// The report with each 100-bin histogram replaced by its peak (bin index and density).
/// Bin edges near zero and counts at bin boundaries move with the last bits of the
/// per-token statistics; the full histograms are checked by the cross-check script.
fn without_histograms(mut json: serde_json::Value) -> serde_json::Value {
    for stat in ["variance", "mean"] {
        for model in ["bert", "gpt"] {
            let summary = &mut json["distributions"][stat][model];
            let histogram = summary
                .as_object_mut()
                .unwrap()
                .remove("histogram")
                .unwrap();
            let values: Vec<f64> = histogram["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let peak = (0..values.len())
                .max_by(|&a, &b| values[a].total_cmp(&values[b]))
                .unwrap();
            summary["peak_bin"] = serde_json::json!(peak);
            summary["peak_density"] = serde_json::json!(values[peak]);
        }
    }
    json
}

#[test]
fn lesson01_is_identical_run_to_run_and_agrees_across_backends() {
    let dirs = [(); 4].map(|_| out_dir());
    let run_on = |backend: &str, dir: &tempfile::TempDir| {
        run(&standin_args::<Args>(
            "lesson01",
            dir.path(),
            &["--backend", backend],
        ))
        .unwrap()
        .to_json()
    };
    let first = run_on("flex", &dirs[0]);
    assert_eq!(
        first,
        run_on("flex", &dirs[1]),
        "same seed, same backend: identical report"
    );
    // wgpu when the build has it (`.ci/run` tests with `--features common/wgpu`).
    let others: &[_] = if common::tensor::backend::WGPU_BUILT {
        &[("ndarray", &dirs[2]), ("wgpu", &dirs[3])]
    } else {
        &[("ndarray", &dirs[2])]
    };
    for &(backend, dir) in others {
        let other = run_on(backend, dir);
        // Everything but the backend name and the float statistics is identical…
        let strip = |v: &serde_json::Value| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("backend");
            v.as_object_mut().unwrap().remove("distributions");
            v
        };
        assert_eq!(strip(&first), strip(&other), "{backend}");
        // …and the statistics agree to float rounding (summation order differs by backend).
        for stat in ["variance", "mean"] {
            for model in ["bert", "gpt"] {
                for key in ["mean", "min", "max"] {
                    let a = first["distributions"][stat][model][key].as_f64().unwrap();
                    let b = other["distributions"][stat][model][key].as_f64().unwrap();
                    assert!(
                        (a - b).abs() <= 1e-6 + 1e-4 * a.abs(),
                        "{backend} {stat}.{model}.{key}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
