//! Lesson 2 — the BERT v GPT kNN "kompetition" (seed notebook `02-knn-kompetition`):
//! which tokens lie nearest to a word's embedding in each model, with raw and with
//! unit-length vectors, how GPT-2's leading space changes the answer, and what to do
//! with a word that is several tokens.

mod args;
mod figures;
mod results;

use anyhow::Result;
use common::analysis::anisotropy::anisotropy;
use common::analysis::neighbours::{self, Metric, Query, hubness};
use common::analysis::stats::histogram;
use common::model::{token_text, word_ids};
use common::run::cli::expand;
use common::run::resources::ensure_memory;
use common::run::text::{file_stem, one_line};
use common::{Device, Matrix, Model, Pair, Report, Session, ops};

pub use args::Args;
pub use results::*;

pub const LESSON: &str = "02-knn-kompetition";

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common)?;
    // load BERT tokenizer and model; pretrained GPT-2 model and tokenizer
    let models = session.load_pair(args.pair.requests())?;
    let labels = args.pair.labels(models.as_ref());
    let k = args.k as usize;

    // Beyond the notebook: every token minus the mean vector (centring), searched beside
    // the raw and unit-length vectors, and how alike random directions are before and
    // after centring (anisotropy)
    // ANCHOR: anisotropy
    let centred = models
        .as_ref()
        .map(|m| ops::centre_rows(&m.embeddings, session.device()).map(|(c, _)| c))
        .transpose()?;
    let anisotropy = session.show(Anisotropies {
        labels: labels.clone(),
        of: models
            .as_ref()
            .map(|m| anisotropy(&m.embeddings))
            .transpose()?,
    });
    // ANCHOR_END: anisotropy

    // Exercises 1-4, for each seed word ("ring", then the multi-token "beauty")
    let mut words = Vec::new();
    let seeds = expand(&args.words);
    ensure_memory("lesson 2's results", "--words", seeds.len() as u64, |n| {
        n.saturating_mul(word_result_bytes(k))
    })?;
    if args.graph {
        // Checked before the words are searched, so a graph too large fails at once; the
        // graphs are built one model after the other.
        let rows = models.as_ref().map(|m| m.embeddings.rows());
        ensure_memory("the neighbour graph of every token", "--k", k as u64, |k| {
            graph_bytes(rows.bert, k).max(graph_bytes(rows.gpt, k))
        })?;
    }
    let drawn = seeds.len().min(args.max_word_figures as usize);
    for word in &seeds {
        let draw = words.len() < drawn;
        words.push(explore_word(
            word,
            k,
            args.metric,
            models.as_ref(),
            centred.as_ref(),
            &labels,
            draw,
            &session,
        )?);
        if words.len() == 1 && draw {
            // The first word's figures measure what every drawn word will write.
            session.ensure_room("--max-word-figures", 1, drawn as u64)?;
        }
    }
    let words_not_drawn = seeds[drawn..].to_vec();
    if !words_not_drawn.is_empty() {
        println!(
            "
{} words past --max-word-figures {drawn} were searched, not drawn (report.json lists them)",
            words_not_drawn.len()
        );
    }

    // Beyond the notebook (--graph): every token's neighbours, and the hubs among them
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
        anisotropy: anisotropy.of,
        words,
        words_not_drawn,
        graph,
    })
}

/// Memory one seed word's results take until the report is written: four neighbour
/// lists of `k` (id, token, distance) and four 90-bin histograms, held as values and once
/// more as report text (measured: 35 KB of report.json per word at k = 15).
fn word_result_bytes(k: usize) -> u64 {
    let lists = 4 * k as u64 * 200;
    let histograms = 4 * 181 * 32;
    2 * (lists + histograms)
}

/// Memory the neighbour graph of a `rows`-token vocabulary takes: each token's `k`
/// nearest (no more than the other tokens), as candidates and as the graph, an
/// (id, distance) pair of 8 bytes twice.
fn graph_bytes(rows: usize, k: u64) -> u64 {
    let rows = rows as u64;
    rows.saturating_mul(k.min(rows.saturating_sub(1)))
        .saturating_mul(16)
}

/// The notebook's exercises for one seed word; its figures drawn when `draw` is set.
fn explore_word(
    word: &str,
    k: usize,
    metric: Metric,
    models: Pair<&Model>,
    centred: Pair<&Matrix>,
    labels: &Pair<String>,
    draw: bool,
    session: &Session,
) -> Result<WordResult> {
    let device = session.device();
    // Exercise 1: kNN-based synonym-searching of "ring" — check in BERT, check in GPT
    // (Exercise 4: a word of several tokens is searched from the mean of their vectors)
    // ANCHOR: seed_ids
    println!("\n# Seed word \"{}\"\n", one_line(word));
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

    // One search of the seed in both models: its distances, their histogram, the top k.
    let raw_vectors = models.map(|m| &m.embeddings);
    let search = |vectors: Pair<&Matrix>, metric, normalise| {
        search_both(
            word,
            models.zip(vectors),
            labels,
            ids.as_ref(),
            k,
            metric,
            normalise,
            device,
        )
    };

    // Euclidean distances; visualize the distributions; sort and get top k, and print
    // ANCHOR: raw
    let raw = session.show(search(raw_vectors, metric, false)?);
    let stem = file_stem("distances", word);
    if draw {
        session.figure(figures::distances(word, &raw, labels), &stem)?;
    }
    // ANCHOR_END: raw

    // Exercise 2: Using normalized vectors
    // ANCHOR: normalised
    let normalised = match metric {
        Metric::Euclidean => {
            let normalised = session.show(search(raw_vectors, metric, true)?);
            if draw {
                let figure = figures::distances(word, &normalised, labels);
                session.figure(figure, &format!("{stem}_normalised"))?;
            }
            Some(normalised)
        }
        Metric::Cosine => {
            println!(
                "\n(cosine distance ignores vector length, so normalising first would change nothing: skipped)"
            );
            None
        }
    };
    // ANCHOR_END: normalised

    // Beyond the notebook: the same search among centred vectors, scaled to unit length
    // ANCHOR: centred
    let centred = session.show(Search {
        centred: true,
        ..search(centred, metric, true)?
    });
    // ANCHOR_END: centred

    // Exercise 3: The importance of emptiness (the notebook's cell has no code: "ring" and
    // " ring" searched in the GPT model, by raw Euclidean distance)
    // ANCHOR: emptiness
    let spaced = format!(" {}", word.trim_start());
    println!(
        "\n# The importance of emptiness: \"{}\" vs \"{}\" in the GPT model\n",
        one_line(word),
        one_line(&spaced)
    );
    let spaced_ids = word_ids(models.gpt, &spaced)?;
    let without_space = match metric {
        // the raw search above already is this one
        Metric::Euclidean => raw.neighbours.gpt.clone(),
        Metric::Cosine => {
            let vectors = &models.gpt.embeddings;
            nearest(
                models.gpt,
                vectors,
                &ids.gpt,
                k,
                Metric::Euclidean,
                false,
                device,
            )?
            .neighbours
        }
    };
    let with_space = nearest(
        models.gpt,
        &models.gpt.embeddings,
        &spaced_ids,
        k,
        Metric::Euclidean,
        false,
        device,
    )?
    .neighbours;
    let emptiness = session.show(emptiness(
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
        centred,
        emptiness,
    })
}

/// One search in both models: each model's [`nearest`] tokens and distance histogram,
/// among the vectors given with each model.
fn search_both(
    word: &str,
    models: Pair<(&Model, &Matrix)>,
    labels: &Pair<String>,
    ids: Pair<&Vec<u32>>,
    k: usize,
    metric: Metric,
    normalise: bool,
    device: &Device,
) -> Result<Search> {
    let found = models
        .zip(ids)
        .map(|((model, vectors), ids)| nearest(model, vectors, ids, k, metric, normalise, device))
        .transpose()?;
    Ok(Search {
        word: word.to_string(),
        k,
        labels: labels.clone(),
        metric,
        normalised: normalise,
        centred: false,
        neighbours: found.as_ref().map(|f| f.neighbours.clone()),
        histogram: found.map(|f| f.histogram),
    })
}

// ANCHOR: nearest
/// The `k` tokens nearest to the mean vector of `ids` among `vectors` (`model`'s rows,
/// raw or centred; `np.argsort(distances)[:k]`) and the density histogram of the distances
/// (`np.histogram(distances, bins=90, density=True)`). With unit vectors the seed's own
/// distance is left out of it, as the notebook's `np.nonzero` does (the matmul form gives
/// it rounding size, not 0; the neighbour table is re-measured exactly).
fn nearest(
    model: &Model,
    vectors: &Matrix,
    ids: &[u32],
    k: usize,
    metric: Metric,
    normalise: bool,
    device: &Device,
) -> Result<Nearest> {
    let rows: Vec<usize> = ids.iter().map(|&id| id as usize).collect();
    let query = Query {
        vector: ops::mean_of_rows(vectors, &rows, normalise, device)?,
        metric,
        normalise,
    };
    let (nearest, mut distances) = neighbours::nearest(vectors, &query, k, device)?;
    if normalise && rows.len() == 1 {
        distances.remove(rows[0]);
    }
    let neighbours = nearest
        .into_iter()
        .map(|(id, distance)| {
            let token = token_text(model, id)?;
            Ok(Neighbour {
                id,
                token,
                distance,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Nearest {
        neighbours,
        histogram: histogram(&distances, 90, true),
    })
}
// ANCHOR_END: nearest

/// The GPT model's neighbours of the word without and with its leading space, compared:
/// `(ids, neighbours)` of each.
fn emptiness(
    word: &str,
    (bare_ids, without_space): (Vec<u32>, Vec<Neighbour>),
    (spaced_ids, with_space): (Vec<u32>, Vec<Neighbour>),
) -> Emptiness {
    let shared = without_space
        .iter()
        .filter(|a| with_space.iter().any(|b| b.id == a.id))
        .count();
    let initial = |list: &[Neighbour]| list.iter().filter(|n| n.token.starts_with(' ')).count();
    Emptiness {
        word: word.to_string(),
        ids: (bare_ids, spaced_ids),
        shared,
        word_initial_without_space: initial(&without_space),
        word_initial_with_space: initial(&with_space),
        without_space,
        with_space,
    }
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
