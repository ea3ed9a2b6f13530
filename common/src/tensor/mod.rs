//! The embedding matrix and the tensor ops on it, written once for every burn backend.

pub mod backend;
pub mod matrix;
pub mod ops;
pub mod products;

pub use backend::Backend;
pub use matrix::{Matrix, squared_norm};
