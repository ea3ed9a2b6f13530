//! How faithful a map is to the space it was made from.

use crate::tensor::Matrix;

use super::affinities::squared_distances;

/// How well `embedded` keeps each point's `k` nearest neighbours of `original`
/// (`sklearn.manifold.trustworthiness`): 1 when every embedded neighbour is an original one.
pub fn trustworthiness(original: &Matrix, embedded: &[[f64; 2]], k: usize) -> f64 {
    let n = original.rows();
    let d_original = squared_distances(original);
    let rank_of = |i: usize| -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        order.sort_by(|&a, &b| {
            d_original[i * n + a]
                .total_cmp(&d_original[i * n + b])
                .then(a.cmp(&b))
        });
        let mut ranks = vec![0; n];
        for (r, &j) in order.iter().enumerate() {
            ranks[j] = r + 1;
        }
        ranks
    };
    let mut penalty = 0.0;
    for i in 0..n {
        let ranks = rank_of(i);
        let mut embedded_order: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        let dist = |j: usize| {
            (embedded[i][0] - embedded[j][0]).powi(2) + (embedded[i][1] - embedded[j][1]).powi(2)
        };
        embedded_order.sort_by(|&a, &b| dist(a).total_cmp(&dist(b)).then(a.cmp(&b)));
        for &j in embedded_order.iter().take(k) {
            if ranks[j] > k {
                penalty += (ranks[j] - k) as f64;
            }
        }
    }
    1.0 - penalty * 2.0 / (n as f64 * k as f64 * (2.0 * n as f64 - 3.0 * k as f64 - 1.0))
}
