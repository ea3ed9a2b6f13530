//! The nearest rows to a query: distances to every row by one matmul per block of rows,
//! the `k` smallest re-measured exactly.

use anyhow::{Result, bail};
use burn::tensor::Device;
use rayon::prelude::*;

use super::{Metric, Neighbours, Query};
use crate::tensor::ops::{Rows, per_row_blocks, to_tensor};
use crate::tensor::{Matrix, squared_norm};

/// Distance from `query` to every row of `matrix` ([`distances`] of a plain vector).
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
    distances(matrix.into(), &query, device)
}

/// Distances from each query to every row of `rows` (a matrix's, or its rows minus their
/// mean: see [`Rows`]), in one pass over the matrix.
///
/// The device computes the dot products x·q of a block of rows with every query at once
/// (one matmul per row block); each distance follows from its dot product and the two
/// squared norms on the host ([`from_dot`]). With `normalise`, rows are scaled to unit
/// length as the notebook's second exercise does, without a scaled copy of the matrix.
pub fn distances_to_all<'a>(
    rows: impl Into<Rows<'a>>,
    queries: &[Query],
    device: &Device,
) -> Result<Vec<Vec<f32>>> {
    let rows = rows.into();
    let d = rows.cols();
    if let Some(q) = queries.iter().find(|q| q.vector.len() != d) {
        bail!("query has {} values, rows have {d}", q.vector.len());
    }
    let count = queries.len();
    // The queries as the columns of a d × count matrix.
    let columns: Vec<f32> = (0..d)
        .flat_map(|c| queries.iter().map(move |q| q.vector[c]))
        .collect();
    let q_tensor = to_tensor(&columns, d, count, device);
    let dots = per_row_blocks(rows, device, |block| block.matmul(q_tensor.clone()))?;
    let squares = rows.squared_norms();
    Ok(queries
        .iter()
        .enumerate()
        .map(|(column, query)| {
            let q_sq = squared_norm(&query.vector);
            squares
                .iter()
                .enumerate()
                .map(|(i, &x_sq)| from_dot(dots[i * count + column], x_sq, q_sq, query))
                .collect()
        })
        .collect())
}

// ANCHOR: from_dot
/// One row's distance from `query`, given their dot product x·q and squared norms
/// (the book's (2.3)): ‖x − q‖² = ‖x‖² + ‖q‖² − 2 x·q, clamped at 0 against
/// rounding; a row scaled to unit length (`normalise`) has ‖x‖² = 1 and dot
/// product x·q / ‖x‖; the cosine distance is 1 − x·q / (‖x‖ ‖q‖).
fn from_dot(dot: f32, x_sq: f32, q_sq: f32, query: &Query) -> f32 {
    let tiny = f32::MIN_POSITIVE; // no division by 0 for a row of zeros
    let norm = |squared: f32| squared.sqrt().max(tiny);
    use Metric::{Cosine, Euclidean};
    match (query.metric, query.normalise) {
        (Euclidean, false) => (x_sq + q_sq - 2.0 * dot).max(0.0).sqrt(),
        (Euclidean, true) => (1.0 + q_sq - 2.0 * dot / norm(x_sq)).max(0.0).sqrt(),
        (Cosine, _) => 1.0 - dot / (norm(x_sq) * q_sq.sqrt()).max(tiny),
    }
}
// ANCHOR_END: from_dot

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

/// The `k` rows of `rows` (a matrix's, or centred: see [`Rows`]) nearest to
/// `query`, nearest first, and the distances to every row: [`distances`], then [`top_k`].
pub fn nearest<'a>(
    rows: impl Into<Rows<'a>>,
    query: &Query,
    k: usize,
    device: &Device,
) -> Result<(Neighbours, Vec<f32>)> {
    let rows = rows.into();
    let all = distances(rows, query, device)?;
    Ok((top_k(rows, query, &all, k), all))
}

// ANCHOR: nearest
/// The distance from `query` to every row of `rows` ([`distances_to_all`]:
/// one matmul per block of rows).
pub fn distances(rows: Rows, query: &Query, device: &Device) -> Result<Vec<f32>> {
    Ok(distances_to_all(rows, std::slice::from_ref(query), device)?.remove(0))
}

/// The `k` rows nearest to `query`, nearest first, given its distances to every
/// row (`all`). Their matmul form loses precision near zero (a row's distance to
/// itself comes out around 1e-3, not 0), so the `2k` best candidates are
/// re-measured exactly on the host and re-ranked (ties to the lower index).
pub fn top_k(rows: Rows, query: &Query, all: &[f32], k: usize) -> Neighbours {
    let Query {
        vector,
        metric,
        normalise,
    } = query;
    let exact = |i| exact_distance(&rows.row(i), vector, *metric, *normalise);
    let mut best: Neighbours = smallest(all, k.saturating_mul(2))
        .into_iter()
        .map(|(i, _)| (i, exact(i)))
        .collect();
    best.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    best.truncate(k);
    best
}
// ANCHOR_END: nearest

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
}
