//! The SVD behind lesson 4, checked against numpy and against its own definition.

use common::analysis::svd::svd;
use common::rng::SeededRng;
use common::{Backend, Matrix, ops};

/// a_ij = sin(0.7 i + 1.3 j) + 0.1 ((i j) mod 7), 6×10, as f32.
fn formula_matrix() -> Matrix {
    let data = (0..6)
        .flat_map(|i| {
            (0..10).map(move |j| {
                ((0.7 * i as f64 + 1.3 * j as f64).sin() + 0.1 * ((i * j) % 7) as f64) as f32
            })
        })
        .collect();
    Matrix::new(6, 10, data).unwrap()
}

fn centred_random(rows: usize, cols: usize, seed: u64) -> Matrix {
    let mut rng = SeededRng::new(seed);
    let mut data: Vec<f32> = (0..rows * cols)
        .map(|_| (0.05 * rng.normal()) as f32)
        .collect();
    for c in 0..cols {
        let mean = (0..rows).map(|r| data[r * cols + c]).sum::<f32>() / rows as f32;
        (0..rows).for_each(|r| data[r * cols + c] -= mean);
    }
    Matrix::new(rows, cols, data).unwrap()
}

#[test]
fn singular_values_match_numpy() {
    // np.linalg.svd(A, compute_uv=False) for the same f32 matrix (numpy 2.1.3, LAPACK gesdd)
    let numpy = [
        4.468_159, 3.881_124, 1.0035441, 0.6953269, 0.2840573, 0.1340897,
    ];
    let got = svd(&formula_matrix()).unwrap().s;
    for (g, n) in got.iter().zip(numpy) {
        assert!(((g - n) / n).abs() < 1e-4, "{g} vs numpy {n}");
    }
}

#[test]
fn the_decomposition_reconstructs_its_input() {
    let a = centred_random(26, 96, 1);
    let d = svd(&a).unwrap();
    for i in 0..a.rows() {
        for j in 0..a.cols() {
            let value: f32 = (0..d.s.len())
                .map(|k| d.u.row(i)[k] * d.s[k] * d.vt.row(k)[j])
                .sum();
            assert!(
                (value - a.row(i)[j]).abs() < 1e-4,
                "({i}, {j}): {value} vs {}",
                a.row(i)[j]
            );
        }
    }
}

#[test]
fn singular_values_are_sorted_and_non_negative() {
    let d = svd(&centred_random(26, 96, 2)).unwrap();
    assert!(d.s.iter().all(|&s| s >= 0.0));
    assert!(d.s.windows(2).all(|w| w[0] >= w[1]));
    // 26 mean-centred rows span at most 25 dimensions: the last value is ~0.
    assert!(d.s[25] < 1e-5 * d.s[0]);
}

#[test]
fn each_right_singular_vector_has_its_largest_entry_positive() {
    let d = svd(&centred_random(26, 96, 3)).unwrap();
    for k in 0..d.s.len() {
        let row = d.vt.row(k);
        let largest = row
            .iter()
            .copied()
            .fold(0.0f32, |m, v| if v.abs() > m.abs() { v } else { m });
        assert!(largest > 0.0, "Vt[{k}]");
    }
}

#[test]
fn projection_onto_the_top_vector_is_the_first_scaled_left_vector() {
    let a = centred_random(26, 96, 4);
    let d = svd(&a).unwrap();
    let device = Backend::Flex.device().unwrap();
    let projection = ops::project(&a, d.vt.row(0), &vec![0.0; a.cols()], &device).unwrap();
    for (i, got) in projection.iter().enumerate() {
        let expected = d.u.row(i)[0] * d.s[0];
        assert!(
            (got - expected).abs() < 1e-4,
            "row {i}: {got} vs {expected}"
        );
    }
}

#[test]
fn the_thin_decomposition_gives_the_same_top_vectors() {
    let a = centred_random(40, 12, 6);
    let full = svd(&a).unwrap();
    let top = common::analysis::svd::top_right_singular_vectors(&a, None, 3).unwrap();
    for k in 0..3 {
        for (x, y) in top.row(k).iter().zip(full.vt.row(k)) {
            assert!((x - y).abs() < 1e-5, "vector {k}: {x} vs {y}");
        }
    }
}
