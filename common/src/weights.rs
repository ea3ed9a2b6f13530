//! Reading the token-embedding matrix out of safetensors checkpoints.
//!
//! Files are memory-mapped and only the embedding tensor's bytes are read: a 500 MB
//! checkpoint costs the 150 MB of its embedding matrix, not the whole model.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use half::{bf16, f16};
use memmap2::Mmap;
use safetensors::{Dtype, SafeTensors};

use crate::matrix::Matrix;

/// Where a checkpoint's tensors live.
#[derive(Clone, Debug)]
pub enum Checkpoint {
    /// One `model.safetensors`.
    Single(PathBuf),
    /// `model.safetensors.index.json`: each tensor name mapped to the shard file that holds
    /// it. Shards are fetched only when needed, so `local` holds those on disk.
    Sharded {
        index: PathBuf,
        weight_map: BTreeMap<String, String>,
        local: BTreeMap<String, PathBuf>,
    },
}

/// Name, dtype and shape of one tensor, from a safetensors header.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TensorInfo {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<usize>,
}

/// Tensor names that hold token embeddings, most specific first: GPT-2 (`wte`), BERT
/// (`word_embeddings`), LLaMA-style (`embed_tokens`), GPT-NeoX (`embed_in`), T5 (`shared`).
const EMBEDDING_SUFFIXES: [&str; 6] = [
    "wte.weight",
    "word_embeddings.weight",
    "embed_tokens.weight",
    "tok_embeddings.weight",
    "embed_in.weight",
    "shared.weight",
];

impl Checkpoint {
    /// Reads the shard index of a sharded checkpoint; no shard is on disk yet.
    pub fn sharded(index: PathBuf) -> Result<Self> {
        #[derive(serde::Deserialize)]
        struct Index {
            weight_map: BTreeMap<String, String>,
        }
        let text = std::fs::read_to_string(&index)
            .with_context(|| format!("cannot read {}", index.display()))?;
        let parsed: Index = serde_json::from_str(&text).map_err(|e| {
            anyhow!(
                "{} is not a safetensors index ({e}); delete it so it is fetched again",
                index.display()
            )
        })?;
        Ok(Checkpoint::Sharded {
            index,
            weight_map: parsed.weight_map,
            local: BTreeMap::new(),
        })
    }

    /// Every tensor name in the checkpoint (from the header or the index).
    pub fn tensor_names(&self) -> Result<Vec<String>> {
        match self {
            Checkpoint::Single(path) => {
                Ok(read_header(path)?.into_iter().map(|t| t.name).collect())
            }
            Checkpoint::Sharded { weight_map, .. } => Ok(weight_map.keys().cloned().collect()),
        }
    }

    /// Dtype and shape of every tensor in the files on disk, in name order.
    pub fn local_tensors(&self) -> Result<Vec<TensorInfo>> {
        let mut infos = Vec::new();
        match self {
            Checkpoint::Single(path) => infos = read_header(path)?,
            Checkpoint::Sharded { local, .. } => {
                for path in local.values() {
                    infos.extend(read_header(path)?);
                }
            }
        }
        infos.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(infos)
    }

    /// The shard file that holds `tensor`, for a sharded checkpoint.
    pub fn shard_of(&self, tensor: &str) -> Result<Option<&str>> {
        match self {
            Checkpoint::Single(_) => Ok(None),
            Checkpoint::Sharded {
                index, weight_map, ..
            } => weight_map
                .get(tensor)
                .map(|file| Some(file.as_str()))
                .ok_or_else(|| anyhow!("{} names no shard for {tensor}", index.display())),
        }
    }

    /// Reads `tensor` as an f32 matrix from whichever file holds it.
    pub fn read_matrix(&self, tensor: &str) -> Result<Matrix> {
        match self {
            Checkpoint::Single(path) => read_matrix(path, tensor),
            Checkpoint::Sharded { local, .. } => {
                let shard = self.shard_of(tensor)?.unwrap_or_default();
                let path = local
                    .get(shard)
                    .ok_or_else(|| anyhow!("shard {shard} (holding {tensor}) is not on disk"))?;
                read_matrix(path, tensor)
            }
        }
    }
}

/// Picks the token-embedding tensor among `names`.
pub fn find_embedding_name(names: &[String]) -> Result<String> {
    for suffix in EMBEDDING_SUFFIXES {
        let mut hits: Vec<&String> = names
            .iter()
            .filter(|n| n.as_str() == suffix || n.ends_with(&format!(".{suffix}")))
            .collect();
        hits.sort_by_key(|n| n.len());
        if let Some(first) = hits.first() {
            return Ok((*first).clone());
        }
    }
    let mut candidates: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| n.contains("emb"))
        .collect();
    if candidates.is_empty() {
        candidates = names.iter().take(10).map(String::as_str).collect();
    }
    bail!(
        "no token-embedding tensor (looked for names ending in {}); candidates: {}",
        EMBEDDING_SUFFIXES.join(", "),
        candidates.join(", ")
    )
}

fn map_file(path: &Path) -> Result<Mmap> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    // SAFETY: the map is read-only and lives only while we read it; a file truncated under
    // us by another process is the one hazard, and the cache never rewrites finished files.
    unsafe { Mmap::map(&file) }.with_context(|| format!("cannot memory-map {}", path.display()))
}

fn corrupt(path: &Path, error: impl std::fmt::Display) -> anyhow::Error {
    anyhow!(
        "{} is not a valid safetensors file ({error}); it may be a partial download: delete it and run again to re-fetch",
        path.display()
    )
}

/// Names, dtypes and shapes from a safetensors header, validated against the file size.
pub fn read_header(path: &Path) -> Result<Vec<TensorInfo>> {
    let map = map_file(path)?;
    let (_, metadata) = SafeTensors::read_metadata(&map).map_err(|e| corrupt(path, e))?;
    let mut infos: Vec<TensorInfo> = metadata
        .tensors()
        .into_iter()
        .map(|(name, info)| TensorInfo {
            name,
            dtype: format!("{:?}", info.dtype),
            shape: info.shape.clone(),
        })
        .collect();
    infos.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(infos)
}

/// Reads one 2-D tensor as f32, converting from f16, bf16 or f64.
pub fn read_matrix(path: &Path, name: &str) -> Result<Matrix> {
    let map = map_file(path)?;
    let tensors = SafeTensors::deserialize(&map).map_err(|e| corrupt(path, e))?;
    let view = tensors
        .tensor(name)
        .map_err(|_| anyhow!("{} has no tensor named {name}", path.display()))?;
    let [rows, cols] = *view.shape() else {
        bail!(
            "{name} in {} has shape {:?}; an embedding matrix is 2-D",
            path.display(),
            view.shape()
        );
    };
    let bytes = view.data();
    let data: Vec<f32> = match view.dtype() {
        Dtype::F32 => bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => bytes
            .chunks_exact(2)
            .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => bytes
            .chunks_exact(2)
            .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::F64 => bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32)
            .collect(),
        other => bail!(
            "{name} in {} has dtype {other:?}; expected F32, F16, BF16 or F64",
            path.display()
        ),
    };
    Matrix::new(rows, cols, data)
}

/// One tensor to write with [`write_safetensors`]: raw little-endian bytes.
pub struct SafetensorsEntry {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<usize>,
    pub bytes: Vec<u8>,
}

/// Writes a safetensors file: 8-byte header length, JSON header (padded with spaces to a
/// multiple of 8), then the tensors' bytes back to back.
pub fn write_safetensors(path: &Path, entries: &[SafetensorsEntry]) -> Result<()> {
    use std::io::Write;
    let mut header = serde_json::Map::new();
    let mut offset = 0usize;
    for entry in entries {
        header.insert(
            entry.name.clone(),
            serde_json::json!({
                "dtype": entry.dtype,
                "shape": entry.shape,
                "data_offsets": [offset, offset + entry.bytes.len()],
            }),
        );
        offset += entry.bytes.len();
    }
    let mut text = serde_json::to_string(&header)?;
    while text.len() % 8 != 0 {
        text.push(' ');
    }
    let mut file = std::io::BufWriter::new(
        File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    file.write_all(&(text.len() as u64).to_le_bytes())?;
    file.write_all(text.as_bytes())?;
    for entry in entries {
        file.write_all(&entry.bytes)?;
    }
    file.flush()?;
    Ok(())
}
