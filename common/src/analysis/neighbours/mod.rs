//! Nearest neighbours in an embedding space: of one query (lesson 2's searches, in
//! [`search`]) and of every token at once (the whole-vocabulary graph behind t-SNE at scale
//! and `--graph`, in [`graph`]), and how a graph's edges spread ([`hubness`]).

mod cache;
mod graph;
mod hubness;
mod search;

pub use cache::{CACHED_FROM_ROWS, cache_dir, cached_knn_graphs, keep_knn_graphs};
pub use graph::{knn_graph, knn_graphs, knn_of_rows};
pub use hubness::{Hubness, hubness};
pub use search::{
    distances, distances_to, distances_to_all, exact_distance, nearest, smallest, top_k,
    unit_length_rows,
};

/// How the distance between two embedding vectors is measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Straight-line distance, ‖x − q‖.
    #[default]
    Euclidean,
    /// One minus the cosine of the angle: 0 for the same direction, 2 for opposite.
    Cosine,
}

/// A search: a query vector and how distances to it are measured.
#[derive(Clone, Debug)]
pub struct Query {
    pub vector: Vec<f32>,
    pub metric: Metric,
    /// Scale every row to unit length first.
    pub normalise: bool,
}

/// `(row index, distance)` pairs, nearest first.
pub type Neighbours = Vec<(usize, f32)>;
