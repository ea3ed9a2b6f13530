//! Lesson 4 — the singular value spectrum of embedding submatrices (seed notebook
//! `04-svd-spectrum`): the 26 letter tokens of BERT share structure that 26 random tokens
//! do not, and the spectrum of each submatrix shows it.

mod figures;
mod results;

use anyhow::Result;
use clap::Parser;
use common::analysis::SeededRng;
use common::analysis::stats::Summary;
use common::analysis::svd::{explained_variance, svd};
use common::model::{first_token, token_text};
use common::run::Flags;
use common::run::cli::{ListItem, expand, list_item};
use common::{Device, LessonArgs, Matrix, Model, Report, Session, ops};

pub use results::*;

pub const LESSON: &str = "04-svd-spectrum";
pub const DEFAULT_MODEL: &str = "bert-base-uncased";

/// Lesson 4: SVD of embedding submatrices — letters against random tokens.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson04", version)]
pub struct Args {
    /// The model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub model: String,

    /// First token set: letters (a–z), digits (0–9), random (as many tokens as the other
    /// set, seeded), or a comma-separated word list (@FILE: one word per line).
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = "letters")]
    pub set_a: Vec<ListItem>,

    /// Second token set, in the same forms.
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = "random")]
    pub set_b: Vec<ListItem>,

    /// Random draws of the random set for the spread of its spectrum.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub draws: u64,

    /// Report the fraction of variance in the first K components.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub components: u64,

    #[command(flatten)]
    pub common: LessonArgs,
}

impl Flags for Args {
    fn check(&self) -> Result<(), String> {
        for (flag, set) in [("--set-a", &self.set_a), ("--set-b", &self.set_b)] {
            if let TokenSetSpec::Words(words) = TokenSetSpec::from(expand(set))
                && words.len() < 2
            {
                return Err(format!(
                    "{flag} `{}` has {} tokens; an SVD spectrum needs at least 2",
                    words.join(","),
                    words.len()
                ));
            }
        }
        Ok(())
    }
}

/// What a token-set flag names.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenSetSpec {
    Letters,
    Digits,
    /// As many random tokens as the other set has (seeded).
    Random,
    /// Each word's first token.
    Words(Vec<String>),
}

impl From<Vec<String>> for TokenSetSpec {
    fn from(words: Vec<String>) -> Self {
        match words.as_slice() {
            [one] if one == "letters" => TokenSetSpec::Letters,
            [one] if one == "digits" => TokenSetSpec::Digits,
            [one] if one == "random" => TokenSetSpec::Random,
            _ => TokenSetSpec::Words(words),
        }
    }
}

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common)?;
    let device = session.device();
    let model = session.load_one(&args.model, DEFAULT_MODEL)?;
    let mut rng = SeededRng::new(session.seed());
    let components = args.components as usize;

    // ANCHOR: opening
    let one = first_token(&model, "1")?;
    let two = first_token(&model, "2")?;
    session.figure(figures::opening(&model, one, two), "opening_1_vs_2")?;
    // ANCHOR_END: opening

    // ANCHOR: submatrices
    let specs = [&args.set_a, &args.set_b].map(|set| TokenSetSpec::from(expand(set)));
    // A random set is as large as the other set (26, like the alphabet, when both are random).
    let size = specs
        .iter()
        .find(|spec| **spec != TokenSetSpec::Random)
        .map(|spec| token_set(&model, spec, 0, &mut rng).map(|set| set.ids.len()))
        .transpose()?
        .unwrap_or(26);
    let set_a = token_set(&model, &specs[0], size, &mut rng)?;
    let set_b = token_set(&model, &specs[1], size, &mut rng)?;
    let (sub_a, mean_a) = ops::centre_rows(&model.embeddings.select_rows(&set_a.ids), device)?;
    let (sub_b, _) = ops::centre_rows(&model.embeddings.select_rows(&set_b.ids), device)?;
    // ANCHOR_END: submatrices

    // ANCHOR: svd
    let svd_b = svd(&sub_b)?;
    let svd_a = svd(&sub_a)?;
    println!("\nEmbeddings is size {:?}", sub_b.shape_tuple());
    println!("U  is size {:?}", svd_a.u.shape_tuple());
    println!("s  is size ({},)", svd_a.s.len());
    println!("Vh is size {:?}", svd_a.vt.shape_tuple());
    let spectra = session.show(Spectra::new(&set_a, &svd_a, &set_b, &svd_b, components));
    // ANCHOR_END: svd

    // ANCHOR: draws
    let random_draws = session.show(random_draws(
        &model,
        set_a.ids.len(),
        args.draws as usize,
        components,
        &mut rng,
        device,
    )?);
    session.figure(
        figures::spectra(&set_a, &svd_a, &set_b, &svd_b, &random_draws),
        "spectra",
    )?;
    // ANCHOR_END: draws

    // ANCHOR: projection
    let projections = ops::project(&model.embeddings, svd_a.vt.row(0), &mean_a, device)?;
    let top_projections = session.show(top_projections(&model, &projections, 20, &set_a.name)?);
    session.figure(figures::projections(&projections), "projections")?;
    // ANCHOR_END: projection

    // ANCHOR: correlations
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
    // ANCHOR_END: correlations
    session.finish(Results {
        spectra,
        random_draws,
        top_projections,
        abs_correlation_mean_off_diagonal: mean_off_diagonal(&absolute),
    })
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
            let vocab = model.tokenizer.vocab_size().min(model.embeddings.rows());
            let ids: Vec<usize> = (0..size.max(2)).map(|_| rng.below(0, vocab)).collect();
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
    Ok(TokenSet {
        name: name.into(),
        tokens: decode(&ids)?,
        ids,
    })
}

/// Spectra of many random draws: the spread a single random draw comes from.
fn random_draws(
    model: &Model,
    size: usize,
    draws: usize,
    k: usize,
    rng: &mut SeededRng,
    device: &Device,
) -> Result<RandomDraws> {
    let mut spectra = Vec::with_capacity(draws);
    for _ in 0..draws {
        let set = token_set(model, &TokenSetSpec::Random, size, rng)?;
        let (centred, _) = ops::centre_rows(&model.embeddings.select_rows(&set.ids), device)?;
        spectra.push(svd(&centred)?.s);
    }
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

// ANCHOR: top_projections
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
// ANCHOR_END: top_projections

fn mean_off_diagonal(m: &Matrix) -> f64 {
    let n = m.rows();
    let sum: f64 = (0..n)
        .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| m.row(i)[j] as f64)
        .sum();
    sum / (n * (n - 1)) as f64
}
