//! What lesson 6 finds, as typed values: each prints as the lesson shows it, serialises
//! into `report.json`, and the whole gives the book its numbers.

use std::fmt;

use common::Model;
use common::analysis::cka::CkaScore;
use common::analysis::permutation::PermutationTest;
use common::analysis::rsa::RsaScore;
use common::analysis::shared_tokens::{KindCount, SharedTokens};
use common::model::standins::StandinInfo;
use common::run::report::{BookNumbers, book_section, code, markdown_table};
use serde::Serialize;

/// Everything lesson 6 reports.
#[derive(Debug, Serialize)]
pub struct Results {
    pub models: [ModelInfo; 2],
    pub shared: SharedSummary,
    pub similarity: Similarity,
    pub alignment: Alignment,
    pub agreement: Agreement,
    pub compare: ComparePage,
    pub fitted_on_all: FittedOnAll,
}

/// One of the two models: what every lesson's report says of a model (its name and, for
/// a stand-in, what it stands in for), with the label the tables use and its shape.
#[derive(Debug, Serialize)]
pub struct ModelInfo {
    pub name: String,
    pub standin: Option<StandinInfo>,
    pub label: String,
    pub vocabulary: usize,
    pub width: usize,
}

impl ModelInfo {
    pub fn new(model: &Model, label: &str) -> Self {
        ModelInfo {
            name: model.files.name.clone(),
            standin: model.files.standin.clone(),
            label: label.to_string(),
            vocabulary: model.embeddings.rows(),
            width: model.embeddings.cols(),
        }
    }
}

/// A count with thousands separators, as the tables print them.
fn thousands(n: usize) -> String {
    common::format::thousands(n as u64)
}

/// Step 1: the shared tokens and, on each side, which kinds of token found no partner.
#[derive(Debug, Serialize)]
pub struct SharedSummary {
    pub labels: [String; 2],
    pub tokens: usize,
    pub word_initial: usize,
    pub continuation: usize,
    pub fold_case: bool,
    pub duplicates: [usize; 2],
    pub by_kind: [Vec<KindCount>; 2],
    /// Each shared token's id in each model, in the first model's id order.
    pub ids: [Vec<usize>; 2],
}

impl SharedSummary {
    pub fn new(shared: &SharedTokens, labels: &[String; 2]) -> Self {
        let word_initial = shared.tokens.iter().filter(|t| t.key.word_initial).count();
        SharedSummary {
            labels: labels.clone(),
            tokens: shared.tokens.len(),
            word_initial,
            continuation: shared.tokens.len() - word_initial,
            fold_case: shared.fold_case,
            duplicates: shared.duplicates,
            by_kind: shared.by_kind.clone(),
            ids: [0, 1].map(|side| shared.tokens.iter().map(|t| t.ids[side]).collect()),
        }
    }

    fn headline(&self) -> String {
        self.headline_naming("--fold-case")
    }

    /// The headline with the flag written as `flag` (in code, in the book: Markdown would
    /// make its `--` a dash).
    fn headline_naming(&self, flag: &str) -> String {
        let case = if self.fold_case {
            format!(
                "case folded ({flag}: {} entries of {} and {} of {}, lower-cased, had the text of another entry and stood aside for it)",
                thousands(self.duplicates[0]),
                self.labels[0],
                thousands(self.duplicates[1]),
                self.labels[1]
            )
        } else {
            "case kept".to_string()
        };
        format!(
            "{} and {} share {} tokens: {} that begin a word and {} that continue one, of every kind ({case}).",
            self.labels[0],
            self.labels[1],
            thousands(self.tokens),
            thousands(self.word_initial),
            thousands(self.continuation)
        )
    }

    /// The kinds of either side, in the order token kinds are listed, with each side's
    /// count (entries, shared) where it has that kind.
    fn rows(&self) -> Vec<(String, [Option<&KindCount>; 2])> {
        let mut names: Vec<&str> = Vec::new();
        for count in self.by_kind.iter().flatten() {
            if !names.contains(&count.kind.as_str()) {
                names.push(&count.kind);
            }
        }
        // Each side lists its kinds in one order; merge by first appearance on either.
        names.sort_by_key(|name| {
            self.by_kind
                .iter()
                .filter_map(|side| side.iter().position(|c| &c.kind == name))
                .min()
        });
        names
            .into_iter()
            .map(|name| {
                let of = [0, 1].map(|side| self.by_kind[side].iter().find(|c| c.kind == name));
                (name.to_string(), of)
            })
            .collect()
    }
}

impl fmt::Display for SharedSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}\n", self.headline())?;
        let cell = |c: Option<&KindCount>| {
            c.map_or("—".to_string(), |c| {
                format!("{} of {}", thousands(c.shared), thousands(c.entries))
            })
        };
        writeln!(
            f,
            "{:<30} | {:>20} | {:>20}",
            "kind (shared of all)",
            short(&self.labels[0]),
            short(&self.labels[1])
        )?;
        write!(f, "{:-<30}-+-{:-<20}-+-{:-<20}", "", "", "")?;
        for (kind, of) in self.rows() {
            write!(
                f,
                "\n{kind:<30} | {:>20} | {:>20}",
                cell(of[0]),
                cell(of[1])
            )?;
        }
        for side in 0..2 {
            write!(
                f,
                "\n\nUnmatched in {}, first of each kind:",
                self.labels[side]
            )?;
            for count in self.by_kind[side].iter().filter(|c| c.shared < c.entries) {
                write!(
                    f,
                    "\n  {:<28} {}",
                    count.kind,
                    count.unmatched_examples.join("  ")
                )?;
            }
        }
        Ok(())
    }
}

/// A model's label without what follows its name, for narrow table columns.
fn short(label: &str) -> &str {
    label.split_once(" (").map_or(label, |(name, _)| name)
}

/// RSA as lesson 3 computes it, on a sample of the shared tokens.
#[derive(Debug, Serialize)]
pub struct RsaSample {
    pub tokens: usize,
    pub score: RsaScore,
}

/// CKA and RSA of random subsets of one size.
#[derive(Debug, Serialize)]
pub struct SubsetScores {
    pub tokens: usize,
    /// One value per draw.
    pub cka: Vec<f64>,
    /// CKA's mean over shuffles of each draw's tokens (its chance level).
    pub cka_chance: Vec<f64>,
    pub rsa: Vec<f64>,
}

/// Pearson RSA from the rows, with its permutation test.
#[derive(Debug, Serialize)]
pub struct RsaOfRows {
    pub value: f64,
    pub test: Option<PermutationTest>,
}

/// CKA and RSA over a list of words taken as word-initial shared tokens.
#[derive(Debug, Serialize)]
pub struct WordsSubset {
    pub shared: Vec<String>,
    /// Words that are not a shared word-initial token (or repeat one).
    pub missing: Vec<String>,
    pub cka: Option<CkaScore>,
    pub rsa: Option<RsaOfRows>,
}

/// Step 2: how alike the two geometries are.
#[derive(Debug, Serialize)]
pub struct Similarity {
    pub tokens: usize,
    #[serde(skip)]
    pub labels: [String; 2],
    pub cka: CkaScore,
    /// Pearson RSA over every pair of all shared tokens.
    pub rsa_all: f64,
    pub rsa_sample: RsaSample,
    pub by_size: Vec<SubsetScores>,
    pub words: WordsSubset,
}

/// `values`' mean, smallest and largest.
fn spread(values: &[f64]) -> (f64, f64, f64) {
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (mean, min, max)
}

fn p_value(test: &Option<PermutationTest>) -> String {
    test.as_ref().map_or("not tested".into(), |t| {
        format!(
            "{:.4} ({} shuffles; shuffled mean {:.4}, largest {:.4})",
            t.p_value, t.permutations, t.null_mean, t.null_max
        )
    })
}

impl Similarity {
    /// The by-size table: (tokens, CKA, CKA's chance level, RSA) as text.
    fn size_rows(&self) -> Vec<[String; 4]> {
        let tested = |value: f64, test: &Option<PermutationTest>| match test {
            Some(t) => format!("{value:.3}, p = {:.4}", t.p_value),
            None => format!("{value:.3}"),
        };
        let mut rows = Vec::new();
        if let (Some(cka), Some(rsa)) = (&self.words.cka, &self.words.rsa) {
            rows.push([
                format!("the {} words", self.words.shared.len()),
                tested(cka.value, &cka.test),
                format!("{:.3}", cka.chance),
                tested(rsa.value, &rsa.test),
            ]);
        }
        let show = |values: &[f64]| {
            let (mean, min, max) = spread(values);
            if values.len() == 1 {
                format!("{mean:.3}")
            } else {
                format!("{mean:.3} ({min:.3} to {max:.3})")
            }
        };
        for size in &self.by_size {
            rows.push([
                format!(
                    "{} random, {} draws",
                    thousands(size.tokens),
                    size.cka.len()
                ),
                show(&size.cka),
                format!("{:.3}", spread(&size.cka_chance).0),
                show(&size.rsa),
            ]);
        }
        rows.push([
            format!("all {}", thousands(self.tokens)),
            format!("{:.3}", self.cka.value),
            format!("{:.3}", self.cka.chance),
            format!("{:.3}", self.rsa_all),
        ]);
        rows
    }

    fn headline(&self) -> String {
        let s = &self.rsa_sample.score;
        let sample_p = s.p_value.map_or("not tested".into(), |p| {
            format!("{p:.4} ({} shuffles)", s.permutations)
        });
        format!(
            "Linear CKA over all {} shared tokens: {:.4}, permutation p = {}.\n\
             RSA (Pearson) over every pair of all {} shared tokens: {:.4}.\n\
             RSA as lesson 3 computes it, on {} sampled tokens: Pearson r = {:.4}, Spearman ρ = {:.4}, permutation p = {sample_p}.",
            thousands(self.tokens),
            self.cka.value,
            p_value(&self.cka.test),
            thousands(self.tokens),
            self.rsa_all,
            thousands(self.rsa_sample.tokens),
            s.pearson,
            s.spearman
        )
    }
}

impl fmt::Display for Similarity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}\n", self.headline())?;
        writeln!(
            f,
            "{:<24} | {:<24} | {:<14} | {:<24}",
            "tokens", "CKA: mean (range)", "CKA by chance", "RSA: mean (range)"
        )?;
        write!(f, "{:-<24}-+-{:-<24}-+-{:-<14}-+-{:-<24}", "", "", "", "")?;
        for [tokens, cka, chance, rsa] in self.size_rows() {
            write!(f, "\n{tokens:<24} | {cka:<24} | {chance:<14} | {rsa:<24}")?;
        }
        if !self.words.missing.is_empty() {
            write!(
                f,
                "\n\nNot a shared word-initial token, so left out of the words: {}",
                self.words.missing.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Precision@1, @2, …, @10: the table reads its ends, the figure every k.
#[derive(Clone, Debug, Serialize)]
pub struct AtK {
    pub by_k: Vec<f64>,
}

impl AtK {
    pub fn at_1(&self) -> f64 {
        self.by_k[0]
    }

    pub fn at_10(&self) -> f64 {
        self.by_k[self.by_k.len() - 1]
    }
}

/// Step 3: a rotation from one space onto the other, and how often it finds a token's
/// counterpart.
#[derive(Debug, Serialize)]
pub struct Alignment {
    pub from: String,
    pub to: String,
    pub widths: [usize; 2],
    pub train: usize,
    pub test: usize,
    pub candidates: usize,
    /// CSLS's neighbourhood.
    pub k: usize,
    pub plain: AtK,
    pub csls: AtK,
    /// A guess among all candidates.
    pub chance_at_1: f64,
    /// The held-out tokens (indices into the shared tokens).
    pub test_tokens: Vec<usize>,
}

impl Alignment {
    fn headline(&self) -> String {
        format!(
            "Orthogonal Procrustes from {} ({} wide) into {} ({} wide), fitted on {} shared tokens; each of the other {} looks for its counterpart among all {}.",
            self.from,
            self.widths[0],
            self.to,
            self.widths[1],
            thousands(self.train),
            thousands(self.test),
            thousands(self.candidates)
        )
    }

    fn rows(&self) -> [[String; 3]; 3] {
        [
            [
                "cosine".into(),
                format!("{:.4}", self.plain.at_1()),
                format!("{:.4}", self.plain.at_10()),
            ],
            [
                format!("CSLS (k = {})", self.k),
                format!("{:.4}", self.csls.at_1()),
                format!("{:.4}", self.csls.at_10()),
            ],
            [
                "chance".into(),
                format!("{:.4}", self.chance_at_1),
                format!("{:.4}", 10.0 * self.chance_at_1),
            ],
        ]
    }
}

impl fmt::Display for Alignment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}\n", self.headline())?;
        writeln!(
            f,
            "{:<14} | {:>12} | {:>12}",
            "", "precision@1", "precision@10"
        )?;
        write!(f, "{:-<14}-+-{:-<12}-+-{:-<12}", "", "", "")?;
        for [what, at_1, at_10] in self.rows() {
            write!(f, "\n{what:<14} | {at_1:>12} | {at_10:>12}")?;
        }
        Ok(())
    }
}

/// Exercise 5's rerun of step 3: W fitted on every shared token, step 3's held-out tokens
/// among them, and those tokens asked for their counterparts again. Not a measure of the
/// alignment (the fit has seen its answers): it shows how much a score on the fit's own
/// tokens overstates one on tokens it has not seen.
#[derive(Debug, Serialize)]
pub struct FittedOnAll {
    /// Shared tokens W was fitted on: all of them.
    pub train: usize,
    /// Step 3's held-out tokens, asked again.
    pub test: usize,
    pub plain: AtK,
    pub csls: AtK,
}

impl FittedOnAll {
    /// The two fits side by side, as the lesson prints them.
    pub fn beside<'a>(&'a self, held_out: &'a Alignment) -> Refit<'a> {
        Refit {
            held_out,
            all: self,
        }
    }
}

/// Step 3's precisions beside those of W fitted on every shared token.
pub struct Refit<'a> {
    held_out: &'a Alignment,
    all: &'a FittedOnAll,
}

impl Refit<'_> {
    fn headline(&self) -> String {
        format!(
            "W fitted again on all {} shared tokens, step 3's {} held-out tokens among them; those {} look for their counterparts among all {} again.",
            thousands(self.all.train),
            thousands(self.all.test),
            thousands(self.all.test),
            thousands(self.held_out.candidates)
        )
    }

    fn rows(&self) -> [[String; 3]; 4] {
        let (h, a, k) = (self.held_out, self.all, self.held_out.k);
        let row = |what: String, p: &AtK| {
            [
                what,
                format!("{:.4}", p.at_1()),
                format!("{:.4}", p.at_10()),
            ]
        };
        [
            row("cosine, W fitted without them (step 3)".into(), &h.plain),
            row("cosine, W fitted on all".into(), &a.plain),
            row(format!("CSLS (k = {k}), W fitted without them"), &h.csls),
            row(format!("CSLS (k = {k}), W fitted on all"), &a.csls),
        ]
    }

    /// How precision@1 moved from step 3's fit to the fit on all tokens, for each score: in
    /// the table's four decimals, and as the number of queries (a precision is a count of
    /// the queries over their number).
    fn change(&self) -> String {
        let queries = self.all.test as f64;
        let moved = |from: f64, to: f64| {
            let found = |p: f64| (p * queries).round() as i64;
            let more = found(to) - found(from);
            let by = ((to * 1e4).round() - (from * 1e4).round()).abs() / 1e4;
            let (verb, which) = match more {
                0 => return format!("stayed at {from:.4}"),
                1.. => ("rose", "more"),
                _ => ("fell", "fewer"),
            };
            format!(
                "{verb} by {by:.4}, from {from:.4} to {to:.4} ({} {which} of the {} held-out tokens find their counterpart first)",
                thousands(more.unsigned_abs() as usize),
                thousands(self.all.test)
            )
        };
        format!(
            "Precision@1 by cosine {}; by CSLS {}.",
            moved(self.held_out.plain.at_1(), self.all.plain.at_1()),
            moved(self.held_out.csls.at_1(), self.all.csls.at_1())
        )
    }
}

impl fmt::Display for Refit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}\n", self.headline())?;
        writeln!(
            f,
            "{:<38} | {:>12} | {:>12}",
            "", "precision@1", "precision@10"
        )?;
        write!(f, "{:-<38}-+-{:-<12}-+-{:-<12}", "", "", "")?;
        for [what, at_1, at_10] in self.rows() {
            write!(f, "\n{what:<38} | {at_1:>12} | {at_10:>12}")?;
        }
        write!(f, "\n\n{}", self.change())
    }
}

/// One token's agreement.
#[derive(Debug, Serialize)]
pub struct TokenAgreement {
    pub token: String,
    pub kind: String,
    pub shared_neighbours: usize,
}

/// Agreement of one kind of token.
#[derive(Debug, Serialize)]
pub struct KindAgreement {
    pub kind: String,
    pub tokens: usize,
    /// Mean shared neighbours, of k.
    pub mean: f64,
}

/// Step 4: per token, how many of its k nearest shared tokens are the same in both models.
#[derive(Debug, Serialize)]
pub struct Agreement {
    pub k: usize,
    pub tokens: usize,
    /// Mean shared neighbours, of k.
    pub mean: f64,
    /// What two unrelated spaces would share on average, k²/(n − 1).
    pub chance: f64,
    /// Tokens with 0, 1, …, k shared neighbours.
    pub distribution: Vec<usize>,
    pub most: Vec<TokenAgreement>,
    pub least: Vec<TokenAgreement>,
    pub by_kind: Vec<KindAgreement>,
    /// Each shared token's count, in the shared tokens' order.
    pub overlaps: Vec<usize>,
}

/// Tokens listed as agreeing most and least.
const LISTED: usize = 12;

impl Agreement {
    pub fn new(shared: &SharedTokens, overlaps: &[usize], k: usize, chance: f64) -> Self {
        let n = overlaps.len();
        let mut distribution = vec![0; k + 1];
        overlaps.iter().for_each(|&o| distribution[o] += 1);
        let listed = |i: &usize| TokenAgreement {
            token: shared.tokens[*i].key.label(),
            kind: shared.tokens[*i].kind.name(),
            shared_neighbours: overlaps[*i],
        };
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(overlaps[i]), i));
        let most = order.iter().take(LISTED).map(listed).collect();
        order.sort_by_key(|&i| (overlaps[i], i));
        let least = order.iter().take(LISTED).map(listed).collect();
        let mut kinds: Vec<(common::model::token_kinds::TokenKind, usize, usize)> = Vec::new();
        for (token, &o) in shared.tokens.iter().zip(overlaps) {
            match kinds.iter_mut().find(|(kind, _, _)| *kind == token.kind) {
                Some(entry) => {
                    entry.1 += 1;
                    entry.2 += o;
                }
                None => kinds.push((token.kind, 1, o)),
            }
        }
        kinds.sort_by_key(|&(kind, _, _)| kind);
        Agreement {
            k,
            tokens: n,
            mean: overlaps.iter().sum::<usize>() as f64 / n.max(1) as f64,
            chance,
            distribution,
            most,
            least,
            by_kind: kinds
                .into_iter()
                .map(|(kind, tokens, sum)| KindAgreement {
                    kind: kind.name(),
                    tokens,
                    mean: sum as f64 / tokens as f64,
                })
                .collect(),
            overlaps: overlaps.to_vec(),
        }
    }

    fn headline(&self) -> String {
        format!(
            "Each shared token's {} nearest shared tokens (by cosine) in both models: on average {:.2} of {} are the same (two unrelated spaces: {:.4}).",
            self.k, self.mean, self.k, self.chance
        )
    }

    fn listed(tokens: &[TokenAgreement]) -> String {
        tokens
            .iter()
            .map(|t| format!("{} ({})", t.token, t.shared_neighbours))
            .collect::<Vec<_>>()
            .join("  ")
    }
}

impl fmt::Display for Agreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}\n", self.headline())?;
        writeln!(f, "shared neighbours | tokens")?;
        write!(f, "------------------+-------")?;
        for (shared, tokens) in self.distribution.iter().enumerate() {
            write!(f, "\n{shared:>17} | {}", thousands(*tokens))?;
        }
        write!(f, "\n\nAgree most: {}", Self::listed(&self.most))?;
        write!(f, "\nAgree least: {}", Self::listed(&self.least))?;
        write!(
            f,
            "\n\n{:<30} | {:>7} | {:>12}\n{:-<30}-+-{:-<7}-+-{:-<12}",
            "kind (first model's)", "tokens", "mean shared", "", "", ""
        )?;
        for kind in &self.by_kind {
            write!(
                f,
                "\n{:<30} | {:>7} | {:>12.2}",
                kind.kind,
                thousands(kind.tokens),
                kind.mean
            )?;
        }
        Ok(())
    }
}

/// `compare.html`: the two maps, linked.
#[derive(Debug, Serialize)]
pub struct ComparePage {
    pub file: String,
    /// Shared tokens on the maps.
    pub tokens: usize,
    /// t-SNE's perplexity and iterations.
    pub perplexity: f64,
    pub iterations: usize,
    /// Each map's final KL divergence; `None` where t-SNE's value is not a divergence
    /// (see `TsneResult::kl_divergence`).
    pub kl_divergence: [Option<f64>; 2],
    /// Each model's named regions.
    pub regions: [Vec<String>; 2],
    pub data_bytes: u64,
}

impl fmt::Display for ComparePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: both models' t-SNE maps of {} shared tokens side by side (KL divergence {} and {}), {} and {} named regions, {:.1} MB of data",
            self.file,
            thousands(self.tokens),
            kl_text(self.kl_divergence[0]),
            kl_text(self.kl_divergence[1]),
            self.regions[0].len(),
            self.regions[1].len(),
            self.data_bytes as f64 / 1e6
        )
    }
}

/// Exercise 5's rerun for the book: the headline, both fits' table, and the change.
fn refit_numbers(refit: &Refit) -> String {
    let rows: Vec<Vec<String>> = refit.rows().into_iter().map(Vec::from).collect();
    format!(
        "{}\n\n{}\n{}",
        refit.headline(),
        markdown_table(&["", "precision@1", "precision@10"], &rows),
        refit.change()
    )
}

/// A map's KL divergence as the lesson prints it.
fn kl_text(kl: Option<f64>) -> String {
    kl.map_or_else(|| "undefined".to_string(), |kl| format!("{kl:.3}"))
}

impl BookNumbers for Results {
    fn numbers(&self) -> String {
        let shared = &self.shared;
        let kinds: Vec<Vec<String>> = shared
            .rows()
            .into_iter()
            .map(|(kind, of)| {
                let cell = |c: Option<&KindCount>| {
                    c.map_or("—".to_string(), |c| {
                        format!("{} of {}", thousands(c.shared), thousands(c.entries))
                    })
                };
                vec![kind, cell(of[0]), cell(of[1])]
            })
            .collect();
        let unmatched: String = (0..2)
            .map(|side| {
                let kinds: Vec<String> = shared.by_kind[side]
                    .iter()
                    .filter(|c| c.shared < c.entries)
                    .map(|c| {
                        let examples: Vec<String> =
                            c.unmatched_examples.iter().map(|e| code(e)).collect();
                        format!("{} {}", c.kind, examples.join(" "))
                    })
                    .collect();
                format!(
                    "- Unmatched in {}, the first of each kind: {}.\n",
                    shared.labels[side],
                    kinds.join("; ")
                )
            })
            .collect();
        let s = &self.similarity;
        let sizes: Vec<Vec<String>> = s.size_rows().into_iter().map(Vec::from).collect();
        let a = &self.alignment;
        let rows: Vec<Vec<String>> = a.rows().into_iter().map(Vec::from).collect();
        let g = &self.agreement;
        let distribution: Vec<Vec<String>> = g
            .distribution
            .iter()
            .enumerate()
            .map(|(shared, tokens)| vec![shared.to_string(), thousands(*tokens)])
            .collect();
        let by_kind: Vec<Vec<String>> = g
            .by_kind
            .iter()
            .map(|k| {
                vec![
                    k.kind.clone(),
                    thousands(k.tokens),
                    format!("{:.2}", k.mean),
                ]
            })
            .collect();
        let listed = |tokens: &[TokenAgreement]| {
            tokens
                .iter()
                .map(|t| format!("{} ({})", code(&t.token), t.shared_neighbours))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let first_words = if s.words.missing.is_empty() {
            String::new()
        } else {
            format!(
                " Not shared word-initial tokens, left out: {}.",
                s.words
                    .missing
                    .iter()
                    .map(|w| code(w))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        book_section(
            "shared",
            "Shared tokens",
            &format!(
                "{}{}\n{unmatched}",
                book_section(
                    "shared_count",
                    "",
                    &shared.headline_naming(&code("--fold-case"))
                ),
                markdown_table(
                    &["kind: shared of all", &shared.labels[0], &shared.labels[1]],
                    &kinds
                )
            ),
        ) + &book_section(
            "similarity",
            "CKA and RSA",
            &s.headline().replace('\n', "\n\n"),
        ) + &book_section(
            "by_size",
            "By subset size",
            &format!(
                "{}\n(Each random row: the mean of its draws, and the smallest to the largest; the words' p-values from {} shuffles of them.){first_words}",
                markdown_table(
                    &["tokens", "CKA", "CKA by chance (6.3)", "RSA (Pearson)"],
                    &sizes
                ),
                s.cka.test.as_ref().map_or(0, |t| t.permutations)
            ),
        ) + &book_section(
            "alignment",
            "Alignment",
            &format!(
                "{}\n\n{}",
                a.headline(),
                markdown_table(&["", "precision@1", "precision@10"], &rows)
            ),
        ) + &book_section(
            "agreement",
            "Agreement per token",
            &format!(
                "{}\n\n{}\nAgree most (the first {LISTED} by shared neighbours, then by the first model's id): {}.\n\nAgree least (the first {LISTED} by shared neighbours, then by the first model's id: where many tokens tie, only its lowest ids): {}.",
                g.headline(),
                markdown_table(&["shared neighbours", "tokens"], &distribution),
                listed(&g.most),
                listed(&g.least)
            ),
        ) + &book_section(
            "agreement_by_kind",
            "Agreement by kind of token",
            &markdown_table(
                &[
                    "kind (first model's)",
                    "tokens",
                    &format!("mean shared of {}", g.k),
                ],
                &by_kind,
            ),
        ) + &book_section(
            "compare",
            "The linked maps",
            self.compare.to_string().trim(),
        ) + &book_section(
            "fitted_on_all",
            "Fitted on every shared token",
            &refit_numbers(&self.fitted_on_all.beside(a)),
        )
    }
}
