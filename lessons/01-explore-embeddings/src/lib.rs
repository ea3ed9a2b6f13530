//! Lesson 1 — exploring GPT-2 and BERT token embeddings (seed notebook
//! `01-explore-gpt2-bert-embeddings`): what the two models are, how long their tokens
//! are, what their embedding matrices look like, and how the same index and the same
//! word compare across them.

mod figures;
mod results;

use anyhow::Result;
use clap::Parser;
use common::analysis::SeededRng;
use common::model::{architecture, word_ids};
use common::plot::model_labels;
use common::run::{CourseModels, Flags, ModelPairArgs};
use common::{LessonArgs, Pair, Report, Session, ops};

pub use results::*;

pub const LESSON: &str = "01-explore-embeddings";

/// The notebook's models.
#[derive(Clone, Debug)]
pub struct Course;

impl CourseModels for Course {
    const BERT: &'static str = "bert-base-uncased";
    const GPT: &'static str = "gpt2";
}

/// Lesson 1: GPT-2 and BERT embeddings side by side — architectures, token lengths,
/// embedding-matrix heatmaps, same-index and same-word comparisons, and the
/// distributions of per-token variances and means.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson01", version)]
pub struct Args {
    #[command(flatten)]
    pub pair: ModelPairArgs<Course>,

    /// The word whose embedding vectors are compared across the two models.
    #[arg(long, default_value = "the")]
    pub word: String,

    #[command(flatten)]
    pub common: LessonArgs,
}

impl Flags for Args {}

/// Runs every step of the lesson, printing its tables and writing its figures,
/// `report.json` and `numbers.md` to the output directory.
pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common)?;
    let device = session.device();

    // ANCHOR: load
    let models = session.load_pair(args.pair.requests())?;
    let labels = model_labels(
        models.as_ref(),
        args.pair.requests().map(|(_, course)| course),
    );
    // ANCHOR_END: load

    // ANCHOR: architectures
    println!("\n# The models (the notebook's print(model))\n");
    let architectures = models.as_ref().map(architecture).transpose()?;
    session.show(Architectures(&architectures));
    // ANCHOR_END: architectures

    // ANCHOR: token_lengths
    println!("# How long are the tokens?\n");
    let vocab_sizes = models.as_ref().map(|m| m.tokenizer.vocab_size());
    let token_lengths = models.as_ref().map(TokenLengths::of).transpose()?;
    session.show(LengthTable {
        labels: &labels,
        vocab_sizes,
        lengths: token_lengths.as_ref(),
    });
    session.figure(
        figures::token_lengths(token_lengths.as_ref(), &labels),
        "token_lengths",
    )?;
    // ANCHOR_END: token_lengths

    // ANCHOR: matrices
    println!("\n# The embedding matrices\n");
    let embedding_shapes = models.as_ref().map(|m| m.embeddings.shape());
    session.show(Shapes(embedding_shapes, &labels));
    session.figure(
        figures::heatmaps(models.as_ref(), &labels),
        "embedding_matrices",
    )?;
    // ANCHOR_END: matrices

    // ANCHOR: same_index
    println!("\n# Comparing the same token index\n");
    let rows = models
        .bert
        .embeddings
        .rows()
        .min(models.gpt.embeddings.rows());
    let index = SeededRng::new(session.seed()).below(10_000.min(rows - 1), 20_000.min(rows));
    let same_index = session.show(Comparison::new(
        models.as_ref(),
        Pair::new(index, index),
        &labels,
    )?);
    session.figure(figures::same_index(&same_index), "same_index")?;
    // ANCHOR_END: same_index

    // ANCHOR: same_word
    println!("\n# The same word\n");
    let word = &args.word;
    let ids = models.as_ref().map(|m| word_ids(m, word)).transpose()?;
    let same_word = session.show(SameWord {
        word: word.clone(),
        pieces: ids.as_ref().map(Vec::len),
        comparison: Comparison::new(models.as_ref(), ids.map(|ids| ids[0] as usize), &labels)?,
    });
    session.figure(figures::same_word(&same_word.comparison), "same_word")?;
    // ANCHOR_END: same_word

    // ANCHOR: distributions
    println!("\n# Distributions of embedding characteristics\n");
    let distributions = session.show(Distributions {
        variance: models
            .as_ref()
            .map(|m| ops::row_variances(&m.embeddings, device).map(|v| Distribution::of(&v)))
            .transpose()?,
        mean: models
            .as_ref()
            .map(|m| ops::row_means(&m.embeddings, device).map(|v| Distribution::of(&v)))
            .transpose()?,
        labels: labels.clone(),
    });
    session.figure(figures::distributions(&distributions), "distributions")?;
    // ANCHOR_END: distributions

    session.finish(Results {
        labels,
        architectures,
        vocab_sizes,
        token_lengths,
        embedding_shapes,
        same_index,
        same_word,
        distributions,
    })
}
