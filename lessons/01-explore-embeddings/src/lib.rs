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
    // the Word Token Embeddings matrices (loaded above): their sizes
    let embedding_shapes = models.as_ref().map(|m| m.embeddings.shape());
    session.show(Shapes(embedding_shapes, &labels));
    session.figure(
        figures::heatmaps(models.as_ref(), &labels, figures::HEATMAP_LIMITS),
        "embedding_matrices",
    )?;
    // ANCHOR_END: matrices

    session.section("Comparing the same token index");
    // ANCHOR: same_index
    // pick a random token index, from the lesson's one seeded stream (--seed)
    let mut rng = SeededRng::new(session.seed());
    let ridx = randint(&mut rng, 10_000..20_000, models.as_ref());
    let index = Pair::new(ridx, ridx);
    // the notebook only plots the two rows; their r is printed too, to set
    // beside the same word's below
    let same_index = session.show(compare(models.as_ref(), index, &labels)?);
    session.figure(figures::same_index(&same_index), "same_index")?;
    // ANCHOR_END: same_index

    // how about the same word? their correlation
    // ANCHOR: same_word
    let token = &args.word;
    // encode without special tokens: the notebook's encode(token)[1] skips
    // BERT's [CLS], and [0] is GPT-2's first token (a word of several pieces
    // compares its first)
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

    session.beyond("how much of each heatmap is outside its colour range?");
    // ANCHOR: clipped
    // the share of each matrix's values below and above the heatmaps' colour
    // range (the notebook's vmin, vmax): values its colours cannot tell apart
    let limits = figures::HEATMAP_LIMITS;
    let clipped = session.show(Clipped {
        limits,
        share: embeddings.map(|e| outside(e.data(), limits)),
        labels: labels.clone(),
    });
    // ANCHOR_END: clipped

    session.beyond("a vector against its own shuffled dimensions");
    let shuffled_self = session.show(shuffled_self(&same_word, &labels.gpt, &mut rng));

    // for the book: the line of each module tree that holds the embedding matrix
    let embedding_in_tree = architectures
        .as_ref()
        .zip(models.as_ref())
        .map(|(a, m)| embedding_line(&a.module_tree, m.embeddings.shape()));
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
        embedding_in_tree,
        clipped,
        shuffled_self,
    })
}

/// The line of a printed module tree that holds the token embedding matrix, an
/// `Embedding(V, d…)` of the matrix's shape (`None` if the tree names no such module).
fn embedding_line(tree: &str, [rows, cols]: [usize; 2]) -> Option<TreeLine> {
    let module = format!("Embedding({rows}, {cols}");
    let holds = |line: &str| {
        line.split_once(&module)
            .is_some_and(|(_, rest)| rest.starts_with([',', ')']))
    };
    let (number, text) = tree.lines().enumerate().find(|(_, l)| holds(l))?;
    Some(TreeLine {
        number: number + 1,
        lines: tree.lines().count(),
        text: text.trim().to_string(),
    })
}

/// The shares of `values` below and above `[vmin, vmax]`, compared as the heatmap
/// compares them (in f64): what its colour range cannot show.
fn outside(values: &[f32], [vmin, vmax]: [f64; 2]) -> Outside {
    let share = |beyond: &dyn Fn(f64) -> bool| {
        let count = values.iter().filter(|&&v| beyond(f64::from(v))).count();
        count as f64 / values.len().max(1) as f64
    };
    Outside {
        below: share(&|v| v < vmin),
        above: share(&|v| v > vmax),
    }
}

/// How many seeded shuffles of a vector's dimensions it is correlated with.
const SHUFFLES: usize = 5;

/// The same word's GPT vector correlated with copies of itself whose dimensions are
/// shuffled (drawn from `rng`, the stream randint drew from, continued).
fn shuffled_self(same_word: &SameWord, label: &str, rng: &mut SeededRng) -> ShuffledSelf {
    // ANCHOR: shuffled_self
    // the same values, each now paired with another axis's
    let vector = &same_word.comparison.vector.gpt;
    let correlations: Vec<f64> = (0..SHUFFLES)
        .map(|_| {
            let mut copy = vector.clone();
            rng.shuffle(&mut copy);
            pearson(vector, &copy)
        })
        .collect();
    // ANCHOR_END: shuffled_self
    ShuffledSelf {
        word: same_word.word.clone(),
        index: same_word.comparison.index.gpt,
        dimensions: vector.len(),
        mean_abs_r: correlations.iter().map(|r| r.abs()).sum::<f64>() / SHUFFLES as f64,
        band: 2.0 / (vector.len() as f64).sqrt(),
        correlations,
        label: label.to_string(),
    }
}

/// The notebook's `np.random.randint(low, high)`, seeded, kept inside both vocabularies:
/// the range is cut to the smaller model's rows (a model of 10,000 rows or fewer gets
/// its last row).
fn randint(rng: &mut SeededRng, range: std::ops::Range<usize>, models: Pair<&Model>) -> usize {
    let rows = models
        .bert
        .embeddings
        .rows()
        .min(models.gpt.embeddings.rows());
    rng.below(range.start.min(rows - 1), range.end.min(rows))
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

/// One BERT row and one GPT-2 row, and their correlation (`np.corrcoef`) over the
/// dimensions both have.
fn compare(models: Pair<&Model>, index: Pair<usize>, labels: &Pair<String>) -> Result<Comparison> {
    let vector = models.zip(index).map(|(m, i)| m.embeddings.row(i).to_vec());
    // np.corrcoef needs two lists of one length: the first min(d_BERT, d_GPT) dimensions
    // are compared (dimension k of one model has nothing to do with dimension k of the
    // other, whatever the widths: an r near 0 is what to expect).
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
