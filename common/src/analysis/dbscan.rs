//! DBSCAN on 2-D points with scikit-learn's semantics, using a grid as the spatial index.
//!
//! A point's neighbourhood is every point within `eps` (itself included); it is a core
//! point when that neighbourhood holds at least `min_samples` points. Clusters grow from
//! core points in index order, each fully before the next starts, so a border point
//! reachable from two clusters joins the one whose first core point comes first. Points in
//! no cluster are noise, labelled −1 — all as `sklearn.cluster.DBSCAN` does.

use std::collections::HashMap;

use anyhow::{Result, ensure};

/// Cluster labels (0, 1, … or −1 for noise), one per point.
pub fn dbscan(points: &[[f64; 2]], eps: f64, min_samples: usize) -> Result<Vec<i64>> {
    ensure!(
        eps > 0.0 && eps.is_finite(),
        "eps must be a positive distance, got {eps}"
    );
    ensure!(
        min_samples >= 1,
        "min-samples must be at least 1 (it counts the point itself)"
    );
    let grid = Grid::new(points, eps);
    // Neighbourhoods are counted, then listed again as each core point is reached, rather
    // than all kept: on a dense map of a whole vocabulary they hold millions of points.
    Ok(dbscan_over(
        points.len(),
        |i| grid.count_within(points, i, eps),
        |i| grid.within(points, i, eps),
        min_samples,
    ))
}

/// DBSCAN's labels for `n` points of any kind, given how many points lie within eps of
/// point `i` (itself included) and which: the 2-D map's through its grid, lesson 5's
/// embeddings through their distance matrix.
pub fn dbscan_over(
    n: usize,
    count_within: impl Fn(usize) -> usize,
    within: impl Fn(usize) -> Vec<usize>,
    min_samples: usize,
) -> Vec<i64> {
    // ANCHOR: dbscan
    let core: Vec<bool> = (0..n).map(|i| count_within(i) >= min_samples).collect();
    let mut labels = vec![-1i64; n];
    let mut next_label = 0;
    let mut stack = Vec::new();
    for start in 0..n {
        if labels[start] != -1 || !core[start] {
            continue;
        }
        stack.push(start);
        while let Some(i) = stack.pop() {
            if labels[i] != -1 {
                continue;
            }
            labels[i] = next_label;
            if core[i] {
                stack.extend(within(i).into_iter().filter(|&j| labels[j] == -1));
            }
        }
        next_label += 1;
    }
    labels
    // ANCHOR_END: dbscan
}

/// Points bucketed into square cells `eps` wide: a neighbourhood query looks at 9 cells.
struct Grid {
    cells: HashMap<(i64, i64), Vec<usize>>,
}

impl Grid {
    fn cell(p: &[f64; 2], eps: f64) -> (i64, i64) {
        ((p[0] / eps).floor() as i64, (p[1] / eps).floor() as i64)
    }

    fn new(points: &[[f64; 2]], eps: f64) -> Self {
        let mut cells: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
        for (i, p) in points.iter().enumerate() {
            cells.entry(Self::cell(p, eps)).or_default().push(i);
        }
        Grid { cells }
    }

    /// Each index within `eps` of point `i` (inclusive, itself included), cell by cell.
    fn each_within<'a>(
        &'a self,
        points: &'a [[f64; 2]],
        i: usize,
        eps: f64,
    ) -> impl Iterator<Item = usize> + 'a {
        let (cx, cy) = Self::cell(&points[i], eps);
        (-1..=1)
            .flat_map(move |dx| (-1..=1).map(move |dy| (cx + dx, cy + dy)))
            .filter_map(|cell| self.cells.get(&cell))
            .flatten()
            .copied()
            .filter(move |&j| {
                (points[i][0] - points[j][0]).powi(2) + (points[i][1] - points[j][1]).powi(2)
                    <= eps * eps
            })
    }

    /// How many points lie within `eps` of point `i`, itself included.
    fn count_within(&self, points: &[[f64; 2]], i: usize, eps: f64) -> usize {
        self.each_within(points, i, eps).count()
    }

    /// Indices within `eps` of point `i` (inclusive, itself included), ascending.
    fn within(&self, points: &[[f64; 2]], i: usize, eps: f64) -> Vec<usize> {
        let mut found: Vec<usize> = self.each_within(points, i, eps).collect();
        found.sort_unstable();
        found
    }
}

/// Mean position of each cluster's points, by label 0, 1, ….
pub fn centroids(points: &[[f64; 2]], labels: &[i64]) -> Vec<[f64; 2]> {
    let clusters = labels
        .iter()
        .copied()
        .max()
        .map_or(0, |m| (m + 1).max(0) as usize);
    let mut sums = vec![[0.0; 3]; clusters];
    for (p, &l) in points.iter().zip(labels) {
        if l >= 0 {
            let s = &mut sums[l as usize];
            s[0] += p[0];
            s[1] += p[1];
            s[2] += 1.0;
        }
    }
    sums.iter().map(|s| [s[0] / s[2], s[1] / s[2]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_blobs_noise_and_a_border_point() {
        // blob A around (0,0), blob B around (10,0), a lone point at (5,5), and (2,0):
        // within eps=1.5 of A's (1,0) only, so a border point of A.
        let points = [
            [0.0, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [10.0, 0.0],
            [11.0, 0.0],
            [10.0, 1.0],
            [5.0, 5.0],
            [2.2, 0.0],
        ];
        let labels = dbscan(&points, 1.5, 3).unwrap();
        assert_eq!(labels, vec![0, 0, 0, 1, 1, 1, -1, 0]);
        let c = centroids(&points, &labels);
        assert!((c[0][0] - 3.2 / 4.0).abs() < 1e-12 && (c[1][0] - 31.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn min_samples_counts_the_point_itself_and_eps_is_inclusive() {
        let points = [[0.0, 0.0], [1.0, 0.0]];
        assert_eq!(dbscan(&points, 1.0, 2).unwrap(), vec![0, 0]);
        assert_eq!(dbscan(&points, 0.99, 2).unwrap(), vec![-1, -1]);
        assert_eq!(dbscan(&points, 0.5, 1).unwrap(), vec![0, 1]);
        assert!(dbscan(&points, 0.0, 2).is_err() && dbscan(&points, 1.0, 0).is_err());
    }

    #[test]
    fn lesson_5_exercise_6() {
        // Six points on a line, eps 1: the chapter's answer, as scikit-learn's DBSCAN
        // labels them (checked with `DBSCAN(eps=1, min_samples=m)`).
        let points = [0.0, 1.0, 2.0, 5.0, 5.8, 9.0].map(|x| [x, 0.0]);
        assert_eq!(dbscan(&points, 1.0, 3).unwrap(), vec![0, 0, 0, -1, -1, -1]);
        assert_eq!(dbscan(&points, 1.0, 2).unwrap(), vec![0, 0, 0, 1, 1, -1]);
    }
}
