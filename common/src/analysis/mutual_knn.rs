//! Do two spaces give a token the same neighbours? The overlap of its k nearest
//! neighbours in one space with its k nearest in the other, over the same tokens — the
//! mutual nearest-neighbour alignment of Huh, Cheung, Wang & Isola (2024), token by token.
//!
//! Unlike CKA or RSA, which summarise a whole geometry in one number, the overlap is
//! local and per token: it says which tokens the two models place among the same
//! company, and which they do not.

use anyhow::{Result, ensure};

/// For each token i, how many of its first `k` neighbours in `a` are among its first `k`
/// in `b` (0 to k); `a[i]` and `b[i]` list i's neighbours by index, nearest first.
pub fn neighbour_overlap(a: &[Vec<usize>], b: &[Vec<usize>], k: usize) -> Result<Vec<usize>> {
    ensure!(
        a.len() == b.len(),
        "the two spaces list neighbours of {} and {} tokens",
        a.len(),
        b.len()
    );
    ensure!(
        a.iter().chain(b).all(|list| list.len() >= k),
        "every token needs {k} neighbours in both spaces"
    );
    Ok(a.iter()
        .zip(b)
        .map(|(na, nb)| na[..k].iter().filter(|j| nb[..k].contains(j)).count())
        .collect())
}

/// The overlap two unrelated spaces give on average: each list is k of the other n − 1
/// tokens, so each of one's k is in the other's with probability k / (n − 1).
pub fn chance_overlap(tokens: usize, k: usize) -> f64 {
    (k * k) as f64 / tokens.saturating_sub(1).max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_by_hand() {
        let a = vec![
            vec![1, 2, 3],
            vec![0, 2, 4],
            vec![0, 1, 3],
            vec![4, 2, 1],
            vec![3, 0, 1],
        ];
        let b = vec![
            vec![2, 1, 4],
            vec![3, 4, 0],
            vec![4, 3, 0],
            vec![4, 2, 0],
            vec![2, 1, 3],
        ];
        assert_eq!(neighbour_overlap(&a, &b, 2).unwrap(), [2, 0, 0, 2, 0]);
        assert_eq!(neighbour_overlap(&a, &b, 3).unwrap(), [2, 2, 2, 2, 2]);
        assert!(neighbour_overlap(&a, &b, 4).is_err());
        assert!((chance_overlap(101, 10) - 1.0).abs() < 1e-12);
    }
}
