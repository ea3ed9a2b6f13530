//! Orthogonal Procrustes: the rotation that best carries one space onto another, given
//! which vector of one belongs with which vector of the other (Schönemann 1966).
//!
//! For X (n × p) and Y (n × q), rows paired, the p × q matrix W with orthonormal rows or
//! columns that minimises ‖X W − Y‖_F is W = U Vᵀ, where Xᵀ Y = U Σ Vᵀ is the thin SVD of
//! the cross-covariance (scipy's `orthogonal_procrustes`). When p ≤ q, W Wᵀ = I: X is
//! carried into the wider space without changing any length or angle (a rotation
//! followed by an embedding). When p > q, Wᵀ W = I and W also projects X down.

use anyhow::{Result, anyhow};
use faer::Mat;

use crate::tensor::Matrix;
use crate::tensor::products::transposed_product;

// ANCHOR: procrustes
/// The orthogonal W (p × q) minimising ‖X W − Y‖_F: U Vᵀ from the SVD of Xᵀ Y.
pub fn orthogonal_procrustes(x: &Matrix, y: &Matrix) -> Result<Matrix> {
    let (p, q) = (x.cols(), y.cols());
    let cross = transposed_product(x, y)?; // Xᵀ Y, p × q
    let m = Mat::<f64>::from_fn(p, q, |i, j| cross[i * q + j]);
    let svd = m
        .thin_svd()
        .map_err(|e| anyhow!("the SVD of Xᵀ Y did not converge ({e:?})"))?;
    let w = svd.U() * svd.V().transpose();
    Matrix::new(p, q, (0..p * q).map(|k| w[(k / q, k % q)] as f32).collect())
}
// ANCHOR_END: procrustes

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::cka::tests::{rotation, space};
    use crate::analysis::csls::{counterpart_ranks, precision_at};
    use crate::tensor::products::mapped_rows;

    #[test]
    fn a_known_rotation_into_a_wider_space_is_recovered() {
        let x = space(600, 12, 21);
        let q = rotation(12, 20, 22);
        let y = mapped_rows(&x, &q).unwrap();
        let w = orthogonal_procrustes(&x, &y).unwrap();
        assert_eq!(w.shape(), [12, 20]);
        let worst = w
            .data()
            .iter()
            .zip(q.data())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-4, "W differs from the rotation by {worst}");
        // Every mapped vector finds its own counterpart first, plain and with CSLS.
        let mapped = mapped_rows(&x, &w).unwrap();
        let all: Vec<usize> = (0..600).collect();
        let ranks = counterpart_ranks(&mapped, &mapped, &y, &all, 10).unwrap();
        assert_eq!(precision_at(&ranks.plain, 1), 1.0);
        assert_eq!(precision_at(&ranks.csls, 1), 1.0);
    }

    #[test]
    fn a_wider_space_onto_a_narrower_one_has_orthonormal_columns() {
        let x = space(300, 9, 23);
        let y = space(300, 4, 24);
        let w = orthogonal_procrustes(&x, &y).unwrap();
        for a in 0..4 {
            for b in 0..4 {
                let dot: f32 = (0..9).map(|i| w.row(i)[a] * w.row(i)[b]).sum();
                assert!((dot - f32::from(a == b)).abs() < 1e-5);
            }
        }
    }
}
