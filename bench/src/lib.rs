//! The benchmark's Rust side: the whole-vocabulary workloads (`workload`, in `main.rs`)
//! and the generated models of the largest vocabularies they and the lessons are measured
//! on ([`generate`]).

pub mod generate;
