//! Intrinsic dimension by TwoNN (Facco, d'Errico, Rodriguez & Laio, 2017): how many
//! directions the points really spread in, from each point's two nearest neighbours alone.
//!
//! For points spread evenly on a d-dimensional patch, the ratio μ = r₂/r₁ of the distances
//! to the second and the first neighbour follows a Pareto law, F(μ) = 1 − μ^(−d),
//! whatever the density. So −ln(1 − F(μ)) = d ln μ: the slope of a line through the origin
//! fitted to the empirical distribution of μ estimates d. As Facco et al. do, the largest
//! 10% of the ratios (the noisiest) are left out of the fit.

use anyhow::{Result, ensure};
use serde::Serialize;

use super::neighbours::Neighbours;
use crate::tensor::Matrix;

/// The share of the smallest ratios the line is fitted to.
pub const FITTED: f64 = 0.9;

/// A TwoNN estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TwoNn {
    pub dimension: f64,
    /// Points whose ratio entered the empirical distribution.
    pub points: usize,
    /// Points left out because their nearest neighbour is at distance 0 (a duplicate row:
    /// the ratio is undefined).
    pub duplicates: usize,
    /// (ln μ, −ln(1 − F)) of the fitted points, every `stride`-th, for a figure.
    pub fit_points: Vec<(f64, f64)>,
}

/// TwoNN of the rows of `matrix` from its Euclidean neighbour graph (at least two
/// neighbours each: [`super::neighbours::knn_graph`]'s). The graph's candidates are
/// measured again exactly in f64 and the two nearest taken: the graph's distances
/// come from a matrix product whose rounding can order a copy of a row after
/// another row.
pub fn twonn(matrix: &Matrix, graph: &[Neighbours]) -> Result<TwoNn> {
    ensure!(
        graph.iter().all(|row| row.len() >= 2),
        "TwoNN needs each point's two nearest neighbours"
    );
    let distance = |i: usize, j: usize| {
        matrix
            .row(i)
            .iter()
            .zip(matrix.row(j))
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let mut ratios: Vec<f64> = Vec::with_capacity(graph.len());
    let mut duplicates = 0;
    for (i, row) in graph.iter().enumerate() {
        let mut exact: Vec<f64> = row.iter().map(|&(j, _)| distance(i, j)).collect();
        exact.sort_by(f64::total_cmp);
        let (r1, r2) = (exact[0], exact[1]);
        if r1 > 0.0 {
            ratios.push(r2 / r1);
        } else {
            duplicates += 1;
        }
    }
    ensure!(
        ratios.len() >= 3,
        "TwoNN needs at least three points whose nearest neighbour is not a copy of them, and there are {}",
        ratios.len()
    );
    // ANCHOR: twonn
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len() as f64;
    let fitted = ((n * FITTED).floor() as usize).max(1);
    // Empirical F at the i-th smallest ratio: i / n (i from 1); the line y = d x
    // through the origin by least squares: d = Σxy / Σx².
    let line: Vec<(f64, f64)> = ratios[..fitted]
        .iter()
        .enumerate()
        .map(|(i, &mu)| (mu.ln(), -(1.0 - (i + 1) as f64 / n).ln()))
        .collect();
    let (xy, xx) = line
        .iter()
        .fold((0.0, 0.0), |(xy, xx), &(x, y)| (xy + x * y, xx + x * x));
    // ANCHOR_END: twonn
    let stride = (line.len() / 400).max(1);
    Ok(TwoNn {
        dimension: if xx > 0.0 { xy / xx } else { f64::INFINITY },
        points: ratios.len(),
        duplicates,
        fit_points: line.into_iter().step_by(stride).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::neighbours::knn_graph;
    use crate::rng::SeededRng;
    use crate::tensor::Backend;

    fn estimate(m: &Matrix) -> TwoNn {
        let device = Backend::Flex.device().unwrap();
        twonn(m, &knn_graph(m, 2, &device).unwrap()).unwrap()
    }

    #[test]
    fn a_low_dimensional_gaussian_gives_its_width() {
        // The null's theory: a few thousand points of width d give about d.
        for d in [2usize, 5, 8] {
            let mut rng = SeededRng::new(d as u64);
            let m = Matrix::random_normal(4000, d, 1.0, &mut rng).unwrap();
            let got = estimate(&m).dimension;
            assert!(
                (got - d as f64).abs() < 0.1 * d as f64 + 0.2,
                "width {d}: {got}"
            );
        }
    }

    #[test]
    fn a_plane_inside_a_wide_space_is_two_dimensional() {
        // 2-D points written into 30 dimensions by a fixed linear map.
        let mut rng = SeededRng::new(3);
        let map: Vec<f64> = (0..60).map(|_| rng.normal()).collect();
        let data: Vec<f32> = (0..3000)
            .flat_map(|_| {
                let (a, b) = (rng.normal(), rng.normal());
                (0..30)
                    .map(|j| (a * map[j] + b * map[30 + j]) as f32)
                    .collect::<Vec<_>>()
            })
            .collect();
        let got = estimate(&Matrix::new(3000, 30, data).unwrap()).dimension;
        assert!((got - 2.0).abs() < 0.25, "{got}");
    }

    #[test]
    fn duplicate_rows_are_left_out_and_counted() {
        let mut rng = SeededRng::new(9);
        let mut data = rng.normal_values(500 * 3, 1.0);
        data.extend_from_slice(&data[..3].to_vec()); // row 500 copies row 0
        let got = estimate(&Matrix::new(501, 3, data).unwrap());
        assert_eq!((got.duplicates, got.points), (2, 499));
    }
}
