//! Representational similarity analysis: compare two embedding spaces by how they arrange
//! the same words, not by their coordinates.
//!
//! Each space gives an n×n cosine-similarity matrix of the words; the RSA score is the
//! correlation of the two matrices' upper triangles. Only the words have to match — the
//! spaces may have different widths, different axes, different scales.

use anyhow::{Result, ensure};
use burn::tensor::Device;
use serde::Serialize;

use crate::analysis::neighbours::unit_length_rows;
use crate::analysis::stats::{is_constant, pearson, spearman};
use crate::rng::SeededRng;
use crate::tensor::matrix::Matrix;
use crate::tensor::ops::{matrix_tensor, unit_gram};
use crate::tensor::products::{Columns, cross_product};

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

/// RSA of two similarity matrices over the same words: the correlation of their upper
/// triangles (matrices of the same 3+ words have triangles of one length, 3 or more).
pub fn rsa(a: &Matrix, b: &Matrix) -> Result<RsaScore> {
    correlate_triangles(&upper_triangle(a), &upper_triangle(b))
}

// ANCHOR: rsa
/// The RSA score of two similarity matrices' upper triangles (the notebook's
/// `np.corrcoef(unique_B, unique_G)[0,1]`), Pearson's and Spearman's.
pub fn correlate_triangles(ua: &[f32], ub: &[f32]) -> Result<RsaScore> {
    ensure_correlatable(ua, ub)?;
    Ok(RsaScore {
        pearson: pearson(ua, ub),
        spearman: spearman(ua, ub),
        p_value: None,
        permutations: 0,
    })
}
// ANCHOR_END: rsa

/// Two triangles a correlation is defined for: the same pairs, at least three, and
/// neither constant (a constant has no variance to correlate: numpy would give nan).
fn ensure_correlatable(ua: &[f32], ub: &[f32]) -> Result<()> {
    ensure!(
        ua.len() == ub.len() && ua.len() >= 3,
        "RSA needs two similarity matrices over the same 3+ words"
    );
    for (which, triangle) in [("first", ua), ("second", ub)] {
        ensure!(
            !is_constant(triangle),
            "RSA is undefined here: every similarity among the words in the \
             {which} space is the same (the words are one token, or tokens with \
             one vector there), so no correlation with it exists; choose words \
             that are distinct tokens"
        );
    }
    Ok(())
}

/// How surprising an RSA score is: the word labels of `b` are shuffled (rows and columns
/// together) `permutations` times, which keeps each matrix's own structure but breaks the
/// word-to-word correspondence; p is the share of shuffles whose RSA reached the observed
/// one, (hits + 1) / (shuffles + 1). `progress` is told how many shuffles are done (a
/// progress bar for a long test).
// ANCHOR: permutation_test
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

/// Pearson RSA of the cosine similarities of every pair of rows of `a` and of `b` (the
/// same tokens, any widths), without forming the n × n matrices: O(n·p·q) instead of
/// O(n²·(p + q)), so a whole vocabulary's score takes a fraction of a second.
///
/// With unit rows U (n × p) and V (n × q), the sums over pairs i < j that Pearson's r
/// needs are sums over all (i, j) less the diagonal, halved, and those are small
/// products: Σ a_ij b_ij = ‖Uᵀ V‖²_F, Σ a_ij = ‖Σ_i u_i‖², Σ a_ij² = ‖Uᵀ U‖²_F.
pub fn pearson_rsa_of_rows(a: &Matrix, b: &Matrix) -> Result<f64> {
    ensure!(
        a.rows() == b.rows() && a.rows() >= 3,
        "RSA needs the same 3+ tokens in both spaces"
    );
    let (u, v) = (unit_length_rows(a)?, unit_length_rows(b)?);
    let n = u.rows() as f64;
    let squares =
        |m: &Matrix| -> Vec<f64> { m.squared_norms().iter().map(|&s| s as f64).collect() };
    let (du, dv) = (squares(&u), squares(&v));
    let frobenius = |x: &Columns, y: &Columns| -> Result<f64> {
        Ok(cross_product(x, y)?.iter().map(|c| c * c).sum())
    };
    let (cu, cv) = (Columns::of(&u), Columns::of(&v));
    let total = |m: &Matrix| -> f64 {
        let mut sum = vec![0f64; m.cols()];
        for i in 0..m.rows() {
            sum.iter_mut()
                .zip(m.row(i))
                .for_each(|(s, &x)| *s += x as f64);
        }
        sum.iter().map(|s| s * s).sum()
    };
    // Sums over the pairs above the diagonal.
    let pairs = n * (n - 1.0) / 2.0;
    let ab = (frobenius(&cu, &cv)? - du.iter().zip(&dv).map(|(x, y)| x * y).sum::<f64>()) / 2.0;
    let aa = (frobenius(&cu, &cu)? - du.iter().map(|x| x * x).sum::<f64>()) / 2.0;
    let bb = (frobenius(&cv, &cv)? - dv.iter().map(|y| y * y).sum::<f64>()) / 2.0;
    let sa = (total(&u) - du.iter().sum::<f64>()) / 2.0;
    let sb = (total(&v) - dv.iter().sum::<f64>()) / 2.0;
    let (var_a, var_b) = (pairs * aa - sa * sa, pairs * bb - sb * sb);
    ensure!(
        var_a > 0.0 && var_b > 0.0,
        "RSA is undefined here: every similarity among the tokens is the same in one space"
    );
    Ok((pairs * ab - sa * sb) / (var_a * var_b).sqrt())
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
    fn rsa_from_the_rows_is_rsa_of_the_similarity_matrices() {
        let device = crate::tensor::Backend::Flex.device().unwrap();
        let mut rng = SeededRng::new(11);
        let a = Matrix::random_normal(60, 5, 1.0, &mut rng).unwrap();
        // b: a noisy, wider view of a, shifted so its cosines are mostly positive.
        let b = Matrix::new(
            60,
            8,
            (0..60 * 8)
                .map(|k| {
                    let (i, j) = (k / 8, k % 8);
                    a.row(i)[j % 5] + 0.8 * rng.normal() as f32 + 1.0
                })
                .collect(),
        )
        .unwrap();
        let by_matrices = rsa(
            &cosine_similarity_matrix(&a, &device).unwrap(),
            &cosine_similarity_matrix(&b, &device).unwrap(),
        )
        .unwrap()
        .pearson;
        let by_rows = pearson_rsa_of_rows(&a, &b).unwrap();
        assert!(
            (by_rows - by_matrices).abs() < 1e-5,
            "{by_rows} vs {by_matrices}"
        );
        assert!(by_rows > 0.3);
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
