//! Lesson 3 — representational similarity analysis of GPT-2 and BERT embeddings (seed
//! notebook `03-rsa-gpt2-vs-bert`): the two models' vectors for the same words cannot be
//! compared coordinate by coordinate, but the way each model arranges the words can.

mod figures;

use anyhow::{Context, Result, bail};
use clap::Parser;
use common::cli::LessonArgs;
use common::report::Report;
use common::rsa::{RsaScore, cosine_similarity_matrix, rsa, upper_triangle};
use common::session::Session;
use common::{Matrix, Model, ops};
use serde::Serialize;

pub const LESSON: &str = "03-rsa";
pub const DEFAULT_BERT: &str = "bert-large-uncased";
pub const DEFAULT_GPT: &str = "gpt2-medium";
pub const DEFAULT_MODELS: &str = "gpt2,gpt2-medium,bert-base-uncased,bert-large-uncased";
pub const DEFAULT_WORDS: &str = "space,spaceship,planet,moon,star,galaxy,chair,table,couch,stool,floor,desk,apple,banana,pear,orange,peach,grape";

/// Lesson 3: RSA — compare how BERT and GPT-2 arrange the same words, then compare models
/// of different widths the same way.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson03", version)]
pub struct Args {
    /// BERT-family model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = DEFAULT_BERT)]
    pub bert: String,

    /// GPT-family model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = DEFAULT_GPT)]
    pub gpt: String,

    /// The words to compare: comma-separated, or @FILE with one word per line.
    #[arg(long, default_value = DEFAULT_WORDS)]
    pub words: String,

    /// Models for part 4 (RSA between every pair, whatever their widths), comma-separated.
    #[arg(long, default_value = DEFAULT_MODELS)]
    pub models: String,

    /// Label shuffles in the permutation test of each RSA score (0 to skip it).
    #[arg(long, default_value_t = 1000)]
    pub permutations: usize,

    #[command(flatten)]
    pub common: LessonArgs,
}

/// The word list from `--words`.
pub fn parse_words(spec: &str) -> Result<Vec<String>> {
    let text = match spec.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the word list {path}"))?,
        None => spec.replace(',', "\n"),
    };
    let words: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if words.len() < 3 {
        bail!(
            "RSA needs at least 3 words, got {}; pass more to --words",
            words.len()
        );
    }
    Ok(words)
}

pub fn run(args: &Args) -> Result<Report> {
    let words = parse_words(&args.words)?;
    let mut session = Session::start(LESSON, &args.common)?;
    let device = session.device.clone();
    let [bert, gpt] = session.load([(&args.bert, DEFAULT_BERT), (&args.gpt, DEFAULT_GPT)])?;

    // ANCHOR: part1
    println!("\n# Part 1: embeddings from two LLMs\n");
    println!("BERT vocabulary size: {}", bert.tokenizer.vocab_size());
    println!("GPT2 vocabulary size: {}\n", gpt.tokenizer.vocab_size());
    println!("BERT embeddings shape: {:?}", bert.embeddings.shape());
    println!("GPT2 embeddings shape: {:?}", gpt.embeddings.shape());
    session.report.record("vocab_sizes", serde_json::json!({ "bert": bert.tokenizer.vocab_size(), "gpt2": gpt.tokenizer.vocab_size() }))?;
    session.report.record(
        "embedding_shapes",
        serde_json::json!({ "bert": bert.embeddings.shape(), "gpt2": gpt.embeddings.shape() }),
    )?;
    // ANCHOR_END: part1

    // ANCHOR: part2
    println!("\n# Part 2: comparing model embeddings\n");
    let counts = token_counts(&words, &bert, &gpt)?;
    let tokens_bert = words
        .iter()
        .map(|w| first_token(&bert, w))
        .collect::<Result<Vec<_>>>()?;
    let tokens_gpt = words
        .iter()
        .map(|w| first_token(&gpt, &format!(" {w}")))
        .collect::<Result<Vec<_>>>()?;
    println!("\ntokensB = {tokens_bert:?}\ntokensG = {tokens_gpt:?}");
    let sub_bert = bert.embeddings.select_rows(&tokens_bert);
    let sub_gpt = gpt.embeddings.select_rows(&tokens_gpt);
    println!(
        "\nBERT embeddings shape: {:?}\nGPT2 embeddings shape: {:?}",
        sub_bert.shape(),
        sub_gpt.shape()
    );
    let per_word = per_word_correlations(&sub_bert, &sub_gpt, &device)?;
    session.report.record("token_counts", &counts)?;
    session.report.record(
        "tokens",
        serde_json::json!({ "bert": tokens_bert, "gpt2": tokens_gpt }),
    )?;
    session.report.record("per_word_correlation", &per_word)?;
    if let Some(figure) = figures::per_word(&words, &sub_bert, &sub_gpt, &per_word, &bert, &gpt) {
        session.figure(&figure, "part2_per_word")?;
    }
    // ANCHOR_END: part2

    // ANCHOR: part3
    println!("\n# Part 3: representational similarity analysis\n");
    let cs_bert = cosine_similarity_matrix(&sub_bert, &device)?;
    let cs_gpt = cosine_similarity_matrix(&sub_gpt, &device)?;
    let score = rsa(&cs_bert, &cs_gpt, args.permutations, args.common.seed)?;
    println!("Size of similarity matrices: {:?}", cs_bert.shape());
    println!(
        "Number of non-redundant elements: {}",
        upper_triangle(&cs_bert).len()
    );
    print_score("BERT vs GPT2", &score);
    session.report.record("rsa", &score)?;
    session.report.record(
        "similarity_matrices",
        serde_json::json!({ "bert": cs_bert.data(), "gpt2": cs_gpt.data() }),
    )?;
    session.figure(
        &figures::rsa(&words, &cs_bert, &cs_gpt, score.pearson, &bert, &gpt),
        "part3_rsa",
    )?;
    // ANCHOR_END: part3

    // ANCHOR: part4
    println!("\n# Part 4: different embedding sizes\n");
    let names: Vec<&str> = args
        .models
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    let loaded = [(args.bert.as_str(), &bert), (args.gpt.as_str(), &gpt)];
    let sizes = model_sizes(&names, &words, args, loaded, &mut session)?;
    session.report.record("model_sizes", &sizes)?;
    let rsa_matrix = Matrix::new(
        sizes.names.len(),
        sizes.names.len(),
        sizes.rsa.iter().flatten().map(|&v| v as f32).collect(),
    )?;
    session.figure(
        &figures::model_matrix(&sizes, &rsa_matrix),
        "part4_model_sizes",
    )?;
    // ANCHOR_END: part4
    session.finish()
}

/// `Word | B-n | G-n | B-s | G-s`: how many tokens each word is, without and with a space.
#[derive(Debug, Serialize)]
pub struct TokenCounts {
    pub word: String,
    pub bert_no_space: usize,
    pub gpt2_no_space: usize,
    pub bert_space: usize,
    pub gpt2_space: usize,
}

fn token_counts(words: &[String], bert: &Model, gpt: &Model) -> Result<Vec<TokenCounts>> {
    println!("     Word  | B-n | G-n | B-s | G-s");
    println!("-----------+-----+-----+-----+-----");
    words
        .iter()
        .map(|w| {
            let n = |m: &Model, text: &str| -> Result<usize> {
                Ok(m.tokenizer.encode(text, false)?.len())
            };
            let spaced = format!(" {w}");
            let row = TokenCounts {
                word: w.clone(),
                bert_no_space: n(bert, w)?,
                gpt2_no_space: n(gpt, w)?,
                bert_space: n(bert, &spaced)?,
                gpt2_space: n(gpt, &spaced)?,
            };
            println!(
                "{:>10} |  {}  |  {}  |  {}  |  {}",
                row.word, row.bert_no_space, row.gpt2_no_space, row.bert_space, row.gpt2_space
            );
            Ok(row)
        })
        .collect()
}

/// The first token of `text` (the notebook keeps only the first piece of a split word).
fn first_token(model: &Model, text: &str) -> Result<usize> {
    Ok(common::words::word_ids(model, text)?[0] as usize)
}

/// Pearson r between each word's BERT and GPT-2 vectors: defined only for equal widths.
#[derive(Debug, Serialize)]
pub struct PerWord {
    pub correlations: Option<Vec<f32>>,
    pub skipped: Option<String>,
}

fn per_word_correlations(bert: &Matrix, gpt: &Matrix, device: &common::Device) -> Result<PerWord> {
    if bert.cols() != gpt.cols() {
        let why = format!(
            "BERT vectors have {} dimensions and GPT-2 vectors {}: there is no dimension-by-dimension pairing to correlate, so the per-word correlation is skipped (part 3 needs no pairing)",
            bert.cols(),
            gpt.cols()
        );
        println!("\n{why}");
        return Ok(PerWord {
            correlations: None,
            skipped: Some(why),
        });
    }
    let r = (0..bert.rows())
        .map(|i| ops::pearson(bert.row(i), gpt.row(i), device))
        .collect::<Result<Vec<_>>>()?;
    println!(
        "\nPer-word correlation of the BERT and GPT-2 vectors: {}",
        r.iter()
            .map(|v| format!("{v:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(PerWord {
        correlations: Some(r),
        skipped: None,
    })
}

fn print_score(what: &str, score: &RsaScore) {
    let p = score.p_value.map_or("not tested".into(), |p| {
        format!("{p:.4} ({} label shuffles)", score.permutations)
    });
    println!(
        "RSA score ({what}): Pearson r = {:.2}, Spearman rho = {:.2}, permutation p = {p}",
        score.pearson, score.spearman
    );
}

/// Part 4: RSA between every pair of models, whatever their widths.
#[derive(Debug, Serialize)]
pub struct ModelSizes {
    /// The names asked for, and the models they resolved to (stand-ins say so).
    pub names: Vec<String>,
    pub models: Vec<String>,
    pub widths: Vec<usize>,
    /// `rsa[i][j]`: Pearson RSA of model i and model j over the words.
    pub rsa: Vec<Vec<f64>>,
    pub spearman: Vec<Vec<f64>>,
    pub standin: Vec<bool>,
}

/// A model's similarity matrix over the words, with tokens chosen as the notebook chooses
/// them: tokenizers that tell "word" from " word" (GPT-2's) get " word", others "word".
fn similarity_of(model: &Model, words: &[String], device: &common::Device) -> Result<Matrix> {
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

fn model_sizes(
    names: &[&str],
    words: &[String],
    args: &Args,
    loaded: [(&str, &Model); 2],
    session: &mut Session,
) -> Result<ModelSizes> {
    if names.len() < 2 {
        bail!(
            "--models needs at least two models to compare, got {}",
            names.len()
        );
    }
    let device = session.device.clone();
    let mut sizes = ModelSizes {
        names: names.iter().map(|n| n.to_string()).collect(),
        models: Vec::new(),
        widths: Vec::new(),
        rsa: Vec::new(),
        spearman: Vec::new(),
        standin: Vec::new(),
    };
    // Models parts 1-3 did not load yet are loaded side by side.
    let missing: Vec<(&str, &str)> = names
        .iter()
        .filter(|name| !loaded.iter().any(|(l, _)| l == *name))
        .map(|&name| {
            let course_default = DEFAULT_MODELS.split(',').find(|d| *d == name);
            (name, course_default.unwrap_or(""))
        })
        .collect();
    let fresh = session.load_many(&missing)?;
    let models: Vec<(&str, &Model)> = loaded
        .into_iter()
        .chain(missing.iter().map(|(name, _)| *name).zip(&fresh))
        .collect();
    let mut similarity = Vec::new();
    for name in names {
        let Some((_, model)) = models.iter().find(|(n, _)| n == name) else {
            bail!("model {name} was not loaded");
        };
        similarity.push(similarity_of(model, words, &device)?);
        sizes.models.push(model.label());
        sizes.widths.push(model.embeddings.cols());
        sizes.standin.push(model.is_standin());
    }
    for a in &similarity {
        let row: Vec<RsaScore> = similarity
            .iter()
            .map(|b| rsa(a, b, 0, args.common.seed))
            .collect::<Result<_>>()?;
        sizes.rsa.push(row.iter().map(|s| s.pearson).collect());
        sizes
            .spearman
            .push(row.iter().map(|s| s.spearman).collect());
    }
    println!("Pearson RSA between models of different widths:\n");
    let width = sizes
        .models
        .iter()
        .map(|m| m.chars().count())
        .max()
        .unwrap_or(0);
    for (i, name) in sizes.models.iter().enumerate() {
        let cells: Vec<String> = sizes.rsa[i].iter().map(|r| format!("{r:5.2}")).collect();
        println!(
            "{name:>width$} ({:>4} wide) | {}",
            sizes.widths[i],
            cells.join("  ")
        );
    }
    println!(
        "\nPlain correlation pairs dimension i of one model with dimension i of the other, so it needs\n\
         equal widths — and even then the pairing is arbitrary: each model's axes are its own.\n\
         RSA never pairs dimensions. Each model is first reduced to the cosine similarities among\n\
         the same {} words (a {}×{} matrix, whatever the width), and only those are compared.\n\
         Rotating, rescaling or widening a space leaves its similarities, and so its RSA, unchanged.",
        words.len(),
        words.len(),
        words.len()
    );
    Ok(sizes)
}
