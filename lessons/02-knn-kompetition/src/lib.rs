//! Lesson 2 — the BERT v GPT kNN "kompetition" (seed notebook `02-knn-kompetition`):
//! which tokens lie nearest to a word's embedding in each model, with raw and with
//! unit-length vectors, how GPT-2's leading space changes the answer, and what to do
//! with a word that is several tokens.

mod figures;
mod results;

use anyhow::Result;
use clap::Parser;
use common::analysis::neighbours::hubness;
use common::analysis::neighbours::{self, Metric, Query};
use common::analysis::stats::histogram;
use common::model::{token_text, word_ids};
use common::plot::model_labels;
use common::run::cli::{ListItem, expand, list_item};
use common::run::{CourseModels, Flags, ModelPairArgs};
use common::{Device, LessonArgs, Model, Pair, Report, Session, ops};

pub use results::*;

pub const LESSON: &str = "02-knn-kompetition";

/// The notebook's models.
#[derive(Clone, Debug)]
pub struct Course;

impl CourseModels for Course {
    const BERT: &'static str = "bert-base-uncased";
    const GPT: &'static str = "gpt2";
}

/// Lesson 2: nearest neighbours of a word in BERT's and GPT-2's embedding spaces.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson02", version)]
pub struct Args {
    #[command(flatten)]
    pub pair: ModelPairArgs<Course>,

    /// Seed words, comma-separated (@FILE: one per line). A word of several tokens is
    /// searched by the mean of its token vectors, as the notebook does for "beauty".
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = "ring,beauty")]
    pub words: Vec<ListItem>,

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

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common)?;
    let models = session.load_pair(args.pair.requests())?;
    let labels = model_labels(
        models.as_ref(),
        args.pair.requests().map(|(_, course)| course),
    );
    let k = args.k as usize;
    let mut words = Vec::new();
    for word in expand(&args.words) {
        words.push(explore_word(
            &word,
            k,
            args.metric,
            models.as_ref(),
            &labels,
            &session,
        )?);
    }
    let graph = if args.graph {
        // ANCHOR: graph
        let graphs = models
            .as_ref()
            .map(|model| vocabulary_graph(model, k, session.device()).map(|g| session.show(g)))
            .transpose()?;
        // ANCHOR_END: graph
        Some(graphs)
    } else {
        None
    };
    session.finish(Results {
        metric: args.metric,
        words,
        graph,
    })
}

/// The whole vocabulary's neighbour graph, summarised by its hubs.
fn vocabulary_graph(model: &Model, k: usize, device: &Device) -> Result<VocabularyGraph> {
    let rows = model.embeddings.rows();
    let k = k.min(rows - 1);
    let graph = neighbours::knn_graph(&model.embeddings, k, device)?;
    let hubness = hubness(&graph, 10);
    let hubs = hubness
        .hubs
        .iter()
        .map(|&(id, lists)| Ok((token_text(model, id)?, lists)))
        .collect::<Result<Vec<_>>>()?;
    Ok(VocabularyGraph {
        model: model.files.name.clone(),
        rows,
        k,
        hubs,
        orphans: hubness.orphans,
        mutual: hubness.mutual,
    })
}

fn explore_word(
    word: &str,
    k: usize,
    metric: Metric,
    models: Pair<&Model>,
    labels: &Pair<String>,
    session: &Session,
) -> Result<WordResult> {
    let device = session.device();
    // ANCHOR: seed_ids
    println!("\n# Seed word \"{word}\"\n");
    let ids = models.map(|m| word_ids(m, word)).transpose()?;
    let pieces = models
        .zip(ids.as_ref())
        .map(|(m, ids)| {
            ids.iter()
                .map(|&id| token_text(m, id as usize))
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    session.show(SeedIds {
        word,
        ids: ids.as_ref(),
        pieces: pieces.as_ref(),
    });
    // ANCHOR_END: seed_ids

    // ANCHOR: searches
    // Every search of this word in a model — raw, normalised, and in the GPT model the
    // word with a leading space — in one pass over that model's matrix.
    let spaced = format!(" {}", word.trim_start());
    let spaced_ids = word_ids(models.gpt, &spaced)?;
    let search = |ids: &[u32], metric, normalise| Plan {
        ids: ids.to_vec(),
        metric,
        normalise,
    };
    let mut plans = ids.as_ref().map(|ids| vec![search(ids, metric, false)]);
    if metric == Metric::Euclidean {
        plans.bert.push(search(&ids.bert, Metric::Euclidean, true));
        plans.gpt.push(search(&ids.gpt, Metric::Euclidean, true));
    } else {
        // the emptiness table compares Euclidean neighbours of the word itself too
        plans.gpt.push(search(&ids.gpt, Metric::Euclidean, false));
    }
    plans
        .gpt
        .push(search(&spaced_ids, Metric::Euclidean, false));
    let mut found = models
        .zip(plans)
        .map(|(model, plans)| search_all(model, &plans, k, device))
        .transpose()?
        .map(|found| found.into_iter());
    let missing = || anyhow::anyhow!("a search is missing");
    let as_search = |found: Pair<Found>, metric, normalised| Search {
        word: word.to_string(),
        k,
        metric,
        normalised,
        neighbours: found.as_ref().map(|(n, _)| n.clone()),
        histogram: found.map(|(_, h)| h),
    };
    let mut next = || {
        found
            .as_mut()
            .map(|searches| searches.next().ok_or_else(missing))
            .transpose()
    };
    let raw = session.show(as_search(next()?, metric, false));
    let normalised = match metric {
        Metric::Euclidean => Some(session.show(as_search(next()?, Metric::Euclidean, true))),
        Metric::Cosine => {
            println!(
                "\n(cosine distance ignores vector length, so normalising first would change nothing: skipped)"
            );
            None
        }
    };
    // ANCHOR_END: searches
    let stem = format!("distances_{}", file_safe(word));
    session.figure(figures::distances(word, &raw, labels), &stem)?;
    if let Some(normalised) = &normalised {
        session.figure(
            figures::distances(word, normalised, labels),
            &format!("{stem}_normalised"),
        )?;
    }

    // ANCHOR: emptiness
    println!("\n# The importance of emptiness: \"{word}\" vs \"{spaced}\" in the GPT model\n");
    // With raw Euclidean distance, the word's own search above is the one compared here.
    let without_space = match metric {
        Metric::Euclidean => raw.neighbours.gpt.clone(),
        Metric::Cosine => found.gpt.next().ok_or_else(missing)?.0,
    };
    let with_space = found.gpt.next().ok_or_else(missing)?.0;
    let emptiness = session.show(Emptiness::new(
        word,
        (ids.gpt.clone(), without_space),
        (spaced_ids, with_space),
    ));
    // ANCHOR_END: emptiness
    Ok(WordResult {
        word: word.to_string(),
        ids,
        raw,
        normalised,
        emptiness,
    })
}

/// One search: the mean vector of `ids`, distances by `metric`, rows normalised or not.
struct Plan {
    ids: Vec<u32>,
    metric: Metric,
    normalise: bool,
}

/// A search's nearest tokens and the density histogram of its distances.
type Found = (Vec<Neighbour>, Option<common::analysis::stats::Histogram>);

/// For each plan, the `k` tokens nearest to the mean vector of its `ids` in `model` and
/// the density histogram (90 bins) of the distances to every token: one pass over the
/// matrix for all of them. With unit vectors the notebook leaves the seed's own zero
/// distance out of the histogram (`np.nonzero`); here the seed token's entry is left out,
/// since the matmul form gives it a distance of rounding size rather than exactly zero
/// (the neighbour table is re-measured exactly).
fn search_all(model: &Model, plans: &[Plan], k: usize, device: &Device) -> Result<Vec<Found>> {
    let queries = plans
        .iter()
        .map(|plan| {
            let rows: Vec<usize> = plan.ids.iter().map(|&id| id as usize).collect();
            Ok(Query {
                vector: ops::mean_of_rows(&model.embeddings, &rows, plan.normalise, device)?,
                metric: plan.metric,
                normalise: plan.normalise,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let found = neighbours::nearest_all(&model.embeddings, &queries, k, device)?;
    plans
        .iter()
        .zip(found)
        .map(|(plan, (nearest, mut distances))| {
            if plan.normalise && plan.ids.len() == 1 {
                distances.remove(plan.ids[0] as usize);
            }
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
            Ok((nearest, histogram(&distances, 90, true)))
        })
        .collect()
}

/// A word as part of a file name: letters and digits kept, anything else as `_`.
fn file_safe(word: &str) -> String {
    let safe: String = word
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    if safe.is_empty() { "_".into() } else { safe }
}
