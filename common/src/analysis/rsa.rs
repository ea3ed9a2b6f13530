//! Representational similarity analysis: compare two embedding spaces by how they arrange
//! the same words, not by their coordinates.
//!
//! Each space gives an n×n cosine-similarity matrix of the words; the RSA score is the
//! correlation of the two matrices' upper triangles. Only the words have to match — the
//! spaces may have different widths, different axes, different scales.

use anyhow::{Result, ensure};
use burn::tensor::Device;
use serde::Serialize;

use crate::analysis::stats::{is_constant, pearson, spearman};
use crate::rng::SeededRng;
use crate::tensor::matrix::Matrix;
use crate::tensor::ops::{matrix_tensor, unit_gram};

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

// ANCHOR: rsa
/// RSA of two similarity matrices over the same words: the correlation of
/// their upper triangles (the notebook's `np.corrcoef(unique_B, unique_G)[0,1]`),
/// Pearson's and Spearman's.
pub fn rsa(a: &Matrix, b: &Matrix) -> Result<RsaScore> {
    ensure!(
        a.rows() == b.rows() && a.rows() >= 3,
        "RSA needs two similarity matrices over the same 3+ words"
    );
    // ANCHOR: rsa
    let (ua, ub) = (upper_triangle(a), upper_triangle(b));
    for (which, triangle) in [("first", &ua), ("second", &ub)] {
        ensure!(
            !is_constant(triangle),
            "RSA is undefined here: every similarity among the words in the \
             {which} space is the same (the words are one token, or tokens with \
             one vector there), so no correlation with it exists; choose words \
             that are distinct tokens"
        );
    }
    Ok(RsaScore {
        pearson: pearson(&ua, &ub),
        spearman: spearman(&ua, &ub),
        p_value: None,
        permutations: 0,
    })
}
// ANCHOR_END: rsa

// ANCHOR: permutation_test
/// How surprising an RSA score is: the word labels of `b` are shuffled (rows
/// and columns together) `permutations` times, which keeps each matrix's own
/// structure but breaks the word-to-word correspondence; p is the share of
/// shuffles whose RSA reached the observed one, (hits + 1) / (shuffles + 1). `progress` is
/// told how many shuffles are done (a progress bar for a long test).
pub fn permutation_test(
    a: &Matrix,
    b: &Matrix,
    score: RsaScore,
    permutations: usize,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> RsaScore {
    let ua = upper_triangle(a);
    let p_value = (permutations > 0).then(|| {
        let mut rng = SeededRng::new(seed);
        let mut labels: Vec<usize> = (0..b.rows()).collect();
        let mut hits = 0;
        for done in 1..=permutations {
            rng.shuffle(&mut labels);
            if pearson(&ua, &relabelled_triangle(b, &labels)) >= score.pearson {
                hits += 1;
            }
            progress(done);
        }
        (hits + 1) as f64 / (permutations + 1) as f64
    });
    RsaScore {
        p_value,
        permutations,
        ..score
    }
}
// ANCHOR_END: permutation_test

/// The upper triangle of `m` with word `i` relabelled as word `labels[i]` (its row and
/// column together).
fn relabelled_triangle(m: &Matrix, labels: &[usize]) -> Vec<f32> {
    (0..labels.len())
        .flat_map(|i| ((i + 1)..labels.len()).map(move |j| (i, j)))
        .map(|(i, j)| m.row(labels[i])[labels[j]])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stats::ranks;

    #[test]
    fn a_constant_triangle_is_refused_not_scored() {
        let constant = Matrix::new(3, 3, vec![1.0; 9]).unwrap();
        let varied = Matrix::new(3, 3, (0..9).map(|v| v as f32).collect()).unwrap();
        let error = rsa(&constant, &varied).unwrap_err().to_string();
        assert!(
            error.contains("undefined") && error.contains("distinct"),
            "{error}"
        );
        assert!(rsa(&varied, &constant).is_err());
        assert!(rsa(&varied, &varied).is_ok());
    }

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
