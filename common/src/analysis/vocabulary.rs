//! The nearest neighbours of a map's tokens in the whole vocabulary, under both of lesson
//! 2's metrics: raw Euclidean distance, and Euclidean distance between unit-length vectors
//! (which ranks as cosine does). A map of a sample still lists each token's true
//! neighbours, most of them off the map.

use anyhow::{Context, Result};
use burn::tensor::Device;

use super::neighbours::{Metric, Neighbours, cached_knn_graphs, knn_of_rows};
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
///
/// Both metrics come from the same matrix products, and the vocabulary is read in place
/// (a copy is made only of rows that are not consecutive ids): no normalised copy of it is
/// made. The graph of a whole large vocabulary is the one t-SNE kept on disk
/// (`neighbours::cached_knn_graphs`).
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
    let reusable = graph.filter(|g| whole && g.iter().all(|row| row.len() >= k));
    let metrics: &[Metric] = match reusable {
        Some(_) => &[Metric::Cosine],
        None => &[Metric::Euclidean, Metric::Cosine],
    };
    let mut found = if whole {
        cached_knn_graphs(&matrix, k, metrics, device)?
    } else {
        knn_of_rows(&matrix, &rows, k, metrics, device)?
    };
    let cosine = as_ids(found.pop().unwrap_or_default(), vocabulary);
    let euclidean = match reusable {
        Some(graph) => as_ids(graph.to_vec(), ids),
        None => as_ids(found.pop().unwrap_or_default(), vocabulary),
    };
    Ok(VocabularyNeighbours { euclidean, cosine })
}
