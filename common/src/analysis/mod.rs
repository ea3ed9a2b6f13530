//! The algorithms the lessons teach, each over plain matrices and vectors (their random
//! numbers come from [`crate::rng`]).

pub mod anisotropy;
pub mod cka;
pub mod communities;
pub mod covariance;
pub mod csls;
pub mod dbscan;
pub mod isotropy;
pub mod k_occurrence;
pub mod mutual_knn;
pub mod neighbours;
pub mod norm_frequency;
pub mod nulls;
pub mod permutation;
pub mod procrustes;
pub mod reachability;
pub mod rogue_dimensions;
pub mod rsa;
pub mod shared_tokens;
pub mod spectrum;
pub mod stats;
pub mod svd;
pub mod token_map;
pub mod tsne;
pub mod twonn;
pub mod under_trained;
pub mod vocabulary;
