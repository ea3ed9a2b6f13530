//! What lesson 2 finds, as typed values: each prints as the lesson shows it, serialises
//! into `report.json`, and the whole gives the book its numbers.

use std::fmt;

use common::Pair;
use common::analysis::anisotropy::Anisotropy;
use common::analysis::neighbours::Metric;
use common::analysis::stats::Histogram;
use common::format::thousands;
use common::run::report::{BookNumbers, book_section, code, markdown_table};
use common::text::{markdown_text, one_line};
use serde::Serialize;

/// Everything lesson 2 reports.
#[derive(Debug, Serialize)]
pub struct Results {
    pub metric: Metric,
    /// Each model's mean cosine of every pair of tokens, raw and centred.
    pub anisotropy: Pair<Anisotropy>,
    pub words: Vec<WordResult>,
    /// The words past `--max-word-figures`: searched and reported, not drawn.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub words_not_drawn: Vec<String>,
    /// With `--graph`: both vocabularies' neighbour graphs, summarised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graph: Option<Pair<VocabularyGraph>>,
}

/// Everything the lesson finds out about one seed word.
#[derive(Debug, Serialize)]
pub struct WordResult {
    pub word: String,
    pub ids: Pair<Vec<u32>>,
    pub raw: Search,
    /// `None` when the raw search already used cosine distance (normalising changes nothing).
    pub normalised: Option<Search>,
    /// Among the vectors minus their mean, scaled to unit length.
    pub centred: Search,
    pub emptiness: Emptiness,
}

impl WordResult {
    /// One word's searches, gathered for the report.
    pub fn new(
        seed: SeedIds,
        raw: Search,
        normalised: Normalised,
        centred: Search,
        emptiness: Emptiness,
    ) -> Self {
        Self {
            word: seed.word,
            ids: seed.ids,
            raw,
            normalised: normalised.0,
            centred,
            emptiness,
        }
    }
}

/// A seed word's token ids in both models, and the pieces of a word split in several.
pub struct SeedIds {
    pub word: String,
    pub ids: Pair<Vec<u32>>,
    pub pieces: Pair<Vec<String>>,
}

impl fmt::Display for SeedIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = one_line(&self.word);
        writeln!(f, "In BERT: \"{word}\" has index {:?}", self.ids.bert)?;
        write!(f, "In GPT: \"{word}\" has index {:?}", self.ids.gpt)?;
        for (name, pieces) in self.pieces.as_ref().map_named(|n, p| (n, p)).into_array() {
            if pieces.len() > 1 {
                write!(
                    f,
                    "\n  {name} splits it into {pieces:?}: searching from the mean of their vectors"
                )?;
            }
        }
        Ok(())
    }
}

/// Exercise 2's search among unit-length vectors; `None` when the raw search already used
/// cosine distance, which ignores length (normalising first would change nothing).
pub struct Normalised(pub Option<Search>);

impl fmt::Display for Normalised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(search) => search.fmt(f),
            None => write!(
                f,
                "\n(cosine distance ignores vector length, so normalising first would change nothing: skipped)"
            ),
        }
    }
}

/// How many words past `--max-word-figures` were searched but not drawn.
pub struct NotDrawn {
    pub words: usize,
    pub limit: u64,
}

impl fmt::Display for NotDrawn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n{} words past --max-word-figures {} were searched, not drawn (report.json lists them)",
            self.words, self.limit
        )
    }
}

/// One search in both models: the neighbour table and the distance distributions.
#[derive(Debug, Serialize)]
pub struct Search {
    #[serde(skip)]
    pub word: String,
    #[serde(skip)]
    pub k: usize,
    /// What the table's columns call the models (the notebook's BERT and GPT2).
    #[serde(skip)]
    pub labels: Pair<String>,
    pub metric: Metric,
    pub normalised: bool,
    /// Searched among the vectors minus the mean vector.
    pub centred: bool,
    pub neighbours: Pair<Vec<Neighbour>>,
    pub histogram: Pair<Option<Histogram>>,
}

impl fmt::Display for Search {
    /// The notebook's two-column table: BERT token and distance | distance and GPT-2 token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Pair { bert, gpt } = &self.neighbours;
        let what = match (self.metric, self.normalised, self.centred) {
            (Metric::Euclidean, false, _) => "Euclidean distance",
            (Metric::Euclidean, true, false) => "Euclidean distance between unit-length vectors",
            (Metric::Euclidean, true, true) => {
                "Euclidean distance between centred, unit-length vectors"
            }
            (Metric::Cosine, _, false) => "cosine distance",
            (Metric::Cosine, _, true) => "cosine distance between centred vectors",
        };
        writeln!(
            f,
            "\n{} nearest tokens to \"{}\" by {what}:\n",
            bert.len().max(gpt.len()),
            one_line(&self.word)
        )?;
        writeln!(
            f,
            "|        {:<12}|        {:<14}|",
            self.labels.bert, self.labels.gpt
        )?;
        write!(f, "|--------------------|----------------------|")?;
        for i in 0..bert.len().max(gpt.len()) {
            let left = bert.get(i).map_or(" ".repeat(18), |n| {
                format!("{:>10} ({:.2})", one_line(&n.token), n.distance)
            });
            let right = gpt.get(i).map_or(String::new(), |n| {
                format!("({:4.2}) {}", n.distance, one_line(&n.token))
            });
            write!(f, "\n  {left}  |  {right}")?;
        }
        if self.k > bert.len().min(gpt.len()) {
            write!(
                f,
                "\n(k = {} is more than a vocabulary holds: listing every token)",
                self.k
            )?;
        }
        Ok(())
    }
}

/// Both models' anisotropy: how alike the directions of two tokens are on average.
pub struct Anisotropies {
    pub labels: Pair<String>,
    pub of: Pair<Anisotropy>,
}

impl fmt::Display for Anisotropies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "The mean cosine similarity of every pair of tokens:\n")?;
        write!(
            f,
            "          |  raw    |  centred  |  length of the mean vector / mean length of a token"
        )?;
        for (name, a) in self.labels.as_ref().zip(self.of.as_ref()).into_array() {
            write!(
                f,
                "\n{name:>9} |  {:+.3} |  {:+.4}  |  {:.3} / {:.3}",
                a.raw, a.centred, a.mean_vector_norm, a.mean_row_norm
            )?;
        }
        Ok(())
    }
}

/// A neighbour: its token id and text and its distance to the query.
#[derive(Clone, Debug, Serialize)]
pub struct Neighbour {
    pub id: usize,
    pub token: String,
    pub distance: f32,
}

/// GPT-2's "ring" and " ring" are different tokens with different neighbours.
#[derive(Debug, Serialize)]
pub struct Emptiness {
    #[serde(skip)]
    pub word: String,
    #[serde(skip)]
    pub ids: (Vec<u32>, Vec<u32>),
    pub without_space: Vec<Neighbour>,
    pub with_space: Vec<Neighbour>,
    /// Neighbours the two lists share.
    pub shared: usize,
    /// Neighbours that begin with a space (word-initial tokens), in each list.
    pub word_initial_without_space: usize,
    pub word_initial_with_space: usize,
}

impl fmt::Display for Emptiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = one_line(&self.word);
        let spaced = format!(" {}", word.trim_start());
        writeln!(
            f,
            "\"{word}\" is {:?}, \"{spaced}\" is {:?}",
            self.ids.0, self.ids.1
        )?;
        writeln!(
            f,
            "|     \"{word}\"{:pad$}|     \"{spaced}\"",
            "",
            pad = 16usize.saturating_sub(word.chars().count())
        )?;
        for (a, b) in self.without_space.iter().zip(&self.with_space) {
            let (left, right) = (format!("{:?}", a.token), format!("{:?}", b.token));
            writeln!(
                f,
                "  {left:>16} ({:.2})  |  ({:.2}) {right}",
                a.distance, b.distance
            )?;
        }
        write!(
            f,
            "\nByte-level BPE (GPT-2's, and this model's) keeps a word's leading space inside the token:\n\
             \"{word}\" (text-initial or inside a word) and \"{spaced}\" (a new word after a space) are\n\
             different tokens with different vectors.\n\
             Their neighbour lists share {} of {} tokens; {} of the first list and {} of the second\n\
             begin with a space. BERT strips spaces before WordPiece, so it has one token for both.",
            self.shared,
            self.without_space.len(),
            self.word_initial_without_space,
            self.word_initial_with_space
        )
    }
}

/// The whole vocabulary's neighbour graph, summarised by its hubs.
#[derive(Debug, Serialize)]
pub struct VocabularyGraph {
    #[serde(skip)]
    pub model: String,
    #[serde(skip)]
    pub rows: usize,
    pub k: usize,
    /// The most-listed tokens and how many neighbour lists hold each.
    pub hubs: Vec<(String, usize)>,
    pub orphans: usize,
    pub mutual: f64,
    /// The largest distance between two of the three most listed tokens' rows, and the
    /// median distance from a token to its k-th nearest: hubs far closer to one another
    /// than neighbours are are rows training left nearly equal.
    pub hub_spread: f64,
    pub median_kth: f64,
}

impl fmt::Display for VocabularyGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            // not a "# " line: that is a section heading, which report.json lists
            "\nThe {} nearest neighbours of every one of {}'s {} tokens:\n",
            self.k, self.model, self.rows
        )?;
        writeln!(
            f,
            "Hubs: the tokens in the most neighbour lists (a token appears in {} lists on average)",
            self.k
        )?;
        for (token, lists) in &self.hubs {
            writeln!(f, "  {token:>16?}  in {lists} lists")?;
        }
        write!(
            f,
            "{} tokens are in nobody's list; {:.1}% of neighbour pairs are mutual.\n\
             The three most listed are at most {:.4} apart; a token's {}th nearest is {:.4} away (median).",
            self.orphans,
            100.0 * self.mutual,
            self.hub_spread,
            self.k,
            self.median_kth
        )
    }
}

impl BookNumbers for Results {
    fn numbers(&self) -> String {
        let mut out = String::new();
        let rows: Vec<Vec<String>> = self
            .anisotropy
            .as_ref()
            .map_named(|name, a| {
                vec![
                    name.to_string(),
                    format!("{:+.3}", a.raw),
                    format!("{:+.4}", a.centred),
                    format!("{:.3}", a.mean_vector_norm),
                    format!("{:.3}", a.mean_row_norm),
                ]
            })
            .into_array()
            .into();
        out += &book_section(
            "anisotropy",
            "Anisotropy",
            &markdown_table(
                &[
                    "model",
                    "mean cosine, raw",
                    "mean cosine, centred",
                    "‖mean vector‖",
                    "mean ‖token vector‖",
                ],
                &rows,
            ),
        );
        // each seed word's ids, as the notebook's first cell prints them
        let ids: Vec<String> = self
            .words
            .iter()
            .map(|w| {
                format!(
                    "“{}”: BERT {:?}, GPT {:?}",
                    markdown_text(w.word.trim_start()),
                    w.ids.bert,
                    w.ids.gpt
                )
            })
            .collect();
        out += &book_section("seed_ids", "The words’ token ids", &(ids.join("; ") + "."));
        for (number, word) in self.words.iter().enumerate() {
            // Quoted, so that a token's leading space shows (" ring" is not "ring").
            let cell =
                |n: &Neighbour| format!("{} ({:.2})", code(&format!("{:?}", n.token)), n.distance);
            let searches: Vec<(&str, &Search)> = [
                ("raw", Some(&word.raw)),
                ("unit length", word.normalised.as_ref()),
                ("centred, unit length", Some(&word.centred)),
            ]
            .into_iter()
            .filter_map(|(kind, search)| Some((kind, search?)))
            .collect();
            let header: Vec<&str> = searches.iter().map(|(kind, _)| *kind).collect();
            let mut tables = String::new();
            for (label, lists) in [
                (
                    &word.raw.labels.bert,
                    searches
                        .iter()
                        .map(|(_, s)| &s.neighbours.bert)
                        .collect::<Vec<_>>(),
                ),
                (
                    &word.raw.labels.gpt,
                    searches.iter().map(|(_, s)| &s.neighbours.gpt).collect(),
                ),
            ] {
                // The page shows the nearest 8 of each list; the run prints all k.
                let listed = lists.iter().map(|l| l.len()).max().unwrap_or(0);
                let shown = listed.min(8);
                let rows: Vec<Vec<String>> = (0..shown)
                    .map(|i| {
                        lists
                            .iter()
                            .map(|l| l.get(i).map_or(String::new(), cell))
                            .collect()
                    })
                    .collect();
                let of = if shown < listed {
                    format!(
                        " the nearest {shown} of the k = {listed} the run lists (it prints all {listed})"
                    )
                } else {
                    format!(" the nearest {shown}")
                };
                tables += &format!(
                    "**{}** in {label},{of}:\n\n{}\n",
                    markdown_text(&word.word),
                    markdown_table(&header, &rows)
                );
            }
            let e = &word.emptiness;
            let pieces = |ids: &[u32]| match ids.len() {
                1 => "one token".to_string(),
                n => format!("{n} tokens, searched from their mean (2.4)"),
            };
            let side_by_side: Vec<Vec<String>> = (0..e.without_space.len().min(8))
                .map(|i| {
                    [&e.without_space, &e.with_space]
                        .map(|l| l.get(i).map_or(String::new(), cell))
                        .to_vec()
                })
                .collect();
            let bare = markdown_text(word.word.trim_start());
            let emptiness = format!(
                // typographic quotes: Markdown's smart quotes would close " ring" with an opening one
                "In the GPT model, “{bare}” is {}; “ {bare}” is {}. The two lists share {} of their {} nearest tokens; {} of the first list and {} of the second begin with a space. The nearest 8 of each:\n\n{}",
                pieces(&e.ids.0),
                pieces(&e.ids.1),
                e.shared,
                e.without_space.len(),
                e.word_initial_without_space,
                e.word_initial_with_space,
                markdown_table(
                    &[&format!("“{bare}”"), &format!("“ {bare}”")],
                    &side_by_side
                )
            );
            // The chapter shows the first two words' sections where it discusses them.
            let word_name = format!("“{}”", markdown_text(&word.word));
            out += &book_section(
                &format!("word{}", number + 1),
                &format!("{word_name}: its nearest tokens"),
                &tables,
            );
            out += &book_section(
                &format!("emptiness{}", number + 1),
                &format!("{word_name}: with and without its space"),
                &emptiness,
            );
        }
        if let Some(graphs) = &self.graph {
            let sentences = graphs.as_ref().map_named(|name, g| {
                let hubs = g
                    .hubs
                    .iter()
                    .take(3)
                    .map(|(token, lists)| {
                        format!("{} in {} lists", code(token), thousands(*lists as u64))
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "{name}: the most listed tokens {hubs} (a token is in {} lists on average); {} of its {} tokens in nobody's list; the three most listed rows at most {:.3} apart, where a token's {}th nearest is {:.3} away (median).",
                    g.k,
                    thousands(g.orphans as u64),
                    thousands(g.rows as u64),
                    g.hub_spread,
                    g.k,
                    g.median_kth
                )
            });
            out += &book_section(
                "graph",
                "The neighbour graph of every token",
                &sentences.into_array().join(" "),
            );
        }
        out
    }
}
