//! Lesson 3 — representational similarity analysis of GPT-2 and BERT embeddings (seed
//! notebook `03-rsa-gpt2-vs-bert`): the two models' vectors for the same words cannot be
//! compared coordinate by coordinate, but the way each model arranges the words can.

mod args;
mod figures;
mod results;

use anyhow::{Result, bail};
use common::analysis::rsa::{
    RsaScore, correlate_triangles, cosine_similarity_matrix, permutation_test, rsa, upper_triangle,
};
use common::analysis::stats::{is_constant, pearson};
use common::model::first_token;
use common::plot::for_name;
use common::run::cli::expand;
use common::run::progress::shown;
use common::text::one_line;
use common::{Device, Matrix, Model, Pair, Report, Session};

pub use args::{Args, DEFAULT_MODELS, DEFAULT_WORDS};
pub use results::*;

pub const LESSON: &str = "03-rsa";

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common, args.budget())?;
    let device = session.device();

    session.section("Part 1: Embeddings from two LLMs");
    // ANCHOR: part1
    // BERT and GPT2 tokenizers and models, and their embeddings matrices
    let models = session.load_pair(args.pair.requests())?;
    let labels = args.pair.labels(models.as_ref());
    let vocab_sizes = models.as_ref().map(|m| m.tokenizer.vocab_size());
    let embedding_shapes = models.as_ref().map(|m| m.embeddings.shape());
    session.show(Sizes {
        vocab_sizes,
        embedding_shapes,
    });
    // ANCHOR_END: part1

    session.section("Part 2: Comparing model embeddings");
    // ANCHOR: part2
    // list of words for RSA; their tokens without and with a preceding space
    let words = expand(&args.words);
    let token_counts = token_counts(&words, models.as_ref())?;
    session.show(CountTable(&token_counts));
    // BERT's first token of "word", GPT-2's of " word" (the notebook's tokensB,
    // tokensG)
    let tokens = Pair::new(
        first_tokens(&models.bert, &words, "")?,
        first_tokens(&models.gpt, &words, " ")?,
    );
    session.show(Tokens(tokens.as_ref()));
    // embeddings matrix for these words
    let sub_embed = models
        .as_ref()
        .zip(tokens.as_ref())
        .map(|(m, t)| m.embeddings.select_rows(t));
    session.show(Shapes(sub_embed.as_ref()));
    // correlations for all words
    let vectors = sub_embed.as_ref();
    let per_word_correlation = session.show(per_word_correlations(&words, vectors));
    let figure = figures::per_word(&words, vectors, &per_word_correlation, &labels);
    if let Some(figure) = figure {
        session.figure(figure, "part2_per_word")?;
    }
    // ANCHOR_END: part2

    session.section("Part 3: Representational similarity analysis");
    // ANCHOR: part3
    // cosine similarities
    let cs = sub_embed
        .as_ref()
        .map(|v| cosine_similarity_matrix(v, device))
        .transpose()?;
    // extract the upper-triangular elements
    let unique = cs.as_ref().map(upper_triangle);
    // Pearson correlation (Spearman's beside it)
    let r = correlate_triangles(&unique.bert, &unique.gpt)?;
    session.show(Triangles {
        shape: cs.bert.shape(),
        elements: unique.bert.len(),
        score: &r,
    });
    // and visualize
    session.figure(
        figures::rsa(&words, cs.as_ref(), r.pearson, &labels),
        "part3_rsa",
    )?;
    // ANCHOR_END: part3

    session.section("Part 4: Different embeddings sizes");
    // ANCHOR: part4
    // (a heading the notebook leaves without code): RSA between every pair of
    // models, whatever their widths
    let names = expand(&args.models);
    let sizes = model_sizes(&names, &words, args, &models, &session)?;
    let model_sizes = session.show(sizes);
    let rsa_matrix = model_sizes.matrix()?;
    session.figure(
        figures::model_matrix(&model_sizes, &rsa_matrix),
        "part4_model_sizes",
    )?;
    // ANCHOR_END: part4

    session.beyond("is the RSA score larger than chance?");
    // ANCHOR: permutation
    let (permutations, seed) = (args.permutations, session.seed());
    let score = shown(permutations, "permutation test (shuffles)", |done| {
        permutation_test(&cs.bert, &cs.gpt, r, permutations, seed, done)
    });
    // how precisely N shuffles pin p down: its standard error
    let rsa_se = standard_error(&score);
    session.show(Permutations(&score, rsa_se));
    // ANCHOR_END: permutation

    session.beyond("a relabelling that keeps the groups: GPT's word order reversed");
    // ANCHOR: reversed
    // GPT's words in reverse order against BERT's (rows and columns of its
    // matrix reversed), scored and tested like the true order
    let (bert, gpt) = (&cs.bert, reversed(&cs.gpt)?);
    let reversed = rsa(bert, &gpt)?;
    let reversed = shown(permutations, "permutation test (shuffles)", |done| {
        permutation_test(bert, &gpt, reversed, permutations, seed, done)
    });
    let reversed_se = standard_error(&reversed);
    session.show(Reversed(&reversed, reversed_se));
    // ANCHOR_END: reversed

    session.finish(Results {
        vocab_sizes,
        embedding_shapes,
        token_counts,
        tokens,
        per_word_correlation,
        rsa: score,
        reversed,
        similarity_matrices: cs.map(|m| m.data().to_vec()),
        model_sizes,
        p_value_standard_errors: StandardErrors {
            rsa: rsa_se,
            reversed: reversed_se,
        },
    })
}

// ANCHOR: standard_error
/// The Monte Carlo standard error of a permutation p-value, √(p(1 − p)/N) for N
/// shuffles: each shuffle reaches the score or not, with chance p, so the share
/// that did — and so p — varies by about this much from one seed to another.
fn standard_error(score: &RsaScore) -> Option<f64> {
    let n = score.permutations as f64;
    score.p_value.map(|p| (p * (1.0 - p) / n).sqrt())
}
// ANCHOR_END: standard_error

/// A similarity matrix with its words in reverse order: row and column `i` become
/// `n − 1 − i` (the matrix of the words' vectors taken in reverse).
fn reversed(m: &Matrix) -> Result<Matrix> {
    let n = m.rows();
    let data = (0..n)
        .flat_map(|i| (0..n).map(move |j| (n - 1 - i, n - 1 - j)))
        .map(|(i, j)| m.row(i)[j])
        .collect();
    Matrix::new(n, n, data)
}

/// Each word's first token in `model`, the word written after `prefix` (GPT-2's words
/// come with their leading space, `f' {w}'`, as in the notebook).
fn first_tokens(model: &Model, words: &[String], prefix: &str) -> Result<Vec<usize>> {
    words
        .iter()
        .map(|w| first_token(model, &format!("{prefix}{w}")))
        .collect()
}

/// The notebook's table `Word | B-n | G-n | B-s | G-s`: how many tokens each word is in
/// each model, without and with a preceding space.
fn token_counts(words: &[String], models: Pair<&Model>) -> Result<Vec<TokenCounts>> {
    words
        .iter()
        .map(|w| {
            let count = |text: &str| {
                models
                    .map(|m| m.tokenizer.encode(text, false).map(|ids| ids.len()))
                    .transpose()
            };
            Ok(TokenCounts {
                word: w.clone(),
                no_space: count(w)?,
                space: count(&format!(" {w}"))?,
            })
        })
        .collect()
}

/// Pearson r between each word's BERT and GPT-2 vectors: defined only for equal widths,
/// and only where neither vector is constant (r is 0/0 there: named, not printed as NaN).
fn per_word_correlations(words: &[String], vectors: Pair<&Matrix>) -> PerWord {
    let Pair { bert, gpt } = vectors;
    if bert.cols() != gpt.cols() {
        return PerWord {
            undefined: Vec::new(),
            correlations: None,
            skipped: Some(format!(
                "BERT vectors have {} dimensions and GPT vectors {}: there is no dimension-by-dimension pairing to correlate, so the per-word correlation is skipped (part 3 needs no pairing)",
                bert.cols(),
                gpt.cols()
            )),
        };
    }
    let mut undefined = Vec::new();
    let r = (0..bert.rows())
        .map(|i| {
            let which = match (is_constant(bert.row(i)), is_constant(gpt.row(i))) {
                (false, false) => return Some(pearson(bert.row(i), gpt.row(i)) as f32),
                (true, true) => "both vectors are",
                (true, false) => "its BERT vector is",
                (false, true) => "its GPT vector is",
            };
            undefined.push(format!(
                "\"{}\": {which} constant (no variance to correlate)",
                one_line(&words[i])
            ));
            None
        })
        .collect();
    PerWord {
        correlations: Some(r),
        skipped: None,
        undefined,
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

/// Part 4: RSA between every pair of the named models. The two models parts 1–3 loaded
/// (`args.pair`) are reused; the others are loaded now, side by side.
fn model_sizes(
    names: &[String],
    words: &[String],
    args: &Args,
    loaded: &Pair<Model>,
    session: &Session,
) -> Result<ModelSizes> {
    let is_loaded = |name: &str| name == args.pair.bert || name == args.pair.gpt;
    let to_load: Vec<(&str, &str)> = names
        .iter()
        .filter(|name| !is_loaded(name))
        .map(|name| {
            let course_default = DEFAULT_MODELS.split(',').find(|d| d == name);
            (name.as_str(), course_default.unwrap_or(""))
        })
        .collect();
    let fresh = session.load(&to_load)?;
    let model_named = |name: &str| -> Result<&Model> {
        if name == args.pair.bert {
            return Ok(&loaded.bert);
        }
        if name == args.pair.gpt {
            return Ok(&loaded.gpt);
        }
        match to_load.iter().position(|(n, _)| *n == name) {
            Some(i) => Ok(&fresh[i]),
            None => bail!("model {name} was not loaded"),
        }
    };
    let mut sizes = ModelSizes {
        words: words.len(),
        names: names.to_vec(),
        ..ModelSizes::default()
    };
    let mut similarity = Vec::new();
    for name in names {
        let model = model_named(name)?;
        similarity.push(similarity_of(model, words, session.device())?);
        let width = model.embeddings.cols();
        sizes.models.push(model.label());
        sizes.widths.push(width);
        sizes
            .axis_labels
            .push(format!("{} ({width})", for_name(model, name)));
        sizes.standin.push(model.is_standin());
    }
    for a in &similarity {
        let row: Vec<RsaScore> = similarity
            .iter()
            .map(|b| rsa(a, b))
            .collect::<Result<_>>()?;
        sizes.rsa.push(row.iter().map(|s| s.pearson).collect());
        sizes
            .spearman
            .push(row.iter().map(|s| s.spearman).collect());
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_vector_has_no_per_word_correlation_and_is_named() {
        let words = ["flat".to_string(), "varied".to_string()];
        let bert = Matrix::new(2, 3, vec![0.5, 0.5, 0.5, 1.0, 2.0, 3.0]).unwrap();
        let gpt = Matrix::new(2, 3, vec![1.0, 0.0, 2.0, 2.0, 4.0, 7.0]).unwrap();
        let per_word = per_word_correlations(&words, Pair::new(&bert, &gpt));
        let r = per_word.correlations.clone().unwrap();
        // Python's statistics.correlation([1, 2, 3], [2, 4, 7]) = 0.9933992677987828;
        // numpy's corrcoef gives nan for the constant row, shown here as undefined.
        assert_eq!(r[0], None);
        assert!((r[1].unwrap() - 0.993_399_3).abs() < 1e-6, "{r:?}");
        assert_eq!(
            per_word.undefined,
            ["\"flat\": its BERT vector is constant (no variance to correlate)"]
        );
        let printed = per_word.to_string();
        assert!(printed.contains("undefined 0.99"), "{printed}");
        assert!(!printed.contains("NaN"), "{printed}");
        assert_eq!(
            serde_json::to_value(&per_word).unwrap()["correlations"][0],
            serde_json::Value::Null
        );
    }
}
