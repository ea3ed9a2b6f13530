//! The stand-ins laid out as Hugging Face cache entries: the packages' files linked in
//! place, the two 1024-wide matrices made by a fixed random projection, and a
//! `STANDIN.json` beside each.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{BERT, BERT_LARGE, GPT, GPT_WIDE, LAYOUT_VERSION, info};
use crate::model::gguf::Gguf;
use crate::model::tokenizer::{TokenizerFiles, TokenizerModel};
use crate::model::weights::{SafetensorsEntry, write_safetensors};
use crate::rng::SeededRng;
use crate::tensor::matrix::Matrix;
use crate::tensor::ops;

/// What the layout writes beside the packages' files: the GGUF's name in its package,
/// the projections' seeds and width.
const SMOLLM_GGUF: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
const PROJECTION_SEED: u64 = 0x6265_7274_6c61_7267; // "bertlarg"
const GPT_PROJECTION_SEED: u64 = 0x736d_6f6c_6c6d_3130; // "smollm10"
const WIDE: usize = 1024;

/// Writes the two stand-in repos into `hub_dir` in the HF cache layout.
pub(super) fn lay_out(packages: &Path, hub_dir: &Path) -> Result<()> {
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
    write_info(&bert, BERT)?;

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
    write_info(&bert_large, BERT_LARGE)?;

    let smollm = snapshot_dir(hub_dir, GPT)?;
    let gguf = packages.join("smollm2").join(SMOLLM_GGUF);
    link_or_copy(&gguf, &smollm.join(SMOLLM_GGUF))?;
    write_info(&smollm, GPT)?;

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
    write_info(&wide, GPT_WIDE)?;
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

fn write_info(snapshot: &Path, repo: &str) -> Result<()> {
    let mut file = File::create(snapshot.join("STANDIN.json"))?;
    file.write_all(serde_json::to_string_pretty(&info(repo))?.as_bytes())?;
    Ok(())
}
