//! BERT's module tree, as transformers 4.46 builds `BertModel`.

use super::{Config, Module, activation};

/// `BertModel(config)` (transformers 4.46, SDPA self-attention, with its pooler).
pub(super) fn bert(c: &Config) -> Option<Module> {
    let d = c.int("hidden_size")?;
    let inner = c.int("intermediate_size")?;
    let eps = c.float_or("layer_norm_eps", 1e-12);
    let hidden_dropout = c.float_or("hidden_dropout_prob", 0.1);
    let output = |from: u64, class: &str| {
        Module::new(
            class,
            vec![
                ("dense", Module::linear(from, d, true)),
                ("LayerNorm", Module::layer_norm(d, eps)),
                ("dropout", Module::dropout(hidden_dropout)),
            ],
        )
    };
    let layer = Module::new(
        "BertLayer",
        vec![
            (
                "attention",
                Module::new(
                    "BertAttention",
                    vec![
                        (
                            "self",
                            Module::new(
                                "BertSdpaSelfAttention",
                                vec![
                                    ("query", Module::linear(d, d, true)),
                                    ("key", Module::linear(d, d, true)),
                                    ("value", Module::linear(d, d, true)),
                                    (
                                        "dropout",
                                        Module::dropout(
                                            c.float_or("attention_probs_dropout_prob", 0.1),
                                        ),
                                    ),
                                ],
                            ),
                        ),
                        ("output", output(d, "BertSelfOutput")),
                    ],
                ),
            ),
            (
                "intermediate",
                Module::new(
                    "BertIntermediate",
                    vec![
                        ("dense", Module::linear(d, inner, true)),
                        (
                            "intermediate_act_fn",
                            activation(c.text_or("hidden_act", "gelu")),
                        ),
                    ],
                ),
            ),
            ("output", output(inner, "BertOutput")),
        ],
    );
    let embeddings = Module::new(
        "BertEmbeddings",
        vec![
            (
                "word_embeddings",
                Module::embedding(c.int("vocab_size")?, d, Some(c.int_or("pad_token_id", 0))),
            ),
            (
                "position_embeddings",
                Module::embedding(c.int_or("max_position_embeddings", 512), d, None),
            ),
            (
                "token_type_embeddings",
                Module::embedding(c.int_or("type_vocab_size", 2), d, None),
            ),
            ("LayerNorm", Module::layer_norm(d, eps)),
            ("dropout", Module::dropout(hidden_dropout)),
        ],
    );
    Some(Module::new(
        "BertModel",
        vec![
            ("embeddings", embeddings),
            (
                "encoder",
                Module::new(
                    "BertEncoder",
                    vec![(
                        "layer",
                        Module::list(vec![layer; c.int("num_hidden_layers")? as usize]),
                    )],
                ),
            ),
            (
                "pooler",
                Module::new(
                    "BertPooler",
                    vec![
                        ("dense", Module::linear(d, d, true)),
                        ("activation", Module::plain("Tanh")),
                    ],
                ),
            ),
        ],
    ))
}
