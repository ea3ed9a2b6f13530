//! What lesson 5 finds, as typed values: each prints as the lesson shows it, serialises
//! into `report.json`, and the whole gives the book its numbers.

use std::fmt;

use common::analysis::tsne::{Method, TsneOptions, TsneResult};
use common::format::python::{int_array_repr, list_repr};
use common::run::report::{BookNumbers, book_section, code, markdown_table};
use serde::Serialize;

/// Everything lesson 5 reports.
#[derive(Debug, Serialize)]
pub struct Results {
    pub tokens: Vec<usize>,
    pub tsne: TsneResult,
    pub trustworthiness: f64,
    /// What the Gram figure's blocks and lines are (drawn up to the exact limit).
    pub gram: Option<GramReading>,
    pub dbscan: Clusters,
    /// DBSCAN on the embeddings themselves (up to t-SNE's exact limit).
    pub space: Option<SpaceClusters>,
    pub explorer: MapPage,
}

/// DBSCAN on the d-dimensional embeddings, with an eps in their units, and where its
/// clusters lie on the map.
#[derive(Debug, Serialize)]
pub struct SpaceClusters {
    /// eps is this quantile of the distances between distinct tokens…
    pub quantile: f64,
    /// …of which there are this many (N(N − 1)/2)…
    pub pairs: usize,
    /// …in embedding units.
    pub eps: f64,
    pub min_samples: usize,
    /// Each token's cluster in the space (−1 noise).
    pub labels: Vec<i64>,
    pub clusters: Vec<SpaceCluster>,
    /// Clusters of the space whose tokens are all in one cluster of the map.
    pub one_map_cluster: usize,
    /// Tokens that are noise in the space…
    pub noise: usize,
    /// …and of those, how many the map's DBSCAN puts in a cluster.
    pub noise_clustered_on_map: usize,
}

/// One cluster of the space: its tokens, and how many of them each map group holds.
#[derive(Debug, Serialize)]
pub struct SpaceCluster {
    pub tokens: Vec<String>,
    /// By map group, −1 (the map's noise) first.
    pub on_map: Vec<MapShare>,
}

#[derive(Debug, Serialize)]
pub struct MapShare {
    /// The map's DBSCAN label (−1 noise).
    pub group: i64,
    pub tokens: usize,
}

impl SpaceClusters {
    fn summary(&self) -> String {
        let k = self.clusters.len();
        format!(
            "DBSCAN on the {} embeddings themselves, eps {:.4} in embedding units (the {}% quantile of the {} distances between tokens), min_samples {}: {k} cluster{}, {} noise tokens. {} of the {k} lie{} each within one cluster of the map; of the {} tokens that are noise in the space, {} are in clusters of the map.",
            self.labels.len(),
            self.eps,
            100.0 * self.quantile,
            common::format::thousands(self.pairs as u64),
            self.min_samples,
            if k == 1 { "" } else { "s" },
            self.noise,
            self.one_map_cluster,
            if self.one_map_cluster == 1 { "s" } else { "" },
            self.noise,
            self.noise_clustered_on_map,
        )
    }
}

impl SpaceCluster {
    /// "2 noise, 10 in group 3": the map's groups this cluster falls in.
    fn on_map_text(&self) -> String {
        self.on_map
            .iter()
            .map(|s| match s.group {
                -1 => format!("{} noise", s.tokens),
                g => format!("{} in group {g}", s.tokens),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for SpaceClusters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        for (c, cluster) in self.clusters.iter().enumerate() {
            write!(
                f,
                "\ncluster {c} ({} tokens; on the map {}):\n{}",
                cluster.tokens.len(),
                cluster.on_map_text(),
                list_repr(&cluster.tokens)
            )?;
        }
        Ok(())
    }
}

/// The interactive map written beside the figures. Its time and size are the
/// measurements the book quotes; they are left out of the snapshot.
#[derive(Debug, Serialize)]
pub struct MapPage {
    pub file: String,
    /// Neighbours listed per token, under each metric.
    pub neighbours: usize,
    /// Tokens they are searched among: the whole vocabulary's text tokens (and any
    /// special tokens on the map).
    pub vocabulary: usize,
    /// The named regions, largest first, each by its most typical tokens.
    pub regions: Vec<String>,
    pub data_bytes: u64,
    pub seconds: f64,
}

impl fmt::Display for MapPage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = if self.data_bytes >= 1_000_000 {
            format!("{:.1} MB", self.data_bytes as f64 / 1e6)
        } else {
            format!("{:.0} kB", self.data_bytes as f64 / 1e3)
        };
        write!(
            f,
            "\nInteractive map: {} (every token, its cluster, kind and region, and its {} nearest neighbours among {} vocabulary tokens by Euclidean and by cosine distance; data {size}, written in {:.2} s)",
            self.file, self.neighbours, self.vocabulary, self.seconds
        )?;
        writeln!(
            f,
            "\nNamed regions (communities of the cosine neighbour graph, largest first):"
        )?;
        for (r, name) in self.regions.iter().enumerate() {
            writeln!(f, "{r:>3}  {name}")?;
        }
        Ok(())
    }
}

/// The Gram matrix's bright blocks and lines, as mean dot products.
#[derive(Debug, Serialize)]
pub struct GramReading {
    /// The median dot product between two distinct tokens: the dark background.
    pub median: f64,
    /// Groups of one-character tokens and the mean dot product inside each.
    pub groups: Vec<GramGroup>,
    /// Each capital with its own lower-case letter, against other such pairs.
    pub case_pairs: Option<CasePairs>,
}

#[derive(Debug, Serialize)]
pub struct GramGroup {
    pub name: String,
    pub tokens: usize,
    /// The mean dot product between two distinct members.
    pub mean: f64,
}

#[derive(Debug, Serialize)]
pub struct CasePairs {
    /// Capitals whose lower-case letter is on the map.
    pub pairs: usize,
    /// How far apart their ids are, when the same for every pair (a line parallel to the
    /// diagonal).
    pub offset: Option<usize>,
    /// The mean dot product of a capital with its own lower-case letter…
    pub same: f64,
    /// …and with the other lower-case letters.
    pub other: f64,
    /// Capitals whose nearest token of all is their own lower-case letter.
    pub nearest_own: NearestOwn,
}

/// How many capitals have their own lower-case letter as their nearest token, by each
/// reading of "near".
#[derive(Debug, Serialize)]
pub struct NearestOwn {
    /// The largest dot product (the Gram matrix's row).
    pub by_dot_product: usize,
    /// The smallest distance in the embedding space.
    pub by_distance: usize,
    /// The smallest distance on the t-SNE map.
    pub on_map: usize,
}

impl fmt::Display for GramReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Dot products between distinct tokens: median {:.2}",
            self.median
        )?;
        for group in &self.groups {
            write!(
                f,
                "; among the {} {}, {:.2} on average",
                group.tokens, group.name, group.mean
            )?;
        }
        if let Some(pairs) = &self.case_pairs {
            let apart = pairs
                .offset
                .map_or(String::new(), |o| format!(", ids {o} apart"));
            write!(
                f,
                "; each capital with its own lower-case letter ({} pairs{apart}) {:.2}, with the other lower-case letters {:.2}",
                pairs.pairs, pairs.same, pairs.other
            )?;
            let near = &pairs.nearest_own;
            write!(
                f,
                ". A capital's nearest of these tokens is its own lower-case letter for {} of the {} by dot product, {} by distance in the space, {} by distance on the map",
                near.by_dot_product, pairs.pairs, near.by_distance, near.on_map
            )?;
        }
        write!(f, ".")
    }
}

/// The notebook's `tsne_result.shape`, with how the map was made.
pub struct TsneShape<'a> {
    pub options: &'a TsneOptions,
    pub shape: [usize; 2],
}

impl fmt::Display for TsneShape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.options;
        let method = match o.method {
            Method::BarnesHut => format!("Barnes-Hut, angle {}", o.angle),
            Method::Exact => "exact".into(),
            Method::Fft => "FFT-interpolated".into(),
        };
        let [n, d] = self.shape;
        write!(
            f,
            "t-SNE of {n} token embeddings (perplexity {}, {method}): result shape ({n}, {d})",
            o.perplexity
        )
    }
}

/// How the map came out: its final KL divergence and how well it keeps neighbourhoods
/// (on a sample of `sample` tokens when the map is large).
pub struct MapQuality {
    /// `None` where t-SNE's value is not a divergence (see `TsneResult::kl_divergence`).
    pub kl_divergence: Option<f64>,
    pub trustworthiness: f64,
    pub sample: Option<usize>,
}

impl fmt::Display for MapQuality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "final KL divergence: {}", kl_text(self.kl_divergence))?;
        match self.sample {
            Some(n) => write!(
                f,
                "trustworthiness (k = 5, on a sample of {n} tokens): {:.4}",
                self.trustworthiness
            ),
            None => write!(f, "trustworthiness (k = 5): {:.4}", self.trustworthiness),
        }
    }
}

/// DBSCAN's result: labels, centroids, and the tokens of every group.
#[derive(Debug, Serialize)]
pub struct Clusters {
    pub labels: Vec<i64>,
    pub centroids: Vec<[f64; 2]>,
    /// `members[0]` is the noise (label −1), then clusters 0, 1, ….
    pub members: Vec<Vec<String>>,
}

impl fmt::Display for Clusters {
    /// As the notebook shows them: the labels as numpy prints `groupidx`, then each group's
    /// tokens, each token's characters joined by spaces, printed as Python prints a list.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "nclust: {}", self.centroids.len())?;
        write!(f, "groupidx:\n{}\n", int_array_repr(&self.labels))?;
        for (i, group) in self.members.iter().enumerate() {
            if i == 0 {
                writeln!(f, "\nUngrouped tokens:")?;
            } else {
                writeln!(f, "\n\nTokens in group {}:", i - 1)?;
            }
            let spaced: Vec<String> = group
                .iter()
                .map(|t| t.chars().map(String::from).collect::<Vec<_>>().join(" "))
                .collect();
            write!(f, "{}", list_repr(&spaced))?;
        }
        Ok(())
    }
}

/// What a group's tokens are, counted: digits, letters, punctuation, other (a token
/// counts as a kind when every character of its text, spaces aside, is of it).
fn kinds(group: &[String]) -> String {
    let kind = |token: &str| {
        let text: Vec<char> = token.chars().filter(|c| !c.is_whitespace()).collect();
        if text.is_empty() {
            "other"
        } else if text.iter().all(|c| c.is_numeric()) {
            "digits"
        } else if text.iter().all(|c| c.is_alphabetic()) {
            "letters"
        } else if text.iter().all(|c| c.is_ascii_punctuation()) {
            "punctuation"
        } else {
            "other"
        }
    };
    ["digits", "letters", "punctuation", "other"]
        .iter()
        .filter_map(|name| {
            let n = group.iter().filter(|t| kind(t) == *name).count();
            (n > 0).then(|| format!("{name}: {n}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Groups the book's table shows (noise first), and tokens it shows of each.
const TABLE_GROUPS: usize = 12;
const FIRST_TOKENS: usize = 12;

/// A DBSCAN group's name in the book's numbers: its member list's index 0 is the noise.
fn group_label(index: usize) -> String {
    if index == 0 {
        "noise".into()
    } else {
        (index - 1).to_string()
    }
}

impl Results {
    /// The tokens of DBSCAN's group `index` (0 the noise) for the book, in the run's token
    /// order, each
    /// as code; a token that decodes to � alone (a byte of a longer character) is followed
    /// by its id, so that such byte tokens are told apart.
    fn group_tokens(&self, index: usize) -> impl Iterator<Item = String> + '_ {
        let label = index as i64 - 1;
        let ids = self
            .tokens
            .iter()
            .zip(&self.dbscan.labels)
            .filter(move |(_, l)| **l == label)
            .map(|(id, _)| id);
        self.dbscan.members[index]
            .iter()
            .zip(ids)
            .map(|(text, id)| match text.as_str() {
                "\u{FFFD}" => format!("{} (id {id})", code(text)),
                // a space written ␣, as the map and its regions write it: a leading space
                // in a code span is invisible on the page
                _ => code(&text.replace(' ', "␣")),
            })
    }
}

impl BookNumbers for Results {
    fn numbers(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .dbscan
            .members
            .iter()
            .enumerate()
            .take(TABLE_GROUPS)
            .map(|(i, group)| {
                vec![
                    group_label(i),
                    group.len().to_string(),
                    kinds(group),
                    self.group_tokens(i)
                        .take(FIRST_TOKENS)
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
            })
            .collect();
        let regions: Vec<String> = self
            .explorer
            .regions
            .iter()
            .map(|name| name.split(' ').map(code).collect::<Vec<_>>().join(" "))
            .collect();
        // Every group's tokens in full, folded under the table, where the table leaves some
        // out, for a map small enough to label each token.
        let members = &self.dbscan.members;
        let truncated =
            members.len() > TABLE_GROUPS || members.iter().any(|g| g.len() > FIRST_TOKENS);
        let full_lists = if truncated && self.tokens.len() <= crate::LABELLED_LIMIT {
            let lines: Vec<String> = members
                .iter()
                .enumerate()
                .filter(|(_, group)| !group.is_empty())
                .map(|(i, group)| {
                    let tokens: Vec<String> = self.group_tokens(i).collect();
                    format!(
                        "- {} ({}): {}",
                        group_label(i),
                        group.len(),
                        tokens.join(" ")
                    )
                })
                .collect();
            format!(
                "\n\n<details><summary>Every group's tokens (by the table's group)</summary>\n\n{}\n\n</details>",
                lines.join("\n")
            )
        } else {
            String::new()
        };
        let gram = self.gram.as_ref().map_or(String::new(), |g| {
            format!("\n\n**What the Gram matrix shows.** {g}")
        });
        let results = format!(
            "{} tokens. Final KL divergence {}; trustworthiness (k = 5) {:.4}; {} cluster{}.\n\n{}{full_lists}{gram}\n\nThe interactive map (`map.html`) also groups the tokens into *regions*: sets of tokens that are mostly one another's nearest neighbours by cosine in the embedding space (communities of the neighbour graph: [how they are found](scale.md#the-interactive-map)), each named by its three most typical tokens, a leading space written ␣. Largest first: {}.",
            self.tokens.len(),
            kl_text(self.tsne.kl_divergence),
            self.trustworthiness,
            self.dbscan.centroids.len(),
            if self.dbscan.centroids.len() == 1 {
                ""
            } else {
                "s"
            },
            markdown_table(&["group", "tokens", "kinds", "first tokens"], &rows),
            regions.join("; ")
        );
        let space = self.space.as_ref().map_or(String::new(), |space| {
            // members[0] is the noise, then the map's clusters 0, 1, …
            let group_size = |g: i64| {
                self.dbscan
                    .members
                    .get((g + 1) as usize)
                    .map_or(0, Vec::len)
            };
            book_section(
                "space_dbscan",
                "DBSCAN in the space itself",
                &space_numbers(space, group_size),
            )
        });
        book_section("results", "The map and its clusters", &results) + &space
    }
}

/// DBSCAN on the embeddings for the book, as one paragraph (the chapter quotes it inside
/// an exercise's answer, a list item that a table or a blank line would end): the summary,
/// then each cluster of the space with its tokens and the map's groups it falls in, each
/// group's size beside it (`group_size` of a map label), so that a reader sees whether the
/// map kept the cluster apart as well as together.
fn space_numbers(space: &SpaceClusters, group_size: impl Fn(i64) -> usize) -> String {
    let clusters: Vec<String> = space
        .clusters
        .iter()
        .enumerate()
        .map(|(c, cluster)| {
            let shown: Vec<String> = cluster
                .tokens
                .iter()
                .take(SPACE_TOKENS)
                .map(|t| code(t))
                .collect();
            let more = cluster.tokens.len().saturating_sub(SPACE_TOKENS);
            let more = if more > 0 {
                format!(" … ({more} more)")
            } else {
                String::new()
            };
            let on_map: Vec<String> = cluster
                .on_map
                .iter()
                .map(|s| match (s.group, group_size(s.group)) {
                    (-1, _) => format!("{} noise", s.tokens),
                    (g, size) if size == s.tokens => {
                        format!("{} in group {g}, the whole group", s.tokens)
                    }
                    (g, size) => format!(
                        "{} in group {g}, a group of {size} (the map joins {} other tokens to them)",
                        s.tokens,
                        size.saturating_sub(s.tokens)
                    ),
                })
                .collect();
            format!(
                "cluster {c} of the space, {} tokens ({}{more}), lies on the map as {}",
                cluster.tokens.len(),
                shown.join(" "),
                on_map.join(", ")
            )
        })
        .collect();
    let each = if clusters.is_empty() {
        String::new()
    } else {
        format!(" In turn: {}.", clusters.join("; "))
    };
    format!("{}{each}", space.summary())
}

/// Tokens the book lists of each cluster of the space.
const SPACE_TOKENS: usize = 40;

/// A KL divergence as printed: four decimals, or why there is none.
fn kl_text(kl: Option<f64>) -> String {
    kl.map_or_else(
        || "undefined (the approximation gave no divergence; lower --angle)".to_string(),
        |kl| format!("{kl:.4}"),
    )
}
