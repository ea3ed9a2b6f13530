//! Lesson 3 — representational similarity analysis of GPT-2 and BERT embeddings (seed
//! notebook `03-rsa-gpt2-vs-bert`): the two models' vectors for the same words cannot be
//! compared coordinate by coordinate, but the way each model arranges the words can.

mod figures;
mod results;

use anyhow::{Result, bail};
use clap::Parser;
use common::analysis::rsa::{RsaScore, cosine_similarity_matrix, rsa, upper_triangle};
use common::analysis::stats::pearson;
use common::model::first_token;
use common::plot::model_labels;
use common::run::cli::{ListItem, expand, list_item};
use common::run::{CourseModels, Flags, ModelPairArgs};
use common::{Device, LessonArgs, Matrix, Model, Pair, Report, Session};

pub use results::*;

pub const LESSON: &str = "03-rsa";

/// The notebook's models.
#[derive(Clone, Debug)]
pub struct Course;

impl CourseModels for Course {
    const BERT: &'static str = "bert-large-uncased";
    const GPT: &'static str = "gpt2-medium";
}
pub const DEFAULT_MODELS: &str = "gpt2,gpt2-medium,bert-base-uncased,bert-large-uncased";
pub const DEFAULT_WORDS: &str = "space,spaceship,planet,moon,star,galaxy,chair,table,couch,stool,floor,desk,apple,banana,pear,orange,peach,grape";

/// Lesson 3: RSA — compare how BERT and GPT-2 arrange the same words, then compare models
/// of different widths the same way.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson03", version)]
pub struct Args {
    #[command(flatten)]
    pub pair: ModelPairArgs<Course>,

    /// The words to compare, comma-separated (@FILE: one per line); at least 3.
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = DEFAULT_WORDS)]
    pub words: Vec<ListItem>,

    /// Models for part 4 (RSA between every pair, whatever their widths), comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = DEFAULT_MODELS)]
    pub models: Vec<ListItem>,

    /// Label shuffles in the permutation test of each RSA score (0 to skip it).
    #[arg(long, default_value_t = 1000)]
    pub permutations: usize,

    #[command(flatten)]
    pub common: LessonArgs,
}

impl Flags for Args {
    fn check(&self) -> Result<(), String> {
        let words = expand(&self.words).len();
        if words < 3 {
            return Err(format!(
                "RSA needs at least 3 words, got {words}; pass more to --words"
            ));
        }
        let models = expand(&self.models).len();
        if models < 2 {
            return Err(format!(
                "--models needs at least two models to compare, got {models}"
            ));
        }
        Ok(())
    }
}

pub fn run(args: &Args) -> Result<Report<Results>> {
    let words = expand(&args.words);
    let session = Session::start(LESSON, &args.common)?;
    let device = session.device();
    let models = session.load_pair(args.pair.requests())?;
    let labels = model_labels(
        models.as_ref(),
        args.pair.requests().map(|(_, course)| course),
    );

    // ANCHOR: part1
    println!("\n# Part 1: embeddings from two LLMs\n");
    let vocab_sizes = models.as_ref().map(|m| m.tokenizer.vocab_size());
    let embedding_shapes = models.as_ref().map(|m| m.embeddings.shape());
    session.show(Sizes {
        vocab_sizes,
        embedding_shapes,
    });
    // ANCHOR_END: part1

    // ANCHOR: part2
    println!("\n# Part 2: comparing model embeddings\n");
    let token_counts = TokenCounts::of(&words, models.as_ref())?;
    session.show(CountTable(&token_counts));
    // GPT-2's tokens for the words come with their leading space, as in the notebook.
    let tokens = Pair::new(
        words
            .iter()
            .map(|w| first_token(&models.bert, w))
            .collect::<Result<Vec<_>>>()?,
        words
            .iter()
            .map(|w| first_token(&models.gpt, &format!(" {w}")))
            .collect::<Result<Vec<_>>>()?,
    );
    let vectors = models
        .as_ref()
        .zip(tokens.as_ref())
        .map(|(m, t)| m.embeddings.select_rows(t));
    session.show(Selected {
        tokens: tokens.as_ref(),
        vectors: vectors.as_ref(),
    });
    let per_word_correlation = session.show(per_word_correlations(vectors.as_ref()));
    if let Some(figure) =
        figures::per_word(&words, vectors.as_ref(), &per_word_correlation, &labels)
    {
        session.figure(figure, "part2_per_word")?;
    }
    // ANCHOR_END: part2

    // ANCHOR: part3
    println!("\n# Part 3: representational similarity analysis\n");
    let similarity = vectors
        .as_ref()
        .map(|v| cosine_similarity_matrix(v, device))
        .transpose()?;
    let score = rsa(
        &similarity.bert,
        &similarity.gpt,
        args.permutations,
        session.seed(),
    )?;
    println!("Size of similarity matrices: {:?}", similarity.bert.shape());
    println!(
        "Number of non-redundant elements: {}",
        upper_triangle(&similarity.bert).len()
    );
    session.show(Score {
        what: "BERT vs GPT",
        score: &score,
    });
    session.figure(
        figures::rsa(&words, similarity.as_ref(), score.pearson),
        "part3_rsa",
    )?;
    // ANCHOR_END: part3

    // ANCHOR: part4
    println!("\n# Part 4: different embedding sizes\n");
    let names = expand(&args.models);
    let loaded = [
        (args.pair.bert.as_str(), &models.bert),
        (args.pair.gpt.as_str(), &models.gpt),
    ];
    let model_sizes = session.show(model_sizes(&names, &words, loaded, &session)?);
    let rsa_matrix = Matrix::new(
        names.len(),
        names.len(),
        model_sizes
            .rsa
            .iter()
            .flatten()
            .map(|&v| v as f32)
            .collect(),
    )?;
    session.figure(
        figures::model_matrix(&model_sizes, &rsa_matrix),
        "part4_model_sizes",
    )?;
    // ANCHOR_END: part4
    session.finish(Results {
        vocab_sizes,
        embedding_shapes,
        token_counts,
        tokens,
        per_word_correlation,
        rsa: score,
        similarity_matrices: similarity.map(|m| m.data().to_vec()),
        model_sizes,
    })
}

/// Pearson r between each word's BERT and GPT-2 vectors: defined only for equal widths.
fn per_word_correlations(vectors: Pair<&Matrix>) -> PerWord {
    let Pair { bert, gpt } = vectors;
    if bert.cols() != gpt.cols() {
        return PerWord {
            correlations: None,
            skipped: Some(format!(
                "BERT vectors have {} dimensions and GPT vectors {}: there is no dimension-by-dimension pairing to correlate, so the per-word correlation is skipped (part 3 needs no pairing)",
                bert.cols(),
                gpt.cols()
            )),
        };
    }
    let r = (0..bert.rows())
        .map(|i| pearson(bert.row(i), gpt.row(i)) as f32)
        .collect();
    PerWord {
        correlations: Some(r),
        skipped: None,
    }
}

/// A model's similarity matrix over the words, with tokens chosen as the notebook chooses
/// them: tokenizers that tell "word" from " word" (GPT-2's) get " word", others "word".
fn similarity_of(model: &Model, words: &[String], device: &Device) -> Result<Matrix> {
    let spaced = |w: &str| -> Result<bool> {
        Ok(model.tokenizer.encode(w, false)?.first()
            != model.tokenizer.encode(&format!(" {w}"), false)?.first())
    };
    let tokens = words
        .iter()
        .map(|w| {
            if spaced(w)? {
                first_token(model, &format!(" {w}"))
            } else {
                first_token(model, w)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    cosine_similarity_matrix(&model.embeddings.select_rows(&tokens), device)
}

/// Part 4: RSA between every pair of the named models (those parts 1–3 loaded are reused).
fn model_sizes(
    names: &[String],
    words: &[String],
    loaded: [(&str, &Model); 2],
    session: &Session,
) -> Result<ModelSizes> {
    // Models parts 1-3 did not load yet are loaded side by side.
    let missing: Vec<(&str, &str)> = names
        .iter()
        .filter(|name| !loaded.iter().any(|(l, _)| l == name))
        .map(|name| {
            let course_default = DEFAULT_MODELS.split(',').find(|d| d == name);
            (name.as_str(), course_default.unwrap_or(""))
        })
        .collect();
    let fresh = session.load(&missing)?;
    let models: Vec<(&str, &Model)> = loaded
        .into_iter()
        .chain(missing.iter().map(|(name, _)| *name).zip(&fresh))
        .collect();
    let mut sizes = ModelSizes {
        words: words.len(),
        names: names.to_vec(),
        ..ModelSizes::default()
    };
    let mut similarity = Vec::new();
    for name in names {
        let Some((_, model)) = models.iter().find(|(n, _)| n == name) else {
            bail!("model {name} was not loaded");
        };
        similarity.push(similarity_of(model, words, session.device())?);
        sizes.models.push(model.label());
        sizes.widths.push(model.embeddings.cols());
        sizes.standin.push(model.is_standin());
    }
    for a in &similarity {
        let row: Vec<RsaScore> = similarity
            .iter()
            .map(|b| rsa(a, b, 0, session.seed()))
            .collect::<Result<_>>()?;
        sizes.rsa.push(row.iter().map(|s| s.pearson).collect());
        sizes
            .spearman
            .push(row.iter().map(|s| s.spearman).collect());
    }
    Ok(sizes)
}
