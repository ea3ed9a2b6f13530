//! Lesson 5's map coloured by a diagnosis (`--diagnosis DIR`, lesson 7's
//! `token-scores.json`): the scores of the map's tokens reach the page, and scores of
//! another matrix are refused in one line.

use common::model::files::locate;
use common::model::{Model, standins};
use common::run::token_scores::{TokenScores, fingerprint};
use course_tests::{one_line_error, out_dir, run_binary, standin_args};
use lesson05::{Args, run};

/// Scores for the GPT stand-in as lesson 7 writes them: token i scores i (under-trained)
/// and 2i (hubness), so the map's values name their tokens.
fn scores_of(model: &Model, fingerprint: String) -> TokenScores {
    let rows = model.embeddings.rows();
    TokenScores {
        model: model.files.name.clone(),
        rows,
        cols: model.embeddings.cols(),
        fingerprint,
        under_trained_method: "indicator".into(),
        under_trained: (0..rows).map(|i| i as f32).collect(),
        k: 10,
        hubness_euclidean: vec![0; rows],
        hubness_cosine: (0..rows as u32).map(|i| 2 * i).collect(),
    }
}

fn decoded<T: Copy>(base64_text: &str, from: impl Fn([u8; 4]) -> T) -> Vec<T> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_text)
        .unwrap();
    bytes
        .chunks_exact(4)
        .map(|c| from(c.try_into().unwrap()))
        .collect()
}

#[test]
fn the_map_carries_a_diagnosis_of_its_model_and_refuses_another() {
    let model = Model::load(
        locate(
            "standin/SmolLM2-135M-Instruct",
            &standins::ensure().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let diagnosis = out_dir();
    scores_of(&model, fingerprint(&model.embeddings))
        .write(diagnosis.path())
        .unwrap();
    let dir = diagnosis.path().to_str().unwrap();
    let out = out_dir();
    let report = run(&standin_args::<Args>(
        "lesson05",
        out.path(),
        &["--diagnosis", dir],
    ))
    .unwrap();
    let script = std::fs::read_to_string(out.path().join("map-data.js")).unwrap();
    let json = script
        .strip_prefix("window.MAP_DATA = ")
        .and_then(|s| s.trim_end().strip_suffix(';'))
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    let under_trained = decoded(data["under_trained"].as_str().unwrap(), f32::from_le_bytes);
    let hubness = decoded(data["hubness"].as_str().unwrap(), u32::from_le_bytes);
    let ids = &report.results.tokens;
    assert_eq!(under_trained.len(), ids.len());
    for ((&id, &score), &n_k) in ids.iter().zip(&under_trained).zip(&hubness) {
        assert_eq!(score, id as f32);
        assert_eq!(n_k, 2 * id as u32);
    }
    let page = std::fs::read_to_string(out.path().join("map.html")).unwrap();
    assert!(page.contains("\"under-trained score\"") && page.contains("\"hubness\""));

    // Scores of another matrix (another fingerprint): a one-line error naming the fix.
    let other = out_dir();
    scores_of(&model, "0".repeat(64))
        .write(other.path())
        .unwrap();
    let refused = run_binary(
        env!("CARGO_BIN_EXE_lesson05"),
        &[
            "--standin",
            "--diagnosis",
            other.path().to_str().unwrap(),
            "--out",
            out_dir().path().to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(one_line_error(&refused).contains("run lesson 7 on"));
}
