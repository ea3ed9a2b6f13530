//! A whole vocabulary's spectrum against chance: the variances along the principal axes
//! (the eigenvalues of the covariance, λ_k = s_k²/V for the singular values s_k of the
//! centred V × d matrix) beside the Marchenko–Pastur law, which says where they fall for a
//! random matrix of the same shape and total variance; and the effective rank, how many
//! directions the spread really uses.

use serde::Serialize;

use super::covariance::Covariance;

/// The Marchenko–Pastur law of a V × d matrix of independent entries of variance σ²:
/// with γ = d/V ≤ 1 its covariance's eigenvalues fill [σ²(1 − √γ)², σ²(1 + √γ)²] as V
/// grows, with density [`MarchenkoPastur::density`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MarchenkoPastur {
    /// σ²: the variance per entry (a matrix's own: the trace of its covariance ÷ d).
    pub variance: f64,
    /// γ = d/V.
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
}

// ANCHOR: law
impl MarchenkoPastur {
    pub fn new(rows: usize, cols: usize, variance: f64) -> Self {
        let ratio = cols as f64 / rows.max(1) as f64;
        let root = ratio.sqrt();
        MarchenkoPastur {
            variance,
            ratio,
            lower: variance * (1.0 - root).powi(2),
            upper: variance * (1.0 + root).powi(2),
        }
    }

    /// The density of eigenvalues at λ (0 outside the bulk):
    /// √((λ₊ − λ)(λ − λ₋)) / (2π σ² γ λ).
    pub fn density(&self, lambda: f64) -> f64 {
        if lambda <= self.lower || lambda >= self.upper || lambda <= 0.0 {
            return 0.0;
        }
        ((self.upper - lambda) * (lambda - self.lower)).sqrt()
            / (2.0 * std::f64::consts::PI * self.variance * self.ratio * lambda)
    }
}
// ANCHOR_END: law

/// Where a spectrum falls against the law of its shape and total variance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpectrumAgainstChance {
    /// The covariance's eigenvalues λ_k, largest first.
    pub eigenvalues: Vec<f64>,
    pub law: MarchenkoPastur,
    /// Eigenvalues above the bulk's upper edge: directions that carry more variance than
    /// chance would give any direction.
    pub above: usize,
    /// Eigenvalues below its lower edge (of the min(V − 1, d) a centred matrix can have).
    pub below: usize,
    /// The fraction of the total variance in the eigenvalues above the upper edge.
    pub share_above: f64,
    /// λ₁ ÷ upper edge, and the smallest eigenvalue ÷ lower edge: inside the bulk both are
    /// close to 1 (a random matrix's are, within finite-size fluctuations).
    pub top_over_upper: f64,
    pub bottom_over_lower: f64,
    pub effective_rank: f64,
}

/// The spectrum of the rows whose covariance is `covariance` against the law of their shape.
pub fn against_chance(covariance: &Covariance) -> SpectrumAgainstChance {
    let eigenvalues = covariance.variances();
    let d = eigenvalues.len();
    let variance = eigenvalues.iter().sum::<f64>() / d.max(1) as f64;
    let law = MarchenkoPastur::new(covariance.rows, d, variance);
    let possible = &eigenvalues[..d.min(covariance.rows.saturating_sub(1))];
    let total: f64 = eigenvalues.iter().sum();
    let above: Vec<f64> = eigenvalues
        .iter()
        .copied()
        .filter(|&l| l > law.upper)
        .collect();
    let smallest = possible.last().copied().unwrap_or(0.0);
    SpectrumAgainstChance {
        above: above.len(),
        below: possible.iter().filter(|&&l| l < law.lower).count(),
        share_above: if total > 0.0 {
            // + 0.0: an empty sum is −0.0, which would print as "-0.000"
            (above.iter().sum::<f64>() + 0.0) / total
        } else {
            0.0
        },
        top_over_upper: eigenvalues.first().copied().unwrap_or(0.0) / law.upper,
        bottom_over_lower: if law.lower > 0.0 {
            smallest / law.lower
        } else {
            f64::NAN
        },
        effective_rank: effective_rank(&covariance.singular_values()),
        law,
        eigenvalues,
    }
}

// ANCHOR: effective_rank
/// The effective rank of Roy & Vetterli (2007): exp of the entropy of the singular
/// values taken as a distribution, p_k = s_k / Σ s. It is d when all d are equal, 1
/// when one direction holds everything.
pub fn effective_rank(singular_values: &[f64]) -> f64 {
    let total: f64 = singular_values.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let entropy: f64 = singular_values
        .iter()
        .map(|s| s / total)
        .filter(|&p| p > 0.0)
        .map(|p| -p * p.ln())
        .sum();
    entropy.exp()
}
// ANCHOR_END: effective_rank

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;
    use crate::tensor::Matrix;

    #[test]
    fn effective_rank_by_hand() {
        assert!((effective_rank(&[2.0, 2.0, 2.0, 2.0]) - 4.0).abs() < 1e-12);
        assert!((effective_rank(&[5.0, 0.0, 0.0]) - 1.0).abs() < 1e-12);
        // p = (0.75, 0.25): exp(−0.75 ln 0.75 − 0.25 ln 0.25) = 1.7548
        assert!((effective_rank(&[3.0, 1.0]) - 1.7548).abs() < 1e-4);
    }

    #[test]
    fn the_law_integrates_to_one_and_has_its_edges() {
        let law = MarchenkoPastur::new(10_000, 100, 2.0);
        assert!((law.upper - 2.0 * 1.1f64.powi(2)).abs() < 1e-12);
        assert!((law.lower - 2.0 * 0.9f64.powi(2)).abs() < 1e-12);
        let steps = 200_000;
        let h = (law.upper - law.lower) / steps as f64;
        let area: f64 = (0..steps)
            .map(|i| law.density(law.lower + (i as f64 + 0.5) * h) * h)
            .sum();
        assert!((area - 1.0).abs() < 1e-3, "{area}");
    }

    #[test]
    fn a_gaussian_spectrum_stays_inside_the_bulk_and_a_planted_direction_leaves_it() {
        let mut rng = SeededRng::new(5);
        let null = Matrix::random_normal(8000, 40, 0.5, &mut rng).unwrap();
        let chance = against_chance(&Covariance::of(&null).unwrap());
        // Finite-size fluctuations at the edges are of order V^(-2/3): a few percent here.
        assert_eq!((chance.above, chance.below), (0, 0), "{chance:?}");
        assert!((chance.top_over_upper - 1.0).abs() < 0.05, "{chance:?}");
        assert!(chance.effective_rank > 0.95 * 40.0, "{chance:?}");
        // One direction with twenty times the spread: one eigenvalue above the bulk.
        let planted = Matrix::new(
            8000,
            40,
            null.data()
                .iter()
                .enumerate()
                .map(|(i, &x)| if i % 40 == 0 { 20.0 * x } else { x })
                .collect(),
        )
        .unwrap();
        let chance = against_chance(&Covariance::of(&planted).unwrap());
        assert_eq!(chance.above, 1, "{chance:?}");
        assert!(chance.share_above > 0.85, "{chance:?}");
    }
}
