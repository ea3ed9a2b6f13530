//! GGUF, llama.cpp's single-file model format (also what Ollama stores), as a source of
//! token embeddings: the header, the metadata (architecture, tokenizer) and the tensor
//! table are parsed here; only `token_embd.weight` is read, from a memory map, and
//! dequantised to f32.
//!
//! Layout (little-endian, versions 2 and 3): `GGUF`, version u32, tensor count u64,
//! metadata count u64; each metadata entry a string key, a u32 type and a value; each
//! tensor a name, its dimension count u32, dimensions u64 (fastest first), its ggml type
//! u32 and its data offset u64; then, aligned to `general.alignment` (default 32), the
//! tensors' data.
//!
//! Written here rather than taken from a crate: candle's quantized module reads GGUF
//! completely but brings a second tensor library; `ggus`/`ggml-quants` are light but
//! (0.1) leave the K types' dequantisation unimplemented (`todo!()`), and a panic is not
//! an answer to a user's file. What is needed — one tensor, eleven block layouts — is
//! small, and is checked against the `gguf` Python package.

pub mod quants;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use memmap2::{Mmap, MmapOptions};
use rayon::prelude::*;

pub use quants::GgmlType;

use crate::tensor::Matrix;

/// The token-embedding tensor's name in llama.cpp's naming.
pub const EMBEDDING_TENSOR: &str = "token_embd.weight";

/// A metadata value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Uint(u64),
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Array(Vec<Value>),
}

impl Value {
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Uint(v) => Some(v),
            Value::Int(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }
}

/// One entry of the tensor table.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorEntry {
    pub name: String,
    /// Dimensions as GGUF lists them, fastest-varying first (`[576, 49152]` is 49152 rows
    /// of 576).
    pub dims: Vec<u64>,
    /// ggml type id.
    pub type_id: u32,
    /// Offset of the data from the start of the data section.
    pub offset: u64,
}

impl TensorEntry {
    /// How many values it holds (`None` if the dimensions overflow: a corrupt file).
    pub fn elements(&self) -> Option<u64> {
        self.dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d))
    }
}

/// A parsed GGUF header: metadata and tensor table, with where the data section starts.
#[derive(Clone, Debug)]
pub struct Header {
    pub version: u32,
    pub metadata: BTreeMap<String, Value>,
    pub tensors: Vec<TensorEntry>,
    pub data_start: usize,
}

impl Header {
    /// Parses the header of a whole GGUF file's bytes, checking that every tensor's data
    /// lies inside them. Errors say what is wrong in one line.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != b"GGUF" {
            return Err("it does not start with GGUF".into());
        }
        let version = r.u32()?;
        if !(2..=3).contains(&version) {
            return Err(format!(
                "GGUF version {version} (versions 2 and 3 are read)"
            ));
        }
        let tensor_count = r.count()?;
        let metadata_count = r.count()?;
        let mut metadata = BTreeMap::new();
        for _ in 0..metadata_count {
            let key = r.string()?;
            let kind = r.u32()?;
            metadata.insert(key, r.value(kind, 0)?);
        }
        let mut tensors = Vec::new();
        for _ in 0..tensor_count {
            let name = r.string()?;
            let n_dims = r.u32()?;
            if n_dims > 4 {
                return Err(format!("tensor {name} has {n_dims} dimensions (at most 4)"));
            }
            let dims = (0..n_dims)
                .map(|_| r.u64())
                .collect::<Result<Vec<_>, _>>()?;
            let type_id = r.u32()?;
            let offset = r.u64()?;
            tensors.push(TensorEntry {
                name,
                dims,
                type_id,
                offset,
            });
        }
        let alignment = match metadata.get("general.alignment") {
            Some(v) => v
                .as_u64()
                .filter(|a| *a > 0 && a.is_power_of_two())
                .ok_or("general.alignment is not a power of two")?,
            None => 32,
        } as usize;
        let data_start = r.at.next_multiple_of(alignment);
        for t in &tensors {
            // The data of a type not read here is not checked: its size is not known.
            let Some(kind) = GgmlType::from_id(t.type_id) else {
                continue;
            };
            let size = t
                .elements()
                .and_then(|n| usize::try_from(n).ok())
                .and_then(|n| kind.bytes_for(n))
                .ok_or_else(|| {
                    format!(
                        "tensor {} of dimensions {:?} is not a whole number of {} blocks",
                        t.name,
                        t.dims,
                        quants::type_name(t.type_id)
                    )
                })?;
            let end = (data_start as u64)
                .checked_add(t.offset)
                .and_then(|start| start.checked_add(size as u64));
            if end.is_none_or(|end| end > bytes.len() as u64) {
                return Err(format!(
                    "tensor {} runs past the end of the file ({} bytes); the file is truncated",
                    t.name,
                    bytes.len()
                ));
            }
        }
        Ok(Header {
            version,
            metadata,
            tensors,
            data_start,
        })
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.metadata.get(key)
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }

    pub fn number(&self, key: &str) -> Option<u64> {
        self.get(key)?.as_u64()
    }

    /// A string array (the tokenizer's tokens and merges).
    pub fn strings(&self, key: &str) -> Option<Vec<&str>> {
        self.get(key)?
            .as_array()?
            .iter()
            .map(Value::as_str)
            .collect()
    }

    pub fn tensor(&self, name: &str) -> Option<&TensorEntry> {
        self.tensors.iter().find(|t| t.name == name)
    }
}

/// Sequential little-endian reads that fail, rather than panic, at the end of the bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// Arrays nested deeper than this are refused (real files nest none).
const MAX_NESTING: usize = 4;

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| {
                format!(
                    "the header ends early (at byte {} of {}); the file is truncated",
                    self.at,
                    self.bytes.len()
                )
            })?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A count of items that each take at least one byte, so it cannot exceed the bytes
    /// left (a corrupt count must not make us allocate for it).
    fn count(&mut self) -> Result<usize, String> {
        let n = self.u64()?;
        let left = (self.bytes.len() - self.at) as u64;
        if n > left {
            return Err(format!(
                "a count of {n} exceeds the file's size; the file is corrupt"
            ));
        }
        Ok(n as usize)
    }

    fn string(&mut self) -> Result<String, String> {
        let n = self.count()?;
        String::from_utf8(self.take(n)?.to_vec())
            .map_err(|_| format!("a string at byte {} is not UTF-8", self.at - n))
    }

    fn value(&mut self, kind: u32, depth: usize) -> Result<Value, String> {
        Ok(match kind {
            0 => Value::Uint(self.array::<1>()?[0] as u64),
            1 => Value::Int(self.array::<1>()?[0] as i8 as i64),
            2 => Value::Uint(u16::from_le_bytes(self.array()?) as u64),
            3 => Value::Int(i16::from_le_bytes(self.array()?) as i64),
            4 => Value::Uint(self.u32()? as u64),
            5 => Value::Int(i32::from_le_bytes(self.array()?) as i64),
            6 => Value::Float(f32::from_le_bytes(self.array()?) as f64),
            7 => Value::Bool(self.array::<1>()?[0] != 0),
            8 => Value::Text(self.string()?),
            9 => {
                if depth >= MAX_NESTING {
                    return Err("metadata arrays are nested too deep; the file is corrupt".into());
                }
                let item_kind = self.u32()?;
                let n = self.count()?;
                Value::Array(
                    (0..n)
                        .map(|_| self.value(item_kind, depth + 1))
                        .collect::<Result<_, _>>()?,
                )
            }
            10 => Value::Uint(self.u64()?),
            11 => Value::Int(i64::from_le_bytes(self.array()?)),
            12 => Value::Float(f64::from_le_bytes(self.array()?)),
            other => {
                return Err(format!(
                    "unknown metadata value type {other}; the file is corrupt"
                ));
            }
        })
    }
}

/// A GGUF file on disk with its header parsed once: the tokenizer, the architecture
/// summary and the embedding matrix are all read from the same parse (the header of a
/// 49,152-token model is some 100,000 strings). Cheap to clone.
#[derive(Clone)]
pub struct Gguf {
    pub path: PathBuf,
    pub header: Arc<Header>,
}

impl std::fmt::Debug for Gguf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gguf({})", self.path.display())
    }
}

fn map_file(path: &Path) -> Result<Mmap> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    // SAFETY: a read-only map, read while the file is open; a file truncated under us by
    // another process is the one hazard, and finished downloads are not rewritten (the
    // decoder checks its tensor's bounds against the bytes again).
    unsafe { Mmap::map(&file) }.with_context(|| format!("cannot memory-map {}", path.display()))
}

impl Gguf {
    /// Parses the header of the file at `path`; the map is let go afterwards.
    pub fn open(path: &Path) -> Result<Self> {
        let header = Header::parse(&map_file(path)?).map_err(|e| corrupt(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            header: Arc::new(header),
        })
    }

    /// The token-embedding matrix as f32: one row per token.
    ///
    /// The file is mapped one window of rows at a time, each window decoded on all cores
    /// and let go before the next is mapped: reading a quantised matrix costs its f32
    /// values and one window, not the f32 values and the whole file's pages beside them.
    pub fn embeddings(&self) -> Result<Matrix> {
        let located = |e: String| anyhow!("{} {e}", self.path.display());
        let layout = Layout::of(&self.header, EMBEDDING_TENSOR).map_err(located)?;
        let file = File::open(&self.path)
            .with_context(|| format!("cannot open {}", self.path.display()))?;
        let length = file
            .metadata()
            .with_context(|| format!("cannot read {}", self.path.display()))?
            .len();
        if (length as u128) < (layout.start as u128 + layout.bytes() as u128) {
            return Err(located(
                "is shorter than its header says; the file is truncated".into(),
            ));
        }
        layout
            .decode(|first, bytes| {
                let offset = (layout.start + first * layout.row_bytes) as u64;
                // SAFETY: as in `map_file`: a read-only map of a finished file, checked
                // against its length above.
                let window = unsafe { MmapOptions::new().offset(offset).len(bytes).map(&file) }
                    .map_err(|e| format!("cannot memory-map ({e})"))?;
                Ok(window)
            })
            .map_err(located)
    }
}

fn corrupt(path: &Path, error: String) -> anyhow::Error {
    anyhow!(
        "{} is not a valid GGUF file ({error}); it may be a partial download: delete it and run again to re-fetch",
        path.display()
    )
}

/// Tensor `name` of a GGUF file's bytes, whose header is `header`, as an f32 matrix: its
/// first GGUF dimension is the row length. Rows are decoded in parallel.
pub fn decode_matrix(bytes: &[u8], header: &Header, name: &str) -> Result<Matrix, String> {
    let layout = Layout::of(header, name)?;
    let data = layout
        .start
        .checked_add(layout.bytes())
        .and_then(|end| bytes.get(layout.start..end))
        .ok_or("is shorter than its header says; the file is truncated")?;
    layout.decode(|first, len| {
        let at = first * layout.row_bytes;
        Ok(&data[at..at + len])
    })
}

/// Where a 2-D tensor's rows lie in a GGUF file and how they are stored.
#[derive(Clone, Copy, Debug)]
struct Layout {
    rows: usize,
    cols: usize,
    kind: GgmlType,
    /// Bytes of one stored row.
    row_bytes: usize,
    /// Offset of the first row from the start of the file.
    start: usize,
}

/// Stored bytes decoded at a time (see [`Gguf::embeddings`]).
const WINDOW_BYTES: usize = 4 << 20;

impl Layout {
    fn of(header: &Header, name: &str) -> Result<Self, String> {
        let tensor = header.tensor(name).ok_or_else(|| {
            format!("has no tensor {name}: it holds no token embeddings in llama.cpp's naming")
        })?;
        let [cols, rows] = tensor.dims[..] else {
            return Err(format!(
                "has {name} of shape {:?}; an embedding matrix is 2-D",
                tensor.dims
            ));
        };
        let kind = GgmlType::from_id(tensor.type_id).ok_or_else(|| {
            format!(
                "stores {name} as {}, which is not read here (read: {})",
                quants::type_name(tensor.type_id),
                GgmlType::SUPPORTED
            )
        })?;
        let (rows, cols) = (rows as usize, cols as usize);
        if rows == 0 || cols == 0 {
            return Err(format!("has an empty {name} ({rows} × {cols})"));
        }
        let row_bytes = kind.bytes_for(cols).ok_or_else(|| {
            format!(
                "has rows of {cols} values, not a whole number of {} blocks",
                quants::type_name(tensor.type_id)
            )
        })?;
        rows.checked_mul(row_bytes)
            .ok_or("has a tensor too large to address; the file is corrupt")?;
        Ok(Layout {
            rows,
            cols,
            kind,
            row_bytes,
            start: header.data_start + tensor.offset as usize,
        })
    }

    /// Bytes of the whole tensor.
    fn bytes(&self) -> usize {
        self.rows * self.row_bytes
    }

    /// Decodes the tensor one window of rows at a time: `window(first row, bytes)` gives
    /// the stored bytes of the rows from `first`, and is dropped once they are decoded.
    fn decode<W: AsRef<[u8]>>(
        &self,
        window: impl Fn(usize, usize) -> Result<W, String>,
    ) -> Result<Matrix, String> {
        let step = (WINDOW_BYTES / self.row_bytes).max(1);
        let mut values = vec![0.0f32; self.rows * self.cols];
        for (w, out) in values.chunks_mut(step * self.cols).enumerate() {
            let rows = out.len() / self.cols;
            let stored = window(w * step, rows * self.row_bytes)?;
            out.par_chunks_mut(self.cols)
                .zip(stored.as_ref().par_chunks(self.row_bytes))
                .for_each(|(row, source)| self.kind.dequantize(source, row));
        }
        Matrix::new(self.rows, self.cols, values).map_err(|e| e.to_string())
    }
}
