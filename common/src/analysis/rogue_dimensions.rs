//! Rogue dimensions (Timkey & van Schijndel, 2021, "All Bark and No Bite"): a cosine is a
//! sum over dimensions, cos(u, v) = Σ_k û_k v̂_k with û = u/‖u‖, so the expected cosine of
//! two random tokens splits into one share per dimension. In many models a handful of
//! dimensions, with a large mean or a huge spread, carry most of it: similarity then
//! measures those few dimensions rather than meaning. Standardising each dimension (z-score)
//! takes their weight away.

use anyhow::{Result, ensure};
use rayon::prelude::*;
use serde::Serialize;

use super::covariance::{add, column_means};
use crate::tensor::Matrix;

// ANCHOR: contributions
/// Each dimension's share of the mean cosine over every pair of distinct rows,
/// C_k = Σ_{i≠j} û_ik û_jk / (V(V − 1)) = ((Σ_i û_ik)² − Σ_i û_ik²) / (V(V − 1)),
/// with û the rows at unit length; Σ_k C_k is the mean cosine (lesson 2's
/// anisotropy). Rows of zeros have no direction and are left out, as there.
pub fn cosine_contributions(matrix: &Matrix) -> Result<Vec<f64>> {
    let (sums, squares, count) = unit_column_sums(matrix);
    ensure!(
        count >= 2,
        "a mean cosine needs two rows that are not all zeros, and there are {count}"
    );
    let pairs = count as f64 * (count as f64 - 1.0);
    Ok(sums
        .iter()
        .zip(&squares)
        .map(|(s, q)| (s * s - q) / pairs)
        .collect())
}
// ANCHOR_END: contributions

/// Σ_i û_ik and Σ_i û_ik² for every dimension k over the rows at unit length (rows of
/// zeros left out), and how many rows were counted.
fn unit_column_sums(matrix: &Matrix) -> (Vec<f64>, Vec<f64>, usize) {
    let d = matrix.cols();
    (0..matrix.rows())
        .into_par_iter()
        .fold(
            || (vec![0f64; d], vec![0f64; d], 0usize),
            |(mut sums, mut squares, count), i| {
                let row = matrix.row(i);
                let length = row
                    .iter()
                    .map(|&x| f64::from(x).powi(2))
                    .sum::<f64>()
                    .sqrt();
                if length == 0.0 {
                    return (sums, squares, count);
                }
                for (k, &x) in row.iter().enumerate() {
                    let u = f64::from(x) / length;
                    sums[k] += u;
                    squares[k] += u * u;
                }
                (sums, squares, count + 1)
            },
        )
        .reduce(
            || (vec![0f64; d], vec![0f64; d], 0),
            |(a, b, n), (c, e, m)| (add(a, c), add(b, e), n + m),
        )
}

/// The dimensions that carry the most of the mean cosine.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RogueDimensions {
    /// The mean cosine, Σ_k C_k.
    pub mean_cosine: f64,
    /// The `top` dimensions by contribution, largest first: (dimension, C_k, C_k ÷ mean cosine).
    pub top: Vec<(usize, f64, f64)>,
    /// Their contributions' sum ÷ the mean cosine.
    pub top_share: f64,
    /// What `top` dimensions would carry if every dimension contributed alike: top ÷ d.
    pub equal_share: f64,
    /// The largest |C_k|, in cosine units: comparable between a model and its null even when
    /// the null's mean cosine is near 0 and shares are meaningless.
    pub largest: f64,
}

/// The `top` dimensions of `contributions` (from [`cosine_contributions`]).
pub fn rogue_dimensions(contributions: &[f64], top: usize) -> RogueDimensions {
    let mean_cosine: f64 = contributions.iter().sum();
    let mut order: Vec<usize> = (0..contributions.len()).collect();
    order.sort_by(|&a, &b| {
        contributions[b]
            .total_cmp(&contributions[a])
            .then(a.cmp(&b))
    });
    let share = |c: f64| {
        if mean_cosine == 0.0 {
            0.0
        } else {
            c / mean_cosine
        }
    };
    let top: Vec<(usize, f64, f64)> = order
        .iter()
        .take(top)
        .map(|&k| (k, contributions[k], share(contributions[k])))
        .collect();
    RogueDimensions {
        mean_cosine,
        top_share: share(top.iter().map(|t| t.1).sum()),
        equal_share: top.len() as f64 / contributions.len().max(1) as f64,
        largest: contributions.iter().fold(0.0, |m, c| m.max(c.abs())),
        top,
    }
}

/// Each dimension z-scored, (x − mean) / sd over the vocabulary (numpy's
/// `X.std(axis=0)`, ddof 0), so that every dimension weighs the same in a cosine. A
/// constant dimension (sd 0) carries nothing to compare and becomes 0.
pub fn standardised(matrix: &Matrix) -> Result<Matrix> {
    let d = matrix.cols();
    let mean = column_means(matrix);
    let n = matrix.rows().max(1) as f64;
    let variance = (0..matrix.rows())
        .into_par_iter()
        .fold(
            || vec![0f64; d],
            |mut acc, i| {
                for ((a, &x), m) in acc.iter_mut().zip(matrix.row(i)).zip(&mean) {
                    *a += (f64::from(x) - m).powi(2);
                }
                acc
            },
        )
        .reduce(|| vec![0f64; d], add);
    // ANCHOR: standardise
    let scale: Vec<f64> = variance
        .iter()
        .map(|v| {
            let sd = (v / n).sqrt();
            if sd > 0.0 { 1.0 / sd } else { 0.0 }
        })
        .collect();
    let mut data = matrix.data().to_vec();
    data.par_chunks_mut(d.max(1)).for_each(|row| {
        for ((x, m), s) in row.iter_mut().zip(&mean).zip(&scale) {
            *x = ((f64::from(*x) - m) * s) as f32;
        }
    });
    Matrix::new(matrix.rows(), d, data)
    // ANCHOR_END: standardise
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::anisotropy::anisotropy;
    use crate::rng::SeededRng;

    #[test]
    fn contributions_add_up_to_the_mean_cosine() {
        let mut rng = SeededRng::new(2);
        let m = Matrix::random_normal(200, 5, 1.0, &mut rng).unwrap();
        let shifted = Matrix::new(200, 5, m.data().iter().map(|x| x + 0.5).collect()).unwrap();
        for matrix in [&m, &shifted] {
            let c = cosine_contributions(matrix).unwrap();
            let total: f64 = c.iter().sum();
            assert!((total - anisotropy(matrix).unwrap().raw).abs() < 1e-12);
        }
    }

    #[test]
    fn one_rogue_dimension_carries_the_cosine_and_standardising_removes_it() {
        // Dimension 3 has a large mean: every token shares it.
        let mut rng = SeededRng::new(8);
        let data: Vec<f32> = (0..2000 * 10)
            .map(|i| rng.normal() as f32 + if i % 10 == 3 { 6.0 } else { 0.0 })
            .collect();
        let m = Matrix::new(2000, 10, data).unwrap();
        let rogue = rogue_dimensions(&cosine_contributions(&m).unwrap(), 2);
        assert_eq!(rogue.top[0].0, 3);
        assert!(
            rogue.top[0].2 > 0.95 && rogue.mean_cosine > 0.5,
            "{rogue:?}"
        );
        assert!((rogue.equal_share - 0.2).abs() < 1e-12);
        let z = standardised(&m).unwrap();
        let after = rogue_dimensions(&cosine_contributions(&z).unwrap(), 2);
        assert!(
            after.mean_cosine.abs() < 0.005 && after.largest < 0.005,
            "{after:?}"
        );
    }

    #[test]
    fn the_gaussian_null_has_no_rogue_dimension() {
        let mut rng = SeededRng::new(21);
        let null = Matrix::random_normal(3000, 12, 1.0, &mut rng).unwrap();
        let rogue = rogue_dimensions(&cosine_contributions(&null).unwrap(), 3);
        // Each C_k is a sample mean of û_ik û_jk, 0 in expectation: of order 1/(12·3000).
        assert!(
            rogue.largest < 1e-3 && rogue.mean_cosine.abs() < 1e-3,
            "{rogue:?}"
        );
    }

    #[test]
    fn a_constant_dimension_standardises_to_zero() {
        let m = Matrix::new(3, 2, vec![1.0, 7.0, 2.0, 7.0, 3.0, 7.0]).unwrap();
        let z = standardised(&m).unwrap();
        let sd = (2.0f32 / 3.0).sqrt();
        assert_eq!(z.data()[1], 0.0);
        assert!((z.data()[0] + 1.0 / sd).abs() < 1e-6 && z.data()[2].abs() < 1e-6);
    }
}
