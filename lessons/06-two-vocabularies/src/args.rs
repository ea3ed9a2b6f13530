//! Lesson 6's command line.

use clap::Parser;
use common::LessonArgs;
use common::run::Flags;
use common::run::budget::Budget;
use common::run::cli::{
    ListItem, check_shuffled_pairs, expand, list_item, permutations_up_to, positive,
};

/// The course's two models: the BERT of lessons 1 and 2, and GPT-2.
pub const DEFAULT_A: &str = "bert-base-uncased";
pub const DEFAULT_B: &str = "gpt2";
/// Lesson 3's 18 words, compared once more as one subset of the shared tokens.
pub const LESSON3_WORDS: &str = "space,spaceship,planet,moon,star,galaxy,chair,table,couch,stool,floor,desk,apple,banana,pear,orange,peach,grape";

/// Lesson 6: two models, one vocabulary — compare two models' whole vocabularies, token
/// by token, over the tokens they share.
#[derive(Parser, Clone, Debug)]
#[command(name = "lesson06", version)]
pub struct Args {
    /// The first model: a Hugging Face repo id, a local directory with its files, or a
    /// local .gguf file.
    #[arg(long, default_value = DEFAULT_A)]
    pub a: String,

    /// The second model, named the same ways.
    #[arg(long, default_value = DEFAULT_B)]
    pub b: String,

    /// Match token text in lower case, so an uncased vocabulary meets a cased one's
    /// capitalised tokens too (case is kept by default).
    #[arg(long)]
    pub fold_case: bool,

    /// Shuffles of the token correspondence in each permutation test (0 to skip them), at
    /// most 10,000: the smallest p-value N shuffles can give is 1/(N+1), and each shuffle
    /// recomputes CKA over every shared token.
    #[arg(long, default_value_t = 100, value_parser = permutations_up_to(10_000, "each shuffle recomputes CKA over every shared token, and N shuffles resolve the p-value to 1/(N+1)"))]
    pub permutations: usize,

    /// Shared tokens in the RSA sample: every pair of them is compared, as lesson 3
    /// compares its 18 words.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(3..=20_000))]
    pub rsa_tokens: u64,

    /// Random subsets drawn at each size (100, 1,000 and 10,000 shared tokens).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub draws: u64,

    /// Words compared as one more subset (lesson 3's by default): each as a word-initial
    /// token; words that are not a shared token are named and left out.
    #[arg(long, value_delimiter = ',', value_parser = list_item, default_value = LESSON3_WORDS)]
    pub words: Vec<ListItem>,

    /// Neighbours per token: the agreement compares each token's k nearest in both
    /// models, and CSLS measures hubness over k neighbours.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub k: u64,

    /// t-SNE perplexity of the two maps of compare.html.
    #[arg(long, default_value_t = 30.0, value_parser = positive)]
    pub perplexity: f64,

    /// t-SNE iterations of each map (the first 250 with early exaggeration).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(251..=10_000))]
    pub iterations: u64,

    /// Shared tokens on the maps: all of them by default, else a seeded sample of N (the
    /// numbers are always over all shared tokens).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(100..))]
    pub map_tokens: Option<u64>,

    #[command(flatten)]
    pub common: LessonArgs,
}

impl Args {
    /// `--words`, files expanded.
    pub fn words(&self) -> Vec<String> {
        expand(&self.words)
    }

    /// What a run takes beyond its two models, sized by the larger model's shape (no more
    /// tokens can be shared than it has rows).
    pub fn budget(&self) -> Budget {
        Budget::none()
            // Two m × m similarity matrices, their triangles, Spearman's ranks and a
            // shuffled triangle: about 28 bytes per pair.
            .memory("the RSA sample", "--rsa-tokens", self.rsa_tokens, |m, _| {
                m.saturating_mul(m).saturating_mul(28)
            })
            // t-SNE keeps 3·perplexity + 1 neighbours of each token on a map (lesson 5's
            // estimate); the two maps are drawn one after the other.
            .memory(
                "t-SNE's neighbour lists",
                "--perplexity",
                self.perplexity.ceil() as u64,
                |p, shape| shape.rows.saturating_mul(3 * p + 1).saturating_mul(40),
            )
            // Measured on the stand-ins: compare-data.js 233 bytes and report.json 45
            // bytes per shared token, figures about 0.5 MB; with a margin.
            .disk(
                "compare.html's data",
                "--map-tokens",
                self.map_tokens.unwrap_or(u64::MAX),
                |n, shape| 1_500_000u64.saturating_add(n.min(shape.rows).saturating_mul(400)),
            )
    }
}

impl Flags for Args {
    fn check(&self) -> Result<(), String> {
        if self.a == self.b {
            return Err(format!(
                "--a and --b both name {}: a model compared with itself agrees with itself everywhere; name two models (or two copies, to see what perfect agreement looks like)",
                self.a
            ));
        }
        check_shuffled_pairs(self.rsa_tokens, self.permutations, "RSA tokens")?;
        if let Some(n) = self.map_tokens
            && self.perplexity >= n as f64
        {
            return Err(format!(
                "--perplexity must be below the map's tokens (--map-tokens {n}), got {}",
                self.perplexity
            ));
        }
        Ok(())
    }
}
