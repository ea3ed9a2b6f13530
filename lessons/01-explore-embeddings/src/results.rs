//! What lesson 1 finds, as typed values: each prints as the lesson shows it, serialises
//! into `report.json`, and the whole gives the book its numbers.

use std::fmt;

use common::Pair;
use common::analysis::stats::Histogram;
use common::format::{decimals, thousands};
use common::model::Architecture;
use common::run::report::{BookNumbers, book_section, code, markdown_table};
use common::text::{markdown_code_block, markdown_text, one_line};
use serde::Serialize;

/// Everything lesson 1 reports.
#[derive(Debug, Serialize)]
pub struct Results {
    /// How the tables and figures name the models (the notebook's names for the course
    /// models, the family and the model's own name otherwise).
    pub labels: Pair<String>,
    pub architectures: Pair<Architecture>,
    pub vocab_sizes: Pair<usize>,
    /// Token-length counts of the stored vocabulary strings, `(length, count)` as
    /// `np.unique(lengths, return_counts=True)`.
    pub token_lengths: Pair<LengthCounts>,
    pub embedding_shapes: Pair<[usize; 2]>,
    pub same_index: Comparison,
    pub same_word: SameWord,
    pub distributions: Distributions,
    /// Beyond the notebook: the lengths of the text the tokens decode to.
    pub decoded_lengths: Pair<DecodedLengths>,
    /// The line of each printed module tree that holds the token embedding matrix.
    pub embedding_in_tree: Pair<Option<TreeLine>>,
    /// Beyond the notebook: how much of each matrix the heatmaps' colour range leaves out.
    pub clipped: Clipped,
    /// Beyond the notebook: the same word's GPT vector against shuffles of itself.
    pub shuffled_self: ShuffledSelf,
}

/// One line of a printed module tree.
#[derive(Debug, Serialize)]
pub struct TreeLine {
    /// Its number, from 1, and how many lines the tree has.
    pub number: usize,
    pub lines: usize,
    pub text: String,
}

/// The shares of each embedding matrix's values outside the heatmaps' colour range: values
/// its colours cannot tell from the limits (a cell beyond `vmin` or `vmax` takes the end
/// colour, so it says only "at least this far", never how far).
#[derive(Debug, Serialize)]
pub struct Clipped {
    /// The heatmaps' colour limits `[vmin, vmax]` (the notebook's ±0.15).
    pub limits: [f64; 2],
    pub share: Pair<Outside>,
    #[serde(skip)]
    pub labels: Pair<String>,
}

/// Shares (0 to 1) of a matrix's values below `vmin` and above `vmax`.
#[derive(Debug, Serialize)]
pub struct Outside {
    pub below: f64,
    pub above: f64,
}

/// A share as a percentage, one decimal (more where that would show a share as 0).
fn percent(share: f64) -> String {
    format!("{}%", decimals(100.0 * share, 1))
}

impl fmt::Display for Clipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [vmin, vmax] = self.limits;
        write!(
            f,
            "Values outside the heatmaps' colour range [{vmin}, {vmax}], which its colours cannot tell apart:"
        )?;
        // GPT first, as the figure draws it
        for (name, s) in [
            (&self.labels.gpt, &self.share.gpt),
            (&self.labels.bert, &self.share.bert),
        ] {
            write!(
                f,
                "\n{name}: {} below {vmin}, {} above {vmax}",
                percent(s.below),
                percent(s.above)
            )?;
        }
        Ok(())
    }
}

/// A vector correlated with copies of itself whose dimensions are shuffled.
#[derive(Debug, Serialize)]
pub struct ShuffledSelf {
    pub word: String,
    /// The GPT token whose vector is shuffled (the same word's), and its width.
    pub index: usize,
    pub dimensions: usize,
    /// Pearson r with each seeded shuffle.
    pub correlations: Vec<f64>,
    /// The mean of their |r|.
    pub mean_abs_r: f64,
    /// 2/√d: the band about 0 within which r of two unrelated lists of d values falls
    /// about nineteen times in twenty.
    pub band: f64,
    #[serde(skip)]
    pub label: String,
}

impl fmt::Display for ShuffledSelf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r: Vec<String> = self.correlations.iter().map(|r| decimals(*r, 3)).collect();
        write!(
            f,
            "{} vector of \"{}\" (token {}, {} dimensions) against {} shuffles of its own dimensions:\n\
             r = {}; mean |r| = {} (unrelated lists of {} values: within ±{} nineteen times in twenty)",
            self.label,
            one_line(&self.word),
            self.index,
            self.dimensions,
            self.correlations.len(),
            r.join(", "),
            decimals(self.mean_abs_r, 3),
            self.dimensions,
            decimals(self.band, 3)
        )
    }
}

/// `(length, count)` pairs, shortest first.
pub type LengthCounts = Vec<(usize, usize)>;

/// The models, as the notebook's `print(model)` shows them.
pub struct Architectures<'a>(pub &'a Pair<Architecture>);

impl fmt::Display for Architectures<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The notebook prints GPT-2 first.
        write!(f, "{}\n{}", self.0.gpt, self.0.bert)
    }
}

/// The vocabulary sizes and the token-length table of both models.
pub struct LengthTable<'a> {
    pub labels: &'a Pair<String>,
    pub vocab_sizes: Pair<usize>,
    pub lengths: Pair<&'a LengthCounts>,
}

impl fmt::Display for LengthTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Pair { bert, gpt } = self.labels;
        let sizes = self.vocab_sizes;
        writeln!(f, "{bert} has {} tokens.", thousands(sizes.bert as u64))?;
        writeln!(f, "{gpt} has {} tokens.", thousands(sizes.gpt as u64))?;
        writeln!(
            f,
            "\nToken lengths in characters, as stored in the vocabulary:\n"
        )?;
        let columns = [
            (gpt.clone(), self.lengths.gpt),
            (bert.clone(), self.lengths.bert),
        ];
        write!(f, "{}", CountsTable(&columns))
    }
}

/// Beyond the notebook: token-length counts of the text each token decodes to.
#[derive(Debug, Serialize)]
pub struct DecodedLengths {
    /// `(length, count)` of the decoded texts.
    pub counts: LengthCounts,
    /// Tokens whose decoded text is not as long as their stored string.
    pub changed_by_decoding: usize,
}

/// Stored and decoded token lengths side by side, and why they differ.
pub struct DecodedTable<'a> {
    pub labels: &'a Pair<String>,
    pub stored: Pair<&'a LengthCounts>,
    pub decoded: Pair<&'a DecodedLengths>,
}

impl fmt::Display for DecodedTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Pair { bert, gpt } = self.labels;
        writeln!(
            f,
            "Token lengths in characters: the vocabulary string as stored (what the notebook counts)"
        )?;
        writeln!(f, "and the text it decodes to.\n")?;
        let columns = [
            (format!("{gpt} stored"), self.stored.gpt),
            (format!("{gpt} decoded"), &self.decoded.gpt.counts),
            (format!("{bert} stored"), self.stored.bert),
            (format!("{bert} decoded"), &self.decoded.bert.counts),
        ];
        write!(f, "{}", CountsTable(&columns))?;
        writeln!(
            f,
            "\n{gpt}: {} tokens change length when decoded. Byte-level BPE (GPT-2's, and this model's) stores\n\
             every byte as one printable character (a space is 'Ġ'), so a character that takes 2-4 bytes in\n\
             UTF-8 counts 2-4 stored characters but decodes to 1, and a token holding only part of a\n\
             character decodes to '�'.",
            self.decoded.gpt.changed_by_decoding
        )?;
        write!(
            f,
            "{bert}: {} tokens change length when decoded: WordPiece stores text as text, and a lone\n\
             '##' continuation piece keeps its '##' when decoded on its own.",
            self.decoded.bert.changed_by_decoding
        )
    }
}

/// Length-count columns as one table: a row per length that any column counts.
struct CountsTable<'a>(&'a [(String, &'a LengthCounts)]);

impl fmt::Display for CountsTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widths: Vec<usize> = self
            .0
            .iter()
            .map(|(h, _)| h.chars().count().max(11))
            .collect();
        write!(f, "length")?;
        for ((header, _), width) in self.0.iter().zip(&widths) {
            write!(f, " | {header:>width$}")?;
        }
        write!(f, "\n-------")?;
        for width in &widths {
            write!(f, "+{}", "-".repeat(width + 2))?;
        }
        writeln!(f)?;
        let columns: Vec<&LengthCounts> = self.0.iter().map(|(_, t)| *t).collect();
        for (len, row) in counts_by_length(&columns) {
            if row.iter().any(|&c| c > 0) {
                write!(f, "{len:>6}")?;
                for (count, width) in row.iter().zip(&widths) {
                    write!(f, " | {count:>width$}")?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// Each length from 0 to the longest any column counts, with every column's count of
/// tokens that long.
fn counts_by_length(columns: &[&LengthCounts]) -> Vec<(usize, Vec<usize>)> {
    let longest = columns
        .iter()
        .filter_map(|t| t.last().map(|(l, _)| *l))
        .max()
        .unwrap_or(0);
    let count = |table: &LengthCounts, len: usize| {
        table.iter().find(|(l, _)| *l == len).map_or(0, |(_, c)| *c)
    };
    (0..=longest)
        .map(|len| (len, columns.iter().map(|t| count(t, len)).collect()))
        .collect()
}

/// The shapes of both embedding matrices, with the models' labels.
pub struct Shapes<'a>(pub Pair<[usize; 2]>, pub &'a Pair<String>);

impl fmt::Display for Shapes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [b, g] = self.0.into_array();
        let labels = self.1;
        writeln!(
            f,
            "{} embedding matrix is of size ({}, {}).",
            labels.bert, b[0], b[1]
        )?;
        write!(
            f,
            "{} embedding matrix is of size ({}, {}).",
            labels.gpt, g[0], g[1]
        )
    }
}

/// One BERT row and one GPT row, and their correlation over the dimensions both have.
#[derive(Debug, Serialize)]
pub struct Comparison {
    pub index: Pair<usize>,
    pub token: Pair<String>,
    /// How many leading dimensions are compared: min(d_BERT, d_GPT). Dimension k of one
    /// model has nothing to do with dimension k of another, whatever the widths, so r ≈ 0
    /// is the notebook's point for any two models.
    pub dimensions: usize,
    /// Pearson r over the first `dimensions` values of both vectors.
    pub pearson_r: f32,
    #[serde(skip)]
    pub vector: Pair<Vec<f32>>,
    #[serde(skip)]
    pub labels: Pair<String>,
}

impl Comparison {
    /// Both vectors cut to the dimensions compared.
    pub fn compared(&self) -> Pair<&[f32]> {
        self.vector.as_ref().map(|v| &v[..self.dimensions])
    }

    /// True when the widths differ and only the leading dimensions are compared.
    pub fn cut(&self) -> bool {
        self.vector.bert.len() != self.vector.gpt.len()
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.index.bert == self.index.gpt {
            writeln!(
                f,
                "Token {}: {} \"{}\", {} \"{}\"",
                self.index.bert, self.labels.bert, self.token.bert, self.labels.gpt, self.token.gpt
            )?;
        }
        let r = self.pearson_r;
        if self.cut() {
            write!(
                f,
                "Embedding comparison on the first {} dimensions ({} has {}, {} has {}): r = {}",
                self.dimensions,
                self.labels.bert,
                self.vector.bert.len(),
                self.labels.gpt,
                self.vector.gpt.len(),
                decimals(f64::from(r), 3)
            )
        } else {
            write!(f, "Embedding comparison: r = {}", decimals(f64::from(r), 3))
        }
    }
}

/// The same word's first token in both models, compared.
#[derive(Debug, Serialize)]
pub struct SameWord {
    pub word: String,
    /// How many tokens the word is in each model (only its first is compared).
    #[serde(skip)]
    pub pieces: Pair<usize>,
    pub comparison: Comparison,
}

impl fmt::Display for SameWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = &self.word;
        let named = self
            .comparison
            .labels
            .as_ref()
            .zip(self.pieces.zip(self.comparison.index));
        for (name, (pieces, index)) in named.into_array() {
            if pieces > 1 {
                writeln!(
                    f,
                    "note: \"{word}\" is {pieces} tokens in {name}; comparing its first token"
                )?;
            }
            writeln!(f, "{name}: \"{word}\" is index {index}")?;
        }
        write!(f, "{}", self.comparison)
    }
}

/// A distribution of per-token values: its 100-bin density histogram and a summary.
#[derive(Debug, Serialize)]
pub struct Distribution {
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub histogram: Option<Histogram>,
}

/// Per-token variances and means of both models.
#[derive(Debug, Serialize)]
pub struct Distributions {
    pub variance: Pair<Distribution>,
    pub mean: Pair<Distribution>,
    #[serde(skip)]
    pub labels: Pair<String>,
}

impl fmt::Display for Distributions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "          |  per-token variance: mean [min, max]  |  per-token mean: mean [min, max]"
        )?;
        let rows = self
            .labels
            .as_ref()
            .zip(self.variance.as_ref().zip(self.mean.as_ref()));
        for (name, (v, m)) in rows.into_array() {
            write!(
                f,
                "\n{name:>9} |  {:.5} [{:.5}, {:.5}]          |  {:+.5} [{:+.5}, {:+.5}]",
                v.mean, v.min, v.max, m.mean, m.min, m.max
            )?;
        }
        Ok(())
    }
}

impl BookNumbers for Results {
    fn numbers(&self) -> String {
        let shape = |s: [usize; 2]| format!("({}, {})", s[0], s[1]);
        let rows: Vec<Vec<String>> = self
            .distributions
            .variance
            .as_ref()
            .zip(self.distributions.mean.as_ref())
            .zip(self.labels.as_ref())
            .map(|((v, m), name)| {
                vec![
                    name.clone(),
                    format!("{:.5}", v.mean),
                    format!("{:+.5}", m.mean),
                ]
            })
            .into_array()
            .into();
        let same_index = &self.same_index;
        let same_word = &self.same_word.comparison;
        let lengths = &self.token_lengths;
        let decoded = &self.decoded_lengths;
        let longest = |t: &LengthCounts| t.last().map_or(0, |(l, _)| *l);
        book_section(
            "sizes",
            "Sizes",
            &format!(
                "Vocabulary: BERT {} tokens, GPT {}; embedding matrices {} and {}.",
                thousands(self.vocab_sizes.bert as u64),
                thousands(self.vocab_sizes.gpt as u64),
                shape(self.embedding_shapes.bert),
                shape(self.embedding_shapes.gpt),
            ),
        ) + &book_section(
            "lengths",
            "Token lengths",
            &format!(
                "Longest stored token: BERT {} characters, GPT {}. Tokens whose length changes when decoded: GPT {}, BERT {}.",
                longest(&lengths.bert),
                longest(&lengths.gpt),
                decoded.gpt.changed_by_decoding,
                decoded.bert.changed_by_decoding,
            ),
        ) + &book_section(
            "same_index",
            "The same index",
            &format!(
                "Token {}: BERT {}, GPT {}; {}.",
                same_index.index.bert,
                code(&format!("{:?}", same_index.token.bert)),
                code(&format!("{:?}", same_index.token.gpt)),
                r_with_band(same_index),
            ),
        ) + &book_section(
            "same_word",
            "The same word",
            &format!(
                "“{}” is BERT token {} and GPT token {}; {}.",
                self.same_word.word,
                same_word.index.bert,
                same_word.index.gpt,
                r_with_band(same_word),
            ),
        ) + &book_section(
            "distributions",
            "Variances and means",
            &markdown_table(
                &["model", "mean per-token variance", "mean per-token mean"],
                &rows,
            ),
        ) + &book_section("decoded", "Decoded lengths", &self.decoded_table())
            + &book_section("module_trees", "The module trees", &self.module_trees())
            + &book_section(
                "clipped",
                "The heatmaps’ colour range",
                &self.clipped_sentence(),
            )
            + &book_section(
                "shuffled_self",
                "A vector against its own shuffles",
                &self.shuffled_sentence(),
            )
    }
}

/// A comparison's r beside the band about 0 that r of two unrelated lists of its length
/// falls within nineteen times in twenty (2/√d), so the reader can see which side it is.
fn r_with_band(c: &Comparison) -> String {
    format!(
        "compared on the first {d} dimensions, r = {} (unrelated lists of that length: within ±{}, 2/√{d}, nineteen times in twenty)",
        decimals(f64::from(c.pearson_r), 3),
        decimals(2.0 / (c.dimensions as f64).sqrt(), 3),
        d = c.dimensions,
    )
}

impl Results {
    /// Where each printed tree holds the token embedding matrix, and what the lesson
    /// prints for `print(model)`, each model's in a block a reader opens.
    fn module_trees(&self) -> String {
        let models = self.labels.as_ref().zip(
            self.architectures
                .as_ref()
                .zip(self.embedding_in_tree.as_ref()),
        );
        // GPT first, as the notebook prints them
        let [bert, gpt] = models.into_array();
        let (located, printed): (Vec<String>, Vec<String>) = [("GPT", gpt), ("BERT", bert)]
            .into_iter()
            .map(|(family, (label, (architecture, line)))| {
                let label = markdown_text(label);
                let located = match line {
                    Some(l) => format!(
                        "{label}: {}, line {} of its {}-line tree",
                        code(&l.text),
                        l.number,
                        l.lines
                    ),
                    None => format!("{label}: no `Embedding` of the matrix's shape in its tree"),
                };
                let printed = format!(
                    "<details><summary>{family}: what the lesson prints for <code>print(model)</code></summary>\n\n{}\n\n</details>",
                    markdown_code_block(&architecture.to_string())
                );
                (located, printed)
            })
            .unzip();
        format!(
            "The token embedding matrix in each printed tree: {}.\n\n{}",
            located.join("; "),
            printed.join("\n\n")
        )
    }

    /// The shares of each matrix outside the heatmaps' colour range, GPT first.
    fn clipped_sentence(&self) -> String {
        let c = &self.clipped;
        let [vmin, vmax] = c.limits;
        let share = |name: &str, s: &Outside| {
            format!(
                "{} {} of its values below {vmin} and {} above {vmax} ({} in all)",
                markdown_text(name),
                percent(s.below),
                percent(s.above),
                percent(s.below + s.above)
            )
        };
        format!(
            "Outside the colour range [{vmin}, {vmax}]: {}; {}.",
            share(&self.labels.gpt, &c.share.gpt),
            share(&self.labels.bert, &c.share.bert)
        )
    }

    /// A vector against shuffles of its own dimensions, in a sentence.
    fn shuffled_sentence(&self) -> String {
        let s = &self.shuffled_self;
        let r: Vec<String> = s.correlations.iter().map(|r| decimals(*r, 3)).collect();
        format!(
            "The GPT vector of “{}” (token {}, {} dimensions) against {} seeded shuffles of its own dimensions: r = {}; mean |r| = {}. Two unrelated lists of {} values have r within ±{} (2/√{}) nineteen times in twenty.",
            markdown_text(&s.word),
            s.index,
            s.dimensions,
            s.correlations.len(),
            r.join(", "),
            decimals(s.mean_abs_r, 3),
            s.dimensions,
            decimals(s.band, 3),
            s.dimensions
        )
    }

    /// The token-length counts, stored and decoded, at every length where decoding
    /// changes a model's count (the lesson's last table, cut to where the two differ).
    fn decoded_table(&self) -> String {
        let (stored, decoded) = (&self.token_lengths, &self.decoded_lengths);
        // GPT stored, GPT decoded, BERT stored, BERT decoded: the lengths where a model's
        // two counts differ
        let columns = [
            &stored.gpt,
            &decoded.gpt.counts,
            &stored.bert,
            &decoded.bert.counts,
        ];
        let rows: Vec<Vec<String>> = counts_by_length(&columns)
            .into_iter()
            .filter(|(_, c)| c[0] != c[1] || c[2] != c[3])
            .map(|(len, c)| {
                std::iter::once(len)
                    .chain(c)
                    .map(|n| thousands(n as u64))
                    .collect()
            })
            .collect();
        let labels = &self.labels;
        let header = [
            "length".to_string(),
            format!("{} stored", labels.gpt),
            format!("{} decoded", labels.gpt),
            format!("{} stored", labels.bert),
            format!("{} decoded", labels.bert),
        ];
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        format!(
            "Token counts by length in characters, at the lengths where decoding changes a count (the lesson's table has every length):\n\n{}",
            markdown_table(&header, &rows)
        )
    }
}
