//! Lesson 3's command line.

use clap::Parser;
use common::LessonArgs;
use common::run::cli::{ListItem, check_shuffled_pairs, expand, list_item, permutations_up_to};
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
    #[arg(long, default_value_t = 1000, value_parser = permutations_up_to(1_000_000, "N shuffles resolve the p-value to 1/(N+1), so a million already resolve it to 1e-6"))]
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

impl Flags for Args {
    fn check(&self) -> Result<(), String> {
        let words = expand(&self.words).len();
        if words < 3 {
            return Err(format!(
                "RSA needs at least 3 words, got {words}; pass more to --words"
            ));
        }
        check_shuffled_pairs(words as u64, self.permutations, "words")?;
        let models = expand(&self.models).len();
        if models < 2 {
            return Err(format!(
                "--models needs at least two models to compare, got {models}"
            ));
        }
        Ok(())
    }
}
