//! Hubness: in high dimensions a few tokens turn up in very many neighbour lists and
//! many in none (Radovanović et al., 2010).

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
