//! Lesson 4's command line.

use std::ops::RangeInclusive;

use anyhow::Result;
use clap::Parser;
use common::LessonArgs;
use common::run::cli::{ListItem, expand, list_item};
use common::run::{Budget, Flags};

pub const DEFAULT_MODEL: &str = "bert-base-uncased";

/// The years of the `years` set: 26 of them, as many as the alphabet's letters.
pub const YEARS: RangeInclusive<u32> = 1990..=2015;

/// Lesson 4: SVD of embedding submatrices — letters against random tokens.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson04", version)]
pub struct Args {
    /// The model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub model: String,

    /// First token set (the notebook's letters): letters (a–z), digits (0–9), years
    /// (1990–2015), random (as many tokens as the other set, seeded), or a comma-separated
    /// word list (@FILE: one word per line).
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = "letters")]
    pub set_a: Vec<ListItem>,

    /// Second token set (the notebook's random tokens), in the same forms.
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = "random")]
    pub set_b: Vec<ListItem>,

    /// Random draws of the random set for the spread of its spectrum, and as many for each
    /// of the digits and the years after the notebook's cells (each is kept, drawn and
    /// reported: as many as fit in memory, checked before the work).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub draws: u64,

    /// Report the fraction of variance in the first K components.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub components: u64,

    #[command(flatten)]
    pub common: LessonArgs,
}

impl Args {
    /// The two token sets the flags name, `[--set-a, --set-b]`.
    pub fn token_sets(&self) -> [TokenSetSpec; 2] {
        [&self.set_a, &self.set_b].map(|set| TokenSetSpec::from(expand(set)))
    }

    /// What a run needs beyond its model: each random draw is kept (its spectrum and
    /// ids), drawn (a line) and reported, `--draws` of the set's size and as many of the
    /// digits' (10) and the years' (26). Measured on the BERT stand-in with sets of 26:
    /// 2.4 KB of peak memory and 2.9 KB of output per draw (76 MB and 6.7 MB at 20 draws,
    /// 100 MB and 36 MB at 10,000), estimated with a margin as 150 bytes per singular
    /// value of a draw; on disk the projections' scatter adds a point per vocabulary token
    /// (6.7 MB of figures for the BERT stand-in's 30,522). Each of the two SVDs is thin:
    /// its V in f64 and its Vt in f32, 12 bytes per entry of a width × set-size matrix.
    pub fn budget(&self) -> Budget {
        let ordered = [TokenSetSpec::Digits, TokenSetSpec::Years].map(|s| s.size().unwrap_or(0));
        let values = (self.set_size().max(2) + ordered.iter().sum::<usize>()) as u64;
        let per_draw = move |d: u64| d.saturating_mul(values).saturating_mul(150);
        Budget::none()
            .memory(
                "drawing random sets",
                "--draws",
                self.draws,
                // each set's thin SVD: V in f64 and Vt in f32, one row per token
                move |d, shape| {
                    per_draw(d).saturating_add(shape.cols.saturating_mul(values).saturating_mul(12))
                },
            )
            .disk(
                "lesson 4's output",
                "--draws",
                self.draws,
                move |d, shape| (1_000_000 + 200 * shape.rows).saturating_add(per_draw(d)),
            )
    }

    /// How many tokens each set has: a random set is as large as the other set (26, like
    /// the alphabet, when both are random).
    pub fn set_size(&self) -> usize {
        let [a, b] = self.token_sets();
        a.size().or(b.size()).unwrap_or(26)
    }
}

impl Flags for Args {
    fn check(&self) -> Result<(), String> {
        for (flag, spec) in ["--set-a", "--set-b"].into_iter().zip(self.token_sets()) {
            if let TokenSetSpec::Words(words) = spec
                && words.len() < 2
            {
                return Err(format!(
                    "{flag} `{}` has {} tokens; an SVD spectrum needs at least 2",
                    words.join(","),
                    words.len()
                ));
            }
        }
        Ok(())
    }
}

/// What a token-set flag names.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenSetSpec {
    Letters,
    Digits,
    /// The years 1990–2015 ([`YEARS`]).
    Years,
    /// As many random tokens as the other set has (seeded).
    Random,
    /// Each word's first token.
    Words(Vec<String>),
}

impl TokenSetSpec {
    /// How many tokens the set holds, known before any model loads; `None` for a random
    /// set, whose size is the other set's.
    pub fn size(&self) -> Option<usize> {
        match self {
            TokenSetSpec::Letters => Some(26),
            TokenSetSpec::Digits => Some(10),
            TokenSetSpec::Years => Some(YEARS.count()),
            TokenSetSpec::Random => None,
            TokenSetSpec::Words(words) => Some(words.len()),
        }
    }
}

impl From<Vec<String>> for TokenSetSpec {
    fn from(words: Vec<String>) -> Self {
        match words.as_slice() {
            [one] if one == "letters" => TokenSetSpec::Letters,
            [one] if one == "digits" => TokenSetSpec::Digits,
            [one] if one == "years" => TokenSetSpec::Years,
            [one] if one == "random" => TokenSetSpec::Random,
            _ => TokenSetSpec::Words(words),
        }
    }
}
