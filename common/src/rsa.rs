//! Representational similarity analysis: compare two embedding spaces by how they arrange
//! the same words, not by their coordinates.
//!
//! Each space gives an n×n cosine-similarity matrix of the words; the RSA score is the
//! correlation of the two matrices' upper triangles. Only the words have to match — the
//! spaces may have different widths, different axes, different scales.

use anyhow::{Result, ensure};
use burn::tensor::Device;
use serde::Serialize;

use crate::matrix::Matrix;
use crate::ops::{matrix_tensor, unit_gram};
use crate::rng::SeededRng;

/// Cosine similarity of every pair of rows (`torch.cosine_similarity` row by row): rows
/// scaled to unit length, then one matmul with the transpose.
pub fn cosine_similarity_matrix(rows: &Matrix, device: &Device) -> Result<Matrix> {
    unit_gram(matrix_tensor(rows, device))
}

/// The elements above the diagonal, row by row (`m[np.triu_indices_from(m, k=1)]`).
pub fn upper_triangle(m: &Matrix) -> Vec<f32> {
    (0..m.rows())
        .flat_map(|i| m.row(i)[i + 1..].to_vec())
        .collect()
}

/// Pearson correlation in f64 (`np.corrcoef(a, b)[0, 1]`).
pub fn pearson(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    let mean = |v: &[f32]| v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let (ma, mb) = (mean(a), mean(b));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x as f64 - ma, y as f64 - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    sab / (saa * sbb).sqrt()
}

/// Ranks from 1, ties sharing their average rank (`scipy.stats.rankdata`).
pub fn ranks(values: &[f32]) -> Vec<f32> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let average = (start + end + 1) as f32 / 2.0; // ranks start+1 ..= end
        for &i in &order[start..end] {
            ranks[i] = average;
        }
        start = end;
    }
    ranks
}

/// Spearman's rank correlation: Pearson on the ranks.
pub fn spearman(a: &[f32], b: &[f32]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// An RSA score and how surprising it is.
#[derive(Clone, Debug, Serialize)]
pub struct RsaScore {
    pub pearson: f64,
    pub spearman: f64,
    /// Share of label shuffles whose Pearson RSA reached the observed one,
    /// `(hits + 1) / (permutations + 1)`.
    pub p_value: Option<f64>,
    pub permutations: usize,
}

/// RSA of two similarity matrices over the same words, with a permutation test: the word
/// labels of `b` are shuffled (rows and columns together) `permutations` times, which keeps
/// each matrix's own structure but breaks the word-to-word correspondence.
pub fn rsa(a: &Matrix, b: &Matrix, permutations: usize, seed: u64) -> Result<RsaScore> {
    ensure!(
        a.rows() == b.rows() && a.rows() >= 3,
        "RSA needs two similarity matrices over the same 3+ words"
    );
    let (ua, ub) = (upper_triangle(a), upper_triangle(b));
    let observed = pearson(&ua, &ub);
    let p_value = (permutations > 0).then(|| {
        let mut rng = SeededRng::new(seed);
        let mut labels: Vec<usize> = (0..b.rows()).collect();
        let mut hits = 0;
        for _ in 0..permutations {
            rng.shuffle(&mut labels);
            let shuffled: Vec<f32> = (0..labels.len())
                .flat_map(|i| ((i + 1)..labels.len()).map(move |j| (i, j)))
                .map(|(i, j)| b.row(labels[i])[labels[j]])
                .collect();
            if pearson(&ua, &shuffled) >= observed {
                hits += 1;
            }
        }
        (hits + 1) as f64 / (permutations + 1) as f64
    });
    Ok(RsaScore {
        pearson: observed,
        spearman: spearman(&ua, &ub),
        p_value,
        permutations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_triangle_is_row_major_above_the_diagonal() {
        let m = Matrix::new(3, 3, (0..9).map(|v| v as f32).collect()).unwrap();
        assert_eq!(upper_triangle(&m), vec![1.0, 2.0, 5.0]);
    }

    #[test]
    fn ranks_average_ties_like_scipy() {
        // scipy.stats.rankdata([10, 20, 20, 5]) -> [2, 3.5, 3.5, 1]
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 5.0]), vec![2.0, 3.5, 3.5, 1.0]);
    }

    #[test]
    fn spearman_sees_monotone_as_perfect() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [1.0, 8.0, 27.0, 64.0];
        assert!((spearman(&a, &b) - 1.0).abs() < 1e-12);
        assert!(pearson(&a, &b) < 0.99);
    }
}
