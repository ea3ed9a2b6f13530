//! Lesson 1 — exploring GPT-2 and BERT token embeddings (seed notebook
//! `01-explore-gpt2-bert-embeddings`): what the two models are, how long their tokens
//! are, what their embedding matrices look like, and how the same index and the same
//! word compare across them.

mod figures;

use anyhow::{Result, bail};
use clap::Parser;
use common::report::Report;
use common::rng::SeededRng;
use common::session::Session;
use common::stats::{Histogram, histogram, value_counts};
use common::summary::{architecture, thousands};
use common::{Model, cli::LessonArgs, ops};
use serde::Serialize;

pub const LESSON: &str = "01-explore-embeddings";
pub const DEFAULT_BERT: &str = "bert-base-uncased";
pub const DEFAULT_GPT: &str = "gpt2";

/// Lesson 1: GPT-2 and BERT embeddings side by side — architectures, token lengths,
/// embedding-matrix heatmaps, same-index and same-word comparisons, and the
/// distributions of per-token variances and means.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson01", version)]
pub struct Args {
    /// BERT-family model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = DEFAULT_BERT)]
    pub bert: String,

    /// GPT-family model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = DEFAULT_GPT)]
    pub gpt: String,

    /// The word whose embedding vectors are compared across the two models.
    #[arg(long, default_value = "the")]
    pub word: String,

    #[command(flatten)]
    pub common: LessonArgs,
}

/// Runs every step of the lesson, printing its tables and writing its figures and
/// `report.json` to the output directory.
pub fn run(args: &Args) -> Result<Report> {
    let mut session = Session::start(LESSON, &args.common)?;
    let device = session.device.clone();

    // ANCHOR: load
    let [gpt, bert] = session.load([(&args.gpt, DEFAULT_GPT), (&args.bert, DEFAULT_BERT)])?;
    // ANCHOR_END: load

    // ANCHOR: architectures
    println!("\n# The models (the notebook's print(model))\n");
    let archs = [architecture(&gpt)?, architecture(&bert)?];
    for arch in &archs {
        println!("{arch}");
    }
    session.report.record("architectures", &archs)?;
    // ANCHOR_END: architectures

    // ANCHOR: token_lengths
    println!("# How long are the tokens?\n");
    println!(
        "BERT has {} tokens.",
        thousands(bert.tokenizer.vocab_size() as u64)
    );
    println!(
        "GPT2 has {} tokens.",
        thousands(gpt.tokenizer.vocab_size() as u64)
    );
    let lengths_gpt = TokenLengths::of(&gpt)?;
    let lengths_bert = TokenLengths::of(&bert)?;
    print_length_table(&lengths_gpt, &lengths_bert);
    session.report.record(
        "vocab_sizes",
        serde_json::json!({
        "bert": bert.tokenizer.vocab_size(), "gpt2": gpt.tokenizer.vocab_size() }),
    )?;
    session.report.record(
        "token_lengths",
        serde_json::json!({ "gpt2": lengths_gpt, "bert": lengths_bert }),
    )?;
    session.figure(
        &figures::token_lengths(&lengths_gpt, &lengths_bert, &gpt, &bert),
        "token_lengths",
    )?;
    // ANCHOR_END: token_lengths

    // ANCHOR: matrices
    println!("\n# The embedding matrices\n");
    println!(
        "BERT embedding matrix is of size {:?}.",
        bert.embeddings.shape_tuple()
    );
    println!(
        "GPT2 embedding matrix is of size {:?}.",
        gpt.embeddings.shape_tuple()
    );
    session.report.record(
        "embedding_shapes",
        serde_json::json!({
        "bert": bert.embeddings.shape(), "gpt2": gpt.embeddings.shape() }),
    )?;
    session.figure(&figures::heatmaps(&gpt, &bert), "embedding_matrices")?;
    // ANCHOR_END: matrices

    // ANCHOR: same_index
    println!("\n# Comparing the same token index\n");
    let rows = bert.embeddings.rows().min(gpt.embeddings.rows());
    let index = SeededRng::new(args.common.seed).below(10_000.min(rows - 1), 20_000.min(rows));
    let same_index = Comparison::new(&bert, &gpt, index as u32, index as u32, &device)?;
    println!(
        "Token {index}: BERT \"{}\", GPT2 \"{}\"",
        same_index.bert_token, same_index.gpt2_token
    );
    same_index.print_correlation();
    session.report.record("same_index", &same_index)?;
    session.figure(&figures::same_index(&same_index, &bert, &gpt), "same_index")?;
    // ANCHOR_END: same_index

    // ANCHOR: same_word
    println!("\n# The same word\n");
    let word = &args.word;
    let id_bert = first_token(&bert, word)?;
    let id_gpt = first_token(&gpt, word)?;
    println!("BERT: \"{word}\" is index {id_bert}");
    println!("GPT2: \"{word}\" is index {id_gpt}");
    let same_word = Comparison::new(&bert, &gpt, id_bert, id_gpt, &device)?;
    same_word.print_correlation();
    session.report.record(
        "same_word",
        serde_json::json!({ "word": word, "comparison": same_word }),
    )?;
    if let Some(figure) = figures::same_word(&same_word, &bert, &gpt) {
        session.figure(&figure, "same_word")?;
    }
    // ANCHOR_END: same_word

    // ANCHOR: distributions
    println!("\n# Distributions of embedding characteristics\n");
    let variances = [
        ops::row_variances(&bert.embeddings, &device)?,
        ops::row_variances(&gpt.embeddings, &device)?,
    ];
    let means = [
        ops::row_means(&bert.embeddings, &device)?,
        ops::row_means(&gpt.embeddings, &device)?,
    ];
    let distributions = Distributions {
        variance: [Summary::of(&variances[0]), Summary::of(&variances[1])],
        mean: [Summary::of(&means[0]), Summary::of(&means[1])],
    };
    distributions.print();
    session.report.record("distributions", &distributions)?;
    session.figure(
        &figures::distributions(&distributions, &bert, &gpt),
        "distributions",
    )?;
    // ANCHOR_END: distributions

    session.finish()
}

/// Token-length counts of a vocabulary, by stored string and by decoded text.
#[derive(Debug, Serialize)]
pub struct TokenLengths {
    /// `(length, count)`, as `np.unique(lengths, return_counts=True)`.
    pub stored: Vec<(usize, usize)>,
    pub decoded: Vec<(usize, usize)>,
    /// Tokens whose decoded text is not as long as their stored string.
    pub changed_by_decoding: usize,
}

impl TokenLengths {
    fn of(model: &Model) -> Result<Self> {
        let stored = model.tokenizer.stored_lengths();
        let decoded = model.tokenizer.decoded_lengths()?;
        let changed_by_decoding = stored.iter().zip(&decoded).filter(|(s, d)| s != d).count();
        Ok(Self {
            stored: value_counts(stored),
            decoded: value_counts(decoded),
            changed_by_decoding,
        })
    }
}

fn print_length_table(gpt: &TokenLengths, bert: &TokenLengths) {
    println!(
        "\nToken lengths in characters: the vocabulary string as stored (what the notebook counts)"
    );
    println!("and the text it decodes to.\n");
    println!("length | GPT2 stored | GPT2 decoded | BERT stored | BERT decoded");
    println!("-------+-------------+--------------+-------------+-------------");
    let count = |table: &[(usize, usize)], len: usize| {
        table.iter().find(|(l, _)| *l == len).map_or(0, |(_, c)| *c)
    };
    let longest = [&gpt.stored, &gpt.decoded, &bert.stored, &bert.decoded]
        .iter()
        .filter_map(|t| t.last().map(|(l, _)| *l))
        .max()
        .unwrap_or(0);
    for len in 0..=longest {
        let row = [
            count(&gpt.stored, len),
            count(&gpt.decoded, len),
            count(&bert.stored, len),
            count(&bert.decoded, len),
        ];
        if row.iter().any(|&c| c > 0) {
            println!(
                "{len:>6} | {:>11} | {:>12} | {:>11} | {:>12}",
                row[0], row[1], row[2], row[3]
            );
        }
    }
    println!(
        "\nGPT2: {} tokens change length when decoded. GPT-2 stores every byte as one printable\n\
         character (a space is 'Ġ'), so a character that takes 2-4 bytes in UTF-8 counts 2-4 stored\n\
         characters but decodes to 1, and a token holding only part of a character decodes to '�'.",
        gpt.changed_by_decoding
    );
    println!(
        "BERT: {} tokens change length when decoded: WordPiece stores text as text, and a lone\n\
         '##' continuation piece keeps its '##' when decoded on its own.",
        bert.changed_by_decoding
    );
}

/// The first token of `word` without special tokens (the notebook's `encode(word)[1]` for
/// BERT, after `[CLS]`, and `encode(word)[0]` for GPT-2).
fn first_token(model: &Model, word: &str) -> Result<u32> {
    let ids = model.tokenizer.encode(word, false)?;
    match ids.first() {
        Some(&id) => {
            if ids.len() > 1 {
                println!(
                    "note: \"{word}\" is {} tokens in {}; comparing its first token",
                    ids.len(),
                    model.files.name
                );
            }
            Ok(id)
        }
        None => bail!(
            "\"{word}\" gives no tokens in {}; pass a word with letters in it to --word",
            model.files.name
        ),
    }
}

/// One BERT row and one GPT-2 row, and their correlation when it is defined.
#[derive(Debug, Serialize)]
pub struct Comparison {
    pub bert_index: u32,
    pub gpt2_index: u32,
    pub bert_token: String,
    pub gpt2_token: String,
    /// Pearson r over the embedding dimensions; `None` when the widths differ.
    pub pearson_r: Option<f32>,
    #[serde(skip)]
    pub bert_vector: Vec<f32>,
    #[serde(skip)]
    pub gpt2_vector: Vec<f32>,
}

impl Comparison {
    fn new(
        bert: &Model,
        gpt: &Model,
        bert_index: u32,
        gpt2_index: u32,
        device: &common::Device,
    ) -> Result<Self> {
        let bert_vector = bert.embeddings.row(bert_index as usize).to_vec();
        let gpt2_vector = gpt.embeddings.row(gpt2_index as usize).to_vec();
        let pearson_r = if bert_vector.len() == gpt2_vector.len() {
            Some(ops::pearson(&bert_vector, &gpt2_vector, device)?)
        } else {
            None
        };
        Ok(Self {
            bert_index,
            gpt2_index,
            bert_token: bert.tokenizer.decode(&[bert_index])?,
            gpt2_token: gpt.tokenizer.decode(&[gpt2_index])?,
            pearson_r,
            bert_vector,
            gpt2_vector,
        })
    }

    fn print_correlation(&self) {
        match self.pearson_r {
            Some(r) => println!("Embedding comparison: r = {r:.2}"),
            None => println!(
                "Embedding comparison skipped: the vectors have {} (BERT) and {} (GPT2) dimensions, and a\n\
                 point-by-point correlation needs the same dimensions.",
                self.bert_vector.len(),
                self.gpt2_vector.len()
            ),
        }
    }
}

/// A distribution of per-token values: its 100-bin density histogram and a summary.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub histogram: Option<Histogram>,
}

impl Summary {
    fn of(values: &[f32]) -> Self {
        let n = values.len().max(1) as f64;
        Summary {
            mean: values.iter().map(|&v| v as f64).sum::<f64>() / n,
            min: values.iter().fold(f64::INFINITY, |m, &v| m.min(v as f64)),
            max: values
                .iter()
                .fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64)),
            histogram: histogram(values, 100, true),
        }
    }
}

/// Per-token variances and means, `[BERT, GPT2]`.
#[derive(Debug, Serialize)]
pub struct Distributions {
    pub variance: [Summary; 2],
    pub mean: [Summary; 2],
}

impl Distributions {
    fn print(&self) {
        println!(
            "          |  per-token variance: mean [min, max]  |  per-token mean: mean [min, max]"
        );
        for (i, name) in ["BERT", "GPT2"].iter().enumerate() {
            let (v, m) = (&self.variance[i], &self.mean[i]);
            println!(
                "{name:>9} |  {:.5} [{:.5}, {:.5}]          |  {:+.5} [{:+.5}, {:+.5}]",
                v.mean, v.min, v.max, m.mean, m.min, m.max
            );
        }
    }
}
