//! Tensor ops on burn, written once for every backend (flex, ndarray, wgpu).
//!
//! Large matrices are sent to the device in row blocks of at most [`BLOCK_BYTES`], so a
//! 50257×768 vocabulary runs on GPUs (and software rasterisers) that cap one buffer at
//! 128 MiB, and host memory holds one extra block at a time rather than a second matrix.

use anyhow::{Result, anyhow, ensure};
use burn::tensor::{AllocationProperty, Bytes, DType, Device, Tensor, TensorData};
use rayon::prelude::*;

use crate::matrix::{Matrix, squared_norm};

/// Largest block of a matrix sent to the device at once. An op that writes (a variance
/// subtracts the mean) holds a copy of the block and its result beside the matrix, so
/// this also bounds what a lesson holds on top of its matrices.
pub const BLOCK_BYTES: usize = 8 << 20;

/// Rows per block for a matrix `cols` wide.
fn block_rows(cols: usize) -> usize {
    (BLOCK_BYTES / (cols.max(1) * 4)).max(1)
}

/// A host slice as a `[rows, cols]` tensor on `device`.
pub fn to_tensor(values: &[f32], rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [rows, cols]), device)
}

/// Rows `start..start + count` of `matrix` as a `[count, cols]` tensor on `device`.
///
/// The tensor is built over the matrix's own bytes: the CPU backends read them in place
/// (copying only if an op writes to them), and wgpu uploads them. A search over a
/// 150 MB vocabulary then costs its arithmetic, not a copy of the matrix per query.
pub fn rows_tensor(matrix: &Matrix, start: usize, count: usize, device: &Device) -> Tensor<2> {
    let bytes = Bytes::from_shared(
        matrix.row_block_bytes(start, count),
        AllocationProperty::Native,
    );
    Tensor::from_data(
        TensorData::from_bytes(bytes, [count, matrix.cols()], DType::F32),
        device,
    )
}

/// The whole of `matrix` as a tensor (see [`rows_tensor`]).
pub fn matrix_tensor(matrix: &Matrix, device: &Device) -> Tensor<2> {
    rows_tensor(matrix, 0, matrix.rows(), device)
}

/// A tensor's values back on the host, row-major.
pub fn to_vec<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>> {
    let data = tensor
        .try_into_data()
        .map_err(|e| anyhow!("reading a tensor back from the device failed: {e:?}"))?;
    data.try_into_vec::<f32>()
        .map_err(|e| anyhow!("tensor data is not f32: {e:?}"))
}

/// Runs `op` on each row block of `matrix` and concatenates the per-row results.
fn per_row_blocks(
    matrix: &Matrix,
    device: &Device,
    op: impl Fn(Tensor<2>) -> Tensor<2>,
) -> Result<Vec<f32>> {
    let step = block_rows(matrix.cols());
    let mut out = Vec::with_capacity(matrix.rows());
    let mut start = 0;
    while start < matrix.rows() {
        let count = step.min(matrix.rows() - start);
        let block = rows_tensor(matrix, start, count, device);
        out.extend(to_vec(op(block))?);
        start += count;
    }
    Ok(out)
}

/// Mean of each row (numpy's `m.mean(axis=1)`).
pub fn row_means(matrix: &Matrix, device: &Device) -> Result<Vec<f32>> {
    per_row_blocks(matrix, device, |block| block.mean_dim(1))
}

/// Population variance of each row (numpy's `m.var(axis=1)`, `ddof=0`).
pub fn row_variances(matrix: &Matrix, device: &Device) -> Result<Vec<f32>> {
    per_row_blocks(matrix, device, |block| block.var_bias(1))
}

/// Pearson correlation of two equally long vectors (numpy's `np.corrcoef(a, b)[0, 1]`).
pub fn pearson(a: &[f32], b: &[f32], device: &Device) -> Result<f32> {
    ensure!(
        a.len() == b.len(),
        "correlation needs equal lengths, got {} and {}",
        a.len(),
        b.len()
    );
    ensure!(a.len() >= 2, "correlation needs at least two values");
    let x = to_tensor(a, 1, a.len(), device);
    let y = to_tensor(b, 1, b.len(), device);
    let x = x.clone() - x.mean_dim(1);
    let y = y.clone() - y.mean_dim(1);
    let sxy = (x.clone() * y.clone()).sum();
    let sxx = (x.clone() * x).sum();
    let syy = (y.clone() * y).sum();
    let r = sxy / (sxx * syy).sqrt();
    Ok(to_vec(r)?[0])
}

/// Each row scaled to unit length (a row of zeros stays zero rather than becoming NaN).
pub fn unit_rows(x: Tensor<2>) -> Tensor<2> {
    let norms = x
        .clone()
        .powi_scalar(2)
        .sum_dim(1)
        .sqrt()
        .clamp_min(f32::MIN_POSITIVE);
    x / norms
}

/// The cosine of every pair of rows: unit rows times their transpose.
pub fn unit_gram(x: Tensor<2>) -> Result<Matrix> {
    let rows = x.dims()[0];
    let unit = unit_rows(x);
    Matrix::new(rows, rows, to_vec(unit.clone().matmul(unit.transpose()))?)
}

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

/// Distance from `query` to every row of `matrix`.
///
/// The device computes the dot products x·q, one matmul per row block; the rest is per
/// row on the host: ‖x − q‖² = ‖x‖² + ‖q‖² − 2 x·q (clamped at 0 against rounding) and
/// cos = x·q / (‖x‖‖q‖). With `normalise`, rows are first scaled to unit length, as the
/// notebook's second exercise does: x/‖x‖ · q = x·q / ‖x‖ and ‖x/‖x‖‖² = 1.
pub fn distances_to(
    matrix: &Matrix,
    query: &[f32],
    metric: Metric,
    normalise: bool,
    device: &Device,
) -> Result<Vec<f32>> {
    ensure!(
        query.len() == matrix.cols(),
        "query has {} values, rows have {}",
        query.len(),
        matrix.cols()
    );
    let q_sq = squared_norm(query);
    let squares = matrix.squared_norms();
    let q_tensor = to_tensor(query, query.len(), 1, device);
    let dots = per_row_blocks(matrix, device, |block| block.matmul(q_tensor.clone()))?;
    Ok(dots
        .iter()
        .enumerate()
        .map(|(i, &dot)| {
            let x_sq = squares[i];
            let x_norm = x_sq.sqrt().max(f32::MIN_POSITIVE);
            match (metric, normalise) {
                (Metric::Euclidean, false) => (x_sq + q_sq - 2.0 * dot).max(0.0).sqrt(),
                (Metric::Euclidean, true) => (1.0 + q_sq - 2.0 * dot / x_norm).max(0.0).sqrt(),
                (Metric::Cosine, _) => 1.0 - dot / (x_norm * q_sq.sqrt()).max(f32::MIN_POSITIVE),
            }
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

/// The `k` rows nearest to `query`, nearest first, and the distances to every row.
///
/// All distances come from [`distances_to`] (one matmul per block); the matmul form loses
/// precision near zero (a row's distance to itself comes out around 1e-3, not 0), so the
/// `2k` best candidates are re-measured exactly on the host and re-ranked.
pub fn nearest(
    matrix: &Matrix,
    query: &[f32],
    k: usize,
    metric: Metric,
    normalise: bool,
    device: &Device,
) -> Result<(Neighbours, Vec<f32>)> {
    let distances = distances_to(matrix, query, metric, normalise, device)?;
    let mut best: Vec<(usize, f32)> = smallest(&distances, k.saturating_mul(2))
        .into_iter()
        .map(|(i, _)| (i, exact_distance(matrix.row(i), query, metric, normalise)))
        .collect();
    best.sort_by(|a, b| {
        (a.1, a.0)
            .partial_cmp(&(b.1, b.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    best.truncate(k);
    Ok((best, distances))
}

/// Query rows per block in [`knn_graph`].
const GRAPH_QUERY_ROWS: usize = 1024;

/// The exact `k` nearest neighbours of every row (itself excluded) by Euclidean distance,
/// nearest first, as `(index, squared distance)`; ties go to the lower index.
///
/// Query rows go to the device in blocks of [`GRAPH_QUERY_ROWS`], key rows in blocks sized
/// so one block of dot products stays within [`BLOCK_BYTES`]: one matmul per pair of
/// blocks, and each row's best `k` kept as the blocks stream past, so memory stays bounded
/// however large the vocabulary.
pub fn knn_graph(matrix: &Matrix, k: usize, device: &Device) -> Result<Vec<Neighbours>> {
    let n = matrix.rows();
    ensure!(
        k >= 1 && k < n,
        "k must be between 1 and {} for {n} rows, got {k}",
        n.saturating_sub(1)
    );
    let squares = matrix.squared_norms();
    let key_rows = (BLOCK_BYTES / (GRAPH_QUERY_ROWS * 4)).max(1);
    let mut graph = Vec::with_capacity(n);
    for start in (0..n).step_by(GRAPH_QUERY_ROWS) {
        let count = GRAPH_QUERY_ROWS.min(n - start);
        let queries = rows_tensor(matrix, start, count, device);
        let mut best: Vec<Nearest> = (0..count).map(|_| Nearest::new(k)).collect();
        for key_start in (0..n).step_by(key_rows) {
            let key_count = key_rows.min(n - key_start);
            let keys = rows_tensor(matrix, key_start, key_count, device);
            let dots = to_vec(queries.clone().matmul(keys.transpose()))?;
            // ‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x; ‖q‖² is the same for the whole row, so it is
            // left out of the ranking and added at the end. Each query row on its own
            // thread: rows are independent, so the result does not depend on the split.
            best.par_iter_mut()
                .zip(dots.par_chunks_exact(key_count))
                .enumerate()
                .for_each(|(q, (nearest, row))| {
                    for (j, &dot) in row.iter().enumerate() {
                        let id = key_start + j;
                        if id != start + q {
                            nearest.offer(squares[id] - 2.0 * dot, id);
                        }
                    }
                });
        }
        for (q, nearest) in best.into_iter().enumerate() {
            let own = squares[start + q];
            graph.push(
                nearest
                    .best
                    .into_iter()
                    .map(|(score, id)| (id, (score + own).max(0.0)))
                    .collect(),
            );
        }
    }
    Ok(graph)
}

/// The `k` smallest scores offered so far, smallest first (ties: the earlier offer, which
/// in [`knn_graph`] is the lower index).
struct Nearest {
    k: usize,
    best: Vec<(f32, usize)>,
}

impl Nearest {
    fn new(k: usize) -> Self {
        Self {
            k,
            best: Vec::with_capacity(k + 1),
        }
    }

    fn offer(&mut self, score: f32, id: usize) {
        if self.best.len() == self.k && !(score < self.best[self.k - 1].0) {
            return;
        }
        let at = self.best.partition_point(|&(s, _)| s <= score);
        self.best.insert(at, (score, id));
        self.best.truncate(self.k);
    }
}

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

/// `(row − centre) · direction` for every row (the notebook's
/// `(embeddings - mean) @ Vt[0]`), one matmul per row block.
pub fn project(
    matrix: &Matrix,
    direction: &[f32],
    centre: &[f32],
    device: &Device,
) -> Result<Vec<f32>> {
    ensure!(
        direction.len() == matrix.cols() && centre.len() == matrix.cols(),
        "direction and centre must be as wide as the rows"
    );
    let offset: f32 = direction.iter().zip(centre).map(|(d, c)| d * c).sum();
    let d = to_tensor(direction, direction.len(), 1, device);
    per_row_blocks(matrix, device, |block| {
        block.matmul(d.clone()).sub_scalar(offset)
    })
}

/// Each row minus the mean row (the notebook's `m - m.mean(axis=0)`), and that mean.
pub fn centre_rows(matrix: &Matrix, device: &Device) -> Result<(Matrix, Vec<f32>)> {
    let x = matrix_tensor(matrix, device);
    let mean = x.clone().mean_dim(0);
    let centred = Matrix::new(matrix.rows(), matrix.cols(), to_vec(x - mean.clone())?)?;
    Ok((centred, to_vec(mean)?))
}

/// The Gram matrix `m · mᵀ`: every row's dot product with every row.
pub fn gram(matrix: &Matrix, device: &Device) -> Result<Matrix> {
    let x = matrix_tensor(matrix, device);
    Matrix::new(
        matrix.rows(),
        matrix.rows(),
        to_vec(x.clone().matmul(x.transpose()))?,
    )
}

/// Pearson correlation between every pair of rows (`np.corrcoef(m)`).
pub fn row_correlations(matrix: &Matrix, device: &Device) -> Result<Matrix> {
    let x = matrix_tensor(matrix, device);
    unit_gram(x.clone() - x.mean_dim(1))
}

/// The mean of the given rows (the notebook's `embeddings[ids, :].mean(axis=0)`), of the
/// rows scaled to unit length first when `normalise` is set (`embeddingsNorm[ids, :]…`).
pub fn mean_of_rows(
    matrix: &Matrix,
    rows: &[usize],
    normalise: bool,
    device: &Device,
) -> Result<Vec<f32>> {
    ensure!(!rows.is_empty(), "the mean of no rows is undefined");
    let picked = matrix.select_rows(rows);
    let mut block = matrix_tensor(&picked, device);
    if normalise {
        block = unit_rows(block);
    }
    to_vec(block.mean_dim(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Backend;

    fn approx(a: f32, b: f32, tol: f32) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn row_means_and_variances_by_hand() {
        // rows [1,2,3,4] and [2,2,2,8]: means 2.5 and 3.5; population variances
        // (2.25+0.25+0.25+2.25)/4 = 1.25 and (2.25*3+20.25)/4 = 6.75
        let m = Matrix::new(2, 4, vec![1., 2., 3., 4., 2., 2., 2., 8.]).unwrap();
        let device = Backend::Flex.device().unwrap();
        assert_eq!(row_means(&m, &device).unwrap(), vec![2.5, 3.5]);
        assert_eq!(row_variances(&m, &device).unwrap(), vec![1.25, 6.75]);
    }

    #[test]
    fn pearson_by_hand() {
        let device = Backend::Flex.device().unwrap();
        // perfectly linear, perfectly anti-linear, and a hand-computed case:
        // x=[1,2,3], y=[1,3,2]: dx=[-1,0,1], dy=[-1,1,0] -> 1/sqrt(2*2) = 0.5
        assert!(approx(
            pearson(&[1., 2., 3.], &[2., 4., 6.], &device).unwrap(),
            1.0,
            1e-6
        ));
        assert!(approx(
            pearson(&[1., 2., 3.], &[3., 2., 1.], &device).unwrap(),
            -1.0,
            1e-6
        ));
        assert!(approx(
            pearson(&[1., 2., 3.], &[1., 3., 2.], &device).unwrap(),
            0.5,
            1e-6
        ));
        assert!(pearson(&[1., 2.], &[1., 2., 3.], &device).is_err());
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
    fn ops_on_shared_rows_leave_the_matrix_alone() {
        // The tensors share the matrix's bytes; an op that writes (subtracting the mean,
        // scaling rows) must copy them first, on every backend.
        let m = Matrix::new(2, 2, vec![1., 2., 3., 6.]).unwrap();
        for backend in [Backend::Flex, Backend::Ndarray] {
            let device = backend.device().unwrap();
            let (centred, mean) = centre_rows(&m, &device).unwrap();
            assert_eq!(mean, vec![2.0, 4.0]);
            assert_eq!(centred.data(), &[-1., -2., 1., 2.]);
            let unit = to_vec(unit_rows(matrix_tensor(&m, &device))).unwrap();
            assert!(approx(unit[0], 1.0 / 5f32.sqrt(), 1e-6));
            assert_eq!(m.data(), &[1., 2., 3., 6.], "{backend:?}");
        }
    }

    #[test]
    fn smallest_breaks_ties_by_index() {
        let values = [0.5, 0.1, 0.5, 0.0, 0.1];
        assert_eq!(smallest(&values, 3), vec![(3, 0.0), (1, 0.1), (4, 0.1)]);
        assert_eq!(smallest(&values, 99).len(), 5);
        assert!(smallest(&values, 0).is_empty());
    }

    #[test]
    fn blocks_cover_every_row() {
        // More rows than one block holds: 3 blocks at 1 MiB-wide rows would be too slow,
        // so check the block arithmetic on a wide matrix instead.
        let cols = BLOCK_BYTES / 4 / 2 + 1; // two rows do not fit one block
        let rows = 3;
        let data: Vec<f32> = (0..rows * cols).map(|i| (i / cols) as f32).collect();
        let m = Matrix::new(rows, cols, data).unwrap();
        let device = Backend::Flex.device().unwrap();
        assert_eq!(row_means(&m, &device).unwrap(), vec![0.0, 1.0, 2.0]);
    }
}
