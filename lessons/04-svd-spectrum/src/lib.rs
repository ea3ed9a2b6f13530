//! Lesson 4 — the singular value spectrum of embedding submatrices (seed notebook
//! `04-svd-spectrum`): the 26 letter tokens of BERT share structure that 26 random tokens
//! do not, and the spectrum of each submatrix shows it.

mod figures;

use anyhow::{Context, Result, bail};
use clap::Parser;
use common::cli::LessonArgs;
use common::linalg::{Svd, explained_variance, svd};
use common::report::Report;
use common::rng::SeededRng;
use common::session::Session;
use common::words::{token_text, word_ids};
use common::{Matrix, Model, ops};
use serde::Serialize;

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
    /// set, seeded), a comma-separated word list, or @FILE with one word per line.
    #[arg(long, visible_alias = "set", default_value = "letters")]
    pub set_a: String,

    /// Second token set, in the same forms.
    #[arg(long, visible_alias = "tokens", default_value = "random")]
    pub set_b: String,

    /// Random draws of the random set for the spread of its spectrum.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub draws: u64,

    /// Report the fraction of variance in the first K components.
    #[arg(long, default_value_t = 5)]
    pub components: usize,

    #[command(flatten)]
    pub common: LessonArgs,
}

pub fn run(args: &Args) -> Result<Report> {
    let mut session = Session::start(LESSON, &args.common)?;
    let device = session.device.clone();
    let [model] = session.load([(&args.model, DEFAULT_MODEL)])?;
    let mut rng = SeededRng::new(args.common.seed);

    // ANCHOR: opening
    let one = word_ids(&model, "1")?[0] as usize;
    let two = word_ids(&model, "2")?[0] as usize;
    session.figure(&figures::opening(&model, one, two), "opening_1_vs_2")?;
    // ANCHOR_END: opening

    // ANCHOR: submatrices
    // A random set is as large as the other set (26, like the alphabet, when both are random).
    let size = [&args.set_a, &args.set_b]
        .into_iter()
        .find(|spec| spec.as_str() != "random")
        .map(|spec| token_set(&model, spec, 0, &mut rng).map(|set| set.ids.len()))
        .transpose()?
        .unwrap_or(26);
    let set_a = token_set(&model, &args.set_a, size, &mut rng)?;
    let set_b = token_set(&model, &args.set_b, size, &mut rng)?;
    let (sub_a, mean_a) = ops::centre_rows(&model.embeddings.select_rows(&set_a.ids), &device)?;
    let (sub_b, _) = ops::centre_rows(&model.embeddings.select_rows(&set_b.ids), &device)?;
    // ANCHOR_END: submatrices

    // ANCHOR: svd
    let svd_b = svd(&sub_b)?;
    let svd_a = svd(&sub_a)?;
    println!("\nEmbeddings is size {:?}", sub_b.shape_tuple());
    println!("U  is size {:?}", svd_a.u.shape_tuple());
    println!("s  is size ({},)", svd_a.s.len());
    println!("Vh is size {:?}", svd_a.vt.shape_tuple());
    let spectra = Spectra::new(&set_a, &svd_a, &set_b, &svd_b, args.components);
    spectra.print();
    session.report.record("spectra", &spectra)?;
    // ANCHOR_END: svd

    // ANCHOR: draws
    let draws = random_draws(
        &model,
        set_a.ids.len(),
        args.draws as usize,
        args.components,
        &mut rng,
        &device,
    )?;
    session.report.record("random_draws", &draws)?;
    session.figure(
        &figures::spectra(&model, &set_a, &svd_a, &set_b, &svd_b, &draws),
        "spectra",
    )?;
    // ANCHOR_END: draws

    // ANCHOR: projection
    let projections = ops::project(&model.embeddings, svd_a.vt.row(0), &mean_a, &device)?;
    let top = top_projections(&model, &projections, 20)?;
    session.report.record("top_projections", &top)?;
    session.figure(
        &figures::projections(&model, &projections, &set_a.name),
        "projections",
    )?;
    // ANCHOR_END: projection

    // ANCHOR: correlations
    let correlations = ops::row_correlations(&sub_a, &device)?;
    let absolute = Matrix::new(
        correlations.rows(),
        correlations.cols(),
        correlations.data().iter().map(|r| r.abs()).collect(),
    )?;
    session.report.record(
        "abs_correlation_mean_off_diagonal",
        mean_off_diagonal(&absolute),
    )?;
    session.figure(
        &figures::abs_correlations(&model, &absolute, &set_a.name),
        "abs_correlations",
    )?;
    // ANCHOR_END: correlations
    session.finish()
}

/// A named set of token ids.
#[derive(Clone, Debug, Serialize)]
pub struct TokenSet {
    pub name: String,
    pub ids: Vec<usize>,
    pub tokens: Vec<String>,
}

/// Resolves a token-set flag. Each word contributes its first token, as the notebook's
/// `tokenizer.encode(letter)[0]`.
pub fn token_set(model: &Model, spec: &str, size: usize, rng: &mut SeededRng) -> Result<TokenSet> {
    let words: Vec<String> = match spec {
        "letters" => ('a'..='z').map(String::from).collect(),
        "digits" => ('0'..='9').map(String::from).collect(),
        "random" => {
            let ids: Vec<usize> = (0..size.max(2))
                .map(|_| rng.below(0, model.tokenizer.vocab_size().min(model.embeddings.rows())))
                .collect();
            let tokens = ids
                .iter()
                .map(|&i| token_text(model, i))
                .collect::<Result<_>>()?;
            return Ok(TokenSet {
                name: "random".into(),
                ids,
                tokens,
            });
        }
        _ => match spec.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the token list {path}"))?
                .lines()
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
            None => spec
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
        },
    };
    if words.len() < 2 {
        bail!(
            "token set `{spec}` has {} tokens; an SVD spectrum needs at least 2",
            words.len()
        );
    }
    let ids = words
        .iter()
        .map(|w| Ok(word_ids(model, w)?[0] as usize))
        .collect::<Result<Vec<_>>>()?;
    let tokens = ids
        .iter()
        .map(|&i| token_text(model, i))
        .collect::<Result<_>>()?;
    let name = if spec.contains(',') || spec.starts_with('@') {
        "custom".to_string()
    } else {
        spec.to_string()
    };
    Ok(TokenSet { name, ids, tokens })
}

/// The two spectra and how concentrated each is.
#[derive(Debug, Serialize)]
pub struct Spectra {
    pub set_a: TokenSet,
    pub set_b: TokenSet,
    pub singular_values_a: Vec<f32>,
    pub singular_values_b: Vec<f32>,
    /// Fraction of variance in the first 1…K components.
    pub explained_a: Vec<f64>,
    pub explained_b: Vec<f64>,
}

impl Spectra {
    fn new(set_a: &TokenSet, a: &Svd, set_b: &TokenSet, b: &Svd, k: usize) -> Self {
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

    fn print(&self) {
        println!("\nFraction of variance in the first k components:");
        println!("  k | {:>8} | {:>8}", self.set_a.name, self.set_b.name);
        for (k, (a, b)) in self.explained_a.iter().zip(&self.explained_b).enumerate() {
            println!("{:>3} | {:>8.3} | {:>8.3}", k + 1, a, b);
        }
        println!(
            "Top singular value: {} {:.3}, {} {:.3}",
            self.set_a.name, self.singular_values_a[0], self.set_b.name, self.singular_values_b[0]
        );
    }
}

/// Spectra of many random draws: the spread a single random draw comes from.
#[derive(Debug, Serialize)]
pub struct RandomDraws {
    pub spectra: Vec<Vec<f32>>,
    pub top_mean: f64,
    pub top_sd: f64,
    /// Mean fraction of variance in the first 1…K components.
    pub explained_mean: Vec<f64>,
}

fn random_draws(
    model: &Model,
    size: usize,
    draws: usize,
    k: usize,
    rng: &mut SeededRng,
    device: &common::Device,
) -> Result<RandomDraws> {
    let mut spectra = Vec::with_capacity(draws);
    for _ in 0..draws {
        let set = token_set(model, "random", size, rng)?;
        let (centred, _) = ops::centre_rows(&model.embeddings.select_rows(&set.ids), device)?;
        spectra.push(svd(&centred)?.s);
    }
    let tops: Vec<f64> = spectra.iter().map(|s| s[0] as f64).collect();
    let top_mean = tops.iter().sum::<f64>() / draws as f64;
    let top_sd = (tops.iter().map(|t| (t - top_mean).powi(2)).sum::<f64>() / draws as f64).sqrt();
    let explained: Vec<Vec<f64>> = spectra.iter().map(|s| explained_variance(s)).collect();
    let explained_mean = (0..k.min(size))
        .map(|i| explained.iter().map(|e| e[i]).sum::<f64>() / draws as f64)
        .collect();
    println!(
        "\n{draws} random draws of {size} tokens: top singular value {top_mean:.3} ± {top_sd:.3} (mean ± sd);\n\
         the first component holds {:.1}% of their variance on average.",
        100.0 * explained.iter().map(|e| e[0]).sum::<f64>() / draws as f64
    );
    Ok(RandomDraws {
        spectra,
        top_mean,
        top_sd,
        explained_mean,
    })
}

#[derive(Debug, Serialize)]
pub struct Projection {
    pub id: usize,
    pub token: String,
    pub projection: f32,
}

/// The tokens with the largest |projection| that are not single ASCII letters (the
/// letters themselves are the set the direction came from).
fn top_projections(model: &Model, projections: &[f32], count: usize) -> Result<Vec<Projection>> {
    let mut order: Vec<usize> = (0..projections.len()).collect();
    order.sort_by(|&a, &b| {
        projections[b]
            .abs()
            .total_cmp(&projections[a].abs())
            .then(a.cmp(&b))
    });
    println!(
        "\nTokens with the largest |projection| onto the top letters singular vector (letters left out):"
    );
    let mut top = Vec::new();
    for id in order {
        let token = token_text(model, id)?;
        let is_letter = token.len() == 1 && token.chars().all(|c| c.is_ascii_alphabetic());
        if is_letter {
            continue;
        }
        println!("{:6.3} for \"{token}\"", projections[id]);
        top.push(Projection {
            id,
            token,
            projection: projections[id],
        });
        if top.len() == count {
            break;
        }
    }
    Ok(top)
}

fn mean_off_diagonal(m: &Matrix) -> f64 {
    let n = m.rows();
    let sum: f64 = (0..n)
        .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| m.row(i)[j] as f64)
        .sum();
    sum / (n * (n - 1)) as f64
}
