//! t-SNE with scikit-learn's semantics: the exact gradient for up to [`EXACT_LIMIT`]
//! points; beyond, affinities on a k-nearest-neighbour graph and the repulsive forces by
//! FFT-accelerated interpolation ([`crate::nbody`], as openTSNE's `fft` method), so a whole
//! vocabulary is mapped in O(N) per iteration.
//!
//! The steps follow `sklearn.manifold.TSNE(method="exact")`: squared Euclidean distances; a
//! per-point binary search for the Gaussian precision whose conditional distribution has
//! the requested perplexity; symmetrised joint probabilities; PCA initialisation scaled to
//! a standard deviation of 1e-4; early exaggeration 12 for 250 iterations with momentum
//! 0.5, then momentum 0.8; the learning rate `max(N / 12 / 4, 50)`; adaptive gains
//! (+0.2 / ×0.8, at least 0.01); a Student-t kernel with one degree of freedom.

use anyhow::{Result, ensure};
use rayon::prelude::*;
use serde::Serialize;

use burn::tensor::Device;

use crate::linalg::top_right_singular_vectors;
use crate::matrix::Matrix;
use crate::nbody::Convolver;
use crate::ops::knn_graph;

/// Above this many points the affinities are sparse and the repulsion interpolated.
pub const EXACT_LIMIT: usize = 2000;
/// The KL divergence is computed every this many iterations (and at the last), as
/// scikit-learn does: the gradient does not need it.
const KL_EVERY: usize = 50;

const EXAGGERATION: f64 = 12.0;
const EXPLORATION_ITERATIONS: usize = 250;
const MACHINE_EPSILON: f64 = f64::EPSILON;
/// Longest step a point may take in one iteration of the sparse (whole-vocabulary) path:
/// openTSNE's default `max_step_norm`.
const MAX_STEP: f64 = 5.0;

#[derive(Clone, Debug)]
pub struct TsneOptions {
    pub perplexity: f64,
    pub iterations: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct TsneResult {
    /// N×2 coordinates, row-major.
    pub points: Vec<[f64; 2]>,
    /// KL(P ‖ Q) at the end.
    pub kl_divergence: f64,
    pub iterations: usize,
}

/// Squared Euclidean distances between all rows.
fn squared_distances(x: &Matrix) -> Vec<f64> {
    let n = x.rows();
    let mut d = vec![0.0; n * n];
    for i in 0..n {
        for j in (i + 1)..n {
            let s: f64 = x
                .row(i)
                .iter()
                .zip(x.row(j))
                .map(|(&a, &b)| ((a - b) as f64).powi(2))
                .sum();
            d[i * n + j] = s;
            d[j * n + i] = s;
        }
    }
    d
}

/// Conditional probabilities p(j|i) over one point's candidate neighbours (squared
/// distances), with the precision found by binary search so that their entropy is
/// ln(perplexity) (sklearn's `_binary_search_perplexity`: 100 steps, tolerance 1e-5).
fn conditional_probabilities_of(distances: &[f64], perplexity: f64) -> Vec<f64> {
    let desired_entropy = perplexity.ln();
    let mut p = vec![0.0; distances.len()];
    let (mut beta, mut beta_min, mut beta_max) = (1.0f64, f64::NEG_INFINITY, f64::INFINITY);
    for _ in 0..100 {
        let mut sum = 0.0;
        for (pj, &d) in p.iter_mut().zip(distances) {
            *pj = (-d * beta).exp();
            sum += *pj;
        }
        if sum == 0.0 {
            sum = 1e-8;
        }
        let mut weighted = 0.0;
        for (pj, &d) in p.iter_mut().zip(distances) {
            *pj /= sum;
            weighted += d * *pj;
        }
        let entropy = sum.ln() + beta * weighted;
        let diff = entropy - desired_entropy;
        if diff.abs() <= 1e-5 {
            break;
        }
        if diff > 0.0 {
            beta_min = beta;
            beta = if beta_max == f64::INFINITY {
                beta * 2.0
            } else {
                (beta + beta_max) / 2.0
            };
        } else {
            beta_max = beta;
            beta = if beta_min == f64::NEG_INFINITY {
                beta / 2.0
            } else {
                (beta + beta_min) / 2.0
            };
        }
    }
    p
}

/// Dense conditional probabilities: every other point is a candidate neighbour.
fn conditional_probabilities(distances: &[f64], n: usize, perplexity: f64) -> Vec<f64> {
    let mut p = vec![0.0; n * n];
    for i in 0..n {
        let others: Vec<f64> = (0..n)
            .filter(|&j| j != i)
            .map(|j| distances[i * n + j])
            .collect();
        let row = conditional_probabilities_of(&others, perplexity);
        for (slot, j) in (0..n).filter(|&j| j != i).enumerate() {
            p[i * n + j] = row[slot];
        }
    }
    p
}

/// Symmetric joint probabilities: (P + Pᵀ) / sum, floored at machine epsilon.
fn joint_probabilities(x: &Matrix, perplexity: f64) -> Vec<f64> {
    let n = x.rows();
    let conditional = conditional_probabilities(&squared_distances(x), n, perplexity);
    let mut p = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            p[i * n + j] = conditional[i * n + j] + conditional[j * n + i];
        }
    }
    let sum = p.iter().sum::<f64>().max(MACHINE_EPSILON);
    for i in 0..n {
        for j in 0..n {
            p[i * n + j] = if i == j {
                0.0
            } else {
                (p[i * n + j] / sum).max(MACHINE_EPSILON)
            };
        }
    }
    p
}

/// The first two principal components of `x`, scaled so the first has standard
/// deviation 1e-4 (sklearn's `init="pca"`).
fn pca_init(x: &Matrix) -> Result<Vec<[f64; 2]>> {
    let (n, d) = (x.rows(), x.cols());
    let mut centred = x.data().to_vec();
    for c in 0..d {
        let mean = (0..n).map(|r| centred[r * d + c] as f64).sum::<f64>() / n as f64;
        (0..n).for_each(|r| centred[r * d + c] -= mean as f32);
    }
    let centred = Matrix::new(n, d, centred)?;
    let axes = top_right_singular_vectors(&centred, 2)?;
    let mut y: Vec<[f64; 2]> = (0..n)
        .map(|r| {
            [0, 1].map(|k| {
                centred
                    .row(r)
                    .iter()
                    .zip(axes.row(k))
                    .map(|(&a, &b)| a as f64 * b as f64)
                    .sum()
            })
        })
        .collect();
    let mean0 = y.iter().map(|p| p[0]).sum::<f64>() / n as f64;
    let sd0 = (y.iter().map(|p| (p[0] - mean0).powi(2)).sum::<f64>() / n as f64)
        .sqrt()
        .max(MACHINE_EPSILON);
    for p in &mut y {
        p[0] = p[0] / sd0 * 1e-4;
        p[1] = p[1] / sd0 * 1e-4;
    }
    Ok(y)
}

/// KL(P ‖ Q) and its gradient for the current embedding (exact, O(N²)).
fn kl_and_gradient(p: &[f64], y: &[[f64; 2]], exaggeration: f64) -> (f64, Vec<[f64; 2]>) {
    let n = y.len();
    let mut num = vec![0.0; n * n];
    let mut total = 0.0;
    for i in 0..n {
        for j in (i + 1)..n {
            let d = (y[i][0] - y[j][0]).powi(2) + (y[i][1] - y[j][1]).powi(2);
            let v = 1.0 / (1.0 + d);
            num[i * n + j] = v;
            num[j * n + i] = v;
            total += 2.0 * v;
        }
    }
    let mut kl = 0.0;
    let mut grad = vec![[0.0; 2]; n];
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            let q = (num[i * n + j] / total).max(MACHINE_EPSILON);
            let pij = p[i * n + j] * exaggeration;
            kl += pij * (pij.max(MACHINE_EPSILON) / q).ln();
            let f = 4.0 * (pij - q) * num[i * n + j];
            grad[i][0] += f * (y[i][0] - y[j][0]);
            grad[i][1] += f * (y[i][1] - y[j][1]);
        }
    }
    (kl, grad)
}

/// KL(P ‖ Q) (when asked for) and its gradient with sparse P: attraction exactly over P's
/// neighbours, repulsion by grid interpolation.
fn interpolated_kl_and_gradient(
    p: &[Vec<(usize, f64)>],
    convolver: &mut Convolver,
    y: &[[f64; 2]],
    exaggeration: f64,
    with_kl: bool,
) -> (f64, Vec<[f64; 2]>) {
    let repulsion = convolver.repulsion(y);
    let z = repulsion.z.max(MACHINE_EPSILON);
    // Each row's gradient and KL term on its own thread; the terms are summed in row order,
    // so the KL is the same on every run.
    let rows: Vec<([f64; 2], f64)> = p
        .par_iter()
        .zip(&repulsion.forces)
        .enumerate()
        .map(|(i, (row, force))| {
            let mut attraction = [0.0; 2];
            let mut kl = 0.0;
            for &(j, pij) in row {
                let d = [y[i][0] - y[j][0], y[i][1] - y[j][1]];
                let q = 1.0 / (1.0 + d[0] * d[0] + d[1] * d[1]);
                let pij = pij * exaggeration;
                attraction[0] += pij * q * d[0];
                attraction[1] += pij * q * d[1];
                if with_kl {
                    kl += pij * (pij.max(MACHINE_EPSILON) / (q / z).max(MACHINE_EPSILON)).ln();
                }
            }
            let grad = [
                4.0 * (attraction[0] - force[0] / z),
                4.0 * (attraction[1] - force[1] / z),
            ];
            (grad, kl)
        })
        .collect();
    let kl = if with_kl {
        rows.iter().map(|(_, kl)| kl).sum()
    } else {
        f64::NAN
    };
    (kl, rows.into_iter().map(|(grad, _)| grad).collect())
}

/// The joint probabilities P: dense for the exact gradient, sparse (each point's
/// neighbours, symmetrised) for the interpolated gradient.
enum Affinities {
    Dense(Vec<f64>),
    Sparse(Vec<Vec<(usize, f64)>>, Convolver),
}

impl Affinities {
    /// The gradient, and the KL divergence when `with_kl` (NaN otherwise).
    fn kl_and_gradient(
        &mut self,
        y: &[[f64; 2]],
        exaggeration: f64,
        with_kl: bool,
    ) -> (f64, Vec<[f64; 2]>) {
        match self {
            Affinities::Dense(p) => kl_and_gradient(p, y, exaggeration),
            Affinities::Sparse(p, convolver) => {
                interpolated_kl_and_gradient(p, convolver, y, exaggeration, with_kl)
            }
        }
    }
}

/// Sparse joint probabilities from each point's `3·perplexity` nearest neighbours
/// (scikit-learn's Barnes–Hut affinities).
fn sparse_joint_probabilities(
    x: &Matrix,
    perplexity: f64,
    device: &Device,
) -> Result<Vec<Vec<(usize, f64)>>> {
    let n = x.rows();
    let k = ((3.0 * perplexity + 1.0) as usize).min(n - 1);
    let graph = knn_graph(x, k, device)?;
    let mut rows: Vec<std::collections::HashMap<usize, f64>> = vec![Default::default(); n];
    for (i, neighbours) in graph.iter().enumerate() {
        let distances: Vec<f64> = neighbours.iter().map(|&(_, d)| d as f64).collect();
        let conditional = conditional_probabilities_of(&distances, perplexity);
        for (&(j, _), &p) in neighbours.iter().zip(&conditional) {
            *rows[i].entry(j).or_default() += p;
            *rows[j].entry(i).or_default() += p;
        }
    }
    // Sorted before summing: a hash map's order changes from run to run, and so would the
    // last bits of the total (and, 1000 iterations later, the map).
    let rows: Vec<Vec<(usize, f64)>> = rows
        .into_iter()
        .map(|r| {
            let mut row: Vec<(usize, f64)> = r.into_iter().collect();
            row.sort_unstable_by_key(|&(j, _)| j);
            row
        })
        .collect();
    let total: f64 = rows
        .iter()
        .flatten()
        .map(|&(_, p)| p)
        .sum::<f64>()
        .max(MACHINE_EPSILON);
    Ok(rows
        .into_iter()
        .map(|row| row.into_iter().map(|(j, p)| (j, p / total)).collect())
        .collect())
}

/// One step of gradient descent with momentum and adaptive gains (+0.2 where the gradient
/// changed sign, ×0.8 where it did not, at least 0.01), each point's step clipped to
/// `max_step` map units when given.
fn descend(
    y: &mut [[f64; 2]],
    update: &mut [[f64; 2]],
    gains: &mut [[f64; 2]],
    grad: &[[f64; 2]],
    momentum: f64,
    learning_rate: f64,
    max_step: Option<f64>,
) {
    for i in 0..y.len() {
        for k in 0..2 {
            let g = grad[i][k];
            if update[i][k] * g < 0.0 {
                gains[i][k] += 0.2;
            } else {
                gains[i][k] = (gains[i][k] * 0.8).max(0.01);
            }
            update[i][k] = momentum * update[i][k] - learning_rate * gains[i][k] * g;
        }
        if let Some(limit) = max_step {
            let norm = update[i][0].hypot(update[i][1]);
            if norm > limit {
                update[i] = update[i].map(|u| u * limit / norm);
            }
        }
        y[i][0] += update[i][0];
        y[i][1] += update[i][1];
    }
}

/// Embeds the rows of `x` in 2-D.
pub fn tsne(
    x: &Matrix,
    options: &TsneOptions,
    device: &Device,
    mut progress: impl FnMut(usize, f64),
) -> Result<TsneResult> {
    let n = x.rows();
    ensure!(n >= 4, "t-SNE needs at least 4 points, got {n}");
    ensure!(
        options.perplexity > 0.0 && options.perplexity < n as f64,
        "perplexity must be above 0 and below the number of points ({n}), got {}",
        options.perplexity
    );
    let mut p = if n <= EXACT_LIMIT {
        Affinities::Dense(joint_probabilities(x, options.perplexity))
    } else {
        Affinities::Sparse(
            sparse_joint_probabilities(x, options.perplexity, device)?,
            Convolver::default(),
        )
    };
    let mut y = pca_init(x)?;
    let learning_rate = (n as f64 / EXAGGERATION / 4.0).max(50.0);
    // With sparse P, a point in many neighbour lists is pulled by many times the average
    // attraction, and at this learning rate its step overshoots more each iteration. Like
    // openTSNE (`max_step_norm`), clip each point's step to MAX_STEP map units.
    let max_step = matches!(p, Affinities::Sparse(..)).then_some(MAX_STEP);
    let mut update = vec![[0.0; 2]; n];
    let mut gains = vec![[1.0f64; 2]; n];
    let mut kl = f64::NAN;
    for iteration in 0..options.iterations {
        let exploring = iteration < EXPLORATION_ITERATIONS;
        let (exaggeration, momentum) = if exploring {
            (EXAGGERATION, 0.5)
        } else {
            (1.0, 0.8)
        };
        let with_kl = (iteration + 1) % KL_EVERY == 0 || iteration + 1 == options.iterations;
        let (value, grad) = p.kl_and_gradient(&y, exaggeration, with_kl);
        if !value.is_nan() {
            kl = value;
        }
        descend(
            &mut y,
            &mut update,
            &mut gains,
            &grad,
            momentum,
            learning_rate,
            max_step,
        );
        progress(iteration, kl);
    }
    // The KL reported is that of the un-exaggerated P at the final embedding.
    let (final_kl, _) = p.kl_and_gradient(&y, 1.0, true);
    if options.iterations > EXPLORATION_ITERATIONS {
        kl = final_kl;
    }
    Ok(TsneResult {
        points: y,
        kl_divergence: kl,
        iterations: options.iterations,
    })
}

/// How well `embedded` keeps each point's `k` nearest neighbours of `original`
/// (`sklearn.manifold.trustworthiness`): 1 when every embedded neighbour is an original one.
pub fn trustworthiness(original: &Matrix, embedded: &[[f64; 2]], k: usize) -> f64 {
    let n = original.rows();
    let d_original = squared_distances(original);
    let rank_of = |i: usize| -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        order.sort_by(|&a, &b| {
            d_original[i * n + a]
                .total_cmp(&d_original[i * n + b])
                .then(a.cmp(&b))
        });
        let mut ranks = vec![0; n];
        for (r, &j) in order.iter().enumerate() {
            ranks[j] = r + 1;
        }
        ranks
    };
    let mut penalty = 0.0;
    for i in 0..n {
        let ranks = rank_of(i);
        let mut embedded_order: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        let dist = |j: usize| {
            (embedded[i][0] - embedded[j][0]).powi(2) + (embedded[i][1] - embedded[j][1]).powi(2)
        };
        embedded_order.sort_by(|&a, &b| dist(a).total_cmp(&dist(b)).then(a.cmp(&b)));
        for &j in embedded_order.iter().take(k) {
            if ranks[j] > k {
                penalty += (ranks[j] - k) as f64;
            }
        }
    }
    1.0 - penalty * 2.0 / (n as f64 * k as f64 * (2.0 * n as f64 - 3.0 * k as f64 - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    fn random(rows: usize, cols: usize, seed: u64) -> Matrix {
        let mut rng = SeededRng::new(seed);
        Matrix::new(
            rows,
            cols,
            (0..rows * cols).map(|_| rng.normal() as f32).collect(),
        )
        .unwrap()
    }

    #[test]
    fn each_conditional_distribution_has_the_asked_perplexity() {
        let x = random(30, 8, 1);
        let n = x.rows();
        let p = conditional_probabilities(&squared_distances(&x), n, 5.0);
        for i in 0..n {
            let row = &p[i * n..(i + 1) * n];
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            let entropy: f64 = -row
                .iter()
                .filter(|&&v| v > 0.0)
                .map(|v| v * v.ln())
                .sum::<f64>();
            assert!(
                (entropy.exp() - 5.0).abs() < 1e-3,
                "row {i}: perplexity {}",
                entropy.exp()
            );
        }
    }

    #[test]
    fn joint_probabilities_are_symmetric_and_sum_to_one() {
        let x = random(20, 4, 2);
        let p = joint_probabilities(&x, 4.0);
        let n = 20;
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6);
        for i in 0..n {
            for j in 0..n {
                assert_eq!(p[i * n + j], p[j * n + i]);
            }
        }
    }

    #[test]
    fn interpolated_gradient_approaches_the_exact_one() {
        // With every pair as a neighbour, sparse P equals dense P, and the interpolated
        // repulsion differs from the exact sum only by the interpolation error.
        let x = random(60, 5, 4);
        let dense = joint_probabilities(&x, 8.0);
        let n = 60;
        let sparse: Vec<Vec<(usize, f64)>> = (0..n)
            .map(|i| {
                (0..n)
                    .filter(|&j| j != i)
                    .map(|j| (j, dense[i * n + j]))
                    .collect()
            })
            .collect();
        let mut rng = SeededRng::new(5);
        let y: Vec<[f64; 2]> = (0..n)
            .map(|_| [2.0 * rng.normal(), 2.0 * rng.normal()])
            .collect();
        let (kl_exact, g_exact) = kl_and_gradient(&dense, &y, 1.0);
        let (kl_bh, g_bh) =
            interpolated_kl_and_gradient(&sparse, &mut Convolver::default(), &y, 1.0, true);
        assert!(
            (kl_exact - kl_bh).abs() < 0.02 * kl_exact,
            "{kl_exact} vs {kl_bh}"
        );
        let norm = |g: &[[f64; 2]]| {
            g.iter()
                .map(|v| v[0] * v[0] + v[1] * v[1])
                .sum::<f64>()
                .sqrt()
        };
        let diff: Vec<[f64; 2]> = g_exact
            .iter()
            .zip(&g_bh)
            .map(|(a, b)| [a[0] - b[0], a[1] - b[1]])
            .collect();
        assert!(
            norm(&diff) < 0.05 * norm(&g_exact),
            "gradient error {}",
            norm(&diff) / norm(&g_exact)
        );
    }

    #[test]
    fn trustworthiness_is_one_for_a_faithful_map_and_lower_for_a_shuffled_one() {
        // Points on a line, embedded on the same line: every neighbour kept.
        let line = Matrix::new(12, 1, (0..12).map(|i| i as f32).collect()).unwrap();
        let faithful: Vec<[f64; 2]> = (0..12).map(|i| [i as f64, 0.0]).collect();
        assert!((trustworthiness(&line, &faithful, 3) - 1.0).abs() < 1e-12);
        let shuffled: Vec<[f64; 2]> = (0..12).map(|i| [((i * 5) % 12) as f64, 0.0]).collect();
        assert!(trustworthiness(&line, &shuffled, 3) < 0.8);
    }

    #[test]
    fn two_separated_groups_stay_separated() {
        // Two tight groups far apart in 10-D must not mix on the map.
        let mut rng = SeededRng::new(3);
        let data: Vec<f32> = (0..40)
            .flat_map(|i| {
                let offset = if i < 20 { 0.0 } else { 20.0 };
                (0..10)
                    .map(|_| (offset + rng.normal()) as f32)
                    .collect::<Vec<_>>()
            })
            .collect();
        let x = Matrix::new(40, 10, data).unwrap();
        let device = crate::Backend::Flex.device().unwrap();
        let map = tsne(
            &x,
            &TsneOptions {
                perplexity: 5.0,
                iterations: 500,
            },
            &device,
            |_, _| {},
        )
        .unwrap();
        let centre = |range: std::ops::Range<usize>| {
            let n = range.len() as f64;
            let (sx, sy) = range.clone().fold((0.0, 0.0), |(a, b), i| {
                (a + map.points[i][0], b + map.points[i][1])
            });
            [sx / n, sy / n]
        };
        let (a, b) = (centre(0..20), centre(20..40));
        let nearer_own = (0..40).all(|i| {
            let p = map.points[i];
            let d = |c: [f64; 2]| (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2);
            if i < 20 { d(a) < d(b) } else { d(b) < d(a) }
        });
        assert!(nearer_own);
        assert!(map.kl_divergence.is_finite() && map.kl_divergence > 0.0);
    }

    #[test]
    fn a_step_is_clipped_to_the_limit_in_its_own_direction() {
        // A first step (gains become 0.8) with gradient (-375, 500) at learning rate 1 asks
        // for a step of (300, -400), 500 units; clipped to 5 it is (3, -4). Without a limit
        // it is taken whole.
        let (mut y, mut update, mut gains) = (vec![[1.0, 1.0]], vec![[0.0; 2]], vec![[1.0; 2]]);
        let grad = vec![[-300.0 / 0.8, 400.0 / 0.8]];
        descend(&mut y, &mut update, &mut gains, &grad, 0.0, 1.0, Some(5.0));
        assert!(
            (y[0][0] - 4.0).abs() < 1e-12 && (y[0][1] + 3.0).abs() < 1e-12,
            "{y:?}"
        );
        descend(&mut y, &mut update, &mut gains, &grad, 0.0, 1.0, None);
        assert!(y[0][0] > 200.0, "{y:?}");
    }
}
