//! The exact k-nearest-neighbour graph of every row, in blocks of rows: one matrix
//! product per pair of blocks, each row's best kept in a short sorted list, under one or
//! both metrics from the same products.

use anyhow::{Result, bail, ensure};
use burn::tensor::Device;
use rayon::prelude::*;

use super::{Metric, Neighbours};
use crate::tensor::Matrix;
use crate::tensor::backend::is_cpu;
use crate::tensor::ops::{rows_tensor, to_vec};

/// Rows per block in [`knn_graph`].
const GRAPH_BLOCK_ROWS: usize = 1024;

/// The exact `k` nearest neighbours of every row (itself excluded) by Euclidean distance,
/// nearest first, as `(index, squared distance)`; ties go to the lower index.
pub fn knn_graph(matrix: &Matrix, k: usize, device: &Device) -> Result<Vec<Neighbours>> {
    Ok(knn_graphs(matrix, k, &[Metric::Euclidean], device)?.remove(0))
}

/// [`knn_graph`] under each of `metrics` at once, from the same matrix products: one
/// graph per metric, each row's `(index, squared distance)` nearest first. Under
/// [`Metric::Cosine`] the distance is that between unit-length rows, 2 − 2 cos, which ranks
/// as cosine does.
///
/// ‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x, and ‖q‖² is the same for a whole row, so rows are
/// ranked by ‖x‖² − 2 q·x (for unit rows, ‖u‖² − 2 q·x/(‖q‖‖x‖)), from one matrix product
/// per pair of row blocks: memory stays bounded however large the vocabulary, and no
/// normalised copy of it is made. On the CPU the product of blocks I and J (an f32 GEMM by
/// faer, on all cores) is computed once for J ≥ I and offered to I's rows along its rows
/// and to J's rows down its columns — half the products of the full grid. Other devices
/// (wgpu) compute every block pair with burn's matmul.
pub fn knn_graphs(
    matrix: &Matrix,
    k: usize,
    metrics: &[Metric],
    device: &Device,
) -> Result<Vec<Vec<Neighbours>>> {
    let n = matrix.rows();
    ensure!(
        k >= 1 && k < n,
        "k must be between 1 and {} for {n} rows, got {k}",
        n.saturating_sub(1)
    );
    let rankings: Vec<Ranking> = metrics.iter().map(|&m| Ranking::new(matrix, m)).collect();
    let own: Vec<usize> = (0..n).collect();
    if !is_cpu(device) {
        let best = nearest_by_blocks(matrix, &own, k, &rankings, device)?;
        return Ok(as_neighbours(best, &own, &rankings));
    }
    let mut best: Vec<Vec<Nearest>> = rankings
        .iter()
        .map(|_| (0..n).map(|_| Nearest::new(k)).collect())
        .collect();
    let blocks = row_blocks(n);
    let mut dots = vec![0f32; GRAPH_BLOCK_ROWS * GRAPH_BLOCK_ROWS];
    for (b, rows) in blocks.iter().enumerate() {
        for keys in &blocks[b..] {
            let dots = &mut dots[..rows.len() * keys.len()];
            block_dots(matrix, rows.clone(), keys.clone(), dots);
            for (best, ranking) in best.iter_mut().zip(&rankings) {
                offer_rows(
                    &mut best[rows.clone()],
                    &own[rows.clone()],
                    keys.start,
                    dots,
                    ranking,
                );
                if keys.start != rows.start {
                    offer_columns(
                        &mut best[keys.clone()],
                        keys.start,
                        rows.start,
                        dots,
                        ranking,
                    );
                }
            }
        }
    }
    Ok(as_neighbours(best, &own, &rankings))
}

/// How one metric ranks the candidates of a row from their dot products: row i's score
/// for row j is `offsets[j] − factors[i]·(x_i·x_j)·scales[j]`, its squared distance that
/// score plus `offsets[i]`.
struct Ranking {
    /// ‖x_j‖² (Euclidean), or ‖u_j‖² of the unit row (cosine: 1, or 0 for a zero row).
    offsets: Vec<f32>,
    /// 1/‖x_j‖ (cosine; 0 for a zero row, which stays zero), or none (Euclidean: 1).
    scales: Option<Vec<f32>>,
    /// 2 (Euclidean), or 2/‖x_i‖ (cosine).
    factors: Vec<f32>,
}

impl Ranking {
    fn new(matrix: &Matrix, metric: Metric) -> Self {
        let squares = matrix.squared_norms();
        match metric {
            Metric::Euclidean => Ranking {
                offsets: squares.to_vec(),
                scales: None,
                factors: vec![2.0; squares.len()],
            },
            Metric::Cosine => {
                let inverse: Vec<f32> = squares
                    .iter()
                    .map(|&sq| if sq > 0.0 { 1.0 / sq.sqrt() } else { 0.0 })
                    .collect();
                Ranking {
                    offsets: squares
                        .iter()
                        .map(|&sq| if sq > 0.0 { 1.0 } else { 0.0 })
                        .collect(),
                    factors: inverse.iter().map(|v| 2.0 * v).collect(),
                    scales: Some(inverse),
                }
            }
        }
    }
}

/// The nearest of each of the rows `queries` among all rows, from one matrix product per
/// pair of blocks (a block of queries, a block of rows) with burn's matmul: any device.
fn nearest_by_blocks(
    matrix: &Matrix,
    queries: &[usize],
    k: usize,
    rankings: &[Ranking],
    device: &Device,
) -> Result<Vec<Vec<Nearest>>> {
    let mut best: Vec<Vec<Nearest>> = rankings
        .iter()
        .map(|_| queries.iter().map(|_| Nearest::new(k)).collect())
        .collect();
    let key_blocks = row_blocks(matrix.rows());
    // ANCHOR: knn_blocks
    for rows in row_blocks(queries.len()) {
        let block = matrix.select_rows(&queries[rows.clone()]);
        let lhs = rows_tensor(&block, 0, rows.len(), device);
        for keys in &key_blocks {
            let rhs = rows_tensor(matrix, keys.start, keys.len(), device);
            let dots = to_vec(lhs.clone().matmul(rhs.transpose()))?;
            for (best, ranking) in best.iter_mut().zip(rankings) {
                offer_rows(
                    &mut best[rows.clone()],
                    &queries[rows.clone()],
                    keys.start,
                    &dots,
                    ranking,
                );
            }
        }
    }
    // ANCHOR_END: knn_blocks
    Ok(best)
}

/// Each query's nearest under each ranking as `(row, squared distance)`: its score plus
/// the query's own offset.
fn as_neighbours(
    best: Vec<Vec<Nearest>>,
    queries: &[usize],
    rankings: &[Ranking],
) -> Vec<Vec<Neighbours>> {
    best.into_iter()
        .zip(rankings)
        .map(|(best, ranking)| {
            best.into_iter()
                .zip(queries)
                .map(|(nearest, &q)| {
                    nearest
                        .best
                        .into_iter()
                        .map(|(score, id)| (id, (score + ranking.offsets[q]).max(0.0)))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// `0..n` in blocks of [`GRAPH_BLOCK_ROWS`].
fn row_blocks(n: usize) -> Vec<std::ops::Range<usize>> {
    (0..n)
        .step_by(GRAPH_BLOCK_ROWS)
        .map(|start| start..(start + GRAPH_BLOCK_ROWS).min(n))
        .collect()
}

/// The exact `k` nearest neighbours of each of the rows `queries` among **all** rows of
/// `matrix` (the query itself excluded) under each of `metrics`, as [`knn_graphs`] gives
/// them: `(row index, squared distance)`, nearest first, ties to the lower index. A map of
/// a sample of the vocabulary lists each token's neighbours in the whole vocabulary, most
/// of them off the map.
///
/// When `queries` is every row in order this is [`knn_graphs`] (which halves the work by
/// symmetry); otherwise each block of queries meets every block of rows in one matmul.
pub fn knn_of_rows(
    matrix: &Matrix,
    queries: &[usize],
    k: usize,
    metrics: &[Metric],
    device: &Device,
) -> Result<Vec<Vec<Neighbours>>> {
    let n = matrix.rows();
    if queries.len() == n && queries.iter().enumerate().all(|(i, &q)| i == q) {
        return knn_graphs(matrix, k, metrics, device);
    }
    ensure!(
        k >= 1 && k < n,
        "k must be between 1 and {} for {n} rows, got {k}",
        n.saturating_sub(1)
    );
    if let Some(q) = queries.iter().find(|&&q| q >= n) {
        bail!("row {q} is not below {n}");
    }
    let rankings: Vec<Ranking> = metrics.iter().map(|&m| Ranking::new(matrix, m)).collect();
    let best = nearest_by_blocks(matrix, queries, k, &rankings, device)?;
    Ok(as_neighbours(best, queries, &rankings))
}

/// `dots[i][j]` = row `rows[i]` · row `keys[j]`, row-major: f32 GEMMs by faer, one per
/// strip of rows, two strips per core (each GEMM packs the keys once: fewer, taller strips
/// pack them less often).
fn block_dots(
    matrix: &Matrix,
    rows: std::ops::Range<usize>,
    keys: std::ops::Range<usize>,
    dots: &mut [f32],
) {
    use faer::{Accum, MatMut, MatRef, Par};
    let d = matrix.cols();
    let data = matrix.data();
    let rhs = MatRef::from_row_major_slice(&data[keys.start * d..keys.end * d], keys.len(), d);
    let strip = rows
        .len()
        .div_ceil(2 * rayon::current_num_threads())
        .next_multiple_of(16)
        .max(64);
    dots.par_chunks_mut(strip * keys.len())
        .enumerate()
        .for_each(|(s, out)| {
            let first = rows.start + s * strip;
            let count = out.len() / keys.len();
            let lhs = MatRef::from_row_major_slice(&data[first * d..(first + count) * d], count, d);
            let out = MatMut::from_row_major_slice_mut(out, count, keys.len());
            faer::linalg::matmul::matmul(
                out,
                Accum::Replace,
                lhs,
                rhs.transpose(),
                1.0f32,
                Par::Seq,
            );
        });
}

/// Candidates compared at once: a chunk whose scores all miss its rows' current k-th best
/// (most chunks, once the lists fill) is passed over with one vectorised test.
const LANES: usize = 16;

/// Offers each row of `dots` (the rows `own`, keys from `key_start`) to its row's
/// nearest under `ranking`: each row on its own thread, keys in increasing order, a row
/// never its own neighbour.
fn offer_rows(
    best: &mut [Nearest],
    own: &[usize],
    key_start: usize,
    dots: &[f32],
    ranking: &Ranking,
) {
    let keys = dots.len() / best.len();
    let offsets = &ranking.offsets[key_start..key_start + keys];
    best.par_iter_mut()
        .zip(dots.par_chunks_exact(keys))
        .enumerate()
        .for_each(|(i, (nearest, row))| {
            let own = own[i];
            let factor = ranking.factors[own];
            match &ranking.scales {
                None => offer_row::<false>(nearest, own, key_start, row, offsets, offsets, factor),
                Some(scales) => {
                    let scales = &scales[key_start..key_start + keys];
                    offer_row::<true>(nearest, own, key_start, row, offsets, scales, factor)
                }
            }
        });
}

/// One row of [`offer_rows`]: the candidates' scores `offset − factor·dot(·scale)`,
/// [`LANES`] at a time (`scales` read only when `SCALED`).
#[inline(always)]
fn offer_row<const SCALED: bool>(
    nearest: &mut Nearest,
    own: usize,
    key_start: usize,
    row: &[f32],
    offsets: &[f32],
    scales: &[f32],
    factor: f32,
) {
    let score = |dot: f32, offset: f32, scale: f32| {
        if SCALED {
            offset - factor * dot * scale
        } else {
            offset - factor * dot
        }
    };
    for (c, ((dots, offsets), scales)) in row
        .chunks(LANES)
        .zip(offsets.chunks(LANES))
        .zip(scales.chunks(LANES))
        .enumerate()
    {
        let worst = nearest.worst;
        let hit = dots
            .iter()
            .zip(offsets)
            .zip(scales)
            .fold(false, |hit, ((&dot, &o), &s)| {
                hit | (score(dot, o, s) < worst)
            });
        if hit {
            for (j, ((&dot, &o), &s)) in dots.iter().zip(offsets).zip(scales).enumerate() {
                let id = key_start + c * LANES + j;
                let score = score(dot, o, s);
                if score < nearest.worst && id != own {
                    nearest.insert(score, id);
                }
            }
        }
    }
}

/// Offers each column of `dots` to the nearest of the key it belongs to (the symmetric
/// half: row i's dot with key j is key j's dot with row i). Each thread owns [`LANES`]
/// keys and walks down their columns, reading `LANES` contiguous values per row.
fn offer_columns(
    best: &mut [Nearest],
    key_start: usize,
    row_start: usize,
    dots: &[f32],
    ranking: &Ranking,
) {
    match &ranking.scales {
        None => offer_columns_by::<false>(best, key_start, row_start, dots, ranking, &[]),
        Some(scales) => offer_columns_by::<true>(best, key_start, row_start, dots, ranking, scales),
    }
}

fn offer_columns_by<const SCALED: bool>(
    best: &mut [Nearest],
    key_start: usize,
    row_start: usize,
    dots: &[f32],
    ranking: &Ranking,
    scales: &[f32],
) {
    let keys = best.len();
    best.par_chunks_mut(LANES)
        .enumerate()
        .for_each(|(c, nearest)| {
            let first = c * LANES;
            let mut worst = [f32::INFINITY; LANES];
            let mut factors = [0.0f32; LANES];
            for (j, n) in nearest.iter().enumerate() {
                worst[j] = n.worst;
                factors[j] = ranking.factors[key_start + first + j];
            }
            for (i, row) in dots.chunks_exact(keys).enumerate() {
                let segment = &row[first..first + nearest.len()];
                let offset = ranking.offsets[row_start + i];
                let scale = if SCALED { scales[row_start + i] } else { 1.0 };
                let score = |dot: f32, factor: f32| {
                    if SCALED {
                        offset - factor * dot * scale
                    } else {
                        offset - factor * dot
                    }
                };
                let hit = segment
                    .iter()
                    .zip(&worst)
                    .zip(&factors)
                    .fold(false, |hit, ((&dot, &w), &f)| hit | (score(dot, f) < w));
                if hit {
                    let id = row_start + i;
                    for (j, &dot) in segment.iter().enumerate() {
                        let score = score(dot, factors[j]);
                        if score < worst[j] && id != key_start + first + j {
                            nearest[j].insert(score, id);
                            worst[j] = nearest[j].worst;
                        }
                    }
                }
            }
        });
}

// ANCHOR: top_k
/// The `k` smallest scores offered so far, smallest first (ties: the earlier
/// offer, which in [`knn_graph`] is the lower index). `worst` is the score a
/// newcomer must beat: the k-th best once there are k, else +∞ — one compare
/// rejects most candidates.
struct Nearest {
    k: usize,
    best: Vec<(f32, usize)>,
    worst: f32,
}

impl Nearest {
    fn new(k: usize) -> Self {
        Self {
            k,
            best: Vec::with_capacity(k + 1),
            worst: f32::INFINITY,
        }
    }

    #[inline(never)]
    fn insert(&mut self, score: f32, id: usize) {
        let at = self.best.partition_point(|&(s, _)| s <= score);
        self.best.insert(at, (score, id));
        self.best.truncate(self.k);
        if self.best.len() == self.k {
            self.worst = self.best[self.k - 1].0;
        }
    }
}
// ANCHOR_END: top_k
