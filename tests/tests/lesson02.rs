//! Lesson 2 end to end on the offline stand-ins.
//!
//! The snapshot was checked before acceptance by `scripts/crosscheck/lesson02.py`, which
//! recomputes every neighbour table from the same stand-in files with numpy exactly as the
//! notebook does (`np.sqrt(np.sum((E - E[seed])**2, axis=1))`, `np.argsort`) and agreed
//! on every token and on every distance to the 4 significant digits kept here.

use clap::Parser;
use common::report::rounded;
use lesson02::{Args, run};

#[test]
fn lesson02_report_on_the_standins() {
    let out = tempfile::tempdir().unwrap();
    let report = run(&Args::parse_from([
        "lesson02",
        "--standin",
        "--out",
        out.path().to_str().unwrap(),
    ]))
    .unwrap();
    let json = report.to_json();
    let ring = &json["words"][0];
    assert_eq!(ring["bert_ids"], serde_json::json!([3614]));
    assert_eq!(ring["gpt2_ids"], serde_json::json!([1806]));
    // The seed is its own nearest neighbour, at distance 0, in both models.
    assert_eq!(ring["raw"]["bert"][0]["id"], 3614);
    assert_eq!(ring["raw"]["gpt2"][0]["id"], 1806);
    assert!(ring["raw"]["bert"][0]["distance"].as_f64().unwrap() < 1e-3);
    let beauty = &json["words"][1];
    assert_eq!(beauty["gpt2_ids"], serde_json::json!([40544, 88]));
    for name in [
        "distances_ring",
        "distances_ring_normalised",
        "distances_beauty",
    ] {
        assert!(out.path().join(format!("{name}.svg")).is_file(), "{name}");
        assert!(out.path().join(format!("{name}.png")).is_file(), "{name}");
    }
    // Histograms are bulky and checked by the cross-check; the tables are the lesson.
    let mut tables = json.clone();
    for word in tables["words"].as_array_mut().unwrap() {
        for search in ["raw", "normalised"] {
            if let Some(s) = word[search].as_object_mut() {
                s.remove("bert_histogram");
                s.remove("gpt2_histogram");
            }
        }
    }
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_json_snapshot!("lesson02_report", rounded(&tables, 4));
    });
}

#[test]
fn cosine_metric_skips_the_normalised_search() {
    let out = tempfile::tempdir().unwrap();
    let report = run(&Args::parse_from([
        "lesson02",
        "--standin",
        "--metric",
        "cosine",
        "--word",
        "ring",
        "--k",
        "5",
        "--out",
        out.path().to_str().unwrap(),
    ]))
    .unwrap();
    let word = &report.to_json()["words"][0];
    assert!(word["normalised"].is_null());
    assert_eq!(word["raw"]["bert"].as_array().unwrap().len(), 5);
}
