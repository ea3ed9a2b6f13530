//! The covariance of a whole vocabulary's rows: how its spread is shared among directions
//! (the eigenvalues) and which directions those are (the principal axes). Isotropy, the
//! spectrum against chance and the under-trained tokens' indicator all start from it.
//!
//! It is computed from the d × d scatter matrix CᵀC (C: the rows minus their mean),
//! accumulated in f64 strip by strip, so memory does not grow with the vocabulary and no
//! V × V factor of a full SVD is ever formed; its eigenvalues are the squared singular
//! values of C.

use anyhow::{Result, anyhow, ensure};
use faer::{Accum, Mat, MatRef, Par, Side};
use rayon::prelude::*;

use crate::tensor::Matrix;

/// Rows converted to f64 and multiplied at once: 1,024 rows of a 4,096-wide model is 32 MiB.
const STRIP_ROWS: usize = 1024;

/// The mean row and the principal axes of a matrix's rows.
#[derive(Clone, Debug)]
pub struct Covariance {
    pub rows: usize,
    /// The mean row μ.
    pub mean: Vec<f64>,
    /// Eigenvalues of the scatter matrix CᵀC, largest first: the squared singular values
    /// of the centred rows (never below 0).
    pub scatter: Vec<f64>,
    /// The unit eigenvector of each eigenvalue, in the same order: the principal axes.
    /// Each is signed so that its largest-magnitude entry is positive (as `svd` signs
    /// singular vectors), so projections have the same sign on every machine.
    pub axes: Vec<Vec<f64>>,
}

impl Covariance {
    /// The covariance of `matrix`'s rows.
    pub fn of(matrix: &Matrix) -> Result<Self> {
        ensure!(
            matrix.rows() >= 2 && matrix.cols() >= 1,
            "a covariance needs at least two rows, got {}",
            matrix.rows()
        );
        let mean = column_means(matrix);
        let scatter = scatter_matrix(matrix, &mean);
        let (values, axes) = eigen(&scatter)?;
        Ok(Self {
            rows: matrix.rows(),
            mean,
            scatter: values,
            axes,
        })
    }

    /// The singular values of the centred rows, largest first.
    pub fn singular_values(&self) -> Vec<f64> {
        self.scatter.iter().map(|v| v.sqrt()).collect()
    }

    /// The variance along each principal axis (scatter ÷ rows, numpy's `np.var`), largest
    /// first.
    pub fn variances(&self) -> Vec<f64> {
        let n = self.rows as f64;
        self.scatter.iter().map(|v| v / n).collect()
    }

    /// The principal axes of the rows *as they are*, not centred: eigenvectors of XᵀX =
    /// CᵀC + n μμᵀ (its eigenvalues first), what the partition function of Mu &
    /// Viswanath is evaluated along.
    pub fn uncentred_axes(&self) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
        let d = self.mean.len();
        let n = self.rows as f64;
        // A diag(λ) Aᵀ with the axes as A's columns, plus the mean's outer product.
        let scaled = Mat::<f64>::from_fn(d, d, |i, j| self.axes[j][i] * self.scatter[j]);
        let axes = Mat::<f64>::from_fn(d, d, |i, j| self.axes[j][i]);
        let mut gram = Mat::<f64>::from_fn(d, d, |i, j| n * self.mean[i] * self.mean[j]);
        faer::linalg::matmul::matmul(
            gram.as_mut(),
            Accum::Add,
            scaled.as_ref(),
            axes.transpose(),
            1.0,
            Par::Seq,
        );
        eigen(&gram)
    }
}

/// The mean of each column, accumulated in f64.
pub fn column_means(matrix: &Matrix) -> Vec<f64> {
    let d = matrix.cols();
    let sums = matrix
        .data()
        .par_chunks(STRIP_ROWS * d.max(1))
        .map(|strip| {
            let mut sums = vec![0f64; d];
            for row in strip.chunks_exact(d) {
                for (s, &x) in sums.iter_mut().zip(row) {
                    *s += f64::from(x);
                }
            }
            sums
        })
        .reduce(|| vec![0f64; d], add);
    sums.into_iter()
        .map(|s| s / matrix.rows().max(1) as f64)
        .collect()
}

/// Two per-column sums as one.
pub(super) fn add(mut a: Vec<f64>, b: Vec<f64>) -> Vec<f64> {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
    a
}

/// (X − 1μᵀ)ᵀ(X − 1μᵀ) in f64: one GEMM per strip of rows, accumulated on each core
/// (one d × d sum per thread), then the threads' sums added.
fn scatter_matrix(matrix: &Matrix, mean: &[f64]) -> Mat<f64> {
    let d = matrix.cols();
    matrix
        .data()
        .par_chunks(STRIP_ROWS * d)
        .fold(
            || Mat::<f64>::zeros(d, d),
            |mut sum, strip| {
                let rows = strip.len() / d;
                let block =
                    Mat::<f64>::from_fn(rows, d, |i, j| f64::from(strip[i * d + j]) - mean[j]);
                faer::linalg::matmul::matmul(
                    sum.as_mut(),
                    Accum::Add,
                    block.transpose(),
                    block.as_ref(),
                    1.0,
                    Par::Seq,
                );
                sum
            },
        )
        .reduce(|| Mat::<f64>::zeros(d, d), |a, b| a + b)
}

/// Eigenvalues (largest first, clamped at 0) and unit eigenvectors of a symmetric
/// positive semi-definite matrix, each vector signed as [`Covariance::axes`] says.
fn eigen(symmetric: &Mat<f64>) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
    let d = symmetric.nrows();
    let decomposition = symmetric
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| anyhow!("the eigendecomposition did not converge ({e:?})"))?;
    let (u, s): (MatRef<f64>, _) = (decomposition.U(), decomposition.S().column_vector());
    let mut values = Vec::with_capacity(d);
    let mut axes = Vec::with_capacity(d);
    for c in (0..d).rev() {
        let mut axis: Vec<f64> = (0..d).map(|r| u[(r, c)]).collect();
        let largest = axis
            .iter()
            .copied()
            .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
        if largest < 0.0 {
            axis.iter_mut().for_each(|x| *x = -*x);
        }
        values.push(s[c].max(0.0));
        axes.push(axis);
    }
    Ok((values, axes))
}

/// `(row − centre) · axis` for every row and each of `axes`, row-major (rows × axes):
/// for a few axes (the whole vocabulary's projections are held).
pub fn projections(matrix: &Matrix, centre: &[f64], axes: &[Vec<f64>]) -> Vec<f32> {
    let projector = Projector::new(centre, axes);
    let d = matrix.cols().max(1);
    matrix
        .data()
        .par_chunks(STRIP_ROWS * d)
        .flat_map_iter(|strip| projector.strip(strip))
        .collect()
}

/// Folds the projections `(row − centre) · axis` of every strip of rows onto `axes`
/// (each strip's as a rows × axes row-major slice), strips on all cores: memory holds a
/// strip's projections per core, never the whole vocabulary's.
pub fn fold_projections<A: Send>(
    matrix: &Matrix,
    centre: &[f64],
    axes: &[Vec<f64>],
    init: impl Fn() -> A + Sync + Send,
    fold: impl Fn(A, &[f32]) -> A + Sync + Send,
    reduce: impl Fn(A, A) -> A + Sync + Send,
) -> A {
    let projector = Projector::new(centre, axes);
    let d = matrix.cols().max(1);
    matrix
        .data()
        .par_chunks(STRIP_ROWS * d)
        .fold(&init, |acc, strip| fold(acc, &projector.strip(strip)))
        .reduce(&init, reduce)
}

/// Axes as the columns of one f32 matrix, and each axis's projection of the centre.
struct Projector {
    columns: Mat<f32>,
    offsets: Vec<f32>,
}

impl Projector {
    fn new(centre: &[f64], axes: &[Vec<f64>]) -> Self {
        let d = centre.len();
        Self {
            columns: Mat::from_fn(d, axes.len(), |i, j| axes[j][i] as f32),
            // (x − c)·a = x·a − c·a
            offsets: axes
                .iter()
                .map(|a| a.iter().zip(centre).map(|(x, c)| x * c).sum::<f64>() as f32)
                .collect(),
        }
    }

    /// The projections of a strip of rows: one GEMM.
    fn strip(&self, strip: &[f32]) -> Vec<f32> {
        let (d, k) = (self.columns.nrows(), self.columns.ncols());
        let rows = strip.len() / d.max(1);
        let mut out = vec![0f32; rows * k];
        if k == 0 || d == 0 {
            return out;
        }
        faer::linalg::matmul::matmul(
            faer::MatMut::from_row_major_slice_mut(&mut out, rows, k),
            Accum::Replace,
            MatRef::from_row_major_slice(strip, rows, d),
            self.columns.as_ref(),
            1.0f32,
            Par::Seq,
        );
        for row in out.chunks_exact_mut(k) {
            row.iter_mut().zip(&self.offsets).for_each(|(p, o)| *p -= o);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    #[test]
    fn eigenvalues_are_the_centred_singular_values_squared() {
        // The lesson's full SVD of the centred rows, against the scatter's eigenvalues.
        let mut rng = SeededRng::new(3);
        let m = Matrix::random_normal(300, 6, 1.0, &mut rng).unwrap();
        let (centred, _) = crate::ops::centre_rows(&m, &crate::Device::flex()).unwrap();
        let s = crate::analysis::svd::svd(&centred).unwrap().s;
        let c = Covariance::of(&m).unwrap();
        for (got, want) in c.singular_values().iter().zip(&s) {
            assert!(
                (got - f64::from(*want)).abs() < 1e-3 * f64::from(*want),
                "{got} {want}"
            );
        }
        // Orthonormal axes.
        for (i, a) in c.axes.iter().enumerate() {
            for (j, b) in c.axes.iter().enumerate() {
                let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                assert!((dot - f64::from(u8::from(i == j))).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn a_stretched_direction_is_the_first_axis_and_the_mean_is_found() {
        // Points spread along (1, 1)/√2 around (5, −2): the first axis is that direction
        // (signed positive), its variance the spread's.
        let rows: Vec<f32> = (-50..=50)
            .flat_map(|i| {
                let t = i as f32 * 0.1;
                [5.0 + t, -2.0 + t]
            })
            .collect();
        let c = Covariance::of(&Matrix::new(101, 2, rows).unwrap()).unwrap();
        assert!((c.mean[0] - 5.0).abs() < 1e-6 && (c.mean[1] + 2.0).abs() < 1e-6);
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!((c.axes[0][0] - h).abs() < 1e-9 && (c.axes[0][1] - h).abs() < 1e-9);
        assert!(c.variances()[1] < 1e-9);
        // Σ t² / 101 over t = −5 … 5 in steps of 0.1, in two coordinates.
        let spread: f64 = (-50..=50)
            .map(|i| 2.0 * (i as f64 * 0.1).powi(2))
            .sum::<f64>()
            / 101.0;
        assert!(
            (c.variances()[0] - spread).abs() < 1e-4,
            "{:?}",
            c.variances()
        );
        // Uncentred: the eigenvalues of XᵀX summed directly, from the 2 × 2 formula.
        let (mut a, mut b, mut d) = (0.0, 0.0, 0.0);
        for i in -50..=50 {
            let t = f64::from(i as f32 * 0.1);
            let (x, y) = (f64::from(5.0 + t as f32), f64::from(-2.0 + t as f32));
            (a, b, d) = (a + x * x, b + x * y, d + y * y);
        }
        let root = ((a - d).powi(2) / 4.0 + b * b).sqrt();
        let (values, _) = c.uncentred_axes().unwrap();
        assert!(
            (values[0] - ((a + d) / 2.0 + root)).abs() < 1e-6 * values[0],
            "{values:?}"
        );
        assert!(
            (values[1] - ((a + d) / 2.0 - root)).abs() < 1e-6 * values[0],
            "{values:?}"
        );
    }

    #[test]
    fn projections_subtract_the_centre() {
        let m = Matrix::new(2, 2, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let p = projections(&m, &[1.0, 1.0], &[vec![1.0, 0.0], vec![0.0, 1.0]]);
        assert_eq!(p, vec![0.0, 1.0, 2.0, 3.0]);
    }
}
