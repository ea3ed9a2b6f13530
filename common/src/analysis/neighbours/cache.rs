//! Whole-vocabulary neighbour graphs kept on disk: the exact graph of a large vocabulary
//! is the one long computation of the course (about 3·10¹⁴ flops, half an hour on two
//! cores, for 256,000 tokens of 2,304 dimensions), and lesson 2's `--graph`, lesson 5's
//! t-SNE and its map all ask for it. The first of them computes it, under both metrics
//! in one pass, and keeps it; the others, and later runs, read it back.
//!
//! A graph is filed under a fingerprint of the matrix's values (not its file's name), so a
//! changed matrix never meets an old graph. A file that does not read back whole, or
//! whose checksum differs, is computed again; a cache that cannot be written is skipped.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use burn::tensor::Device;
use rayon::prelude::*;

use super::graph::knn_graphs;
use super::{Metric, Neighbours};
use crate::tensor::Matrix;

/// Graphs of matrices with at least this many rows are kept (smaller ones take seconds).
pub const CACHED_FROM_ROWS: usize = 1 << 16;

const MAGIC: &[u8; 8] = b"EMBKNN1\n";
const HEADER_BYTES: usize = 8 + 5 * 8;

/// [`knn_graphs`], read from the cache when a graph of this matrix with at least `k`
/// neighbours per row is there, else computed (under both metrics, whichever were asked)
/// and kept, for matrices of [`CACHED_FROM_ROWS`] rows or more.
pub fn cached_knn_graphs(
    matrix: &Matrix,
    k: usize,
    metrics: &[Metric],
    device: &Device,
) -> Result<Vec<Vec<Neighbours>>> {
    match cache_dir() {
        Some(dir) if matrix.rows() >= CACHED_FROM_ROWS => {
            cached_in(&dir, matrix, k, metrics, device)
        }
        _ => knn_graphs(matrix, k, metrics, device),
    }
}

/// Where graphs are kept: `$EMBEDDING_CACHE_DIR/graphs`, else the user's cache folder
/// (`$XDG_CACHE_HOME` or `~/.cache`) under `embedding-lessons/graphs`.
pub fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let root = var("EMBEDDING_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("embedding-lessons")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("embedding-lessons")))?;
    Some(root.join("graphs"))
}

/// [`cached_knn_graphs`] with the cache in `dir`, whatever the matrix's size.
pub(super) fn cached_in(
    dir: &Path,
    matrix: &Matrix,
    k: usize,
    metrics: &[Metric],
    device: &Device,
) -> Result<Vec<Vec<Neighbours>>> {
    let fingerprint = fingerprint(matrix);
    let file = |metric: Metric| dir.join(file_name(matrix, fingerprint, metric));
    let kept: Option<Vec<Vec<Neighbours>>> = metrics
        .iter()
        .map(|&m| read(&file(m), matrix.rows(), fingerprint, k))
        .collect();
    if let Some(graphs) = kept {
        return Ok(graphs);
    }
    let both = [Metric::Euclidean, Metric::Cosine];
    let graphs = knn_graphs(matrix, k, &both, device)?;
    keep_in(dir, matrix, fingerprint, &both, &graphs);
    Ok(metrics
        .iter()
        .map(|m| graphs[both.iter().position(|b| b == m).unwrap_or(0)].clone())
        .collect())
}

/// Keeps `graphs` (one per metric of `metrics`, as [`knn_graphs`] computed them for
/// `matrix`) in the cache, for every later stage and run to read back.
pub fn keep_knn_graphs(matrix: &Matrix, metrics: &[Metric], graphs: &[Vec<Neighbours>]) {
    if let Some(dir) = cache_dir() {
        keep_in(&dir, matrix, fingerprint(matrix), metrics, graphs);
    }
}

fn keep_in(
    dir: &Path,
    matrix: &Matrix,
    fingerprint: u64,
    metrics: &[Metric],
    graphs: &[Vec<Neighbours>],
) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    for (metric, graph) in metrics.iter().zip(graphs) {
        let path = dir.join(file_name(matrix, fingerprint, *metric));
        // A cache that cannot be written costs the next run its time, nothing else.
        let _ = write(&path, fingerprint, graph);
    }
}

/// The file a graph of `matrix` under `metric` is kept in.
fn file_name(matrix: &Matrix, fingerprint: u64, metric: Metric) -> String {
    format!(
        "{fingerprint:016x}-{}x{}-{}.knn",
        matrix.rows(),
        matrix.cols(),
        metric_name(metric)
    )
}

fn metric_name(metric: Metric) -> &'static str {
    match metric {
        Metric::Euclidean => "euclidean",
        Metric::Cosine => "cosine",
    }
}

/// A 64-bit fingerprint of the matrix's shape and values (FNV-1a over their bits, each
/// block of rows hashed on its own core, the blocks' hashes hashed in order).
fn fingerprint(matrix: &Matrix) -> u64 {
    const BLOCK: usize = 4096;
    let cols = matrix.cols().max(1);
    let blocks: Vec<u64> = matrix
        .data()
        .par_chunks(BLOCK * cols)
        .map(|block| fnv(block.iter().map(|v| v.to_bits() as u64)))
        .collect();
    fnv([matrix.rows() as u64, matrix.cols() as u64]
        .into_iter()
        .chain(blocks))
}

fn fnv(words: impl IntoIterator<Item = u64>) -> u64 {
    words.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, w| {
        (h ^ w).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The graph in `path` cut to `k` neighbours per row, if it is whole, of this matrix
/// (`rows`, `fingerprint`) and has at least `k`.
fn read(path: &Path, rows: usize, fingerprint: u64, k: usize) -> Option<Vec<Neighbours>> {
    let bytes = std::fs::read(path).ok()?;
    let (header, body) = bytes.split_at_checked(HEADER_BYTES)?;
    let word =
        |i: usize| u64::from_le_bytes(header[8 + 8 * i..16 + 8 * i].try_into().unwrap_or([0; 8]));
    let stored = word(2) as usize;
    let valid = &header[..8] == MAGIC
        && word(0) == fingerprint
        && word(1) == rows as u64
        && stored >= k
        && body.len() as u64 == (rows as u64).checked_mul(stored as u64)?.checked_mul(8)?
        && word(3)
            == fnv(body
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))));
    if !valid {
        return None;
    }
    let graph = body
        .chunks_exact(8 * stored)
        .map(|row| {
            row.chunks_exact(8)
                .take(k)
                .map(|pair| {
                    let id = u32::from_le_bytes(pair[..4].try_into().unwrap_or([0; 4])) as usize;
                    let d2 = f32::from_le_bytes(pair[4..].try_into().unwrap_or([0; 4]));
                    (id, d2)
                })
                .collect()
        })
        .collect::<Vec<Neighbours>>();
    graph
        .iter()
        .flatten()
        .all(|&(id, _)| id < rows)
        .then_some(graph)
}

/// Writes `graph` (every row `k` long, ids below 2³²) to `path` through a temporary file,
/// so a reader never sees half of it.
fn write(path: &Path, fingerprint: u64, graph: &[Neighbours]) -> std::io::Result<()> {
    let k = graph.first().map_or(0, Vec::len);
    let mut body = Vec::with_capacity(graph.len() * k * 8);
    for &(id, d2) in graph.iter().flatten() {
        let id = u32::try_from(id).map_err(|_| std::io::Error::other("row index past u32"))?;
        body.extend_from_slice(&id.to_le_bytes());
        body.extend_from_slice(&d2.to_le_bytes());
    }
    let checksum = fnv(body
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))));
    let temporary = path.with_extension(format!("part{}", std::process::id()));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(MAGIC)?;
    for word in [fingerprint, graph.len() as u64, k as u64, checksum, 0] {
        file.write_all(&word.to_le_bytes())?;
    }
    file.write_all(&body)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    #[test]
    fn a_kept_graph_reads_back_as_computed_and_a_damaged_one_is_computed_again() {
        let dir = tempfile::tempdir().unwrap();
        let device = crate::Backend::Flex.device().unwrap();
        let m = Matrix::random_normal(300, 8, 1.0, &mut SeededRng::new(1)).unwrap();
        let computed = knn_graphs(&m, 6, &[Metric::Euclidean, Metric::Cosine], &device).unwrap();
        // The first call computes and keeps both metrics; asked for fewer neighbours, the
        // second reads them back: the first 4 of each list, the same to the bit.
        let first = cached_in(dir.path(), &m, 6, &[Metric::Cosine], &device).unwrap();
        assert_eq!(first[0], computed[1]);
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 2);
        let fewer = cached_in(dir.path(), &m, 4, &[Metric::Euclidean], &device).unwrap();
        let cut: Vec<Neighbours> = computed[0].iter().map(|r| r[..4].to_vec()).collect();
        assert_eq!(fewer[0], cut);
        // A flipped byte fails the checksum; more neighbours than kept are computed.
        let fingerprint = fingerprint(&m);
        let path = dir
            .path()
            .join(format!("{fingerprint:016x}-300x8-euclidean.knn"));
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[HEADER_BYTES + 5] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(read(&path, 300, fingerprint, 6).is_none());
        assert_eq!(
            cached_in(dir.path(), &m, 6, &[Metric::Euclidean], &device).unwrap()[0],
            computed[0]
        );
        assert!(read(&path, 300, fingerprint, 7).is_none());
        // Another matrix of the same shape has another fingerprint.
        let other = Matrix::random_normal(300, 8, 1.0, &mut SeededRng::new(2)).unwrap();
        assert_ne!(fingerprint, super::fingerprint(&other));
    }
}
