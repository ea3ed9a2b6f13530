//! The algorithms the lessons teach, each over plain matrices and vectors.

pub mod dbscan;
pub mod neighbours;
pub mod rng;
pub mod rsa;
pub mod stats;
pub mod svd;
pub mod tsne;

pub use rng::SeededRng;
