//! DBSCAN on the embeddings themselves, beside DBSCAN on the map (the chapter's exercise
//! 5): the same algorithm (5.8) on the d-dimensional rows, with an eps in the embeddings'
//! own units, then where each of its clusters lies on the t-SNE map. A cluster of the
//! space that is one map cluster was kept by the map; tokens the space leaves as noise but
//! the map clusters are groups the map made.

use anyhow::{Result, ensure};
use common::Matrix;
use common::analysis::dbscan::dbscan_over;

use crate::results::{MapShare, SpaceCluster, SpaceClusters};

/// eps is this quantile of the distances between distinct tokens: a radius within which a
/// token has, on average, 5% of the others (a small neighbourhood, in the embeddings' own
/// units, whatever their scale).
pub const EPS_QUANTILE: f64 = 0.05;

/// DBSCAN on the rows of `rows` with eps the [`EPS_QUANTILE`] of their pairwise distances
/// and the map's `min_samples`, and how its clusters sit among the map's DBSCAN labels
/// `on_map`.
pub fn space_clusters(
    rows: &Matrix,
    on_map: &[i64],
    words: &[String],
    min_samples: usize,
) -> Result<SpaceClusters> {
    ensure!(
        rows.rows() >= 2,
        "DBSCAN on the embeddings needs two tokens"
    );
    let distances = pairwise_distances(rows);
    let n = rows.rows();
    let pairs: Vec<f64> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .map(|(i, j)| distances[i * n + j])
        .collect();
    let pair_count = pairs.len();
    // a set whose identical rows are EPS_QUANTILE of its pairs or more would get eps 0, a
    // radius that joins only copies: the smallest distance above 0 then
    let smallest = pairs
        .iter()
        .copied()
        .filter(|&d| d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let eps = quantile(pairs, EPS_QUANTILE);
    let eps = if eps > 0.0 || !smallest.is_finite() {
        eps
    } else {
        smallest
    };
    let labels = dbscan_precomputed(&distances, n, eps, min_samples);
    let clusters = (0..labels.iter().copied().max().map_or(0, |m| m + 1))
        .map(|c| {
            let members: Vec<usize> = (0..n).filter(|&i| labels[i] == c).collect();
            let mut shares: Vec<MapShare> = Vec::new();
            for &i in &members {
                match shares.iter_mut().find(|s| s.group == on_map[i]) {
                    Some(share) => share.tokens += 1,
                    None => shares.push(MapShare {
                        group: on_map[i],
                        tokens: 1,
                    }),
                }
            }
            shares.sort_by_key(|s| s.group);
            SpaceCluster {
                tokens: members.iter().map(|&i| words[i].clone()).collect(),
                on_map: shares,
            }
        })
        .collect::<Vec<_>>();
    let noise: Vec<usize> = (0..n).filter(|&i| labels[i] < 0).collect();
    Ok(SpaceClusters {
        quantile: EPS_QUANTILE,
        pairs: pair_count,
        eps,
        min_samples,
        one_map_cluster: clusters
            .iter()
            .filter(|c| matches!(c.on_map.as_slice(), [share] if share.group >= 0))
            .count(),
        noise: noise.len(),
        noise_clustered_on_map: noise.iter().filter(|&&i| on_map[i] >= 0).count(),
        labels,
        clusters,
    })
}

/// Every pair's Euclidean distance, row-major `n × n`, summed in f64 from the f32 rows
/// (not from the Gram matrix, whose f32 dot products lose the small distances' digits).
fn pairwise_distances(rows: &Matrix) -> Vec<f64> {
    let n = rows.rows();
    let mut distances = vec![0.0; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let d = rows
                .row(i)
                .iter()
                .zip(rows.row(j))
                .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            distances[i * n + j] = d;
            distances[j * n + i] = d;
        }
    }
    distances
}

/// numpy's `np.quantile(values, q)` (linear interpolation between the two nearest ranks).
fn quantile(mut values: Vec<f64>, q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let position = q * (values.len() - 1) as f64;
    let (below, fraction) = (position.floor() as usize, position.fract());
    let above = (below + 1).min(values.len() - 1);
    values[below] + fraction * (values[above] - values[below])
}

/// DBSCAN over a precomputed `n × n` distance matrix: common's, each neighbourhood read
/// from the matrix's row.
fn dbscan_precomputed(distances: &[f64], n: usize, eps: f64, min_samples: usize) -> Vec<i64> {
    let within = |i: usize| (0..n).filter(move |&j| distances[i * n + j] <= eps);
    dbscan_over(
        n,
        |i| within(i).count(),
        |i| within(i).collect(),
        min_samples,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_as_numpy() {
        // np.quantile([1, 2, 3, 4], 0.5) == 2.5; np.quantile([1, 2, 3, 4], 0.05) == 1.15
        assert_eq!(quantile(vec![4.0, 1.0, 3.0, 2.0], 0.5), 2.5);
        assert!((quantile(vec![1.0, 2.0, 3.0, 4.0], 0.05) - 1.15).abs() < 1e-12);
    }

    #[test]
    fn dbscan_on_distances_agrees_with_the_maps_on_a_line() {
        // The chapter's exercise 6: points at 0, 1, 2, 5, 5.8 and 9, eps 1.
        let x = [0.0, 1.0, 2.0, 5.0, 5.8, 9.0];
        let d: Vec<f64> = x
            .iter()
            .flat_map(|a| x.iter().map(move |b| f64::abs(a - b)))
            .collect();
        assert_eq!(dbscan_precomputed(&d, 6, 1.0, 3), [0, 0, 0, -1, -1, -1]);
        assert_eq!(dbscan_precomputed(&d, 6, 1.0, 2), [0, 0, 0, 1, 1, -1]);
    }
}
