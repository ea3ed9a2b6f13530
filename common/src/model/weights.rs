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

use super::gguf::Gguf;
use super::gguf::quants::type_name;
use super::hub::validate_file_name;
use crate::tensor::matrix::Matrix;

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
    /// A llama.cpp GGUF file (see [`super::gguf`]).
    Gguf(Gguf),
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
        let bytes =
            std::fs::read(&index).with_context(|| format!("cannot read {}", index.display()))?;
        let weight_map =
            parse_shard_index(&bytes).with_context(|| format!("{} is refused", index.display()))?;
        Ok(Checkpoint::Sharded {
            index,
            weight_map,
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
            Checkpoint::Gguf(gguf) => {
                Ok(gguf.header.tensors.iter().map(|t| t.name.clone()).collect())
            }
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
            Checkpoint::Gguf(gguf) => {
                infos = gguf
                    .header
                    .tensors
                    .iter()
                    .map(|t| TensorInfo {
                        name: t.name.clone(),
                        dtype: type_name(t.type_id),
                        // Slowest-varying first, as safetensors and PyTorch list shapes.
                        shape: t.dims.iter().rev().map(|&d| d as usize).collect(),
                    })
                    .collect()
            }
        }
        infos.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(infos)
    }

    /// The shard file that holds `tensor`, for a sharded checkpoint.
    pub fn shard_of(&self, tensor: &str) -> Result<Option<&str>> {
        match self {
            Checkpoint::Single(_) | Checkpoint::Gguf(_) => Ok(None),
            Checkpoint::Sharded {
                index, weight_map, ..
            } => weight_map
                .get(tensor)
                .map(|file| Some(file.as_str()))
                .ok_or_else(|| anyhow!("{} names no shard for {tensor}", index.display())),
        }
    }

    /// The file on disk that holds `tensor`.
    pub fn file_of(&self, tensor: &str) -> Result<PathBuf> {
        match self {
            Checkpoint::Single(path) => Ok(path.clone()),
            Checkpoint::Gguf(gguf) => Ok(gguf.path.clone()),
            Checkpoint::Sharded { local, .. } => {
                let shard = self.shard_of(tensor)?.unwrap_or_default();
                local
                    .get(shard)
                    .cloned()
                    .ok_or_else(|| anyhow!("shard {shard} (holding {tensor}) is not on disk"))
            }
        }
    }

    /// `[rows, cols]` of `tensor` as its file's header gives them, without reading it.
    pub fn matrix_shape(&self, tensor: &str) -> Result<[usize; 2]> {
        let shape = match self {
            Checkpoint::Gguf(gguf) => gguf
                .header
                .tensor(tensor)
                .map(|t| t.dims.iter().rev().map(|&d| d as usize).collect::<Vec<_>>()),
            _ => read_header(&self.file_of(tensor)?)?
                .into_iter()
                .find(|t| t.name == tensor)
                .map(|t| t.shape),
        };
        match shape.as_deref() {
            Some(&[rows, cols]) => Ok([rows, cols]),
            Some(other) => bail!("{tensor} has shape {other:?}; an embedding matrix is 2-D"),
            None => bail!("the checkpoint has no tensor {tensor}"),
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
            Checkpoint::Gguf(gguf) => gguf.embeddings(),
        }
    }
}

/// The `weight_map` of a `model.safetensors.index.json`'s bytes: each tensor name mapped
/// to the shard file holding it. Every shard name is checked to be a plain file name
/// inside the model folder ([`validate_file_name`]) here, before any shard is opened or
/// requested: an index naming `../../etc/passwd` or `/etc/passwd` is refused whole.
pub fn parse_shard_index(bytes: &[u8]) -> Result<BTreeMap<String, String>> {
    #[derive(serde::Deserialize)]
    struct Index {
        weight_map: BTreeMap<String, String>,
    }
    let parsed: Index = serde_json::from_slice(bytes).map_err(|e| {
        anyhow!("it is not a safetensors index ({e}); delete it so it is fetched again")
    })?;
    for shard in parsed.weight_map.values() {
        validate_file_name(shard)?;
    }
    Ok(parsed.weight_map)
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

/// Reads one 2-D tensor as f32.
///
/// An f32 tensor (what GPT-2 and BERT checkpoints hold) is not copied: the matrix is a
/// view of the file's memory map, so its pages are shared with the page cache and read
/// in only when used. f16, bf16 and f64 are converted, and each converted piece of the file
/// is handed back to the kernel at once, so the process never holds the tensor twice.
pub fn read_matrix(path: &Path, name: &str) -> Result<Matrix> {
    let map = map_file(path)?;
    let failure = |e| match e {
        DecodeError::Corrupt(e) => corrupt(path, e),
        DecodeError::Unusable(why) => anyhow!("{} {why}", path.display()),
    };
    let span = find_matrix(&map, name).map_err(failure)?;
    // The map starts on a page boundary, so a file offset's alignment is the address's.
    if span.dtype == Dtype::F32 && cfg!(target_endian = "little") && span.bytes.start % 4 == 0 {
        let values = bytes::Bytes::from_owner(map).slice(span.bytes);
        return Matrix::from_f32_bytes(span.rows, span.cols, values);
    }
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
    convert_matrix(&map, &span, release).map_err(failure)
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

/// Tensor `name` of a whole safetensors file's bytes as an f32 matrix (a copy).
pub fn decode_matrix(bytes: &[u8], name: &str) -> Result<Matrix, DecodeError> {
    convert_matrix(bytes, &find_matrix(bytes, name)?, |_| {})
}

/// Where a 2-D float tensor lies in a safetensors file.
struct MatrixSpan {
    rows: usize,
    cols: usize,
    dtype: Dtype,
    /// Its bytes' offsets in the file.
    bytes: std::ops::Range<usize>,
}

/// Validates the file's header and finds tensor `name`, which must be a 2-D float tensor.
fn find_matrix(bytes: &[u8], name: &str) -> Result<MatrixSpan, DecodeError> {
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
    if !matches!(
        view.dtype(),
        Dtype::F32 | Dtype::F16 | Dtype::BF16 | Dtype::F64
    ) {
        return Err(DecodeError::Unusable(format!(
            "has {name} of dtype {:?}; expected F32, F16, BF16 or F64",
            view.dtype()
        )));
    }
    let start = view.data().as_ptr() as usize - bytes.as_ptr() as usize;
    Ok(MatrixSpan {
        rows,
        cols,
        dtype: view.dtype(),
        bytes: start..start + view.data().len(),
    })
}

/// Source bytes converted per step of [`convert_matrix`].
const CONVERT_CHUNK: usize = 4 << 20;

/// The tensor at `span` converted to f32, calling `converted` with each chunk of its
/// bytes once its values are copied out.
fn convert_matrix(
    bytes: &[u8],
    span: &MatrixSpan,
    converted: impl Fn(&[u8]),
) -> Result<Matrix, DecodeError> {
    let source = &bytes[span.bytes.clone()];
    let data = match span.dtype {
        Dtype::F32 => convert(source, converted, |b: &[u8; 4]| f32::from_le_bytes(*b)),
        Dtype::F16 => convert(source, converted, |b: &[u8; 2]| {
            f16::from_le_bytes(*b).to_f32()
        }),
        Dtype::BF16 => convert(source, converted, |b: &[u8; 2]| {
            bf16::from_le_bytes(*b).to_f32()
        }),
        _ => convert(source, converted, |b: &[u8; 8]| {
            f64::from_le_bytes(*b) as f32
        }),
    };
    Matrix::new(span.rows, span.cols, data).map_err(|e| DecodeError::Unusable(e.to_string()))
}

/// Values of `W` little-endian bytes each, decoded by `value`: generic over both, so each
/// dtype gets its own inlined loop.
fn convert<const W: usize>(
    source: &[u8],
    converted: impl Fn(&[u8]),
    value: impl Fn(&[u8; W]) -> f32,
) -> Vec<f32> {
    let mut data = Vec::with_capacity(source.len() / W);
    for chunk in source.chunks(CONVERT_CHUNK - CONVERT_CHUNK % W) {
        let (values, _) = chunk.as_chunks::<W>();
        data.extend(values.iter().map(&value));
        converted(chunk);
    }
    data
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
