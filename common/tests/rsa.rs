//! Properties RSA must have, checked on random spaces.

use common::analysis::rsa::{cosine_similarity_matrix, permutation_test, rsa};
use common::rng::SeededRng;
use common::{Backend, Matrix};

fn random(rows: usize, cols: usize, seed: u64) -> Matrix {
    Matrix::random_normal(rows, cols, 1.0, &mut SeededRng::new(seed)).unwrap()
}

/// A random orthogonal matrix: Gram–Schmidt on Gaussian columns.
fn random_rotation(n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = SeededRng::new(seed);
    let mut basis: Vec<Vec<f64>> = Vec::new();
    while basis.len() < n {
        let mut v: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        for b in &basis {
            let dot: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
            v.iter_mut().zip(b).for_each(|(x, y)| *x -= dot * y);
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        basis.push(v.into_iter().map(|x| x / norm).collect());
    }
    basis
}

fn rotate(m: &Matrix, q: &[Vec<f64>]) -> Matrix {
    let mut out = Vec::with_capacity(m.rows() * m.cols());
    for r in 0..m.rows() {
        let row = m.row(r);
        out.extend((0..m.cols()).map(|c| {
            row.iter()
                .zip(&q[c])
                .map(|(x, y)| *x as f64 * y)
                .sum::<f64>() as f32
        }));
    }
    Matrix::new(m.rows(), m.cols(), out).unwrap()
}

#[test]
fn cosine_matrix_is_symmetric_with_unit_diagonal() {
    let device = Backend::Flex.device().unwrap();
    let s = cosine_similarity_matrix(&random(18, 64, 1), &device).unwrap();
    for i in 0..18 {
        assert!((s.row(i)[i] - 1.0).abs() < 1e-5);
        for j in 0..18 {
            assert!((s.row(i)[j] - s.row(j)[i]).abs() < 1e-6);
        }
    }
}

#[test]
fn rsa_of_a_space_with_itself_is_one_and_survives_rotation() {
    let device = Backend::Flex.device().unwrap();
    let space = random(18, 32, 2);
    let rotated = rotate(&space, &random_rotation(32, 3));
    let a = cosine_similarity_matrix(&space, &device).unwrap();
    let b = cosine_similarity_matrix(&rotated, &device).unwrap();
    assert!((rsa(&a, &a).unwrap().pearson - 1.0).abs() < 1e-9);
    let score = rsa(&a, &b).unwrap();
    assert!(
        (score.pearson - 1.0).abs() < 1e-5,
        "rotation changed RSA: {}",
        score.pearson
    );
    assert!((score.spearman - 1.0).abs() < 1e-3, "{}", score.spearman);
    // …while the coordinates themselves no longer correlate.
    let flat = |m: &Matrix| m.data().to_vec();
    assert!(common::analysis::stats::pearson(&flat(&space), &flat(&rotated)).abs() < 0.3);
}

#[test]
fn permutation_p_values_repeat_for_a_seed_and_detect_structure() {
    let device = Backend::Flex.device().unwrap();
    let a = cosine_similarity_matrix(&random(18, 32, 4), &device).unwrap();
    let unrelated = cosine_similarity_matrix(&random(18, 32, 5), &device).unwrap();
    let p = |a: &Matrix, b: &Matrix| {
        permutation_test(a, b, rsa(a, b).unwrap(), 300, 9, |_| {})
            .p_value
            .unwrap()
    };
    let first = p(&a, &unrelated);
    assert_eq!(first, p(&a, &unrelated));
    // the same structure is as extreme as it gets: p = 1/(N+1)
    assert_eq!(p(&a, &a), 1.0 / 301.0);
}
