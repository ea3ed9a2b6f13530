//! Lesson 3's command line.

use anyhow::Result;
use clap::Parser;
use common::LessonArgs;
use common::run::cli::{ListItem, expand, list_item};
use common::run::{Budget, Flags, LargeModels, ModelPairArgs};

pub const DEFAULT_MODELS: &str = "gpt2,gpt2-medium,bert-base-uncased,bert-large-uncased";
pub const DEFAULT_WORDS: &str = "space,spaceship,planet,moon,star,galaxy,chair,table,couch,stool,floor,desk,apple,banana,pear,orange,peach,grape";

/// Lesson 3: RSA — compare how BERT and GPT-2 arrange the same words, then compare models
/// of different widths the same way.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson03", version)]
pub struct Args {
    #[command(flatten)]
    pub pair: ModelPairArgs<LargeModels>,

    /// The words to compare, comma-separated (@FILE: one per line); at least 3.
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = DEFAULT_WORDS)]
    pub words: Vec<ListItem>,

    /// Models for part 4 (RSA between every pair, whatever their widths), comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = DEFAULT_MODELS)]
    pub models: Vec<ListItem>,

    /// Label shuffles in the permutation test of the RSA score (0 to skip it), at most a
    /// million: N shuffles resolve p to 1/(N+1).
    #[arg(long, default_value_t = 1000, value_parser = permutations)]
    pub permutations: usize,

    #[command(flatten)]
    pub common: LessonArgs,
}

impl Args {
    /// What a run needs beyond its models: an n×n similarity matrix per model, and the
    /// triangles, ranks and shuffles of two, for n words.
    pub fn budget(&self) -> Budget {
        let matrices = expand(&self.models).len() as u64 + 2;
        let words = expand(&self.words).len() as u64;
        Budget::none().memory("RSA", "--words", words, move |n, _| {
            n.saturating_mul(n).saturating_mul(4 * (matrices + 2) + 8)
        })
    }
}

/// The most shuffles: a p-value from N of them cannot go below 1/(N+1), so a million
/// already resolve p to 1e-6, past any threshold it is read against; more only cost time.
pub const MAX_PERMUTATIONS: usize = 1_000_000;

/// Word pairs the permutation test may compare in all (shuffles × pairs of words): about
/// a minute here (each pair is gathered and correlated once per shuffle).
pub const MAX_SHUFFLED_PAIRS: u64 = 10_000_000_000;

/// `--permutations`: a whole number up to [`MAX_PERMUTATIONS`].
fn permutations(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n <= MAX_PERMUTATIONS => Ok(n),
        Ok(n) => Err(format!(
            "must be at most {MAX_PERMUTATIONS}, got {n}: N shuffles resolve the p-value to 1/(N+1), so a million already resolve it to 1e-6"
        )),
        Err(e) => Err(format!("not a whole number up to {MAX_PERMUTATIONS} ({e})")),
    }
}

impl Flags for Args {
    fn check(&self) -> Result<(), String> {
        let words = expand(&self.words).len();
        if words < 3 {
            return Err(format!(
                "RSA needs at least 3 words, got {words}; pass more to --words"
            ));
        }
        // The test's time grows with shuffles × word pairs: bounded before any work.
        let pairs = (words as u64) * (words as u64 - 1) / 2;
        let shuffled = pairs.saturating_mul(self.permutations as u64);
        if shuffled > MAX_SHUFFLED_PAIRS {
            return Err(format!(
                "--permutations {} with {words} words compares {shuffled:.1e} word pairs, past the {MAX_SHUFFLED_PAIRS:.0e} (about a minute) the permutation test allows; the largest --permutations for {words} words is {}",
                self.permutations,
                MAX_SHUFFLED_PAIRS / pairs
            ));
        }
        let models = expand(&self.models).len();
        if models < 2 {
            return Err(format!(
                "--models needs at least two models to compare, got {models}"
            ));
        }
        Ok(())
    }
}
