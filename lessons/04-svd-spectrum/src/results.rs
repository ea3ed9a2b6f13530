//! What lesson 4 finds, as typed values: each prints as the lesson shows it, serialises
//! into `report.json`, and the whole gives the book its numbers.

use std::fmt;
use std::ops::Range;

use common::analysis::svd::{Svd, explained_variance};
use common::run::report::{BookNumbers, book_section, code, markdown_table};
use common::text::one_line;
use serde::Serialize;

/// Everything lesson 4 reports.
#[derive(Debug, Serialize)]
pub struct Results {
    pub spectra: Spectra,
    pub random_draws: RandomDraws,
    pub top_projections: TopProjections,
    pub abs_correlation_mean_off_diagonal: f64,
    /// The same for set B (random tokens by default), whose |R| is not drawn.
    pub abs_correlation_mean_off_diagonal_b: f64,
    /// Set A's strongest pairs, strongest first: the |R| figure's brightest cells.
    pub strongest_abs_r: Vec<TokenPair>,
    /// r between the vectors of "1" and "2", the opening figure's two axes.
    pub opening_r: f64,
    pub length_or_direction: LengthOrDirection,
    pub coinciding: Coinciding,
    pub uncentred: Uncentred,
    pub ordered_sets: OrderedSets,
}

/// A named set of token ids.
#[derive(Clone, Debug, Serialize)]
pub struct TokenSet {
    pub name: String,
    pub ids: Vec<usize>,
    pub tokens: Vec<String>,
}

/// The two spectra and how concentrated each is.
#[derive(Debug, Serialize)]
pub struct Spectra {
    pub set_a: TokenSet,
    pub set_b: TokenSet,
    pub singular_values_a: Vec<f32>,
    pub singular_values_b: Vec<f32>,
    /// Fraction of variance in the first 1…K components.
    pub explained_a: Vec<f64>,
    pub explained_b: Vec<f64>,
}

impl fmt::Display for Spectra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\nFraction of variance in the first k components:")?;
        writeln!(f, "  k | {:>8} | {:>8}", self.set_a.name, self.set_b.name)?;
        for (k, (a, b)) in self.explained_a.iter().zip(&self.explained_b).enumerate() {
            writeln!(f, "{:>3} | {:>8.3} | {:>8.3}", k + 1, a, b)?;
        }
        write!(
            f,
            "Top singular value: {} {:.3}, {} {:.3}",
            self.set_a.name, self.singular_values_a[0], self.set_b.name, self.singular_values_b[0]
        )
    }
}

/// The notebook's printout after the SVD: the sizes of the centred submatrix and of the
/// letters' U, s and Vh as numpy's full SVD returns them.
pub struct SvdSizes<'a> {
    pub embeddings: [usize; 2],
    pub svd: &'a Svd,
}

impl fmt::Display for SvdSizes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [rows, cols] = self.embeddings;
        writeln!(f, "Embeddings is size ({rows}, {cols})")?;
        let [[um, un], [vm, vn]] = self.svd.full_shapes();
        writeln!(f, "U  is size ({um}, {un})")?;
        writeln!(f, "s  is size ({},)", self.svd.s.len())?;
        write!(
            f,
            "Vh is size ({vm}, {vn}), of which the first {} rows are kept (the others have no singular value)",
            self.svd.vt.rows()
        )
    }
}

/// How alike each set's vectors are on average: the mean |r| off the diagonal of its
/// |R| (set A's is the figure's), by set name.
pub struct MeanOffDiagonal {
    pub sets: [(String, f64); 2],
    /// The first set's strongest pairs: the |R| figure's brightest cells.
    pub strongest: Vec<TokenPair>,
}

/// Two tokens of a set and the |r| between their centred vectors.
#[derive(Clone, Debug, Serialize)]
pub struct TokenPair {
    pub tokens: [String; 2],
    pub abs_r: f64,
}

impl TokenPair {
    /// The pair as `a–s 0.464`, each token written by `token` (plain in the terminal,
    /// as code in the book).
    fn text(&self, token: impl Fn(&str) -> String) -> String {
        let [a, b] = &self.tokens;
        format!("{}–{} {:.3}", token(a), token(b), self.abs_r)
    }
}

impl fmt::Display for MeanOffDiagonal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [(a, r_a), (b, r_b)] = &self.sets;
        writeln!(
            f,
            "\nMean |r| between different tokens of a set: {a} {r_a:.3}, {b} {r_b:.3}"
        )?;
        let pairs: Vec<String> = self
            .strongest
            .iter()
            .map(|p| p.text(|t| one_line(t).into_owned()))
            .collect();
        write!(f, "The strongest |r| between two {a}: {}", pairs.join(", "))
    }
}

/// r between the vectors of "1" and "2": how closely the opening figure's points, one a
/// dimension, follow a line.
pub struct OpeningR(pub f64);

impl fmt::Display for OpeningR {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "r between \"1\" and \"2\" (the opening figure): {:.3}",
            self.0
        )
    }
}

/// Spectra of many random draws: the spread a single random draw comes from.
#[derive(Debug, Serialize)]
pub struct RandomDraws {
    /// Tokens per draw.
    #[serde(skip)]
    pub size: usize,
    /// Mean fraction of variance in the first component.
    #[serde(skip)]
    pub first_component: f64,
    pub spectra: Vec<Vec<f32>>,
    /// Each draw's token ids.
    pub ids: Vec<Vec<usize>>,
    /// Each draw's closest pair of tokens: the distance between them.
    pub closest: Vec<f32>,
    /// Each draw's mean |r| between two different tokens (its |R| off the diagonal).
    pub abs_r: Vec<f64>,
    pub top_mean: f64,
    pub top_sd: f64,
    /// Mean fraction of variance in the first 1…K components.
    pub explained_mean: Vec<f64>,
}

impl RandomDraws {
    /// Each draw's fraction of variance in its first component.
    pub fn first_components(&self) -> Vec<f64> {
        self.spectra
            .iter()
            .map(|s| explained_variance(s)[0])
            .collect()
    }

    /// The lowest and highest of the draws' mean |r|.
    pub fn abs_r_range(&self) -> (f64, f64) {
        lowest_and_highest(self.abs_r.iter().copied())
    }

    /// The lowest and highest of [`Self::first_components`].
    pub fn first_component_range(&self) -> (f64, f64) {
        lowest_and_highest(self.first_components())
    }

    /// Where a set's first component `value` falls against the draws' range.
    pub fn place(&self, value: f64) -> &'static str {
        let (low, high) = self.first_component_range();
        if value > high {
            "above every random draw"
        } else if value < low {
            "below every random draw"
        } else {
            "within the random draws' range"
        }
    }
}

/// The lowest and highest of `values` (infinities for none).
fn lowest_and_highest(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

impl fmt::Display for RandomDraws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n{} random draws of {} tokens: top singular value {:.3} ± {:.3} (mean ± sd);\n\
             the first component holds {:.1}% of their variance on average;\n\
             mean |r| between two tokens of a draw: {:.3}–{:.3}.",
            self.spectra.len(),
            self.size,
            self.top_mean,
            self.top_sd,
            100.0 * self.first_component,
            self.abs_r_range().0,
            self.abs_r_range().1
        )
    }
}

/// Why some random spectra plunge before their last component: a set whose tokens nearly
/// coincide has singular values near 0, one fewer than the coinciding tokens (beyond the
/// notebook).
#[derive(Debug, Serialize)]
pub struct Coinciding {
    /// The random set's pairs closer than half its median pair distance: the two tokens
    /// and the distance between their vectors, nearest first.
    pub close_pairs: Vec<(String, String, f32)>,
    /// The median distance between two tokens of the random set.
    pub median_distance: f32,
    /// The random set's smallest nonzero singular value, σ_(n−1) …
    pub smallest: f32,
    /// … and its bound (4.6): its closest pair's distance over √2.
    pub bound: f32,
    /// Across the random draws: Pearson r between each draw's closest-pair distance and
    /// its smallest nonzero singular value.
    pub draws_r: f64,
    /// Whether every draw kept the bound (4.6), as it must.
    pub bound_holds: bool,
}

impl fmt::Display for Coinciding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs: Vec<String> = self
            .close_pairs
            .iter()
            .map(|(a, b, d)| format!("\"{a}\"–\"{b}\" {d:.3}"))
            .collect();
        if pairs.is_empty() {
            write!(
                f,
                "\nNo two tokens of the random set are closer than half its median pair distance ({:.3}).",
                self.median_distance
            )?;
        } else {
            write!(
                f,
                "\nTokens of the random set that nearly coincide (closer than half its median pair \
                 distance, {:.3}): {}.",
                self.median_distance,
                pairs.join(", ")
            )?;
        }
        write!(
            f,
            "\nIts smallest nonzero singular value {:.3} is at most {:.3}, its closest pair's distance / √2.\n\
             Across the random draws, each one's closest-pair distance and smallest nonzero singular value \
             correlate at r = {:.2}; the bound held in {} draw.",
            self.smallest,
            self.bound,
            self.draws_r,
            if self.bound_holds {
                "every"
            } else {
                "NOT every"
            }
        )
    }
}

/// The spectra without centring, beside the centred ones (beyond the notebook).
#[derive(Debug, Serialize)]
pub struct Uncentred {
    pub sets: Vec<UncentredSet>,
}

#[derive(Debug, Serialize)]
pub struct UncentredSet {
    pub name: String,
    /// `np.linalg.svd(X, compute_uv=False)` of the set's rows as they are.
    pub singular_values: Vec<f32>,
    /// √n‖x̄‖: what the first singular value of an uncentred set is near when its mean
    /// dominates (4.5).
    pub mean_length: f64,
    /// Fraction of the (uncentred) sum of squares in the first component …
    pub explained_first: f64,
    /// … and of the variance once centred (the notebook's).
    pub centred_explained_first: f64,
}

impl fmt::Display for Uncentred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\nWithout centring (the notebook centres first):")?;
        for set in &self.sets {
            write!(
                f,
                "\n  {}: σ₁ {:.3}, √n·‖mean‖ {:.3}; first component {:.3} of the sum of squares ({:.3} of the variance, centred)",
                set.name,
                set.singular_values[0],
                set.mean_length,
                set.explained_first,
                set.centred_explained_first
            )?;
        }
        Ok(())
    }
}

/// Sets whose members have an order (beyond the notebook): the digits and the years.
#[derive(Debug, Default, Serialize)]
pub struct OrderedSets {
    pub sets: Vec<OrderedSet>,
    /// Sets left out: their members are not distinct tokens in this model.
    pub skipped: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct OrderedSet {
    pub set: TokenSet,
    /// The centred set's singular values.
    pub singular_values: Vec<f32>,
    /// The fraction of its variance in the first component.
    pub explained_first: f64,
    /// `--draws` random sets of the same size.
    pub draws: RandomDraws,
    /// Each member's coordinate along the first right singular vector, `σ₁ U[i, 0]`.
    pub coordinates: Vec<f32>,
    /// Pearson r between the coordinates and the members' places in the set (0, 1, …).
    pub order_r: f64,
    /// The mean |r| between two of its different tokens (centred).
    pub abs_r: f64,
}

impl fmt::Display for OrderedSets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for o in &self.sets {
            let (low, high) = o.draws.first_component_range();
            write!(
                f,
                "\n{} ({} tokens): the first component holds {:.3} of the variance; {} random draws \
                 of {}: {low:.3}–{high:.3} ({}).\n  Along the first direction, in the set's order: {}\n  \
                 r between coordinate and place in the order: {:.2}\n  \
                 mean |r| between two of its tokens: {:.3} (its draws: {:.3}–{:.3})",
                o.set.name,
                o.set.ids.len(),
                o.explained_first,
                o.draws.spectra.len(),
                o.draws.size,
                o.draws.place(o.explained_first),
                o.set
                    .tokens
                    .iter()
                    .zip(&o.coordinates)
                    .map(|(t, c)| format!("{t} {c:.2}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                o.order_r,
                o.abs_r,
                o.draws.abs_r_range().0,
                o.draws.abs_r_range().1
            )?;
        }
        for name in &self.skipped {
            write!(
                f,
                "\n{name}: left out, its members are not distinct tokens in this model"
            )?;
        }
        Ok(())
    }
}

#[derive(Debug, Serialize)]
pub struct Projection {
    pub id: usize,
    /// The token as `tokenizer.decode(id)` gives it, special tokens kept (`[SEP]`).
    pub token: String,
    pub projection: f32,
    /// Whether the notebook prints it: its text is not a substring of
    /// `string.ascii_letters` (single letters and the empty string are not printed).
    pub printed: bool,
}

/// The tokens with the largest |projection| onto the top singular vector, as the notebook
/// takes them: the first `count` in descending |projection| order, of which it prints
/// those that are not part of `string.ascii_letters`.
#[derive(Debug, Serialize)]
pub struct TopProjections {
    pub set: String,
    pub top: Vec<Projection>,
}

impl fmt::Display for TopProjections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let printed = self.top.iter().filter(|p| p.printed).count();
        write!(
            f,
            "\nThe {} largest |projections| onto the top {} singular vector; {} printed, {} left out \
             as part of string.ascii_letters.\nSigns: each singular vector is flipped so that its \
             largest-magnitude entry is positive (scikit-learn's svd_flip); np.linalg.svd leaves the \
             sign to LAPACK, so the notebook may show all of them negated.",
            self.top.len(),
            self.set,
            printed,
            self.top.len() - printed
        )?;
        for p in self.top.iter().filter(|p| p.printed) {
            write!(f, "\n{:6.3} for \"{}\"", p.projection, one_line(&p.token))?;
        }
        Ok(())
    }
}

/// What makes a projection (4.4) strong: the centred vector's length, or its direction.
#[derive(Debug, Serialize)]
pub struct LengthOrDirection {
    /// The set whose direction `v₁` is.
    pub set: String,
    /// The median length `‖e_t − x̄‖` over the vocabulary.
    pub median_length: f64,
    /// The strongest projections the notebook prints, measured.
    pub strongest: Vec<Measured>,
    /// The tokens with the largest |cosine| with `v₁`: ranked by direction alone.
    pub by_cosine: Vec<Measured>,
    /// The fraction of the vocabulary that projects positively.
    pub positive: f64,
    /// The median projection over the vocabulary.
    pub median_projection: f64,
    /// The set's own tokens and their projections, largest first.
    pub members: Vec<(String, f32)>,
}

/// One token's projection (4.4) taken apart: length times cosine.
#[derive(Debug, Serialize)]
pub struct Measured {
    pub token: String,
    pub projection: f32,
    /// `‖e_t − x̄‖`.
    pub length: f32,
    /// The fraction of the vocabulary whose centred vector is shorter.
    pub shorter: f64,
    /// The cosine between `e_t − x̄` and `v₁`.
    pub cosine: f32,
}

impl LengthOrDirection {
    /// The set's tokens furthest along `v₁`, as text: `a` 0.589, `s` 0.589, ….
    fn members_text(&self, range: Range<usize>, code_span: fn(&str) -> String) -> String {
        let members = self.members[range].iter();
        let members = members.map(|(t, p)| format!("{} {p:.3}", code_span(t)));
        members.collect::<Vec<_>>().join(", ")
    }
}

impl BookNumbers for LengthOrDirection {
    fn numbers(&self) -> String {
        let row = |m: &Measured| {
            vec![
                code(&m.token),
                format!("{:.3}", m.projection),
                format!("{:.3}", m.length),
                format!("{:.0}%", 100.0 * m.shorter),
                format!("{:.3}", m.cosine),
            ]
        };
        let strongest: Vec<Vec<String>> = self.strongest.iter().map(row).collect();
        let table = markdown_table(
            &[
                "token",
                "projection",
                "length ‖e − x̄‖",
                "tokens shorter",
                "cosine with v₁",
            ],
            &strongest,
        );
        let by_cosine: Vec<String> = self
            .by_cosine
            .iter()
            .map(|m| format!("{} {:.3}", code(&m.token), m.cosine))
            .collect();
        // the six furthest along v₁ and the four at its other end, each named once
        let n = self.members.len();
        let (first, last) = (6.min(n), n.saturating_sub(4).max(6.min(n)));
        let other_end = if last < n {
            let gap = if last > first { "… " } else { "" };
            format!(
                "; at its other end: {gap}{}",
                self.members_text(last..n, code)
            )
        } else {
            String::new()
        };
        format!(
            "The strongest projections the notebook prints, each its length times its cosine \
             (the median token's length is {:.3}):\n\n{table}\nRanked by cosine alone: {}. \
             Of all tokens, {:.1}% project positively; the median projection is {:.3}. The {} \
             furthest along v₁: {}{other_end}.",
            self.median_length,
            by_cosine.join(", "),
            100.0 * self.positive,
            self.median_projection,
            self.set,
            self.members_text(0..first, code),
        )
    }
}

impl fmt::Display for LengthOrDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\nThe median token's centred length ‖e − x̄‖: {:.3}.",
            self.median_length
        )?;
        writeln!(
            f,
            "Strongest projections: projection = length × cosine with v1 (share of tokens shorter)"
        )?;
        for m in &self.strongest {
            writeln!(
                f,
                "{:6.3} = {:.3} × {:.3} ({:.0}% shorter) for \"{}\"",
                m.projection,
                m.length,
                m.cosine,
                100.0 * m.shorter,
                one_line(&m.token)
            )?;
        }
        let by_cosine: Vec<String> = self
            .by_cosine
            .iter()
            .map(|m| format!("{} {:.3}", one_line(&m.token), m.cosine))
            .collect();
        writeln!(f, "Ranked by cosine alone: {}", by_cosine.join(", "))?;
        writeln!(
            f,
            "Projections: {:.1}% positive, median {:.3}.",
            100.0 * self.positive,
            self.median_projection
        )?;
        write!(
            f,
            "The {} along v1, largest first: {}",
            self.set,
            self.members_text(0..self.members.len(), |t| one_line(t).into_owned())
        )
    }
}

impl BookNumbers for Results {
    fn numbers(&self) -> String {
        let s = &self.spectra;
        let draws = &self.random_draws;
        let rows: Vec<Vec<String>> = s
            .explained_a
            .iter()
            .zip(&s.explained_b)
            .zip(&draws.explained_mean)
            .enumerate()
            .map(|(k, ((a, b), m))| {
                vec![
                    (k + 1).to_string(),
                    format!("{a:.3}"),
                    format!("{b:.3}"),
                    format!("{m:.3}"),
                ]
            })
            .collect();
        let top: Vec<String> = self
            .top_projections
            .top
            .iter()
            .filter(|p| p.printed)
            .take(10)
            .map(|p| format!("{} ({:.3})", code(&p.token), p.projection))
            .collect();
        let first = format!("variance in first k ({})", s.set_a.name);
        let second = format!("({})", s.set_b.name);
        // Where the first set's first component falls against the random draws' range.
        let (low, high) = draws.first_component_range();
        let a = s.explained_a[0];
        let spectra = markdown_table(&["k", &first, &second, "random draws, mean"], &rows);
        let place = format!(
            "The {} set's first component holds {a:.3} of its variance; the first components of \
             the {} random draws hold {low:.3}–{high:.3}: {}, above {} of the {}.",
            s.set_a.name,
            draws.spectra.len(),
            draws.place(a),
            draws.first_components().iter().filter(|&&d| d < a).count(),
            draws.spectra.len(),
        );
        let projections = format!(
            "Strongest projections onto the top {} direction: {}.",
            s.set_a.name,
            top.join(", ")
        );
        let c = &self.coinciding;
        let pairs: Vec<String> = c
            .close_pairs
            .iter()
            .map(|(a, b, d)| format!("{} and {} ({d:.2})", code(a), code(b)))
            .collect();
        let coinciding = format!(
            "The random set's tokens closer than half its median pair distance ({:.2}): {}. Its \
             smallest nonzero singular value is {:.3}, at most its closest pair's distance over \
             √2, {:.3} (4.6). Across the {} random draws, a draw's closest-pair distance and its \
             smallest nonzero singular value correlate at r = {:.2}.",
            c.median_distance,
            if pairs.is_empty() {
                "none".to_string()
            } else {
                pairs.join(", ")
            },
            c.smallest,
            c.bound,
            draws.spectra.len(),
            c.draws_r
        );
        let uncentred_rows: Vec<Vec<String>> = self
            .uncentred
            .sets
            .iter()
            .map(|u| {
                vec![
                    u.name.clone(),
                    format!("{:.3}", u.singular_values[0]),
                    format!("{:.3}", u.mean_length),
                    format!("{:.3}", u.explained_first),
                    format!("{:.3}", u.centred_explained_first),
                ]
            })
            .collect();
        let uncentred = markdown_table(
            &[
                "set",
                "σ₁, not centred",
                "√n ‖x̄‖",
                "first component, not centred",
                "first component, centred",
            ],
            &uncentred_rows,
        );
        let ordered_rows: Vec<Vec<String>> = self
            .ordered_sets
            .sets
            .iter()
            .map(|o| {
                let (low, high) = o.draws.first_component_range();
                let (r_low, r_high) = o.draws.abs_r_range();
                vec![
                    format!("{} ({})", o.set.name, o.set.ids.len()),
                    format!("{:.3}", o.explained_first),
                    format!("{low:.3}–{high:.3}"),
                    o.draws.place(o.explained_first).to_string(),
                    format!("{:.2}", o.order_r),
                    format!("{:.3} ({r_low:.3}–{r_high:.3})", o.abs_r),
                ]
            })
            .chain(std::iter::once(vec![
                format!("{} ({})", s.set_a.name, s.set_a.ids.len()),
                format!("{a:.3}"),
                format!("{low:.3}–{high:.3}"),
                draws.place(a).to_string(),
                "".to_string(),
                format!(
                    "{:.3} ({:.3}–{:.3})",
                    self.abs_correlation_mean_off_diagonal,
                    draws.abs_r_range().0,
                    draws.abs_r_range().1
                ),
            ]))
            .collect();
        let mut ordered = markdown_table(
            &[
                "set (tokens)",
                "first component",
                &format!("{} random draws of its size", draws.spectra.len()),
                "its place",
                "r, coordinate vs place",
                "mean |r| (its draws)",
            ],
            &ordered_rows,
        );
        for name in &self.ordered_sets.skipped {
            ordered += &format!(
                "\n{name}: left out, its members are not distinct tokens in this model.\n"
            );
        }
        let (r_low, r_high) = draws.abs_r_range();
        let abs_r = format!(
            "The mean |r| between the centred vectors of two different tokens of a set (|R| \
             off its diagonal): {} {:.3}, {} {:.3}; over the {} random draws of {} below, \
             {r_low:.3}–{r_high:.3}. The brightest cells of the {}' |R|, its strongest \
             pairs: {}.",
            s.set_a.name,
            self.abs_correlation_mean_off_diagonal,
            s.set_b.name,
            self.abs_correlation_mean_off_diagonal_b,
            draws.spectra.len(),
            draws.size,
            s.set_a.name,
            self.strongest_abs_r
                .iter()
                .map(|p| p.text(code))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let opening = format!(
            "The opening figure's two vectors, `1` and `2`, correlate at r = {:.3}; between two \
             tokens of the {} set the mean |r| is {:.3}.",
            self.opening_r, s.set_b.name, self.abs_correlation_mean_off_diagonal_b
        );
        book_section("opening", "The opening figure", &opening)
            + &book_section("spectra", "The spectra", &spectra)
            + &book_section(
                "spectra_place",
                "The letters among the random draws",
                &place,
            )
            + &book_section("abs_r", "The letters’ |R|", &abs_r)
            + &book_section("projections", "Projections onto v₁", &projections)
            + &book_section(
                "length_or_direction",
                "Length or direction",
                &self.length_or_direction.numbers(),
            )
            + &book_section("coinciding", "Coinciding tokens", &coinciding)
            + &book_section("uncentred", "Without centring", &uncentred)
            + &book_section("ordered", "Sets of ordered tokens", &ordered)
    }
}
