//! Lesson 4 — the singular value spectrum of embedding submatrices (seed notebook
//! `04-svd-spectrum`): the 26 letter tokens of BERT share structure that 26 random tokens
//! do not, and the spectrum of each submatrix shows it.

mod args;
mod figures;
mod results;

use anyhow::Result;
use common::analysis::stats::{Summary, median, pearson};
use common::analysis::svd::{CentredSpectra, Svd, explained_variance, svd};
use common::model::{first_token, token_text};
use common::rng::SeededRng;
use common::{Device, Matrix, Model, Report, Session, ops};

pub use args::{Args, DEFAULT_MODEL, TokenSetSpec, YEARS};
pub use results::*;

pub const LESSON: &str = "04-svd-spectrum";

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common, args.budget())?;
    let device = session.device();
    let mut rng = SeededRng::new(session.seed());

    // load BERT tokenizer and model
    let model = session.load_one(&args.model, DEFAULT_MODEL)?;
    let embeddings = &model.embeddings;

    // the figure in the beginning of the lecture
    // ANCHOR: opening
    // (the ids of the tokens "1" and "2": the figure plots their rows as the
    // notebook's e1-e1.mean() against e2-e2.mean())
    let e1_id = first_token(&model, "1")?;
    let e2_id = first_token(&model, "2")?;
    session.figure(figures::opening(&model, e1_id, e2_id), "opening_1_vs_2")?;
    // ANCHOR_END: opening

    session.section("Extract submatrices and mean-center");
    // ANCHOR: submatrices
    // the tokens for lower-case letters, and the same number of random tokens
    // (--set-a and --set-b name other sets)
    let [letters, random] = args.token_sets();
    let lettertoks = token_set(&model, &letters, args.set_size(), &mut rng)?;
    let randtoks = token_set(&model, &random, args.set_size(), &mut rng)?;
    // embeddings submatrices for letters and randomly selected tokens, mean-centred
    let subemb = |set: &TokenSet| embeddings.select_rows(&set.ids);
    let centred = |set: &TokenSet| ops::centre_rows(&subemb(set), device);
    let (subemb_letters, letters_mean_vect) = centred(&lettertoks)?;
    let (subemb_random, _) = centred(&randtoks)?;
    // ANCHOR_END: submatrices

    session.section("SVD");
    // ANCHOR: svd
    // SVD of both matrices; print sizes (numpy's full shapes; the thin SVD
    // keeps the rows of Vt that have a singular value, and fixes each vector's
    // sign as scikit-learn does: v₁, and the projections onto it, may be
    // numpy's negated)
    let svd_random = svd(&subemb_random)?;
    let svd_letters = svd(&subemb_letters)?;
    session.show(SvdSizes {
        embeddings: subemb_random.shape(),
        svd: &svd_letters,
    });
    // ANCHOR_END: svd

    session.section("Visualize the spectra");
    // ANCHOR: spectra
    let (a, b) = (&lettertoks, &randtoks);
    let figure = figures::spectra(a, &svd_letters, b, &svd_random, None);
    session.figure(figure, "spectra")?;
    // ANCHOR_END: spectra

    session.section("Project all embeddings onto the eigenvector");
    // ANCHOR: projection
    // mean-center; project all embeddings onto the singular vector
    let projections = ops::project(
        embeddings,
        svd_letters.vt.row(0),
        &letters_mean_vect,
        device,
    )?;
    session.figure(figures::projections(&projections), "projections")?;
    // print top magnitude-projection tokens
    let top_projections =
        session.show(top_projections(&model, &projections, 20, &lettertoks.name)?);
    // ANCHOR_END: projection

    // correlation matrix of all letter embeddings
    // ANCHOR: correlations
    let abs_r = ops::row_correlations(&subemb_letters, device)?.map(f32::abs);
    session.figure(
        figures::abs_correlations(&abs_r, &lettertoks),
        "abs_correlations",
    )?;
    // ANCHOR_END: correlations

    session.beyond("the figures in numbers");
    // ANCHOR: in_numbers
    // the fraction of variance in each spectrum's first components, and how
    // strongly each set's tokens correlate (the mean |R| off the diagonal: the
    // letters' from the figure, the random tokens' for comparison)
    let spectra = spectra(&lettertoks, &svd_letters, &randtoks, &svd_random, args);
    let spectra = session.show(spectra);
    let abs_correlations = session.show(MeanOffDiagonal {
        sets: [
            (lettertoks.name.clone(), mean_off_diagonal(&abs_r)),
            (randtoks.name.clone(), mean_abs_r(&subemb_random, device)?),
        ],
        strongest: strongest_pairs(&abs_r, &lettertoks, 4),
    });
    // and the opening figure's r: how closely its points follow a line
    let opening_r = session.show(OpeningR(pearson(
        embeddings.row(e1_id),
        embeddings.row(e2_id),
    )));
    // ANCHOR_END: in_numbers

    session.beyond("a strong projection: a long vector, or a shared direction?");
    // ANCHOR: length_or_direction
    // the book's (4.4): the centred vector's length times its cosine with v₁:
    // each strongest projection's length and cosine, the ranking by
    // cosine alone, and the letters' own places along v₁
    let length_or_direction = session.show(length_or_direction(
        &model,
        &projections,
        &letters_mean_vect,
        &top_projections,
        &lettertoks,
    )?);
    // ANCHOR_END: length_or_direction

    session.beyond("one random draw against many");
    // ANCHOR: random_draws
    let size = lettertoks.ids.len();
    let random_draws = random_draws(&model, size, args, &mut rng, device)?;
    let random_draws = session.show(random_draws);
    let figure = figures::spectra(
        &lettertoks,
        &svd_letters,
        &randtoks,
        &svd_random,
        Some(&random_draws),
    );
    session.figure(figure, "spectra_random_draws")?;
    // ANCHOR_END: random_draws

    session.beyond("why some spectra plunge early: tokens that nearly coincide");
    // ANCHOR: coinciding
    let coinciding = coinciding(embeddings, &randtoks, &svd_random, &random_draws);
    let coinciding = session.show(coinciding);
    // ANCHOR_END: coinciding

    session.beyond("centre first, or the first singular value measures the mean");
    // ANCHOR: uncentred
    // the same two submatrices, not centred: σ₁ grows with the set's mean
    // (the book's (4.5))
    let uncentred = session.show(Uncentred {
        sets: vec![
            uncentred_spectrum(embeddings, &lettertoks, &svd_letters)?,
            uncentred_spectrum(embeddings, &randtoks, &svd_random)?,
        ],
    });
    session.figure(
        figures::uncentred(&uncentred, &spectra),
        "spectra_uncentred",
    )?;
    // ANCHOR_END: uncentred

    session.beyond("sets with a direction: digits and years");
    // ANCHOR: ordered_sets
    // each set's spectrum against random draws of its size, and where each member
    // lies along its first direction
    let ordered_sets = ordered_sets(&model, args, &mut rng, device)?;
    let ordered_sets = session.show(ordered_sets);
    session.figure(figures::ordered_sets(&ordered_sets), "ordered_sets")?;
    // ANCHOR_END: ordered_sets

    session.finish(Results {
        spectra,
        random_draws,
        top_projections,
        abs_correlation_mean_off_diagonal: abs_correlations.sets[0].1,
        abs_correlation_mean_off_diagonal_b: abs_correlations.sets[1].1,
        strongest_abs_r: abs_correlations.strongest.clone(),
        opening_r: opening_r.0,
        length_or_direction,
        coinciding,
        uncentred,
        ordered_sets,
    })
}

/// The two spectra and the fraction of variance in each one's first `--components`.
fn spectra(set_a: &TokenSet, a: &Svd, set_b: &TokenSet, b: &Svd, args: &Args) -> Spectra {
    let first = |v: Vec<f64>| v.into_iter().take(args.components as usize).collect();
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
        TokenSetSpec::Years => ("years", YEARS.map(|y| y.to_string()).collect()),
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

/// Spectra of `--draws` random sets of `size` tokens: the spread a single random draw
/// comes from, and the mean fraction of variance in each of the first `--components`.
fn random_draws(
    model: &Model,
    size: usize,
    args: &Args,
    rng: &mut SeededRng,
    device: &Device,
) -> Result<RandomDraws> {
    let (draws, k) = (args.draws as usize, args.components as usize);
    let (mut spectra, mut ids, mut closest) = (Vec::new(), Vec::new(), Vec::new());
    let mut abs_r = Vec::new();
    let mut workspace = CentredSpectra::new(size, model.embeddings.cols());
    let bar = common::run::progress::bar(draws as u64, "random draws");
    for done in 1..=draws {
        let draw = random_ids(model, size, rng);
        spectra.push(workspace.of(&model.embeddings, &draw)?);
        closest.push(pair_distances(&model.embeddings, &draw)[0].2);
        let (centred, _) = ops::centre_rows(&model.embeddings.select_rows(&draw), device)?;
        abs_r.push(mean_abs_r(&centred, device)?);
        ids.push(draw);
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
        ids,
        closest,
        abs_r,
        top_mean: top.mean,
        top_sd: top.sd,
    })
}

/// Every pair of the rows `ids` of `matrix`, `(i, j, distance)` with `i < j` positions in
/// `ids`, nearest first.
fn pair_distances(matrix: &Matrix, ids: &[usize]) -> Vec<(usize, usize, f32)> {
    let mut pairs: Vec<(usize, usize, f32)> = (0..ids.len())
        .flat_map(|i| ((i + 1)..ids.len()).map(move |j| (i, j)))
        .map(|(i, j)| {
            let (a, b) = (matrix.row(ids[i]), matrix.row(ids[j]));
            let d2: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
            (i, j, d2.sqrt() as f32)
        })
        .collect();
    pairs.sort_by(|a, b| a.2.total_cmp(&b.2));
    pairs
}

/// The smallest singular value a centred set of `n` rows `width` wide can have above 0:
/// the `min(n − 1, width)`-th.
fn smallest_nonzero(s: &[f32], n: usize, width: usize) -> f32 {
    s[(n - 1).min(width).max(1) - 1]
}

/// The random set's nearly coinciding tokens (pairs closer than half its median pair
/// distance), its smallest nonzero singular value beside the bound (the book's (4.6)) its closest pair
/// sets, and across the draws how closely the two go together.
fn coinciding(embeddings: &Matrix, set: &TokenSet, svd: &Svd, draws: &RandomDraws) -> Coinciding {
    let (n, width) = (set.ids.len(), embeddings.cols());
    let pairs = pair_distances(embeddings, &set.ids);
    // `pairs` is sorted: numpy's median of an even count is the mean of the middle two
    let middle = pairs.len() / 2;
    let median = if pairs.len() % 2 == 1 {
        pairs[middle].2
    } else {
        (pairs[middle - 1].2 + pairs[middle].2) / 2.0
    };
    let smallest: Vec<f32> = draws
        .spectra
        .iter()
        .map(|s| smallest_nonzero(s, draws.size, width))
        .collect();
    let bound = |d: f32| d / std::f32::consts::SQRT_2;
    Coinciding {
        close_pairs: pairs
            .iter()
            .take_while(|p| p.2 < median / 2.0)
            .map(|&(i, j, d)| (set.tokens[i].clone(), set.tokens[j].clone(), d))
            .collect(),
        median_distance: median,
        smallest: smallest_nonzero(&svd.s, n, width),
        bound: bound(pairs[0].2),
        draws_r: pearson(&draws.closest, &smallest),
        // up to float32 rounding of the two computations
        bound_holds: smallest
            .iter()
            .zip(&draws.closest)
            .all(|(&s, &d)| s <= bound(d) * (1.0 + 1e-4) + 1e-6),
    }
}

/// A set's spectrum without centring, beside what centring leaves (`centred`, its SVD).
fn uncentred_spectrum(embeddings: &Matrix, set: &TokenSet, centred: &Svd) -> Result<UncentredSet> {
    let rows = embeddings.select_rows(&set.ids);
    let n = set.ids.len();
    let mean: Vec<f64> = (0..rows.cols())
        .map(|j| (0..n).map(|i| rows.row(i)[j] as f64).sum::<f64>() / n as f64)
        .collect();
    let s = svd(&rows)?.s;
    Ok(UncentredSet {
        name: set.name.clone(),
        mean_length: (n as f64).sqrt() * mean.iter().map(|v| v * v).sum::<f64>().sqrt(),
        explained_first: explained_variance(&s)[0],
        centred_explained_first: explained_variance(&centred.s)[0],
        singular_values: s,
    })
}

/// The digits and the years 1990–2015: each set's spectrum against `--draws` random sets
/// of its size, and each member's coordinate along the set's first direction, `σ₁ U[:, 0]`
/// (its centred vector's projection onto `v₁`), beside its place in the set's order. A set
/// whose members are not distinct tokens in this model (its tokenizer splits them into
/// pieces) is named and left out.
fn ordered_sets(
    model: &Model,
    args: &Args,
    rng: &mut SeededRng,
    device: &Device,
) -> Result<OrderedSets> {
    let mut result = OrderedSets::default();
    for spec in [TokenSetSpec::Digits, TokenSetSpec::Years] {
        let set = match token_set(model, &spec, 0, rng) {
            Ok(set) if distinct(&set.ids) => set,
            _ => {
                result.skipped.push(format!("{spec:?}").to_lowercase());
                continue;
            }
        };
        let (centred, _) = ops::centre_rows(&model.embeddings.select_rows(&set.ids), device)?;
        let decomposition = svd(&centred)?;
        let coordinates: Vec<f32> = (0..set.ids.len())
            .map(|i| decomposition.s[0] * decomposition.u.row(i)[0])
            .collect();
        let order: Vec<f32> = (0..set.ids.len()).map(|i| i as f32).collect();
        result.sets.push(OrderedSet {
            explained_first: explained_variance(&decomposition.s)[0],
            abs_r: mean_abs_r(&centred, device)?,
            draws: random_draws(model, set.ids.len(), args, rng, device)?,
            order_r: pearson(&order, &coordinates),
            singular_values: decomposition.s,
            coordinates,
            set,
        });
    }
    Ok(result)
}

fn distinct(ids: &[usize]) -> bool {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).all(|w| w[0] != w[1])
}

/// The notebook's printout: `np.argsort(abs(projections))[::-1]`, the first `count`, each
/// decoded and printed unless `token in string.ascii_letters`. Ties in |projection|
/// (rare; numpy's default quicksort leaves their order unspecified) go to the higher id
/// first, as a reversed stable argsort would order them.
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

/// What makes a token's projection (the book's (4.4)) strong: `(e_t − x̄)·v₁` is the centred vector's
/// length `‖e_t − x̄‖` times its cosine with `v₁`. Each token's length is computed row by
/// row (no centred copy of the matrix); the notebook's printed strongest projections are
/// measured, and every token ranked again by its cosine alone.
fn length_or_direction(
    model: &Model,
    projections: &[f32],
    centre: &[f32],
    top: &TopProjections,
    set: &TokenSet,
) -> Result<LengthOrDirection> {
    const LISTED: usize = 10;
    let e = &model.embeddings;
    let lengths: Vec<f32> = (0..e.rows())
        .map(|t| {
            let squares: f64 = e
                .row(t)
                .iter()
                .zip(centre)
                .map(|(x, c)| ((x - c) as f64).powi(2))
                .sum();
            squares.sqrt() as f32
        })
        .collect();
    let cosine = |t: usize| match lengths[t] {
        0.0 => 0.0,
        length => projections[t] / length,
    };
    let measured = |t: usize| -> Result<Measured> {
        let shorter = lengths.iter().filter(|&&l| l < lengths[t]).count();
        Ok(Measured {
            token: token_text(model, t)?,
            projection: projections[t],
            length: lengths[t],
            shorter: shorter as f64 / lengths.len() as f64,
            cosine: cosine(t),
        })
    };
    let strongest = top.top.iter().filter(|p| p.printed).take(LISTED);
    let strongest = strongest.map(|p| measured(p.id)).collect::<Result<_>>()?;
    let mut order: Vec<usize> = (0..e.rows()).collect();
    order.sort_by(|&a, &b| cosine(b).abs().total_cmp(&cosine(a).abs()).then(a.cmp(&b)));
    let by_cosine = order
        .into_iter()
        .take(LISTED)
        .map(measured)
        .collect::<Result<_>>()?;
    let mut members: Vec<(String, f32)> = set
        .tokens
        .iter()
        .zip(&set.ids)
        .map(|(token, &id)| (token.clone(), projections[id]))
        .collect();
    members.sort_by(|a, b| b.1.total_cmp(&a.1));
    let positive = projections.iter().filter(|&&p| p > 0.0).count();
    Ok(LengthOrDirection {
        set: set.name.clone(),
        median_length: median(lengths.iter().map(|&l| l as f64).collect()),
        strongest,
        by_cosine,
        positive: positive as f64 / projections.len() as f64,
        median_projection: median(projections.iter().map(|&p| p as f64).collect()),
        members,
    })
}

/// The mean of a square matrix's off-diagonal entries.
fn mean_off_diagonal(m: &Matrix) -> f64 {
    let n = m.rows();
    let sum: f64 = (0..n)
        .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| m.row(i)[j] as f64)
        .sum();
    sum / (n * (n - 1)) as f64
}

/// The `n` pairs of `set`'s tokens with the largest |r| in `abs_r` (each pair once,
/// strongest first): the brightest cells of the |R| figure, off its diagonal.
fn strongest_pairs(abs_r: &Matrix, set: &TokenSet, n: usize) -> Vec<TokenPair> {
    let mut pairs: Vec<(usize, usize)> = (0..abs_r.rows())
        .flat_map(|i| (i + 1..abs_r.rows()).map(move |j| (i, j)))
        .collect();
    pairs.sort_by(|&(a, b), &(c, d)| abs_r.row(c)[d].total_cmp(&abs_r.row(a)[b]));
    pairs
        .into_iter()
        .take(n)
        .map(|(i, j)| TokenPair {
            tokens: [set.tokens[i].clone(), set.tokens[j].clone()],
            abs_r: abs_r.row(i)[j] as f64,
        })
        .collect()
}

/// The mean |r| between two different rows of the centred `rows`: how alike a set's
/// tokens are, as the |R| figure's mean off its diagonal.
fn mean_abs_r(rows: &Matrix, device: &Device) -> Result<f64> {
    Ok(mean_off_diagonal(
        &ops::row_correlations(rows, device)?.map(f32::abs),
    ))
}
