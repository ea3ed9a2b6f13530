//! Is a similarity between two spaces more than chance? A permutation test over the token
//! correspondence: the statistic is recomputed with the second space's tokens shuffled,
//! which keeps each space's own geometry and breaks only which token is which.

use anyhow::Result;
use serde::Serialize;

use crate::rng::SeededRng;

/// The null distribution a statistic was tested against, and its p-value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PermutationTest {
    pub permutations: usize,
    /// `(hits + 1) / (permutations + 1)`, hits being the shuffles that reached the
    /// observed value: never below `1 / (permutations + 1)`.
    pub p_value: f64,
    /// Mean and largest value of the statistic over the shuffles.
    pub null_mean: f64,
    pub null_max: f64,
}

/// Tests `observed`, the value of `statistic` for the true correspondence, against
/// `permutations` shuffles of it: `statistic(order)` is the value when token `i` of the
/// first space is paired with token `order[i]` of the second. The shuffles are
/// Fisher–Yates from `seed`, each applied to the previous order, as lesson 3's RSA test
/// draws them. `None` when `permutations` is 0.
pub fn shuffled_correspondences(
    tokens: usize,
    permutations: usize,
    seed: u64,
    observed: f64,
    mut statistic: impl FnMut(&[usize]) -> Result<f64>,
) -> Result<Option<PermutationTest>> {
    if permutations == 0 {
        return Ok(None);
    }
    let mut rng = SeededRng::new(seed);
    let mut order: Vec<usize> = (0..tokens).collect();
    let (mut hits, mut sum, mut max) = (0usize, 0.0f64, f64::NEG_INFINITY);
    for _ in 0..permutations {
        rng.shuffle(&mut order);
        let value = statistic(&order)?;
        hits += usize::from(value >= observed);
        sum += value;
        max = max.max(value);
    }
    Ok(Some(PermutationTest {
        permutations,
        p_value: (hits + 1) as f64 / (permutations + 1) as f64,
        null_mean: sum / permutations as f64,
        null_max: max,
    }))
}
