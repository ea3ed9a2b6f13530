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
    // Euclidean distances; visualize the distributions; sort, get top k, print
    let euc_dist = knn.raw(&seedidx)?;
    knn.draw(&euc_dist, "")?;
    session.show(&euc_dist);
    // ANCHOR_END: raw

    session.section("Exercise 2: Using normalized vectors");
    // ANCHOR: normalised
    // normalize; Euclidean distances; visualize the distributions; top k
    let normalised = knn.normalised(&seedidx)?;
    knn.draw(normalised.search(), "_normalised")?;
    session.show(&normalised);
    // ANCHOR_END: normalised

    session.section("Exercise 3: The importance of emptiness");
    // ANCHOR: emptiness
    // (the notebook's cell has no code: "ring" and " ring" searched in the GPT
    // model, by raw Euclidean distance)
    let emptiness = session.show(knn.emptiness(&seedidx, &euc_dist)?);
    // ANCHOR_END: emptiness

    session.section("Exercise 4: Multitoken words in GPT2");
    // ANCHOR: multitoken
    // "beauty": check in BERT, check in GPT; Euclidean distances from the mean
    // vector of its tokens; sort and get top k, and print
    let mut multitoken = Vec::new();
    if let Some(seedword) = seedwords.get(1) {
        let seedidx = session.show(knn.seed_ids(seedword)?);
        let euc_dist = session.show(knn.raw(&seedidx)?);
        multitoken.push((seedidx, euc_dist));
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
            let euc_dist = session.show(knn.raw(&seedidx)?);
            multitoken.push((seedidx, euc_dist));
        }
    }

    session.beyond("the seed words among centred vectors");
    // ANCHOR: centred
    // every token minus the mean vector, scaled to unit length, searched like
    // the others
    let centred = knn.centred()?;
    let centred_search = session.show(knn.centred_search(&seedidx, &centred)?);
    // ANCHOR_END: centred
    let first = WordResult::new(seedidx, euc_dist, normalised, centred_search, emptiness);

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

    /// Exercises 1 and 4: the search among the raw rows, by `--metric` (the notebook's
    /// Euclidean distance by default), from the mean of the seed's token vectors.
    fn raw(&self, seed: &SeedIds) -> Result<Search> {
        let vectors = self.models.map(|m| Rows::from(&m.embeddings));
        self.search(seed, vectors, false)
    }

    /// One search of the seed in both models, among `vectors` (each model's rows, raw or
    /// centred): its distances, their histogram, the top k.
    fn search(&self, seed: &SeedIds, vectors: Pair<Rows>, normalise: bool) -> Result<Search> {
        self.search_by(seed, vectors, self.metric, normalise)
    }

    fn search_by(
        &self,
        seed: &SeedIds,
        vectors: Pair<Rows>,
        metric: Metric,
        normalise: bool,
    ) -> Result<Search> {
        let found = self
            .models
            .zip(vectors)
            .zip(seed.ids.as_ref())
            .map(|((model, vectors), ids)| {
                nearest(
                    model,
                    vectors,
                    ids,
                    self.k,
                    metric,
                    normalise,
                    self.device(),
                )
            })
            .transpose()?;
        Ok(Search {
            word: seed.word.clone(),
            k: self.k,
            labels: self.labels.clone(),
            metric,
            normalised: normalise,
            centred: false,
            neighbours: found.as_ref().map(|f| f.neighbours.clone()),
            histogram: found.map(|f| f.histogram),
        })
    }

    /// Exercise 2: the search among unit-length vectors — with `--metric cosine` the raw
    /// search already ignored length, so there is nothing to repeat.
    fn normalised(&self, seed: &SeedIds) -> Result<Normalised> {
        Ok(Normalised(match self.metric {
            Metric::Euclidean => {
                let vectors = self.models.map(|m| Rows::from(&m.embeddings));
                Some(self.search(seed, vectors, true)?)
            }
            Metric::Cosine => None,
        }))
    }

    /// Exercise 3: the GPT model's neighbours of the word without and with a leading
    /// space, both by raw Euclidean distance (`raw` is the first when it used it).
    fn emptiness(&self, seed: &SeedIds, raw: &Search) -> Result<Emptiness> {
        let gpt = |seed: &SeedIds| -> Result<Vec<Neighbour>> {
            let vectors = self.models.map(|m| Rows::from(&m.embeddings));
            Ok(self
                .search_by(seed, vectors, Metric::Euclidean, false)?
                .neighbours
                .gpt)
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

    /// The search among centred vectors, scaled to unit length.
    fn centred_search(&self, seed: &SeedIds, centred: &Pair<Centre>) -> Result<Search> {
        let vectors = self
            .models
            .zip(centred.as_ref())
            .map(|(m, centre)| Rows::centred(&m.embeddings, centre));
        Ok(Search {
            centred: true,
            ..self.search(seed, vectors, true)?
        })
    }

    /// Writes a search's distance histograms as `distances_<word><suffix>`; nothing
    /// when there was no search (Exercise 2 under `--metric cosine`).
    fn draw<'s>(&self, search: impl Into<Option<&'s Search>>, suffix: &str) -> Result<()> {
        let Some(search) = search.into() else {
            return Ok(());
        };
        let stem = file_stem("distances", &search.word);
        let figure = figures::distances(&search.word, search, &self.labels);
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
        let normalised = session.show(self.normalised(&seed)?);
        if draw {
            self.draw(&raw, "")?;
            self.draw(normalised.search(), "_normalised")?;
        }
        let centred = session.show(self.centred_search(&seed, centred)?);
        let emptiness = session.show(self.emptiness(&seed, &raw)?);
        Ok(WordResult::new(seed, raw, normalised, centred, emptiness))
    }
}

/// Every seed word's results, and the words past `--max-word-figures` (not drawn).
struct Words {
    searched: Vec<WordResult>,
    not_drawn: Vec<String>,
}

/// The `k` tokens nearest to the mean vector of `ids` among `vectors` (`model`'s rows,
/// raw or centred; `np.argsort(distances)[:k]`) and the density histogram of all the
/// distances (`np.histogram(distances, bins=90, density=True)`).
// ANCHOR: nearest
fn nearest(
    model: &Model,
    vectors: Rows,
    ids: &[u32],
    k: usize,
    metric: Metric,
    normalise: bool,
    device: &Device,
) -> Result<Nearest> {
    let rows: Vec<usize> = ids.iter().map(|&id| id as usize).collect();
    let vector = ops::mean_of_rows(vectors, &rows, normalise, device)?;
    let query = Query {
        vector,
        metric,
        normalise,
    };
    let found = neighbours::nearest(vectors, &query, k, device)?;
    let (nearest, mut distances) = found;
    // With unit vectors the seed's own distance is left out of the histogram, as
    // the notebook's `np.nonzero` does (its matmul form is rounding-sized, not 0)
    if normalise && rows.len() == 1 {
        distances.remove(rows[0]);
    }
    Ok(Nearest {
        neighbours: named(model, nearest)?,
        histogram: histogram(&distances, 90, true),
    })
}
// ANCHOR_END: nearest

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
