//! Linear centred kernel alignment (CKA; Kornblith, Norouzi, Lee & Hinton 2019): how alike
//! two spaces arrange the same tokens, whatever their widths and axes.
//!
//! With X (n × p) and Y (n × q) the two spaces' vectors for the same n tokens, each centred
//! (its mean row subtracted),
//!
//! ```text
//! CKA(X, Y) = ‖Xᵀ Y‖²_F / (‖Xᵀ X‖_F ‖Yᵀ Y‖_F)
//! ```
//!
//! which is the cosine between the two n × n Gram matrices X Xᵀ and Y Yᵀ, computed without
//! forming them (‖Xᵀ Y‖²_F = tr(X Xᵀ Y Yᵀ)). It is 1 for a space and any rotation or
//! uniform scaling of it, and near 0 for unrelated spaces; unlike RSA it weights every pair
//! of tokens by how far apart they are, so the directions of largest variance dominate it.

use anyhow::{Result, ensure};
use serde::Serialize;

use super::permutation::{PermutationTest, shuffled_correspondences};
use crate::tensor::Matrix;
use crate::tensor::products::{Columns, cross_product};

/// A similarity of two spaces and, when tested, how it fared against shuffled tokens.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimilarityScore {
    pub value: f64,
    pub test: Option<PermutationTest>,
}

/// `rows` with its mean row subtracted (the mean taken in f64).
pub fn centred(rows: &Matrix) -> Result<Matrix> {
    let (n, d) = (rows.rows(), rows.cols());
    let mut mean = vec![0f64; d];
    for i in 0..n {
        mean.iter_mut()
            .zip(rows.row(i))
            .for_each(|(m, &v)| *m += v as f64);
    }
    mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    let data = (0..n)
        .flat_map(|i| {
            rows.row(i)
                .iter()
                .zip(&mean)
                .map(|(&v, &m)| (v as f64 - m) as f32)
        })
        .collect();
    Matrix::new(n, d, data)
}

fn squared_sum(values: &[f64]) -> f64 {
    values.iter().map(|v| v * v).sum()
}

/// The parts of CKA that do not change when the tokens are shuffled: the centred spaces
/// (by columns, the layout the products are fastest in) and ‖Xᵀ X‖_F ‖Yᵀ Y‖_F.
struct Centred {
    x: Columns,
    y: Columns,
    norm: f64,
}

impl Centred {
    fn new(x: &Matrix, y: &Matrix) -> Result<Self> {
        ensure!(
            x.rows() == y.rows() && x.rows() >= 2,
            "CKA needs the same 2+ tokens in both spaces, got {} and {}",
            x.rows(),
            y.rows()
        );
        let (x, y) = (Columns::of(&centred(x)?), Columns::of(&centred(y)?));
        let norm =
            (squared_sum(&cross_product(&x, &x)?) * squared_sum(&cross_product(&y, &y)?)).sqrt();
        ensure!(
            norm > 0.0,
            "CKA is undefined here: every token has the same vector in one of the spaces (nothing varies once the mean is removed)"
        );
        Ok(Self { x, y, norm })
    }

    /// CKA with token i of X paired with token `order[i]` of Y (`None`: the true pairing).
    /// The narrower space is the one reordered: pairing x_i with y_order[i] is pairing
    /// x_inverse[j] with y_j, inverse being order's inverse.
    fn cka(&self, order: Option<&[usize]>) -> Result<f64> {
        let cross = match order {
            None => cross_product(&self.x, &self.y)?,
            Some(order) if self.x.cols() <= self.y.cols() => {
                let mut inverse = vec![0; order.len()];
                order.iter().enumerate().for_each(|(i, &j)| inverse[j] = i);
                cross_product(&self.x.reordered(&inverse), &self.y)?
            }
            Some(order) => cross_product(&self.x, &self.y.reordered(order))?,
        };
        Ok(squared_sum(&cross) / self.norm)
    }
}

// ANCHOR: cka
/// Linear CKA of `x` and `y`, rows the same tokens in the same order.
pub fn linear_cka(x: &Matrix, y: &Matrix) -> Result<f64> {
    Centred::new(x, y)?.cka(None)
}
// ANCHOR_END: cka

/// Linear CKA with a permutation test of `permutations` token shuffles drawn from `seed`.
pub fn cka_test(x: &Matrix, y: &Matrix, permutations: usize, seed: u64) -> Result<SimilarityScore> {
    let centred = Centred::new(x, y)?;
    let value = centred.cka(None)?;
    let test = shuffled_correspondences(x.rows(), permutations, seed, value, |order| {
        centred.cka(Some(order))
    })?;
    Ok(SimilarityScore { value, test })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::svd::svd;
    use crate::rng::SeededRng;

    /// A random `n × d` matrix with a few strong directions, like an embedding space.
    pub(crate) fn space(n: usize, d: usize, seed: u64) -> Matrix {
        let mut rng = SeededRng::new(seed);
        let data = (0..n * d)
            .map(|i| (rng.normal() * (1.0 + 3.0 / (1 + i % d) as f64)) as f32)
            .collect();
        Matrix::new(n, d, data).unwrap()
    }

    /// A random `p × q` matrix with orthonormal rows (p ≤ q): a rotation when p = q, else
    /// a rotation into a wider space.
    pub(crate) fn rotation(p: usize, q: usize, seed: u64) -> Matrix {
        let g = Matrix::random_normal(q, q, 1.0, &mut SeededRng::new(seed)).unwrap();
        let vt = svd(&g).unwrap().vt;
        Matrix::new(p, q, vt.data()[..p * q].to_vec()).unwrap()
    }

    fn times(x: &Matrix, w: &Matrix, scale: f32) -> Matrix {
        let mapped = crate::tensor::products::mapped_rows(x, w).unwrap();
        Matrix::new(
            mapped.rows(),
            mapped.cols(),
            mapped.data().iter().map(|v| v * scale).collect(),
        )
        .unwrap()
    }

    #[test]
    fn a_space_with_itself_is_one() {
        let x = space(500, 12, 1);
        assert!((linear_cka(&x, &x).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn rotations_uniform_scaling_and_widening_leave_it_unchanged() {
        let x = space(800, 10, 2);
        let y = space(800, 16, 3);
        let before = linear_cka(&x, &y).unwrap();
        // X rotated and scaled by 7; Y rotated into 24 dimensions and scaled by 0.01.
        let x2 = times(&x, &rotation(10, 10, 4), 7.0);
        let y2 = times(&y, &rotation(16, 24, 5), 0.01);
        assert!((linear_cka(&x2, &y2).unwrap() - before).abs() < 1e-5);
        assert!((linear_cka(&x, &x2).unwrap() - 1.0).abs() < 1e-5);
        // A shift of every vector is removed by the centring.
        let shifted = Matrix::new(800, 10, x.data().iter().map(|v| v + 5.0).collect()).unwrap();
        assert!((linear_cka(&shifted, &y).unwrap() - before).abs() < 1e-5);
    }

    #[test]
    fn independent_spaces_are_near_zero_and_not_significant() {
        let x = space(2000, 10, 6);
        let y = space(2000, 15, 7);
        let score = cka_test(&x, &y, 99, 8).unwrap();
        assert!(score.value < 0.05, "{score:?}");
        let test = score.test.unwrap();
        assert!(test.p_value > 0.01, "{test:?}");
        // A space and a noisy copy: far above every shuffle, p at its floor 1/100.
        let noise = space(2000, 10, 9);
        let copy = Matrix::new(
            2000,
            10,
            x.data()
                .iter()
                .zip(noise.data())
                .map(|(a, b)| a + 0.5 * b)
                .collect(),
        )
        .unwrap();
        let related = cka_test(&x, &copy, 99, 8).unwrap();
        assert!(related.value > 0.5);
        assert_eq!(related.test.unwrap().p_value, 0.01);
    }

    #[test]
    fn shuffled_correspondences_give_uniform_p_values() {
        // Under the null (independent spaces), p is uniform on {1/20, 2/20, …, 1}: over
        // 200 pairs of spaces, about a tenth fall at or below 0.1, and the mean is about
        // 0.525. Bounds at about four standard errors.
        let ps: Vec<f64> = (0..200)
            .map(|s| {
                let x = space(40, 3, 1000 + s);
                let y = space(40, 4, 5000 + s);
                cka_test(&x, &y, 19, s).unwrap().test.unwrap().p_value
            })
            .collect();
        let mean = ps.iter().sum::<f64>() / ps.len() as f64;
        let low = ps.iter().filter(|&&p| p <= 0.1).count();
        assert!((mean - 0.525).abs() < 0.08, "mean p {mean}");
        assert!((5..=38).contains(&low), "{low} of 200 at or below 0.1");
    }

    #[test]
    fn constant_spaces_and_mismatched_tokens_are_refused() {
        let x = space(10, 3, 1);
        let flat = Matrix::new(10, 2, vec![1.0; 20]).unwrap();
        assert!(
            linear_cka(&x, &flat)
                .unwrap_err()
                .to_string()
                .contains("undefined")
        );
        assert!(linear_cka(&x, &space(9, 3, 2)).is_err());
    }
}
