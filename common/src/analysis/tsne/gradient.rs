//! t-SNE's optimisation step: KL(P ‖ Q), its gradient (exact, or with the repulsion
//! interpolated on a grid), and gradient descent with momentum and adaptive gains.

use rayon::prelude::*;

use super::MACHINE_EPSILON;
use super::affinities::SparseAffinities;
use super::barnes_hut;
use super::repulsion::{Convolver, Repulsion};

/// The Student-t kernel (5.4) of every pair of map points: its numerators
/// (1 + ‖yᵢ − yⱼ‖²)⁻¹, row by row, and their sum over all pairs i ≠ j.
fn student_t(y: &[[f64; 2]]) -> (Vec<f64>, f64) {
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
    (num, total)
}

// ANCHOR: gradient
/// KL(P ‖ Q) (5.5) and its gradient (5.6) for the current map (exact, O(N²)),
/// with every p_ij multiplied by `exaggeration` (5.7).
pub(super) fn kl_and_gradient(
    p: &[f64],
    y: &[[f64; 2]],
    exaggeration: f64,
) -> (f64, Vec<[f64; 2]>) {
    let n = y.len();
    let (num, total) = student_t(y);
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
// ANCHOR_END: gradient

/// KL(P ‖ Q) (when asked for) and its gradient with sparse P: attraction exactly over P's
/// neighbours, repulsion from `repulsion` (Barnes–Hut or grid interpolation).
pub(super) fn sparse_kl_and_gradient(
    p: &SparseAffinities,
    repulsion: &Repulsion,
    y: &[[f64; 2]],
    exaggeration: f64,
    with_kl: bool,
) -> (f64, Vec<[f64; 2]>) {
    let z = repulsion.z.max(MACHINE_EPSILON);
    // Q of the KL divergence sums to 1 over every pair, coincident ones included.
    let kl_z = (repulsion.z + repulsion.coincident).max(MACHINE_EPSILON);
    // Each row's gradient and KL term on its own thread; the terms are summed in row order,
    // so the KL is the same on every run.
    let rows: Vec<([f64; 2], f64)> = (0..p.rows())
        .into_par_iter()
        .zip(&repulsion.forces)
        .with_min_len(256)
        .map(|(i, force)| {
            let (columns, values) = p.row(i);
            let (attraction, kl) = if with_kl {
                attraction::<true>(columns, values, y, y[i], exaggeration, kl_z)
            } else {
                attraction::<false>(columns, values, y, y[i], exaggeration, kl_z)
            };
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

/// One point's attraction Σⱼ p_ij q_ij (yᵢ − yⱼ) with unnormalised q_ij = 1 / (1 + d²),
/// and, when `WITH_KL`, its terms of KL(P ‖ Q) with Q normalised by `z`. Separate
/// instances with and without the KL keep its logarithm out of the usual iteration.
fn attraction<const WITH_KL: bool>(
    columns: &[u32],
    values: &[f64],
    y: &[[f64; 2]],
    yi: [f64; 2],
    exaggeration: f64,
    z: f64,
) -> ([f64; 2], f64) {
    let mut sum = [0.0; 2];
    let mut kl = 0.0;
    for (&j, &pij) in columns.iter().zip(values) {
        let yj = y[j as usize];
        let d = [yi[0] - yj[0], yi[1] - yj[1]];
        let q = 1.0 / (1.0 + d[0] * d[0] + d[1] * d[1]);
        let pij = pij * exaggeration;
        sum[0] += pij * q * d[0];
        sum[1] += pij * q * d[1];
        if WITH_KL {
            kl += pij * (pij.max(MACHINE_EPSILON) / (q / z).max(MACHINE_EPSILON)).ln();
        }
    }
    (sum, kl)
}

/// How the repulsion of sparse affinities is computed.
pub(super) enum Repulser {
    /// scikit-learn's quadtree with this opening angle.
    BarnesHut(f64),
    /// openTSNE's grid interpolation.
    Fft(Convolver),
}

/// The joint probabilities P: dense for the exact gradient, sparse (each point's
/// neighbours, symmetrised) for Barnes–Hut or the interpolated gradient.
pub(super) enum Affinities {
    Dense(Vec<f64>),
    Sparse(SparseAffinities, Repulser),
}

impl Affinities {
    /// The gradient, and the KL divergence when `with_kl` (NaN otherwise).
    pub(super) fn kl_and_gradient(
        &mut self,
        y: &[[f64; 2]],
        exaggeration: f64,
        with_kl: bool,
    ) -> (f64, Vec<[f64; 2]>) {
        match self {
            Affinities::Dense(p) => kl_and_gradient(p, y, exaggeration),
            Affinities::Sparse(p, repulser) => {
                let repulsion = match repulser {
                    Repulser::BarnesHut(angle) => barnes_hut::repulsion(y, *angle),
                    Repulser::Fft(convolver) => convolver.repulsion(y),
                };
                sparse_kl_and_gradient(p, &repulsion, y, exaggeration, with_kl)
            }
        }
    }
}

/// Where scikit-learn's optimiser and openTSNE's differ. Both: learning rate N / 48 (in
/// scikit-learn's units), momentum 0.8 after early exaggeration, gains +0.2 where the
/// gradient kept its sign (it points against the last update).
pub(super) struct Rules {
    /// Momentum during early exaggeration.
    pub exploration_momentum: f64,
    /// Update and gains start afresh after early exaggeration (scikit-learn calls its
    /// `_gradient_descent` once per phase; openTSNE keeps them on its optimiser).
    pub fresh_phases: bool,
    /// Gains where the gradient reversed: ×0.8 and at least 0.01 (scikit-learn), or
    /// ×0.8 + 0.01 (openTSNE). openTSNE compares signs with `np.sign`, so a zero update
    /// (the first step) grows the gains, where scikit-learn shrinks them.
    pub open_tsne_gains: bool,
    /// Longest step a point may take in one iteration (openTSNE's `max_step_norm`): with
    /// sparse P, a point in many neighbour lists is pulled by many times the average
    /// attraction, and at a whole vocabulary's learning rate its step would overshoot more
    /// each iteration.
    pub max_step: Option<f64>,
    /// The map's mean is moved back to the origin after every step.
    pub recentre: bool,
    /// scikit-learn's stopping rules (no progress, small gradient).
    pub early_stop: bool,
    /// The KL divergence reported is the final map's (openTSNE's `kl_divergence`), not
    /// the last one checked before the last step (scikit-learn's `kl_divergence_`).
    pub kl_of_final_map: bool,
}

impl Rules {
    /// `sklearn.manifold.TSNE` 1.5.
    pub const SCIKIT_LEARN: Rules = Rules {
        exploration_momentum: 0.5,
        fresh_phases: true,
        open_tsne_gains: false,
        max_step: None,
        recentre: false,
        early_stop: true,
        kl_of_final_map: false,
    };
    /// `openTSNE.TSNE` 1.0 with its defaults.
    pub const OPEN_TSNE: Rules = Rules {
        exploration_momentum: 0.8,
        fresh_phases: false,
        open_tsne_gains: true,
        max_step: Some(5.0),
        recentre: true,
        early_stop: false,
        kl_of_final_map: true,
    };
}

/// numpy's `sign`: −1, 0 or 1.
fn sign(v: f64) -> i8 {
    (v > 0.0) as i8 - (v < 0.0) as i8
}

/// One step of gradient descent with momentum and adaptive gains by `rules`. Returns the
/// norm of the gain-scaled gradient, which scikit-learn's `min_grad_norm` stopping rule
/// tests.
pub(super) fn descend(
    y: &mut [[f64; 2]],
    update: &mut [[f64; 2]],
    gains: &mut [[f64; 2]],
    grad: &[[f64; 2]],
    momentum: f64,
    learning_rate: f64,
    rules: &Rules,
) -> f64 {
    let mut squared_norm = 0.0;
    for i in 0..y.len() {
        for k in 0..2 {
            let (g, u) = (grad[i][k], update[i][k]);
            let gain = &mut gains[i][k];
            if rules.open_tsne_gains {
                if sign(u) != sign(g) {
                    *gain += 0.2;
                } else {
                    *gain = *gain * 0.8 + 0.01;
                }
            } else if u * g < 0.0 {
                *gain += 0.2;
            } else {
                *gain = (*gain * 0.8).max(0.01);
            }
            let scaled = *gain * g;
            squared_norm += scaled * scaled;
            update[i][k] = momentum * u - learning_rate * scaled;
        }
        if let Some(limit) = rules.max_step {
            // As openTSNE's np.linalg.norm: the root of the sum of squares.
            let squared = update[i][0] * update[i][0] + update[i][1] * update[i][1];
            if squared > limit * limit {
                let norm = squared.sqrt();
                update[i] = update[i].map(|u| u / norm * limit);
            }
        }
        y[i][0] += update[i][0];
        y[i][1] += update[i][1];
    }
    if rules.recentre {
        let n = y.len() as f64;
        let mean = [0, 1].map(|k| y.iter().map(|p| p[k]).sum::<f64>() / n);
        for p in y.iter_mut() {
            p[0] -= mean[0];
            p[1] -= mean[1];
        }
    }
    squared_norm.sqrt()
}
