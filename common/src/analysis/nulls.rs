//! What chance would give: matrices of a model's shape with none of its learnt structure,
//! so that every measure of the model can be read beside the same measure of a baseline.
//!
//! - [`gaussian_like`]: independent normal entries with the model's total variance — no
//!   mean, no preferred direction, no token related to any other. Random-matrix theory
//!   says what most measures give on it (mean cosine 0, spectrum inside the
//!   Marchenko–Pastur bulk), so it also checks the measures themselves.
//! - [`columns_shuffled`]: the model's own values, each column shuffled on its own — every
//!   dimension keeps its mean, spread and outliers, but which token holds which value is
//!   random. What survives the shuffle comes from the dimensions one by one; what the
//!   shuffle destroys came from how dimensions vary together within each token.

use anyhow::Result;
use rayon::prelude::*;

use super::covariance::Covariance;
use crate::rng::SeededRng;
use crate::tensor::Matrix;

/// A matrix of `matrix`'s shape with N(0, s²) entries drawn from `seed`, where s² is the
/// model's variance per dimension averaged over dimensions (the trace of its covariance
/// ÷ d): the null has the model's total spread, none of its structure.
pub fn gaussian_like(matrix: &Matrix, covariance: &Covariance, seed: u64) -> Result<Matrix> {
    let scale = mean_variance(covariance).sqrt();
    let d = matrix.cols();
    // Blocks of rows drawn on all cores, each from a generator of its own, so the matrix
    // is the same whatever the thread count (drawing 28 million normals took a tenth of
    // the lesson's time on one core).
    let data: Vec<f32> = (0..matrix.rows().div_ceil(BLOCK_ROWS))
        .into_par_iter()
        .flat_map_iter(|b| {
            let rows = BLOCK_ROWS.min(matrix.rows() - b * BLOCK_ROWS);
            SeededRng::new(stream_seed(seed, b)).normal_values(rows * d, scale)
        })
        .collect();
    Matrix::new(matrix.rows(), d, data)
}

/// Rows of the Gaussian null drawn from one generator.
const BLOCK_ROWS: usize = 1024;

/// The average variance per dimension, σ² = tr(Σ)/d: what the Marchenko–Pastur law of a
/// matrix with the same total spread is scaled by.
pub fn mean_variance(covariance: &Covariance) -> f64 {
    let d = covariance.mean.len().max(1) as f64;
    covariance.variances().iter().sum::<f64>() / d
}

/// `matrix` with each column permuted independently (Fisher–Yates), the permutations
/// drawn from `seed` (column j's from its own generator, so columns shuffle in parallel
/// and the result does not depend on the thread count).
pub fn columns_shuffled(matrix: &Matrix, seed: u64) -> Result<Matrix> {
    let (n, d) = (matrix.rows(), matrix.cols());
    let columns: Vec<Vec<f32>> = (0..d)
        .into_par_iter()
        .map(|j| {
            let mut column: Vec<f32> = (0..n).map(|i| matrix.row(i)[j]).collect();
            SeededRng::new(stream_seed(seed, j)).shuffle(&mut column);
            column
        })
        .collect();
    let mut data = vec![0f32; n * d];
    data.par_chunks_mut(d.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for (j, x) in row.iter_mut().enumerate() {
                *x = columns[j][i];
            }
        });
    Matrix::new(n, d, data)
}

/// A generator seed of its own for part `j` (a column, a block of rows): the run's seed
/// and the part mixed by one SplitMix64 step, so neighbouring parts' streams do not overlap.
fn stream_seed(seed: u64, j: usize) -> u64 {
    SeededRng::new(seed ^ (j as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gaussian_null_has_the_models_total_variance_and_no_mean() {
        // A model with a large mean and unequal spreads: variances 4 and 0 around (10, 10).
        let rows: Vec<f32> = (0..2000)
            .flat_map(|i| [10.0 + if i % 2 == 0 { 2.0 } else { -2.0 }, 10.0])
            .collect();
        let model = Matrix::new(2000, 2, rows).unwrap();
        let covariance = Covariance::of(&model).unwrap();
        assert!((mean_variance(&covariance) - 2.0).abs() < 1e-9);
        let null = gaussian_like(&model, &covariance, 1).unwrap();
        let null_covariance = Covariance::of(&null).unwrap();
        // Entries of variance 2 in both columns, mean near 0 (sd of a mean of 2000: 0.03).
        for v in null_covariance.variances() {
            assert!((v - 2.0).abs() < 0.2, "{v}");
        }
        assert!(null_covariance.mean.iter().all(|m| m.abs() < 0.15));
        assert_eq!(
            null,
            gaussian_like(&model, &covariance, 1).unwrap(),
            "seeded"
        );
    }

    #[test]
    fn shuffling_keeps_each_column_and_breaks_the_rows() {
        // Column 1 is column 0 doubled: perfectly correlated before, not after.
        let rows: Vec<f32> = (0..500).flat_map(|i| [i as f32, 2.0 * i as f32]).collect();
        let model = Matrix::new(500, 2, rows).unwrap();
        let shuffled = columns_shuffled(&model, 9).unwrap();
        for j in 0..2 {
            let mut before: Vec<f32> = (0..500).map(|i| model.row(i)[j]).collect();
            let mut after: Vec<f32> = (0..500).map(|i| shuffled.row(i)[j]).collect();
            before.sort_by(f32::total_cmp);
            after.sort_by(f32::total_cmp);
            assert_eq!(before, after, "column {j} keeps its values");
        }
        let pairs = (0..500)
            .filter(|&i| shuffled.row(i)[1] == 2.0 * shuffled.row(i)[0])
            .count();
        assert!(pairs < 10, "{pairs} rows still paired");
        assert_eq!(shuffled, columns_shuffled(&model, 9).unwrap(), "seeded");
    }
}
