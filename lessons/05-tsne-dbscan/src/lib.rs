//! Lesson 5 — t-SNE projection and DBSCAN clustering of GPT-2's first tokens (seed
//! notebook `05-tsne-dbscan`): the Gram matrix of the embeddings, a 2-D t-SNE map, and
//! the clusters DBSCAN finds on it.

mod args;
mod figures;
pub mod known_answers;
mod results;
mod space;

use std::path::Path;

use anyhow::Result;
use common::analysis::dbscan::{centroids, dbscan};
use common::analysis::stats::median;
use common::analysis::token_map::{MapTokens, map_content};
use common::analysis::tsne::{EXACT_LIMIT, TsneOptions, TsneResult, trustworthiness, tsne};
use common::model::token_text;
use common::plot::explorer::{MapDiagnosis, VocabularyMap, write_explorer};
use common::rng::SeededRng;
use common::run::token_scores::TokenScores;
use common::{Device, Matrix, Model, Report, Session, ops};
use figures::MapSize;
use space::space_clusters;

pub use args::{Args, DEFAULT_MODEL, TokenSpec};
pub use common::analysis::token_map::MAP_NEIGHBOURS;
pub use results::*;

pub const LESSON: &str = "05-tsne-dbscan";

/// The most tokens whose Gram matrix is computed and drawn (t-SNE's exact limit: the
/// sizes of the notebook's maps).
const GRAM_LIMIT: usize = EXACT_LIMIT;

/// The most tokens the labelled map writes: beyond, their labels cover one another.
pub(crate) const LABELLED_LIMIT: usize = 500;

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common, args.budget())?;
    let device = session.device();

    // pretrained GPT-2 model and tokenizer; get the embeddings matrix
    let gpt2 = session.load_one(&args.model, DEFAULT_MODEL)?;
    let embedding = &gpt2.embeddings;

    session.section("Gram matrix");
    // ANCHOR: gram
    // extract the first N embeddings (the first nToks text tokens; --tokens picks
    // others)
    let toks = args.token_spec().ids(&gpt2, session.seed())?;
    let n_toks = toks.len();
    let sub_embed = embedding.select_rows(&toks);
    // image for creating a Gram matrix
    let g = gram_if_drawn(&sub_embed, device)?;
    if let Some(g) = &g {
        session.figure(figures::gram_parts(&sub_embed, g), "gram")?;
    }
    // ANCHOR_END: gram

    session.section("TSNE on some embeddings vectors");
    // ANCHOR: tsne
    // reduce to 2D with t-SNE (TSNE(n_components=2, perplexity=5): --perplexity);
    // the result is an Nx2 matrix
    let tsne = args.tsne_options(session.seed());
    let tsne_result = tsne_with_progress(&sub_embed, &tsne, device)?;
    session.show(TsneShape {
        options: &tsne,
        shape: [n_toks, 2],
    });
    // plot the results: the Gram matrix beside the map, words labelled
    let words = decode_each(&gpt2, &toks)?;
    if let Some(g) = &g {
        let figure = figures::gram_and_map(g, &tsne_result, &toks, &words);
        session.figure(figure, "gram_and_tsne")?;
    }
    // ANCHOR_END: tsne

    session.section("DBscan to find clusters");
    // ANCHOR: dbscan
    // DBSCAN(eps=7, min_samples=3) (--eps, --min-samples): cluster assignment
    // labels, number of clusters, the cluster centers
    let min_samples = args.min_samples as usize;
    let groupidx = dbscan(&tsne_result.points, args.eps, min_samples)?;
    let cents = centroids(&tsne_result.points, &groupidx);
    // draw lines from each data point to the centroids of each cluster
    session.figure(figures::clusters(&tsne_result, &groupidx, &cents), "dbscan")?;
    // the tokens in each group
    let clusters = session.show(clusters(&groupidx, &cents, &words));
    // ANCHOR_END: dbscan

    session.beyond("what the Gram matrix shows");
    let gram = g
        .as_ref()
        .map(|g| session.show(gram_reading(g, &words, &tsne_result.points)));

    session.beyond("every token on the map, in its cluster's colour");
    // (a figure of one label per token: up to a few hundred tokens), eps drawn as a
    // scale bar; again at half the column's width for the book's small multiples
    if n_toks <= LABELLED_LIMIT {
        labelled_maps(&session, &tsne_result, &groupidx, &words, args.eps)?;
    }

    session.beyond("how faithful is the map?");
    // ANCHOR: quality
    let quality = map_quality(&sub_embed, &tsne_result, session.seed());
    let quality = session.show(quality);
    // ANCHOR_END: quality

    session.beyond("DBSCAN on the embeddings themselves");
    // ANCHOR: space_dbscan
    // the same DBSCAN on the d-dimensional rows, eps a quantile of their
    // distances (EPS_QUANTILE in space.rs); where its clusters lie on the map
    let space = (2..=GRAM_LIMIT)
        .contains(&n_toks)
        .then(|| space_clusters(&sub_embed, &groupidx, &words, min_samples))
        .transpose()?
        .map(|space| session.show(space));
    // the map coloured by these clusters (while its tokens can be labelled)
    if let Some(space) = space.as_ref().filter(|_| n_toks <= LABELLED_LIMIT) {
        let k = space.clusters.len();
        let title = format!("DBSCAN on the embeddings (k={k})");
        let figure = figures::clusters_labelled(
            &tsne_result,
            &space.labels,
            &words,
            &title,
            None,
            MapSize::Column,
        );
        session.figure(figure, "space_dbscan")?;
    }
    // ANCHOR_END: space_dbscan

    session.beyond("the interactive map");
    let tokens = MapTokens::new(&toks, &words, &tsne_result, &groupidx);
    let explorer = session.show(explore(
        &gpt2,
        &tokens,
        args.diagnosis.as_deref(),
        &session,
    )?);
    session.finish(Results {
        tokens: toks,
        tsne: tsne_result,
        trustworthiness: quality.trustworthiness,
        gram,
        dbscan: clusters,
        space,
        explorer,
    })
}

/// The Gram matrix `sub_embed · sub_embedᵀ` for the notebook's sizes; `None` past
/// [`GRAM_LIMIT`] tokens, where an N×N image is neither readable nor small (a whole
/// vocabulary's would take hundreds of gigabytes).
fn gram_if_drawn(sub_embed: &Matrix, device: &Device) -> Result<Option<Matrix>> {
    (sub_embed.rows() <= GRAM_LIMIT)
        .then(|| ops::gram(sub_embed, device))
        .transpose()
}

/// Each token's text, as the notebook's `tokenizer.decode([i])`.
fn decode_each(model: &Model, ids: &[usize]) -> Result<Vec<String>> {
    ids.iter().map(|&id| token_text(model, id)).collect()
}

/// Which characters make a one-character token a member of a group.
type CharTest = fn(char) -> bool;

/// What the Gram matrix's bright blocks and lines are: the mean dot product inside each
/// group of one-character tokens (digits, capitals, lower-case letters, and the tokens
/// that decode to "�" alone: single bytes that are no UTF-8 text), and between each
/// capital and its own lower-case letter against other capital–lower-case pairs.
fn gram_reading(g: &Matrix, words: &[String], map: &[[f64; 2]]) -> GramReading {
    let n = g.rows();
    let mean = |pairs: &mut dyn Iterator<Item = (usize, usize)>| {
        let (sum, count) = pairs.fold((0.0, 0), |(s, c), (i, j)| (s + g.row(i)[j] as f64, c + 1));
        (count > 0).then(|| sum / count as f64)
    };
    let single = |i: usize, test: CharTest| {
        let mut chars = words[i].chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if test(c))
    };
    let groups: [(&str, CharTest); 4] = [
        ("digits", |c| c.is_ascii_digit()),
        ("capitals", |c| c.is_ascii_uppercase()),
        ("lower-case letters", |c| c.is_ascii_lowercase()),
        ("tokens that decode to \u{FFFD}", |c| c == '\u{FFFD}'),
    ];
    let groups = groups
        .iter()
        .filter_map(|&(name, test)| {
            let members: Vec<usize> = (0..n).filter(|&i| single(i, test)).collect();
            let inside = mean(
                &mut members
                    .iter()
                    .flat_map(|&i| members.iter().map(move |&j| (i, j)))
                    .filter(|(i, j)| i != j),
            )?;
            Some(GramGroup {
                name: name.into(),
                tokens: members.len(),
                mean: inside,
            })
        })
        .collect();
    let capitals: Vec<usize> = (0..n)
        .filter(|&i| single(i, |c| c.is_ascii_uppercase()))
        .collect();
    let lower = |i: usize| words[i].to_ascii_lowercase();
    let small: Vec<usize> = (0..n)
        .filter(|&i| single(i, |c| c.is_ascii_lowercase()))
        .collect();
    let cross = || {
        capitals
            .iter()
            .flat_map(|&i| small.iter().map(move |&j| (i, j)))
    };
    // Each capital with its own lower-case letter, against the other pairs.
    let own: Vec<(usize, usize)> = cross().filter(|&(i, j)| lower(i) == words[j]).collect();
    let same = mean(&mut own.iter().copied());
    let other = mean(&mut cross().filter(|&(i, j)| lower(i) != words[j]));
    let offsets: Vec<usize> = own.iter().map(|&(i, j)| j.abs_diff(i)).collect();
    // How often a capital's own lower-case letter is its nearest of the map's tokens, by
    // each reading of "near": the Gram matrix's dot product, the distance in the space
    // (from the same matrix: ‖a − b‖² = a·a + b·b − 2a·b, whose f32 rounding is far
    // below the gaps between tokens' distances on the notebook's map), and the distance
    // on the map.
    let count_nearest = |farness: &dyn Fn(usize, usize) -> f64| {
        let nearest = |i: usize| {
            let others = (0..n).filter(|&j| j != i);
            others.min_by(|&a, &b| farness(i, a).total_cmp(&farness(i, b)))
        };
        own.iter().filter(|&&(i, j)| nearest(i) == Some(j)).count()
    };
    let dot = |i: usize, j: usize| g.row(i)[j] as f64;
    let nearest_own = NearestOwn {
        by_dot_product: count_nearest(&|i, j| -dot(i, j)),
        by_distance: count_nearest(&|i, j| dot(i, i) + dot(j, j) - 2.0 * dot(i, j)),
        on_map: count_nearest(&|i, j| {
            (map[i][0] - map[j][0]).powi(2) + (map[i][1] - map[j][1]).powi(2)
        }),
    };
    GramReading {
        median: median_off_diagonal(g),
        groups,
        case_pairs: same.zip(other).map(|(same, other)| CasePairs {
            pairs: offsets.len(),
            offset: (offsets.windows(2).all(|w| w[0] == w[1]))
                .then(|| offsets.first().copied())
                .flatten(),
            same,
            other,
            nearest_own,
        }),
    }
}

/// The median of the dot products between distinct tokens (numpy's: the mean of the two
/// middle values for an even count, as N(N − 1) is).
fn median_off_diagonal(g: &Matrix) -> f64 {
    let n = g.rows();
    let values: Vec<f64> = (0..n)
        .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| g.row(i)[j] as f64)
        .collect();
    median(values)
}

/// The map with every token written and DBSCAN's eps as a scale bar: `dbscan_tokens`
/// across the column, `dbscan_tokens_half` for the book's small multiples, two to a row.
fn labelled_maps(
    session: &Session,
    map: &TsneResult,
    groupidx: &[i64],
    words: &[String],
    eps: f64,
) -> Result<()> {
    let k = groupidx.iter().copied().max().map_or(0, |m| m + 1);
    let title = format!("DBSCAN clusters (k={k}), every token written");
    let figure =
        figures::clusters_labelled(map, groupidx, words, &title, Some(eps), MapSize::Column);
    session.figure(figure, "dbscan_tokens")?;
    let title = format!("{k} cluster{}", if k == 1 { "" } else { "s" });
    let figure = figures::clusters_labelled(map, groupidx, words, &title, Some(eps), MapSize::Half);
    session.figure(figure, "dbscan_tokens_half")
}

/// How faithful the map is: its final KL divergence, and its trustworthiness (k = 5),
/// which ranks all N² pairs: above the exact limit it is measured on a seeded sample of
/// that many tokens.
fn map_quality(sub_embed: &Matrix, map: &TsneResult, seed: u64) -> MapQuality {
    let sample = trust_sample(map.points.len(), seed);
    let points: Vec<[f64; 2]> = sample.iter().map(|&i| map.points[i]).collect();
    MapQuality {
        kl_divergence: map.kl_divergence,
        trustworthiness: trustworthiness(&sub_embed.select_rows(&sample), &points, 5),
        sample: (sample.len() < map.points.len()).then_some(sample.len()),
    }
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
    tokens: &MapTokens,
    diagnosis: Option<&Path>,
    session: &Session,
) -> Result<MapPage> {
    let start = std::time::Instant::now();
    let ordinary = model.text_token_ids();
    let content = map_content(model, &ordinary, tokens, session.seed(), session.device())?;
    // lesson 7's scores of the same matrix (checked by its fingerprint), for the map's tokens
    let scores = diagnosis
        .map(|dir| TokenScores::read_for(dir, model))
        .transpose()?
        .map(|s| MapDiagnosis {
            under_trained: tokens.ids.iter().map(|&i| s.under_trained[i]).collect(),
            hubness: tokens.ids.iter().map(|&i| s.hubness_cosine[i]).collect(),
        });
    let page = VocabularyMap {
        diagnosis: scores.as_ref(),
        ..VocabularyMap::new(&content, tokens)
    };
    let written = session.write_files(|dir| write_explorer(dir, &page))?;
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
