//! Small host-side statistics with numpy's exact semantics, for the lessons' tables and
//! figures.

use serde::Serialize;

/// `np.histogram(values, bins, density)`: `bins` equal-width bins spanning the data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Histogram {
    /// `bins + 1` bin edges.
    pub edges: Vec<f64>,
    /// Counts per bin, or densities (integrating to 1) when `density` was asked for.
    pub values: Vec<f64>,
}

impl Histogram {
    /// `(left edge, value)` pairs: what the notebooks plot as `plt.plot(x[:-1], y)`.
    pub fn left_edge_points(&self) -> Vec<(f64, f64)> {
        self.edges
            .iter()
            .copied()
            .zip(self.values.iter().copied())
            .collect()
    }
}

/// Like `np.histogram(values, bins=bins, density=density)`. Every value lands in the bin
/// with `edges[i] <= v < edges[i+1]` (the last bin also takes the maximum), exactly as
/// numpy's corrected bin search does. Empty input gives `None`.
pub fn histogram(values: &[f32], bins: usize, density: bool) -> Option<Histogram> {
    if values.is_empty() || bins == 0 {
        return None;
    }
    let (mut first, mut last) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v as f64), hi.max(v as f64))
        });
    if first == last {
        // numpy widens a zero range by ±0.5.
        first -= 0.5;
        last += 0.5;
    }
    let step = (last - first) / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|i| first + i as f64 * step).collect();
    edges[bins] = last;
    let mut counts = vec![0u64; bins];
    let norm = bins as f64 / (last - first);
    for &v in values {
        let v = v as f64;
        let mut i = (((v - first) * norm) as usize).min(bins - 1);
        if v < edges[i] {
            i -= 1;
        } else if i + 1 < bins && v >= edges[i + 1] {
            i += 1;
        }
        counts[i] += 1;
    }
    let total = values.len() as f64;
    let values = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if density {
                c as f64 / total / (edges[i + 1] - edges[i])
            } else {
                c as f64
            }
        })
        .collect();
    Some(Histogram { edges, values })
}

/// `np.unique(values, return_counts=True)`: sorted distinct values with their counts.
pub fn value_counts(values: impl IntoIterator<Item = usize>) -> Vec<(usize, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for v in values {
        *counts.entry(v).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

/// How a k-nearest-neighbour graph spreads its edges: in high dimensions a few tokens
/// ("hubs") turn up in very many neighbour lists and many in none.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hubness {
    /// The `top` tokens that are in the most neighbour lists, as (id, lists), most first.
    pub hubs: Vec<(usize, usize)>,
    /// Tokens that are in no other token's neighbour list.
    pub orphans: usize,
    /// Share of edges i → j whose reverse j → i is also in the graph.
    pub mutual: f64,
}

/// Hubness of a neighbour graph (`graph[i]` lists i's neighbours).
pub fn hubness(graph: &[Vec<(usize, f32)>], top: usize) -> Hubness {
    let mut lists = vec![0usize; graph.len()];
    for &(j, _) in graph.iter().flatten() {
        lists[j] += 1;
    }
    let mut order: Vec<usize> = (0..graph.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(lists[i]), i));
    let edges = graph.iter().map(Vec::len).sum::<usize>().max(1);
    let mutual = graph
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.iter().map(move |&(j, _)| (i, j)))
        .filter(|&(i, j)| graph[j].iter().any(|&(back, _)| back == i))
        .count();
    Hubness {
        hubs: order.iter().take(top).map(|&i| (i, lists[i])).collect(),
        orphans: lists.iter().filter(|&&c| c == 0).count(),
        mutual: mutual as f64 / edges as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_matches_numpy() {
        // np.histogram([0, 1, 1, 2, 3, 3, 3, 4], bins=4)
        //   -> counts [1, 2, 1, 4], edges [0, 1, 2, 3, 4]
        let h = histogram(&[0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 4.0], 4, false).unwrap();
        assert_eq!(h.values, vec![1.0, 2.0, 1.0, 4.0]);
        assert_eq!(h.edges, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        // density: counts / (8 * 1.0)
        let d = histogram(&[0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 4.0], 4, true).unwrap();
        assert_eq!(d.values, vec![0.125, 0.25, 0.125, 0.5]);
    }

    #[test]
    fn histogram_density_integrates_to_one() {
        let values: Vec<f32> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f32 * 0.013 - 3.0)
            .collect();
        let h = histogram(&values, 90, true).unwrap();
        let area: f64 = h
            .values
            .iter()
            .zip(h.edges.windows(2))
            .map(|(d, e)| d * (e[1] - e[0]))
            .sum();
        assert!((area - 1.0).abs() < 1e-12);
    }

    #[test]
    fn constant_values_widen_the_range_like_numpy() {
        // np.histogram([2, 2], bins=2) -> counts [0, 2], edges [1.5, 2, 2.5]
        let h = histogram(&[2.0, 2.0], 2, false).unwrap();
        assert_eq!(h.edges, vec![1.5, 2.0, 2.5]);
        assert_eq!(h.values, vec![0.0, 2.0]);
        assert!(histogram(&[], 10, false).is_none());
    }

    #[test]
    fn value_counts_sorts_and_counts() {
        assert_eq!(value_counts([3, 1, 3, 2, 3]), vec![(1, 1), (2, 1), (3, 3)]);
    }

    #[test]
    fn hubness_counts_lists_orphans_and_mutual_edges() {
        // 0 ↔ 1 mutual; 2 → 0 and 3 → 0 one-way: 0 is the hub, 2 and 3 are orphans.
        let graph = vec![
            vec![(1, 0.0)],
            vec![(0, 0.0)],
            vec![(0, 0.0)],
            vec![(0, 0.0)],
        ];
        let h = hubness(&graph, 2);
        assert_eq!(h.hubs, vec![(0, 3), (1, 1)]);
        assert_eq!(h.orphans, 2);
        assert!((h.mutual - 0.5).abs() < 1e-12);
    }
}
