//! Lesson 1 — exploring GPT-2 and BERT token embeddings (seed notebook
//! `01-explore-gpt2-bert-embeddings`): what the two models are, how long their tokens
//! are, what their embedding matrices look like, and how the same index and the same
//! word compare across them.

mod args;
mod figures;
mod results;

use anyhow::Result;
use common::analysis::stats::{Summary, histogram, pearson, value_counts};
use common::model::{architecture, word_ids};
use common::rng::SeededRng;
use common::run::Budget;
use common::{Model, Pair, Report, Session, ops};

pub use args::Args;
pub use results::*;

pub const LESSON: &str = "01-explore-embeddings";

/// Runs the notebook's cells in order, printing its tables and writing its figures,
/// `report.json` and `numbers.md` to the output directory.
pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common, Budget::none())?;
    let device = session.device();

    session.section("Import GPT-2 and BERT models and tokenizers");
    // ANCHOR: load
    let models = session.load_pair(args.pair.requests())?;
    let labels = args.pair.labels(models.as_ref());
    // ANCHOR_END: load

    // check out the model: print(gpt2), print(bert)
    // ANCHOR: architectures
    let architectures = models.as_ref().map(architecture).transpose()?;
    session.show(Architectures(&architectures));
    // ANCHOR_END: architectures

    session.section("How long are the tokens?");
    // ANCHOR: token_lengths
    let vocab_sizes = models.as_ref().map(|m| m.tokenizer.vocab_size());
    // get all individual lengths; unique values and counts for the bar plot
    let token_lengths = models
        .as_ref()
        .map(|m| value_counts(m.tokenizer.stored_lengths()));
    session.show(LengthTable {
        labels: &labels,
        vocab_sizes,
        lengths: token_lengths.as_ref(),
    });
    // draw the barplot!
    session.figure(
        figures::token_lengths(token_lengths.as_ref(), &labels),
        "token_lengths",
    )?;
    // ANCHOR_END: token_lengths

    session.section("Extract and visualize the embeddings matrices");
    // ANCHOR: matrices
    // get the Word Token Embeddings matrices and print their sizes
    let embedding_shapes = models.as_ref().map(|m| m.embeddings.shape());
    session.show(Shapes(embedding_shapes, &labels));
    session.figure(
        figures::heatmaps(models.as_ref(), &labels),
        "embedding_matrices",
    )?;
    // ANCHOR_END: matrices

    session.section("Comparing the same token index");
    // ANCHOR: same_index
    // pick a random token index
    let ridx = randint(session.seed(), 10_000..20_000, models.as_ref());
    let index = Pair::new(ridx, ridx);
    let same_index = session.show(compare(models.as_ref(), index, &labels)?);
    session.figure(figures::same_index(&same_index), "same_index")?;
    // ANCHOR_END: same_index

    // how about the same word? their correlation
    // ANCHOR: same_word
    let token = &args.word;
    let token_idx = models.as_ref().map(|m| word_ids(m, token)).transpose()?;
    let first_idx = token_idx.as_ref().map(|ids| ids[0] as usize);
    let comparison = compare(models.as_ref(), first_idx, &labels)?;
    let same_word = session.show(SameWord {
        word: token.clone(),
        pieces: token_idx.as_ref().map(Vec::len),
        comparison,
    });
    session.figure(figures::same_word(&same_word.comparison), "same_word")?;
    // ANCHOR_END: same_word

    session.section("Distributions of embeddings characteristics");
    // ANCHOR: distributions
    // compare the embeddings variances and means
    let embeddings = models.as_ref().map(|m| &m.embeddings);
    let variances = embeddings
        .map(|e| ops::row_variances(e, device))
        .transpose()?;
    let means = embeddings.map(|e| ops::row_means(e, device)).transpose()?;
    let distributions = session.show(Distributions {
        variance: variances.as_ref().map(|v| distribution(v)),
        mean: means.as_ref().map(|v| distribution(v)),
        labels: labels.clone(),
    });
    session.figure(figures::distributions(&distributions), "distributions")?;
    // ANCHOR_END: distributions

    session.beyond("how long are the tokens as text?");
    // ANCHOR: decoded_lengths
    // each token decoded on its own and its length counted, beside the stored one
    let decoded_lengths = models.as_ref().map(decoded_lengths).transpose()?;
    session.show(DecodedTable {
        labels: &labels,
        stored: token_lengths.as_ref(),
        decoded: decoded_lengths.as_ref(),
    });
    // ANCHOR_END: decoded_lengths

    session.finish(Results {
        labels,
        architectures,
        vocab_sizes,
        token_lengths,
        embedding_shapes,
        same_index,
        same_word,
        distributions,
        decoded_lengths,
    })
}

/// The notebook's `np.random.randint(low, high)`, seeded, kept inside both vocabularies
/// (a model with fewer rows draws from its last ones).
fn randint(seed: u64, range: std::ops::Range<usize>, models: Pair<&Model>) -> usize {
    let rows = models
        .bert
        .embeddings
        .rows()
        .min(models.gpt.embeddings.rows());
    SeededRng::new(seed).below(range.start.min(rows - 1), range.end.min(rows))
}

/// Token-length counts of the text each token decodes to on its own, and how many
/// tokens that changes.
fn decoded_lengths(model: &Model) -> Result<DecodedLengths> {
    let stored = model.tokenizer.stored_lengths();
    let decoded = model.tokenizer.decoded_lengths()?;
    let changed_by_decoding = stored.iter().zip(&decoded).filter(|(s, d)| s != d).count();
    Ok(DecodedLengths {
        counts: value_counts(decoded),
        changed_by_decoding,
    })
}

/// One BERT row and one GPT-2 row, and their correlation (`np.corrcoef`) when both have
/// the same width.
fn compare(models: Pair<&Model>, index: Pair<usize>, labels: &Pair<String>) -> Result<Comparison> {
    let vector = models.zip(index).map(|(m, i)| m.embeddings.row(i).to_vec());
    // Dimension k of one model has nothing to do with dimension k of another, whatever
    // the widths: the first min(d_BERT, d_GPT) are compared.
    let dimensions = vector.bert.len().min(vector.gpt.len());
    let pearson_r = pearson(&vector.bert[..dimensions], &vector.gpt[..dimensions]) as f32;
    // A constant vector has no correlation (0/0): refused, never printed as NaN.
    anyhow::ensure!(
        pearson_r.is_finite(),
        "token {} (BERT) or {} (GPT) has the same value in each of its first {dimensions} dimensions, so it has no correlation; choose another with --seed or --word",
        index.bert,
        index.gpt
    );
    Ok(Comparison {
        index,
        token: models
            .zip(index)
            .map(|(m, i)| m.tokenizer.decode(&[i as u32]))
            .transpose()?,
        dimensions,
        pearson_r,
        vector,
        labels: labels.clone(),
    })
}

/// A distribution of per-token values: the notebook's `np.histogram(…, bins=100,
/// density=True)` and a summary.
fn distribution(values: &[f32]) -> Distribution {
    let Summary { mean, min, max, .. } = Summary::of(values);
    Distribution {
        mean,
        min,
        max,
        histogram: histogram(values, 100, true),
    }
}
