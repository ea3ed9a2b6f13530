//! How faithful a map is to the space it was made from.

use rayon::prelude::*;

use crate::tensor::Matrix;

/// How well `embedded` keeps each point's `k` nearest neighbours of `original`
/// (`sklearn.manifold.trustworthiness`): 1 when every embedded neighbour is an original one.
///
/// Each point is scored on its own thread from its own row of distances, so the memory is
/// a few rows, not the n×n distance matrix (32 MB for a 2,000-token sample); the price is
/// that each distance is computed twice, once from each end. Every penalty is a whole
/// number, so their sum is the same in any order.
pub fn trustworthiness(original: &Matrix, embedded: &[[f64; 2]], k: usize) -> f64 {
    let n = original.rows();
    let penalty: u64 = (0..n)
        .into_par_iter()
        .map(|i| {
            let ranks = original_ranks(original, i);
            let dist = |j: usize| {
                (embedded[i][0] - embedded[j][0]).powi(2)
                    + (embedded[i][1] - embedded[j][1]).powi(2)
            };
            let mut embedded_order: Vec<usize> = (0..n).filter(|&j| j != i).collect();
            embedded_order.sort_by(|&a, &b| dist(a).total_cmp(&dist(b)).then(a.cmp(&b)));
            embedded_order
                .iter()
                .take(k)
                .map(|&j| ranks[j].saturating_sub(k) as u64)
                .sum::<u64>()
        })
        .sum();
    1.0 - penalty as f64 * 2.0 / (n as f64 * k as f64 * (2.0 * n as f64 - 3.0 * k as f64 - 1.0))
}

/// Every other point's rank among point `i`'s neighbours in `original` (1 = nearest;
/// ties by index), by squared Euclidean distance summed in f64.
fn original_ranks(original: &Matrix, i: usize) -> Vec<usize> {
    let n = original.rows();
    let distance: Vec<f64> = (0..n)
        .map(|j| {
            original
                .row(i)
                .iter()
                .zip(original.row(j))
                .map(|(&a, &b)| ((a - b) as f64).powi(2))
                .sum()
        })
        .collect();
    let mut order: Vec<usize> = (0..n).filter(|&j| j != i).collect();
    order.sort_by(|&a, &b| distance[a].total_cmp(&distance[b]).then(a.cmp(&b)));
    let mut ranks = vec![0; n];
    for (r, &j) in order.iter().enumerate() {
        ranks[j] = r + 1;
    }
    ranks
}
