//! t-SNE's repulsive forces for a whole vocabulary: every pair of points interacts, so the
//! sums over all pairs are computed on a grid instead (Linderman et al., "Fast
//! interpolation-based t-SNE", 2019: the method of FIt-SNE and openTSNE's `fft`).
//!
//! Each point's charges are spread onto a regular grid by Lagrange interpolation (3 nodes
//! per grid box), the grid is convolved with the kernel by FFT, and the potentials are
//! interpolated back. The cost per iteration is O(N) plus an FFT whose size depends on
//! the map's extent, not on N, against O(N log N) for Barnes–Hut.
//!
//! Once the map is wider than [`MIN_BOXES`] units, boxes are exactly one unit wide, so the
//! kernel's transform depends only on the grid's size and is reused from one iteration to
//! the next until the map outgrows the grid.

use std::sync::Arc;

use rayon::prelude::*;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

/// Interpolation nodes per grid box and dimension.
const NODES_PER_BOX: usize = 3;
/// The grid never has fewer boxes per dimension than this (openTSNE's `min_num_intervals`).
const MIN_BOXES: usize = 50;
/// Width of a box in map units once the map is wider than [`MIN_BOXES`] (openTSNE's
/// `ints_in_interval` = 1).
const BOX_WIDTH: f64 = 1.0;
/// The grid never has more boxes per dimension than this: a few far-flung points would
/// otherwise make the FFT (and its memory) grow with the square of the map's extent.
/// Beyond it boxes are wider than one unit and near forces coarser.
const MAX_BOXES: usize = 300;
/// The most memory the grids take: two charge grids of `nodes`² values and the
/// transform's transposed work array (`2·nodes` rows of `nodes`), all complex, a few rows
/// padded to `2·nodes` per thread (counted for two threads: each further one holds 16
/// rows more, 0.46 MB at the largest grid), and the kernel's transform (a quarter
/// of the (2·nodes)² values, real, made in place). The old arrays are let go before a
/// grown grid's are made.
pub const MAX_GRID_BYTES: u64 = {
    let nodes = (NODES_PER_BOX * MAX_BOXES) as u64;
    let size = 2 * nodes;
    let quarter = (nodes + 1) * (nodes + 1);
    (2 * nodes * nodes + size * nodes + 2 * ROWS_AT_ONCE as u64 * size) * 16 + quarter * 8
};

/// Rows (or columns) transformed together on one thread, in a padded buffer of their own.
const ROWS_AT_ONCE: usize = 16;

/// The repulsive sums of t-SNE's gradient, with w_ij = 1 / (1 + ‖yᵢ − yⱼ‖²):
/// for each point Σⱼ w_ij² (yᵢ − yⱼ), and the normaliser Z = Σ_{i≠j} w_ij.
pub struct Repulsion {
    pub forces: Vec<[f64; 2]>,
    pub z: f64,
    /// Σ w_ij over the pairs closer than Barnes–Hut's duplicate distance, left out of `z`
    /// as scikit-learn's gradient leaves them out. P keeps those pairs (two tokens with one
    /// vector are each other's nearest), so the KL divergence needs them in Q's
    /// normaliser: without them Q sums past 1 and the "divergence" goes negative.
    pub coincident: f64,
}

#[cfg(test)]
impl Repulsion {
    /// The sums over every pair, O(N²): what the grid and Barnes–Hut approximate.
    pub(super) fn exact(y: &[[f64; 2]]) -> Self {
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
        Repulsion {
            forces,
            z,
            coincident: 0.0,
        }
    }
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
        let wanted = (span / BOX_WIDTH).ceil() as usize;
        let (boxes, box_width) = if wanted <= MIN_BOXES {
            (MIN_BOXES, span / MIN_BOXES as f64)
        } else {
            let boxes = smooth_at_least(wanted.min(MAX_BOXES));
            (boxes, BOX_WIDTH.max(span / boxes as f64))
        };
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

/// `lines` (rows of `nodes` values) each padded with zeros to `size`, for a transform.
fn padded_lines(lines: &[Complex<f64>], nodes: usize, size: usize) -> Vec<Complex<f64>> {
    let mut padded = vec![Complex::default(); lines.len() / nodes * size];
    for (line, padded) in lines.chunks_exact(nodes).zip(padded.chunks_exact_mut(size)) {
        padded[..nodes].copy_from_slice(line);
    }
    padded
}

/// The first `nodes` values of each padded line of `size`, back into `lines`.
fn cut_lines(padded: &[Complex<f64>], lines: &mut [Complex<f64>], nodes: usize, size: usize) {
    for (line, padded) in lines.chunks_exact_mut(nodes).zip(padded.chunks_exact(size)) {
        line.copy_from_slice(&padded[..nodes]);
    }
}

/// Convolution with the t-SNE kernel on a grid of `nodes`² nodes, by FFTs of length
/// 2·nodes (each row and column zero-padded as it is transformed, so the circular
/// convolution does not wrap around), with the plans, the kernel's transform and the work
/// arrays kept from one call to the next.
pub struct Convolver {
    planner: FftPlanner<f64>,
    /// Array width, and its forward and inverse plans.
    size: usize,
    forward: Arc<dyn Fft<f64>>,
    inverse: Arc<dyn Fft<f64>>,
    /// The kernel's transform (scaled by 1/size², the inverse transform's factor) at the
    /// frequencies 0 ..= size/2 in each dimension, and the node spacing it was made for.
    /// The kernel is real and even in both offsets (w(−dx, dy) = w(dx, dy)), so its
    /// transform is real and even too: this quarter holds all of it (see [`Self::kernel_across`]),
    /// an eighth of the full complex array's memory.
    kernel: Vec<f64>,
    kernel_spacing: f64,
    /// Two charge grids (four real charges packed two to a complex value), `nodes` rows of
    /// `nodes`: only the charges and potentials, never the padding the transforms need.
    grids: [Vec<Complex<f64>>; 2],
    /// A grid transformed along its rows, transposed: `size` rows (one per frequency
    /// across) of `nodes`.
    spare: Vec<Complex<f64>>,
}

impl Default for Convolver {
    fn default() -> Self {
        let mut planner = FftPlanner::new();
        let forward = planner.plan_fft_forward(1);
        let inverse = planner.plan_fft_inverse(1);
        Self {
            planner,
            size: 0,
            forward,
            inverse,
            kernel: Vec::new(),
            kernel_spacing: f64::NAN,
            grids: [Vec::new(), Vec::new()],
            spare: Vec::new(),
        }
    }
}

impl Convolver {
    /// Makes the arrays, plans and kernel fit a grid of `nodes` nodes spaced `spacing`.
    fn prepare(&mut self, nodes: usize, spacing: f64) {
        let size = 2 * nodes;
        if size != self.size {
            self.size = size;
            self.forward = self.planner.plan_fft_forward(size);
            self.inverse = self.planner.plan_fft_inverse(size);
            // The old arrays go before the new ones come: a grown grid never holds both.
            self.kernel = Vec::new();
            for grid in &mut self.grids {
                *grid = Vec::new();
                *grid = vec![Complex::default(); nodes * nodes];
            }
            self.spare = Vec::new();
            self.spare = vec![Complex::default(); size * nodes];
            self.kernel_spacing = f64::NAN;
        }
        if spacing != self.kernel_spacing {
            self.kernel_spacing = spacing;
            self.make_kernel(nodes, spacing);
        }
        for grid in &mut self.grids {
            grid.fill(Complex::default());
        }
    }

    /// The transform of w² = 1/(1 + d²)² at every node offset, laid out circularly: a
    /// row's transform along one dimension for each of the first size/2 + 1 rows (the
    /// others repeat them), then along the other dimension for each of the first size/2 + 1
    /// frequencies. Each 1-D transform is of a real, even sequence, so its values are real
    /// and even, and only their first halves are kept.
    fn make_kernel(&mut self, nodes: usize, spacing: f64) {
        let size = self.size;
        let half = size / 2 + 1;
        let offset = |i: usize| {
            let d = if i <= nodes {
                i as f64
            } else {
                i as f64 - size as f64
            };
            d * spacing
        };
        let scale = 1.0 / (size * size) as f64;
        let forward = &self.forward;
        // The real parts of the first `half` values of `line`'s transform.
        let transformed = |mut line: Vec<Complex<f64>>, out: &mut [f64]| {
            forward.process(&mut line);
            out.iter_mut().zip(&line).for_each(|(o, v)| *o = v.re);
        };
        // kernel[r][across]: row r (offset dx = offset(r) down the grid) transformed across.
        // The old kernel's memory is reused: the spacing changes every iteration once the
        // map is wider than the largest grid, and a new array each time would hold two.
        let mut kernel = std::mem::take(&mut self.kernel);
        kernel.clear();
        kernel.resize(half * half, 0.0);
        kernel
            .par_chunks_mut(half)
            .enumerate()
            .for_each(|(r, out)| {
                let line = (0..size)
                    .map(|c| {
                        let (dx, dy) = (offset(r), offset(c));
                        let w = 1.0 / (1.0 + dx * dx + dy * dy);
                        Complex::new(w * w * scale, 0.0)
                    })
                    .collect();
                transformed(line, out);
            });
        // Transposed in place, kernel[across][r]; then down: the values of one frequency
        // across in rows 0 .. size, the rows past size/2 repeating those before (row
        // size − r is row r), transformed in place. kernel[across][down]: the layout the
        // convolution reads, one frequency across at a time.
        for r in 0..half {
            for c in r + 1..half {
                kernel.swap(r * half + c, c * half + r);
            }
        }
        kernel.par_chunks_mut(half).for_each(|out| {
            let line = (0..size)
                .map(|r| Complex::new(out[r.min(size - r)], 0.0))
                .collect();
            transformed(line, out);
        });
        self.kernel = kernel;
    }

    /// The kernel's transform at frequency `across` the grid's columns (in 0 .. size), at
    /// each frequency down its rows f ≤ size/2: frequencies f and size − f hold the same
    /// value.
    fn kernel_across(kernel: &[f64], size: usize, across: usize) -> &[f64] {
        let half = size / 2 + 1;
        &kernel[across.min(size - across) * half..][..half]
    }

    /// Convolves grid `which` with the kernel; the potentials replace the charges. The
    /// transforms skip what is known to be zero on the way in (each row's and column's
    /// padding) and what is not needed on the way out (the padding again): rows and columns
    /// are padded, transformed and cut on their own threads, so neither a `size`×`size`
    /// array nor a padded grid is ever held.
    fn convolve(&mut self, which: usize, nodes: usize) {
        let size = self.size;
        let grid = &mut self.grids[which];
        let spare = &mut self.spare;
        let (forward, inverse) = (&self.forward, &self.inverse);
        let kernel = &self.kernel;

        // Forward along rows, into `spare` as its columns: a batch of blocks of rows at a
        // time (one block a thread), so only that batch is held padded.
        let batch = ROWS_AT_ONCE * rayon::current_num_threads();
        for (b, rows) in grid.chunks(nodes * batch).enumerate() {
            let blocks: Vec<Vec<Complex<f64>>> = rows
                .par_chunks(nodes * ROWS_AT_ONCE)
                .map(|rows| {
                    let mut padded = padded_lines(rows, nodes, size);
                    forward.process(&mut padded);
                    padded
                })
                .collect();
            for (t, block) in blocks.iter().enumerate() {
                let first = b * batch + t * ROWS_AT_ONCE;
                let count = block.len() / size;
                for across in 0..size {
                    let column = &mut spare[across * nodes + first..][..count];
                    for (j, v) in column.iter_mut().enumerate() {
                        *v = block[j * size + across];
                    }
                }
            }
        }

        // Each column (a row of `spare`) forward, times the kernel, and back.
        spare
            .par_chunks_mut(nodes * ROWS_AT_ONCE)
            .enumerate()
            .for_each(|(chunk, columns)| {
                let mut padded = padded_lines(columns, nodes, size);
                forward.process(&mut padded);
                for (j, column) in padded.chunks_exact_mut(size).enumerate() {
                    // this column holds one frequency across the grid's columns; each value,
                    // one frequency down its rows
                    let across = Self::kernel_across(kernel, size, chunk * ROWS_AT_ONCE + j);
                    for (down, v) in column.iter_mut().enumerate() {
                        *v *= across[down.min(size - down)];
                    }
                }
                inverse.process(&mut padded);
                cut_lines(&padded, columns, nodes, size);
            });

        // Back along rows, read from `spare`'s columns; each row's first `nodes` values are
        // the potentials.
        let spare = &*spare;
        grid.par_chunks_mut(nodes * ROWS_AT_ONCE)
            .enumerate()
            .for_each(|(chunk, rows)| {
                let first = chunk * ROWS_AT_ONCE;
                let count = rows.len() / nodes;
                let mut padded = vec![Complex::default(); count * size];
                for across in 0..size {
                    let column = &spare[across * nodes + first..][..count];
                    for (j, &v) in column.iter().enumerate() {
                        padded[j * size + across] = v;
                    }
                }
                inverse.process(&mut padded);
                cut_lines(&padded, rows, nodes, size);
            });
    }

    /// The repulsive sums for the map `y`, by grid interpolation and FFT convolution.
    pub fn repulsion(&mut self, y: &[[f64; 2]]) -> Repulsion {
        let grid = Grid::over(y);
        let m = grid.nodes;
        self.prepare(m, grid.spacing);

        // Four charges per point: 1, x, y and x² + y², packed two to a complex grid (the
        // kernel is real, so real and imaginary parts convolve independently).
        let charges = |p: &[f64; 2]| [1.0, p[0], p[1], p[0] * p[0] + p[1] * p[1]];
        // A point touches only the three node rows of its row of boxes, so rows of boxes are
        // spread on their own threads; within one, points in index order, so every node
        // sums its charges in the order a single loop would.
        let mut by_box_row = vec![Vec::new(); m / NODES_PER_BOX];
        for (i, s) in grid.stencils.iter().enumerate() {
            by_box_row[s.first_node[0] / NODES_PER_BOX].push(i);
        }
        let band = NODES_PER_BOX * m;
        let [low, high] = &mut self.grids;
        low.par_chunks_mut(band)
            .zip(high.par_chunks_mut(band))
            .zip(&by_box_row)
            .for_each(|((low, high), points)| {
                for &i in points {
                    let (q, s) = (charges(&y[i]), &grid.stencils[i]);
                    for (a, wx) in s.weights[0].iter().enumerate() {
                        for (b, wy) in s.weights[1].iter().enumerate() {
                            let node = a * m + s.first_node[1] + b;
                            let w = wx * wy;
                            low[node] += Complex::new(w * q[0], w * q[1]);
                            high[node] += Complex::new(w * q[2], w * q[3]);
                        }
                    }
                }
            });
        self.convolve(0, m);
        self.convolve(1, m);

        // ANCHOR: potentials
        // Potentials back at the points; then the force and Z from them:
        // Σⱼ w²(yᵢ − yⱼ) = yᵢ·φ₁ − φ_y, and Σⱼ w = Σⱼ w²(1 + ‖yᵢ − yⱼ‖²),
        // whose j = i term is exactly 1. Z's terms are summed in point order.
        let [low, high] = &self.grids;
        let (forces, z_terms): (Vec<[f64; 2]>, Vec<f64>) = y
            .par_iter()
            .zip(&grid.stencils)
            .map(|(p, s)| {
                let mut phi = [0.0; 4];
                for (a, wx) in s.weights[0].iter().enumerate() {
                    for (b, wy) in s.weights[1].iter().enumerate() {
                        let node = (s.first_node[0] + a) * m + s.first_node[1] + b;
                        let w = wx * wy;
                        phi[0] += w * low[node].re;
                        phi[1] += w * low[node].im;
                        phi[2] += w * high[node].re;
                        phi[3] += w * high[node].im;
                    }
                }
                let force = [p[0] * phi[0] - phi[1], p[1] * phi[0] - phi[2]];
                let z = (1.0 + p[0] * p[0] + p[1] * p[1]) * phi[0]
                    - 2.0 * (p[0] * phi[1] + p[1] * phi[2])
                    + phi[3]
                    - 1.0;
                (force, z)
            })
            .unzip();
        // ANCHOR_END: potentials
        let z = z_terms.iter().fold(0.0, |sum, term| sum + term);
        Repulsion {
            forces,
            z,
            coincident: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    #[test]
    fn a_reused_convolver_gives_what_a_fresh_one_gives() {
        // Grids of another size, then of the same size and another spacing, then the same
        // again (the cached kernel): each answer must not depend on what came before.
        let mut rng = SeededRng::new(9);
        let mut map = |n: usize, width: f64| -> Vec<[f64; 2]> {
            (0..n)
                .map(|_| [width * rng.next_f64(), width * rng.next_f64()])
                .collect()
        };
        let maps = [
            map(500, 10.0),
            map(700, 90.0),
            map(600, 20.0),
            map(650, 89.5),
        ];
        let mut reused = Convolver::default();
        for y in &maps {
            let (again, fresh) = (reused.repulsion(y), Convolver::default().repulsion(y));
            assert_eq!(again.z, fresh.z);
            assert_eq!(again.forces, fresh.forces);
        }
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
        // A map a few boxes wide (the grid's 50-box minimum: fine), one as dense as a
        // whole-vocabulary map (about 2.5 points per unit², boxes 0.7 units wide), and one
        // wider than 50 units (boxes exactly 1 unit wide, as openTSNE's defaults make
        // them, on a 72-box grid). The error grows with the box width (measured here:
        // Z 0.5%, forces 4% at one unit, mostly each point's interpolated pull on itself);
        // it is the error of openTSNE's defaults too, and what the benchmark's KL shows.
        for (n, width, z_tolerance, force_tolerance) in [
            (800, 4.0, 1e-4, 1e-4),
            (3000, 35.0, 1e-3, 2e-2),
            (3000, 70.0, 1e-2, 5e-2),
        ] {
            let mut rng = SeededRng::new(n as u64);
            let y: Vec<[f64; 2]> = (0..n)
                .map(|_| [width * rng.next_f64(), width * rng.next_f64()])
                .collect();
            let (want, got) = (Repulsion::exact(&y), Convolver::default().repulsion(&y));
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
