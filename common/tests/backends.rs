//! flex, ndarray and wgpu must give the same numbers for every op the lessons use.
//!
//! wgpu is compared when it is built in (`cargo test --features common/wgpu`, which
//! `.ci/run` runs). It needs an adapter: a GPU, or Mesa's software drivers (lavapipe or
//! llvmpipe) on a machine without one — `.ci/run` installs them. Set
//! `EMBEDDING_SKIP_WGPU=1` only on a machine that has neither; the test then says it
//! compared the CPU backends alone.

use common::analysis::neighbours;
use common::rng::SeededRng;
use common::tensor::backend::WGPU_BUILT;
use common::{Backend, Matrix, ops};

fn random_matrix(rows: usize, cols: usize, seed: u64) -> Matrix {
    Matrix::random_normal(rows, cols, 0.1, &mut SeededRng::new(seed)).unwrap()
}

fn backends() -> Vec<Backend> {
    if !WGPU_BUILT {
        eprintln!("built without the wgpu feature: comparing flex and ndarray only");
        vec![Backend::Flex, Backend::Ndarray]
    } else if std::env::var("EMBEDDING_SKIP_WGPU").is_ok_and(|v| v == "1") {
        eprintln!("EMBEDDING_SKIP_WGPU=1: comparing flex and ndarray only");
        vec![Backend::Flex, Backend::Ndarray]
    } else {
        Backend::ALL.to_vec()
    }
}

fn assert_close(name: &str, backend: Backend, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{name} on {backend:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{name} on {backend:?}, element {i}: {g} vs {w}"
        );
    }
}

#[test]
fn every_backend_gives_the_same_numbers() {
    // 3000 × 768 spans several rows blocks on no backend but exercises real sizes;
    // the reference is flex, itself checked against hand values in the unit tests.
    let m = random_matrix(3000, 768, 11);
    let flex = Backend::Flex.device().unwrap();
    let means = ops::row_means(&m, &flex).unwrap();
    let variances = ops::row_variances(&m, &flex).unwrap();
    for backend in backends() {
        let device = backend.device().unwrap_or_else(|e| panic!("{e:#}"));
        assert_close(
            "row means",
            backend,
            &ops::row_means(&m, &device).unwrap(),
            &means,
            1e-5,
        );
        assert_close(
            "row variances",
            backend,
            &ops::row_variances(&m, &device).unwrap(),
            &variances,
            1e-5,
        );
    }
}

#[test]
fn matmul_distances_equal_the_direct_formula() {
    let m = random_matrix(500, 64, 3);
    let query: Vec<f32> = m.row(17).iter().map(|v| v + 0.01).collect();
    let direct: Vec<f32> = (0..m.rows())
        .map(|i| {
            m.row(i)
                .iter()
                .zip(&query)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f32>()
                .sqrt()
        })
        .collect();
    for backend in backends() {
        let device = backend.device().unwrap_or_else(|e| panic!("{e:#}"));
        let got =
            neighbours::distances_to(&m, &query, neighbours::Metric::Euclidean, false, &device)
                .unwrap();
        for (i, (g, d)) in got.iter().zip(&direct).enumerate() {
            assert!((g - d).abs() < 1e-4, "{backend:?} row {i}: {g} vs {d}");
        }
    }
}

#[test]
fn normalised_euclidean_ranks_like_cosine() {
    // ‖x/‖x‖ − q/‖q‖‖² = 2 − 2 cos(x, q): a monotone function of the cosine distance.
    let m = random_matrix(800, 32, 5);
    let device = Backend::Flex.device().unwrap();
    let query = m.row(3).to_vec();
    let length = query.iter().map(|v| v * v).sum::<f32>().sqrt();
    let unit_query: Vec<f32> = query.iter().map(|v| v / length).collect();
    let unit = neighbours::distances_to(
        &m,
        &unit_query,
        neighbours::Metric::Euclidean,
        true,
        &device,
    )
    .unwrap();
    let cosine =
        neighbours::distances_to(&m, &query, neighbours::Metric::Cosine, false, &device).unwrap();
    let rank = |d: &[f32]| {
        neighbours::smallest(d, 50)
            .into_iter()
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    assert_eq!(rank(&unit), rank(&cosine));
    for (u, c) in unit.iter().zip(&cosine) {
        assert!((u * u - 2.0 * c).abs() < 1e-4, "{u}² vs 2·{c}");
    }
}

#[test]
fn knn_graph_matches_brute_force_on_every_backend() {
    // 2,100 rows: three blocks of the graph (the last partial), so the CPU path's products
    // of different blocks serve both blocks' rows.
    let m = random_matrix(2100, 24, 8);
    let all: Vec<usize> = (0..m.rows()).collect();
    let brute = brute_force(&m, &all, 5, neighbours::Metric::Euclidean);
    for backend in backends() {
        let device = backend.device().unwrap_or_else(|e| panic!("{e:#}"));
        let graph = neighbours::knn_graph(&m, 5, &device).unwrap();
        let ids: Vec<Vec<usize>> = graph
            .iter()
            .map(|row| row.iter().map(|&(j, _)| j).collect())
            .collect();
        assert_eq!(ids, brute, "{backend:?}");
    }
}

#[test]
fn neighbours_of_some_rows_among_all_match_brute_force_for_both_metrics() {
    // 300 scattered queries among 2,100 rows (three blocks of keys), by Euclidean distance
    // and by cosine (Euclidean distance between unit-length rows), both from one pass.
    let m = random_matrix(2100, 24, 9);
    let queries: Vec<usize> = (0..300).map(|i| (i * 7 + 3) % 2100).collect();
    let metrics = [neighbours::Metric::Euclidean, neighbours::Metric::Cosine];
    let unit = |row: &[f32]| -> Vec<f32> {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        row.iter().map(|v| v / norm).collect()
    };
    for backend in backends() {
        let device = backend.device().unwrap_or_else(|e| panic!("{e:#}"));
        let found = neighbours::knn_of_rows(&m, &queries, 6, &metrics, &device).unwrap();
        for (metric, found) in metrics.iter().zip(&found) {
            let brute = brute_force(&m, &queries, 6, *metric);
            let ids: Vec<Vec<usize>> = found
                .iter()
                .map(|row| row.iter().map(|&(j, _)| j).collect())
                .collect();
            assert_eq!(ids, brute, "{backend:?}, {metric:?}");
            // The squared distances are the exact ones (for unit rows, 2 − 2 cos).
            for (&q, row) in queries.iter().zip(found) {
                for &(j, d2) in row {
                    let exact = match metric {
                        neighbours::Metric::Euclidean => neighbours::exact_distance(
                            m.row(j),
                            m.row(q),
                            neighbours::Metric::Euclidean,
                            false,
                        ),
                        neighbours::Metric::Cosine => neighbours::exact_distance(
                            &unit(m.row(j)),
                            &unit(m.row(q)),
                            neighbours::Metric::Euclidean,
                            false,
                        ),
                    };
                    assert!((d2.sqrt() - exact).abs() < 1e-3 * exact.max(1.0));
                }
            }
        }
    }
}

#[test]
fn both_metrics_of_the_whole_graph_match_brute_force() {
    let m = random_matrix(2100, 24, 10);
    let all: Vec<usize> = (0..m.rows()).collect();
    let metrics = [neighbours::Metric::Euclidean, neighbours::Metric::Cosine];
    let device = common::Backend::Flex.device().unwrap();
    let graphs = neighbours::knn_graphs(&m, 5, &metrics, &device).unwrap();
    assert_eq!(graphs[0], neighbours::knn_graph(&m, 5, &device).unwrap());
    for (metric, graph) in metrics.iter().zip(&graphs) {
        let ids: Vec<Vec<usize>> = graph
            .iter()
            .map(|row| row.iter().map(|&(j, _)| j).collect())
            .collect();
        assert_eq!(ids, brute_force(&m, &all, 5, *metric), "{metric:?}");
    }
}

/// The `k` nearest rows of each of `queries` (itself excluded) by `metric`, from every
/// distance computed in f64.
fn brute_force(
    m: &Matrix,
    queries: &[usize],
    k: usize,
    metric: neighbours::Metric,
) -> Vec<Vec<usize>> {
    queries
        .iter()
        .map(|&i| {
            let d: Vec<f32> = (0..m.rows())
                .map(|j| {
                    if i == j {
                        f32::INFINITY
                    } else {
                        neighbours::exact_distance(m.row(j), m.row(i), metric, false)
                    }
                })
                .collect();
            neighbours::smallest(&d, k)
                .into_iter()
                .map(|(j, _)| j)
                .collect()
        })
        .collect()
}
