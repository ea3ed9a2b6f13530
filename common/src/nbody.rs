//! t-SNE's repulsive forces for a whole vocabulary: every pair of points interacts, so the
//! sums over all pairs are computed on a grid instead (Linderman et al., "Fast
//! interpolation-based t-SNE", 2019: the method of FIt-SNE and openTSNE's `fft`).
//!
//! Each point's charges are spread onto a regular grid by Lagrange interpolation (3 nodes
//! per grid box), the grid is convolved with the kernel by FFT, and the potentials are
//! interpolated back. The cost per iteration is O(N) plus an FFT whose size depends on
//! the map's extent, not on N, against O(N log N) for Barnes–Hut.

use rayon::prelude::*;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// Interpolation nodes per grid box and dimension.
const NODES_PER_BOX: usize = 3;
/// The grid never has fewer boxes per dimension than this (openTSNE's `min_num_intervals`).
const MIN_BOXES: usize = 50;
/// Boxes per unit of map extent (openTSNE's `ints_in_interval` = 1).
const BOXES_PER_UNIT: f64 = 1.0;
/// The grid never has more boxes per dimension than this: a few far-flung points would
/// otherwise make the FFT (and its memory) grow with the square of the map's extent.
/// Beyond it boxes are wider than one unit and near forces coarser.
const MAX_BOXES: usize = 300;

/// The repulsive sums of t-SNE's gradient, with w_ij = 1 / (1 + ‖yᵢ − yⱼ‖²):
/// for each point Σⱼ w_ij² (yᵢ − yⱼ), and the normaliser Z = Σ_{i≠j} w_ij.
pub struct Repulsion {
    pub forces: Vec<[f64; 2]>,
    pub z: f64,
}

/// Where a point sits on the grid: its box and its interpolation weights in each dimension.
struct Stencil {
    first_node: [usize; 2],
    weights: [[f64; NODES_PER_BOX]; 2],
}

/// Lagrange basis polynomials through the box's nodes (at (k + ½)/3 of its width),
/// evaluated at `t` ∈ [0, 1], the point's place within the box.
fn lagrange_weights(t: f64) -> [f64; NODES_PER_BOX] {
    let nodes: [f64; NODES_PER_BOX] =
        std::array::from_fn(|k| (k as f64 + 0.5) / NODES_PER_BOX as f64);
    std::array::from_fn(|k| {
        (0..NODES_PER_BOX)
            .filter(|&l| l != k)
            .map(|l| (t - nodes[l]) / (nodes[k] - nodes[l]))
            .product()
    })
}

/// The smallest count ≥ `n` whose only prime factors are 2, 3 and 5 (fast FFT sizes).
fn smooth_at_least(n: usize) -> usize {
    (n..)
        .find(|&m| {
            let mut r = m;
            for p in [2, 3, 5] {
                while r % p == 0 {
                    r /= p;
                }
            }
            r == 1
        })
        .unwrap_or(n)
}

/// A square grid over the map, and each point's stencil on it.
struct Grid {
    /// Nodes per dimension.
    nodes: usize,
    /// Distance between neighbouring nodes.
    spacing: f64,
    stencils: Vec<Stencil>,
}

impl Grid {
    fn over(y: &[[f64; 2]]) -> Self {
        let (lo, hi) = y
            .iter()
            .flatten()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let span = (hi - lo).max(1e-9);
        let wanted = (span * BOXES_PER_UNIT).ceil() as usize;
        let boxes = smooth_at_least(wanted.clamp(MIN_BOXES, MAX_BOXES));
        let box_width = span / boxes as f64;
        let stencils = y
            .iter()
            .map(|p| {
                let place = |v: f64| {
                    let x = (v - lo) / box_width;
                    let b = (x.floor() as usize).min(boxes - 1);
                    (b * NODES_PER_BOX, lagrange_weights(x - b as f64))
                };
                let (first_x, wx) = place(p[0]);
                let (first_y, wy) = place(p[1]);
                Stencil {
                    first_node: [first_x, first_y],
                    weights: [wx, wy],
                }
            })
            .collect();
        Self {
            nodes: boxes * NODES_PER_BOX,
            spacing: box_width / NODES_PER_BOX as f64,
            stencils,
        }
    }
}

/// 2-D FFTs of a square `size`×`size` array, row-major.
struct Fft2 {
    size: usize,
    forward: std::sync::Arc<dyn rustfft::Fft<f64>>,
    inverse: std::sync::Arc<dyn rustfft::Fft<f64>>,
}

impl Fft2 {
    fn new(size: usize) -> Self {
        let mut planner = FftPlanner::new();
        Self {
            size,
            forward: planner.plan_fft_forward(size),
            inverse: planner.plan_fft_inverse(size),
        }
    }

    /// Transforms rows, transposes, transforms rows again: the result is transposed,
    /// which is harmless for a pointwise product followed by [`Fft2::inverse`]. Only the
    /// first `filled_rows` rows may be non-zero (the rest are padding, left as they are).
    fn forward(&self, data: &mut Vec<Complex<f64>>, filled_rows: usize) {
        self.rows(&self.forward, &mut data[..filled_rows * self.size]);
        *data = transpose(data, self.size);
        self.rows(&self.forward, data);
    }

    /// One 1-D transform per row, rows shared among the threads.
    fn rows(&self, fft: &std::sync::Arc<dyn rustfft::Fft<f64>>, data: &mut [Complex<f64>]) {
        data.par_chunks_mut(self.size * 16)
            .for_each(|rows| fft.process(rows));
    }

    /// Undoes [`Fft2::forward`] (including its transpose), scaled by 1/size².
    fn inverse(&self, data: &mut Vec<Complex<f64>>) {
        self.rows(&self.inverse, data);
        *data = transpose(data, self.size);
        self.rows(&self.inverse, data);
        let scale = 1.0 / (self.size * self.size) as f64;
        data.iter_mut().for_each(|v| *v *= scale);
    }
}

fn transpose(data: &[Complex<f64>], size: usize) -> Vec<Complex<f64>> {
    const TILE: usize = 32;
    let mut out = vec![Complex::default(); data.len()];
    for r0 in (0..size).step_by(TILE) {
        for c0 in (0..size).step_by(TILE) {
            for r in r0..(r0 + TILE).min(size) {
                for c in c0..(c0 + TILE).min(size) {
                    out[c * size + r] = data[r * size + c];
                }
            }
        }
    }
    out
}

/// The repulsive sums for the map `y`, by grid interpolation and FFT convolution.
pub fn repulsion(y: &[[f64; 2]]) -> Repulsion {
    let grid = Grid::over(y);
    let m = grid.nodes;
    // The convolution is circular on a grid twice as wide, so it does not wrap around.
    let size = 2 * m;
    let fft = Fft2::new(size);

    // The kernel w² = 1/(1 + d²)² at every node offset, laid out circularly.
    let mut kernel = vec![Complex::default(); size * size];
    let offset = |i: usize| {
        let d = if i <= m {
            i as f64
        } else {
            i as f64 - size as f64
        };
        d * grid.spacing
    };
    for r in 0..size {
        for c in 0..size {
            let (dx, dy) = (offset(r), offset(c));
            let w = 1.0 / (1.0 + dx * dx + dy * dy);
            kernel[r * size + c] = Complex::new(w * w, 0.0);
        }
    }
    fft.forward(&mut kernel, size);

    // Four charges per point: 1, x, y and x² + y², packed two to a complex grid (the kernel
    // is real, so real and imaginary parts convolve independently).
    let charges = |p: &[f64; 2]| [1.0, p[0], p[1], p[0] * p[0] + p[1] * p[1]];
    let mut grids = [
        vec![Complex::default(); size * size],
        vec![Complex::default(); size * size],
    ];
    for (p, s) in y.iter().zip(&grid.stencils) {
        let q = charges(p);
        for (a, wx) in s.weights[0].iter().enumerate() {
            for (b, wy) in s.weights[1].iter().enumerate() {
                let node = (s.first_node[0] + a) * size + s.first_node[1] + b;
                let w = wx * wy;
                grids[0][node] += Complex::new(w * q[0], w * q[1]);
                grids[1][node] += Complex::new(w * q[2], w * q[3]);
            }
        }
    }
    for g in &mut grids {
        fft.forward(g, m);
        g.iter_mut().zip(&kernel).for_each(|(v, k)| *v *= k);
        fft.inverse(g);
    }

    // Potentials back at the points; then the force and Z from them:
    // Σⱼ w²(yᵢ − yⱼ) = yᵢ·φ₁ − φ_y, and Σⱼ w = Σⱼ w²(1 + ‖yᵢ − yⱼ‖²), whose j = i term
    // is exactly 1.
    let mut forces = Vec::with_capacity(y.len());
    let mut z = 0.0;
    for (p, s) in y.iter().zip(&grid.stencils) {
        let mut phi = [0.0; 4];
        for (a, wx) in s.weights[0].iter().enumerate() {
            for (b, wy) in s.weights[1].iter().enumerate() {
                let node = (s.first_node[0] + a) * size + s.first_node[1] + b;
                let w = wx * wy;
                phi[0] += w * grids[0][node].re;
                phi[1] += w * grids[0][node].im;
                phi[2] += w * grids[1][node].re;
                phi[3] += w * grids[1][node].im;
            }
        }
        forces.push([p[0] * phi[0] - phi[1], p[1] * phi[0] - phi[2]]);
        z += (1.0 + p[0] * p[0] + p[1] * p[1]) * phi[0] - 2.0 * (p[0] * phi[1] + p[1] * phi[2])
            + phi[3]
            - 1.0;
    }
    Repulsion { forces, z }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    fn exact(y: &[[f64; 2]]) -> Repulsion {
        let mut forces = vec![[0.0; 2]; y.len()];
        let mut z = 0.0;
        for i in 0..y.len() {
            for j in 0..y.len() {
                if i != j {
                    let d = [y[i][0] - y[j][0], y[i][1] - y[j][1]];
                    let w = 1.0 / (1.0 + d[0] * d[0] + d[1] * d[1]);
                    z += w;
                    forces[i][0] += w * w * d[0];
                    forces[i][1] += w * w * d[1];
                }
            }
        }
        Repulsion { forces, z }
    }

    #[test]
    fn lagrange_weights_interpolate_quadratics_exactly() {
        for t in [0.0, 0.2, 0.5, 0.93, 1.0] {
            let w = lagrange_weights(t);
            let nodes = [1.0 / 6.0, 0.5, 5.0 / 6.0];
            let f = |x: f64| 3.0 * x * x - x + 2.0;
            let interpolated: f64 = w.iter().zip(nodes).map(|(w, x)| w * f(x)).sum();
            assert!((interpolated - f(t)).abs() < 1e-12);
        }
    }

    #[test]
    fn fft_sums_match_the_exact_ones() {
        // A map a few boxes wide (the grid's 50-box minimum: fine), and one as dense as a
        // whole-vocabulary map (about 2.5 points per unit², boxes 1 unit wide as openTSNE's
        // defaults make them): the interpolation error there is openTSNE's too.
        for (n, width, z_tolerance, force_tolerance) in
            [(800, 4.0, 1e-4, 1e-4), (3000, 35.0, 1e-3, 2e-2)]
        {
            let mut rng = SeededRng::new(n as u64);
            let y: Vec<[f64; 2]> = (0..n)
                .map(|_| [width * rng.next_f64(), width * rng.next_f64()])
                .collect();
            let (want, got) = (exact(&y), repulsion(&y));
            assert!(
                (got.z - want.z).abs() < z_tolerance * want.z,
                "{n} points: Z {} vs {}",
                got.z,
                want.z
            );
            let norm = |f: &[[f64; 2]]| {
                f.iter()
                    .map(|v| v[0] * v[0] + v[1] * v[1])
                    .sum::<f64>()
                    .sqrt()
            };
            let error: Vec<[f64; 2]> = want
                .forces
                .iter()
                .zip(&got.forces)
                .map(|(a, b)| [a[0] - b[0], a[1] - b[1]])
                .collect();
            let relative = norm(&error) / norm(&want.forces);
            assert!(
                relative < force_tolerance,
                "{n} points: relative force error {relative}"
            );
        }
    }
}
