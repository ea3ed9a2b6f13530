//! What lesson 2 finds, as typed values: each prints as the lesson shows it, serialises
//! into `report.json`, and the whole gives the book its numbers.

use std::fmt;

use common::Pair;
use common::analysis::neighbours::Metric;
use common::analysis::stats::Histogram;
use common::pair::Family;
use common::run::report::{BookNumbers, code, markdown_table};
use serde::Serialize;

/// Everything lesson 2 reports.
#[derive(Debug, Serialize)]
pub struct Results {
    pub metric: Metric,
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
    pub emptiness: Emptiness,
}

/// A seed word's token ids in both models, and the pieces of a word split in several.
pub struct SeedIds<'a> {
    pub word: &'a str,
    pub ids: Pair<&'a Vec<u32>>,
    pub pieces: Pair<&'a Vec<String>>,
}

impl fmt::Display for SeedIds<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self.word;
        writeln!(f, "In BERT: \"{word}\" has index {:?}", self.ids.bert)?;
        write!(f, "In GPT: \"{word}\" has index {:?}", self.ids.gpt)?;
        for (name, pieces) in self.pieces.map_named(|n, p| (n, p)).into_array() {
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

/// One search in both models: the neighbour table and the distance distributions.
#[derive(Debug, Serialize)]
pub struct Search {
    #[serde(skip)]
    pub word: String,
    #[serde(skip)]
    pub k: usize,
    pub metric: Metric,
    pub normalised: bool,
    pub neighbours: Pair<Vec<Neighbour>>,
    pub histogram: Pair<Option<Histogram>>,
}

impl fmt::Display for Search {
    /// The notebook's two-column table: BERT token and distance | distance and GPT-2 token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Pair { bert, gpt } = &self.neighbours;
        let what = match (self.metric, self.normalised) {
            (Metric::Euclidean, false) => "Euclidean distance",
            (Metric::Euclidean, true) => "Euclidean distance between unit-length vectors",
            (Metric::Cosine, _) => "cosine distance",
        };
        writeln!(
            f,
            "\n{} nearest tokens to \"{}\" by {what}:\n",
            bert.len().max(gpt.len()),
            self.word
        )?;
        writeln!(f, "|        BERT        |        GPT           |")?;
        write!(f, "|--------------------|----------------------|")?;
        for i in 0..bert.len().max(gpt.len()) {
            let left = bert.get(i).map_or(" ".repeat(18), |n| {
                format!("{:>10} ({:.2})", n.token, n.distance)
            });
            let right = gpt.get(i).map_or(String::new(), |n| {
                format!("({:4.2}) {}", n.distance, n.token)
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

/// One model's answer to one search: its nearest tokens and the density histogram of the
/// distances to every token.
pub struct Nearest {
    pub neighbours: Vec<Neighbour>,
    pub histogram: Option<Histogram>,
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
        let word = &self.word;
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
}

impl fmt::Display for VocabularyGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\n# The {} nearest neighbours of every one of {}'s {} tokens\n",
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
            "{} tokens are in nobody's list; {:.1}% of neighbour pairs are mutual.",
            self.orphans,
            100.0 * self.mutual
        )
    }
}

impl BookNumbers for Results {
    fn numbers(&self) -> String {
        let mut out = String::new();
        for word in &self.words {
            for (kind, search) in [
                ("raw", Some(&word.raw)),
                ("normalised", word.normalised.as_ref()),
            ] {
                let Some(search) = search else { continue };
                let cell = |n: &Neighbour| format!("{} ({:.2})", code(&n.token), n.distance);
                let rows: Vec<Vec<String>> = search
                    .neighbours
                    .bert
                    .iter()
                    .zip(&search.neighbours.gpt)
                    .take(8)
                    .map(|(b, g)| vec![cell(b), cell(g)])
                    .collect();
                out += &format!(
                    "**{}**, {kind} vectors:\n\n{}\n",
                    word.word,
                    markdown_table(&[Family::BERT, Family::GPT], &rows)
                );
            }
            let e = &word.emptiness;
            out += &format!(
                "In the GPT model, \"{0}\" and \" {0}\" share {1} of their {2} nearest tokens; {3} of the first list and {4} of the second begin with a space.\n\n",
                word.word.trim_start(),
                e.shared,
                e.without_space.len(),
                e.word_initial_without_space,
                e.word_initial_with_space
            );
        }
        out
    }
}
