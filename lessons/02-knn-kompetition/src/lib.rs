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
use common::analysis::stats::{Histogram, histogram, median};
use common::model::{token_text, word_ids};
use common::ops::{Centre, Rows};
use common::run::cli::expand;
use common::text::file_stem;
use common::{Device, Model, Pair, Report, Session, ops};

pub use args::Args;
pub use results::*;

pub const LESSON: &str = "02-knn-kompetition";

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common, args.budget())?;
    // load BERT tokenizer and model; pretrained GPT-2 model and tokenizer
    let models = session.load_pair(args.pair.requests())?;
    let knn = Knn::new(models.as_ref(), args, &session);
    // the notebook's seed words, "ring" then "beauty", unless --words names others
    let seedwords = expand(&args.words);

    let seedword = &seedwords[0];
    session.section(&format!(
        "Exercise 1: kNN-based synonym-searching of \"{seedword}\""
    ));
    // ANCHOR: seed_ids
    // check in BERT, check in GPT
    let seedidx = session.show(knn.seed_ids(seedword)?);
    // ANCHOR_END: seed_ids
    // ANCHOR: raw
    // Euclidean distances ‖e − s‖ (or --metric's) from the seed's vector s to
    // every token's e: s is its row, or the mean of its rows for a word of
    // several tokens, as in Exercise 4 (each distance: common's `from_dot`)
    let euc_dist = knn.distances(&seedidx, Among::Raw)?;
    // visualize the distributions
    knn.draw(&euc_dist, "")?;
    // sort and get top k, and print
    let top_k = session.show(knn.top_k(&euc_dist)?);
    // ANCHOR_END: raw

    session.section("Exercise 2: Using normalized vectors");
    // ANCHOR: normalised
    // normalize; Euclidean distances (none under --metric cosine, which already
    // ignores length)
    let euc_dist_norm = knn.normalised(&seedidx)?;
    // visualize the distributions
    knn.draw(&euc_dist_norm, "_normalised")?;
    // sort and get top k, and print
    let top_k_norm = session.show(knn.top_k_normalised(euc_dist_norm.as_ref())?);
    // ANCHOR_END: normalised

    session.section("Exercise 3: The importance of emptiness");
    // ANCHOR: emptiness
    // (the notebook's cell has no code: "ring" and " ring" searched in the GPT
    // model, by raw Euclidean distance)
    let emptiness = session.show(knn.emptiness(&seedidx, &top_k)?);
    // ANCHOR_END: emptiness

    session.section("Exercise 4: Multitoken words in GPT2");
    // ANCHOR: multitoken
    // "beauty": check in BERT, check in GPT; Euclidean distances from the mean
    // vector of its tokens; sort and get top k, and print
    let mut multitoken = Vec::new();
    if let Some(seedword) = seedwords.get(1) {
        let seedidx = session.show(knn.seed_ids(seedword)?);
        let euc_dist = knn.distances(&seedidx, Among::Raw)?;
        let top_k = session.show(knn.top_k(&euc_dist)?);
        multitoken.push((seedidx, top_k));
    }
    // ANCHOR_END: multitoken

    session.beyond("how alike are two random directions? (anisotropy)");
    // ANCHOR: anisotropy
    let anisotropy = session.show(Anisotropies {
        labels: knn.labels.clone(),
        of: models
            .as_ref()
            .map(|m| anisotropy(&m.embeddings))
            .transpose()?,
    });
    // ANCHOR_END: anisotropy

    if seedwords.len() > 2 {
        session.beyond("exercise 4 for the further words of --words");
        for seedword in &seedwords[2..] {
            let seedidx = session.show(knn.seed_ids(seedword)?);
            let euc_dist = knn.distances(&seedidx, Among::Raw)?;
            multitoken.push((seedidx, session.show(knn.top_k(&euc_dist)?)));
        }
    }

    session.beyond("the seed words among centred vectors");
    // ANCHOR: centred
    // every token minus the mean vector, scaled to unit length, searched like
    // the others
    let centred = knn.centred()?;
    let centred_dist = knn.distances(&seedidx, Among::Centred(&centred))?;
    let centred_search = session.show(knn.top_k(&centred_dist)?);
    // ANCHOR_END: centred
    let first = WordResult::new(seedidx, top_k, top_k_norm, centred_search, emptiness);

    session.beyond("exercises 2 and 3 for the words of exercise 4");
    let words = knn.every_word(first, multitoken, &centred, args.max_word_figures)?;

    let graph = if args.graph {
        session.beyond("every token's neighbours, and the hubs among them (--graph)");
        // ANCHOR: graph
        let graph = |model| vocabulary_graph(model, knn.k, session.device());
        let graphs = models
            .as_ref()
            .map(|model| graph(model).map(|g| session.show(g)))
            .transpose()?;
        // ANCHOR_END: graph
        Some(graphs)
    } else {
        None
    };
    session.finish(Results {
        metric: args.metric,
        anisotropy: anisotropy.of,
        words: words.searched,
        words_not_drawn: words.not_drawn,
        graph,
    })
}

/// The notebook's searches, as the flags set them: `k` neighbours, by `--metric`, in
/// both models, each table's columns named by `labels`; figures drawn in `session`.
struct Knn<'a> {
    models: Pair<&'a Model>,
    labels: Pair<String>,
    k: usize,
    metric: Metric,
    session: &'a Session,
}

impl<'a> Knn<'a> {
    fn new(models: Pair<&'a Model>, args: &Args, session: &'a Session) -> Self {
        Self {
            labels: args.pair.labels(models),
            models,
            k: args.k as usize,
            metric: args.metric,
            session,
        }
    }

    fn device(&self) -> &Device {
        self.session.device()
    }

    /// A seed word's token ids in both models (`tokenizer.encode(seedword)`), and the
    /// pieces of a word split in several.
    fn seed_ids(&self, word: &str) -> Result<SeedIds> {
        let ids = self.models.map(|m| word_ids(m, word)).transpose()?;
        let pieces = self
            .models
            .zip(ids.as_ref())
            .map(|(m, ids)| ids.iter().map(|&id| token_text(m, id as usize)).collect())
            .transpose()?;
        Ok(SeedIds {
            word: word.to_string(),
            ids,
            pieces,
        })
    }

    /// The distance (by `--metric`: the notebook's Euclidean by default) from the mean
    /// of the seed's token vectors to every token of both models, among `among`'s rows.
    fn distances<'c>(&self, seed: &SeedIds, among: Among<'c>) -> Result<Distances<'c>>
    where
        'a: 'c,
    {
        self.distances_by(seed, among, self.metric)
    }

    fn distances_by<'c>(
        &self,
        seed: &SeedIds,
        among: Among<'c>,
        metric: Metric,
    ) -> Result<Distances<'c>>
    where
        'a: 'c,
    {
        let normalise = !matches!(among, Among::Raw);
        let rows = match among {
            Among::Centred(centres) => self
                .models
                .zip(centres.as_ref())
                .map(|(m, centre)| Rows::centred(&m.embeddings, centre)),
            Among::Raw | Among::UnitLength => self.models.map(|m| Rows::from(&m.embeddings)),
        };
        let measured = rows
            .zip(seed.ids.as_ref())
            .map(
                |(rows, ids)| -> Result<(Query, Vec<f32>, Option<Histogram>)> {
                    let ids: Vec<usize> = ids.iter().map(|&id| id as usize).collect();
                    let vector = ops::mean_of_rows(rows, &ids, normalise, self.device())?;
                    let query = Query {
                        vector,
                        metric,
                        normalise,
                    };
                    let all = neighbours::distances(rows, &query, self.device())?;
                    // With unit vectors the seed's own distance is left out of the histogram,
                    // as the notebook's `np.nonzero` leaves out its exact 0. Computed here from
                    // norms and a matrix product it is rounding-sized, not 0, so it is left
                    // out by its index (a row equal to the seed's, which np.nonzero would
                    // also drop, stays in: one value of 90 bins' worth)
                    let histogram = match ids[..] {
                        [own] if normalise => {
                            let mut others = all.clone();
                            others.remove(own);
                            histogram(&others, 90, true)
                        }
                        _ => histogram(&all, 90, true),
                    };
                    Ok((query, all, histogram))
                },
            )
            .transpose()?;
        let Pair {
            bert: (bert_query, bert_all, bert_histogram),
            gpt: (gpt_query, gpt_all, gpt_histogram),
        } = measured;
        Ok(Distances {
            word: seed.word.clone(),
            metric,
            normalised: normalise,
            centred: matches!(among, Among::Centred(_)),
            rows,
            queries: Pair::new(bert_query, gpt_query),
            all: Pair::new(bert_all, gpt_all),
            histogram: Pair::new(bert_histogram, gpt_histogram),
        })
    }

    /// The `k` nearest tokens of a search, sorted (the notebook's
    /// `np.argsort(distances)[:k]`) and named, with its distance histograms.
    fn top_k(&self, distances: &Distances) -> Result<Search> {
        let neighbours = self
            .models
            .zip(distances.rows)
            .zip(distances.queries.as_ref())
            .zip(distances.all.as_ref())
            .map(|(((model, rows), query), all)| {
                named(model, neighbours::top_k(rows, query, all, self.k))
            })
            .transpose()?;
        Ok(Search {
            word: distances.word.clone(),
            k: self.k,
            labels: self.labels.clone(),
            metric: distances.metric,
            normalised: distances.normalised,
            centred: distances.centred,
            neighbours,
            histogram: distances.histogram.clone(),
        })
    }

    /// Exercise 2's distances among unit-length vectors — with `--metric cosine` the raw
    /// search already ignored length, so there is nothing to repeat.
    fn normalised(&self, seed: &SeedIds) -> Result<Option<Distances<'a>>> {
        match self.metric {
            Metric::Euclidean => Ok(Some(self.distances(seed, Among::UnitLength)?)),
            Metric::Cosine => Ok(None),
        }
    }

    /// Exercise 2's top k, when it searched.
    fn top_k_normalised(&self, distances: Option<&Distances>) -> Result<Normalised> {
        Ok(Normalised(distances.map(|d| self.top_k(d)).transpose()?))
    }

    /// Exercise 3: the GPT model's neighbours of the word without and with a leading
    /// space, both by raw Euclidean distance (`raw` is the first when it used it).
    fn emptiness(&self, seed: &SeedIds, raw: &Search) -> Result<Emptiness> {
        let gpt = |seed: &SeedIds| -> Result<Vec<Neighbour>> {
            let distances = self.distances_by(seed, Among::Raw, Metric::Euclidean)?;
            Ok(self.top_k(&distances)?.neighbours.gpt)
        };
        let without_space = match self.metric {
            Metric::Euclidean => raw.neighbours.gpt.clone(),
            Metric::Cosine => gpt(seed)?,
        };
        let spaced = self.seed_ids(&format!(" {}", seed.word.trim_start()))?;
        Ok(emptiness(
            &seed.word,
            (seed.ids.gpt.clone(), without_space),
            (spaced.ids.gpt.clone(), gpt(&spaced)?),
        ))
    }

    /// Every model's mean vector (and each row's length once it is subtracted): the
    /// centred rows themselves are made a block at a time as each search reads them.
    fn centred(&self) -> Result<Pair<Centre>> {
        self.models
            .map(|m| ops::centre_of(&m.embeddings, self.device()))
            .transpose()
    }

    /// Writes a search's distance histograms as `distances_<word><suffix>`; nothing
    /// when there was no search (Exercise 2 under `--metric cosine`).
    fn draw(&self, search: &impl Drawable, suffix: &str) -> Result<()> {
        let Some(drawn) = search.drawn() else {
            return Ok(());
        };
        let stem = file_stem("distances", drawn.word);
        let figure =
            figures::distances(drawn.word, drawn.normalised, drawn.histogram, &self.labels);
        self.session.figure(figure, &format!("{stem}{suffix}"))
    }

    /// The first word's results (`first`) and, for each word Exercise 4 searched, its
    /// Exercises 2 and 3 and its centred search, shown; figures for the first
    /// `max_figures` words only (`--max-word-figures`), the rest listed as not drawn.
    fn every_word(
        &self,
        first: WordResult,
        multitoken: Vec<(SeedIds, Search)>,
        centred: &Pair<Centre>,
        max_figures: u64,
    ) -> Result<Words> {
        let mut searched = vec![first];
        let mut not_drawn = Vec::new();
        for (seed, raw) in multitoken {
            let draw = (searched.len() as u64) < max_figures;
            if !draw {
                not_drawn.push(seed.word.clone());
            }
            searched.push(self.complete(seed, raw, centred, draw)?);
        }
        if !not_drawn.is_empty() {
            self.session.show(NotDrawn {
                words: not_drawn.len(),
                limit: max_figures,
            });
        }
        Ok(Words {
            searched,
            not_drawn,
        })
    }

    /// Exercises 2 and 3 and the centred search for a word Exercise 4 searched (`seed`,
    /// `raw`), each shown; its figures drawn when `draw` is set.
    fn complete(
        &self,
        seed: SeedIds,
        raw: Search,
        centred: &Pair<Centre>,
        draw: bool,
    ) -> Result<WordResult> {
        let session = self.session;
        let unit = self.normalised(&seed)?;
        let normalised = session.show(self.top_k_normalised(unit.as_ref())?);
        if draw {
            self.draw(&raw, "")?;
            self.draw(&unit, "_normalised")?;
        }
        let centred = self.distances(&seed, Among::Centred(centred))?;
        let centred = session.show(self.top_k(&centred)?);
        let emptiness = session.show(self.emptiness(&seed, &raw)?);
        Ok(WordResult::new(seed, raw, normalised, centred, emptiness))
    }
}

/// Every seed word's results, and the words past `--max-word-figures` (not drawn).
struct Words {
    searched: Vec<WordResult>,
    not_drawn: Vec<String>,
}

/// Which rows a search runs among.
#[derive(Clone, Copy)]
enum Among<'c> {
    /// The rows as they are (Exercises 1 and 4).
    Raw,
    /// Each row scaled to unit length (Exercise 2).
    UnitLength,
    /// Each row minus its model's mean row, scaled to unit length.
    Centred(&'c Pair<Centre>),
}

/// One search's first step: the distance from the seed to every token of both models
/// (the notebook's `eucDist_bert`, `eucDist_gpt2`), their histograms, and what the top k
/// needs to re-measure its best candidates exactly.
// ANCHOR: nearest
struct Distances<'c> {
    word: String,
    metric: Metric,
    normalised: bool,
    centred: bool,
    rows: Pair<Rows<'c>>,
    queries: Pair<Query>,
    all: Pair<Vec<f32>>,
    /// `np.histogram(distances, bins=90, density=True)` of each model's distances.
    histogram: Pair<Option<Histogram>>,
}
// ANCHOR_END: nearest

/// What a distances figure draws of a search.
struct Drawn<'s> {
    word: &'s str,
    normalised: bool,
    histogram: &'s Pair<Option<Histogram>>,
}

/// A search whose histograms a distances figure draws: its distances, its finished
/// table, or none (Exercise 2 under `--metric cosine`).
trait Drawable {
    fn drawn(&self) -> Option<Drawn<'_>>;
}

impl Drawable for Distances<'_> {
    fn drawn(&self) -> Option<Drawn<'_>> {
        Some(Drawn {
            word: &self.word,
            normalised: self.normalised,
            histogram: &self.histogram,
        })
    }
}

impl Drawable for Search {
    fn drawn(&self) -> Option<Drawn<'_>> {
        Some(Drawn {
            word: &self.word,
            normalised: self.normalised,
            histogram: &self.histogram,
        })
    }
}

impl<T: Drawable> Drawable for Option<T> {
    fn drawn(&self) -> Option<Drawn<'_>> {
        self.as_ref().and_then(Drawable::drawn)
    }
}

/// Each `(id, distance)` with its token's text, for the tables.
fn named(model: &Model, nearest: Vec<(usize, f32)>) -> Result<Vec<Neighbour>> {
    nearest
        .into_iter()
        .map(|(id, distance)| {
            Ok(Neighbour {
                token: token_text(model, id)?,
                id,
                distance,
            })
        })
        .collect()
}

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

/// The whole vocabulary's neighbour graph, summarised by its hubs (a large vocabulary's
/// graph is computed once and kept: see `neighbours::cached_knn_graphs`).
fn vocabulary_graph(model: &Model, k: usize, device: &Device) -> Result<VocabularyGraph> {
    let rows = model.embeddings.rows();
    let k = k.min(rows - 1);
    let graph = neighbours::cached_knn_graphs(&model.embeddings, k, &[Metric::Euclidean], device)?
        .remove(0);
    let hubness = hubness(&graph, 10);
    let top: Vec<usize> = hubness.hubs.iter().take(3).map(|&(id, _)| id).collect();
    let hub_spread = top
        .iter()
        .flat_map(|&a| top.iter().map(move |&b| (a, b)))
        .map(|(a, b)| {
            let (x, y) = (model.embeddings.row(a), model.embeddings.row(b));
            f64::from(neighbours::exact_distance(x, y, Metric::Euclidean, false))
        })
        .fold(0.0, f64::max);
    // the graph holds squared distances
    let kth = graph.iter().filter_map(|list| list.last());
    let median_kth = median(kth.map(|&(_, sq)| (sq.max(0.0) as f64).sqrt()).collect());
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
        hub_spread,
        median_kth,
    })
}
