//! Lesson 1's command line.

use clap::Parser;
use common::LessonArgs;
use common::run::{BaseModels, Flags, ModelPairArgs};

/// Lesson 1: GPT-2 and BERT embeddings side by side — architectures, token lengths,
/// embedding-matrix heatmaps, same-index and same-word comparisons, and the
/// distributions of per-token variances and means.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson01", version)]
pub struct Args {
    #[command(flatten)]
    pub pair: ModelPairArgs<BaseModels>,

    /// The word whose embedding vectors are compared across the two models.
    #[arg(long, default_value = "the")]
    pub word: String,

    #[command(flatten)]
    pub common: LessonArgs,
}

impl Flags for Args {}
