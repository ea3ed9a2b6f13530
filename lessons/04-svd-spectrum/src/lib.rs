//! Lesson 4 — the singular value spectrum of embedding submatrices (seed notebook
//! `04-svd-spectrum`): the 26 letter tokens of BERT share structure that 26 random tokens
//! do not, and the spectrum of each submatrix shows it.

mod args;
mod figures;
mod results;

use anyhow::Result;
use common::analysis::stats::Summary;
use common::analysis::svd::{CentredSpectra, Svd, explained_variance, svd};
use common::model::{first_token, token_text};
use common::rng::SeededRng;
use common::run::resources::ensure_memory;
use common::{Matrix, Model, Report, Session, ops};

pub use args::{Args, DEFAULT_MODEL, TokenSetSpec};
pub use results::*;

pub const LESSON: &str = "04-svd-spectrum";

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common)?;
    // Each random draw is kept (its spectrum), drawn (a line) and reported: measured on
    // the BERT stand-in with sets of 26, 2.4 KB of peak memory and 2.9 KB of output per
    // draw (76 MB and 6.7 MB at 20 draws, 100 MB and 36 MB at 10,000). Estimated, with a
    // margin, as 150 bytes per singular value of a draw, before any work.
    let values = args.set_size().max(2) as u64;
    let per_draw = |d: u64| d.saturating_mul(values).saturating_mul(150);
    ensure_memory("drawing random sets", "--draws", args.draws, per_draw)?;
    let device = session.device();
    let model = session.load_one(&args.model, DEFAULT_MODEL)?;
    // On disk, the projections' scatter adds a point per vocabulary token (6.7 MB of
    // figures for the BERT stand-in's 30,522).
    let scatter = 1_000_000 + 200 * model.embeddings.rows() as u64;
    session.ensure_output("lesson 4's output", "--draws", args.draws, |d| {
        scatter.saturating_add(per_draw(d))
    })?;
    let mut rng = SeededRng::new(session.seed());
    let components = args.components as usize;

    // the figure in the beginning of the lecture
    // ANCHOR: opening
    let one = first_token(&model, "1")?;
    let two = first_token(&model, "2")?;
    session.figure(figures::opening(&model, one, two), "opening_1_vs_2")?;
    // ANCHOR_END: opening

    // Extract submatrices and mean-center: the tokens for lower-case letters, the same
    // number of random tokens, their embeddings submatrices, mean-centred
    // ANCHOR: submatrices
    let [spec_a, spec_b] = args.token_sets();
    let size = args.set_size();
    let set_a = token_set(&model, &spec_a, size, &mut rng)?;
    let set_b = token_set(&model, &spec_b, size, &mut rng)?;
    let (sub_a, mean_a) = ops::centre_rows(&model.embeddings.select_rows(&set_a.ids), device)?;
    let (sub_b, _) = ops::centre_rows(&model.embeddings.select_rows(&set_b.ids), device)?;
    // ANCHOR_END: submatrices

    // SVD of both matrices, and print sizes
    // ANCHOR: svd
    let svd_b = svd(&sub_b)?;
    let svd_a = svd(&sub_a)?;
    println!("\nEmbeddings is size {:?}", sub_b.shape_tuple());
    println!("U  is size {:?}", svd_a.u.shape_tuple());
    println!("s  is size ({},)", svd_a.s.len());
    println!("Vh is size {:?}", svd_a.vt.shape_tuple());
    // ANCHOR_END: svd

    // Visualize the spectra
    let spectra = session.show(spectra(&set_a, &svd_a, &set_b, &svd_b, components));
    // Beyond the notebook, in this cell's figure: many random draws, the spread a single
    // random spectrum comes from, drawn as a band behind the two spectra
    let random_draws = session.show(random_draws(
        &model,
        set_a.ids.len(),
        args.draws as usize,
        components,
        &mut rng,
    )?);
    session.figure(
        figures::spectra(&set_a, &svd_a, &set_b, &svd_b, &random_draws),
        "spectra",
    )?;

    // Project all embeddings onto the eigenvector; print top magnitude-projection tokens
    // ANCHOR: projection
    let projections = ops::project(&model.embeddings, svd_a.vt.row(0), &mean_a, device)?;
    let top_projections = session.show(top_projections(&model, &projections, 20, &set_a.name)?);
    session.figure(figures::projections(&projections), "projections")?;
    // ANCHOR_END: projection

    // correlation matrix of all letter embeddings
    let correlations = ops::row_correlations(&sub_a, device)?;
    let absolute = Matrix::new(
        correlations.rows(),
        correlations.cols(),
        correlations.data().iter().map(|r| r.abs()).collect(),
    )?;
    session.figure(
        figures::abs_correlations(&absolute, &set_a.name),
        "abs_correlations",
    )?;

    session.finish(Results {
        spectra,
        random_draws,
        top_projections,
        abs_correlation_mean_off_diagonal: mean_off_diagonal(&absolute),
    })
}

/// The two spectra and the fraction of variance in each one's first `k` components.
fn spectra(set_a: &TokenSet, a: &Svd, set_b: &TokenSet, b: &Svd, k: usize) -> Spectra {
    let first = |v: Vec<f64>| v.into_iter().take(k).collect();
    Spectra {
        set_a: set_a.clone(),
        set_b: set_b.clone(),
        singular_values_a: a.s.clone(),
        singular_values_b: b.s.clone(),
        explained_a: first(explained_variance(&a.s)),
        explained_b: first(explained_variance(&b.s)),
    }
}

/// Resolves a token set. Each word contributes its first token, as the notebook's
/// `tokenizer.encode(letter)[0]`.
pub fn token_set(
    model: &Model,
    spec: &TokenSetSpec,
    size: usize,
    rng: &mut SeededRng,
) -> Result<TokenSet> {
    let decode = |ids: &[usize]| -> Result<Vec<String>> {
        ids.iter().map(|&i| token_text(model, i)).collect()
    };
    let (name, words): (&str, Vec<String>) = match spec {
        TokenSetSpec::Letters => ("letters", ('a'..='z').map(String::from).collect()),
        TokenSetSpec::Digits => ("digits", ('0'..='9').map(String::from).collect()),
        TokenSetSpec::Random => {
            let ids = random_ids(model, size, rng);
            return Ok(TokenSet {
                name: "random".into(),
                tokens: decode(&ids)?,
                ids,
            });
        }
        TokenSetSpec::Words(words) => ("custom", words.clone()),
    };
    let ids = words
        .iter()
        .map(|w| first_token(model, w))
        .collect::<Result<Vec<_>>>()?;
    // One token given several times is one point: no spread, so no spectrum (numpy's
    // fractions of variance would be 0/0).
    anyhow::ensure!(
        ids.iter().any(|id| Some(id) != ids.first()),
        "the words {} are all one token in {}: a set needs at least two distinct tokens for its spectrum; give more words",
        words.join(","),
        model.label()
    );
    Ok(TokenSet {
        name: name.into(),
        tokens: decode(&ids)?,
        ids,
    })
}

/// `size` (at least 2) token ids drawn uniformly with replacement, as the notebook's
/// `np.random.randint(0, vocab, size)`.
fn random_ids(model: &Model, size: usize, rng: &mut SeededRng) -> Vec<usize> {
    let vocab = model.tokenizer.vocab_size().min(model.embeddings.rows());
    (0..size.max(2)).map(|_| rng.below(0, vocab)).collect()
}

/// Spectra of many random draws: the spread a single random draw comes from.
fn random_draws(
    model: &Model,
    size: usize,
    draws: usize,
    k: usize,
    rng: &mut SeededRng,
) -> Result<RandomDraws> {
    let mut spectra = Vec::with_capacity(draws);
    let mut workspace = CentredSpectra::new(size, model.embeddings.cols());
    let bar = common::run::progress::bar(draws as u64, "random draws");
    for done in 1..=draws {
        spectra.push(workspace.of(&model.embeddings, &random_ids(model, size, rng))?);
        bar.set_position(done as u64);
    }
    bar.finish_and_clear();
    let tops: Vec<f64> = spectra.iter().map(|s| s[0] as f64).collect();
    let top = Summary::of(&tops);
    let explained: Vec<Vec<f64>> = spectra.iter().map(|s| explained_variance(s)).collect();
    let mean_of = |i: usize| explained.iter().map(|e| e[i]).sum::<f64>() / draws as f64;
    Ok(RandomDraws {
        size,
        first_component: mean_of(0),
        explained_mean: (0..k.min(size)).map(mean_of).collect(),
        spectra,
        top_mean: top.mean,
        top_sd: top.sd,
    })
}

/// The notebook's printout: `np.argsort(abs(projections))[::-1]`, the first `count`, each
/// decoded and printed unless `token in string.ascii_letters`. Ties in |projection| go to
/// the higher id first, as a reversed stable argsort orders them.
fn top_projections(
    model: &Model,
    projections: &[f32],
    count: usize,
    set: &str,
) -> Result<TopProjections> {
    const ASCII_LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut order: Vec<usize> = (0..projections.len()).collect();
    order.sort_by(|&a, &b| {
        projections[b]
            .abs()
            .total_cmp(&projections[a].abs())
            .then(b.cmp(&a))
    });
    let top = order
        .into_iter()
        .take(count)
        .map(|id| {
            let token = token_text(model, id)?;
            Ok(Projection {
                id,
                printed: !ASCII_LETTERS.contains(token.as_str()),
                token,
                projection: projections[id],
            })
        })
        .collect::<Result<_>>()?;
    Ok(TopProjections {
        set: set.to_string(),
        top,
    })
}

fn mean_off_diagonal(m: &Matrix) -> f64 {
    let n = m.rows();
    let sum: f64 = (0..n)
        .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| m.row(i)[j] as f64)
        .sum();
    sum / (n * (n - 1)) as f64
}
