//! Nearest neighbours in an embedding space: of one query (lesson 2's searches) and of
//! every token at once (the whole-vocabulary graph behind t-SNE at scale and `--graph`).

use anyhow::{Result, ensure};
use burn::tensor::Device;
use rayon::prelude::*;

use crate::tensor::ops::{BLOCK_BYTES, per_row_blocks, rows_tensor, to_tensor, to_vec};
use crate::tensor::{Matrix, squared_norm};

/// How the distance between two embedding vectors is measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Straight-line distance, ‖x − q‖.
    #[default]
    Euclidean,
    /// One minus the cosine of the angle: 0 for the same direction, 2 for opposite.
    Cosine,
}

// ANCHOR: distances
/// Distance from `query` to every row of `matrix`.
///
/// The device computes the dot products x·q, one matmul per row block; the rest is per
/// row on the host: ‖x − q‖² = ‖x‖² + ‖q‖² − 2 x·q (clamped at 0 against rounding) and
/// cos = x·q / (‖x‖‖q‖). With `normalise`, rows are first scaled to unit length, as the
/// notebook's second exercise does: x/‖x‖ · q = x·q / ‖x‖ and ‖x/‖x‖‖² = 1.
pub fn distances_to(
    matrix: &Matrix,
    query: &[f32],
    metric: Metric,
    normalise: bool,
    device: &Device,
) -> Result<Vec<f32>> {
    ensure!(
        query.len() == matrix.cols(),
        "query has {} values, rows have {}",
        query.len(),
        matrix.cols()
    );
    let q_sq = squared_norm(query);
    let squares = matrix.squared_norms();
    let q_tensor = to_tensor(query, query.len(), 1, device);
    let dots = per_row_blocks(matrix, device, |block| block.matmul(q_tensor.clone()))?;
    Ok(dots
        .iter()
        .enumerate()
        .map(|(i, &dot)| {
            let x_sq = squares[i];
            let x_norm = x_sq.sqrt().max(f32::MIN_POSITIVE);
            match (metric, normalise) {
                (Metric::Euclidean, false) => (x_sq + q_sq - 2.0 * dot).max(0.0).sqrt(),
                (Metric::Euclidean, true) => (1.0 + q_sq - 2.0 * dot / x_norm).max(0.0).sqrt(),
                (Metric::Cosine, _) => 1.0 - dot / (x_norm * q_sq.sqrt()).max(f32::MIN_POSITIVE),
            }
        })
        .collect())
}
// ANCHOR_END: distances

/// The `k` smallest values with their indices, smallest first; ties go to the lower
/// index, so the order is the same on every backend and every run.
pub fn smallest(values: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    let key = |i: &usize| (values[*i], *i);
    let k = k.min(values.len());
    if k == 0 {
        return Vec::new();
    }
    order.select_nth_unstable_by(k - 1, |a, b| {
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    order.truncate(k);
    order.sort_by(|a, b| {
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    order.into_iter().map(|i| (i, values[i])).collect()
}

/// `(row index, distance)` pairs, nearest first.
pub type Neighbours = Vec<(usize, f32)>;

/// The `k` rows nearest to `query`, nearest first, and the distances to every row.
///
/// All distances come from [`distances_to`] (one matmul per block); the matmul form loses
/// precision near zero (a row's distance to itself comes out around 1e-3, not 0), so the
/// `2k` best candidates are re-measured exactly on the host and re-ranked.
pub fn nearest(
    matrix: &Matrix,
    query: &[f32],
    k: usize,
    metric: Metric,
    normalise: bool,
    device: &Device,
) -> Result<(Neighbours, Vec<f32>)> {
    let distances = distances_to(matrix, query, metric, normalise, device)?;
    let mut best: Vec<(usize, f32)> = smallest(&distances, k.saturating_mul(2))
        .into_iter()
        .map(|(i, _)| (i, exact_distance(matrix.row(i), query, metric, normalise)))
        .collect();
    best.sort_by(|a, b| {
        (a.1, a.0)
            .partial_cmp(&(b.1, b.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    best.truncate(k);
    Ok((best, distances))
}

/// Query rows per block in [`knn_graph`].
const GRAPH_QUERY_ROWS: usize = 1024;

// ANCHOR: knn_graph
/// The exact `k` nearest neighbours of every row (itself excluded) by Euclidean distance,
/// nearest first, as `(index, squared distance)`; ties go to the lower index.
///
/// Query rows go to the device in blocks of [`GRAPH_QUERY_ROWS`], key rows in blocks sized
/// so one block of dot products stays within [`BLOCK_BYTES`]: one matmul per pair of
/// blocks, and each row's best `k` kept as the blocks stream past, so memory stays bounded
/// however large the vocabulary.
pub fn knn_graph(matrix: &Matrix, k: usize, device: &Device) -> Result<Vec<Neighbours>> {
    let n = matrix.rows();
    ensure!(
        k >= 1 && k < n,
        "k must be between 1 and {} for {n} rows, got {k}",
        n.saturating_sub(1)
    );
    let squares = matrix.squared_norms();
    let key_rows = (BLOCK_BYTES / (GRAPH_QUERY_ROWS * 4)).max(1);
    let mut graph = Vec::with_capacity(n);
    for start in (0..n).step_by(GRAPH_QUERY_ROWS) {
        let count = GRAPH_QUERY_ROWS.min(n - start);
        let queries = rows_tensor(matrix, start, count, device);
        let mut best: Vec<Nearest> = (0..count).map(|_| Nearest::new(k)).collect();
        for key_start in (0..n).step_by(key_rows) {
            let key_count = key_rows.min(n - key_start);
            let keys = rows_tensor(matrix, key_start, key_count, device);
            let dots = to_vec(queries.clone().matmul(keys.transpose()))?;
            // ‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x; ‖q‖² is the same for the whole row, so it is
            // left out of the ranking and added at the end. Each query row on its own
            // thread: rows are independent, so the result does not depend on the split.
            best.par_iter_mut()
                .zip(dots.par_chunks_exact(key_count))
                .enumerate()
                .for_each(|(q, (nearest, row))| {
                    for (j, &dot) in row.iter().enumerate() {
                        let id = key_start + j;
                        if id != start + q {
                            nearest.offer(squares[id] - 2.0 * dot, id);
                        }
                    }
                });
        }
        for (q, nearest) in best.into_iter().enumerate() {
            let own = squares[start + q];
            graph.push(
                nearest
                    .best
                    .into_iter()
                    .map(|(score, id)| (id, (score + own).max(0.0)))
                    .collect(),
            );
        }
    }
    Ok(graph)
}
// ANCHOR_END: knn_graph

/// The `k` smallest scores offered so far, smallest first (ties: the earlier offer, which
/// in [`knn_graph`] is the lower index).
struct Nearest {
    k: usize,
    best: Vec<(f32, usize)>,
}

impl Nearest {
    fn new(k: usize) -> Self {
        Self {
            k,
            best: Vec::with_capacity(k + 1),
        }
    }

    fn offer(&mut self, score: f32, id: usize) {
        if self.best.len() == self.k && !(score < self.best[self.k - 1].0) {
            return;
        }
        let at = self.best.partition_point(|&(s, _)| s <= score);
        self.best.insert(at, (score, id));
        self.best.truncate(self.k);
    }
}

/// One distance computed directly in f64: the reference the matmul form is checked against.
pub fn exact_distance(x: &[f32], q: &[f32], metric: Metric, normalise: bool) -> f32 {
    let norm = |v: &[f32]| {
        v.iter()
            .map(|&a| (a as f64) * (a as f64))
            .sum::<f64>()
            .sqrt()
            .max(f64::MIN_POSITIVE)
    };
    let nx = if normalise { norm(x) } else { 1.0 };
    match metric {
        Metric::Euclidean => x
            .iter()
            .zip(q)
            .map(|(&a, &b)| (a as f64 / nx - b as f64).powi(2))
            .sum::<f64>()
            .sqrt() as f32,
        Metric::Cosine => {
            let dot: f64 = x.iter().zip(q).map(|(&a, &b)| a as f64 * b as f64).sum();
            (1.0 - dot / (norm(x) * norm(q))) as f32
        }
    }
}

/// How a k-nearest-neighbour graph spreads its edges: in high dimensions a few tokens
/// ("hubs") turn up in very many neighbour lists and many in none.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hubness {
    /// The `top` tokens that are in the most neighbour lists, as (id, lists), most first.
    pub hubs: Vec<(usize, usize)>,
    /// Tokens that are in no other token's neighbour list.
    pub orphans: usize,
    /// Share of edges i → j whose reverse j → i is also in the graph.
    pub mutual: f64,
}

/// Hubness of a neighbour graph (`graph[i]` lists i's neighbours).
pub fn hubness(graph: &[Vec<(usize, f32)>], top: usize) -> Hubness {
    let mut lists = vec![0usize; graph.len()];
    for &(j, _) in graph.iter().flatten() {
        lists[j] += 1;
    }
    let mut order: Vec<usize> = (0..graph.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(lists[i]), i));
    let edges = graph.iter().map(Vec::len).sum::<usize>().max(1);
    let mutual = graph
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.iter().map(move |&(j, _)| (i, j)))
        .filter(|&(i, j)| graph[j].iter().any(|&(back, _)| back == i))
        .count();
    Hubness {
        hubs: order.iter().take(top).map(|&i| (i, lists[i])).collect(),
        orphans: lists.iter().filter(|&&c| c == 0).count(),
        mutual: mutual as f64 / edges as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Backend;

    fn approx(a: f32, b: f32, tol: f32) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn distances_by_hand() {
        let device = Backend::Flex.device().unwrap();
        // rows (3,4), (0,0), (6,8), (-3,-4); query (3,4)
        let m = Matrix::new(4, 2, vec![3., 4., 0., 0., 6., 8., -3., -4.]).unwrap();
        let euclid = distances_to(&m, &[3., 4.], Metric::Euclidean, false, &device).unwrap();
        for (got, want) in euclid.iter().zip([0.0, 5.0, 5.0, 10.0]) {
            assert!(approx(*got, want, 1e-5), "{euclid:?}");
        }
        // normalised rows against the unit query (0.6, 0.8): (6,8) points the same way (0),
        // (-3,-4) the opposite way (2)
        let unit = distances_to(&m, &[0.6, 0.8], Metric::Euclidean, true, &device).unwrap();
        assert!(
            approx(unit[2], 0.0, 1e-3) && approx(unit[3], 2.0, 1e-5),
            "{unit:?}"
        );
        let cosine = distances_to(&m, &[3., 4.], Metric::Cosine, false, &device).unwrap();
        assert!(
            approx(cosine[2], 0.0, 1e-6) && approx(cosine[3], 2.0, 1e-6),
            "{cosine:?}"
        );
    }

    #[test]
    fn smallest_breaks_ties_by_index() {
        let values = [0.5, 0.1, 0.5, 0.0, 0.1];
        assert_eq!(smallest(&values, 3), vec![(3, 0.0), (1, 0.1), (4, 0.1)]);
        assert_eq!(smallest(&values, 99).len(), 5);
        assert!(smallest(&values, 0).is_empty());
    }

    #[test]
    fn hubness_counts_lists_orphans_and_mutual_edges() {
        // 0 ↔ 1 mutual; 2 → 0 and 3 → 0 one-way: 0 is the hub, 2 and 3 are orphans.
        let graph = vec![
            vec![(1, 0.0)],
            vec![(0, 0.0)],
            vec![(0, 0.0)],
            vec![(0, 0.0)],
        ];
        let h = hubness(&graph, 2);
        assert_eq!(h.hubs, vec![(0, 3), (1, 1)]);
        assert_eq!(h.orphans, 2);
        assert!((h.mutual - 0.5).abs() < 1e-12);
    }
}
