//! t-SNE's input side: the joint probabilities P that say which points are neighbours in
//! the original space, from a per-point Gaussian whose width matches the perplexity.

use anyhow::Result;
use burn::tensor::Device;

use crate::analysis::neighbours::{Metric, Neighbours, cached_knn_graphs};
use crate::tensor::Matrix;

use super::MACHINE_EPSILON;

/// Squared Euclidean distances between all rows.
pub(super) fn squared_distances(x: &Matrix) -> Vec<f64> {
    let n = x.rows();
    let mut d = vec![0.0; n * n];
    for i in 0..n {
        for j in (i + 1)..n {
            let s: f64 = x
                .row(i)
                .iter()
                .zip(x.row(j))
                .map(|(&a, &b)| ((a - b) as f64).powi(2))
                .sum();
            d[i * n + j] = s;
            d[j * n + i] = s;
        }
    }
    d
}

/// Conditional probabilities p(j|i) over one point's candidate neighbours (squared
/// distances), with the precision found by binary search so that their entropy is
/// ln(perplexity) (sklearn's `_binary_search_perplexity`: 100 steps, tolerance 1e-5).
fn conditional_probabilities_of(distances: &[f64], perplexity: f64) -> Vec<f64> {
    // ANCHOR: perplexity
    let desired_entropy = perplexity.ln();
    let mut p = vec![0.0; distances.len()];
    let mut beta = 1.0f64;
    let (mut beta_min, mut beta_max) = (f64::NEG_INFINITY, f64::INFINITY);
    for _ in 0..100 {
        let diff = gaussian(&mut p, distances, beta) - desired_entropy;
        if diff.abs() <= 1e-5 {
            break;
        }
        if diff > 0.0 {
            beta_min = beta;
            beta = if beta_max == f64::INFINITY {
                beta * 2.0
            } else {
                (beta + beta_max) / 2.0
            };
        } else {
            beta_max = beta;
            beta = if beta_min == f64::NEG_INFINITY {
                beta / 2.0
            } else {
                (beta + beta_min) / 2.0
            };
        }
    }
    // ANCHOR_END: perplexity
    p
}

/// Fills `p` with the Gaussian p(j|i) ∝ exp(−β d_j) over squared distances `d`
/// (5.1, β = 1/(2σ²)) and returns its entropy H (5.2), ln Σ + β Σ d_j p_j, as
/// scikit-learn computes it (a sum of 0 taken as 1e-8).
fn gaussian(p: &mut [f64], distances: &[f64], beta: f64) -> f64 {
    let mut sum = 0.0;
    for (pj, &d) in p.iter_mut().zip(distances) {
        *pj = (-d * beta).exp();
        sum += *pj;
    }
    if sum == 0.0 {
        sum = 1e-8;
    }
    let mut weighted = 0.0;
    for (pj, &d) in p.iter_mut().zip(distances) {
        *pj /= sum;
        weighted += d * *pj;
    }
    sum.ln() + beta * weighted
}

/// Dense conditional probabilities: every other point is a candidate neighbour.
pub(super) fn conditional_probabilities(distances: &[f64], n: usize, perplexity: f64) -> Vec<f64> {
    let mut p = vec![0.0; n * n];
    for i in 0..n {
        let others: Vec<f64> = (0..n)
            .filter(|&j| j != i)
            .map(|j| distances[i * n + j])
            .collect();
        let row = conditional_probabilities_of(&others, perplexity);
        for (slot, j) in (0..n).filter(|&j| j != i).enumerate() {
            p[i * n + j] = row[slot];
        }
    }
    p
}

/// Symmetric joint probabilities: (P + Pᵀ) / sum, floored at machine epsilon.
pub(super) fn joint_probabilities(x: &Matrix, perplexity: f64) -> Vec<f64> {
    let n = x.rows();
    let conditional = conditional_probabilities(&squared_distances(x), n, perplexity);
    let mut p = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            p[i * n + j] = conditional[i * n + j] + conditional[j * n + i];
        }
    }
    let sum = p.iter().sum::<f64>().max(MACHINE_EPSILON);
    for i in 0..n {
        for j in 0..n {
            p[i * n + j] = if i == j {
                0.0
            } else {
                (p[i * n + j] / sum).max(MACHINE_EPSILON)
            };
        }
    }
    p
}

/// Each point's `min(N − 1, ⌊3·perplexity + 1⌋)` nearest neighbours (scikit-learn's
/// Barnes–Hut neighbourhoods); a whole large vocabulary's graph is kept on disk and read
/// back by every later stage and run that needs it (`neighbours::cached_knn_graphs`).
pub(super) fn neighbourhoods(
    x: &Matrix,
    perplexity: f64,
    device: &Device,
) -> Result<Vec<Neighbours>> {
    let k = ((3.0 * perplexity + 1.0) as usize).min(x.rows() - 1);
    Ok(cached_knn_graphs(x, k, &[Metric::Euclidean], device)?.remove(0))
}

/// Sparse joint probabilities in compressed rows: row i's neighbours j in ascending order
/// and p_ij, each row's entries contiguous, so the gradient streams through them.
pub(super) struct SparseAffinities {
    /// Row i's entries are `offsets[i]..offsets[i + 1]`.
    offsets: Vec<usize>,
    columns: Vec<u32>,
    values: Vec<f64>,
}

impl SparseAffinities {
    /// From each row's (j, p_ij) pairs, j ascending; indices must fit in u32 (checked by
    /// [`super::tsne`]).
    pub(super) fn from_rows(rows: impl IntoIterator<Item = Vec<(usize, f64)>>) -> Self {
        let mut sparse = Self {
            offsets: vec![0],
            columns: Vec::new(),
            values: Vec::new(),
        };
        for row in rows {
            for (j, p) in row {
                sparse.columns.push(j as u32);
                sparse.values.push(p);
            }
            sparse.offsets.push(sparse.columns.len());
        }
        sparse
    }

    /// Row i's neighbours and their probabilities.
    pub(super) fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let range = self.offsets[i]..self.offsets[i + 1];
        (&self.columns[range.clone()], &self.values[range])
    }

    pub(super) fn rows(&self) -> usize {
        self.offsets.len() - 1
    }
}

/// Sparse joint probabilities over the neighbourhoods (scikit-learn's Barnes–Hut
/// affinities): p_ij = (p_j|i + p_i|j) / Σ, over the pairs where either is the other's
/// neighbour.
pub(super) fn sparse_joint_probabilities(
    graph: &[Neighbours],
    perplexity: f64,
) -> SparseAffinities {
    // ANCHOR: sparse_p
    // row i of P: p_j|i over i's k neighbours only, the binary search (5.2) run on
    // their k distances; and p_j|i also in row j, where (5.3) adds p_i|j to it
    let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); graph.len()];
    for (i, near) in graph.iter().enumerate() {
        let distances: Vec<f64> = near.iter().map(|&(_, d)| d.into()).collect();
        let conditional = conditional_probabilities_of(&distances, perplexity);
        for (&(j, _), &p) in near.iter().zip(&conditional) {
            rows[i].push((j, p));
            rows[j].push((i, p));
        }
    }
    // ANCHOR_END: sparse_p
    // Each row sorted, a pair in both neighbour lists summed into one entry (two terms, so
    // in either order the same), and the total summed in row order: the same bits on
    // every run.
    for row in &mut rows {
        row.sort_unstable_by_key(|&(j, _)| j);
        row.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
    }
    let total: f64 = rows
        .iter()
        .flatten()
        .map(|&(_, p)| p)
        .sum::<f64>()
        .max(MACHINE_EPSILON);
    SparseAffinities::from_rows(
        rows.into_iter()
            .map(|row| row.into_iter().map(|(j, p)| (j, p / total)).collect()),
    )
}
