//! Lesson 2's command line.

use anyhow::Result;
use clap::Parser;
use common::LessonArgs;
use common::analysis::neighbours::{CACHED_FROM_ROWS, Metric};
use common::run::cli::{ListItem, expand, list_item};
use common::run::{BaseModels, Budget, Flags, ModelPairArgs};

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

    /// Figures are drawn for the first N words only (the notebook's first word always;
    /// two per word, SVG and PNG); the rest are searched and reported, and listed as not
    /// drawn.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
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

impl Args {
    /// What a run needs beyond its models. One seed word's results are held until the
    /// report is written: four neighbour lists of k (id, token, distance) and four 90-bin
    /// histograms, as values and once more as report text (measured: 35 KB of report.json
    /// per word at k = 15); its figures take about 180 KB on disk (200 words wrote 35 MB).
    /// With `--graph`, each token's k nearest (no more than the other tokens) as
    /// candidates and as the graph, a 16-byte (id, distance) pair twice, one model after
    /// the other; a vocabulary large enough for its graph to be kept on disk has its
    /// cosine graph computed in the same pass (`neighbours::cached_knn_graphs`).
    pub fn budget(&self) -> Budget {
        let words = expand(&self.words).len() as u64;
        let drawn = words.min(self.max_word_figures);
        let per_word = 2 * (4 * self.k * 200 + 4 * 181 * 32);
        let budget = Budget::none()
            .memory("lesson 2's results", "--words", words, move |n, _| {
                n.saturating_mul(per_word)
            })
            .disk("lesson 2's figures", "--max-word-figures", drawn, |n, _| {
                n.saturating_mul(250_000)
            });
        if !self.graph {
            return budget;
        }
        budget.memory(
            "the neighbour graph of every token",
            "--k",
            self.k,
            |k, shape| {
                let metrics = if shape.rows >= CACHED_FROM_ROWS as u64 {
                    2
                } else {
                    1
                };
                let k = k.min(shape.rows.saturating_sub(1));
                shape
                    .rows
                    .saturating_mul(metrics)
                    .saturating_mul(k.saturating_mul(32).saturating_add(64))
            },
        )
    }
}

impl Flags for Args {
    fn check(&self) -> Result<(), String> {
        if expand(&self.words).is_empty() {
            return Err("--words needs at least one word".into());
        }
        Ok(())
    }
}
