//! Anisotropy: in a trained embedding space the vectors share a common direction, so the
//! cosine of two unrelated tokens is far from 0 (Ethayarajh 2019). Subtracting the mean
//! vector (centring) removes that shared part and leaves what tells tokens apart.

use anyhow::{Result, ensure};
use serde::Serialize;

use crate::tensor::Matrix;

/// The mean cosine similarity over every pair of distinct rows, of the vectors as they
/// are and of the vectors minus their mean.
#[derive(Clone, Debug, Serialize)]
pub struct Anisotropy {
    pub raw: f64,
    pub centred: f64,
    /// Length of the mean vector, and the mean length of a row: how much of a typical
    /// row the shared part is.
    pub mean_vector_norm: f64,
    pub mean_row_norm: f64,
}

/// The mean cosine of every pair of distinct rows, raw and centred.
pub fn anisotropy(matrix: &Matrix) -> Result<Anisotropy> {
    let d = matrix.cols();
    let rows = (0..matrix.rows()).map(|i| matrix.row(i));
    let mut mean = vec![0.0f64; d];
    for row in rows.clone() {
        for (m, &x) in mean.iter_mut().zip(row) {
            *m += f64::from(x);
        }
    }
    mean.iter_mut().for_each(|m| *m /= matrix.rows() as f64);
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let mean_row_norm = rows
        .clone()
        .map(|r| norm(&r.iter().map(|&x| f64::from(x)).collect::<Vec<_>>()))
        .sum::<f64>()
        / matrix.rows() as f64;
    let raw = mean_pair_cosine(
        rows.clone()
            .map(|r| r.iter().map(|&x| f64::from(x)).collect()),
    )?;
    let centred = mean_pair_cosine(rows.map(|r| {
        r.iter()
            .zip(&mean)
            .map(|(&x, m)| f64::from(x) - m)
            .collect()
    }))?;
    Ok(Anisotropy {
        raw,
        centred,
        mean_vector_norm: norm(&mean),
        mean_row_norm,
    })
}

/// The mean of cos(xᵢ, xⱼ) over every pair i ≠ j, without visiting the pairs: with
/// uᵢ = xᵢ/‖xᵢ‖ and s = Σ uᵢ, Σ_{i≠j} uᵢ·uⱼ = ‖s‖² − n, so the mean is
/// (‖s‖² − n) / (n(n − 1)). It is large exactly when the unit vectors add up to a long
/// sum, that is when they share a direction. Rows of zeros have no direction and are left
/// out.
pub fn mean_pair_cosine(rows: impl Iterator<Item = Vec<f64>>) -> Result<f64> {
    let mut sum: Vec<f64> = Vec::new();
    let mut n = 0usize;
    for row in rows {
        let length = row.iter().map(|x| x * x).sum::<f64>().sqrt();
        if length == 0.0 {
            continue;
        }
        sum.resize(row.len(), 0.0);
        for (s, x) in sum.iter_mut().zip(&row) {
            *s += x / length;
        }
        n += 1;
    }
    ensure!(
        n >= 2,
        "a mean cosine needs two rows that are not all zeros, and there are {n}"
    );
    let n = n as f64;
    let squared: f64 = sum.iter().map(|s| s * s).sum();
    Ok((squared - n) / (n * (n - 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_pair_cosine_matches_visiting_every_pair() {
        let rows = [
            vec![1.0, 0.0],
            vec![1.0, 1.0],
            vec![0.0, 2.0],
            vec![-1.0, 0.5],
        ];
        let cos = |a: &[f64], b: &[f64]| {
            let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            dot / (a.iter().map(|x| x * x).sum::<f64>() * b.iter().map(|x| x * x).sum::<f64>())
                .sqrt()
        };
        let mut total = 0.0;
        for i in 0..4 {
            for j in 0..4 {
                if i != j {
                    total += cos(&rows[i], &rows[j]);
                }
            }
        }
        let got = mean_pair_cosine(rows.iter().cloned()).unwrap();
        assert!((got - total / 12.0).abs() < 1e-12, "{got}");
    }

    #[test]
    fn a_shared_offset_is_what_centring_removes() {
        // Two opposite directions lifted far along a third axis: nearly parallel raw,
        // opposite (cosine −1) once the mean is subtracted.
        let m = Matrix::new(2, 3, vec![1.0, 0.0, 10.0, -1.0, 0.0, 10.0]).unwrap();
        let a = anisotropy(&m).unwrap();
        assert!(a.raw > 0.98, "{a:?}");
        assert!((a.centred + 1.0).abs() < 1e-12, "{a:?}");
        assert!((a.mean_vector_norm - 10.0).abs() < 1e-12);
    }

    #[test]
    fn fewer_than_two_directions_are_refused() {
        let zeros = Matrix::new(3, 2, vec![0.0, 0.0, 1.0, 0.0, 0.0, 0.0]).unwrap();
        assert!(
            mean_pair_cosine((0..3).map(|i| zeros.row(i).iter().map(|&x| f64::from(x)).collect()))
                .is_err()
        );
    }
}
