//! The nearest neighbours of a map's tokens in the whole vocabulary, under both of lesson
//! 2's metrics: raw Euclidean distance, and Euclidean distance between unit-length vectors
//! (which ranks as cosine does). A map of a sample still lists each token's true
//! neighbours, most of them off the map.

use anyhow::{Context, Result};
use burn::tensor::Device;

use super::neighbours::{Neighbours, knn_of_rows, unit_length_rows};
use crate::tensor::Matrix;

/// Each map token's `k` nearest vocabulary tokens, nearest first, as `(vocabulary id,
/// distance)`.
pub struct VocabularyNeighbours {
    /// ‖x − y‖ between the raw vectors.
    pub euclidean: Vec<Neighbours>,
    /// ‖x/‖x‖ − y/‖y‖‖ = √(2 − 2 cos): the cosine ranking.
    pub cosine: Vec<Neighbours>,
}

/// The neighbours of the tokens `ids` among the tokens `vocabulary` (ids, each once, the
/// map's among them) of `embeddings`. `graph`, when given, is the Euclidean graph of the
/// map's own tokens (`(index into ids, squared distance)`, at least `k` long, as t-SNE
/// computed it): used as it is when the map is the whole vocabulary, saving one pass.
pub fn vocabulary_neighbours(
    embeddings: &Matrix,
    vocabulary: &[usize],
    ids: &[usize],
    k: usize,
    graph: Option<&[Neighbours]>,
    device: &Device,
) -> Result<VocabularyNeighbours> {
    let row_of: std::collections::HashMap<usize, usize> = vocabulary
        .iter()
        .enumerate()
        .map(|(r, &id)| (id, r))
        .collect();
    let rows: Vec<usize> = ids
        .iter()
        .map(|id| {
            row_of
                .get(id)
                .copied()
                .with_context(|| format!("token {id} is not in the vocabulary"))
        })
        .collect::<Result<_>>()?;
    let matrix = embeddings.select_rows(vocabulary);
    let as_ids = |lists: Vec<Neighbours>, of: &[usize]| -> Vec<Neighbours> {
        lists
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .take(k)
                    .map(|(r, d2)| (of[r], d2.max(0.0).sqrt()))
                    .collect()
            })
            .collect()
    };
    let whole = ids == vocabulary;
    let euclidean = match graph {
        Some(graph) if whole && graph.iter().all(|row| row.len() >= k) => {
            as_ids(graph.to_vec(), ids)
        }
        _ => as_ids(knn_of_rows(&matrix, &rows, k, device)?, vocabulary),
    };
    let unit = unit_length_rows(&matrix)?;
    let cosine = as_ids(knn_of_rows(&unit, &rows, k, device)?, vocabulary);
    Ok(VocabularyNeighbours { euclidean, cosine })
}
