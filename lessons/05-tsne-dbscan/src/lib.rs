//! Lesson 5 — t-SNE projection and DBSCAN clustering of GPT-2's first tokens (seed
//! notebook `05-tsne-dbscan`): the Gram matrix of the embeddings, a 2-D t-SNE map, and
//! the clusters DBSCAN finds on it.

mod figures;
mod results;

use anyhow::{Result, bail};
use clap::Parser;
use common::analysis::SeededRng;
use common::analysis::dbscan::{centroids, dbscan};
use common::analysis::neighbours::knn_graph;
use common::analysis::tsne::{EXACT_LIMIT, Method, TsneOptions, TsneResult, trustworthiness, tsne};
use common::model::{display_text, token_text};
use common::plot::explorer::{VocabularyMap, write_explorer};
use common::run::Flags;
use common::run::cli::{positive, read_list_file};
use common::run::resources::ensure_memory;
use common::{LessonArgs, Matrix, Model, Report, Session, ops};

pub use results::*;

pub const LESSON: &str = "05-tsne-dbscan";
pub const DEFAULT_MODEL: &str = "gpt2";

/// Lesson 5: t-SNE of token embeddings and DBSCAN clusters on the map.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson05", version)]
pub struct Args {
    /// The model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub model: String,

    /// Which tokens: first:N (the notebook's first 100: the first N that are text, special
    /// tokens skipped), random:N (seeded, special tokens skipped), or @FILE with token ids
    /// separated by whitespace. Up to the whole vocabulary (with --method fft for speed).
    #[arg(long, default_value = "first:100", value_parser = TokenSpec::parse)]
    pub tokens: TokenSpec,

    /// Shorthand for --tokens first:N.
    #[arg(long, value_name = "N", conflicts_with = "tokens", value_parser = clap::value_parser!(u64).range(MIN_TOKENS as u64..))]
    pub n_tokens: Option<u64>,

    /// t-SNE perplexity: roughly how many neighbours each point attends to.
    #[arg(long, default_value_t = 5.0, value_parser = positive)]
    pub perplexity: f64,

    /// t-SNE's most iterations (scikit-learn's max_iter; the first 250 with early
    /// exaggeration; barnes-hut and exact stop early as scikit-learn does).
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,

    /// How t-SNE computes its gradient: barnes-hut (scikit-learn's default, as the
    /// notebook's `TSNE(n_components=2, perplexity=5)`), exact (scikit-learn's
    /// method="exact", up to 2,000 tokens) or fft (openTSNE's interpolation, for whole
    /// vocabularies).
    #[arg(long, value_enum, default_value_t = Method::BarnesHut)]
    pub method: Method,

    /// Barnes–Hut's opening angle (scikit-learn's angle): smaller is slower and closer to exact.
    #[arg(long, default_value_t = 0.5, value_parser = positive)]
    pub angle: f64,

    /// DBSCAN neighbourhood radius, in t-SNE map units.
    #[arg(long, default_value_t = 7.0, value_parser = positive)]
    pub eps: f64,

    /// DBSCAN: points (the point itself included) within eps that make a core point.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub min_samples: u64,

    #[command(flatten)]
    pub common: LessonArgs,
}

/// t-SNE needs at least this many points.
const MIN_TOKENS: usize = 4;

/// The tokens `--tokens` names.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenSpec {
    First(usize),
    Random(usize),
    /// The ids of a file, in its order.
    Ids(Vec<usize>),
}

impl TokenSpec {
    /// clap's parser: the form and the count are checked here, the ids against the
    /// vocabulary once the model is loaded.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let count = |n: &str| -> Result<usize, String> {
            match n.parse::<usize>() {
                Ok(n) if n >= MIN_TOKENS => Ok(n),
                _ => Err(format!(
                    "`{spec}`: the count must be a whole number, at least {MIN_TOKENS}"
                )),
            }
        };
        if let Some(n) = spec.strip_prefix("first:") {
            return Ok(TokenSpec::First(count(n)?));
        }
        if let Some(n) = spec.strip_prefix("random:") {
            return Ok(TokenSpec::Random(count(n)?));
        }
        if let Some(path) = spec.strip_prefix('@') {
            let text = read_list_file(path)?;
            let ids = text
                .split_whitespace()
                .map(|t| {
                    t.parse::<usize>()
                        .map_err(|_| format!("{path}: `{t}` is not a token id"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut seen = std::collections::HashSet::new();
            if let Some(id) = ids.iter().find(|&&id| !seen.insert(id)) {
                return Err(format!(
                    "{path} lists id {id} more than once; each token is one point of the map (duplicates have no distances to spread them), so list each id once"
                ));
            }
            if ids.len() < MIN_TOKENS {
                return Err(format!(
                    "{path} lists {} ids; t-SNE needs at least {MIN_TOKENS}",
                    ids.len()
                ));
            }
            return Ok(TokenSpec::Ids(ids));
        }
        Err(format!("takes first:N, random:N or @FILE, got `{spec}`"))
    }

    /// How many tokens it names.
    pub fn count(&self) -> usize {
        match self {
            TokenSpec::First(n) | TokenSpec::Random(n) => *n,
            TokenSpec::Ids(ids) => ids.len(),
        }
    }

    /// The ids, in a vocabulary of `vocab` tokens whose text tokens (not special) are
    /// `ordinary`, in id order. GPT-2's first 100 ids are its first 100 text tokens; other
    /// vocabularies begin with special tokens (`<|endoftext|>`, `[PAD]`), which the
    /// notebook's "first tokens" do not mean.
    pub fn ids(&self, vocab: usize, ordinary: &[usize], seed: u64) -> Result<Vec<usize>> {
        let choose_fewer = |n: usize| {
            anyhow::anyhow!(
                "--tokens names {n} tokens; the vocabulary has {} that are text ({vocab} in all): choose fewer",
                ordinary.len()
            )
        };
        Ok(match self {
            TokenSpec::First(n) => ordinary.get(..*n).ok_or_else(|| choose_fewer(*n))?.to_vec(),
            TokenSpec::Random(n) => {
                let mut ids = ordinary.to_vec();
                SeededRng::new(seed).shuffle(&mut ids);
                let mut chosen = ids.get(..*n).ok_or_else(|| choose_fewer(*n))?.to_vec();
                chosen.sort_unstable();
                chosen
            }
            TokenSpec::Ids(ids) => {
                if let Some(id) = ids.iter().find(|&&id| id >= vocab) {
                    bail!("--tokens: {id} is not a token id below {vocab}");
                }
                ids.clone()
            }
        })
    }
}

impl Args {
    /// `--tokens`, or `--n-tokens N` as `first:N`.
    pub fn token_spec(&self) -> TokenSpec {
        self.n_tokens
            .map_or_else(|| self.tokens.clone(), |n| TokenSpec::First(n as usize))
    }
}

impl Flags for Args {
    fn check(&self) -> Result<(), String> {
        let n = self.token_spec().count();
        if self.perplexity >= n as f64 {
            return Err(format!(
                "--perplexity must be below the number of tokens ({n}), got {}",
                self.perplexity
            ));
        }
        if self.method == Method::Exact && n > EXACT_LIMIT {
            return Err(format!(
                "--method exact keeps every pair of tokens: use it for up to {EXACT_LIMIT} tokens (got {n}), or choose barnes-hut or fft"
            ));
        }
        Ok(())
    }
}

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common)?;
    let model = session.load_one(&args.model, DEFAULT_MODEL)?;
    let vocab = model.tokenizer.vocab_size().min(model.embeddings.rows());
    let special = model.tokenizer.special_ids();
    let ordinary: Vec<usize> = (0..vocab)
        .filter(|&id| !special.contains(&(id as u32)))
        .collect();
    let ids = args.token_spec().ids(vocab, &ordinary, session.seed())?;
    // t-SNE keeps 3×perplexity+1 neighbours of each token (graph, then symmetrised P).
    let n = ids.len() as u64;
    ensure_memory(
        "t-SNE's neighbour lists",
        "--perplexity",
        args.perplexity.ceil() as u64,
        |p| n.saturating_mul((3 * p + 1).min(n - 1)).saturating_mul(40),
    )?;
    let labels: Vec<String> = ids
        .iter()
        .map(|&id| token_text(&model, id))
        .collect::<Result<_>>()?;

    // ANCHOR: gram
    let sub = model.embeddings.select_rows(&ids);
    // The Gram matrix is N×N: drawn for the notebook's sizes, not for a whole vocabulary.
    let gram = if ids.len() <= EXACT_LIMIT {
        Some(ops::gram(&sub, session.device())?)
    } else {
        None
    };
    if let Some(gram) = &gram {
        session.figure(figures::gram_parts(&sub, gram), "gram")?;
    }
    // ANCHOR_END: gram

    // ANCHOR: tsne
    let options = TsneOptions {
        perplexity: args.perplexity,
        iterations: args.iterations,
        method: args.method,
        angle: args.angle,
    };
    println!(
        "\n# t-SNE of {} token embeddings (perplexity {}, {})\n",
        ids.len(),
        args.perplexity,
        match options.method {
            Method::BarnesHut => format!("Barnes-Hut, angle {}", options.angle),
            Method::Exact => "exact".into(),
            Method::Fft => "FFT-interpolated".into(),
        }
    );
    let bar = indicatif::ProgressBar::new(options.iterations as u64).with_style(
        indicatif::ProgressStyle::with_template("t-SNE {bar:40} {pos}/{len} iterations, KL {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let map = tsne(&sub, &options, session.device(), |iteration, kl| {
        bar.set_position(iteration as u64 + 1);
        bar.set_message(format!("{kl:.4}"));
    })?;
    bar.finish_and_clear();
    // Trustworthiness ranks all N² pairs: above the exact limit it is measured on a seeded
    // sample of that many tokens.
    let sample = trust_sample(ids.len(), session.seed());
    let trust = trustworthiness(
        &sub.select_rows(&sample),
        &sample.iter().map(|&i| map.points[i]).collect::<Vec<_>>(),
        5,
    );
    session.show(MapQuality {
        points: map.points.len(),
        kl_divergence: map.kl_divergence,
        trustworthiness: trust,
        sample: (sample.len() < ids.len()).then_some(sample.len()),
    });
    if let Some(gram) = &gram {
        session.figure(
            figures::gram_and_map(gram, &map, &ids, &labels),
            "gram_and_tsne",
        )?;
    }
    // ANCHOR_END: tsne

    // ANCHOR: dbscan
    let groups = dbscan(&map.points, args.eps, args.min_samples as usize)?;
    let centres = centroids(&map.points, &groups);
    println!(
        "\n# DBSCAN (eps {}, min_samples {}): {} clusters\n",
        args.eps,
        args.min_samples,
        centres.len()
    );
    let clusters = session.show(Clusters::new(&groups, &centres, &labels));
    session.figure(figures::clusters(&map, &groups, &centres), "dbscan")?;
    // ANCHOR_END: dbscan

    // ANCHOR: explorer
    let explorer = session.show(explore(
        &model, &sub, &ids, &labels, &map, &groups, &session,
    )?);
    // ANCHOR_END: explorer
    session.finish(Results {
        tokens: ids,
        tsne: map,
        trustworthiness: trust,
        dbscan: clusters,
        explorer,
    })
}

/// Neighbours listed for each token on the interactive map.
pub const MAP_NEIGHBOURS: usize = 15;

/// The interactive map, `map.html`: every token with its cluster and its
/// [`MAP_NEIGHBOURS`] exact nearest neighbours in the embedding space — the first of
/// t-SNE's own neighbourhoods when they are that long, else a graph of their own.
fn explore(
    model: &Model,
    sub: &Matrix,
    ids: &[usize],
    labels: &[String],
    map: &TsneResult,
    groups: &[i64],
    session: &Session,
) -> Result<MapPage> {
    let start = std::time::Instant::now();
    let k = MAP_NEIGHBOURS.min(ids.len() - 1);
    let graph = match &map.neighbourhoods {
        Some(graph) if graph.iter().all(|row| row.len() >= k) => {
            graph.iter().map(|row| row[..k].to_vec()).collect()
        }
        _ => knn_graph(sub, k, session.device())?,
    };
    let vocabulary = model.tokenizer.vocab_strings();
    // The decoded labels of the figures, shown as a student reads them.
    let tokens: Vec<String> = ids
        .iter()
        .zip(labels)
        .map(|(&id, label)| display_text(label, vocabulary.get(id).map(String::as_str)))
        .collect();
    let written = write_explorer(
        session.out(),
        &VocabularyMap {
            title: format!("{}: t-SNE map of {} tokens", model.label(), ids.len()),
            tokens: &tokens,
            ids,
            points: &map.points,
            clusters: groups,
            neighbours: &graph,
        },
    )?;
    Ok(MapPage {
        file: "map.html".into(),
        neighbours: k,
        data_bytes: written.data_bytes,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The points trustworthiness is measured on: all of them up to [`EXACT_LIMIT`], else a
/// seeded sample of that many, in index order.
fn trust_sample(n: usize, seed: u64) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    if n > EXACT_LIMIT {
        SeededRng::new(seed).shuffle(&mut all);
        all.truncate(EXACT_LIMIT);
        all.sort_unstable();
    }
    all
}
