//! The answer to the notebooks' `print(model)`: what the model is, read from its
//! `config.json` and the safetensors header, or from a GGUF file's metadata and tensor
//! table, without loading any weights; its module tree is [`module_tree`]'s.

use std::fmt;

use anyhow::{Result, anyhow};
use serde::Serialize;

use super::Model;
use super::gguf::{Header, Value};
use super::module_tree::{base_parameters_in, module_tree};
use super::weights::{Checkpoint, TensorInfo};
use crate::format::thousands;

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
    /// `print(model)` of the base model class, as PyTorch prints it.
    pub module_tree: String,
    /// Whether the tree's classes are transformers' (GPT-2, BERT, Llama) or derived from
    /// the tensor names.
    pub module_classes_known: bool,
    /// `sum(p.numel() for p in model.parameters())` of the base model class.
    pub parameters: u64,
    /// The base model's parameters among the tensors on disk (no buffers, no heads): equal
    /// to `parameters` when the files hold the whole base model.
    pub parameters_in_files: u64,
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
    let key = |k: &str| format!("{arch}.{k}");
    let number = |k: &str| header.number(&key(k));
    // GGUF keeps floats as f32: their shortest f32 digits are the config's (1e-05).
    let float = |k: &str| match header.get(&key(k)) {
        Some(Value::Float(v)) => (*v as f32).to_string().parse::<f64>().ok(),
        _ => None,
    };
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
        "intermediate_size": number("feed_forward_length"),
        "num_attention_heads": number("attention.head_count"),
        "num_key_value_heads": number("attention.head_count_kv"),
        "rms_norm_eps": float("attention.layer_norm_rms_epsilon"),
        "vocab_size": vocab,
        "max_position_embeddings": number("context_length"),
        "pad_token_id": header.number("tokenizer.ggml.padding_token_id"),
        "attention_bias": header.tensor("blk.0.attn_q.bias").is_some(),
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
    let (tree, module_classes_known) = module_tree(&config, &tensors);
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
        module_tree: tree.repr(),
        module_classes_known,
        parameters: tree.parameters(),
        parameters_in_files: base_parameters_in(&tensors),
        tensors,
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
        if !self.module_classes_known {
            writeln!(
                f,
                "  (module classes derived from the {} tensor names; modules without parameters not shown)",
                self.tensors.len()
            )?;
        }
        writeln!(f, "{}", self.module_tree)?;
        writeln!(
            f,
            "{} parameters; token embeddings: {}",
            thousands(self.parameters),
            self.embedding_tensor
        )
    }
}
