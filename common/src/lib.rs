//! The shared layer of the embedding lessons, by layer:
//!
//! - [`tensor`]: the embedding matrix and the ops on it, on burn's backends.
//! - [`model`]: models from the Hugging Face cache or Hub (or offline stand-ins): their
//!   files, tokenizers and token-embedding matrices.
//! - [`analysis`]: the algorithms the lessons teach — nearest neighbours, statistics, RSA,
//!   SVD, t-SNE, DBSCAN.
//! - [`plot`]: figures as data, drawn to SVG and PNG.
//! - [`run`]: one run of a lesson — its command line, session, report and output.
//!
//! Each layer uses only those above it. Leaf modules every layer may use: [`format`]
//! (numbers and Python-style reprs as the notebooks print them), [`text`] (user text made
//! safe for file names, the terminal, figures and Markdown), [`rng`] (the seeded random
//! numbers), [`pair`].
//!
//! What lessons use most is re-exported here, so a lesson's imports stay short.

pub mod analysis;
pub mod format;
pub mod model;
pub mod pair;
pub mod plot;
pub mod rng;
pub mod run;
pub mod tensor;
pub mod text;

pub use burn::tensor::Device;
pub use model::{Model, ModelRequest};
pub use pair::Pair;
pub use run::{LessonArgs, Report, Session, finish};
pub use tensor::{Backend, Matrix, ops};
