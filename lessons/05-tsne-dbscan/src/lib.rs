//! Lesson 5 — t-SNE projection and DBSCAN clustering of GPT-2's first tokens (seed
//! notebook `05-tsne-dbscan`): the Gram matrix of the embeddings, a 2-D t-SNE map, and
//! the clusters DBSCAN finds on it.

mod figures;

use anyhow::{Context, Result, bail};
use clap::Parser;
use common::cli::LessonArgs;
use common::dbscan::{centroids, dbscan};
use common::report::Report;
use common::rng::SeededRng;
use common::session::Session;
use common::tsne::{EXACT_LIMIT, TsneOptions, trustworthiness, tsne};
use common::words::token_text;
use serde::Serialize;

pub const LESSON: &str = "05-tsne-dbscan";
pub const DEFAULT_MODEL: &str = "gpt2";

/// Lesson 5: t-SNE of token embeddings and DBSCAN clusters on the map.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson05", version)]
pub struct Args {
    /// The model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub model: String,

    /// Which tokens: first:N (the notebook's first 100), random:N (seeded), or @FILE with
    /// one token id per line. Up to the whole vocabulary: above 2,000 tokens t-SNE
    /// switches to a nearest-neighbour graph and FFT-interpolated forces.
    #[arg(long, default_value = "first:100")]
    pub tokens: String,

    /// Shorthand for --tokens first:N.
    #[arg(long, value_name = "N", conflicts_with = "tokens")]
    pub n_tokens: Option<usize>,

    /// t-SNE perplexity: roughly how many neighbours each point attends to.
    #[arg(long, default_value_t = 5.0)]
    pub perplexity: f64,

    /// t-SNE iterations (the first 250 with early exaggeration).
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,

    /// DBSCAN neighbourhood radius, in t-SNE map units.
    #[arg(long, default_value_t = 7.0)]
    pub eps: f64,

    /// DBSCAN: points (the point itself included) within eps that make a core point.
    #[arg(long, default_value_t = 3)]
    pub min_samples: usize,

    #[command(flatten)]
    pub common: LessonArgs,
}

/// The token ids named by `--tokens`.
pub fn token_ids(spec: &str, vocab: usize, seed: u64) -> Result<Vec<usize>> {
    let count = |n: &str| -> Result<usize> {
        let n: usize = n
            .parse()
            .with_context(|| format!("`{spec}`: the count must be a whole number"))?;
        if n < 4 || n > vocab {
            bail!("`{spec}`: choose between 4 and {vocab} tokens (the vocabulary's size)");
        }
        Ok(n)
    };
    if let Some(n) = spec.strip_prefix("first:") {
        return Ok((0..count(n)?).collect());
    }
    if let Some(n) = spec.strip_prefix("random:") {
        let mut ids: Vec<usize> = (0..vocab).collect();
        SeededRng::new(seed).shuffle(&mut ids);
        let mut chosen = ids[..count(n)?].to_vec();
        chosen.sort_unstable();
        return Ok(chosen);
    }
    if let Some(path) = spec.strip_prefix('@') {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the token list {path}"))?;
        let ids = text
            .split_whitespace()
            .map(|t| {
                t.parse::<usize>()
                    .ok()
                    .filter(|&id| id < vocab)
                    .with_context(|| format!("{path}: `{t}` is not a token id below {vocab}"))
            })
            .collect::<Result<Vec<_>>>()?;
        count(&ids.len().to_string())?;
        return Ok(ids);
    }
    bail!("--tokens takes first:N, random:N or @FILE, got `{spec}`")
}

pub fn run(args: &Args) -> Result<Report> {
    if args.eps <= 0.0 || !args.eps.is_finite() {
        bail!("--eps must be a positive distance, got {}", args.eps);
    }
    if args.min_samples == 0 {
        bail!("--min-samples must be at least 1 (it counts the point itself)");
    }
    let mut session = Session::start(LESSON, &args.common)?;
    let [model] = session.load([(&args.model, DEFAULT_MODEL)])?;
    let vocab = model.tokenizer.vocab_size().min(model.embeddings.rows());
    let spec = args
        .n_tokens
        .map_or_else(|| args.tokens.clone(), |n| format!("first:{n}"));
    let ids = token_ids(&spec, vocab, args.common.seed)?;
    if args.perplexity <= 0.0 || args.perplexity >= ids.len() as f64 {
        bail!(
            "--perplexity must be above 0 and below the number of tokens ({}), got {}",
            ids.len(),
            args.perplexity
        );
    }
    let labels: Vec<String> = ids
        .iter()
        .map(|&id| token_text(&model, id))
        .collect::<Result<_>>()?;

    // ANCHOR: gram
    let sub = model.embeddings.select_rows(&ids);
    session.report.record("tokens", &ids)?;
    // The Gram matrix is N×N: drawn for the notebook's sizes, not for a whole vocabulary.
    let gram = if ids.len() <= EXACT_LIMIT {
        Some(common::ops::gram(&sub, &session.device)?)
    } else {
        None
    };
    if let Some(gram) = &gram {
        session.figure(&figures::gram_parts(&model, &sub, gram), "gram")?;
    }
    // ANCHOR_END: gram

    // ANCHOR: tsne
    println!(
        "\n# t-SNE of {} token embeddings (perplexity {})\n",
        ids.len(),
        args.perplexity
    );
    let options = TsneOptions {
        perplexity: args.perplexity,
        iterations: args.iterations,
    };
    let bar = indicatif::ProgressBar::new(options.iterations as u64).with_style(
        indicatif::ProgressStyle::with_template("t-SNE {bar:40} {pos}/{len} iterations, KL {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let map = tsne(&sub, &options, &session.device, |iteration, kl| {
        bar.set_position(iteration as u64 + 1);
        bar.set_message(format!("{kl:.4}"));
    })?;
    bar.finish_and_clear();
    println!("t-SNE result shape: ({}, 2)", map.points.len());
    println!("final KL divergence: {:.4}", map.kl_divergence);
    // Trustworthiness ranks all N² pairs: above the exact limit it is measured on a seeded
    // sample of that many tokens.
    let sample = trust_sample(ids.len(), args.common.seed);
    let trust = trustworthiness(
        &sub.select_rows(&sample),
        &sample.iter().map(|&i| map.points[i]).collect::<Vec<_>>(),
        5,
    );
    if sample.len() < ids.len() {
        println!(
            "trustworthiness (k = 5, on a sample of {} tokens): {trust:.4}",
            sample.len()
        );
    } else {
        println!("trustworthiness (k = 5): {trust:.4}");
    }
    session.report.record("tsne", &map)?;
    session.report.record("trustworthiness", trust)?;
    if let Some(gram) = &gram {
        session.figure(
            &figures::gram_and_map(&model, gram, &map, &ids, &labels),
            "gram_and_tsne",
        )?;
    }
    // ANCHOR_END: tsne

    // ANCHOR: dbscan
    let groups = dbscan(&map.points, args.eps, args.min_samples)?;
    let centres = centroids(&map.points, &groups);
    println!(
        "\n# DBSCAN (eps {}, min_samples {}): {} clusters\n",
        args.eps,
        args.min_samples,
        centres.len()
    );
    let clusters = Clusters::new(&groups, &centres, &labels);
    clusters.print();
    session.report.record("dbscan", &clusters)?;
    session.figure(
        &figures::clusters(&model, &map, &groups, &centres),
        "dbscan",
    )?;
    // ANCHOR_END: dbscan
    session.finish()
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

/// DBSCAN's result: labels, centroids, and the tokens of every group.
#[derive(Debug, Serialize)]
pub struct Clusters {
    pub labels: Vec<i64>,
    pub centroids: Vec<[f64; 2]>,
    /// `members[0]` is the noise (label −1), then clusters 0, 1, ….
    pub members: Vec<Vec<String>>,
}

impl Clusters {
    fn new(labels: &[i64], centroids: &[[f64; 2]], tokens: &[String]) -> Self {
        let members = (-1..centroids.len() as i64)
            .map(|c| {
                labels
                    .iter()
                    .zip(tokens)
                    .filter(|(l, _)| **l == c)
                    .map(|(_, t)| t.clone())
                    .collect()
            })
            .collect();
        Clusters {
            labels: labels.to_vec(),
            centroids: centroids.to_vec(),
            members,
        }
    }

    /// As the notebook prints them: each token's characters joined by spaces, in a list.
    fn print(&self) {
        for (i, group) in self.members.iter().enumerate() {
            if i == 0 {
                println!("\nUngrouped tokens:");
            } else {
                println!("\nTokens in group {}:", i - 1);
            }
            let shown: Vec<String> = group
                .iter()
                .map(|t| {
                    format!(
                        "'{}'",
                        t.chars()
                            .map(String::from)
                            .collect::<Vec<_>>()
                            .join(" ")
                            .replace('\'', "\\'")
                    )
                })
                .collect();
            println!("[{}]", shown.join(", "));
        }
    }
}
