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

    /// `(bin centre, value)` pairs between a zero at the first edge and one at the last:
    /// a density drawn this way comes down to the axis at both ends instead of stopping
    /// at the last bin's left edge (for the lessons' own figures, not the notebooks').
    pub fn outline_points(&self) -> Vec<(f64, f64)> {
        let (Some(&first), Some(&last)) = (self.edges.first(), self.edges.last()) else {
            return Vec::new();
        };
        std::iter::once((first, 0.0))
            .chain(self.centre_points())
            .chain(std::iter::once((last, 0.0)))
            .collect()
    }

    /// `(bin centre, value)` pairs: where bars of the histogram stand.
    pub fn centre_points(&self) -> Vec<(f64, f64)> {
        self.edges
            .windows(2)
            .zip(&self.values)
            .map(|(e, &v)| ((e[0] + e[1]) / 2.0, v))
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

/// The median of `values` as numpy's `np.median` takes it: the mean of the middle two for
/// an even count; NaN for none.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Whether every value is the same: a correlation with it is 0/0 (scipy's `pearsonr`
/// warns and returns NaN, numpy's `corrcoef` gives nan), so none is defined.
pub fn is_constant(values: &[f32]) -> bool {
    values.windows(2).all(|w| w[0] == w[1])
}

/// Pearson correlation in f64 (`np.corrcoef(a, b)[0, 1]`).
pub fn pearson(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    let mean = |v: &[f32]| v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let (ma, mb) = (mean(a), mean(b));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x as f64 - ma, y as f64 - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    sab / (saa * sbb).sqrt()
}

/// Ranks from 1, ties sharing their average rank (`scipy.stats.rankdata`).
pub fn ranks(values: &[f32]) -> Vec<f32> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let average = (start + end + 1) as f32 / 2.0; // ranks start+1 ..= end
        for &i in &order[start..end] {
            ranks[i] = average;
        }
        start = end;
    }
    ranks
}

/// Spearman's rank correlation: Pearson on the ranks.
pub fn spearman(a: &[f32], b: &[f32]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// Mean, population standard deviation (numpy's default `ddof=0`), minimum and maximum,
/// accumulated in f64.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    pub fn of<T: Copy + Into<f64>>(values: &[T]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().map(|&v| v.into()).sum::<f64>() / n;
        let sd = (values
            .iter()
            .map(|&v| (v.into() - mean).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        let min = values.iter().fold(f64::INFINITY, |m, &v| m.min(v.into()));
        let max = values
            .iter()
            .fold(f64::NEG_INFINITY, |m, &v| m.max(v.into()));
        Summary { mean, sd, min, max }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_numpys() {
        // np.median([3, 1, 2]) == 2.0, np.median([4, 1, 3, 2]) == 2.5
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(vec![]).is_nan());
    }

    #[test]
    fn an_outline_starts_and_ends_on_the_axis_through_the_bin_centres() {
        let h = Histogram {
            edges: vec![0.0, 1.0, 2.0],
            values: vec![0.25, 0.75],
        };
        assert_eq!(
            h.outline_points(),
            vec![(0.0, 0.0), (0.5, 0.25), (1.5, 0.75), (2.0, 0.0)]
        );
    }

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
}
