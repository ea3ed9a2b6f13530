//! Finding a token's counterpart after an alignment: each mapped vector's rank of its true
//! partner among all candidates, by cosine and by CSLS (cross-domain similarity local
//! scaling; Conneau, Lample, Ranzato, Denoyer & Jégou 2018).
//!
//! In high dimensions a few vectors ("hubs") are near almost everything, so plain
//! nearest-neighbour retrieval keeps returning them. CSLS discounts each candidate y by
//! how close it is to everything in its neighbourhood:
//!
//! ```text
//! CSLS(Wx, y) = 2 cos(Wx, y) − r_T(Wx) − r_S(y)
//! ```
//!
//! where r_S(y) is the mean cosine of y to its k nearest mapped sources and r_T(Wx) that
//! of Wx to its k nearest candidates (targets): as in Conneau et al., each is named after
//! the space whose neighbours it averages over. r_T(Wx) is the same for every candidate of
//! one query, so it does not change the query's ranking; only r_S(y), each candidate's
//! hubness, does.

use anyhow::{Result, ensure};
use rayon::prelude::*;

use super::neighbours::unit_length_rows;
use crate::tensor::Matrix;
use crate::tensor::products::block_products;

/// Rows per block of similarities: a block of 1,024 rows against 20,000 candidates is
/// 80 MB of f32.
const BLOCK: usize = 1024;

/// Each query's rank of its counterpart (0: found first).
#[derive(Clone, Debug, PartialEq)]
pub struct CounterpartRanks {
    /// By cosine.
    pub plain: Vec<usize>,
    /// By CSLS.
    pub csls: Vec<usize>,
}

/// The mean of the `k` largest of `values`.
fn mean_of_largest(values: &[f32], k: usize) -> f32 {
    let mut best = vec![f32::NEG_INFINITY; k]; // ascending: best[0] is the one to beat
    for &v in values {
        if v > best[0] {
            let at = best.partition_point(|&b| b < v);
            best.insert(at, v);
            best.remove(0);
        }
    }
    best.iter().sum::<f32>() / k as f32
}

/// `each(i, sims)` for every row i of `rows`, `sims` its similarities to every row of
/// `others`, in row order: a block of rows at a time, the rows of a block on rayon's
/// threads.
fn map_rows<T: Send>(
    rows: &Matrix,
    others: &Matrix,
    each: impl Fn(usize, &[f32]) -> T + Sync,
) -> Vec<T> {
    let m = others.rows();
    let mut sims = vec![0f32; BLOCK.min(rows.rows()) * m];
    let mut out = Vec::with_capacity(rows.rows());
    for start in (0..rows.rows()).step_by(BLOCK) {
        let block = start..(start + BLOCK).min(rows.rows());
        let sims = &mut sims[..block.len() * m];
        block_products(rows, block.clone(), others, sims);
        out.par_extend(
            // (`max(1)`: chunks of 0 are not allowed, and no rows of `others` means none)
            sims.par_chunks(m.max(1))
                .enumerate()
                .map(|(i, row)| each(start + i, row)),
        );
    }
    out
}

/// Where `values[truth]` ranks among `values`, largest first, a tie going to the lower
/// index.
fn rank_of(values: impl Iterator<Item = f32> + Clone, truth: usize) -> usize {
    let target = values.clone().nth(truth).unwrap_or(f32::NAN);
    values
        .enumerate()
        .filter(|&(j, v)| v > target || (v == target && j < truth))
        .count()
}

/// For each of `queries` (vectors already mapped into the candidates' space), the rank of
/// its counterpart `targets[truth[i]]` among all `targets`, by cosine and by CSLS with
/// neighbourhoods of `k`; r_S(y) is measured against every mapped source in `sources`.
pub fn counterpart_ranks(
    queries: &Matrix,
    sources: &Matrix,
    targets: &Matrix,
    truth: &[usize],
    k: usize,
) -> Result<CounterpartRanks> {
    ensure!(
        queries.rows() == truth.len() && truth.iter().all(|&t| t < targets.rows()),
        "every query needs a counterpart among the targets"
    );
    ensure!(
        k >= 1 && k <= sources.rows(),
        "CSLS's k must be between 1 and the {} sources, got {k}",
        sources.rows()
    );
    let (queries, sources, targets) = (
        unit_length_rows(queries)?,
        unit_length_rows(sources)?,
        unit_length_rows(targets)?,
    );
    // ANCHOR: csls
    // r_S(y): each candidate's mean cosine to its k nearest mapped sources.
    let hubness = map_rows(&targets, &sources, |_, sims| mean_of_largest(sims, k));
    // Each query's rank of its counterpart by cosine and by CSLS (without r_T(Wx),
    // the same for every candidate of one query).
    let ranks: Vec<(usize, usize)> = map_rows(&queries, &targets, |i, sims| {
        let plain = rank_of(sims.iter().copied(), truth[i]);
        let csls = rank_of(
            sims.iter().zip(&hubness).map(|(&c, &r)| 2.0 * c - r),
            truth[i],
        );
        (plain, csls)
    });
    // ANCHOR_END: csls
    Ok(CounterpartRanks {
        plain: ranks.iter().map(|r| r.0).collect(),
        csls: ranks.iter().map(|r| r.1).collect(),
    })
}

/// Precision@k: the share of queries whose counterpart ranks among the first `k`.
pub fn precision_at(ranks: &[usize], k: usize) -> f64 {
    ranks.iter().filter(|&&r| r < k).count() as f64 / ranks.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_values_and_ranks_by_hand() {
        assert!((mean_of_largest(&[0.1, 0.9, 0.5, 0.7], 2) - 0.8).abs() < 1e-6);
        // 0.5 at index 2: beaten by 0.9 and 0.7, and by the equal 0.5 at the lower index 0.
        let values = [0.5, 0.9, 0.5, 0.7, 0.1];
        assert_eq!(rank_of(values.iter().copied(), 2), 3);
        assert_eq!(rank_of(values.iter().copied(), 1), 0);
        assert_eq!(precision_at(&[0, 3, 1, 12], 2), 0.5);
    }

    #[test]
    fn csls_demotes_a_hub() {
        // Targets: a hub (0) close to every source, and the queries' true partners 1 and
        // 2. By cosine query 0 finds the hub first; CSLS subtracts the hub's high r_S.
        // (Cosines checked with numpy: query 0 to the hub 0.937, to its partner 0.891;
        // r_S of the hub 0.995, of each partner 0.808.)
        let t = Matrix::new(3, 3, vec![1.0, 1.0, 1.0, 1.0, 0.2, 0.0, 0.0, 0.2, 1.0]).unwrap();
        let q = Matrix::new(2, 3, vec![1.0, 0.6, 0.4, 0.4, 0.6, 1.0]).unwrap();
        let sources = Matrix::new(
            4,
            3,
            vec![1.0, 0.6, 0.4, 0.4, 0.6, 1.0, 1.0, 1.0, 0.8, 0.8, 1.0, 1.0],
        )
        .unwrap();
        let ranks = counterpart_ranks(&q, &sources, &t, &[1, 2], 2).unwrap();
        assert_eq!(ranks.plain, [1, 1]);
        assert_eq!(ranks.csls, [0, 0]);
    }
}
