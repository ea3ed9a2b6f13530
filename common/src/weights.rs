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
    parse_header(&map_file(path)?).map_err(|e| corrupt(path, e))
}

/// Reads one 2-D tensor as f32, converting from f16, bf16 or f64.
///
/// The file's pages are handed back to the kernel as soon as they are converted, so the
/// process never holds the tensor twice (its bytes in the page cache mapping and its f32
/// copy): peak memory stays near one copy of the matrix.
pub fn read_matrix(path: &Path, name: &str) -> Result<Matrix> {
    let map = map_file(path)?;
    let base = map.as_ptr() as usize;
    let release = |converted: &[u8]| {
        // SAFETY: the map is a read-only file mapping; dropping its pages only means that a
        // later read faults them in again from the file, with the same bytes.
        let _ = unsafe {
            map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                converted.as_ptr() as usize - base,
                converted.len(),
            )
        };
    };
    decode_matrix_with(&map, name, release).map_err(|e| match e {
        DecodeError::Corrupt(e) => corrupt(path, e),
        DecodeError::Unusable(why) => anyhow!("{} {why}", path.display()),
    })
}

/// Why a safetensors file's bytes could not give an embedding matrix.
#[derive(Debug)]
pub enum DecodeError {
    /// The bytes are not a valid safetensors file (bad header, offsets or length).
    Corrupt(safetensors::SafeTensorError),
    /// A valid file, but the tensor is missing, not 2-D or of a dtype that is not a float.
    Unusable(String),
}

/// Names, dtypes and shapes of a whole safetensors file's bytes, validated: header length,
/// JSON, dtypes, offsets that tile the data exactly, shapes matching byte counts.
pub fn parse_header(bytes: &[u8]) -> Result<Vec<TensorInfo>, safetensors::SafeTensorError> {
    let (_, metadata) = SafeTensors::read_metadata(bytes)?;
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

/// Tensor `name` of a whole safetensors file's bytes as an f32 matrix.
pub fn decode_matrix(bytes: &[u8], name: &str) -> Result<Matrix, DecodeError> {
    decode_matrix_with(bytes, name, |_| {})
}

/// Source bytes converted per step of [`decode_matrix_with`].
const CONVERT_CHUNK: usize = 4 << 20;

/// [`decode_matrix`], calling `converted` with each chunk of the tensor's bytes once its
/// values are copied out.
fn decode_matrix_with(
    bytes: &[u8],
    name: &str,
    converted: impl Fn(&[u8]),
) -> Result<Matrix, DecodeError> {
    let tensors = SafeTensors::deserialize(bytes).map_err(DecodeError::Corrupt)?;
    let view = tensors
        .tensor(name)
        .map_err(|_| DecodeError::Unusable(format!("has no tensor named {name}")))?;
    let [rows, cols] = *view.shape() else {
        return Err(DecodeError::Unusable(format!(
            "has {name} of shape {:?}; an embedding matrix is 2-D",
            view.shape()
        )));
    };
    let convert: fn(&[u8]) -> f32 = match view.dtype() {
        Dtype::F32 => |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        Dtype::F16 => |b| f16::from_le_bytes([b[0], b[1]]).to_f32(),
        Dtype::BF16 => |b| bf16::from_le_bytes([b[0], b[1]]).to_f32(),
        Dtype::F64 => {
            |b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
        }
        other => {
            return Err(DecodeError::Unusable(format!(
                "has {name} of dtype {other:?}; expected F32, F16, BF16 or F64"
            )));
        }
    };
    let width = view.dtype().bitsize() / 8;
    let bytes = view.data();
    let mut data = Vec::with_capacity(bytes.len() / width);
    for chunk in bytes.chunks(CONVERT_CHUNK - CONVERT_CHUNK % width) {
        data.extend(chunk.chunks_exact(width).map(convert));
        converted(chunk);
    }
    Matrix::new(rows, cols, data).map_err(|e| DecodeError::Unusable(e.to_string()))
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
