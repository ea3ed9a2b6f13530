//! Lesson 5's command line.

use anyhow::{Result, bail};
use clap::Parser;
use common::analysis::tsne::{
    EXACT_LIMIT, Init, Method, TsneOptions, peak_bytes as tsne_peak_bytes,
};
use common::rng::SeededRng;
use common::run::Budget;
use common::run::Flags;
use common::run::cli::{positive, read_list_file};
use common::{LessonArgs, Model};

pub const DEFAULT_MODEL: &str = "gpt2";

/// What the map page (each token's text, kind, neighbour lists and the page's data)
/// holds per token while it is written: about 250 MB for the generated 256,000-token
/// model's whole vocabulary, measured beside the matrix and the kept neighbour graph.
pub const MAP_BYTES_PER_TOKEN: u64 = 1000;

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

    /// t-SNE's most iterations (scikit-learn's max_iter, at least 250 as scikit-learn
    /// requires: the first 250 are early exaggeration; barnes-hut and exact stop early as
    /// scikit-learn does).
    #[arg(long, default_value_t = 1000, value_parser = iterations)]
    pub iterations: usize,

    /// How t-SNE computes its gradient: barnes-hut (scikit-learn's default, as the
    /// notebook's `TSNE(n_components=2, perplexity=5)`), exact (scikit-learn's
    /// method="exact", up to 2,000 tokens) or fft (openTSNE's interpolation, for whole
    /// vocabularies).
    #[arg(long, value_enum, default_value_t = Method::BarnesHut)]
    pub method: Method,

    /// Barnes–Hut's opening angle (scikit-learn's angle), from 0.2 to 0.8: smaller is
    /// slower and closer to exact.
    #[arg(long, default_value_t = 0.5, value_parser = angle)]
    pub angle: f64,

    /// Where t-SNE's map starts: pca (scikit-learn's default, the notebook's: the same map
    /// on every run) or random (scikit-learn's init="random", drawn from --seed: maps from
    /// two seeds show how much the result depends on where the descent began).
    #[arg(long, value_enum, default_value_t = Start::Pca)]
    pub init: Start,

    /// DBSCAN neighbourhood radius, in t-SNE map units.
    #[arg(long, default_value_t = 7.0, value_parser = positive)]
    pub eps: f64,

    /// DBSCAN: points (the point itself included) within eps that make a core point.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub min_samples: u64,

    /// Lesson 7's output folder for the same model (its token-scores.json): the map gains
    /// "Colour by: under-trained score" and "hubness".
    #[arg(long, value_name = "DIR")]
    pub diagnosis: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub common: LessonArgs,
}

/// `--init`: where t-SNE's map starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Start {
    Pca,
    Random,
}

/// Barnes–Hut's useful opening angles. scikit-learn documents t-SNE as "not very sensitive
/// to changes in this parameter in the range of 0.2 - 0.8. Angle less than 0.2 has quickly
/// increasing computation time and angle greater 0.8 has quickly increasing error": past
/// 0.8 the estimate of Q's normaliser grows so coarse that the printed KL divergence went
/// negative (−30 at angle 3).
const ANGLES: std::ops::RangeInclusive<f64> = 0.2..=0.8;

/// `--angle`: a number in [`ANGLES`].
fn angle(text: &str) -> Result<f64, String> {
    let value = positive(text)?;
    if ANGLES.contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "must be from {} to {}, got {value} (scikit-learn's useful range: below it the time grows quickly, above it the error, and the KL divergence stops being one)",
            ANGLES.start(),
            ANGLES.end()
        ))
    }
}

/// scikit-learn's least `max_iter`: the 250 iterations of early exaggeration. Fewer leave
/// a map that has not left its exaggerated start, and none leave no KL divergence at all.
const MIN_ITERATIONS: usize = 250;

/// `--iterations`: a whole number, at least [`MIN_ITERATIONS`].
fn iterations(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= MIN_ITERATIONS => Ok(n),
        Ok(n) => Err(format!(
            "must be at least {MIN_ITERATIONS} (scikit-learn's least max_iter: the first {MIN_ITERATIONS} are early exaggeration), got {n}"
        )),
        Err(e) => Err(format!("not a whole number ({e})")),
    }
}

/// The fewest tokens a map is drawn for: t-SNE needs 4 points, and the map's
/// trustworthiness (k = 5 neighbours) is defined, as scikit-learn defines it, only for
/// more than 2k = 10 points; below that it would print a number for an undefined score.
const MIN_TOKENS: usize = 11;

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
                    "{path} lists {} ids; the map needs at least {MIN_TOKENS} (its trustworthiness, k = 5, is defined only for more than 10 points)",
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

    /// The ids among `model`'s text tokens (special tokens skipped: GPT-2's first 100 ids
    /// are its first 100 text tokens; other vocabularies begin with special tokens,
    /// `<|endoftext|>` or `[PAD]`, which the notebook's "first tokens" do not mean).
    pub fn ids(&self, model: &Model, seed: u64) -> Result<Vec<usize>> {
        let vocab = model.tokenizer.vocab_size().min(model.embeddings.rows());
        let ordinary = model.text_token_ids();
        let choose_fewer = |n: usize| {
            anyhow::anyhow!(
                "--tokens names {n} tokens; the vocabulary has {} that are text ({vocab} in all): choose fewer",
                ordinary.len()
            )
        };
        Ok(match self {
            TokenSpec::First(n) => ordinary.get(..*n).ok_or_else(|| choose_fewer(*n))?.to_vec(),
            TokenSpec::Random(n) => {
                let mut ids = ordinary.clone();
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
    /// `--init` as t-SNE takes it: a random start draws from the run's seed.
    pub fn init(&self, seed: u64) -> Init {
        match self.init {
            Start::Pca => Init::Pca,
            Start::Random => Init::Random(seed),
        }
    }

    /// t-SNE's settings from the flags; a random start draws from the run's seed.
    pub fn tsne_options(&self, seed: u64) -> TsneOptions {
        TsneOptions {
            perplexity: self.perplexity,
            iterations: self.iterations,
            method: self.method,
            angle: self.angle,
            init: self.init(seed),
        }
    }

    /// What a run needs beyond its model: t-SNE's phases and the map page after it
    /// (`tsne::peak_bytes`; the map's data, measured on the generated 256,000-token model,
    /// [`MAP_BYTES_PER_TOKEN`] a token). What the run writes grows with the tokens: the
    /// DBSCAN figure (a marker each), the map's data (15 neighbours under each metric) and
    /// the report (a point and a label each), and the Gram figures up to the exact limit.
    /// Measured on the GPT stand-in: 0.67 MB for 100 tokens, 3.7 MB for 2,000, 3.3 MB for
    /// 4,000 (no Gram figures); estimated with a margin.
    pub fn budget(&self) -> Budget {
        let n = self.token_spec().count() as u64;
        let flag = if self.n_tokens.is_some() {
            "--n-tokens"
        } else {
            "--tokens"
        };
        let options = self.tsne_options(0);
        Budget::none()
            .memory(
                "t-SNE and the map",
                "--perplexity",
                self.perplexity.ceil() as u64,
                move |p, shape| {
                    let options = TsneOptions {
                        perplexity: p as f64,
                        ..options.clone()
                    };
                    tsne_peak_bytes(n, shape.cols, &options, MAP_BYTES_PER_TOKEN)
                },
            )
            .disk("lesson 5's output", flag, n, |n, _| {
                1_500_000 + 900 * n + 600 * n.min(EXACT_LIMIT as u64)
            })
    }

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
