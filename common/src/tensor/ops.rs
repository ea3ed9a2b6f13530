//! Tensor ops on burn, written once for every backend (flex, ndarray, wgpu).
//!
//! Large matrices are sent to the device in row blocks of at most [`BLOCK_BYTES`], so a
//! 50257×768 vocabulary runs on GPUs (and software rasterisers) that cap one buffer at
//! 128 MiB, and host memory holds one extra block at a time rather than a second matrix.

use anyhow::{Result, anyhow, ensure};
use burn::tensor::{AllocationProperty, Bytes, DType, Device, Tensor, TensorData};

use rayon::prelude::*;

use super::{Matrix, squared_norm};

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

/// The rows an op reads: a matrix's own, or each minus a centre (the mean row, for
/// lesson 2's centred search). The centre is subtracted from each block of rows on its way
/// to the device, so a centred vocabulary is never held beside the raw one.
#[derive(Clone, Copy, Debug)]
pub struct Rows<'a> {
    pub matrix: &'a Matrix,
    pub centre: Option<&'a Centre>,
}

/// A matrix's mean row, and ‖row − mean‖² of each of its rows.
#[derive(Clone, Debug)]
pub struct Centre {
    pub mean: Vec<f32>,
    squared_norms: Vec<f32>,
}

impl<'a> From<&'a Matrix> for Rows<'a> {
    fn from(matrix: &'a Matrix) -> Self {
        Rows {
            matrix,
            centre: None,
        }
    }
}

impl<'a> Rows<'a> {
    /// `matrix`'s rows minus `centre` (its [`centre_of`]).
    pub fn centred(matrix: &'a Matrix, centre: &'a Centre) -> Self {
        Rows {
            matrix,
            centre: Some(centre),
        }
    }

    pub fn len(&self) -> usize {
        self.matrix.rows()
    }

    pub fn is_empty(&self) -> bool {
        self.matrix.rows() == 0
    }

    pub fn cols(&self) -> usize {
        self.matrix.cols()
    }

    /// Row `i` (centred, if these rows are).
    pub fn row(&self, i: usize) -> std::borrow::Cow<'a, [f32]> {
        let row = self.matrix.row(i);
        match self.centre {
            None => row.into(),
            Some(c) => row.iter().zip(&c.mean).map(|(x, m)| x - m).collect(),
        }
    }

    /// ‖row‖² of every row (centred, if these rows are).
    pub fn squared_norms(&self) -> &'a [f32] {
        match self.centre {
            None => self.matrix.squared_norms(),
            Some(c) => &c.squared_norms,
        }
    }
}

/// The mean row of `matrix` (numpy's `m.mean(axis=0)`, summed block by block in f64) and
/// the squared length of each row minus it, in one pass over the rows and another.
pub fn centre_of(matrix: &Matrix, device: &Device) -> Result<Centre> {
    let (n, d) = (matrix.rows(), matrix.cols());
    ensure!(n > 0, "the mean of no rows is undefined");
    let step = block_rows(d);
    let mut sums = vec![0.0f64; d];
    for start in (0..n).step_by(step) {
        let count = step.min(n - start);
        let block = to_vec(rows_tensor(matrix, start, count, device).sum_dim(0))?;
        sums.iter_mut().zip(block).for_each(|(s, b)| *s += b as f64);
    }
    let mean: Vec<f32> = sums.iter().map(|s| (s / n as f64) as f32).collect();
    let squared_norms = (0..n)
        .into_par_iter()
        .map_init(
            || vec![0.0f32; d],
            |centred, i| {
                for ((c, x), m) in centred.iter_mut().zip(matrix.row(i)).zip(&mean) {
                    *c = x - m;
                }
                squared_norm(centred)
            },
        )
        .collect();
    Ok(Centre {
        mean,
        squared_norms,
    })
}

/// Runs `op` on each row block of `rows` (centred on the device, if they are) and
/// concatenates the per-row results.
pub(crate) fn per_row_blocks<'a>(
    rows: impl Into<Rows<'a>>,
    device: &Device,
    op: impl Fn(Tensor<2>) -> Tensor<2>,
) -> Result<Vec<f32>> {
    let rows = rows.into();
    let matrix = rows.matrix;
    let centre = rows
        .centre
        .map(|c| to_tensor(&c.mean, 1, matrix.cols(), device));
    let step = block_rows(matrix.cols());
    let mut out = Vec::with_capacity(matrix.rows());
    let mut start = 0;
    while start < matrix.rows() {
        let count = step.min(matrix.rows() - start);
        let mut block = rows_tensor(matrix, start, count, device);
        if let Some(centre) = &centre {
            block = block - centre.clone();
        }
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

// ANCHOR: project
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
// ANCHOR_END: project

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
pub fn mean_of_rows<'a>(
    rows: impl Into<Rows<'a>>,
    ids: &[usize],
    normalise: bool,
    device: &Device,
) -> Result<Vec<f32>> {
    ensure!(!ids.is_empty(), "the mean of no rows is undefined");
    let rows = rows.into();
    let picked = rows.matrix.select_rows(ids);
    let mut block = matrix_tensor(&picked, device);
    if let Some(centre) = rows.centre {
        block = block - to_tensor(&centre.mean, 1, rows.cols(), device);
    }
    if normalise {
        block = unit_rows(block);
    }
    to_vec(block.mean_dim(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Backend;

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
