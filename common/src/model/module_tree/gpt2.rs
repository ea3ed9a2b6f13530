//! GPT-2's module tree, as transformers 4.46 builds `GPT2Model`.

use super::{Config, Module, activation};

/// `GPT2Model(config)` (transformers 4.46, SDPA attention).
pub(super) fn gpt2(c: &Config) -> Option<Module> {
    let d = c.int("n_embd")?;
    let inner = c.int("n_inner").unwrap_or(4 * d);
    let eps = c.float_or("layer_norm_epsilon", 1e-5);
    let block = Module::new(
        "GPT2Block",
        vec![
            ("ln_1", Module::layer_norm(d, eps)),
            (
                "attn",
                Module::new(
                    "GPT2SdpaAttention",
                    vec![
                        ("c_attn", Module::conv1d(3 * d, d)),
                        ("c_proj", Module::conv1d(d, d)),
                        (
                            "attn_dropout",
                            Module::dropout(c.float_or("attn_pdrop", 0.1)),
                        ),
                        (
                            "resid_dropout",
                            Module::dropout(c.float_or("resid_pdrop", 0.1)),
                        ),
                    ],
                ),
            ),
            ("ln_2", Module::layer_norm(d, eps)),
            (
                "mlp",
                Module::new(
                    "GPT2MLP",
                    vec![
                        ("c_fc", Module::conv1d(inner, d)),
                        ("c_proj", Module::conv1d(d, inner)),
                        (
                            "act",
                            activation(c.text_or("activation_function", "gelu_new")),
                        ),
                        ("dropout", Module::dropout(c.float_or("resid_pdrop", 0.1))),
                    ],
                ),
            ),
        ],
    );
    Some(Module::new(
        "GPT2Model",
        vec![
            ("wte", Module::embedding(c.int("vocab_size")?, d, None)),
            ("wpe", Module::embedding(c.int("n_positions")?, d, None)),
            ("drop", Module::dropout(c.float_or("embd_pdrop", 0.1))),
            ("h", Module::list(vec![block; c.int("n_layer")? as usize])),
            ("ln_f", Module::layer_norm(d, eps)),
        ],
    ))
}
