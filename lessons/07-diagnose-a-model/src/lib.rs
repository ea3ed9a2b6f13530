//! Lesson 7 — beyond the course: what one model's token-embedding matrix tells, each
//! measure beside what chance would give. The geometric facts the research literature
//! reports (anisotropy, rogue dimensions, the spectrum, hubness, intrinsic dimension,
//! norms) are measured on the model and on two baselines of its shape — a Gaussian matrix
//! and the model's own matrix with every column shuffled — and the tokens the model never
//! learnt are found from its tokenizer and its weights, with the ranking's quality
//! measured on tokens it was not fitted on.

mod args;
mod figures;
mod results;

use anyhow::{Result, bail, ensure};
use common::analysis::covariance::Covariance;
use common::analysis::isotropy::isotropy_stages;
use common::analysis::k_occurrence::{k_occurrence, summarise};
use common::analysis::neighbours::{self, Metric, Neighbours, Query, knn_graph, knn_graphs};
use common::analysis::norm_frequency::{frequency_proxy, norm_frequency};
use common::analysis::nulls::{columns_shuffled, gaussian_like};
use common::analysis::reachability::{Reach, reachability};
use common::analysis::rogue_dimensions::{cosine_contributions, rogue_dimensions, standardised};
use common::analysis::spectrum::against_chance;
use common::analysis::stats::{Histogram, Summary, histogram};
use common::analysis::twonn::twonn;
use common::analysis::under_trained::{indicator, is_placeholder, roc_auc, split_in_half};
use common::model::token_kinds::{TokenKind, token_kinds};
use common::model::{display_text, token_text, word_ids};
use common::rng::SeededRng;
use common::run::token_scores::{TokenScores, fingerprint};
use common::{Device, Matrix, Model, Report, Session, ops};

pub use args::{Args, DEFAULT_MODEL};
pub use results::*;

pub const LESSON: &str = "07-diagnose-a-model";

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common, args.budget())?;
    let device = session.device();
    let seed = session.seed();
    let k = args.k as usize;

    // the model's token-embedding matrix, E: one row per token
    let model = session.load_one(&args.model, DEFAULT_MODEL)?;
    let e = &model.embeddings;
    let removed = check_shape(&model, k, args.remove_top)?;

    session.section("The matrix and its two nulls");
    // ANCHOR: nulls
    // a Gaussian matrix of E's shape and total variance, and E with every column
    // shuffled on its own (seeded): what chance gives, to read every measure
    // against
    let covariance = Covariance::of(e)?;
    ensure_spread(&model, &covariance)?;
    let gaussian = gaussian_like(e, &covariance, seed)?;
    let shuffled = columns_shuffled(e, seed)?;
    let covariances = Nulls {
        model: covariance,
        gaussian: Covariance::of(&gaussian)?,
        shuffled: Covariance::of(&shuffled)?,
    };
    // ANCHOR_END: nulls
    let names = Names::of(&model);
    let facts = session.show(facts(&model, &names)?);

    session.section("1. Anisotropy and isotropy");
    // ANCHOR: isotropy
    // mean cosine of every pair and the partition function's isotropy: as the rows
    // are, centred, and with the top D principal directions removed
    // (all-but-the-top)
    let isotropy = session.show(Nulls {
        model: isotropy_stages(e, &covariances.model, removed)?,
        gaussian: isotropy_stages(&gaussian, &covariances.gaussian, removed)?,
        shuffled: isotropy_stages(&shuffled, &covariances.shuffled, removed)?,
    });
    session.figure(figures::isotropy(&isotropy), "isotropy")?;
    // ANCHOR_END: isotropy

    session.section("2. Rogue dimensions");
    // ANCHOR: rogue
    // each dimension's share of the mean cosine; then each word's cosine neighbours
    // before and after every dimension is standardised (z-scored)
    let contributions = Nulls {
        model: cosine_contributions(e)?,
        gaussian: cosine_contributions(&gaussian)?,
        shuffled: cosine_contributions(&shuffled)?,
    };
    let rogue = contributions.as_ref().map(|c| rogue_dimensions(c, 3));
    let asked = args.words();
    let words = word_neighbours(&model, &names, &gaussian, &asked, k, device)?;
    let rogue = session.show(Rogue {
        dimensions: rogue,
        words,
    });
    session.figure(figures::rogue(&contributions), "rogue_dimensions")?;
    // ANCHOR_END: rogue

    session.section("3. The spectrum against the Marchenko–Pastur law");
    // ANCHOR: spectrum
    let spectrum = session.show(covariances.as_ref().map(against_chance));
    session.figure(figures::spectrum(&spectrum), "spectrum")?;
    // ANCHOR_END: spectrum

    session.section("4. Hubness");
    // ANCHOR: hubness
    // every token's k nearest by Euclidean distance and by cosine (the course's
    // exact graph), in the model and in the Gaussian null; N_k counts each token's
    // lists
    let graphs = Graphs {
        model: both_graphs(e, k, device)?,
        gaussian: both_graphs(&gaussian, k, device)?,
    };
    let counts = graphs.k_occurrence();
    let hubness = session.show(hubness(&names, &counts, k, args.top as usize)?);
    session.figure(figures::hubness(&counts), "hubness")?;
    // ANCHOR_END: hubness

    session.section("5. Intrinsic dimension (TwoNN)");
    // ANCHOR: twonn
    // from each token's two nearest neighbours; a small Gaussian of known width
    // checks the estimator where theory says what it must give
    let check = Matrix::random_normal(4000, 8, 1.0, &mut SeededRng::new(seed))?;
    let intrinsic = session.show(Intrinsic {
        model: twonn(e, &graphs.model.euclidean)?,
        gaussian: twonn(&gaussian, &graphs.gaussian.euclidean)?,
        check_width: 8,
        check: twonn(&check, &knn_graph(&check, 2, device)?)?,
    });
    session.figure(figures::twonn(&intrinsic), "twonn")?;
    // ANCHOR_END: twonn

    session.section("6. Norms and frequency");
    // ANCHOR: norms
    // row norms, and their rank correlation with the order the tokenizer learnt its
    // tokens
    let proxy = frequency_proxy(&model)?;
    let norms = row_norms(e);
    let null_norms = row_norms(&shuffled);
    let norms = session.show(Norms {
        summary: Summary::of(&norms),
        gaussian: Summary::of(&row_norms(&gaussian)),
        histogram: histogram(&norms, 60, true),
        model: norm_frequency(&norms, &proxy),
        shuffled: norm_frequency(&null_norms, &proxy),
        binned: binned_by_proxy(&norms, &null_norms, &proxy.values, 50),
        values: norms,
    });
    session.figure(figures::norms(&norms), "norms")?;
    // ANCHOR_END: norms

    session.section("7. Under-trained tokens");
    // ANCHOR: reach
    // tokens no text encodes to: decode each token, encode the text again
    let reach = reachability(&model)?;
    let unreachable: Vec<usize> = ids_where(&reach, |r| r == Reach::Unreachable);
    // ANCHOR_END: reach
    let under_trained = session.show(under_trained(
        &model,
        &names,
        &shuffled,
        &covariances,
        &reach,
        &unreachable,
        &norms.values,
        args.top as usize,
        seed,
    )?);
    session.figure(figures::under_trained(&under_trained), "under_trained")?;

    session.section("For the vocabulary map");
    // ANCHOR: scores
    // every token's scores beside the report, for lesson 5's map (--diagnosis DIR)
    let scores = TokenScores {
        model: model.files.name.clone(),
        rows: e.rows(),
        cols: e.cols(),
        fingerprint: fingerprint(e),
        under_trained_method: under_trained.method.name().into(),
        under_trained: under_trained.scores.clone(),
        k,
        hubness_euclidean: counts.model.euclidean.clone(),
        hubness_cosine: counts.model.cosine.clone(),
    };
    session.write_files(|dir| scores.write(dir))?;
    println!("token-scores.json: each token's under-trained score and N_k,");
    println!("for lesson 5's map (--diagnosis)");
    // ANCHOR_END: scores

    session.finish(Results {
        facts,
        isotropy,
        rogue,
        spectrum,
        hubness,
        intrinsic,
        norms,
        under_trained,
    })
}

/// One-line errors for a matrix too small to diagnose, checked before any work; the
/// number of directions all-but-the-top removes (`--remove-top`, else d/100, at least 1).
fn check_shape(model: &Model, k: usize, remove_top: Option<u64>) -> Result<usize> {
    let (rows, cols) = (model.embeddings.rows(), model.embeddings.cols());
    ensure!(
        rows > k.max(3),
        "{} has {rows} tokens; the diagnosis needs more than {} (each token's --k {k} nearest neighbours, and TwoNN's three points): lower --k or choose a larger vocabulary",
        model.files.name,
        k.max(3)
    );
    let removed = remove_top.map_or(((cols as f64) / 100.0).round().max(1.0) as usize, |d| {
        d as usize
    });
    ensure!(
        removed < cols,
        "{}'s rows are {cols} wide; all-but-the-top must keep a direction: choose --remove-top below {cols}",
        model.files.name
    );
    Ok(removed)
}

/// A matrix whose rows are all the same has no spread: every measure would be 0/0.
fn ensure_spread(model: &Model, covariance: &Covariance) -> Result<()> {
    if covariance.scatter.iter().all(|&v| v == 0.0) {
        bail!(
            "every row of {}'s embedding matrix is the same vector: there is no spread to diagnose (the file may hold an untrained or placeholder matrix)",
            model.files.name
        );
    }
    Ok(())
}

/// The matrix's shape, its rows of zeros and its rows shared by several tokens.
fn facts(model: &Model, names: &Names) -> Result<Facts> {
    let e = &model.embeddings;
    // rows bucketed by a hash of their values, then grouped by equality within a bucket
    let mut buckets: std::collections::HashMap<u64, Vec<usize>> = Default::default();
    for i in 0..e.rows() {
        use std::hash::Hasher;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        e.row(i).iter().for_each(|x| hasher.write_u32(x.to_bits()));
        buckets.entry(hasher.finish()).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for bucket in buckets.into_values().filter(|b| b.len() > 1) {
        for i in bucket {
            match groups.iter_mut().find(|g| e.row(g[0]) == e.row(i)) {
                Some(group) => group.push(i),
                None => groups.push(vec![i]),
            }
        }
    }
    let mut duplicates: Vec<Vec<usize>> = groups.into_iter().filter(|g| g.len() > 1).collect();
    duplicates.sort_by_key(|g| (std::cmp::Reverse(g.len()), g[0]));
    let shown =
        |ids: &[usize]| -> Result<Vec<String>> { ids.iter().map(|&id| names.name(id)).collect() };
    Ok(Facts {
        model: model.label(),
        rows: e.rows(),
        cols: e.cols(),
        zero_rows: e.squared_norms().iter().filter(|&&s| s == 0.0).count(),
        duplicate_rows: duplicates.iter().map(|g| g.len()).sum(),
        duplicate_groups: duplicates
            .iter()
            .take(10)
            .map(|g| {
                Ok(DuplicateGroup {
                    tokens: shown(g)?,
                    ids: g.clone(),
                })
            })
            .collect::<Result<_>>()?,
    })
}

/// Tokens as a student reads them: decoded, marked as `display_text` does.
struct Names<'a> {
    model: &'a Model,
    entries: Vec<String>,
}

impl<'a> Names<'a> {
    fn of(model: &'a Model) -> Self {
        Self {
            model,
            entries: model.tokenizer.vocab_strings(),
        }
    }

    fn name(&self, id: usize) -> Result<String> {
        let entry = self.entries.get(id).map(String::as_str);
        Ok(display_text(&token_text(self.model, id)?, entry))
    }
}

/// Each word's k nearest by cosine among the raw rows and among the standardised rows,
/// and the same for the word's token ids in the Gaussian null.
fn word_neighbours(
    model: &Model,
    names: &Names,
    gaussian: &Matrix,
    words: &[String],
    k: usize,
    device: &Device,
) -> Result<Vec<WordNeighbours>> {
    let z = standardised(&model.embeddings)?;
    let null_z = standardised(gaussian)?;
    words
        .iter()
        .map(|word| {
            let ids: Vec<usize> = word_ids(model, word)?.iter().map(|&i| i as usize).collect();
            let raw = cosine_nearest(&model.embeddings, &ids, k, device)?;
            let standardised = cosine_nearest(&z, &ids, k, device)?;
            let null_shared = shared(
                &cosine_nearest(gaussian, &ids, k, device)?,
                &cosine_nearest(&null_z, &ids, k, device)?,
            );
            let named = |list: &Neighbours| -> Result<Vec<(usize, String)>> {
                list.iter()
                    .map(|&(id, _)| Ok((id, names.name(id)?)))
                    .collect()
            };
            Ok(WordNeighbours {
                word: word.clone(),
                ids,
                shared: shared(&raw, &standardised),
                null_shared,
                raw: named(&raw)?,
                standardised: named(&standardised)?,
            })
        })
        .collect()
}

/// The `k` rows nearest by cosine to the mean of `ids`' rows (lesson 2's search).
fn cosine_nearest(matrix: &Matrix, ids: &[usize], k: usize, device: &Device) -> Result<Neighbours> {
    let query = Query {
        vector: ops::mean_of_rows(matrix, ids, false, device)?,
        metric: Metric::Cosine,
        normalise: false,
    };
    Ok(neighbours::nearest(matrix, &query, k, device)?.0)
}

/// How many ids two neighbour lists share.
fn shared(a: &Neighbours, b: &Neighbours) -> usize {
    a.iter()
        .filter(|(i, _)| b.iter().any(|(j, _)| i == j))
        .count()
}

/// The Euclidean graph of the rows and the graph of the rows at unit length (whose
/// Euclidean neighbours are the cosine neighbours).
fn both_graphs(matrix: &Matrix, k: usize, device: &Device) -> Result<Graph> {
    let [euclidean, cosine]: [Vec<Neighbours>; 2] =
        knn_graphs(matrix, k, &[Metric::Euclidean, Metric::Cosine], device)?
            .try_into()
            .map_err(|_| anyhow::anyhow!("knn_graphs gives one graph per metric"))?;
    Ok(Graph { euclidean, cosine })
}

/// The k-occurrence summaries of the model's and the null's graphs, the model's hubs named.
fn hubness(names: &Names, counts: &Counts, k: usize, top: usize) -> Result<Hubness> {
    let named = |counts: &[u32]| -> Result<HubList> {
        let summary = summarise(counts, k, top);
        let tokens = summary
            .hubs
            .iter()
            .map(|&(id, _)| names.name(id))
            .collect::<Result<_>>()?;
        Ok(HubList { summary, tokens })
    };
    Ok(Hubness {
        k,
        euclidean: named(&counts.model.euclidean)?,
        cosine: named(&counts.model.cosine)?,
        gaussian_euclidean: summarise(&counts.gaussian.euclidean, k, 0),
        gaussian_cosine: summarise(&counts.gaussian.cosine, k, 0),
    })
}

/// ‖row‖ of every row.
fn row_norms(matrix: &Matrix) -> Vec<f32> {
    matrix.squared_norms().iter().map(|s| s.sqrt()).collect()
}

/// The mean norm of the model and of the null in `bins` equal-count groups of tokens
/// ordered by the frequency proxy (tokens without a proxy value left out): the norm's
/// trend along the proxy, for the figure.
fn binned_by_proxy(
    norms: &[f32],
    null: &[f32],
    proxy: &[Option<f32>],
    bins: usize,
) -> Vec<(f64, f64, f64)> {
    let mut order: Vec<(f32, usize)> = proxy
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (p, i)))
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let size = order.len().div_ceil(bins.max(1)).max(1);
    order
        .chunks(size)
        .map(|chunk| {
            let n = chunk.len() as f64;
            let mean = |v: &[f32]| chunk.iter().map(|&(_, i)| f64::from(v[i])).sum::<f64>() / n;
            let middle = f64::from(chunk[chunk.len() / 2].0);
            (middle, mean(norms), mean(null))
        })
        .collect()
}

/// The scores of the tokens `ids`.
fn at(scores: &[f32], ids: &[usize]) -> Vec<f32> {
    ids.iter().map(|&i| scores[i]).collect()
}

/// The ids of `ids` that satisfy `keep`.
fn ids_in(ids: &[usize], keep: impl Fn(usize) -> bool) -> Vec<usize> {
    ids.iter().copied().filter(|&i| keep(i)).collect()
}

/// The ids whose reach satisfies `keep`.
fn ids_where(reach: &[Reach], keep: impl Fn(Reach) -> bool) -> Vec<usize> {
    reach
        .iter()
        .enumerate()
        .filter(|&(_, &r)| keep(r))
        .map(|(i, _)| i)
        .collect()
}

/// The under-trained ranking: Land & Bartolo's indicator with every unreachable token as
/// its reference (checked on a held-out half first), or the row norm when the vocabulary
/// has no unreachable token to learn from.
#[allow(clippy::too_many_arguments)]
fn under_trained(
    model: &Model,
    names: &Names,
    shuffled: &Matrix,
    covariances: &Nulls<Covariance>,
    reach: &[Reach],
    unreachable: &[usize],
    norms: &[f32],
    top: usize,
    seed: u64,
) -> Result<UnderTrained> {
    let e = &model.embeddings;
    let first_axis = &covariances.model.axes[0];
    let placeholder = |id: usize| names.entries.get(id).is_some_and(|e| is_placeholder(e));
    let kinds = token_kinds(model, &(0..e.rows()).collect::<Vec<_>>())?;
    let reachable = ids_where(reach, |r| r == Reach::Reachable);
    let word_initial: Vec<usize> = reachable
        .iter()
        .copied()
        .filter(|&i| kinds[i] == TokenKind::WordInitial && !placeholder(i))
        .collect();
    // ANCHOR: held_out
    // fit the reference on half the unreachable tokens; rank the other half against
    // every reachable token (and against word-initial ones); the same split on the
    // shuffled null
    let held_out = match split_in_half(unreachable, seed) {
        Ok(split) => {
            let scores = indicator(e, first_axis, &split.fit)?;
            let null_axis = &covariances.shuffled.axes[0];
            let null = indicator(shuffled, null_axis, &split.fit)?;
            let held = at(&scores, &split.held_out);
            let words = at(&scores, &word_initial);
            let placeholders: Vec<usize> = ids_in(&split.held_out, placeholder);
            let null_held = at(&null, &split.held_out);
            Some(HeldOut {
                auc: roc_auc(&held, &at(&scores, &reachable)),
                word_initial_auc: roc_auc(&held, &words),
                placeholders: placeholders.len(),
                placeholder_auc: roc_auc(&at(&scores, &placeholders), &words),
                null_auc: roc_auc(&null_held, &at(&null, &reachable)),
                split,
            })
        }
        Err(_) => None,
    };
    // ANCHOR_END: held_out
    // ANCHOR: ranking
    let (method, scores) = if unreachable.is_empty() {
        // no reference to learn from: the shortest rows first (a row that training
        // never pulled on only shrinks under weight decay)
        (Method::Norm, norms.iter().map(|n| -n).collect::<Vec<f32>>())
    } else {
        (Method::Indicator, indicator(e, first_axis, unreachable)?)
    };
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    // ANCHOR_END: ranking
    let listed = order
        .iter()
        .take(top)
        .map(|&id| {
            Ok(Ranked {
                id,
                token: names.name(id)?,
                kind: if placeholder(id) {
                    "placeholder".into()
                } else {
                    kinds[id].name()
                },
                reach: reach[id],
                score: scores[id],
                norm: norms[id],
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let count = |r: Reach| reach.iter().filter(|&&x| x == r).count();
    let top_share = |n: usize| {
        let n = n.min(order.len());
        order[..n]
            .iter()
            .filter(|&&i| reach[i] == Reach::Unreachable)
            .count() as f64
            / n.max(1) as f64
    };
    Ok(UnderTrained {
        tested: reach.len(),
        unreachable: unreachable.len(),
        special: count(Reach::Special),
        partial: count(Reach::PartialCharacter),
        placeholders: (0..e.rows()).filter(|&i| placeholder(i)).count(),
        unreachable_placeholders: unreachable.iter().filter(|&&i| placeholder(i)).count(),
        unreachable_examples: unreachable
            .iter()
            .take(20)
            .map(|&id| names.name(id))
            .collect::<Result<_>>()?,
        method,
        held_out,
        unreachable_in_top: top_share(top),
        score_densities: score_densities(&scores, reach),
        listed,
        scores,
    })
}

/// Density histograms of the scores of unreachable and of reachable tokens, on the
/// bins of all their scores; of every token's score when none is unreachable.
fn score_densities(scores: &[f32], reach: &[Reach]) -> Vec<(String, Histogram)> {
    let pick = |r: Reach| -> Vec<f32> {
        scores
            .iter()
            .zip(reach)
            .filter(|&(_, &x)| x == r)
            .map(|(&s, _)| s)
            .collect()
    };
    let (unreachable, reachable) = (pick(Reach::Unreachable), pick(Reach::Reachable));
    if unreachable.is_empty() {
        return histogram(scores, 60, true)
            .map(|h| ("every token".to_string(), h))
            .into_iter()
            .collect();
    }
    let all: Vec<f32> = unreachable.iter().chain(&reachable).copied().collect();
    let Some(edges) = histogram(&all, 60, false).map(|h| h.edges) else {
        return Vec::new();
    };
    let density = |values: &[f32]| {
        let width = edges[1] - edges[0];
        let mut counts = vec![0f64; edges.len() - 1];
        for &v in values {
            let i = (((f64::from(v) - edges[0]) / width) as usize).min(counts.len() - 1);
            counts[i] += 1.0;
        }
        let total = values.len().max(1) as f64 * width;
        Histogram {
            edges: edges.clone(),
            values: counts.iter().map(|c| c / total).collect(),
        }
    };
    vec![
        ("unreachable".to_string(), density(&unreachable)),
        ("reachable".to_string(), density(&reachable)),
    ]
}

/// The model's and the Gaussian null's neighbour graphs.
struct Graphs {
    model: Graph,
    gaussian: Graph,
}

/// Each row's k nearest, by Euclidean distance and by cosine.
struct Graph {
    euclidean: Vec<Neighbours>,
    cosine: Vec<Neighbours>,
}

impl Graphs {
    fn k_occurrence(&self) -> Counts {
        let counts = |g: &Graph| GraphCounts {
            euclidean: k_occurrence(&g.euclidean),
            cosine: k_occurrence(&g.cosine),
        };
        Counts {
            model: counts(&self.model),
            gaussian: counts(&self.gaussian),
        }
    }
}
