//! The algorithms the lessons teach, each over plain matrices and vectors (their random
//! numbers come from [`crate::rng`]).

pub mod anisotropy;
pub mod cka;
pub mod communities;
pub mod csls;
pub mod dbscan;
pub mod mutual_knn;
pub mod neighbours;
pub mod permutation;
pub mod procrustes;
pub mod rsa;
pub mod shared_tokens;
pub mod stats;
pub mod svd;
pub mod token_map;
pub mod tsne;
pub mod vocabulary;
