//! A dense row-major f32 matrix on the host: one row per token.
//!
//! Embedding matrices stay on the host and go to a burn device in row blocks (see
//! [`crate::tensor::ops`]), so a whole vocabulary never has to fit in one GPU buffer. The values
//! live in a shared, reference-counted buffer: a checkpoint that already stores f32 is
//! used straight from its memory map, and a row block handed to the CPU backend is a view
//! of the same bytes rather than a copy.

use std::sync::OnceLock;

use anyhow::{Result, ensure};

use crate::rng::SeededRng;

#[derive(Clone)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    /// `rows × cols` f32 values, native byte order, 4-byte aligned (checked on creation).
    values: bytes::Bytes,
    /// ‖row‖² of every row, computed the first time a distance needs them.
    squared_norms: OnceLock<Vec<f32>>,
}

/// A `Vec<f32>` seen as bytes, so it can own a [`bytes::Bytes`] without a copy.
struct F32Buffer(Vec<f32>);

impl AsRef<[u8]> for F32Buffer {
    fn as_ref(&self) -> &[u8] {
        bytemuck::cast_slice(&self.0)
    }
}

impl Matrix {
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Result<Self> {
        check_len(rows, cols, data.len())?;
        Ok(Self::from_parts(
            rows,
            cols,
            bytes::Bytes::from_owner(F32Buffer(data)),
        ))
    }

    /// A `rows × cols` matrix of N(0, scale²) values drawn from `rng`, filled row by row.
    pub fn random_normal(
        rows: usize,
        cols: usize,
        scale: f64,
        rng: &mut SeededRng,
    ) -> Result<Self> {
        Self::new(rows, cols, rng.normal_values(rows * cols, scale))
    }

    /// A matrix over bytes that already hold native-order f32 values (a memory-mapped
    /// checkpoint, say), without copying them. They must be 4-byte aligned.
    pub fn from_f32_bytes(rows: usize, cols: usize, values: bytes::Bytes) -> Result<Self> {
        ensure!(values.len() % 4 == 0, "f32 data of {} bytes", values.len());
        check_len(rows, cols, values.len() / 4)?;
        ensure!(
            values.as_ptr().align_offset(4) == 0,
            "f32 data must be 4-byte aligned"
        );
        Ok(Self::from_parts(rows, cols, values))
    }

    fn from_parts(rows: usize, cols: usize, values: bytes::Bytes) -> Self {
        Self {
            rows,
            cols,
            values,
            squared_norms: OnceLock::new(),
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `[rows, cols]`.
    pub fn shape(&self) -> [usize; 2] {
        [self.rows, self.cols]
    }

    pub fn data(&self) -> &[f32] {
        bytemuck::cast_slice(&self.values)
    }

    pub fn row(&self, index: usize) -> &[f32] {
        &self.data()[index * self.cols..(index + 1) * self.cols]
    }

    /// Rows `start..start + count` as bytes that share this matrix's buffer (no copy).
    pub fn row_block_bytes(&self, start: usize, count: usize) -> bytes::Bytes {
        let width = self.cols * 4;
        self.values.slice(start * width..(start + count) * width)
    }

    /// ‖row‖² of every row, computed once per matrix and then reused.
    pub fn squared_norms(&self) -> &[f32] {
        self.squared_norms
            .get_or_init(|| (0..self.rows).map(|i| squared_norm(self.row(i))).collect())
    }

    /// A new matrix made of the given rows, in the given order. Consecutive rows (a map of
    /// a vocabulary's first tokens, or of all its text tokens) share this matrix's bytes
    /// rather than copying them.
    pub fn select_rows(&self, indices: &[usize]) -> Matrix {
        if let Some(&first) = indices.first()
            && indices.iter().enumerate().all(|(i, &row)| row == first + i)
            && first + indices.len() <= self.rows
        {
            return Self::from_parts(
                indices.len(),
                self.cols,
                self.row_block_bytes(first, indices.len()),
            );
        }
        let mut data = Vec::with_capacity(indices.len() * self.cols);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        Self::from_parts(
            indices.len(),
            self.cols,
            bytes::Bytes::from_owner(F32Buffer(data)),
        )
    }

    /// A new matrix of the same shape with `f` applied to every entry (`abs(R)`).
    pub fn map(&self, f: impl Fn(f32) -> f32) -> Matrix {
        let data = self.data().iter().map(|&v| f(v)).collect();
        Self::from_parts(
            self.rows,
            self.cols,
            bytes::Bytes::from_owner(F32Buffer(data)),
        )
    }

    /// The transpose (columns become rows).
    pub fn transpose(&self) -> Matrix {
        let source = self.data();
        let mut data = vec![0.0; source.len()];
        for r in 0..self.rows {
            for c in 0..self.cols {
                data[c * self.rows + r] = source[r * self.cols + c];
            }
        }
        Self::from_parts(
            self.cols,
            self.rows,
            bytes::Bytes::from_owner(F32Buffer(data)),
        )
    }
}

fn check_len(rows: usize, cols: usize, len: usize) -> Result<()> {
    ensure!(
        rows.checked_mul(cols) == Some(len),
        "matrix of {rows}×{cols} needs {} values, got {len}",
        rows.saturating_mul(cols)
    );
    Ok(())
}

/// Σ x², summed in eight lanes so the compiler can keep it in SIMD registers (a plain
/// iterator sum must add in order, one value at a time).
pub fn squared_norm(row: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = row.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().map(|x| x * x).sum();
    for chunk in chunks {
        for (lane, x) in lanes.iter_mut().zip(chunk) {
            *lane += x * x;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

impl PartialEq for Matrix {
    fn eq(&self, other: &Self) -> bool {
        self.shape() == other.shape() && self.data() == other.data()
    }
}

impl std::fmt::Debug for Matrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Matrix {}×{}", self.rows, self.cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_lane_norm_matches_a_plain_sum() {
        // 0² + 1² + … + 20² = 20·21·41/6 = 2870 (an odd length exercises the tail)
        let row: Vec<f32> = (0..21).map(|i| i as f32).collect();
        assert_eq!(squared_norm(&row), 2870.0);
        let m = Matrix::new(3, 7, row).unwrap();
        // rows 0..6, 7..13, 14..20: 91, 728, 2051
        assert_eq!(m.squared_norms(), &[91.0, 728.0, 2051.0]);
    }

    #[test]
    fn shared_bytes_must_be_aligned_and_the_right_length() {
        let owner = bytes::Bytes::from(vec![0u8; 20]);
        let aligned_at = owner.as_ptr().align_offset(4);
        let misaligned = owner.slice(aligned_at + 1..aligned_at + 9);
        assert!(Matrix::from_f32_bytes(1, 2, misaligned).is_err());
        let aligned = owner.slice(aligned_at..aligned_at + 8);
        assert_eq!(
            Matrix::from_f32_bytes(1, 2, aligned).unwrap().data(),
            &[0.0, 0.0]
        );
        assert!(Matrix::from_f32_bytes(2, 2, owner.slice(0..8)).is_err());
    }
}
