//! Llama's module tree, as transformers 4.46 builds `LlamaModel`.

use super::{Config, Module, activation};

/// `LlamaModel(config)` (transformers 4.46, SDPA attention).
pub(super) fn llama(c: &Config) -> Option<Module> {
    let d = c.int("hidden_size")?;
    let heads = c.int("num_attention_heads")?;
    let kv_heads = c.int("num_key_value_heads").unwrap_or(heads);
    let head_dim = c.int("head_dim").unwrap_or(d / heads.max(1));
    let inner = c.int("intermediate_size")?;
    let eps = c.float_or("rms_norm_eps", 1e-6);
    let (attention_bias, mlp_bias) = (
        c.flag_or("attention_bias", false),
        c.flag_or("mlp_bias", false),
    );
    let layer = Module::new(
        "LlamaDecoderLayer",
        vec![
            (
                "self_attn",
                Module::new(
                    "LlamaSdpaAttention",
                    vec![
                        (
                            "q_proj",
                            Module::linear(d, heads * head_dim, attention_bias),
                        ),
                        (
                            "k_proj",
                            Module::linear(d, kv_heads * head_dim, attention_bias),
                        ),
                        (
                            "v_proj",
                            Module::linear(d, kv_heads * head_dim, attention_bias),
                        ),
                        (
                            "o_proj",
                            Module::linear(heads * head_dim, d, attention_bias),
                        ),
                        ("rotary_emb", Module::plain("LlamaRotaryEmbedding")),
                    ],
                ),
            ),
            (
                "mlp",
                Module::new(
                    "LlamaMLP",
                    vec![
                        ("gate_proj", Module::linear(d, inner, mlp_bias)),
                        ("up_proj", Module::linear(d, inner, mlp_bias)),
                        ("down_proj", Module::linear(inner, d, mlp_bias)),
                        ("act_fn", activation(c.text_or("hidden_act", "silu"))),
                    ],
                ),
            ),
            ("input_layernorm", Module::rms_norm("LlamaRMSNorm", d, eps)),
            (
                "post_attention_layernorm",
                Module::rms_norm("LlamaRMSNorm", d, eps),
            ),
        ],
    );
    Some(Module::new(
        "LlamaModel",
        vec![
            (
                "embed_tokens",
                Module::embedding(c.int("vocab_size")?, d, c.int("pad_token_id")),
            ),
            (
                "layers",
                Module::list(vec![layer; c.int("num_hidden_layers")? as usize]),
            ),
            ("norm", Module::rms_norm("LlamaRMSNorm", d, eps)),
            ("rotary_emb", Module::plain("LlamaRotaryEmbedding")),
        ],
    ))
}
