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

/// Linear CKA, its chance level, and, when tested, how it fared against shuffled tokens.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CkaScore {
    pub value: f64,
    /// Its mean over every shuffle of the tokens, exactly: ‖X‖²_F ‖Y‖²_F / ((n − 1)
    /// ‖Xᵀ X‖_F ‖Yᵀ Y‖_F) (see [`Centred`]). Far from 0 when there are few tokens for the
    /// dimensions: 18 tokens in 384 dimensions share much by chance alone.
    pub chance: f64,
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
/// (by columns, the layout the products are fastest in), ‖Xᵀ X‖_F ‖Yᵀ Y‖_F, and the mean
/// of CKA over all shuffles.
///
/// Why that mean has a closed form: ‖Xᵀ Y_π‖²_F = Σ_ij K_ij L_π(i)π(j) with K = X Xᵀ and
/// L = Y Yᵀ. Over all shuffles π, a diagonal term L_π(i)π(i) averages tr L / n and an
/// off-diagonal one (Σ L − tr L) / (n(n − 1)); centred rows make Σ K = Σ L = 0, which
/// leaves tr K tr L / (n − 1), with tr K = ‖X‖²_F.
struct Centred {
    x: Columns,
    y: Columns,
    norm: f64,
    chance: f64,
}

impl Centred {
    fn new(x: &Matrix, y: &Matrix) -> Result<Self> {
        ensure!(
            x.rows() == y.rows() && x.rows() >= 2,
            "CKA needs the same 2+ tokens in both spaces, got {} and {}",
            x.rows(),
            y.rows()
        );
        // ANCHOR: cka
        let n = x.rows() as f64;
        let (x, y) = (Columns::of(&centred(x)?), Columns::of(&centred(y)?));
        let (xx, yy) = (cross_product(&x, &x)?, cross_product(&y, &y)?);
        let norm = (squared_sum(&xx) * squared_sum(&yy)).sqrt();
        let trace = |m: &[f64], d: usize| (0..d).map(|i| m[i * d + i]).sum::<f64>();
        ensure!(
            norm > 0.0,
            "CKA is undefined here: every token has the same vector in one of the \
             spaces (nothing varies once the mean is removed)"
        );
        let traces = trace(&xx, x.cols()) * trace(&yy, y.cols());
        let chance = traces / ((n - 1.0) * norm);
        // ANCHOR_END: cka
        Ok(Self { x, y, norm, chance })
    }

    /// CKA with token i of X paired with token `order[i]` of Y (`None`: the true pairing).
    /// The narrower space is the one reordered: pairing x_i with y_order[i] is pairing
    /// x_inverse[j] with y_j, inverse being order's inverse.
    // ANCHOR: cka_shuffled
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
    // ANCHOR_END: cka_shuffled
}

/// Linear CKA of `x` and `y`, rows the same tokens in the same order.
pub fn linear_cka(x: &Matrix, y: &Matrix) -> Result<f64> {
    Centred::new(x, y)?.cka(None)
}

/// Linear CKA with a permutation test of `permutations` token shuffles drawn from `seed`.
pub fn cka_test(x: &Matrix, y: &Matrix, permutations: usize, seed: u64) -> Result<CkaScore> {
    let centred = Centred::new(x, y)?;
    let value = centred.cka(None)?;
    let test = shuffled_correspondences(x.rows(), permutations, seed, value, |order| {
        centred.cka(Some(order))
    })?;
    Ok(CkaScore {
        value,
        chance: centred.chance,
        test,
    })
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
    fn the_chance_level_is_the_mean_over_shuffles() {
        // 30 tokens in 12 and 9 dimensions: unrelated spaces that share a lot by chance.
        let x = space(30, 12, 31);
        let y = space(30, 9, 32);
        let score = cka_test(&x, &y, 4000, 33).unwrap();
        let test = score.test.unwrap();
        assert!(score.chance > 0.1, "{}", score.chance);
        // The mean of 4,000 shuffles is within a few of its standard errors (about 0.001).
        assert!(
            (test.null_mean - score.chance).abs() < 0.005,
            "{} vs {}",
            test.null_mean,
            score.chance
        );
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
