//! Hubness measured as Radovanović, Nanopoulos & Ivanović (2010) measure it: N_k(x), the
//! k-occurrence of a token, is how many other tokens have it among their k nearest
//! neighbours. Every token lists k, so N_k averages exactly k; in high dimensions its
//! distribution is skewed to the right — a few hubs are in very many lists, many tokens
//! in none — and the skewness of N_k says how strongly.

use serde::Serialize;

use super::neighbours::Neighbours;

/// N_k of every row of a neighbour graph (`graph[i]` lists row i's k nearest).
pub fn k_occurrence(graph: &[Neighbours]) -> Vec<u32> {
    let mut counts = vec![0u32; graph.len()];
    for &(j, _) in graph.iter().flatten() {
        counts[j] += 1;
    }
    counts
}

// ANCHOR: skewness
/// The skewness of the values, E[(N − μ)³] / σ³ with population moments (scipy's
/// `stats.skew`, `bias=True`): 0 for a symmetric distribution, large and positive
/// when a few values are far above the rest. 0 when every value is the same (no
/// spread to skew).
pub fn skewness(values: &[u32]) -> f64 {
    let n = values.len().max(1) as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let (m2, m3) = values.iter().fold((0.0, 0.0), |(m2, m3), &v| {
        let x = f64::from(v) - mean;
        (m2 + x * x, m3 + x * x * x)
    });
    let (m2, m3) = (m2 / n, m3 / n);
    if m2 == 0.0 { 0.0 } else { m3 / m2.powf(1.5) }
}
// ANCHOR_END: skewness

/// A graph's k-occurrence summarised.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KOccurrence {
    pub k: usize,
    pub skewness: f64,
    /// The most lists any token is in.
    pub largest: u32,
    /// Tokens in no list but their own (N_k = 0): never anyone's neighbour.
    pub orphans: usize,
    /// The `top` tokens in most lists, most first, ties to the lower id: (row, N_k).
    pub hubs: Vec<(usize, u32)>,
}

/// The summary of `counts` (from [`k_occurrence`] of a k-nearest-neighbour graph).
pub fn summarise(counts: &[u32], k: usize, top: usize) -> KOccurrence {
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(counts[i]), i));
    KOccurrence {
        k,
        skewness: skewness(counts),
        largest: counts.iter().copied().max().unwrap_or(0),
        orphans: counts.iter().filter(|&&c| c == 0).count(),
        hubs: order
            .into_iter()
            .take(top)
            .map(|i| (i, counts[i]))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::neighbours::knn_graph;
    use crate::rng::SeededRng;
    use crate::tensor::{Backend, Matrix};

    #[test]
    fn skewness_by_hand() {
        // [0, 0, 0, 4]: mean 1, deviations (−1, −1, −1, 3): m2 = 3, m3 = 6, 6 / 3^1.5 = 1.1547
        assert!((skewness(&[0, 0, 0, 4]) - 1.1547).abs() < 1e-4);
        assert_eq!(skewness(&[2, 2, 2]), 0.0);
        assert!(skewness(&[1, 2, 3]).abs() < 1e-12);
    }

    #[test]
    fn counts_and_hubs_of_a_small_graph() {
        // 0 is everyone's neighbour; 3 nobody's.
        let graph: Vec<Neighbours> = vec![
            vec![(1, 0.0)],
            vec![(0, 0.0)],
            vec![(0, 0.0)],
            vec![(0, 0.0)],
        ];
        let counts = k_occurrence(&graph);
        assert_eq!(counts, vec![3, 1, 0, 0]);
        let summary = summarise(&counts, 1, 2);
        assert_eq!(summary.hubs, vec![(0, 3), (1, 1)]);
        assert_eq!((summary.largest, summary.orphans), (3, 2));
    }

    #[test]
    fn hubness_grows_with_dimension_in_gaussian_data() {
        // Radovanović et al.'s finding on i.i.d. data: the skewness of N_k rises with
        // the dimension, from about 0 in 2-D.
        let device = Backend::Flex.device().unwrap();
        let skew_at = |d: usize| {
            let mut rng = SeededRng::new(d as u64);
            let m = Matrix::random_normal(3000, d, 1.0, &mut rng).unwrap();
            skewness(&k_occurrence(&knn_graph(&m, 10, &device).unwrap()))
        };
        let (low, high) = (skew_at(2), skew_at(100));
        assert!(
            low.abs() < 0.6 && high > 1.0 && high > low + 0.8,
            "{low} {high}"
        );
    }
}
