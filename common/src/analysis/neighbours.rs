//! Nearest neighbours in an embedding space: of one query (lesson 2's searches) and of
//! every token at once (the whole-vocabulary graph behind t-SNE at scale and `--graph`).

use anyhow::{Result, bail, ensure};
use burn::tensor::Device;
use rayon::prelude::*;

use crate::tensor::backend::is_cpu;
use crate::tensor::ops::{per_row_blocks, rows_tensor, to_tensor, to_vec};
use crate::tensor::{Matrix, squared_norm};

/// How the distance between two embedding vectors is measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Straight-line distance, ‖x − q‖.
    #[default]
    Euclidean,
    /// One minus the cosine of the angle: 0 for the same direction, 2 for opposite.
    Cosine,
}

/// A search: a query vector and how distances to it are measured.
#[derive(Clone, Debug)]
pub struct Query {
    pub vector: Vec<f32>,
    pub metric: Metric,
    /// Scale every row to unit length first.
    pub normalise: bool,
}

/// Distance from `query` to every row of `matrix`.
pub fn distances_to(
    matrix: &Matrix,
    query: &[f32],
    metric: Metric,
    normalise: bool,
    device: &Device,
) -> Result<Vec<f32>> {
    let query = Query {
        vector: query.to_vec(),
        metric,
        normalise,
    };
    Ok(distances_to_all(matrix, std::slice::from_ref(&query), device)?.remove(0))
}

/// Distances from each query to every row of `matrix`, in one pass over the matrix.
///
/// The device computes the dot products x·q of a block of rows with every query at once
/// (one matmul per row block); the rest is per row on the host: ‖x − q‖² = ‖x‖² + ‖q‖²
/// − 2 x·q (clamped at 0 against rounding) and cos = x·q / (‖x‖‖q‖). With `normalise`,
/// rows are first scaled to unit length, as the notebook's second exercise does:
/// x/‖x‖ · q = x·q / ‖x‖ and ‖x/‖x‖‖² = 1.
pub fn distances_to_all(
    matrix: &Matrix,
    queries: &[Query],
    device: &Device,
) -> Result<Vec<Vec<f32>>> {
    let d = matrix.cols();
    if let Some(q) = queries.iter().find(|q| q.vector.len() != d) {
        bail!("query has {} values, rows have {d}", q.vector.len());
    }
    let count = queries.len();
    // The queries as the columns of a d × count matrix.
    let columns: Vec<f32> = (0..d)
        .flat_map(|c| queries.iter().map(move |q| q.vector[c]))
        .collect();
    let q_tensor = to_tensor(&columns, d, count, device);
    let dots = per_row_blocks(matrix, device, |block| block.matmul(q_tensor.clone()))?;
    let squares = matrix.squared_norms();
    Ok(queries
        .iter()
        .enumerate()
        .map(|(column, query)| {
            let q_sq = squared_norm(&query.vector);
            squares
                .iter()
                .enumerate()
                .map(|(i, &x_sq)| {
                    let dot = dots[i * count + column];
                    let x_norm = x_sq.sqrt().max(f32::MIN_POSITIVE);
                    match (query.metric, query.normalise) {
                        (Metric::Euclidean, false) => (x_sq + q_sq - 2.0 * dot).max(0.0).sqrt(),
                        (Metric::Euclidean, true) => {
                            (1.0 + q_sq - 2.0 * dot / x_norm).max(0.0).sqrt()
                        }
                        (Metric::Cosine, _) => {
                            1.0 - dot / (x_norm * q_sq.sqrt()).max(f32::MIN_POSITIVE)
                        }
                    }
                })
                .collect()
        })
        .collect())
}

/// The `k` smallest values with their indices, smallest first; ties go to the lower
/// index, so the order is the same on every backend and every run.
pub fn smallest(values: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    let key = |i: &usize| (values[*i], *i);
    let k = k.min(values.len());
    if k == 0 {
        return Vec::new();
    }
    order.select_nth_unstable_by(k - 1, |a, b| {
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    order.truncate(k);
    order.sort_by(|a, b| {
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    order.into_iter().map(|i| (i, values[i])).collect()
}

/// `(row index, distance)` pairs, nearest first.
pub type Neighbours = Vec<(usize, f32)>;

// ANCHOR: nearest
/// The `k` rows nearest to `query`, nearest first, and the distances to every row.
///
/// All distances come from [`distances_to_all`] (one matmul per block of rows); the
/// matmul form loses precision near zero (a row's distance to itself comes out around
/// 1e-3, not 0), so the `2k` best candidates are re-measured exactly on the host and
/// re-ranked (ties to the lower index).
pub fn nearest(
    matrix: &Matrix,
    query: &Query,
    k: usize,
    device: &Device,
) -> Result<(Neighbours, Vec<f32>)> {
    let distances = distances_to_all(matrix, std::slice::from_ref(query), device)?.remove(0);
    let mut best: Neighbours = smallest(&distances, k.saturating_mul(2))
        .into_iter()
        .map(|(i, _)| {
            let exact = exact_distance(matrix.row(i), &query.vector, query.metric, query.normalise);
            (i, exact)
        })
        .collect();
    best.sort_by(|a, b| {
        (a.1, a.0)
            .partial_cmp(&(b.1, b.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    best.truncate(k);
    Ok((best, distances))
}
// ANCHOR_END: nearest

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
    let mut best: Vec<Nearest> = (0..n).map(|_| Nearest::new(k)).collect();
    let blocks = row_blocks(n);
    let mut dots = vec![0f32; GRAPH_BLOCK_ROWS * GRAPH_BLOCK_ROWS];
    for (b, rows) in blocks.iter().enumerate() {
        for keys in &blocks[b..] {
            let dots = &mut dots[..rows.len() * keys.len()];
            block_dots(matrix, rows.clone(), keys.clone(), dots);
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
    }
    Ok(as_neighbours(best, &own, squares))
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

/// `matrix` with every row scaled to unit length (a zero row stays zero): Euclidean
/// neighbours of these rows are the cosine neighbours of the originals, since
/// ‖u − v‖² = 2 − 2 cos(u, v) for unit u and v (lesson 2's normalised search).
pub fn unit_length_rows(matrix: &Matrix) -> Result<Matrix> {
    let d = matrix.cols();
    let mut data = matrix.data().to_vec();
    data.par_chunks_mut(d.max(1))
        .zip(matrix.squared_norms().par_iter())
        .for_each(|(row, &sq)| {
            let norm = sq.sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|x| *x /= norm);
            }
        });
    Matrix::new(matrix.rows(), d, data)
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
/// The `k` smallest scores offered so far, smallest first (ties: the earlier offer, which
/// in [`knn_graph`] is the lower index). `worst` is the score a newcomer must beat: the
/// k-th best once there are k, else +∞ — one compare rejects most candidates.
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

/// One distance computed directly in f64: the reference the matmul form is checked against.
pub fn exact_distance(x: &[f32], q: &[f32], metric: Metric, normalise: bool) -> f32 {
    let norm = |v: &[f32]| {
        v.iter()
            .map(|&a| (a as f64) * (a as f64))
            .sum::<f64>()
            .sqrt()
            .max(f64::MIN_POSITIVE)
    };
    let nx = if normalise { norm(x) } else { 1.0 };
    match metric {
        Metric::Euclidean => x
            .iter()
            .zip(q)
            .map(|(&a, &b)| (a as f64 / nx - b as f64).powi(2))
            .sum::<f64>()
            .sqrt() as f32,
        Metric::Cosine => {
            let dot: f64 = x.iter().zip(q).map(|(&a, &b)| a as f64 * b as f64).sum();
            (1.0 - dot / (norm(x) * norm(q))) as f32
        }
    }
}

/// How a k-nearest-neighbour graph spreads its edges: in high dimensions a few tokens
/// ("hubs") turn up in very many neighbour lists and many in none.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hubness {
    /// The `top` tokens that are in the most neighbour lists, as (id, lists), most first.
    pub hubs: Vec<(usize, usize)>,
    /// Tokens that are in no other token's neighbour list.
    pub orphans: usize,
    /// Share of edges i → j whose reverse j → i is also in the graph.
    pub mutual: f64,
}

/// Hubness of a neighbour graph (`graph[i]` lists i's neighbours).
pub fn hubness(graph: &[Vec<(usize, f32)>], top: usize) -> Hubness {
    let mut lists = vec![0usize; graph.len()];
    for &(j, _) in graph.iter().flatten() {
        lists[j] += 1;
    }
    let mut order: Vec<usize> = (0..graph.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(lists[i]), i));
    let edges = graph.iter().map(Vec::len).sum::<usize>().max(1);
    let mutual = graph
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.iter().map(move |&(j, _)| (i, j)))
        .filter(|&(i, j)| graph[j].iter().any(|&(back, _)| back == i))
        .count();
    Hubness {
        hubs: order.iter().take(top).map(|&i| (i, lists[i])).collect(),
        orphans: lists.iter().filter(|&&c| c == 0).count(),
        mutual: mutual as f64 / edges as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Backend;

    fn approx(a: f32, b: f32, tol: f32) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn distances_by_hand() {
        let device = Backend::Flex.device().unwrap();
        // rows (3,4), (0,0), (6,8), (-3,-4); query (3,4)
        let m = Matrix::new(4, 2, vec![3., 4., 0., 0., 6., 8., -3., -4.]).unwrap();
        let euclid = distances_to(&m, &[3., 4.], Metric::Euclidean, false, &device).unwrap();
        for (got, want) in euclid.iter().zip([0.0, 5.0, 5.0, 10.0]) {
            assert!(approx(*got, want, 1e-5), "{euclid:?}");
        }
        // normalised rows against the unit query (0.6, 0.8): (6,8) points the same way (0),
        // (-3,-4) the opposite way (2)
        let unit = distances_to(&m, &[0.6, 0.8], Metric::Euclidean, true, &device).unwrap();
        assert!(
            approx(unit[2], 0.0, 1e-3) && approx(unit[3], 2.0, 1e-5),
            "{unit:?}"
        );
        let cosine = distances_to(&m, &[3., 4.], Metric::Cosine, false, &device).unwrap();
        assert!(
            approx(cosine[2], 0.0, 1e-6) && approx(cosine[3], 2.0, 1e-6),
            "{cosine:?}"
        );
    }

    #[test]
    fn smallest_breaks_ties_by_index() {
        let values = [0.5, 0.1, 0.5, 0.0, 0.1];
        assert_eq!(smallest(&values, 3), vec![(3, 0.0), (1, 0.1), (4, 0.1)]);
        assert_eq!(smallest(&values, 99).len(), 5);
        assert!(smallest(&values, 0).is_empty());
    }

    #[test]
    fn hubness_counts_lists_orphans_and_mutual_edges() {
        // 0 ↔ 1 mutual; 2 → 0 and 3 → 0 one-way: 0 is the hub, 2 and 3 are orphans.
        let graph = vec![
            vec![(1, 0.0)],
            vec![(0, 0.0)],
            vec![(0, 0.0)],
            vec![(0, 0.0)],
        ];
        let h = hubness(&graph, 2);
        assert_eq!(h.hubs, vec![(0, 3), (1, 1)]);
        assert_eq!(h.orphans, 2);
        assert!((h.mutual - 0.5).abs() < 1e-12);
    }
}
