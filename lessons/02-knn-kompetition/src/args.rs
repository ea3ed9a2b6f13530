//! Lesson 2's command line.

use anyhow::Result;
use clap::Parser;
use common::LessonArgs;
use common::analysis::neighbours::Metric;
use common::run::cli::{ListItem, expand, list_item};
use common::run::{BaseModels, Flags, ModelPairArgs};

/// Lesson 2: nearest neighbours of a word in BERT's and GPT-2's embedding spaces.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson02", version)]
pub struct Args {
    #[command(flatten)]
    pub pair: ModelPairArgs<BaseModels>,

    /// Seed words, comma-separated (@FILE: one per line). A word of several tokens is
    /// searched by the mean of its token vectors, as the notebook does for "beauty".
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = "ring,beauty")]
    pub words: Vec<ListItem>,

    /// Figures are drawn for the first N words only (two per word, about 4 KB each);
    /// the rest are searched and reported, and listed as not drawn.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_word_figures: u64,

    /// How many neighbours to list (the seed itself included, as in the notebook).
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..))]
    pub k: u64,

    /// Distance for the raw-vector search; the second search always uses Euclidean
    /// distance between unit-length vectors, as the notebook does.
    #[arg(long, value_enum, default_value_t = Metric::Euclidean)]
    pub metric: Metric,

    /// Also build the exact k-nearest-neighbour graph of every token in both models (k as
    /// --k) and show its hubs: the tokens found in the most neighbour lists.
    #[arg(long)]
    pub graph: bool,

    #[command(flatten)]
    pub common: LessonArgs,
}

impl Flags for Args {
    fn check(&self) -> Result<(), String> {
        if expand(&self.words).is_empty() {
            return Err("--words needs at least one word".into());
        }
        Ok(())
    }
}
