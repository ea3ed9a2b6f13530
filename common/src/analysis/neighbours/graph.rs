//! The exact k-nearest-neighbour graph of every row, in blocks of rows: one matrix
//! product per pair of blocks, each row's best kept in a short sorted list.

use anyhow::{Result, bail, ensure};
use burn::tensor::Device;
use rayon::prelude::*;

use super::Neighbours;
use crate::tensor::Matrix;
use crate::tensor::backend::is_cpu;
use crate::tensor::ops::{rows_tensor, to_vec};

/// Rows per block in [`knn_graph`].
const GRAPH_BLOCK_ROWS: usize = 1024;

/// The exact `k` nearest neighbours of every row (itself excluded) by Euclidean distance,
/// nearest first, as `(index, squared distance)`; ties go to the lower index.
///
/// ‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x, and ‖q‖² is the same for a whole row, so rows are
/// ranked by ‖x‖² − 2 q·x, from one matrix product per pair of row blocks: memory stays
/// bounded however large the vocabulary. On the CPU the product of blocks I and J (an f32
/// GEMM by faer, on all cores) is computed once for J ≥ I and offered to I's rows along
/// its rows and to J's rows down its columns — half the products of the full grid. Other
/// devices (wgpu) compute every block pair with burn's matmul.
pub fn knn_graph(matrix: &Matrix, k: usize, device: &Device) -> Result<Vec<Neighbours>> {
    let n = matrix.rows();
    ensure!(
        k >= 1 && k < n,
        "k must be between 1 and {} for {n} rows, got {k}",
        n.saturating_sub(1)
    );
    let squares = matrix.squared_norms();
    let own: Vec<usize> = (0..n).collect();
    if !is_cpu(device) {
        let best = nearest_by_blocks(matrix, &own, k, device)?;
        return Ok(as_neighbours(best, &own, squares));
    }
    let (best, _) = cpu_graphs(matrix, k, false);
    Ok(as_neighbours(best, &own, squares))
}

/// The Euclidean graph ([`knn_graph`]) and the cosine graph (`knn_graph` of the rows at
/// unit length, [`super::unit_length_rows`]: squared distances 2 − 2 cos) of the same
/// rows. On the CPU both come from one matrix product per pair of blocks: the cosine of
/// rows x and y is their dot product divided by ‖x‖‖y‖, so each block of dot products
/// is offered to the Euclidean lists, scaled, then offered to the cosine lists.
pub fn euclidean_and_cosine_graphs(
    matrix: &Matrix,
    k: usize,
    device: &Device,
) -> Result<(Vec<Neighbours>, Vec<Neighbours>)> {
    let n = matrix.rows();
    if !is_cpu(device) {
        let unit = super::unit_length_rows(matrix)?;
        return Ok((knn_graph(matrix, k, device)?, knn_graph(&unit, k, device)?));
    }
    ensure!(
        k >= 1 && k < n,
        "k must be between 1 and {} for {n} rows, got {k}",
        n.saturating_sub(1)
    );
    let own: Vec<usize> = (0..n).collect();
    let (euclidean, cosine) = cpu_graphs(matrix, k, true);
    let cosine = cosine.unwrap_or_default();
    Ok((
        as_neighbours(euclidean, &own, matrix.squared_norms()),
        as_neighbours(cosine, &own, &unit_squares(matrix)),
    ))
}

/// ‖x/‖x‖‖²: 1 for every row but rows of zeros, which stay zero at unit length.
fn unit_squares(matrix: &Matrix) -> Vec<f32> {
    let unit = |&sq: &f32| if sq > 0.0 { 1.0 } else { 0.0 };
    matrix.squared_norms().iter().map(unit).collect()
}

/// The CPU kernel of [`knn_graph`]: every pair of row blocks I ≤ J multiplied once and
/// offered both ways; with `cosine`, the same products, scaled to cosines, build the
/// cosine graph too.
fn cpu_graphs(matrix: &Matrix, k: usize, cosine: bool) -> (Vec<Nearest>, Option<Vec<Nearest>>) {
    let n = matrix.rows();
    let squares = matrix.squared_norms();
    let own: Vec<usize> = (0..n).collect();
    let lists = || (0..n).map(|_| Nearest::new(k)).collect::<Vec<_>>();
    let mut best = lists();
    let mut best_cosine = cosine.then(lists);
    let inverse: Vec<f32> = squares
        .iter()
        .map(|&sq| if sq > 0.0 { 1.0 / sq.sqrt() } else { 0.0 })
        .collect();
    let unit = unit_squares(matrix);
    let blocks = row_blocks(n);
    let mut dots = vec![0f32; GRAPH_BLOCK_ROWS * GRAPH_BLOCK_ROWS];
    for (b, rows) in blocks.iter().enumerate() {
        for keys in &blocks[b..] {
            let dots = &mut dots[..rows.len() * keys.len()];
            block_dots(matrix, rows.clone(), keys.clone(), dots);
            offer_block(&mut best, &own, rows, keys, dots, squares);
            if let Some(best_cosine) = &mut best_cosine {
                dots.par_chunks_mut(keys.len())
                    .zip(&inverse[rows.clone()])
                    .for_each(|(row, &a)| {
                        row.iter_mut()
                            .zip(&inverse[keys.clone()])
                            .for_each(|(dot, &b)| *dot *= a * b);
                    });
                offer_block(best_cosine, &own, rows, keys, dots, &unit);
            }
        }
    }
    (best, best_cosine)
}

/// Offers a block of products to the rows' lists along its rows and, when the blocks
/// differ, to the keys' lists down its columns.
fn offer_block(
    best: &mut [Nearest],
    own: &[usize],
    rows: &std::ops::Range<usize>,
    keys: &std::ops::Range<usize>,
    dots: &[f32],
    squares: &[f32],
) {
    offer_rows(
        &mut best[rows.clone()],
        &own[rows.clone()],
        keys.start,
        dots,
        squares,
    );
    if keys.start != rows.start {
        offer_columns(
            &mut best[keys.clone()],
            keys.start,
            rows.start,
            dots,
            squares,
        );
    }
}

/// The nearest of each of the rows `queries` among all rows, from one matrix product per
/// pair of blocks (a block of queries, a block of rows) with burn's matmul: any device.
fn nearest_by_blocks(
    matrix: &Matrix,
    queries: &[usize],
    k: usize,
    device: &Device,
) -> Result<Vec<Nearest>> {
    let squares = matrix.squared_norms();
    let mut best: Vec<Nearest> = queries.iter().map(|_| Nearest::new(k)).collect();
    let key_blocks = row_blocks(matrix.rows());
    // ANCHOR: knn_blocks
    for rows in row_blocks(queries.len()) {
        let block = matrix.select_rows(&queries[rows.clone()]);
        let lhs = rows_tensor(&block, 0, rows.len(), device);
        for keys in &key_blocks {
            let rhs = rows_tensor(matrix, keys.start, keys.len(), device);
            let dots = to_vec(lhs.clone().matmul(rhs.transpose()))?;
            offer_rows(
                &mut best[rows.clone()],
                &queries[rows.clone()],
                keys.start,
                &dots,
                squares,
            );
        }
    }
    // ANCHOR_END: knn_blocks
    Ok(best)
}

/// Each query's nearest as `(row, squared distance)`: its score ‖x‖² − 2 q·x plus ‖q‖².
fn as_neighbours(best: Vec<Nearest>, queries: &[usize], squares: &[f32]) -> Vec<Neighbours> {
    best.into_iter()
        .zip(queries)
        .map(|(nearest, &q)| {
            nearest
                .best
                .into_iter()
                .map(|(score, id)| (id, (score + squares[q]).max(0.0)))
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
/// `matrix` (the query itself excluded), as [`knn_graph`] gives them: `(row index, squared
/// distance)`, nearest first, ties to the lower index. A map of a sample of the vocabulary
/// lists each token's neighbours in the whole vocabulary, most of them off the map.
///
/// When `queries` is every row in order this is [`knn_graph`] (which halves the work by
/// symmetry); otherwise each block of queries meets every block of rows in one matmul.
pub fn knn_of_rows(
    matrix: &Matrix,
    queries: &[usize],
    k: usize,
    device: &Device,
) -> Result<Vec<Neighbours>> {
    let n = matrix.rows();
    if queries.len() == n && queries.iter().enumerate().all(|(i, &q)| i == q) {
        return knn_graph(matrix, k, device);
    }
    ensure!(
        k >= 1 && k < n,
        "k must be between 1 and {} for {n} rows, got {k}",
        n.saturating_sub(1)
    );
    if let Some(q) = queries.iter().find(|&&q| q >= n) {
        bail!("row {q} is not below {n}");
    }
    let best = nearest_by_blocks(matrix, queries, k, device)?;
    Ok(as_neighbours(best, queries, matrix.squared_norms()))
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
/// nearest: each row on its own thread, keys in increasing order, a row never its own
/// neighbour. Scores are ‖x‖² − 2 q·x.
fn offer_rows(
    best: &mut [Nearest],
    own: &[usize],
    key_start: usize,
    dots: &[f32],
    squares: &[f32],
) {
    let keys = dots.len() / best.len();
    let key_squares = &squares[key_start..key_start + keys];
    best.par_iter_mut()
        .zip(dots.par_chunks_exact(keys))
        .enumerate()
        .for_each(|(i, (nearest, row))| {
            let own = own[i];
            for (c, (dots, squares)) in row.chunks(LANES).zip(key_squares.chunks(LANES)).enumerate()
            {
                let worst = nearest.worst;
                let hit = dots
                    .iter()
                    .zip(squares)
                    .fold(false, |hit, (&dot, &sq)| hit | (sq - 2.0 * dot < worst));
                if hit {
                    for (j, (&dot, &sq)) in dots.iter().zip(squares).enumerate() {
                        let id = key_start + c * LANES + j;
                        let score = sq - 2.0 * dot;
                        if score < nearest.worst && id != own {
                            nearest.insert(score, id);
                        }
                    }
                }
            }
        });
}

/// Offers each column of `dots` to the nearest of the key it belongs to (the symmetric
/// half: row i's dot with key j is key j's dot with row i). Each thread owns [`LANES`]
/// keys and walks down their columns, reading `LANES` contiguous values per row.
fn offer_columns(
    best: &mut [Nearest],
    key_start: usize,
    row_start: usize,
    dots: &[f32],
    squares: &[f32],
) {
    let keys = best.len();
    best.par_chunks_mut(LANES)
        .enumerate()
        .for_each(|(c, nearest)| {
            let first = c * LANES;
            let mut worst = [f32::INFINITY; LANES];
            for (w, n) in worst.iter_mut().zip(nearest.iter()) {
                *w = n.worst;
            }
            for (i, row) in dots.chunks_exact(keys).enumerate() {
                let segment = &row[first..first + nearest.len()];
                let sq = squares[row_start + i];
                let hit = segment
                    .iter()
                    .zip(&worst)
                    .fold(false, |hit, (&dot, &w)| hit | (sq - 2.0 * dot < w));
                if hit {
                    let id = row_start + i;
                    for (j, &dot) in segment.iter().enumerate() {
                        let score = sq - 2.0 * dot;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;
    use crate::tensor::Backend;

    #[test]
    fn one_pass_gives_both_graphs_as_two_passes_do() {
        // Three blocks of rows (1,024 each), one of them a row of zeros.
        let mut rng = SeededRng::new(12);
        let mut data = rng.normal_values(2500 * 20, 1.0);
        data[..20].fill(0.0);
        let m = Matrix::new(2500, 20, data).unwrap();
        let device = Backend::Flex.device().unwrap();
        let (euclidean, cosine) = euclidean_and_cosine_graphs(&m, 5, &device).unwrap();
        let unit = super::super::unit_length_rows(&m).unwrap();
        for (got, want) in [
            (&euclidean, knn_graph(&m, 5, &device).unwrap()),
            (&cosine, knn_graph(&unit, 5, &device).unwrap()),
        ] {
            // Row 0 has no direction: its cosine "neighbours" are ties broken by rounding.
            // Elsewhere the lists agree but for neighbours tied to rounding (swapped).
            let ids = |l: &Neighbours| l.iter().map(|p| p.0).collect::<Vec<_>>();
            let mut differ = 0;
            for (g, w) in got.iter().zip(&want).skip(1) {
                differ += usize::from(ids(g) != ids(w));
                for (a, b) in g.iter().zip(w) {
                    assert!((a.1 - b.1).abs() < 1e-4, "{a:?} {b:?}");
                }
            }
            assert!(differ < 25, "{differ} of 2,499 lists differ");
        }
    }
}
