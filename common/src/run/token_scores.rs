//! The per-token scores a diagnosis (lesson 7) writes beside its report,
//! `token-scores.json`, for the vocabulary map (lesson 5's `--diagnosis DIR`) to colour
//! its tokens by. The file names the model the scores belong to — its name, shape and a
//! fingerprint of its embedding matrix — so that they are never shown on another model's
//! map.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::Model;
use crate::tensor::Matrix;

/// The file's name in a diagnosis's output folder.
pub const FILE: &str = "token-scores.json";

/// One value per vocabulary token (row of the embedding matrix).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenScores {
    pub model: String,
    pub rows: usize,
    pub cols: usize,
    /// [`fingerprint`] of the embedding matrix the scores were computed from.
    pub fingerprint: String,
    /// How the under-trained score was computed (the indicator, or the row norm when the
    /// vocabulary has no unreachable token), as the map's legend says it.
    pub under_trained_method: String,
    /// Higher: more likely under-trained.
    pub under_trained: Vec<f32>,
    /// The k of the neighbour graphs.
    pub k: usize,
    /// N_k: in how many other tokens' k nearest each token is, by Euclidean distance and
    /// by cosine.
    pub hubness_euclidean: Vec<u32>,
    pub hubness_cosine: Vec<u32>,
}

/// The sha256 of an embedding matrix's values (native-order f32 bytes), in hex: the same
/// matrix read again gives the same fingerprint, any other (another model, another
/// quantisation) another.
pub fn fingerprint(matrix: &Matrix) -> String {
    let digest = Sha256::digest(bytemuck::cast_slice::<f32, u8>(matrix.data()));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl TokenScores {
    /// Writes `dir/token-scores.json`.
    pub fn write(&self, dir: &Path) -> Result<PathBuf> {
        let path = dir.join(FILE);
        std::fs::write(&path, serde_json::to_vec(self)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    /// The scores in `dir` (a diagnosis's output folder, or the file itself), checked to be
    /// `model`'s: a one-line error naming the fix otherwise.
    pub fn read_for(dir: &Path, model: &Model) -> Result<Self> {
        let path = if dir.is_dir() {
            dir.join(FILE)
        } else {
            dir.to_path_buf()
        };
        let bytes = std::fs::read(&path).with_context(|| {
            format!(
                "cannot read {} (run lesson 7 on this model with --out {} first)",
                path.display(),
                dir.display()
            )
        })?;
        let scores: Self = serde_json::from_slice(&bytes).map_err(|e| {
            anyhow::anyhow!(
                "{} is not the token scores lesson 7 writes ({e}); run lesson 7 again to rewrite it",
                path.display()
            )
        })?;
        let (rows, cols) = (model.embeddings.rows(), model.embeddings.cols());
        let lengths = [
            scores.under_trained.len(),
            scores.hubness_euclidean.len(),
            scores.hubness_cosine.len(),
        ];
        if lengths.iter().any(|&n| n != scores.rows) {
            bail!(
                "{} is damaged: it lists {lengths:?} scores for {} tokens; run lesson 7 again to rewrite it",
                path.display(),
                scores.rows
            );
        }
        if (scores.rows, scores.cols) != (rows, cols)
            || scores.fingerprint != fingerprint(&model.embeddings)
        {
            bail!(
                "{} holds the scores of {} ({}×{}), not of {} ({rows}×{cols}): run lesson 7 on {} and name its output folder",
                path.display(),
                scores.model,
                scores.rows,
                scores.cols,
                model.files.name,
                model.files.name
            );
        }
        Ok(scores)
    }
}
