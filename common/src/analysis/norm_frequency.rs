//! Row norms and how often a token is seen. A token's embedding is pulled on every time it
//! occurs, so frequent and rare tokens end up with rows of different lengths; without the
//! training corpus, the order in which the tokenizer learnt its tokens stands in for
//! frequency: BPE learns the most frequent pair first, so the rank of the merge that makes
//! a token tracks how common it was, and vocabularies built by frequency (BERT's WordPiece
//! list) carry it in the token ids.

use serde::Serialize;

use super::stats::{is_constant, spearman};
use crate::model::Model;

/// What a vocabulary tells of its tokens' frequency: a value per token, lower = learnt
/// earlier = more frequent; `None` where the file says nothing (bytes, special tokens).
#[derive(Clone, Debug)]
pub struct FrequencyProxy {
    /// What the values are, as the report says it.
    pub name: &'static str,
    pub values: Vec<Option<f32>>,
}

/// The proxy's name for BPE vocabularies: early merges join frequent pairs, so a later
/// rank is a rarer token (a WordPiece id follows `vocab.txt`'s order instead).
pub const MERGE_RANK: &str = "BPE merge rank";

/// The merge rank of each token for BPE vocabularies, the token id otherwise; special
/// tokens have none.
pub fn frequency_proxy(model: &Model) -> anyhow::Result<FrequencyProxy> {
    let special = model.tokenizer.special_ids();
    let rows = model.embeddings.rows();
    let (name, mut values): (&'static str, Vec<Option<f32>>) =
        match model.tokenizer.merge_ranks()? {
            Some(ranks) => (
                MERGE_RANK,
                ranks.into_iter().map(|r| r.map(|r| r as f32)).collect(),
            ),
            None => ("token id", (0..rows).map(|id| Some(id as f32)).collect()),
        };
    values.resize(rows, None);
    for &id in &special {
        if let Some(value) = values.get_mut(id as usize) {
            *value = None;
        }
    }
    Ok(FrequencyProxy { name, values })
}

/// Spearman's rank correlation between row norms and the frequency proxy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NormFrequency {
    pub proxy: String,
    /// Tokens with a proxy value (the correlation's sample).
    pub tokens: usize,
    /// Positive: tokens learnt later (rarer) have longer rows.
    pub spearman: f64,
}

/// The correlation between `norms` and `proxy` over the tokens that have a proxy
/// value.
pub fn norm_frequency(norms: &[f32], proxy: &FrequencyProxy) -> Option<NormFrequency> {
    // ANCHOR: correlation
    let (norms, ranks): (Vec<f32>, Vec<f32>) = norms
        .iter()
        .zip(&proxy.values)
        .filter_map(|(&n, p)| p.map(|p| (n, p)))
        .unzip();
    if norms.len() < 3 || is_constant(&norms) || is_constant(&ranks) {
        return None;
    }
    Some(NormFrequency {
        proxy: proxy.name.to_string(),
        tokens: norms.len(),
        spearman: spearman(&norms, &ranks),
    })
    // ANCHOR_END: correlation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_longer_for_later_tokens_correlate_positively_and_gaps_are_skipped() {
        let proxy = FrequencyProxy {
            name: "token id",
            values: vec![None, Some(1.0), Some(2.0), Some(3.0), Some(4.0)],
        };
        let got = norm_frequency(&[9.0, 1.0, 2.0, 2.5, 7.0], &proxy).unwrap();
        assert_eq!(got.tokens, 4);
        assert!((got.spearman - 1.0).abs() < 1e-12);
        // Equal norms have no ranking to correlate.
        assert!(norm_frequency(&[1.0; 5], &proxy).is_none());
    }
}
