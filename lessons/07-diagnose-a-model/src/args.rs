//! Lesson 7's command line.

use anyhow::Result;
use clap::Parser;
use common::LessonArgs;
use common::run::cli::{ListItem, expand, list_item};
use common::run::{Budget, Flags};

/// The model diagnosed unless `--model` names another: the course's GPT model (its
/// stand-in offline).
pub const DEFAULT_MODEL: &str = "gpt2";

/// Lesson 7: a model's token-embedding matrix diagnosed, each measure beside what chance
/// would give.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson07", version)]
pub struct Args {
    /// The model: a Hugging Face repo id, a local directory with its files, or a local
    /// .gguf file (a llama.cpp or Ollama model).
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub model: String,

    /// Neighbours per token in the hubness graphs (k of the k-occurrence).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub k: u64,

    /// D: the top principal directions "all-but-the-top" removes [default: d/100, at least 1].
    #[arg(long, value_name = "D", value_parser = clap::value_parser!(u64).range(1..))]
    pub remove_top: Option<u64>,

    /// Words whose cosine neighbours are listed before and after standardising every
    /// dimension (the rogue dimensions' effect), comma-separated (@FILE: one per line).
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = "ring")]
    pub words: Vec<ListItem>,

    /// How many tokens the under-trained ranking and the hub lists show.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub top: u64,

    #[command(flatten)]
    pub common: LessonArgs,
}

impl Args {
    /// What the run holds beside the model's matrix, for a model of `shape`: two nulls
    /// of the same shape, a standardised and a unit-length copy (the largest of them
    /// live at once: five f32 matrices in all, counted with a margin as six), and four
    /// neighbour graphs of k (id, distance) pairs. On disk: the per-token scores for the
    /// map (about 40 bytes a token) and seven figures (under 2 MB).
    pub fn budget(&self) -> Budget {
        Budget::none()
            .memory(
                "the diagnosis's matrices and neighbour graphs",
                "--k",
                self.k,
                |k, shape| {
                    let matrix = shape.rows.saturating_mul(shape.cols).saturating_mul(4);
                    let graphs = shape.rows.saturating_mul(k).saturating_mul(16 * 4);
                    matrix.saturating_mul(6).saturating_add(graphs)
                },
            )
            .disk("lesson 7's output", "--top", self.top, |top, shape| {
                2_000_000 + 40 * shape.rows + 400 * top
            })
    }

    /// The words of `--words`.
    pub fn words(&self) -> Vec<String> {
        expand(&self.words)
    }
}

impl Flags for Args {
    fn check(&self) -> Result<(), String> {
        if self.words().is_empty() {
            return Err("--words needs at least one word".into());
        }
        Ok(())
    }
}
