//! A dense row-major f32 matrix on the host: one row per token.
//!
//! Embedding matrices stay on the host and go to a burn device in row blocks (see
//! [`crate::ops`]), so a whole vocabulary never has to fit in one GPU buffer.

use anyhow::{Result, ensure};

#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

impl Matrix {
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Result<Self> {
        ensure!(
            rows.checked_mul(cols) == Some(data.len()),
            "matrix of {rows}×{cols} needs {} values, got {}",
            rows.saturating_mul(cols),
            data.len()
        );
        Ok(Self { rows, cols, data })
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

    /// `(rows, cols)`: debug-printed, it reads as numpy prints `.shape`.
    pub fn shape_tuple(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    pub fn data(&self) -> &[f32] {
        &self.data
    }

    pub fn row(&self, index: usize) -> &[f32] {
        &self.data[index * self.cols..(index + 1) * self.cols]
    }

    /// Rows `start..start + count` as one contiguous slice.
    pub fn row_block(&self, start: usize, count: usize) -> &[f32] {
        &self.data[start * self.cols..(start + count) * self.cols]
    }

    /// A new matrix made of the given rows, in the given order.
    pub fn select_rows(&self, indices: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(indices.len() * self.cols);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        Matrix {
            rows: indices.len(),
            cols: self.cols,
            data,
        }
    }

    /// The transpose (columns become rows).
    pub fn transpose(&self) -> Matrix {
        let mut data = vec![0.0; self.data.len()];
        for r in 0..self.rows {
            for c in 0..self.cols {
                data[c * self.rows + r] = self.data[r * self.cols + c];
            }
        }
        Matrix {
            rows: self.cols,
            cols: self.rows,
            data,
        }
    }
}
