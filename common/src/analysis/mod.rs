//! The algorithms the lessons teach, each over plain matrices and vectors (their random
//! numbers come from [`crate::rng`]).

pub mod anisotropy;
pub mod communities;
pub mod dbscan;
pub mod neighbours;
pub mod rsa;
pub mod stats;
pub mod svd;
pub mod token_map;
pub mod tsne;
pub mod vocabulary;
