//! The shared layer of the embedding lessons: models from the Hugging Face cache or Hub
//! (or offline stand-ins), their tokenizers and embedding matrices, tensor ops on burn's
//! backends, numpy-compatible statistics, figures and reports.

pub mod backend;
pub mod cli;
pub mod dbscan;
pub mod hub;
pub mod linalg;
pub mod matrix;
pub mod model;
pub mod nbody;
pub mod ops;
pub mod plot;
pub mod report;
pub mod rng;
pub mod rsa;
pub mod session;
pub mod standins;
pub mod stats;
pub mod summary;
pub mod tokenizer;
pub mod tsne;
pub mod weights;
pub mod words;

pub use backend::Backend;
pub use burn::tensor::Device;
pub use matrix::Matrix;
pub use model::{Model, ModelRequest};
