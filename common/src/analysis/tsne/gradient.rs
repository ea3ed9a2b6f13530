//! t-SNE's optimisation step: KL(P ‖ Q), its gradient (exact, or with the repulsion
//! interpolated on a grid), and gradient descent with momentum and adaptive gains.

use rayon::prelude::*;

use super::MACHINE_EPSILON;
use super::barnes_hut;
use super::repulsion::{Convolver, Repulsion};

// ANCHOR: gradient
/// KL(P ‖ Q) and its gradient for the current embedding (exact, O(N²)).
pub(super) fn kl_and_gradient(
    p: &[f64],
    y: &[[f64; 2]],
    exaggeration: f64,
) -> (f64, Vec<[f64; 2]>) {
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
// ANCHOR_END: gradient

/// KL(P ‖ Q) (when asked for) and its gradient with sparse P: attraction exactly over P's
/// neighbours, repulsion from `repulsion` (Barnes–Hut or grid interpolation).
pub(super) fn sparse_kl_and_gradient(
    p: &[Vec<(usize, f64)>],
    repulsion: &Repulsion,
    y: &[[f64; 2]],
    exaggeration: f64,
    with_kl: bool,
) -> (f64, Vec<[f64; 2]>) {
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
    Sparse(Vec<Vec<(usize, f64)>>, Repulser),
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

/// One step of gradient descent with momentum and adaptive gains (+0.2 where the gradient
/// changed sign, ×0.8 where it did not, at least 0.01), each point's step clipped to
/// `max_step` map units when given. Returns the norm of the gain-scaled gradient, which
/// scikit-learn's `min_grad_norm` stopping rule tests.
pub(super) fn descend(
    y: &mut [[f64; 2]],
    update: &mut [[f64; 2]],
    gains: &mut [[f64; 2]],
    grad: &[[f64; 2]],
    momentum: f64,
    learning_rate: f64,
    max_step: Option<f64>,
) -> f64 {
    let mut squared_norm = 0.0;
    for i in 0..y.len() {
        for k in 0..2 {
            let g = grad[i][k];
            if update[i][k] * g < 0.0 {
                gains[i][k] += 0.2;
            } else {
                gains[i][k] = (gains[i][k] * 0.8).max(0.01);
            }
            let scaled = gains[i][k] * g;
            squared_norm += scaled * scaled;
            update[i][k] = momentum * update[i][k] - learning_rate * scaled;
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
    squared_norm.sqrt()
}
