//! Lesson 1 end to end on the offline stand-ins.
//!
//! The snapshot was reviewed against an independent computation before it was accepted:
//! `scripts/crosscheck/lesson01.py` recomputes every number in it with numpy (per-token
//! variances and means, their 100-bin density histograms, Pearson r) and with the Python
//! `tokenizers` library (vocabulary sizes, token ids, stored and decoded token lengths)
//! from the same stand-in files, and agreed to the snapshot's 4 significant digits.

use common::report::rounded;
use lesson01::{Args, run};

fn args(out: &std::path::Path) -> Args {
    use clap::Parser;
    Args::parse_from(["lesson01", "--standin", "--out", out.to_str().unwrap()])
}

#[test]
fn lesson01_report_on_the_standins() {
    let out = tempfile::tempdir().unwrap();
    let report = run(&args(out.path())).unwrap();
    let json = report.to_json();

    // Facts that do not depend on the synthetic matrix.
    assert_eq!(json["vocab_sizes"]["bert"], 30522);
    assert_eq!(json["vocab_sizes"]["gpt2"], 50257);
    assert_eq!(json["same_word"]["comparison"]["bert_index"], 1996);
    assert_eq!(json["same_word"]["comparison"]["gpt2_index"], 1169);
    // 384 vs 768 wide: the correlation must be skipped, not computed on mismatched vectors.
    assert!(json["same_word"]["comparison"]["pearson_r"].is_null());

    // Every figure exists in both formats, and report.json on disk is what run returned.
    for name in [
        "token_lengths",
        "embedding_matrices",
        "same_index",
        "distributions",
    ] {
        for ext in ["svg", "png"] {
            assert!(
                out.path().join(format!("{name}.{ext}")).is_file(),
                "{name}.{ext}"
            );
        }
    }
    let on_disk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap())
            .unwrap();
    // (f32 values come back from JSON as the nearest f64, so compare them rounded)
    assert_eq!(rounded(&on_disk, 6), rounded(&json, 6));

    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_json_snapshot!("lesson01_report", rounded(&without_histograms(json), 4));
    });
}

/// The report with each 100-bin histogram replaced by its peak (bin index and density).
/// Bin edges near zero and counts at bin boundaries move with the last bits of the
/// per-token statistics; the full histograms are checked by the cross-check script.
fn without_histograms(mut json: serde_json::Value) -> serde_json::Value {
    for stat in ["variance", "mean"] {
        for summary in json["distributions"][stat].as_array_mut().unwrap() {
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
    use clap::Parser;
    let dirs = [(); 4].map(|_| tempfile::tempdir().unwrap());
    let run_on = |backend: &str, dir: &tempfile::TempDir| {
        run(&Args::parse_from([
            "lesson01",
            "--standin",
            "--backend",
            backend,
            "--out",
            dir.path().to_str().unwrap(),
        ]))
        .unwrap()
        .to_json()
    };
    let first = run_on("flex", &dirs[0]);
    assert_eq!(
        first,
        run_on("flex", &dirs[1]),
        "same seed, same backend: identical report"
    );
    for (backend, dir) in [("ndarray", &dirs[2]), ("wgpu", &dirs[3])] {
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
            for i in 0..2 {
                for key in ["mean", "min", "max"] {
                    let a = first["distributions"][stat][i][key].as_f64().unwrap();
                    let b = other["distributions"][stat][i][key].as_f64().unwrap();
                    assert!(
                        (a - b).abs() <= 1e-6 + 1e-4 * a.abs(),
                        "{backend} {stat}[{i}].{key}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
