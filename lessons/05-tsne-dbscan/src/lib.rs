//! Lesson 5 — t-SNE projection and DBSCAN clustering of GPT-2's first tokens (seed
//! notebook `05-tsne-dbscan`): the Gram matrix of the embeddings, a 2-D t-SNE map, and
//! the clusters DBSCAN finds on it.

mod args;
mod figures;
mod results;

use anyhow::Result;
use common::analysis::dbscan::{centroids, dbscan};
use common::analysis::tsne::{EXACT_LIMIT, Method, TsneOptions, TsneResult, trustworthiness, tsne};
use common::model::token_text;
use common::plot::explorer::{MapTokens, map_content, write_explorer};
use common::rng::SeededRng;
use common::run::resources::ensure_memory;
use common::{Device, Matrix, Model, Report, Session, ops};

pub use args::{Args, DEFAULT_MODEL, TokenSpec};
pub use common::plot::explorer::MAP_NEIGHBOURS;
pub use results::*;

pub const LESSON: &str = "05-tsne-dbscan";

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common)?;
    // pretrained GPT-2 model and tokenizer; get the embeddings matrix
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
    // What the run writes grows with the tokens: the DBSCAN figure (a marker each), the
    // map's data (15 neighbours under each metric) and the report (a point and a label
    // each), and the Gram figures up to the exact limit. Measured on the GPT stand-in:
    // 0.67 MB for 100 tokens, 3.7 MB for 2,000, 3.3 MB for 4,000 (no Gram figures);
    // estimated with a margin before any work.
    let flag = if args.n_tokens.is_some() {
        "--n-tokens"
    } else {
        "--tokens"
    };
    session.ensure_output("lesson 5's output", flag, n, |n| {
        1_500_000 + 900 * n + 600 * n.min(EXACT_LIMIT as u64)
    })?;
    let labels: Vec<String> = ids
        .iter()
        .map(|&id| token_text(&model, id))
        .collect::<Result<_>>()?;

    // extract the first N embeddings
    // ANCHOR: gram
    let sub = model.embeddings.select_rows(&ids);
    // image for creating a Gram matrix (N×N: drawn for the notebook's sizes, not for a
    // whole vocabulary)
    let gram = if ids.len() <= EXACT_LIMIT {
        Some(ops::gram(&sub, session.device())?)
    } else {
        None
    };
    if let Some(gram) = &gram {
        session.figure(figures::gram_parts(&sub, gram), "gram")?;
    }
    // ANCHOR_END: gram

    // TSNE on some embeddings vectors: reduce to 2D with t-SNE
    // ANCHOR: tsne
    let options = TsneOptions {
        perplexity: args.perplexity,
        iterations: args.iterations,
        method: args.method,
        angle: args.angle,
        init: args.init(session.seed()),
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
    let map = tsne_with_progress(&sub, &options, session.device())?;
    // ANCHOR_END: tsne
    // plot the results: the Gram matrix beside the map, words labelled
    if let Some(gram) = &gram {
        session.figure(
            figures::gram_and_map(gram, &map, &ids, &labels),
            "gram_and_tsne",
        )?;
    }

    // DBscan to find clusters: cluster assignment labels, number of clusters, the
    // cluster centers, and each point drawn to its cluster's centroid
    // ANCHOR: dbscan
    let groups = dbscan(&map.points, args.eps, args.min_samples as usize)?;
    let centres = centroids(&map.points, &groups);
    println!(
        "\n# DBSCAN (eps {}, min_samples {}): {} clusters\n",
        args.eps,
        args.min_samples,
        centres.len()
    );
    let clusters = session.show(clusters(&groups, &centres, &labels));
    session.figure(figures::clusters(&map, &groups, &centres), "dbscan")?;
    // ANCHOR_END: dbscan

    // Beyond the notebook: how faithful the map is. Trustworthiness ranks all N² pairs:
    // above the exact limit it is measured on a seeded sample of that many tokens.
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

    // Beyond the notebook: the interactive map of the tokens, their clusters and neighbours
    let tokens = MapTokens {
        ids: &ids,
        labels: &labels,
        points: &map.points,
        clusters: &groups,
        neighbourhoods: map.neighbourhoods.as_deref(),
    };
    let explorer = session.show(explore(&model, &ordinary, &tokens, &session)?);
    session.finish(Results {
        tokens: ids,
        tsne: map,
        trustworthiness: trust,
        dbscan: clusters,
        explorer,
    })
}

/// t-SNE with a progress bar on the terminal: its iteration and the current KL divergence.
fn tsne_with_progress(sub: &Matrix, options: &TsneOptions, device: &Device) -> Result<TsneResult> {
    let bar = indicatif::ProgressBar::new(options.iterations as u64).with_style(
        indicatif::ProgressStyle::with_template("t-SNE {bar:40} {pos}/{len} iterations, KL {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let map = tsne(sub, options, device, |iteration, kl| {
        bar.set_position(iteration as u64 + 1);
        // No KL divergence is measured before the first check (iteration 50).
        if !kl.is_nan() {
            bar.set_message(format!("{kl:.4}"));
        }
    })?;
    bar.finish_and_clear();
    Ok(map)
}

/// DBSCAN's groups with their centroids and the tokens of each group (noise first), as
/// the notebook prints `np.array(tokens)[groupidx == c]` for every cluster c.
fn clusters(labels: &[i64], centroids: &[[f64; 2]], tokens: &[String]) -> Clusters {
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

/// The interactive map, `map.html`: every token with its cluster, kind, vector length and
/// region, and its exact nearest neighbours in the whole vocabulary under both metrics
/// (`common::plot::explorer`).
fn explore(
    model: &Model,
    ordinary: &[usize],
    tokens: &MapTokens,
    session: &Session,
) -> Result<MapPage> {
    let start = std::time::Instant::now();
    let content = map_content(model, ordinary, tokens, session.seed(), session.device())?;
    let written = session.write_files(|dir| write_explorer(dir, &content.page(tokens)))?;
    Ok(MapPage {
        file: "map.html".into(),
        neighbours: content.neighbours,
        vocabulary: content.vocabulary,
        regions: content.regions.names,
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
