//! Small local models written for the tests: a WordPiece `vocab.txt` and an embedding
//! matrix in `model.safetensors`, the two files a BERT-style directory needs.

use std::path::Path;

use common::model::weights::{SafetensorsEntry, write_safetensors};
use common::rng::SeededRng;

/// BERT's special tokens, first in every synthetic vocabulary.
const SPECIAL: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// Writes a model with `words` after the special tokens into `dir`, its vectors `width`
/// wide: clustered (a few directions each word leans towards) so that neighbours mean
/// something, drawn from `seed`.
pub fn write_model(dir: &Path, words: &[String], width: usize, seed: u64) {
    let entries: Vec<&str> = SPECIAL
        .iter()
        .copied()
        .chain(words.iter().map(String::as_str))
        .collect();
    std::fs::write(dir.join("vocab.txt"), entries.join("\n") + "\n").unwrap();
    let mut rng = SeededRng::new(seed);
    let centres: Vec<Vec<f64>> = (0..8)
        .map(|_| (0..width).map(|_| rng.normal()).collect())
        .collect();
    let values: Vec<f32> = (0..entries.len())
        .flat_map(|i| {
            let centre = centres[i % centres.len()].clone();
            let noise: Vec<f64> = (0..width).map(|_| rng.normal()).collect();
            centre
                .into_iter()
                .zip(noise)
                .map(|(c, e)| (c + 0.7 * e) as f32)
                .collect::<Vec<_>>()
        })
        .collect();
    write_safetensors(
        &dir.join("model.safetensors"),
        &[SafetensorsEntry {
            name: "embeddings.word_embeddings.weight".into(),
            dtype: "F32".into(),
            shape: vec![entries.len(), width],
            bytes: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }],
    )
    .unwrap();
}

/// `count` distinct lower-case words, `prefix` first so that two lists can be disjoint,
/// then ten pieces inside words (`##…`), so the vocabulary reads as WordPiece's.
pub fn words(prefix: &str, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("{prefix}{i:03}"))
        .chain((0..10).map(|i| format!("##{prefix}{i}")))
        .collect()
}
