//! The notebooks' `print(model)`: PyTorch's module tree of the base model class
//! (`GPT2Model`, `BertModel`, `LlamaModel`) as transformers 4.46 builds it from the model's
//! config, printed as PyTorch prints it (repeated blocks of a `ModuleList` folded into
//! `(0-11): 12 x GPT2Block(…)`), and its parameter count, `sum(p.numel() for p in
//! model.parameters())`: buffers (GPT-2's attention masks, BERT's `position_ids`) and
//! pre-training heads (`cls.*`, `lm_head`) are not parameters of the base model.
//!
//! Other architectures get a tree derived from the checkpoint's tensor names: modules
//! holding a `weight` are typed by its shape (`Embedding`, `Linear`, `LayerNorm`), the
//! others are plain `Module`s, and modules without parameters (dropout, activations) do
//! not appear, since no tensor names them.

mod bert;
mod from_names;
mod gpt2;
mod llama;

use serde_json::Value;

use super::weights::TensorInfo;
use crate::format::python::float_repr;
use bert::bert;
use from_names::from_tensor_names;
use gpt2::gpt2;
use llama::llama;

/// One module: its class, the text inside its parentheses when it has no children, its
/// own parameters, and its children in definition order.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    class: String,
    extra: String,
    parameters: u64,
    children: Vec<(String, Module)>,
}

impl Module {
    fn leaf(class: &str, extra: String, parameters: u64) -> Self {
        Module {
            class: class.into(),
            extra,
            parameters,
            children: Vec::new(),
        }
    }

    fn new(class: &str, children: Vec<(&str, Module)>) -> Self {
        Module {
            class: class.into(),
            extra: String::new(),
            parameters: 0,
            children: children
                .into_iter()
                .map(|(name, m)| (name.to_string(), m))
                .collect(),
        }
    }

    fn list(items: Vec<Module>) -> Self {
        Module {
            class: "ModuleList".into(),
            extra: String::new(),
            parameters: 0,
            children: items
                .into_iter()
                .enumerate()
                .map(|(i, m)| (i.to_string(), m))
                .collect(),
        }
    }

    fn embedding(rows: u64, dim: u64, padding: Option<u64>) -> Self {
        let padding = padding.map_or(String::new(), |p| format!(", padding_idx={p}"));
        Module::leaf("Embedding", format!("{rows}, {dim}{padding}"), rows * dim)
    }

    fn linear(inputs: u64, outputs: u64, bias: bool) -> Self {
        let extra = format!(
            "in_features={inputs}, out_features={outputs}, bias={}",
            if bias { "True" } else { "False" }
        );
        Module::leaf(
            "Linear",
            extra,
            inputs * outputs + u64::from(bias) * outputs,
        )
    }

    /// GPT-2's transposed linear layer.
    fn conv1d(outputs: u64, inputs: u64) -> Self {
        Module::leaf(
            "Conv1D",
            format!("nf={outputs}, nx={inputs}"),
            inputs * outputs + outputs,
        )
    }

    fn layer_norm(dim: u64, eps: f64) -> Self {
        Module::leaf(
            "LayerNorm",
            format!("({dim},), eps={}, elementwise_affine=True", float_repr(eps)),
            2 * dim,
        )
    }

    fn rms_norm(class: &str, dim: u64, eps: f64) -> Self {
        Module::leaf(class, format!("({dim},), eps={}", float_repr(eps)), dim)
    }

    fn dropout(p: f64) -> Self {
        Module::leaf("Dropout", format!("p={}, inplace=False", float_repr(p)), 0)
    }

    fn plain(class: &str) -> Self {
        Module::leaf(class, String::new(), 0)
    }

    /// `sum(p.numel() for p in module.parameters())`.
    pub fn parameters(&self) -> u64 {
        self.parameters
            + self
                .children
                .iter()
                .map(|(_, m)| m.parameters())
                .sum::<u64>()
    }

    /// `repr(module)`, as PyTorch 2 writes it.
    pub fn repr(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        if self.class == "ModuleList" {
            // Runs of children with the same text print once, as `(a-b): n x …`.
            let reprs: Vec<String> = self.children.iter().map(|(_, m)| m.repr()).collect();
            let mut start = 0;
            while start < reprs.len() {
                let end = (start..reprs.len())
                    .take_while(|&i| reprs[i] == reprs[start])
                    .last()
                    .unwrap_or(start);
                let line = if end > start {
                    format!("({start}-{end}): {} x {}", end - start + 1, reprs[start])
                } else {
                    format!("({start}): {}", reprs[start])
                };
                lines.push(indent(&line));
                start = end + 1;
            }
        } else {
            lines = self
                .children
                .iter()
                .map(|(name, m)| indent(&format!("({name}): {}", m.repr())))
                .collect();
        }
        if lines.is_empty() {
            format!("{}({})", self.class, self.extra)
        } else {
            format!("{}(\n  {}\n)", self.class, lines.join("\n  "))
        }
    }
}

/// PyTorch's `_addindent(s, 2)`: every line but the first indented by two spaces.
fn indent(text: &str) -> String {
    text.replace('\n', "\n  ")
}

/// A config read as transformers reads it: a key, else its default.
struct Config<'a>(&'a Value);

impl Config<'_> {
    fn int(&self, key: &str) -> Option<u64> {
        self.0.get(key).and_then(Value::as_u64)
    }
    fn int_or(&self, key: &str, default: u64) -> u64 {
        self.int(key).unwrap_or(default)
    }
    fn float_or(&self, key: &str, default: f64) -> f64 {
        self.0.get(key).and_then(Value::as_f64).unwrap_or(default)
    }
    fn text_or<'b>(&'b self, key: &str, default: &'b str) -> &'b str {
        self.0.get(key).and_then(Value::as_str).unwrap_or(default)
    }
    fn flag_or(&self, key: &str, default: bool) -> bool {
        self.0.get(key).and_then(Value::as_bool).unwrap_or(default)
    }
}

/// transformers' `ACT2FN[name]` class, as it prints.
fn activation(name: &str) -> Module {
    Module::plain(match name {
        "gelu" | "gelu_python" => "GELUActivation",
        "gelu_new" => "NewGELUActivation",
        "gelu_fast" => "FastGELUActivation",
        "gelu_pytorch_tanh" => "PytorchGELUTanh",
        "quick_gelu" => "QuickGELUActivation",
        "relu" => "ReLU",
        "silu" | "swish" => "SiLU",
        "tanh" => "Tanh",
        "sigmoid" => "Sigmoid",
        other => other,
    })
}

/// Tensors that are not parameters of a base model: buffers and pre-training heads.
fn is_base_parameter(name: &str) -> bool {
    const BUFFERS: [&str; 3] = [".attn.bias", ".attn.masked_bias", "position_ids"];
    const HEADS: [&str; 3] = ["cls.", "lm_head.", "output.weight"];
    !BUFFERS.iter().any(|b| name.ends_with(b)) && !HEADS.iter().any(|h| name.starts_with(h))
}

/// The base model's module tree: transformers' class tree for GPT-2, BERT and Llama
/// configs, else one derived from the tensor names.
pub fn module_tree(config: &Value, tensors: &[TensorInfo]) -> (Module, bool) {
    let c = Config(config);
    let known = match c.text_or("model_type", "") {
        "gpt2" => gpt2(&c),
        "bert" => bert(&c),
        "llama" => llama(&c),
        _ => None,
    };
    match known {
        Some(tree) => (tree, true),
        None => {
            let eps = ["layer_norm_eps", "layer_norm_epsilon", "rms_norm_eps"]
                .iter()
                .find_map(|k| config.get(*k).and_then(Value::as_f64))
                .unwrap_or(1e-5);
            (from_tensor_names(tensors, eps), false)
        }
    }
}

/// The parameters of the base model among a checkpoint's tensors (floating point, no
/// buffers, no pre-training heads), for checking a tree's count against the files.
pub fn base_parameters_in(tensors: &[TensorInfo]) -> u64 {
    const INTEGER: [&str; 9] = ["I8", "I16", "I32", "I64", "U8", "U16", "U32", "U64", "BOOL"];
    tensors
        .iter()
        .filter(|t| !INTEGER.contains(&t.dtype.as_str()) && is_base_parameter(&t.name))
        .map(|t| t.shape.iter().product::<usize>() as u64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // The course models' configs (their config.json on the Hub, the keys that matter).
    fn gpt2_config() -> Value {
        json!({"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12,
               "n_positions": 1024, "vocab_size": 50257, "activation_function": "gelu_new",
               "layer_norm_epsilon": 1e-5, "attn_pdrop": 0.1, "embd_pdrop": 0.1, "resid_pdrop": 0.1})
    }

    fn bert_config() -> Value {
        json!({"model_type": "bert", "hidden_size": 768, "num_hidden_layers": 12,
               "intermediate_size": 3072, "vocab_size": 30522, "max_position_embeddings": 512,
               "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0, "hidden_act": "gelu",
               "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1})
    }

    #[test]
    fn course_models_have_their_published_parameter_counts() {
        // GPT2Model.from_pretrained("gpt2").num_parameters() and BertModel's for
        // bert-base-uncased; the same from the architectures' formulas:
        // GPT-2: V·d + P·d + L·(12d² + 13d) + 2d; BERT: (V + P + T)·d + 2d
        // + L·(4d² + 2dI + 9d + I) + d² + d.
        let (v, p, l, d) = (50257u64, 1024, 12, 768);
        let formula = v * d + p * d + l * (12 * d * d + 13 * d) + 2 * d;
        let (gpt, _) = module_tree(&gpt2_config(), &[]);
        assert_eq!(gpt.parameters(), 124_439_808);
        assert_eq!(formula, 124_439_808);
        let (bert, _) = module_tree(&bert_config(), &[]);
        let (v, p, t, l, d, i) = (30522u64, 512, 2, 12, 768, 3072);
        let formula = (v + p + t) * d + 2 * d + l * (4 * d * d + 2 * d * i + 9 * d + i) + d * d + d;
        assert_eq!(bert.parameters(), 109_482_240);
        assert_eq!(formula, 109_482_240);
    }

    #[test]
    fn gpt2_prints_as_pytorch_prints_it() {
        let (tree, known) = module_tree(&gpt2_config(), &[]);
        assert!(known);
        let expected = "\
GPT2Model(
  (wte): Embedding(50257, 768)
  (wpe): Embedding(1024, 768)
  (drop): Dropout(p=0.1, inplace=False)
  (h): ModuleList(
    (0-11): 12 x GPT2Block(
      (ln_1): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
      (attn): GPT2SdpaAttention(
        (c_attn): Conv1D(nf=2304, nx=768)
        (c_proj): Conv1D(nf=768, nx=768)
        (attn_dropout): Dropout(p=0.1, inplace=False)
        (resid_dropout): Dropout(p=0.1, inplace=False)
      )
      (ln_2): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
      (mlp): GPT2MLP(
        (c_fc): Conv1D(nf=3072, nx=768)
        (c_proj): Conv1D(nf=768, nx=3072)
        (act): NewGELUActivation()
        (dropout): Dropout(p=0.1, inplace=False)
      )
    )
  )
  (ln_f): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
)";
        assert_eq!(tree.repr(), expected);
    }

    #[test]
    fn unlike_blocks_print_separately_and_unknown_models_follow_their_tensors() {
        let a = Module::linear(2, 3, false);
        let b = Module::linear(2, 4, false);
        let list = Module::list(vec![a.clone(), a.clone(), b, a]);
        assert_eq!(
            list.repr(),
            "ModuleList(\n  (0-1): 2 x Linear(in_features=2, out_features=3, bias=False)\n  \
             (2): Linear(in_features=2, out_features=4, bias=False)\n  \
             (3): Linear(in_features=2, out_features=3, bias=False)\n)"
        );
        let tensor = |name: &str, shape: &[usize]| TensorInfo {
            name: name.into(),
            dtype: "F32".into(),
            shape: shape.to_vec(),
        };
        let tensors = [
            tensor("embed_in.weight", &[10, 4]),
            tensor("layers.0.dense.weight", &[4, 4]),
            tensor("layers.0.dense.bias", &[4]),
            tensor("layers.1.dense.weight", &[4, 4]),
            tensor("layers.1.dense.bias", &[4]),
            tensor("final_norm.weight", &[4]),
            tensor("final_norm.bias", &[4]),
            tensor("lm_head.weight", &[10, 4]),
        ];
        let (tree, known) = module_tree(&json!({"model_type": "neox"}), &tensors);
        assert!(!known);
        assert_eq!(tree.parameters(), 40 + 2 * 20 + 8);
        assert_eq!(tree.parameters(), base_parameters_in(&tensors));
        assert!(
            tree.repr().contains("(0-1): 2 x Module(\n"),
            "{}",
            tree.repr()
        );
    }
}
