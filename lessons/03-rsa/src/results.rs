//! What lesson 3 finds, as typed values: each prints as the lesson shows it, serialises
//! into `report.json`, and the whole gives the book its numbers.

use std::fmt;

use common::analysis::rsa::RsaScore;
use common::format::decimals;
use common::run::report::{BookNumbers, book_section, markdown_table};
use common::text::{markdown_text, one_line};
use common::{Matrix, Pair};
use serde::Serialize;

/// Everything lesson 3 reports.
#[derive(Debug, Serialize)]
pub struct Results {
    pub vocab_sizes: Pair<usize>,
    pub embedding_shapes: Pair<[usize; 2]>,
    pub token_counts: Vec<TokenCounts>,
    pub tokens: Pair<Vec<usize>>,
    pub per_word_correlation: PerWord,
    pub rsa: RsaScore,
    /// Beyond the notebook: the RSA score and its permutation test with GPT's words in
    /// reverse order (a relabelling that maps each group of the default words onto a
    /// group).
    pub reversed: RsaScore,
    pub similarity_matrices: Pair<Vec<f32>>,
    pub model_sizes: ModelSizes,
    /// Beyond the notebook: how precisely each permutation p-value is known.
    pub p_value_standard_errors: StandardErrors,
}

/// The Monte Carlo standard error, √(p(1 − p)/N), of each permutation p-value (`None`
/// where the test did not run).
#[derive(Debug, Serialize)]
pub struct StandardErrors {
    pub rsa: Option<f64>,
    pub reversed: Option<f64>,
}

/// "p = …, standard error …", or the note that the test was skipped.
fn p_with_error(p: f64, digits: usize, standard_error: Option<f64>) -> String {
    match standard_error {
        Some(se) => format!(
            "p = {} (standard error {})",
            decimals(p, digits),
            decimals(se, 4)
        ),
        None => format!("p = {}", decimals(p, digits)),
    }
}

/// Part 1: vocabulary sizes and embedding shapes.
pub struct Sizes {
    pub vocab_sizes: Pair<usize>,
    pub embedding_shapes: Pair<[usize; 2]>,
}

impl fmt::Display for Sizes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "BERT vocabulary size: {}", self.vocab_sizes.bert)?;
        writeln!(f, "GPT vocabulary size: {}\n", self.vocab_sizes.gpt)?;
        writeln!(f, "BERT embeddings shape: {:?}", self.embedding_shapes.bert)?;
        write!(f, "GPT embeddings shape: {:?}", self.embedding_shapes.gpt)
    }
}

/// `Word | B-n | G-n | B-s | G-s`: how many tokens each word is, without and with a space.
#[derive(Debug, Serialize)]
pub struct TokenCounts {
    pub word: String,
    pub no_space: Pair<usize>,
    pub space: Pair<usize>,
}

impl fmt::Display for TokenCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:>10} |  {}  |  {}  |  {}  |  {}",
            one_line(&self.word),
            self.no_space.bert,
            self.no_space.gpt,
            self.space.bert,
            self.space.gpt
        )
    }
}

/// The token-count table.
pub struct CountTable<'a>(pub &'a [TokenCounts]);

impl fmt::Display for CountTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "     Word  | B-n | G-n | B-s | G-s")?;
        write!(f, "-----------+-----+-----+-----+-----")?;
        for row in self.0 {
            write!(f, "\n{row}")?;
        }
        Ok(())
    }
}

/// The token counts as numbers.md shows them: the table, then how many words GPT splits
/// without the space and with it.
fn token_count_table(counts: &[TokenCounts]) -> String {
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|c| {
            vec![
                markdown_text(&c.word),
                c.no_space.bert.to_string(),
                c.no_space.gpt.to_string(),
                c.space.bert.to_string(),
                c.space.gpt.to_string(),
            ]
        })
        .collect();
    let split = |n: fn(&TokenCounts) -> usize| counts.iter().filter(|c| n(c) > 1).count();
    let table = markdown_table(
        &[
            "word",
            // typographic quotes: Markdown's smart quotes would close " word" with an
            // opening one
            "BERT, “word”",
            "GPT, “word”",
            "BERT, “ word”",
            "GPT, “ word”",
        ],
        &rows,
    );
    format!(
        "{table}\nWords that take more than one GPT token: {} of {} without a leading space, {} \
         with it (BERT: {} and {}).",
        split(|c| c.no_space.gpt),
        counts.len(),
        split(|c| c.space.gpt),
        split(|c| c.no_space.bert),
        split(|c| c.space.bert),
    )
}

/// Part 2's chosen tokens (the notebook's `tokensB,tokensG` cell).
pub struct Tokens<'a>(pub Pair<&'a Vec<usize>>);

impl fmt::Display for Tokens<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Pair { bert, gpt } = &self.0;
        write!(f, "\ntokensB = {bert:?}\ntokensG = {gpt:?}")
    }
}

/// The shapes of the submatrices of the chosen tokens' vectors.
pub struct Shapes<'a>(pub Pair<&'a Matrix>);

impl fmt::Display for Shapes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Pair { bert, gpt } = &self.0;
        write!(
            f,
            "\nBERT embeddings shape: {:?}\nGPT embeddings shape: {:?}",
            bert.shape(),
            gpt.shape()
        )
    }
}

/// Pearson r between each word's BERT and GPT-2 vectors: defined only for equal widths,
/// and only for words whose vectors both vary (`None`, and `null` in the report, where one
/// is constant: numpy's `corrcoef` gives nan there).
#[derive(Debug, Serialize)]
pub struct PerWord {
    pub correlations: Option<Vec<Option<f32>>>,
    pub skipped: Option<String>,
    /// The words whose r is undefined, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undefined: Vec<String>,
}

impl fmt::Display for PerWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.correlations, &self.skipped) {
            (Some(r), _) => {
                write!(
                    f,
                    "\nPer-word correlation of the BERT and GPT vectors: {}",
                    r.iter()
                        .map(|v| v.map_or("undefined".into(), |v| format!("{v:.2}")))
                        .collect::<Vec<_>>()
                        .join(" ")
                )?;
                for why in &self.undefined {
                    write!(f, "\n  undefined: {why}")?;
                }
                Ok(())
            }
            (None, Some(why)) => write!(f, "\n{why}"),
            (None, None) => Ok(()),
        }
    }
}

/// Part 3's printout: the similarity matrices' size, their non-redundant elements, and
/// the RSA score.
pub struct Triangles<'a> {
    pub shape: [usize; 2],
    pub elements: usize,
    pub score: &'a RsaScore,
}

impl fmt::Display for Triangles<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Size of similarity matrices: {:?}", self.shape)?;
        writeln!(f, "Number of non-redundant elements: {}", self.elements)?;
        write!(
            f,
            "RSA score (BERT vs GPT): Pearson r = {:.2}, Spearman rho = {:.2}",
            self.score.pearson, self.score.spearman
        )
    }
}

/// The permutation test of the RSA score and its p-value's standard error, as the lesson
/// prints them.
pub struct Permutations<'a>(pub &'a RsaScore, pub Option<f64>);

impl fmt::Display for Permutations<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        match s.p_value {
            Some(p) => write!(
                f,
                "RSA r = {:.2} against {} label shuffles: permutation {}",
                s.pearson,
                s.permutations,
                p_with_error(p, 4, self.1)
            ),
            None => write!(f, "permutation test skipped (--permutations 0)"),
        }
    }
}

/// The RSA score with GPT's word order reversed, its permutation test and the p-value's
/// standard error.
pub struct Reversed<'a>(pub &'a RsaScore, pub Option<f64>);

impl fmt::Display for Reversed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        write!(
            f,
            "GPT's word order reversed: RSA r = {:.2}, Spearman ρ = {:.2}",
            s.pearson, s.spearman
        )?;
        match s.p_value {
            Some(p) => write!(
                f,
                "; against {} label shuffles: permutation {}",
                s.permutations,
                p_with_error(p, 4, self.1)
            ),
            None => Ok(()),
        }
    }
}

/// Part 4: RSA between every pair of models, whatever their widths.
#[derive(Debug, Default, Serialize)]
pub struct ModelSizes {
    #[serde(skip)]
    pub words: usize,
    /// The names asked for, and the models they resolved to (stand-ins say so).
    pub names: Vec<String>,
    pub models: Vec<String>,
    pub widths: Vec<usize>,
    /// `rsa[i][j]`: Pearson RSA of model i and model j over the words.
    pub rsa: Vec<Vec<f64>>,
    pub spearman: Vec<Vec<f64>>,
    pub standin: Vec<bool>,
    /// Each model as the figure's axes name it, with its width: "gpt2 (768)", or for a
    /// stand-in "SmolLM2 for gpt2 (576)" ([`common::plot::for_name`]).
    #[serde(skip)]
    pub axis_labels: Vec<String>,
}

impl ModelSizes {
    /// The Pearson RSA of every pair of models as a matrix, for the figure.
    pub fn matrix(&self) -> anyhow::Result<Matrix> {
        let n = self.names.len();
        let values = self.rsa.iter().flatten().map(|&v| v as f32).collect();
        Matrix::new(n, n, values)
    }
}

impl fmt::Display for ModelSizes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Pearson RSA between models of different widths:\n")?;
        let width = self
            .models
            .iter()
            .map(|m| m.chars().count())
            .max()
            .unwrap_or(0);
        for (i, name) in self.models.iter().enumerate() {
            let cells: Vec<String> = self.rsa[i].iter().map(|r| format!("{r:5.2}")).collect();
            writeln!(
                f,
                "{name:>width$} ({:>4} wide) | {}",
                self.widths[i],
                cells.join("  ")
            )?;
        }
        let n = self.words;
        write!(
            f,
            "\nPlain correlation pairs dimension i of one model with dimension i of the other, so it needs\n\
             equal widths — and even then the pairing is arbitrary: each model's axes are its own.\n\
             RSA never pairs dimensions. Each model is first reduced to the cosine similarities among\n\
             the same {n} words (a {n}×{n} matrix, whatever the width), and only those are compared.\n\
             Rotating, rescaling or widening a space leaves its similarities, and so its RSA, unchanged."
        )
    }
}

impl BookNumbers for Results {
    fn numbers(&self) -> String {
        let s = &self.rsa;
        let words = self.token_counts.len();
        let errors = &self.p_value_standard_errors;
        let standard_error = |se: Option<f64>, n: usize| {
            se.map_or(String::new(), |se| {
                format!(
                    "; its standard error √(p(1 − p)/{n}) is {}",
                    decimals(se, 4)
                )
            })
        };
        let p = s.p_value.map_or("not tested".to_string(), |p| {
            // With (hits + 1) / (N + 1), no p can be below 1 / (N + 1).
            format!(
                "{} ({} shuffles; the smallest p this many shuffles can give is 1/{} = {}{})",
                decimals(p, 4),
                s.permutations,
                s.permutations + 1,
                decimals(1.0 / (s.permutations + 1) as f64, 4),
                standard_error(errors.rsa, s.permutations)
            )
        });
        let per_word = match (
            &self.per_word_correlation.correlations,
            &self.per_word_correlation.skipped,
        ) {
            (Some(r), _) => {
                let (low, high) = r
                    .iter()
                    .flatten()
                    .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                        (lo.min(v), hi.max(v))
                    });
                let undefined = match self.per_word_correlation.undefined.len() {
                    0 => String::new(),
                    n => format!(" Undefined for {n} (a constant vector)."),
                };
                format!(
                    "Per-word correlation of the {words} words' BERT and GPT vectors (both {} wide): from {low:.2} to {high:.2}.{undefined}",
                    self.embedding_shapes.bert[1]
                )
            }
            (None, Some(why)) => why.clone(),
            (None, None) => String::new(),
        };
        let sizes = &self.model_sizes;
        let rows: Vec<Vec<String>> = sizes
            .names
            .iter()
            .zip(&sizes.widths)
            .zip(&sizes.rsa)
            .zip(&sizes.standin)
            .map(|(((name, width), row), &standin)| {
                let width = match standin {
                    true => format!("stand-in, {width}"),
                    false => width.to_string(),
                };
                std::iter::once(format!("{} ({width})", markdown_text(name)))
                    .chain(row.iter().map(|v| format!("{v:.2}")))
                    .collect()
            })
            .collect();
        let names: Vec<String> = sizes.names.iter().map(|n| markdown_text(n)).collect();
        let header: Vec<&str> = std::iter::once("model")
            .chain(names.iter().map(String::as_str))
            .collect();
        book_section(
            "sizes",
            "Sizes",
            &format!(
                "Vocabulary sizes: BERT {}, GPT {}. Embedding matrices: BERT {:?}, GPT {:?}.",
                self.vocab_sizes.bert,
                self.vocab_sizes.gpt,
                self.embedding_shapes.bert,
                self.embedding_shapes.gpt
            ),
        ) + &book_section(
            "token_counts",
            "Tokens per word",
            &token_count_table(&self.token_counts),
        ) + &book_section(
            "per_word",
            "The same word, vector against vector",
            &per_word,
        ) + &book_section(
            "rsa",
            "RSA",
            &format!(
                "{words} words give {words}×{words} similarity matrices with {} values above the diagonal.\n\n\
                     RSA score BERT vs GPT: Pearson r = {:.2}, Spearman ρ = {:.2}.",
                words * (words - 1) / 2,
                s.pearson,
                s.spearman
            ),
        ) + &book_section(
            "model_sizes",
            "Different embedding sizes",
            &markdown_table(&header, &rows),
        ) + &book_section(
            "permutation",
            "Larger than chance?",
            &format!("RSA score r = {:.2}, permutation p = {p}.", s.pearson),
        ) + &book_section("reversed", "The GPT order reversed", &{
            let r = &self.reversed;
            let p = r.p_value.map_or(String::new(), |p| {
                format!(
                    ", permutation p = {} against {} shuffles of the labels{}",
                    decimals(p, 3),
                    r.permutations,
                    standard_error(errors.reversed, r.permutations)
                )
            });
            format!(
                "GPT's word order reversed: RSA Pearson r = {:.2} (the true order's {:.2}), Spearman ρ = {:.2}{p}.",
                r.pearson, s.pearson, r.spearman
            )
        })
    }
}
