//! What the common crate's integration tests share.

use std::path::PathBuf;

/// This crate's folder, from the environment cargo runs the test in (not the compile-time
/// path, which a target folder shared by two clones would point at the other clone).
pub fn common_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}
