//! Lesson 2 — the BERT v GPT kNN "kompetition" (seed notebook `02-knn-kompetition`):
//! which tokens lie nearest to a word's embedding in each model, with raw and with
//! unit-length vectors, how GPT-2's leading space changes the answer, and what to do
//! with a word that is several tokens.

mod figures;

use anyhow::Result;
use clap::Parser;
use common::cli::LessonArgs;
use common::ops::{self, Metric};
use common::report::Report;
use common::session::Session;
use common::stats::{Histogram, histogram, hubness};
use common::words::{token_text, word_ids};
use common::{Device, Model};
use serde::Serialize;

pub const LESSON: &str = "02-knn-kompetition";
pub const DEFAULT_BERT: &str = "bert-base-uncased";
pub const DEFAULT_GPT: &str = "gpt2";

/// Lesson 2: nearest neighbours of a word in BERT's and GPT-2's embedding spaces.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson02", version)]
pub struct Args {
    /// BERT-family model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = DEFAULT_BERT)]
    pub bert: String,

    /// GPT-family model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = DEFAULT_GPT)]
    pub gpt: String,

    /// Seed word(s); repeat the flag for more. A word of several tokens is searched by the
    /// mean of its token vectors, as the notebook does for "beauty".
    #[arg(long = "word", default_values = ["ring", "beauty"])]
    pub words: Vec<String>,

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

pub fn run(args: &Args) -> Result<Report> {
    let mut session = Session::start(LESSON, &args.common)?;
    session.report.record("metric", args.metric)?;
    let [bert, gpt] = session.load([(&args.bert, DEFAULT_BERT), (&args.gpt, DEFAULT_GPT)])?;
    let mut results = Vec::new();
    for word in &args.words {
        results.push(explore_word(
            word,
            args.k as usize,
            args.metric,
            [&bert, &gpt],
            &mut session,
        )?);
    }
    session.report.record("words", &results)?;
    if args.graph {
        // ANCHOR: graph
        let graphs =
            [&bert, &gpt].map(|model| vocabulary_graph(model, args.k as usize, &session.device));
        // ANCHOR_END: graph
        let [bert_graph, gpt_graph] = graphs;
        session.report.record(
            "graph",
            serde_json::json!({ "bert": bert_graph?, "gpt2": gpt_graph? }),
        )?;
    }
    session.finish()
}

/// The whole vocabulary's neighbour graph, summarised by its hubs.
#[derive(Debug, Serialize)]
pub struct VocabularyGraph {
    pub k: usize,
    /// The most-listed tokens and how many neighbour lists hold each.
    pub hubs: Vec<(String, usize)>,
    pub orphans: usize,
    pub mutual: f64,
}

fn vocabulary_graph(model: &Model, k: usize, device: &Device) -> Result<VocabularyGraph> {
    let rows = model.embeddings.rows();
    let k = k.min(rows - 1);
    println!(
        "\n# The {k} nearest neighbours of every one of {}'s {rows} tokens\n",
        model.files.name
    );
    let graph = ops::knn_graph(&model.embeddings, k, device)?;
    let hubness = hubness(&graph, 10);
    let hubs = hubness
        .hubs
        .iter()
        .map(|&(id, lists)| Ok((token_text(model, id)?, lists)))
        .collect::<Result<Vec<_>>>()?;
    println!(
        "Hubs: the tokens in the most neighbour lists (a token appears in {k} lists on average)"
    );
    for (token, lists) in &hubs {
        println!("  {token:>16?}  in {lists} lists");
    }
    println!(
        "{} tokens are in nobody's list; {:.1}% of neighbour pairs are mutual.",
        hubness.orphans,
        100.0 * hubness.mutual
    );
    Ok(VocabularyGraph {
        k,
        hubs,
        orphans: hubness.orphans,
        mutual: hubness.mutual,
    })
}

/// Everything the lesson finds out about one seed word.
#[derive(Debug, Serialize)]
pub struct WordResult {
    pub word: String,
    pub bert_ids: Vec<u32>,
    pub gpt2_ids: Vec<u32>,
    pub raw: Search,
    /// `None` when the raw search already used cosine distance (normalising changes nothing).
    pub normalised: Option<Search>,
    pub emptiness: Emptiness,
}

/// One search in both models: the neighbour table and the distance distributions.
#[derive(Debug, Serialize)]
pub struct Search {
    pub metric: Metric,
    pub normalised: bool,
    pub bert: Vec<Neighbour>,
    pub gpt2: Vec<Neighbour>,
    pub bert_histogram: Option<Histogram>,
    pub gpt2_histogram: Option<Histogram>,
}

#[derive(Debug, Serialize)]
pub struct Neighbour {
    pub id: usize,
    pub token: String,
    pub distance: f32,
}

/// GPT-2's "ring" and " ring" are different tokens with different neighbours.
#[derive(Debug, Serialize)]
pub struct Emptiness {
    pub without_space: Vec<Neighbour>,
    pub with_space: Vec<Neighbour>,
    /// Neighbours the two lists share.
    pub shared: usize,
    /// Neighbours that begin with a space (word-initial tokens), in each list.
    pub word_initial_without_space: usize,
    pub word_initial_with_space: usize,
}

fn explore_word(
    word: &str,
    k: usize,
    metric: Metric,
    [bert, gpt]: [&Model; 2],
    session: &mut Session,
) -> Result<WordResult> {
    let device = &session.device.clone();
    // ANCHOR: seed_ids
    println!("\n# Seed word \"{word}\"\n");
    let bert_ids = word_ids(bert, word)?;
    let gpt2_ids = word_ids(gpt, word)?;
    println!("In BERT: \"{word}\" has index {bert_ids:?}");
    println!("In GPT2: \"{word}\" has index {gpt2_ids:?}");
    for (model, ids) in [(bert, &bert_ids), (gpt, &gpt2_ids)] {
        if ids.len() > 1 {
            let pieces: Result<Vec<String>> = ids
                .iter()
                .map(|&id| token_text(model, id as usize))
                .collect();
            println!(
                "  {} splits it into {:?}: searching from the mean of their vectors",
                model.files.name, pieces?
            );
        }
    }
    // ANCHOR_END: seed_ids

    // ANCHOR: searches
    let sides = [
        Seed {
            model: bert,
            ids: &bert_ids,
        },
        Seed {
            model: gpt,
            ids: &gpt2_ids,
        },
    ];
    let raw = search(word, k, metric, false, &sides, device)?;
    let normalised = match metric {
        Metric::Euclidean => Some(search(word, k, Metric::Euclidean, true, &sides, device)?),
        Metric::Cosine => {
            println!(
                "\n(cosine distance ignores vector length, so normalising first would change nothing: skipped)"
            );
            None
        }
    };
    // ANCHOR_END: searches
    let stem = format!("distances_{}", file_safe(word));
    session.figure(&figures::distances(word, &raw, bert, gpt), &stem)?;
    if let Some(normalised) = &normalised {
        session.figure(
            &figures::distances(word, normalised, bert, gpt),
            &format!("{stem}_normalised"),
        )?;
    }

    // ANCHOR: emptiness
    let emptiness = emptiness(word, k, gpt, device)?;
    // ANCHOR_END: emptiness
    Ok(WordResult {
        word: word.to_string(),
        bert_ids,
        gpt2_ids,
        raw,
        normalised,
        emptiness,
    })
}

fn as_rows(ids: &[u32]) -> Vec<usize> {
    ids.iter().map(|&id| id as usize).collect()
}

/// The k nearest tokens to `query` in `model`, and all distances.
fn neighbours(
    model: &Model,
    query: &[f32],
    k: usize,
    metric: Metric,
    normalise: bool,
    device: &Device,
) -> Result<(Vec<Neighbour>, Vec<f32>)> {
    let (nearest, distances) =
        ops::nearest(&model.embeddings, query, k, metric, normalise, device)?;
    let nearest = nearest
        .into_iter()
        .map(|(id, distance)| {
            Ok(Neighbour {
                id,
                token: token_text(model, id)?,
                distance,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((nearest, distances))
}

/// A seed word in one model: its token ids; the vector searched from is their mean.
struct Seed<'a> {
    model: &'a Model,
    ids: &'a [u32],
}

impl Seed<'_> {
    /// Neighbours, and the density histogram of all distances. With unit vectors the
    /// notebook leaves the seed's own zero distance out of the histogram (`np.nonzero`);
    /// here the seed token's entry is left out, since the matmul form gives it a distance
    /// of rounding size rather than exactly zero (the neighbour table is re-measured exactly).
    fn search(
        &self,
        k: usize,
        metric: Metric,
        normalise: bool,
        device: &Device,
    ) -> Result<(Vec<Neighbour>, Option<Histogram>)> {
        let query = ops::mean_of_rows(
            &self.model.embeddings,
            &as_rows(self.ids),
            normalise,
            device,
        )?;
        let (nearest, mut distances) =
            neighbours(self.model, &query, k, metric, normalise, device)?;
        if normalise && self.ids.len() == 1 {
            distances.remove(self.ids[0] as usize);
        }
        Ok((nearest, histogram(&distances, 90, true)))
    }
}

fn search(
    word: &str,
    k: usize,
    metric: Metric,
    normalise: bool,
    sides: &[Seed; 2],
    device: &Device,
) -> Result<Search> {
    let (bert, bert_histogram) = sides[0].search(k, metric, normalise, device)?;
    let (gpt2, gpt2_histogram) = sides[1].search(k, metric, normalise, device)?;
    let what = match (metric, normalise) {
        (Metric::Euclidean, false) => "Euclidean distance",
        (Metric::Euclidean, true) => "Euclidean distance between unit-length vectors",
        (Metric::Cosine, _) => "cosine distance",
    };
    println!(
        "\n{} nearest tokens to \"{word}\" by {what}:\n",
        bert.len().max(gpt2.len())
    );
    print_table(&bert, &gpt2);
    if k > bert.len().min(gpt2.len()) {
        println!("(k = {k} is more than a vocabulary holds: listing every token)");
    }
    Ok(Search {
        metric,
        normalised: normalise,
        bert,
        gpt2,
        bert_histogram,
        gpt2_histogram,
    })
}

/// The notebook's two-column table: BERT token and distance | distance and GPT-2 token.
fn print_table(bert: &[Neighbour], gpt: &[Neighbour]) {
    println!("|        BERT        |        GPT2          |");
    println!("|--------------------|----------------------|");
    for i in 0..bert.len().max(gpt.len()) {
        let left = bert.get(i).map_or(" ".repeat(18), |n| {
            format!("{:>10} ({:.2})", n.token, n.distance)
        });
        let right = gpt.get(i).map_or(String::new(), |n| {
            format!("({:4.2}) {}", n.distance, n.token)
        });
        println!("  {left}  |  {right}");
    }
}

fn emptiness(word: &str, k: usize, gpt: &Model, device: &Device) -> Result<Emptiness> {
    let spaced = format!(" {}", word.trim_start());
    println!("\n# The importance of emptiness: \"{word}\" vs \"{spaced}\" in GPT-2\n");
    let bare_ids = word_ids(gpt, word)?;
    let spaced_ids = word_ids(gpt, &spaced)?;
    println!("\"{word}\" is {bare_ids:?}, \"{spaced}\" is {spaced_ids:?}");
    let query = |ids: &[u32]| ops::mean_of_rows(&gpt.embeddings, &as_rows(ids), false, device);
    let (without_space, _) =
        neighbours(gpt, &query(&bare_ids)?, k, Metric::Euclidean, false, device)?;
    let (with_space, _) = neighbours(
        gpt,
        &query(&spaced_ids)?,
        k,
        Metric::Euclidean,
        false,
        device,
    )?;
    println!(
        "|     \"{word}\"{:pad$}|     \"{spaced}\"",
        "",
        pad = 16usize.saturating_sub(word.chars().count())
    );
    for (a, b) in without_space.iter().zip(&with_space) {
        let (left, right) = (format!("{:?}", a.token), format!("{:?}", b.token));
        println!(
            "  {left:>16} ({:.2})  |  ({:.2}) {right}",
            a.distance, b.distance
        );
    }
    let shared = without_space
        .iter()
        .filter(|a| with_space.iter().any(|b| b.id == a.id))
        .count();
    let initial = |list: &[Neighbour]| list.iter().filter(|n| n.token.starts_with(' ')).count();
    let result = Emptiness {
        shared,
        word_initial_without_space: initial(&without_space),
        word_initial_with_space: initial(&with_space),
        without_space,
        with_space,
    };
    println!(
        "\nGPT-2 keeps a word's leading space inside the token: \"{word}\" (text-initial or inside a word)\n\
         and \"{spaced}\" (a new word after a space) are different tokens with different vectors.\n\
         Their neighbour lists share {} of {} tokens; {} of the first list and {} of the second\n\
         begin with a space. BERT strips spaces before WordPiece, so it has one token for both.",
        result.shared,
        result.without_space.len(),
        result.word_initial_without_space,
        result.word_initial_with_space
    );
    Ok(result)
}

/// A word as part of a file name: letters and digits kept, anything else as `_`.
fn file_safe(word: &str) -> String {
    let safe: String = word
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    if safe.is_empty() { "_".into() } else { safe }
}
