//! Under-trained tokens from the weights alone, by the indicator of Land & Bartolo (2024,
//! "Fishing for Magikarp"): tokens the model never saw in training keep rows that look
//! alike, so a token whose row points the way the unreachable tokens' rows point is
//! probably under-trained too — reachable or not.
//!
//! The indicator: remove from every row its component along the matrix's first principal
//! direction (which every row shares and which says nothing about training), average the
//! rows of a reference set of unreachable tokens, and score each token by the cosine of its
//! row with that average. Its quality is measured, not assumed: the reference is fitted on
//! half the unreachable tokens and the other half ranked against every reachable token
//! (ROC AUC: the chance that a held-out unreachable token scores above a reachable one).

use anyhow::{Result, ensure};
use serde::Serialize;

use super::covariance::projections;
use super::stats::ranks;
use crate::rng::SeededRng;
use crate::tensor::Matrix;

/// cos(e_i − (e_i·c) c, r) for every row i, where c is the unit first principal
/// direction and r the mean of the reference rows after the same removal. A row
/// with nothing left after the removal has no direction and scores 0.
pub fn indicator(matrix: &Matrix, first_axis: &[f64], reference: &[usize]) -> Result<Vec<f32>> {
    ensure!(
        !reference.is_empty(),
        "the indicator needs at least one reference token"
    );
    let d = matrix.cols();
    let along = projections(matrix, &vec![0.0; d], &[first_axis.to_vec()]);
    let mut r = vec![0f64; d];
    for &i in reference {
        for ((r, &x), c) in r.iter_mut().zip(matrix.row(i)).zip(first_axis) {
            *r += f64::from(x) - f64::from(along[i]) * c;
        }
    }
    r.iter_mut().for_each(|x| *x /= reference.len() as f64);
    let r_norm = r.iter().map(|x| x * x).sum::<f64>().sqrt();
    let c_dot_r: f64 = first_axis.iter().zip(&r).map(|(c, r)| c * r).sum();
    let unit_r: Vec<f64> = r
        .iter()
        .map(|x| x / r_norm.max(f64::MIN_POSITIVE))
        .collect();
    // ANCHOR: indicator
    // e'·r = e·r − (e·c)(c·r), ‖e'‖² = ‖e‖² − (e·c)²: one more projection, no copy.
    let on_r = projections(matrix, &vec![0.0; d], &[unit_r]);
    let squares = matrix.squared_norms();
    Ok((0..matrix.rows())
        .map(|i| {
            let p = f64::from(along[i]);
            let dot = f64::from(on_r[i]) * r_norm - p * c_dot_r;
            let length = (f64::from(squares[i]) - p * p).max(0.0).sqrt();
            if length * r_norm > 1e-12 {
                (dot / (length * r_norm)) as f32
            } else {
                0.0
            }
        })
        .collect())
    // ANCHOR_END: indicator
}

// ANCHOR: auc
/// The ROC AUC of scores that should be high for `positives` and low for
/// `negatives`: the share of (positive, negative) pairs the scores order correctly,
/// ties counting half (scikit-learn's `roc_auc_score`), from the rank sum
/// (Mann–Whitney U).
pub fn roc_auc(positives: &[f32], negatives: &[f32]) -> Option<f64> {
    if positives.is_empty() || negatives.is_empty() {
        return None;
    }
    let all: Vec<f32> = positives.iter().chain(negatives).copied().collect();
    let ranks = ranks(&all);
    let (p, n) = (positives.len() as f64, negatives.len() as f64);
    let positive_ranks = &ranks[..positives.len()];
    let rank_sum: f64 = positive_ranks.iter().map(|&r| f64::from(r)).sum();
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}
// ANCHOR_END: auc

/// Whether a vocabulary entry is a placeholder a tokenizer keeps for later use —
/// `[unused12]` (BERT), `<unused3>` (Gemma), `<|reserved_special_token_7|>` (Llama 3):
/// bracketed, named "unused" or "reserved", numbered. Such tokens are never in training
/// text, the clearest case of an under-trained row.
pub fn is_placeholder(entry: &str) -> bool {
    let bracketed = (entry.starts_with('[') && entry.ends_with(']'))
        || (entry.starts_with('<') && entry.ends_with('>'));
    let name = entry
        .trim_matches(|c| matches!(c, '[' | ']' | '<' | '>' | '|'))
        .to_ascii_lowercase();
    bracketed
        && (name.starts_with("unused") || name.starts_with("reserved"))
        && name.chars().any(|c| c.is_ascii_digit())
}

/// The reference split in two, seeded: half to fit the reference on, half held out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Split {
    pub fit: Vec<usize>,
    pub held_out: Vec<usize>,
}

/// `unreachable` shuffled with `seed` and cut in half (the fit half the smaller when the
/// count is odd), each half in id order. Needs at least two tokens.
pub fn split_in_half(unreachable: &[usize], seed: u64) -> Result<Split> {
    ensure!(
        unreachable.len() >= 2,
        "a held-out check needs at least two unreachable tokens, one to fit and one to test, and there are {}",
        unreachable.len()
    );
    let mut shuffled = unreachable.to_vec();
    SeededRng::new(seed).shuffle(&mut shuffled);
    let mut held_out = shuffled.split_off(shuffled.len() / 2);
    shuffled.sort_unstable();
    held_out.sort_unstable();
    Ok(Split {
        fit: shuffled,
        held_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand_and_with_ties() {
        assert_eq!(roc_auc(&[3.0, 4.0], &[1.0, 2.0]), Some(1.0));
        assert_eq!(roc_auc(&[1.0], &[2.0]), Some(0.0));
        // (2 > 1) counts 1, (2 = 2) counts ½, over 2 pairs: 0.75
        assert_eq!(roc_auc(&[2.0], &[1.0, 2.0]), Some(0.75));
        assert_eq!(roc_auc(&[], &[1.0]), None);
    }

    #[test]
    fn tokens_left_at_their_start_are_found_and_chance_is_a_half() {
        // 1,000 trained rows spread in every direction, 100 "untrained" rows left near one
        // starting point; every row also moves along one shared direction g, far more than
        // in any other (the first principal direction, which the indicator removes).
        let mut rng = SeededRng::new(1);
        let d = 16;
        let start: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
        let g: Vec<f64> = (0..d).map(|j| if j == 0 { 1.0 } else { 0.0 }).collect();
        let mut data = Vec::new();
        for i in 0..1100 {
            let shared = 8.0 * rng.normal();
            for j in 0..d {
                let x = if i < 1000 {
                    rng.normal()
                } else {
                    start[j] * 0.3 + 0.05 * rng.normal()
                };
                data.push((x + shared * g[j]) as f32);
            }
        }
        let m = Matrix::new(1100, d, data).unwrap();
        let covariance = crate::analysis::covariance::Covariance::of(&m).unwrap();
        let untrained: Vec<usize> = (1000..1100).collect();
        let split = split_in_half(&untrained, 3).unwrap();
        assert_eq!((split.fit.len(), split.held_out.len()), (50, 50));
        let scores = indicator(&m, &covariance.axes[0], &split.fit).unwrap();
        let held: Vec<f32> = split.held_out.iter().map(|&i| scores[i]).collect();
        let trained: Vec<f32> = scores[..1000].to_vec();
        assert!(roc_auc(&held, &trained).unwrap() > 0.99);
        // The null: the same reference in a matrix whose columns were shuffled.
        let shuffled = crate::analysis::nulls::columns_shuffled(&m, 3).unwrap();
        let axis = crate::analysis::covariance::Covariance::of(&shuffled)
            .unwrap()
            .axes[0]
            .clone();
        let scores = indicator(&shuffled, &axis, &split.fit).unwrap();
        let held: Vec<f32> = split.held_out.iter().map(|&i| scores[i]).collect();
        let auc = roc_auc(&held, &scores[..1000]).unwrap();
        assert!((auc - 0.5).abs() < 0.1, "{auc}");
    }

    #[test]
    fn placeholders_of_three_vocabularies() {
        for entry in [
            "[unused0]",
            "[unused993]",
            "<unused3>",
            "<|reserved_special_token_7|>",
        ] {
            assert!(is_placeholder(entry), "{entry}");
        }
        for entry in ["unused", "[UNK]", "<|endoftext|>", "[unused]", "reserved1"] {
            assert!(!is_placeholder(entry), "{entry}");
        }
    }

    #[test]
    fn a_row_with_nothing_left_scores_zero() {
        // Row 1 lies along the first axis (1, 0): nothing is left after the removal.
        let m = Matrix::new(3, 2, vec![0.0, 1.0, 2.0, 0.0, 0.0, 2.0]).unwrap();
        let scores = indicator(&m, &[1.0, 0.0], &[0]).unwrap();
        assert_eq!(scores, vec![1.0, 0.0, 1.0]);
        assert!(split_in_half(&[4], 1).is_err());
    }
}
