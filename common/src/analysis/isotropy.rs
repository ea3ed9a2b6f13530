//! Isotropy: whether an embedding space prefers some directions over others, measured two
//! ways, and what removing the shared directions does to both.
//!
//! - The mean cosine of every pair of distinct tokens (lesson 2's anisotropy): near 0 when
//!   directions are spread evenly, large when every vector leans the same way.
//! - The partition-function isotropy of Mu & Viswanath (2018), "All-but-the-Top":
//!   Z(c) = Σ_w exp(c·x_w) for a unit direction c. If no direction is preferred, Z is the
//!   same whatever c is; I(X) = min_c Z(c) / max_c Z(c) is then 1, and far below 1 when
//!   some direction (a shared mean, a dominant axis) makes Z enormous along it. As they do,
//!   c ranges over the principal axes of the rows as given (eigenvectors of XᵀX).
//! - "All-but-the-top": subtract the mean and remove the top D principal directions
//!   (they suggest D ≈ d/100), after which both measures should be close to a random
//!   matrix's.

use anyhow::{Result, ensure};
use serde::Serialize;

use super::anisotropy::{anisotropy, mean_pair_cosine};
use super::covariance::{Covariance, fold_projections, projections};
use crate::tensor::Matrix;

/// Both measures of one version of the rows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Isotropy {
    /// Mean cosine over every pair of distinct rows (lesson 2's measure).
    pub mean_cosine: f64,
    /// Mu & Viswanath's I(X) in (0, 1]: 1 when no principal direction is preferred.
    pub partition: f64,
}

/// The rows as they are, centred, and with the top `removed` principal directions taken
/// out too ("all-but-the-top").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IsotropyStages {
    pub raw: Isotropy,
    pub centred: Isotropy,
    pub all_but_the_top: Isotropy,
    /// D: how many top principal directions were removed.
    pub removed: usize,
}

// ANCHOR: partition
/// I = min Z / max Z from log Z(c) over the directions c:
/// exp(min log Z − max log Z).
pub fn partition_isotropy(log_z: &[f64]) -> f64 {
    let (low, high) = log_z
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &z| {
            (l.min(z), h.max(z))
        });
    (low - high).exp()
}
// ANCHOR_END: partition

/// log Z(c) = log Σ_w exp((x_w − centre)·c) for c = each of `axes`, then for c =
/// minus each of them (an axis is a direction only up to its sign, and the two
/// signs give very different Z when every row leans one way). Summed stably: each
/// strip of rows keeps, per direction, its largest exponent m and Σ exp(p − m)
/// (with [`exp_shifted`]: libm's exp took a quarter of the lesson's time), and
/// strips combine as log-sum-exp does.
pub fn log_partition(matrix: &Matrix, centre: &[f64], axes: &[Vec<f64>]) -> Vec<f64> {
    let k = axes.len();
    let empty = || vec![(f64::NEG_INFINITY, 0.0f64); 2 * k];
    let sums = fold_projections(
        matrix,
        centre,
        axes,
        empty,
        |acc, strip| {
            let mut top = vec![f32::NEG_INFINITY; 2 * k];
            for row in strip.chunks_exact(k) {
                for (c, &p) in row.iter().enumerate() {
                    top[c] = top[c].max(p);
                    top[k + c] = top[k + c].max(-p);
                }
            }
            let mut sum = vec![0f32; 2 * k];
            for row in strip.chunks_exact(k) {
                let (plus, minus) = sum.split_at_mut(k);
                for (((s, &p), &m), (t, &n)) in plus
                    .iter_mut()
                    .zip(row)
                    .zip(&top[..k])
                    .zip(minus.iter_mut().zip(&top[k..]))
                {
                    *s += exp_shifted(p - m);
                    *t += exp_shifted(-p - n);
                }
            }
            let strip_sums = top
                .iter()
                .zip(&sum)
                .map(|(&m, &s)| (f64::from(m), f64::from(s)));
            acc.into_iter()
                .zip(strip_sums)
                .map(|(a, b)| combine(a, b))
                .collect()
        },
        |a, b| a.into_iter().zip(b).map(|(x, y)| combine(x, y)).collect(),
    );
    sums.into_iter().map(|(top, sum)| top + sum.ln()).collect()
}

/// e^x for x ≤ 0, in f32 arithmetic the compiler vectorises: 2^(x log₂ e) split into an
/// integer power (written into the float's exponent bits) and a fraction f in [−½, ½],
/// whose power e^(f ln 2) is its Taylor polynomial to degree 7 (relative error under
/// 1e-8, below f32's own). Below −87, e^x is under f32's smallest normal: it counts as
/// e^−87 (a sum it is added to is at least 1, its largest term e^0).
pub fn exp_shifted(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23: adding it rounds to an integer
    let t = x.max(-87.0) * std::f32::consts::LOG2_E;
    let n = (t + ROUND) - ROUND;
    let y = (t - n) * std::f32::consts::LN_2;
    let mut p = 1.0 / 5040.0;
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * y + c;
    }
    p * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// Two partial sums (m, Σ exp(p − m)) as one.
fn combine((m1, s1): (f64, f64), (m2, s2): (f64, f64)) -> (f64, f64) {
    if m1 == f64::NEG_INFINITY {
        return (m2, s2);
    }
    if m2 == f64::NEG_INFINITY {
        return (m1, s1);
    }
    let m = m1.max(m2);
    (m, s1 * (m1 - m).exp() + s2 * (m2 - m).exp())
}

/// Both measures of the rows as they are, centred, and all-but-the-top with `removed`
/// directions; `covariance` is the rows' own.
pub fn isotropy_stages(
    matrix: &Matrix,
    covariance: &Covariance,
    removed: usize,
) -> Result<IsotropyStages> {
    let d = matrix.cols();
    ensure!(
        removed < d,
        "all-but-the-top removes fewer directions than the {d} there are, got {removed}"
    );
    let cosines = anisotropy(matrix)?;
    let zero = vec![0.0; d];
    let (_, raw_axes) = covariance.uncentred_axes()?;
    let raw = Isotropy {
        mean_cosine: cosines.raw,
        partition: partition_isotropy(&log_partition(matrix, &zero, &raw_axes)),
    };
    let centred_log_z = log_partition(matrix, &covariance.mean, &covariance.axes);
    let centred = Isotropy {
        mean_cosine: cosines.centred,
        partition: partition_isotropy(&centred_log_z),
    };
    // ANCHOR: all_but_the_top
    // After removing the top D axes, the remaining axes keep their projections
    // (they are orthogonal to the removed ones) and every row's projection onto a
    // removed axis is 0, so Z there is Σ exp(0) = V (either sign).
    let d = covariance.axes.len();
    let mut kept: Vec<f64> = centred_log_z[removed..d].to_vec();
    kept.extend_from_slice(&centred_log_z[d + removed..]);
    kept.extend(std::iter::repeat_n((matrix.rows() as f64).ln(), removed));
    let top = &covariance.axes[..removed];
    let along_top = projections(matrix, &covariance.mean, top);
    let rows = (0..matrix.rows()).map(|i| {
        let mut row: Vec<f64> = matrix
            .row(i)
            .iter()
            .zip(&covariance.mean)
            .map(|(&x, m)| f64::from(x) - m)
            .collect();
        let row_along_top = &along_top[i * removed..(i + 1) * removed];
        for (axis, &p) in top.iter().zip(row_along_top) {
            row.iter_mut()
                .zip(axis)
                .for_each(|(x, a)| *x -= f64::from(p) * a);
        }
        row
    });
    let all_but_the_top = Isotropy {
        mean_cosine: mean_pair_cosine(rows)?,
        partition: partition_isotropy(&kept),
    };
    // ANCHOR_END: all_but_the_top
    Ok(IsotropyStages {
        raw,
        centred,
        all_but_the_top,
        removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    #[test]
    fn log_partition_matches_a_direct_sum() {
        let m = Matrix::new(3, 2, vec![0.0, 1.0, 2.0, -1.0, 0.5, 0.5]).unwrap();
        let axes = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
        let got = log_partition(&m, &[0.0, 0.0], &axes);
        let want = [
            (0f64.exp() + 2f64.exp() + 0.5f64.exp()).ln(),
            (1f64.exp() + (-1f64).exp() + 0.5f64.exp()).ln(),
            (0f64.exp() + (-2f64).exp() + (-0.5f64).exp()).ln(),
            ((-1f64).exp() + 1f64.exp() + (-0.5f64).exp()).ln(),
        ];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{got:?}");
        }
        // Large exponents neither overflow nor lose the ratio: Z = e^1000 (1 + e^-1).
        let far = Matrix::new(2, 1, vec![1000.0, 999.0]).unwrap();
        let z = log_partition(&far, &[0.0], &[vec![1.0]])[0];
        assert!(
            (z - (1000.0 + (1.0 + (-1f64).exp()).ln())).abs() < 1e-6,
            "{z}"
        );
    }

    #[test]
    fn the_fast_exponential_matches_libm() {
        // Relative error of a few f32 steps (x log₂ e is rounded to f32 first) where a
        // term counts; beyond −20 a term is under 2e-9 of the sum's largest.
        for i in 0..=100_000 {
            let x = -(i as f32) * 0.001;
            let (got, want) = (f64::from(exp_shifted(x)), f64::from(x).exp());
            let tolerance = if x >= -20.0 { 2e-6 * want } else { 1e-14 };
            assert!((got - want).abs() <= tolerance, "{x}: {got} vs {want}");
        }
        assert!(exp_shifted(-1000.0) > 0.0 && exp_shifted(-1000.0) < 1e-37);
    }

    #[test]
    fn a_gaussian_matrix_is_isotropic_and_a_shared_offset_is_not() {
        // The null: mean cosine ≈ 0, I ≈ 1 (each Z(c) ≈ V e^{σ²/2} whatever c is).
        let mut rng = SeededRng::new(11);
        let null = Matrix::random_normal(4000, 16, 0.3, &mut rng).unwrap();
        let stages = isotropy_stages(&null, &Covariance::of(&null).unwrap(), 1).unwrap();
        assert!(stages.raw.mean_cosine.abs() < 0.005, "{stages:?}");
        assert!(stages.raw.partition > 0.95, "{stages:?}");
        // The same rows moved by a shared offset: every vector leans one way.
        let shifted = Matrix::new(
            4000,
            16,
            null.data()
                .iter()
                .enumerate()
                .map(|(i, &x)| x + if i % 16 == 0 { 5.0 } else { 0.0 })
                .collect(),
        )
        .unwrap();
        let stages = isotropy_stages(&shifted, &Covariance::of(&shifted).unwrap(), 1).unwrap();
        assert!(
            stages.raw.mean_cosine > 0.5 && stages.raw.partition < 0.01,
            "{stages:?}"
        );
        // Centring removes the offset; both measures are back to the null's.
        assert!(
            stages.centred.mean_cosine.abs() < 0.005 && stages.centred.partition > 0.95,
            "{stages:?}"
        );
    }

    #[test]
    fn all_but_the_top_removes_a_dominant_direction() {
        // Rows with one direction far stronger than the others: centring alone leaves it,
        // removing the top direction does not.
        let mut rng = SeededRng::new(4);
        let data: Vec<f32> = (0..3000 * 8)
            .map(|i| (rng.normal() * if i % 8 == 0 { 5.0 } else { 0.2 }) as f32)
            .collect();
        let m = Matrix::new(3000, 8, data).unwrap();
        let stages = isotropy_stages(&m, &Covariance::of(&m).unwrap(), 1).unwrap();
        assert!(stages.centred.partition < 1e-3, "{stages:?}");
        assert!(stages.all_but_the_top.partition > 0.8, "{stages:?}");
        assert!(isotropy_stages(&m, &Covariance::of(&m).unwrap(), 8).is_err());
    }
}
