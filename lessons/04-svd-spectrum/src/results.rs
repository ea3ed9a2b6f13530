//! What lesson 4 finds, as typed values: each prints as the lesson shows it, serialises
//! into `report.json`, and the whole gives the book its numbers.

use std::fmt;

use common::analysis::svd::{Svd, explained_variance};
use common::run::report::{BookNumbers, code, markdown_table};
use common::run::text::one_line;
use serde::Serialize;

/// Everything lesson 4 reports.
#[derive(Debug, Serialize)]
pub struct Results {
    pub spectra: Spectra,
    pub random_draws: RandomDraws,
    pub top_projections: TopProjections,
    pub abs_correlation_mean_off_diagonal: f64,
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
/// letters' U, s and Vh.
pub struct SvdSizes<'a> {
    pub embeddings: [usize; 2],
    pub svd: &'a Svd,
}

impl fmt::Display for SvdSizes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [rows, cols] = self.embeddings;
        writeln!(f, "Embeddings is size ({rows}, {cols})")?;
        writeln!(f, "U  is size {:?}", self.svd.u.shape_tuple())?;
        writeln!(f, "s  is size ({},)", self.svd.s.len())?;
        write!(f, "Vh is size {:?}", self.svd.vt.shape_tuple())
    }
}

/// How alike the set's vectors are on average: the mean |r| off the diagonal of the
/// figure's |R|.
pub struct MeanOffDiagonal(pub f64);

impl fmt::Display for MeanOffDiagonal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\nMean |r| between different tokens of the set: {:.3}",
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
    pub top_mean: f64,
    pub top_sd: f64,
    /// Mean fraction of variance in the first 1…K components.
    pub explained_mean: Vec<f64>,
}

impl fmt::Display for RandomDraws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n{} random draws of {} tokens: top singular value {:.3} ± {:.3} (mean ± sd);\n\
             the first component holds {:.1}% of their variance on average.",
            self.spectra.len(),
            self.size,
            self.top_mean,
            self.top_sd,
            100.0 * self.first_component
        )
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

impl BookNumbers for Results {
    fn numbers(&self) -> String {
        let s = &self.spectra;
        let rows: Vec<Vec<String>> = s
            .explained_a
            .iter()
            .zip(&s.explained_b)
            .zip(&self.random_draws.explained_mean)
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
        // Where the first set's first component falls against the random draws' band.
        let firsts: Vec<f64> = self
            .random_draws
            .spectra
            .iter()
            .map(|s| explained_variance(s)[0])
            .collect();
        let low = firsts.iter().copied().fold(f64::INFINITY, f64::min);
        let high = firsts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let a = s.explained_a[0];
        let place = if a > high {
            "above every random draw"
        } else if a < low {
            "below every random draw"
        } else {
            "within the random draws' range"
        };
        format!(
            "{}\nThe {} set's first component holds {a:.3} of its variance; the first components of \
             the {} random draws hold {low:.3}–{high:.3}: {place}.\n\n\
             Strongest projections onto the top {} direction: {}.\n",
            markdown_table(&["k", &first, &second, "random draws, mean"], &rows),
            s.set_a.name,
            firsts.len(),
            s.set_a.name,
            top.join(", ")
        )
    }
}
