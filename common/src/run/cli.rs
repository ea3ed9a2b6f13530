//! What every lesson's command line shares: the common flags, list flags, range checks,
//! and how a lesson starts and ends.
//!
//! Conventions, the same in every lesson: a list is one flag with comma-separated values
//! (`--words ring,beauty`), where an element `@FILE` stands for the lines of FILE; every
//! flag is checked by clap before any model loads, so a bad flag is a usage error (exit
//! 2); an error while running is one line on stderr (exit 1).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::analysis::neighbours::Metric;
use crate::analysis::tsne::Method;
use crate::pair::Pair;
use crate::tensor::Backend;

/// Lets clap parse an enum of a lower layer, which knows nothing of command lines: each
/// variant's name on the command line and its line in `--help`.
macro_rules! flag_values {
    ($type:ident { $($variant:ident => $name:literal: $help:literal),+ $(,)? }) => {
        impl clap::ValueEnum for $type {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($type::$variant),+]
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(match self {
                    $($type::$variant => clap::builder::PossibleValue::new($name).help($help)),+
                })
            }
        }
    };
}

flag_values!(Backend {
    Flex => "flex": "burn's maintained pure-Rust CPU backend",
    Ndarray => "ndarray": "burn's ndarray CPU backend (deprecated upstream; kept for comparison)",
    Wgpu => "wgpu": "the GPU: Vulkan, Metal, DX12 or OpenGL, or a software rasteriser",
});

flag_values!(Metric {
    Euclidean => "euclidean": "straight-line distance between the vectors",
    Cosine => "cosine": "one minus the cosine of the angle between them",
});

flag_values!(Method {
    BarnesHut => "barnes-hut": "scikit-learn's default: a Barnes-Hut quadtree",
    Exact => "exact": "scikit-learn's method=\"exact\": every pair",
    Fft => "fft": "openTSNE's FFT interpolation, for whole vocabularies",
});

/// Flags common to all lessons.
#[derive(clap::Args, Clone, Debug)]
pub struct LessonArgs {
    /// Seed for every random choice the lesson makes: the same seed gives the same results.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Tensor backend: flex (CPU, burn's maintained one), ndarray (CPU, deprecated upstream)
    /// or wgpu (GPU; Mesa's software drivers on machines without one).
    #[arg(long, value_enum, default_value_t = Backend::Flex)]
    pub backend: Backend,

    /// Use the offline stand-in models instead of the course models from the Hugging Face
    /// Hub (prepared on first use; the README explains what they are).
    #[arg(long)]
    pub standin: bool,

    /// Which GGUF file to read when a model's repo or directory holds several (by default
    /// the one whose name says the highest precision: F32, F16, BF16, Q8_0, Q6_K, …).
    #[arg(long, value_name = "FILE")]
    pub gguf_file: Option<String>,

    /// Directory for figures (SVG and PNG), report.json and numbers.md [default: out/<lesson>/]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl LessonArgs {
    /// The output directory: `--out`, else `out/<lesson>/`. [`crate::run::output::Staged`]
    /// checks it before any work.
    pub fn out_path(&self, lesson: &str) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| PathBuf::from("out").join(lesson))
    }
}

/// The BERT/GPT pair of models a lesson compares, as the notebook names them.
pub trait CourseModels: Clone + std::fmt::Debug + Send + Sync + 'static {
    const BERT: &'static str;
    const GPT: &'static str;
}

/// The models of notebooks 1 and 2: `bert-base-uncased` and `gpt2`.
#[derive(Clone, Debug)]
pub struct BaseModels;

impl CourseModels for BaseModels {
    const BERT: &'static str = "bert-base-uncased";
    const GPT: &'static str = "gpt2";
}

/// The models of notebook 3: `bert-large-uncased` and `gpt2-medium`.
#[derive(Clone, Debug)]
pub struct LargeModels;

impl CourseModels for LargeModels {
    const BERT: &'static str = "bert-large-uncased";
    const GPT: &'static str = "gpt2-medium";
}

/// The `--bert` and `--gpt` flags, defaulting to the lesson's course models `M`.
#[derive(clap::Args, Clone, Debug)]
pub struct ModelPairArgs<M: CourseModels> {
    /// BERT-family model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = M::BERT)]
    pub bert: String,

    /// GPT-family model: a Hugging Face repo id or a local directory with its files.
    #[arg(long, default_value = M::GPT)]
    pub gpt: String,

    #[arg(skip)]
    course: std::marker::PhantomData<M>,
}

impl<M: CourseModels> ModelPairArgs<M> {
    /// Each flag's value with its course default, as [`crate::Session::load_pair`] takes them.
    pub fn requests(&self) -> Pair<(&str, &str)> {
        Pair::new((self.bert.as_str(), M::BERT), (self.gpt.as_str(), M::GPT))
    }

    /// What tables and figures call the loaded `models`: the notebook's names for the
    /// course models, family and own name for any other.
    pub fn labels(&self, models: Pair<&crate::Model>) -> Pair<String> {
        crate::plot::model_labels(models, Pair::new(M::BERT, M::GPT))
    }
}

/// A lesson's flags: clap checks each flag; `check` checks what one flag alone cannot
/// (one flag against another), still before any model loads.
pub trait Flags: clap::Parser {
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A lesson's `main`: parses and checks the flags (a bad one is a one-line usage error,
/// exit 2), runs the lesson, and turns an error into one line on stderr and exit status 1.
pub fn main<A: Flags, R>(run: impl FnOnce(&A) -> Result<R>) -> ExitCode {
    crate::run::allocator::fit_address_space_limit();
    crate::run::allocator::give_back_large_blocks();
    let parsed = A::try_parse().and_then(|args| match args.check() {
        Ok(()) => Ok(args),
        Err(message) => Err(A::command().error(clap::error::ErrorKind::ValueValidation, message)),
    });
    match parsed {
        Ok(args) => finish(run(&args).map(|_| ())),
        Err(error) => usage_error(error),
    }
}

/// `--help` and `--version` as clap prints them; any other flag error on one line: clap's
/// message and the details under it, without its usage block and hint, pointing at
/// `--help`, with exit status 2.
fn usage_error(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit();
    }
    let rendered = error.render().to_string();
    let mut line = rendered
        .lines()
        .next()
        .unwrap_or("error: invalid flags")
        .to_string();
    // What clap says below its error names the fix ("[possible values: flex, ndarray,
    // wgpu]", "tip: a similar argument exists: '--words'"): kept, inline; its usage block
    // and hint are what --help shows.
    for detail in rendered
        .lines()
        .skip(1)
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
    {
        match detail.strip_prefix("tip: ") {
            Some(tip) => line.push_str(&format!(" ({tip})")),
            None => line.push_str(&format!(" {detail}")),
        }
    }
    eprintln!("{}; see --help", crate::text::one_line(&line));
    ExitCode::from(2)
}

/// Ends a run: an error becomes one line on stderr (unprintable characters and line
/// breaks escaped, so a word in it cannot break the line) and exit status 1.
pub fn finish(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", crate::text::one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// One element of a list flag: a value, or `@FILE` for the non-empty lines of FILE (read
/// while the flags are parsed, so an unreadable file is a usage error).
#[derive(Clone, Debug, PartialEq)]
pub struct ListItem(Vec<String>);

/// clap's parser for [`ListItem`]: `#[arg(value_delimiter = ',', value_parser = list_item)]`.
pub fn list_item(text: &str) -> Result<ListItem, String> {
    match text.strip_prefix('@') {
        Some(path) => {
            let content = read_list_file(path)?;
            Ok(ListItem(
                content
                    .lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(str::to_string)
                    .collect(),
            ))
        }
        None => Ok(ListItem(vec![text.trim().to_string()])),
    }
}

/// The most a list file may hold: far more words than any lesson can use, and a bound
/// on what an endless file (`/dev/zero`, a pipe) can make a lesson read.
pub const LIST_FILE_LIMIT: u64 = 16 << 20;

/// A list file's text, read up to [`LIST_FILE_LIMIT`] bytes.
pub fn read_list_file(path: &str) -> Result<String, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read the list file {path} ({e})");
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(LIST_FILE_LIMIT + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > LIST_FILE_LIMIT {
        return Err(format!(
            "the list file {path} holds more than {} MiB (or never ends); pass a shorter list",
            LIST_FILE_LIMIT >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("the list file {path} is not UTF-8 text"))
}

/// The values of a list flag, files expanded, empty values left out.
pub fn expand(items: &[ListItem]) -> Vec<String> {
    items
        .iter()
        .flat_map(|item| item.0.iter())
        .filter(|value| !value.is_empty())
        .cloned()
        .collect()
}

/// clap's parser for a number that must be positive and finite (a radius, a perplexity).
pub fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        Ok(v) => Err(format!("must be a positive number, got {v}")),
        Err(e) => Err(format!("not a number ({e})")),
    }
}

/// `--permutations`: a parser of a whole number up to `max`, where `why` says what bounds
/// it. A p-value from N shuffles cannot go below 1/(N+1), so past some N more only cost
/// time.
pub fn permutations_up_to(
    max: usize,
    why: &'static str,
) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync + 'static {
    move |text| match text.parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        Ok(n) => Err(format!("must be at most {max}, got {n}: {why}")),
        Err(e) => Err(format!("not a whole number up to {max} ({e})")),
    }
}

/// Pairs a permutation test of two similarity triangles may compare in all (shuffles ×
/// pairs): about a minute here (each pair is gathered and correlated once per shuffle).
pub const MAX_SHUFFLED_PAIRS: u64 = 10_000_000_000;

/// Refuses a permutation test of the similarity triangles of `items` things (`noun`)
/// whose shuffles × pairs pass [`MAX_SHUFFLED_PAIRS`], naming the largest
/// `--permutations` that fits: the test's time grows with both, so it is bounded before
/// any work.
pub fn check_shuffled_pairs(items: u64, permutations: usize, noun: &str) -> Result<(), String> {
    let pairs = items.saturating_mul(items.saturating_sub(1)) / 2;
    let shuffled = pairs.saturating_mul(permutations as u64);
    if shuffled > MAX_SHUFFLED_PAIRS {
        return Err(format!(
            "--permutations {permutations} with {items} {noun} compares {shuffled:.1e} pairs, past the {MAX_SHUFFLED_PAIRS:.0e} (about a minute) the permutation test allows; the largest --permutations for {items} {noun} is {}",
            MAX_SHUFFLED_PAIRS / pairs
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_expand_files_and_drop_empty_values() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("words.txt");
        std::fs::write(&file, "moon\n\n star \n").unwrap();
        let items = [
            list_item("sun").unwrap(),
            list_item(&format!("@{}", file.display())).unwrap(),
            list_item(" ").unwrap(),
        ];
        assert_eq!(expand(&items), ["sun", "moon", "star"]);
        assert!(
            list_item("@/no/such/file")
                .unwrap_err()
                .contains("cannot read")
        );
    }

    #[test]
    fn an_endless_list_file_is_refused_after_the_limit() {
        if !std::path::Path::new("/dev/zero").exists() {
            return;
        }
        let error = list_item("@/dev/zero").unwrap_err();
        assert!(error.contains("more than 16 MiB"), "{error}");
    }

    #[test]
    fn positive_refuses_zero_negative_and_nan() {
        assert_eq!(positive("7"), Ok(7.0));
        for bad in ["0", "-1", "NaN", "inf", "seven"] {
            assert!(positive(bad).is_err(), "{bad}");
        }
    }
}
