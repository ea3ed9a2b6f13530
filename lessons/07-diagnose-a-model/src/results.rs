//! What lesson 7 finds, as typed values: each prints as the lesson shows it, serialises
//! into `report.json`, and the whole gives the book its numbers — a one-page report of the
//! model, every measure beside its null.

use std::fmt;

use common::analysis::isotropy::{Isotropy, IsotropyStages};
use common::analysis::k_occurrence::KOccurrence;
use common::analysis::norm_frequency::NormFrequency;
use common::analysis::reachability::Reach;
use common::analysis::rogue_dimensions::RogueDimensions;
use common::analysis::spectrum::SpectrumAgainstChance;
use common::analysis::stats::{Histogram, Summary};
use common::analysis::twonn::TwoNn;
use common::analysis::under_trained::Split;
use common::format::decimals;
use common::format::thousands;
use common::run::report::{BookNumbers, book_section, code, markdown_table};
use serde::Serialize;

/// Everything lesson 7 reports.
#[derive(Debug, Serialize)]
pub struct Results {
    pub facts: Facts,
    pub isotropy: Nulls<IsotropyStages>,
    pub rogue: Rogue,
    pub spectrum: Nulls<SpectrumAgainstChance>,
    pub hubness: Hubness,
    pub intrinsic: Intrinsic,
    pub norms: Norms,
    pub under_trained: UnderTrained,
}

/// One measure on the model and on its two nulls: a Gaussian matrix of the same shape and
/// total variance, and the model's matrix with every column shuffled independently.
#[derive(Clone, Debug, Serialize)]
pub struct Nulls<T> {
    pub model: T,
    pub gaussian: T,
    pub shuffled: T,
}

impl<T> Nulls<T> {
    pub fn as_ref(&self) -> Nulls<&T> {
        Nulls {
            model: &self.model,
            gaussian: &self.gaussian,
            shuffled: &self.shuffled,
        }
    }

    pub fn map<U>(self, f: impl Fn(T) -> U) -> Nulls<U> {
        Nulls {
            model: f(self.model),
            gaussian: f(self.gaussian),
            shuffled: f(self.shuffled),
        }
    }
}

/// The matrix itself: its shape, rows of zeros, rows shared by several tokens.
#[derive(Debug, Serialize)]
pub struct Facts {
    pub model: String,
    pub rows: usize,
    pub cols: usize,
    pub zero_rows: usize,
    /// Rows equal to at least one other row, counted once each.
    pub duplicate_rows: usize,
    /// The largest groups of identical rows (up to 10).
    pub duplicate_groups: Vec<DuplicateGroup>,
}

#[derive(Debug, Serialize)]
pub struct DuplicateGroup {
    pub ids: Vec<usize>,
    pub tokens: Vec<String>,
}

impl fmt::Display for Facts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "E: {} tokens × {} dimensions ({}).",
            thousands(self.rows as u64),
            self.cols,
            self.model
        )?;
        writeln!(
            f,
            "Nulls: a Gaussian matrix of the same shape and total variance; E with each column shuffled on its own."
        )?;
        write!(f, "Rows of zeros: {}. ", self.zero_rows)?;
        if self.duplicate_groups.is_empty() {
            write!(f, "No two tokens share a row.")
        } else {
            write!(
                f,
                "{} tokens share their row with another token, in {}{} groups:",
                self.duplicate_rows,
                if self.duplicate_groups.len() == 10 {
                    "at least "
                } else {
                    ""
                },
                self.duplicate_groups.len()
            )?;
            for group in &self.duplicate_groups {
                write!(f, "\n  {}", group.tokens.join("  "))?;
            }
            Ok(())
        }
    }
}

fn stage_rows(n: &Nulls<IsotropyStages>) -> Vec<(String, [Isotropy; 3])> {
    let pick = |s: &IsotropyStages, i: usize| [s.raw, s.centred, s.all_but_the_top][i];
    ["as they are", "centred", "all-but-the-top"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let name = if i == 2 {
                format!("{name} (D = {})", n.model.removed)
            } else {
                name.to_string()
            };
            (
                name,
                [
                    pick(&n.model, i),
                    pick(&n.gaussian, i),
                    pick(&n.shuffled, i),
                ],
            )
        })
        .collect()
}

impl fmt::Display for Nulls<IsotropyStages> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<34} {:>9} {:>9} {:>9}",
            "mean cosine of every pair", "model", "Gaussian", "shuffled"
        )?;
        for (name, [m, g, s]) in stage_rows(self) {
            writeln!(
                f,
                "  {name:<32} {:>9.4} {:>9.4} {:>9.4}",
                m.mean_cosine, g.mean_cosine, s.mean_cosine
            )?;
        }
        writeln!(
            f,
            "{:<34} {:>9} {:>9} {:>9}",
            "partition isotropy I (1 = none preferred)", "", "", ""
        )?;
        for (name, [m, g, s]) in stage_rows(self) {
            writeln!(
                f,
                "  {name:<32} {:>9.4} {:>9.4} {:>9.4}",
                m.partition, g.partition, s.partition
            )?;
        }
        write!(
            f,
            "A shared direction makes the raw mean cosine large and I small; a random matrix has neither."
        )
    }
}

/// Rogue dimensions, and what standardising the dimensions does to neighbours.
#[derive(Debug, Serialize)]
pub struct Rogue {
    pub dimensions: Nulls<RogueDimensions>,
    pub words: Vec<WordNeighbours>,
}

/// A word's cosine neighbours among the raw and the standardised rows.
#[derive(Debug, Serialize)]
pub struct WordNeighbours {
    pub word: String,
    pub ids: Vec<usize>,
    pub raw: Vec<(usize, String)>,
    pub standardised: Vec<(usize, String)>,
    /// Tokens in both lists.
    pub shared: usize,
    /// The same count for the same token ids in the Gaussian null.
    pub null_shared: usize,
}

impl fmt::Display for Rogue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.dimensions.model;
        let dims: Vec<String> = m
            .top
            .iter()
            .map(|(k, _, share)| format!("{k} ({:.1}%)", 100.0 * share))
            .collect();
        writeln!(
            f,
            "Mean cosine {:.4}; its top {} dimensions: {}, together {:.1}% of it (equal shares would give {:.1}%).",
            m.mean_cosine,
            m.top.len(),
            dims.join(", "),
            100.0 * m.top_share,
            100.0 * m.equal_share
        )?;
        writeln!(
            f,
            "Largest single contribution: model {:.4}, Gaussian null {:.1e}, columns shuffled {:.4}.",
            m.largest, self.dimensions.gaussian.largest, self.dimensions.shuffled.largest
        )?;
        for w in &self.words {
            let list = |l: &[(usize, String)]| {
                l.iter()
                    .map(|(_, t)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            write!(
                f,
                "\n\"{}\", cosine neighbours (lesson 2's search, so the word's own token is listed)\n  raw:          {}\n  standardised: {}\n  in both lists: {} of {} (in the Gaussian null, where no dimension dominates: {} of {})",
                w.word,
                list(&w.raw),
                list(&w.standardised),
                w.shared,
                w.raw.len(),
                w.null_shared,
                w.raw.len()
            )?;
        }
        Ok(())
    }
}

/// The spectrum's table: each line's name and its value in the model and both nulls.
fn spectrum_rows(s: &Nulls<SpectrumAgainstChance>) -> Vec<(&'static str, [String; 3])> {
    let all = [&s.model, &s.gaussian, &s.shuffled];
    vec![
        (
            "eigenvalues above the bulk",
            all.map(|x| x.above.to_string()),
        ),
        (
            "their share of the variance",
            all.map(|x| format!("{:.3}", x.share_above)),
        ),
        (
            "eigenvalues below the bulk",
            all.map(|x| x.below.to_string()),
        ),
        (
            "largest ÷ upper edge",
            all.map(|x| format!("{:.3}", x.top_over_upper)),
        ),
        (
            "smallest ÷ lower edge",
            all.map(|x| format!("{:.3}", x.bottom_over_lower)),
        ),
        (
            "effective rank",
            all.map(|x| format!("{:.1}", x.effective_rank)),
        ),
    ]
}

impl fmt::Display for Nulls<SpectrumAgainstChance> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.model;
        writeln!(
            f,
            "Marchenko–Pastur bulk for this shape and total variance: [{:.4}, {:.4}] (σ² = {:.4}, γ = d/V = {:.4}).",
            m.law.lower, m.law.upper, m.law.variance, m.law.ratio
        )?;
        writeln!(
            f,
            "{:<38} {:>9} {:>9} {:>9}",
            "", "model", "Gaussian", "shuffled"
        )?;
        for (name, [m, g, s]) in spectrum_rows(self) {
            writeln!(f, "  {name:<36} {m:>9} {g:>9} {s:>9}")?;
        }
        write!(
            f,
            "Eigenvalues outside the bulk are structure chance does not make: above it, directions the model favours; below it, directions it hardly uses."
        )
    }
}

/// k-occurrence under both metrics, in the model and in the Gaussian null.
#[derive(Debug, Serialize)]
pub struct Hubness {
    pub k: usize,
    pub euclidean: HubList,
    pub cosine: HubList,
    pub gaussian_euclidean: KOccurrence,
    pub gaussian_cosine: KOccurrence,
}

/// A k-occurrence summary with its hubs named.
#[derive(Debug, Serialize)]
pub struct HubList {
    pub summary: KOccurrence,
    pub tokens: Vec<String>,
}

impl fmt::Display for Hubness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "k = {}: N_k averages exactly k; its skewness says how unevenly it is shared.",
            self.k
        )?;
        writeln!(
            f,
            "{:<28} {:>10} {:>10} {:>10} {:>10}",
            "", "Euclidean", "null", "cosine", "null"
        )?;
        let (e, c) = (&self.euclidean.summary, &self.cosine.summary);
        let (ge, gc) = (&self.gaussian_euclidean, &self.gaussian_cosine);
        writeln!(
            f,
            "  {:<26} {:>10.2} {:>10.2} {:>10.2} {:>10.2}",
            "skewness of N_k", e.skewness, ge.skewness, c.skewness, gc.skewness
        )?;
        writeln!(
            f,
            "  {:<26} {:>10} {:>10} {:>10} {:>10}",
            "largest N_k", e.largest, ge.largest, c.largest, gc.largest
        )?;
        writeln!(
            f,
            "  {:<26} {:>10} {:>10} {:>10} {:>10}",
            "never a neighbour (N_k = 0)", e.orphans, ge.orphans, c.orphans, gc.orphans
        )?;
        for (name, list) in [("Euclidean", &self.euclidean), ("cosine", &self.cosine)] {
            let hubs: Vec<String> = list
                .tokens
                .iter()
                .zip(&list.summary.hubs)
                .take(10)
                .map(|(t, (_, n))| format!("{t} ({n})"))
                .collect();
            write!(f, "\nWorst hubs, {name}: {}", hubs.join("  "))?;
        }
        Ok(())
    }
}

/// TwoNN on the model and the null, and on a small Gaussian of known width.
#[derive(Debug, Serialize)]
pub struct Intrinsic {
    pub model: TwoNn,
    pub gaussian: TwoNn,
    pub check_width: usize,
    pub check: TwoNn,
}

impl fmt::Display for Intrinsic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "TwoNN: model {:.1}; Gaussian null {:.1} (its true dimension is its width); a 4,000 × {} Gaussian: {:.2}.",
            self.model.dimension, self.gaussian.dimension, self.check_width, self.check.dimension
        )?;
        write!(
            f,
            "Points left out, each equal to another row (its nearest neighbour at distance 0): {}. At full width the estimate falls far below the null's true dimension: {} points cannot show hundreds of directions, so compare the model with the null, not with d.",
            self.model.duplicates,
            thousands(self.model.points as u64)
        )
    }
}

/// Row norms, and their correlation with the frequency proxy.
#[derive(Debug, Serialize)]
pub struct Norms {
    pub summary: Summary,
    pub gaussian: Summary,
    pub histogram: Option<Histogram>,
    pub model: Option<NormFrequency>,
    pub shuffled: Option<NormFrequency>,
    /// (proxy value at the middle of the group, mean norm, mean norm in the shuffled null)
    /// for 50 equal groups of tokens along the proxy.
    pub binned: Vec<(f64, f64, f64)>,
    /// Every row's norm (left out of the report: the scores file has the rankings).
    #[serde(skip)]
    pub values: Vec<f32>,
}

impl fmt::Display for Norms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        writeln!(
            f,
            "Row norms: mean {:.3}, sd {:.3}, from {:.3} to {:.3} (Gaussian null: mean {:.3}, sd {:.3}).",
            s.mean, s.sd, s.min, s.max, self.gaussian.mean, self.gaussian.sd
        )?;
        match (&self.model, &self.shuffled) {
            (Some(m), Some(n)) => write!(
                f,
                "Spearman correlation of norm with {} over {} tokens: {:.3} (columns shuffled: {:.3}).",
                m.proxy,
                thousands(m.tokens as u64),
                m.spearman,
                n.spearman
            ),
            _ => write!(
                f,
                "No frequency proxy to correlate with (too few tokens carry one)."
            ),
        }
    }
}

/// How the under-trained ranking was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Land & Bartolo's indicator, the unreachable tokens its reference.
    Indicator,
    /// No unreachable token: the shortest rows first.
    Norm,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Indicator => {
                "cosine to the unreachable tokens' mean row (first principal direction removed)"
            }
            Method::Norm => "shortness of the row (no unreachable tokens to learn from)",
        }
    }
}

/// The held-out check of the indicator.
#[derive(Debug, Serialize)]
pub struct HeldOut {
    pub split: Split,
    /// Held-out unreachable v every reachable token.
    pub auc: Option<f64>,
    /// Held-out unreachable v reachable word-initial tokens.
    pub word_initial_auc: Option<f64>,
    /// Placeholder entries (`[unused…]`, `<|reserved…|>`) among the held-out half, and
    /// their AUC against reachable word-initial tokens.
    pub placeholders: usize,
    pub placeholder_auc: Option<f64>,
    /// The same fit and test in the column-shuffled null.
    pub null_auc: Option<f64>,
}

/// One ranked token.
#[derive(Debug, Serialize)]
pub struct Ranked {
    pub id: usize,
    pub token: String,
    pub kind: String,
    pub reach: Reach,
    pub score: f32,
    pub norm: f32,
}

/// Tokens the tokenizer cannot produce, and the tokens ranked by how under-trained they look.
#[derive(Debug, Serialize)]
pub struct UnderTrained {
    pub tested: usize,
    pub unreachable: usize,
    pub special: usize,
    pub partial: usize,
    pub placeholders: usize,
    pub unreachable_placeholders: usize,
    pub unreachable_examples: Vec<String>,
    pub method: Method,
    pub held_out: Option<HeldOut>,
    /// The share of unreachable tokens among the listed top of the ranking.
    pub unreachable_in_top: f64,
    /// Densities of the scores of unreachable and of reachable tokens, on common bins (of
    /// every token's when none is unreachable).
    pub score_densities: Vec<(String, Histogram)>,
    pub listed: Vec<Ranked>,
    /// Every token's score (in `token-scores.json`, not the report).
    #[serde(skip)]
    pub scores: Vec<f32>,
}

fn auc(value: Option<f64>) -> String {
    value.map_or("undefined".into(), |a| format!("{a:.4}"))
}

impl fmt::Display for UnderTrained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Round trip of {} tokens: {} unreachable, {} special (not tested), {} parts of a character (not testable).",
            thousands(self.tested as u64),
            thousands(self.unreachable as u64),
            self.special,
            self.partial
        )?;
        if self.placeholders > 0 {
            writeln!(
                f,
                "Placeholder entries ([unused…]-like): {}, of which unreachable: {}.",
                self.placeholders, self.unreachable_placeholders
            )?;
        }
        match self.method {
            Method::Norm => writeln!(
                f,
                "No token is unreachable: the indicator has no reference to learn from, so tokens are ranked by the norm of their row, shortest first. This ranking is not checked (nothing to hold out)."
            )?,
            Method::Indicator => writeln!(f, "Ranked by {}.", self.method.name())?,
        }
        if let Some(h) = &self.held_out {
            writeln!(
                f,
                "Held-out check (fitted on {} unreachable tokens, {} held out): ROC AUC {} against every reachable token, {} against word-initial ones; {} held-out placeholders against word-initial tokens: {}; the same split on the shuffled null: {}.",
                h.split.fit.len(),
                h.split.held_out.len(),
                auc(h.auc),
                auc(h.word_initial_auc),
                h.placeholders,
                auc(h.placeholder_auc),
                auc(h.null_auc)
            )?;
        } else if self.unreachable == 1 {
            writeln!(
                f,
                "One unreachable token: too few to hold any out, so the ranking is not checked."
            )?;
        }
        write!(
            f,
            "Top {} (unreachable among them: {:.0}%):\n  rank      id  {:<24} {:<28} {:<12} {:>8} {:>7}",
            self.listed.len(),
            100.0 * self.unreachable_in_top,
            "token",
            "kind",
            "reach",
            "score",
            "norm"
        )?;
        for (rank, r) in self.listed.iter().enumerate().take(20) {
            write!(
                f,
                "\n  {:>4} {:>7}  {:<24} {:<28} {:<12} {:>8.4} {:>7.3}",
                rank + 1,
                r.id,
                r.token,
                r.kind,
                reach_name(r.reach),
                r.score,
                r.norm
            )?;
        }
        if self.listed.len() > 20 {
            write!(f, "\n  … {} more in report.json", self.listed.len() - 20)?;
        }
        Ok(())
    }
}

fn reach_name(reach: Reach) -> &'static str {
    match reach {
        Reach::Reachable => "reachable",
        Reach::Unreachable => "unreachable",
        Reach::Special => "special",
        Reach::PartialCharacter => "partial char",
    }
}

/// N_k of every token under both metrics, in the model and in the Gaussian null.
pub struct Counts {
    pub model: GraphCounts,
    pub gaussian: GraphCounts,
}

pub struct GraphCounts {
    pub euclidean: Vec<u32>,
    pub cosine: Vec<u32>,
}

/// One line of the report's first page: a measure, its value, its null's, what it means.
struct Finding {
    measure: &'static str,
    model: String,
    null: String,
    meaning: &'static str,
}

/// Both nulls' values of a measure, each named, to `digits` decimals.
fn both(gaussian: f64, shuffled: f64, digits: usize) -> String {
    format!(
        "Gaussian {}, shuffled {}",
        decimals(gaussian, digits),
        decimals(shuffled, digits)
    )
}

impl Results {
    fn findings(&self) -> Vec<Finding> {
        let iso = &self.isotropy;
        let rogue = &self.rogue.dimensions;
        let spectrum = &self.spectrum;
        let hub = &self.hubness;
        let mut findings = vec![
            Finding {
                measure: "mean cosine of every pair",
                model: decimals(iso.model.raw.mean_cosine, 4),
                null: both(
                    iso.gaussian.raw.mean_cosine,
                    iso.shuffled.raw.mean_cosine,
                    4,
                ),
                meaning: "how much all tokens point one way (anisotropy)",
            },
            Finding {
                measure: "partition isotropy I",
                model: format!("{:.4}", iso.model.raw.partition),
                null: both(iso.gaussian.raw.partition, iso.shuffled.raw.partition, 4),
                meaning: "1 when no direction is preferred (read against its nulls: I depends on the rows' scale)",
            },
            Finding {
                measure: "… after all-but-the-top",
                model: format!("{:.4}", iso.model.all_but_the_top.partition),
                null: both(
                    iso.gaussian.all_but_the_top.partition,
                    iso.shuffled.all_but_the_top.partition,
                    4,
                ),
                meaning: "I once the mean and the top directions are removed: near 1 if they held the lean",
            },
            Finding {
                measure: "top-3 dimensions' share of the mean cosine",
                model: format!("{:.3}", rogue.model.top_share),
                null: format!(
                    "equal shares {:.3}, shuffled {:.3}",
                    rogue.model.equal_share, rogue.shuffled.top_share
                ),
                meaning: "whether a few rogue dimensions carry much of every cosine",
            },
            Finding {
                measure: "largest dimension's contribution",
                model: format!("{:.4}", rogue.model.largest),
                null: format!(
                    "Gaussian {:.1e}, shuffled {:.4}",
                    rogue.gaussian.largest, rogue.shuffled.largest
                ),
                meaning: "in cosine units",
            },
            Finding {
                measure: "eigenvalues above the Marchenko–Pastur bulk",
                model: spectrum.model.above.to_string(),
                null: format!(
                    "Gaussian {}, shuffled {}",
                    spectrum.gaussian.above, spectrum.shuffled.above
                ),
                meaning: "directions with more variance than chance gives",
            },
            Finding {
                measure: "effective rank",
                model: format!("{:.1}", spectrum.model.effective_rank),
                null: both(
                    spectrum.gaussian.effective_rank,
                    spectrum.shuffled.effective_rank,
                    1,
                ),
                meaning: "how many directions the spread uses",
            },
            Finding {
                measure: "skewness of $N_k$, cosine",
                model: format!("{:.2}", hub.cosine.summary.skewness),
                null: format!("Gaussian {:.2}", hub.gaussian_cosine.skewness),
                meaning: "whether a few hubs are in many tokens' lists",
            },
            Finding {
                measure: "skewness of $N_k$, Euclidean",
                model: format!("{:.2}", hub.euclidean.summary.skewness),
                null: format!("Gaussian {:.2}", hub.gaussian_euclidean.skewness),
                meaning: "the same with raw distances",
            },
            Finding {
                measure: "intrinsic dimension (TwoNN)",
                model: format!("{:.1}", self.intrinsic.model.dimension),
                null: format!("Gaussian {:.1}", self.intrinsic.gaussian.dimension),
                meaning: "how many directions the tokens really spread in, locally",
            },
        ];
        if let (Some(m), Some(n)) = (&self.norms.model, &self.norms.shuffled) {
            findings.push(Finding {
                measure: "Spearman(norm, frequency proxy)",
                model: format!("{:.3}", m.spearman),
                null: format!("shuffled {:.3}", n.spearman),
                meaning: "whether rare tokens have longer or shorter rows",
            });
        }
        let u = &self.under_trained;
        findings.push(Finding {
            measure: "unreachable tokens",
            model: u.unreachable.to_string(),
            null: "—".into(),
            meaning: "tokens no text encodes to: never seen in training",
        });
        if let Some(h) = &u.held_out {
            findings.push(Finding {
                measure: "held-out ROC AUC of the indicator",
                model: auc(h.auc),
                null: format!("shuffled {}", auc(h.null_auc)),
                meaning: "1: unseen unreachable tokens rank above every reachable one",
            });
        }
        findings
    }
}

impl BookNumbers for Results {
    fn numbers(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .findings()
            .into_iter()
            .map(|f| {
                vec![
                    f.measure.to_string(),
                    f.model,
                    f.null,
                    f.meaning.to_string(),
                ]
            })
            .collect();
        let summary = markdown_table(&["measure", "model", "chance", "what it means"], &rows);
        let facts = &self.facts;
        let duplicates = if facts.duplicate_groups.is_empty() {
            "No two tokens share a row.".to_string()
        } else {
            let groups: Vec<String> = facts
                .duplicate_groups
                .iter()
                .map(|g| {
                    g.tokens
                        .iter()
                        .map(|t| code(t))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            format!(
                "{} tokens share their row with another token: {}.",
                facts.duplicate_rows,
                groups.join("; ")
            )
        };
        let mut out = book_section(
            "facts",
            "The matrix",
            &format!(
                "{}: {} tokens × {} dimensions. Rows of zeros: {}. {duplicates}",
                facts.model,
                thousands(facts.rows as u64),
                facts.cols,
                facts.zero_rows
            ),
        );
        out += &book_section("summary", "At a glance", &summary);
        out += &book_section(
            "isotropy",
            "Anisotropy and isotropy",
            &self.isotropy_table(),
        );
        out += &book_section("rogue", "Rogue dimensions", &self.rogue_text());
        out += &book_section("spectrum", "The spectrum", &self.spectrum_text());
        out += &book_section("hubness", "Hubness", &self.hubness_text());
        out += &book_section("twonn", "Intrinsic dimension", &self.twonn_text());
        out += &book_section("norms", "Norms and frequency", &self.norms_text());
        out += &book_section(
            "under_trained",
            "Under-trained tokens",
            &self.under_trained_text(),
        );
        out += &book_section("ranking", "The ranking", &self.ranking_table());
        out
    }
}

impl Results {
    fn isotropy_table(&self) -> String {
        let rows: Vec<Vec<String>> = stage_rows(&self.isotropy)
            .into_iter()
            .map(|(name, [m, g, s])| {
                vec![
                    name,
                    decimals(m.mean_cosine, 4),
                    decimals(g.mean_cosine, 4),
                    decimals(s.mean_cosine, 4),
                    decimals(m.partition, 4),
                    decimals(g.partition, 4),
                    decimals(s.partition, 4),
                ]
            })
            .collect();
        markdown_table(
            &[
                "rows",
                "mean cos, model",
                "mean cos, Gaussian",
                "mean cos, shuffled",
                "I, model",
                "I, Gaussian",
                "I, shuffled",
            ],
            &rows,
        )
    }

    fn rogue_text(&self) -> String {
        let m = &self.rogue.dimensions.model;
        let dims: Vec<String> = m
            .top
            .iter()
            .map(|(k, c, share)| format!("{k} ({c:.4}, {:.1}%)", 100.0 * share))
            .collect();
        let mut text = format!(
            "Mean cosine {:.4}; the top {} dimensions {} carry {:.1}% of it, where equal shares would give {:.1}%. The largest single contribution is {:.4}; in the Gaussian null {:.1e}, with the columns shuffled {:.4}.",
            m.mean_cosine,
            m.top.len(),
            dims.join(", "),
            100.0 * m.top_share,
            100.0 * m.equal_share,
            m.largest,
            self.rogue.dimensions.gaussian.largest,
            self.rogue.dimensions.shuffled.largest
        );
        for w in &self.rogue.words {
            let list = |l: &[(usize, String)]| {
                l.iter().map(|(_, t)| code(t)).collect::<Vec<_>>().join(" ")
            };
            text += &format!(
                "\n\n{}: its cosine neighbours (lesson 2's search, so the word's own token is listed) {}; with every dimension standardised {}; {} of {} in both lists. In the Gaussian null, where no dimension dominates, standardising keeps {} of {}.",
                code(&w.word),
                list(&w.raw),
                list(&w.standardised),
                w.shared,
                w.raw.len(),
                w.null_shared,
                w.raw.len()
            );
        }
        text
    }

    fn spectrum_text(&self) -> String {
        let s = &self.spectrum;
        let rows: Vec<Vec<String>> = spectrum_rows(s)
            .into_iter()
            .map(|(name, [m, g, n])| vec![name.to_string(), m, g, n])
            .collect();
        format!(
            "The bulk of a random matrix of this shape and total variance: [{:.4}, {:.4}] (σ² = {:.4}, γ = {:.4}), out of {} eigenvalues.\n\n{}",
            s.model.law.lower,
            s.model.law.upper,
            s.model.law.variance,
            s.model.law.ratio,
            s.model.eigenvalues.len(),
            markdown_table(&["", "model", "Gaussian", "shuffled"], &rows)
        )
    }

    fn hubness_text(&self) -> String {
        let h = &self.hubness;
        let rows = vec![
            vec![
                "skewness of $N_k$".to_string(),
                format!("{:.2}", h.euclidean.summary.skewness),
                format!("{:.2}", h.gaussian_euclidean.skewness),
                format!("{:.2}", h.cosine.summary.skewness),
                format!("{:.2}", h.gaussian_cosine.skewness),
            ],
            vec![
                "largest $N_k$".to_string(),
                h.euclidean.summary.largest.to_string(),
                h.gaussian_euclidean.largest.to_string(),
                h.cosine.summary.largest.to_string(),
                h.gaussian_cosine.largest.to_string(),
            ],
            vec![
                "never a neighbour".to_string(),
                h.euclidean.summary.orphans.to_string(),
                h.gaussian_euclidean.orphans.to_string(),
                h.cosine.summary.orphans.to_string(),
                h.gaussian_cosine.orphans.to_string(),
            ],
        ];
        let hubs = |l: &HubList| {
            l.tokens
                .iter()
                .zip(&l.summary.hubs)
                .take(10)
                .map(|(t, (_, n))| format!("{} ({n})", code(t)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "k = {}.\n\n{}\nWorst hubs by Euclidean distance: {}.\n\nWorst hubs by cosine: {}.",
            h.k,
            markdown_table(
                &[
                    "",
                    "Euclidean",
                    "its Gaussian null",
                    "cosine",
                    "its Gaussian null"
                ],
                &rows
            ),
            hubs(&h.euclidean),
            hubs(&h.cosine)
        )
    }

    fn twonn_text(&self) -> String {
        let i = &self.intrinsic;
        format!(
            "TwoNN estimates {:.1} for the model's {} dimensions and {:.1} for the Gaussian null of the same shape; a Gaussian of width {} and 4,000 points gives {:.2}. Rows left out, each equal to another row: {}.",
            i.model.dimension,
            self.facts.cols,
            i.gaussian.dimension,
            i.check_width,
            i.check.dimension,
            i.model.duplicates
        )
    }

    fn norms_text(&self) -> String {
        let n = &self.norms;
        let correlation = match (&n.model, &n.shuffled) {
            (Some(m), Some(s)) => format!(
                " Spearman's correlation of the norm with the {} ({} tokens): {:.3}; with the columns shuffled: {:.3}.",
                m.proxy,
                thousands(m.tokens as u64),
                m.spearman,
                s.spearman
            ),
            _ => String::new(),
        };
        format!(
            "Row norms: mean {:.3}, sd {:.3}, from {:.3} to {:.3}; Gaussian null: mean {:.3}, sd {:.3}.{correlation}",
            n.summary.mean,
            n.summary.sd,
            n.summary.min,
            n.summary.max,
            n.gaussian.mean,
            n.gaussian.sd
        )
    }

    fn under_trained_text(&self) -> String {
        let u = &self.under_trained;
        let examples: Vec<String> = u
            .unreachable_examples
            .iter()
            .take(12)
            .map(|t| code(t))
            .collect();
        let mut text = format!(
            "Of {} tokens, {} are unreachable, {} special (not tested) and {} parts of one character (not testable).",
            thousands(u.tested as u64),
            thousands(u.unreachable as u64),
            u.special,
            u.partial
        );
        if !examples.is_empty() {
            text += &format!(" The first unreachable ones: {}.", examples.join(" "));
        }
        if u.placeholders > 0 {
            text += &format!(
                " The vocabulary has {} placeholder entries (`[unused…]`-like); {} of them are unreachable.",
                u.placeholders, u.unreachable_placeholders
            );
        }
        match (&u.method, &u.held_out) {
            (Method::Norm, _) => {
                text += "\n\nNo token is unreachable, so the indicator has no reference: the ranking below is by row norm, shortest first, and nothing checks it."
            }
            (Method::Indicator, Some(h)) => {
                text += &format!(
                    "\n\nHeld-out check: the reference fitted on {} unreachable tokens, the other {} ranked against every reachable token: ROC AUC **{}** (against word-initial tokens: {}; in the column-shuffled null: {}). The {} held-out placeholders against all word-initial tokens: ROC AUC **{}**.",
                    h.split.fit.len(),
                    h.split.held_out.len(),
                    auc(h.auc),
                    auc(h.word_initial_auc),
                    auc(h.null_auc),
                    h.placeholders,
                    auc(h.placeholder_auc)
                )
            }
            (Method::Indicator, None) => {
                text += "\n\nOne unreachable token: too few to hold any out, so the ranking is not checked."
            }
        }
        text += &format!(
            " Unreachable tokens make up {:.0}% of the top {}.",
            100.0 * u.unreachable_in_top,
            u.listed.len()
        );
        text
    }

    fn ranking_table(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .under_trained
            .listed
            .iter()
            .take(20)
            .enumerate()
            .map(|(rank, r)| {
                vec![
                    (rank + 1).to_string(),
                    r.id.to_string(),
                    code(&r.token),
                    r.kind.clone(),
                    reach_name(r.reach).into(),
                    format!("{:.4}", r.score),
                    format!("{:.2}", r.norm),
                ]
            })
            .collect();
        let score = match self.under_trained.method {
            Method::Indicator => "score",
            Method::Norm => "score (−norm)",
        };
        markdown_table(&["#", "id", "token", "kind", "reach", score, "norm"], &rows)
    }
}
