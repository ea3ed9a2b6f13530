//! Regions of a vocabulary: communities of its nearest-neighbour graph, found by label
//! propagation, each named by its most typical members.
//!
//! DBSCAN on a t-SNE map finds regions of the *map's* density with one radius, and at
//! vocabulary scale no one radius fits: t-SNE spreads dense and sparse parts of the space
//! to similar densities, so a small eps splits the map into specks and a large one joins
//! it into one blob. A community of the cosine kNN graph is instead a set of tokens that
//! are mostly each other's neighbours in the embedding space itself, however dense.
//! Label propagation (Raghavan, Albert & Kumara 2007) finds them in a few passes over the
//! edges: every token starts as its own community and repeatedly joins the one most of
//! its mutual neighbours belong to, until no token moves.

use crate::rng::SeededRng;

/// Passes over the tokens before label propagation stops even if a few still move.
const MAX_PASSES: usize = 30;

/// Communities of the graph `neighbours[i]` (indices of i's neighbours, any that are not
/// below `neighbours.len()` ignored), keeping only mutual edges (i lists j and j lists i):
/// a hub, in thousands of lists but listing few of them back, would otherwise pull them
/// all into one giant community (see the At-scale chapter). Tokens are
/// visited in a seeded random order; a tie goes to the community with the lower label.
/// Returns each token's community, numbered from 0 by size, largest first.
pub fn label_propagation(neighbours: &[Vec<usize>], seed: u64) -> Vec<usize> {
    let n = neighbours.len();
    let adjacent: Vec<Vec<usize>> = neighbours
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .copied()
                .filter(|&j| j < n && j != i && neighbours[j].contains(&i))
                .collect()
        })
        .collect();
    let mut label: Vec<usize> = (0..n).collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SeededRng::new(seed);
    let mut votes: std::collections::HashMap<usize, usize> = Default::default();
    for _ in 0..MAX_PASSES {
        rng.shuffle(&mut order);
        let mut moved = 0;
        for &i in &order {
            votes.clear();
            for &j in &adjacent[i] {
                *votes.entry(label[j]).or_default() += 1;
            }
            let Some((&best, _)) = votes
                .iter()
                .max_by_key(|&(&l, &count)| (count, std::cmp::Reverse(l)))
            else {
                continue;
            };
            // Stay when the current community is among the most voted (no endless swaps).
            if votes.get(&label[i]) != votes.get(&best) {
                label[i] = best;
                moved += 1;
            }
        }
        if moved == 0 {
            break;
        }
    }
    renumber_by_size(&label)
}

/// Labels renumbered 0, 1, … from the largest group down (ties: the lower old label).
fn renumber_by_size(label: &[usize]) -> Vec<usize> {
    let mut sizes: std::collections::BTreeMap<usize, usize> = Default::default();
    for &l in label {
        *sizes.entry(l).or_default() += 1;
    }
    let mut ranked: Vec<(usize, usize)> = sizes.into_iter().collect();
    ranked.sort_by_key(|&(l, size)| (std::cmp::Reverse(size), l));
    let new: std::collections::HashMap<usize, usize> = ranked
        .iter()
        .enumerate()
        .map(|(rank, &(l, _))| (l, rank))
        .collect();
    label.iter().map(|l| new[l]).collect()
}

/// The `count` most typical members of each community below `communities`: those with
/// the most neighbours in their own community (ties: the lower index), most typical first.
pub fn typical_members(
    neighbours: &[Vec<usize>],
    label: &[usize],
    communities: usize,
    count: usize,
) -> Vec<Vec<usize>> {
    let mut members: Vec<Vec<(usize, usize)>> = vec![Vec::new(); communities];
    for (i, row) in neighbours.iter().enumerate() {
        if label[i] < communities {
            let inside = row
                .iter()
                .filter(|&&j| j < label.len() && label[j] == label[i])
                .count();
            members[label[i]].push((i, inside));
        }
    }
    members
        .into_iter()
        .map(|mut m| {
            m.sort_by_key(|&(i, inside)| (std::cmp::Reverse(inside), i));
            m.into_iter().take(count).map(|(i, _)| i).collect()
        })
        .collect()
}

/// Named regions of a map: each point's region (−1 for none) and each region's name.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Regions {
    pub labels: Vec<i64>,
    pub names: Vec<String>,
}

/// The largest [`MAX_REGIONS`] communities of at least [`MIN_REGION`] tokens are named:
/// as many as a map can label legibly at its default zoom.
const MIN_REGION: usize = 5;
pub const MAX_REGIONS: usize = 30;

/// The map's regions: communities of `neighbours` (indices into the map's tokens; an
/// index past the map is ignored) by label propagation, the largest named by their three
/// most typical tokens (`tokens`, as shown on the map), the rest left unnamed.
pub fn named_regions(neighbours: &[Vec<usize>], tokens: &[String], seed: u64) -> Regions {
    let n = neighbours.len();
    let label = label_propagation(neighbours, seed);
    let mut sizes = vec![0usize; n];
    for &l in &label {
        sizes[l] += 1;
    }
    let named = sizes
        .iter()
        .take_while(|&&s| s >= MIN_REGION)
        .count()
        .min(MAX_REGIONS);
    let names = typical_members(neighbours, &label, named, 3)
        .into_iter()
        .map(|typical| {
            typical
                .iter()
                .map(|&i| tokens[i].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    Regions {
        labels: label
            .iter()
            .map(|&l| if l < named { l as i64 } else { -1 })
            .collect(),
        names,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cliques_joined_by_one_edge_are_two_communities() {
        // 0–4 all neighbours of each other, 5–9 likewise; 4 ↔ 5 the one bridge.
        let clique = |range: std::ops::Range<usize>, i: usize| -> Vec<usize> {
            range.filter(|&j| j != i).collect()
        };
        let mut graph: Vec<Vec<usize>> = (0..10)
            .map(|i| {
                if i < 5 {
                    clique(0..5, i)
                } else {
                    clique(5..10, i)
                }
            })
            .collect();
        graph[4].push(5);
        graph[5].push(4);
        let label = label_propagation(&graph, 7);
        assert!(label[..5].iter().all(|&l| l == label[0]), "{label:?}");
        assert!(label[5..].iter().all(|&l| l == label[5]), "{label:?}");
        assert_ne!(label[0], label[5]);
        assert_eq!(label, label_propagation(&graph, 7));
        // Every member lists 4 of its own community: the tie goes to the lowest index.
        let typical = typical_members(&graph, &label, 2, 1);
        assert_eq!(typical[label[0]], vec![0]);
    }
}
