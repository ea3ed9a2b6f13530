//! The answer to the notebooks' `print(model)`: what the model is, read from its
//! `config.json` and the safetensors header, or from a GGUF file's metadata and tensor
//! table, without loading any weights.

use std::fmt;

use anyhow::{Result, anyhow};
use serde::Serialize;

use super::Model;
use super::gguf::Header;
use super::weights::{Checkpoint, TensorInfo};
use crate::run::report::thousands;

#[derive(Clone, Debug, Serialize)]
pub struct Architecture {
    pub model: String,
    pub model_type: Option<String>,
    pub layers: Option<u64>,
    pub hidden_size: Option<u64>,
    pub heads: Option<u64>,
    pub vocab_size: Option<u64>,
    pub positions: Option<u64>,
    pub embedding_tensor: String,
    /// Tensors in the weight files on disk, with dtype and shape.
    pub tensors: Vec<TensorInfo>,
    pub parameters: u64,
}

/// The first of several config keys that is present (GPT-2 and BERT name fields differently).
fn config_number(config: &serde_json::Value, keys: &[&str]) -> Option<u64> {
    keys.iter()
        .find_map(|k| config.get(*k).and_then(|v| v.as_u64()))
}

/// A GGUF file's architecture metadata (`llama.block_count`, …) under the names a
/// `config.json` uses.
fn gguf_config(header: &Header) -> serde_json::Value {
    let arch = header.text("general.architecture").unwrap_or_default();
    let number = |key: &str| header.number(&format!("{arch}.{key}"));
    let vocab = number("vocab_size").or_else(|| {
        header
            .get("tokenizer.ggml.tokens")
            .and_then(|t| t.as_array())
            .map(|t| t.len() as u64)
    });
    serde_json::json!({
        "model_type": arch,
        "num_hidden_layers": number("block_count"),
        "hidden_size": number("embedding_length"),
        "num_attention_heads": number("attention.head_count"),
        "vocab_size": vocab,
        "max_position_embeddings": number("context_length"),
    })
}

pub fn architecture(model: &Model) -> Result<Architecture> {
    let config: serde_json::Value = match (&model.files.config, &model.files.checkpoint) {
        (_, Checkpoint::Gguf(gguf)) => gguf_config(&gguf.header),
        (Some(path), _) => serde_json::from_str(&std::fs::read_to_string(path)?).map_err(|e| {
            anyhow!(
                "{} is malformed ({e}); delete it so it is fetched again",
                path.display()
            )
        })?,
        (None, _) => serde_json::Value::Null,
    };
    let tensors = model.files.checkpoint.local_tensors()?;
    // Integer tensors (BERT's position_ids) are buffers, not parameters.
    const INTEGER: [&str; 9] = ["I8", "I16", "I32", "I64", "U8", "U16", "U32", "U64", "BOOL"];
    let parameters = tensors
        .iter()
        .filter(|t| !INTEGER.contains(&t.dtype.as_str()))
        .map(|t| t.shape.iter().product::<usize>() as u64)
        .sum();
    Ok(Architecture {
        model: model.label(),
        model_type: config
            .get("model_type")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        layers: config_number(&config, &["num_hidden_layers", "n_layer"]),
        hidden_size: config_number(&config, &["hidden_size", "n_embd", "d_model"]),
        heads: config_number(&config, &["num_attention_heads", "n_head"]),
        vocab_size: config_number(&config, &["vocab_size"]),
        positions: config_number(&config, &["max_position_embeddings", "n_positions"]),
        embedding_tensor: model.files.embedding_tensor.clone(),
        tensors,
        parameters,
    })
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
        writeln!(f, "{}", self.model)?;
        writeln!(
            f,
            "  type {} | {} layers | hidden size {} | {} heads | vocab {} | {} positions",
            self.model_type.as_deref().unwrap_or("?"),
            show(self.layers),
            show(self.hidden_size),
            show(self.heads),
            show(self.vocab_size),
            show(self.positions)
        )?;
        writeln!(
            f,
            "  {} tensors in the weights, {} parameters; token embeddings: {}",
            self.tensors.len(),
            thousands(self.parameters),
            self.embedding_tensor
        )?;
        let width = self.tensors.iter().map(|t| t.name.len()).max().unwrap_or(0);
        for t in &self.tensors {
            writeln!(f, "    {:width$}  {:4}  {:?}", t.name, t.dtype, t.shape)?;
        }
        Ok(())
    }
}
