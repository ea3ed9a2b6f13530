//! t-SNE with scikit-learn's semantics, by one of three methods ([`Method`]): Barnes–Hut
//! (scikit-learn's default, the notebook's), exact, or, for whole vocabularies, repulsive
//! forces by FFT-accelerated interpolation ([`repulsion`], as openTSNE's `fft` method), so
//! a whole vocabulary is mapped in O(N) per iteration.
//!
//! The steps follow `sklearn.manifold.TSNE` (1.5): squared Euclidean distances (to every
//! point for `exact`, to each point's `min(N − 1, ⌊3·perplexity + 1⌋)` nearest neighbours
//! otherwise); a per-point binary search for the Gaussian precision whose conditional
//! distribution has the requested perplexity; symmetrised joint probabilities; PCA
//! initialisation scaled to a standard deviation of 1e-4; early exaggeration 12 for 250
//! iterations with momentum 0.5, then momentum 0.8 with fresh gains; the learning rate
//! `max(N / 12 / 4, 50)`; adaptive gains (+0.2 / ×0.8, at least 0.01); a Student-t kernel
//! with one degree of freedom; every 50 iterations the KL divergence is computed and the
//! run stops early after 300 iterations without progress or once the gradient's norm is
//! below 1e-7 (the exploration phase allows 250). The reported KL divergence is the last
//! one computed, before the last step, as scikit-learn's `kl_divergence_`.
//!
//! `fft` is optimised as openTSNE optimises it, so the two can be compared on the same P
//! (`gradient::Rules`): momentum 0.8 in both phases, gains and update kept across them,
//! openTSNE's gain rule, steps clipped to 5 map units, the map re-centred after every
//! step, no early stop, and the KL divergence of the final map.

use anyhow::{Result, ensure};
use rayon::prelude::*;
use serde::Serialize;

use burn::tensor::Device;

mod affinities;
mod barnes_hut;
mod gradient;
mod quality;
pub mod repulsion;

use crate::analysis::neighbours::Neighbours;
use crate::analysis::svd::{GRAM_BLOCK_ROWS, top_right_singular_vectors};
use crate::rng::SeededRng;
use crate::tensor::Matrix;
use affinities::{joint_probabilities, neighbourhoods, sparse_joint_probabilities};
use gradient::{Affinities, Repulser, Rules, descend};
use repulsion::Convolver;

pub use quality::trustworthiness;

/// The exact method keeps N² affinities: up to this many points.
pub const EXACT_LIMIT: usize = 2000;
/// The KL divergence is computed, and the stopping rules checked, every this many
/// iterations (and at the last), as scikit-learn does: the gradient does not need it.
const CHECK_EVERY: usize = 50;
/// scikit-learn's `n_iter_without_progress`: stop when the KL divergence has not improved
/// for this many iterations (checked every [`CHECK_EVERY`]).
const PATIENCE: usize = 300;
/// scikit-learn's `min_grad_norm`.
const MIN_GRAD_NORM: f64 = 1e-7;

const EXAGGERATION: f64 = 12.0;
const EXPLORATION_ITERATIONS: usize = 250;
pub(super) const MACHINE_EPSILON: f64 = f64::EPSILON;

/// How the gradient is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// scikit-learn's default, and so the notebook's: affinities over each point's nearest
    /// neighbours, repulsion by a Barnes–Hut quadtree (`angle`).
    BarnesHut,
    /// scikit-learn's `method="exact"`: every pair, O(N²) time and memory.
    Exact,
    /// openTSNE's `fft`: Barnes–Hut's affinities, repulsion interpolated on a grid; for
    /// whole vocabularies. Optimised by openTSNE's rules where they differ from
    /// scikit-learn's (`Rules::OPEN_TSNE`).
    Fft,
}

#[derive(Clone, Debug)]
pub struct TsneOptions {
    pub perplexity: f64,
    /// The most iterations (scikit-learn's `max_iter`).
    pub iterations: usize,
    pub method: Method,
    /// Barnes–Hut's opening angle (scikit-learn's `angle`).
    pub angle: f64,
    pub init: Init,
}

/// Where the map starts. scikit-learn's default is PCA, which has no randomness: the
/// same map on every run. A random start (scikit-learn's `init="random"`) shows how
/// much the final map depends on where the descent began.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// The first two principal components, scaled to standard deviation 1e-4.
    Pca,
    /// Gaussian noise of standard deviation 1e-4 drawn from this seed.
    Random(u64),
}

impl TsneOptions {
    /// `TSNE(n_components=2, perplexity=perplexity)`: scikit-learn's defaults.
    pub fn scikit_learn(perplexity: f64) -> Self {
        TsneOptions {
            perplexity,
            iterations: 1000,
            method: Method::BarnesHut,
            angle: 0.5,
            init: Init::Pca,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TsneResult {
    pub method: Method,
    /// N×2 coordinates, row-major.
    pub points: Vec<[f64; 2]>,
    /// KL(P ‖ Q) at the last check (scikit-learn's `kl_divergence_`); `None` where what
    /// was computed is not a divergence: no check ran, or Barnes–Hut's estimate of Q's
    /// normaliser was so coarse (an opening angle far past 0.8) that the sum came out
    /// negative, which no KL divergence is.
    pub kl_divergence: Option<f64>,
    /// Iterations run: fewer than asked when a stopping rule ended the run.
    pub iterations: usize,
    /// The exact nearest neighbours the affinities came from (not with `exact`), nearest
    /// first, for whoever needs a neighbour graph of the same points.
    #[serde(skip)]
    pub neighbourhoods: Option<Vec<Neighbours>>,
}

/// What t-SNE of `n` points of `d` dimensions holds beside them at its peak, and what a
/// map page of them holds after it (`map_bytes_per_point` a point), phase by phase, the
/// largest phase counting: the neighbour search (each point's k = 3·perplexity + 1 best,
/// as candidates and as the graph; under both metrics for a vocabulary large enough for
/// its graph to be kept), the principal axes (the d×d Gram matrix), the affinities (P
/// built row by row, then in compressed rows) and the descent (P, the map's arrays and
/// the interpolation grids); the Euclidean graph is kept throughout for the map.
pub fn peak_bytes(n: u64, d: u64, options: &TsneOptions, map_bytes_per_point: u64) -> u64 {
    let k = ((3.0 * options.perplexity + 1.0) as u64).min(n.saturating_sub(1));
    let map = n.saturating_mul(map_bytes_per_point);
    if options.method == Method::Exact {
        // Distances, conditional and joint P: three n×n f64 arrays.
        return n.saturating_mul(n).saturating_mul(24).max(map);
    }
    let metrics = if n >= crate::analysis::neighbours::CACHED_FROM_ROWS as u64 {
        2
    } else {
        1
    };
    let graph = n.saturating_mul(16 * k + 24);
    let search = n.saturating_mul(metrics * (32 * k + 64));
    let axes = if n > d {
        d.saturating_mul(d).saturating_mul(8) + GRAM_BLOCK_ROWS as u64 * d * 8
    } else {
        n.saturating_mul(d).saturating_mul(16)
    };
    let affinities = n.saturating_mul(72 * k);
    let repulsion = match options.method {
        Method::Fft => repulsion::MAX_GRID_BYTES,
        _ => n.saturating_mul(200), // the quadtree
    };
    let descent = n.saturating_mul(24 * k + 64).saturating_add(repulsion);
    graph.saturating_add(search.max(axes).max(affinities).max(descent).max(map))
}

/// The first two principal components of `x`, scaled so the first has standard
/// deviation 1e-4 (sklearn's `init="pca"`). The rows are centred as they are read, never
/// copied: a whole vocabulary's map starts from its principal axes in the memory of a few
/// blocks of rows.
fn pca_init(x: &Matrix) -> Result<Vec<[f64; 2]>> {
    let (n, d) = (x.rows(), x.cols());
    let mut sums = vec![0.0f64; d];
    for r in 0..n {
        for (sum, &v) in sums.iter_mut().zip(x.row(r)) {
            *sum += v as f64;
        }
    }
    let mean: Vec<f32> = sums.iter().map(|s| (s / n as f64) as f32).collect();
    let axes = top_right_singular_vectors(x, Some(&mean), 2)?;
    let mut y: Vec<[f64; 2]> = (0..n)
        .into_par_iter()
        .map(|r| {
            [0, 1].map(|k| {
                x.row(r)
                    .iter()
                    .zip(&mean)
                    .zip(axes.row(k))
                    .map(|((&a, &m), &b)| (a - m) as f64 * b as f64)
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

/// `n` points drawn from a Gaussian of standard deviation 1e-4 (sklearn's
/// `init="random"`).
fn random_init(n: usize, seed: u64) -> Vec<[f64; 2]> {
    let mut rng = SeededRng::new(seed);
    (0..n)
        .map(|_| [rng.normal() * 1e-4, rng.normal() * 1e-4])
        .collect()
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
        u32::try_from(n).is_ok(),
        "t-SNE indexes points with 32 bits: choose at most {} tokens, got {n}",
        u32::MAX
    );
    ensure!(
        options.perplexity > 0.0 && options.perplexity < n as f64,
        "perplexity must be above 0 and below the number of points ({n}), got {}",
        options.perplexity
    );
    ensure!(
        options.method != Method::Exact || n <= EXACT_LIMIT,
        "the exact method keeps every pair ({n}² of them): use it for up to {EXACT_LIMIT} tokens, or choose barnes-hut or fft"
    );
    let graph = match options.method {
        Method::Exact => None,
        Method::BarnesHut | Method::Fft => Some(neighbourhoods(x, options.perplexity, device)?),
    };
    let mut p = match (options.method, &graph) {
        (Method::BarnesHut, Some(graph)) => Affinities::Sparse(
            sparse_joint_probabilities(graph, options.perplexity),
            Repulser::BarnesHut(options.angle),
        ),
        (Method::Fft, Some(graph)) => Affinities::Sparse(
            sparse_joint_probabilities(graph, options.perplexity),
            Repulser::Fft(Convolver::default()),
        ),
        _ => Affinities::Dense(joint_probabilities(x, options.perplexity)),
    };
    let rules = match options.method {
        Method::Fft => Rules::OPEN_TSNE,
        Method::BarnesHut | Method::Exact => Rules::SCIKIT_LEARN,
    };
    let mut y = match options.init {
        Init::Pca => pca_init(x)?,
        Init::Random(seed) => random_init(n, seed),
    };
    let learning_rate = (n as f64 / EXAGGERATION / 4.0).max(50.0);
    let mut update = vec![[0.0; 2]; n];
    let mut gains = vec![[1.0f64; 2]; n];
    let mut kl = f64::NAN;
    // (exaggeration, momentum, end, patience) of the exploration phase, then of the
    // rest. With scikit-learn's rules each phase starts with fresh updates and gains,
    // as a fresh call of its `_gradient_descent`.
    let phases = [
        (
            EXAGGERATION,
            rules.exploration_momentum,
            EXPLORATION_ITERATIONS.min(options.iterations),
            EXPLORATION_ITERATIONS,
        ),
        (1.0, 0.8, options.iterations, PATIENCE),
    ];
    // ANCHOR: descent
    let mut next = 0;
    for (exaggeration, momentum, end, patience) in phases {
        if rules.fresh_phases {
            update.fill([0.0; 2]);
            gains.fill([1.0; 2]);
        }
        let mut stop = EarlyStop::new(next, patience);
        for iteration in next..end {
            next = iteration + 1;
            let check = (iteration + 1) % CHECK_EVERY == 0;
            let with_kl = check || (next == end && !rules.kl_of_final_map);
            let (value, grad) = p.kl_and_gradient(&y, exaggeration, with_kl);
            kl = if value.is_nan() { kl } else { value };
            let grad_norm = descend(
                &mut y,
                &mut update,
                &mut gains,
                &grad,
                momentum,
                learning_rate,
                &rules,
            );
            progress(iteration, kl);
            if check && rules.early_stop && stop.after(iteration, kl, grad_norm) {
                break;
            }
        }
    }
    // ANCHOR_END: descent
    if rules.kl_of_final_map {
        kl = p.kl_and_gradient(&y, 1.0, true).0;
    }
    Ok(TsneResult {
        method: options.method,
        points: y,
        kl_divergence: (kl >= 0.0).then_some(kl),
        iterations: next,
        neighbourhoods: graph,
    })
}

/// scikit-learn's stopping rules, checked every [`CHECK_EVERY`] iterations of a
/// phase: no better KL divergence for `patience` iterations, or a gain-scaled
/// gradient norm of at most [`MIN_GRAD_NORM`].
struct EarlyStop {
    best_kl: f64,
    best_iteration: usize,
    patience: usize,
}

impl EarlyStop {
    /// The rules for a phase that starts at iteration `first`.
    fn new(first: usize, patience: usize) -> Self {
        Self {
            best_kl: f64::MAX,
            best_iteration: first,
            patience,
        }
    }

    /// Whether to stop after `iteration`, whose KL divergence is `kl`.
    fn after(&mut self, iteration: usize, kl: f64, grad_norm: f64) -> bool {
        if kl < self.best_kl {
            (self.best_kl, self.best_iteration) = (kl, iteration);
        } else if iteration - self.best_iteration > self.patience {
            return true;
        }
        grad_norm <= MIN_GRAD_NORM
    }
}

#[cfg(test)]
mod tests {
    use super::affinities::{SparseAffinities, conditional_probabilities, squared_distances};
    use super::gradient::{kl_and_gradient, sparse_kl_and_gradient};
    use super::*;
    use crate::rng::SeededRng;

    fn random(rows: usize, cols: usize, seed: u64) -> Matrix {
        Matrix::random_normal(rows, cols, 1.0, &mut SeededRng::new(seed)).unwrap()
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
    fn coincident_points_never_give_a_negative_kl_divergence() {
        // Ten points, five of them one vector (two tokens with one embedding, as the GPT
        // stand-in's ids 8, 10, 13, 15 and 16): Barnes–Hut's tree holds them as one body,
        // and scikit-learn's leaves their pairs out of Z while P keeps them, which put
        // -15.13 on the lesson's terminal. Every method's KL is now a KL: at least 0.
        let base = random(10, 6, 3);
        let mut rows: Vec<f32> = Vec::new();
        for r in 0..10 {
            rows.extend_from_slice(base.row(if r < 5 { 0 } else { r }));
        }
        let x = Matrix::new(10, 6, rows).unwrap();
        let device = Default::default();
        for method in [Method::BarnesHut, Method::Exact, Method::Fft] {
            let options = TsneOptions {
                method,
                ..TsneOptions::scikit_learn(2.0)
            };
            let map = tsne(&x, &options, &device, |_, _| {}).unwrap();
            assert!(
                map.kl_divergence
                    .is_some_and(|kl| kl.is_finite() && kl >= 0.0),
                "{method:?}: {:?}",
                map.kl_divergence
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
        let sparse = SparseAffinities::from_rows((0..n).map(|i| {
            (0..n)
                .filter(|&j| j != i)
                .map(|j| (j, dense[i * n + j]))
                .collect()
        }));
        let mut rng = SeededRng::new(5);
        let y: Vec<[f64; 2]> = (0..n)
            .map(|_| [2.0 * rng.normal(), 2.0 * rng.normal()])
            .collect();
        let (kl_exact, g_exact) = kl_and_gradient(&dense, &y, 1.0);
        let repulsion = Convolver::default().repulsion(&y);
        let (kl_bh, g_bh) = sparse_kl_and_gradient(&sparse, &repulsion, &y, 1.0, true);
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
                iterations: 500,
                ..TsneOptions::scikit_learn(5.0)
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
        assert!(
            map.kl_divergence
                .is_some_and(|kl| kl.is_finite() && kl > 0.0)
        );
    }

    #[test]
    fn a_step_is_clipped_to_the_limit_in_its_own_direction() {
        // A first step (gains become 0.8) with gradient (-375, 500) at learning rate 1 asks
        // for a step of (300, -400), 500 units; clipped to 5 it is (3, -4). Without a limit
        // it is taken whole.
        let (mut y, mut update, mut gains) = (vec![[1.0, 1.0]], vec![[0.0; 2]], vec![[1.0; 2]]);
        let grad = vec![[-300.0 / 0.8, 400.0 / 0.8]];
        let clipped = Rules {
            max_step: Some(5.0),
            ..Rules::SCIKIT_LEARN
        };
        descend(&mut y, &mut update, &mut gains, &grad, 0.0, 1.0, &clipped);
        assert!(
            (y[0][0] - 4.0).abs() < 1e-12 && (y[0][1] + 3.0).abs() < 1e-12,
            "{y:?}"
        );
        descend(
            &mut y,
            &mut update,
            &mut gains,
            &grad,
            0.0,
            1.0,
            &Rules::SCIKIT_LEARN,
        );
        assert!(y[0][0] > 200.0, "{y:?}");
    }

    #[test]
    fn gains_follow_each_libraries_rule() {
        // The first step (update zero): scikit-learn shrinks the gains (0.8), openTSNE
        // grows them (1.2: the sign of a zero update differs from the gradient's). Then,
        // the gradient keeping its sign on x and reversing on y: scikit-learn 0.8 + 0.2
        // and 0.8·0.8, openTSNE 1.2 + 0.2 and 1.2·0.8 + 0.01. openTSNE also moves the
        // map's mean back to the origin.
        let first = vec![[-1.0, -1.0], [-1.0, -1.0]];
        let second = vec![[-1.0, 1.0], [-1.0, 1.0]];
        for (rules, want) in [
            (Rules::SCIKIT_LEARN, [[0.8, 0.8], [1.0, 0.64]]),
            (Rules::OPEN_TSNE, [[1.2, 1.2], [1.4, 0.97]]),
        ] {
            let mut y = vec![[1.0, 2.0], [3.0, 4.0]];
            let (mut update, mut gains) = (vec![[0.0; 2]; 2], vec![[1.0; 2]; 2]);
            for (grad, want) in [&first, &second].into_iter().zip(want) {
                descend(&mut y, &mut update, &mut gains, grad, 0.5, 0.1, &rules);
                for k in 0..2 {
                    assert!(
                        (gains[0][k] - want[k]).abs() < 1e-12,
                        "{gains:?} v {want:?}"
                    );
                }
            }
            let centred = (0..2).all(|k| (y[0][k] + y[1][k]).abs() < 1e-12);
            assert_eq!(rules.recentre, centred, "{y:?}");
        }
    }
}
