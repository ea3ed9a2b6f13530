//! A model, as the lessons see it: its tokenizer and its token-embedding matrix.
//!
//! A model is named by a Hub repo id (`gpt2`, `bert-base-uncased`, `owner/name`) or a local
//! directory holding the same files. Only the embedding tensor is read from the weights.

pub mod architecture;
pub mod files;
pub mod gguf;
pub mod hub;
pub mod module_tree;
pub mod standins;
pub mod token_kinds;
pub mod tokenizer;
pub mod weights;
pub mod word_tokens;

use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;

use crate::tensor::Matrix;
pub use files::ModelFiles;
use files::{HubUnreachable, locate, locate_with_gguf};
use hub::Hub;
use tokenizer::TokenizerModel;

pub use architecture::{Architecture, architecture};
pub use word_tokens::{display_text, first_token, token_text, word_ids};

/// A loaded model: tokenizer and token-embedding matrix. Cheap to clone (the matrix and
/// the tokenizer are shared).
#[derive(Clone)]
pub struct Model {
    pub files: ModelFiles,
    pub tokenizer: TokenizerModel,
    pub embeddings: Matrix,
}

impl Model {
    pub fn load(files: ModelFiles) -> Result<Self> {
        let (tokenizer, embeddings) = rayon::join(
            || TokenizerModel::load(&files.tokenizer),
            || files.checkpoint.read_matrix(&files.embedding_tensor),
        );
        let (tokenizer, embeddings) = (tokenizer?, embeddings?);
        // llama.cpp requires one embedding row per token; a GGUF that differs is broken.
        if let weights::Checkpoint::Gguf(gguf) = &files.checkpoint
            && tokenizer.vocab_size() != embeddings.rows()
        {
            anyhow::bail!(
                "{} has {} tokens but {} has {} rows; the file is inconsistent",
                gguf.path.display(),
                tokenizer.vocab_size(),
                files.embedding_tensor,
                embeddings.rows()
            );
        }
        if embeddings.rows() == 0 || embeddings.cols() == 0 {
            anyhow::bail!(
                "{}: {} has shape [{}, {}]; an embedding matrix needs at least one row and one column: the file is damaged or not a model's",
                files.name,
                files.embedding_tensor,
                embeddings.rows(),
                embeddings.cols()
            );
        }
        // A token id past the matrix would have no vector: the map would draw fewer tokens
        // than asked and a lesson would name tokens nobody typed. Refused here, for every
        // format (more rows than tokens is common: matrices are padded).
        if tokenizer.id_count() > embeddings.rows() {
            anyhow::bail!(
                "{}: the tokenizer has {} token ids but {} has {} rows, so ids from {} up have no vector; the tokenizer and the weights are not of one model",
                files.name,
                tokenizer.id_count(),
                files.embedding_tensor,
                embeddings.rows(),
                embeddings.rows()
            );
        }
        // A NaN, an infinity or a value whose square overflows f32 would turn every
        // distance, mean and correlation that touches its row into nonsense: refused here,
        // once (the squared norms are kept for the neighbour searches).
        if let Some(row) = embeddings
            .squared_norms()
            .iter()
            .position(|n| !n.is_finite())
        {
            anyhow::bail!(
                "{}: row {row} of {} holds a value that is NaN, infinite or too large to measure distances with (|x| above 1.8e19); the file is damaged: replace it (a Hub download: delete it from the cache and run again)",
                files.name,
                files.embedding_tensor
            );
        }
        Ok(Self {
            files,
            tokenizer,
            embeddings,
        })
    }

    /// The ids of the vocabulary's text tokens, in id order: every token with an
    /// embedding row but the special ones (`<|endoftext|>`, `[PAD]`), which the notebooks'
    /// "first tokens" do not mean.
    pub fn text_token_ids(&self) -> Vec<usize> {
        let vocab = self.tokenizer.vocab_size().min(self.embeddings.rows());
        let special = self.tokenizer.special_ids();
        (0..vocab)
            .filter(|&id| !special.contains(&(id as u32)))
            .collect()
    }

    /// The name to show: the repo id, or for a stand-in what it is and what it stands in
    /// for ("all-MiniLM-L6-v2 (stand-in for bert-base-uncased)"; "all-MiniLM-L6-v2 → 1024
    /// (SYNTHETIC stand-in for bert-large-uncased)" for one mapped to another width). Its
    /// local repo id ("standin/bert-base-uncased") would read as the model it replaces.
    pub fn label(&self) -> String {
        let Some(info) = &self.files.standin else {
            return self.files.name.clone();
        };
        if info.synthetic {
            let width = self.embeddings.cols();
            let from = info.source_model();
            format!(
                "{from} → {width} (SYNTHETIC stand-in for {})",
                info.stands_in_for
            )
        } else {
            format!(
                "{} (stand-in for {})",
                info.source_model(),
                info.stands_in_for
            )
        }
    }

    pub fn is_standin(&self) -> bool {
        self.files.standin.is_some()
    }
}

/// How a lesson asks for a model.
#[derive(Clone, Copy, Debug)]
pub struct ModelRequest<'a> {
    pub name: &'a str,
    /// The course's own default: only these fall back to stand-ins when the Hub is unreachable.
    pub is_course_default: bool,
    /// `--standin`: use the stand-in without trying the Hub (a local directory is still
    /// used as given).
    pub force_standin: bool,
    /// `--gguf-file`: which GGUF file of a repo or directory holding several to read.
    pub gguf_file: Option<&'a str>,
}

impl<'a> ModelRequest<'a> {
    /// A model flag's value; `course_default` is that flag's default (the notebook's model).
    pub fn new(name: &'a str, course_default: &str, force_standin: bool) -> Self {
        Self {
            name,
            is_course_default: name == course_default,
            force_standin,
            gguf_file: None,
        }
    }
}

/// Loads a lesson's models: from the HF cache or the Hub, or the offline stand-ins when
/// asked to, or when a course default cannot be had because the Hub is unreachable.
///
/// Every model is located before any is loaded, so a mistyped name fails at once.
pub fn load_for_lesson(requests: &[ModelRequest]) -> Result<Vec<Model>> {
    load_located(locate_for_lesson(requests)?)
}

/// Finds (downloading if needed) the files of each requested model, without reading their
/// matrices: what loading them will take can be known first ([`matrix_shapes`]).
pub fn locate_for_lesson(requests: &[ModelRequest]) -> Result<Vec<ModelFiles>> {
    let hub = Hub::from_env();
    let mut located = Vec::with_capacity(requests.len());
    for request in requests {
        let standin = request.force_standin && !Path::new(request.name).exists();
        let files = if standin {
            locate_standin(request.name)?
        } else {
            match locate_with_gguf(request.name, &hub, request.gguf_file) {
                Ok(files) => files,
                Err(e)
                    if request.is_course_default
                        && e.downcast_ref::<HubUnreachable>().is_some() =>
                {
                    if let Some(HubUnreachable { model, detail }) =
                        e.downcast_ref::<HubUnreachable>()
                    {
                        eprintln!(
                            "note: `{model}` is not in the Hugging Face cache and the Hub is unreachable ({detail}): using its offline stand-in"
                        );
                    }
                    locate_standin(request.name)?
                }
                Err(e) => return Err(e),
            }
        };
        located.push(files);
    }
    Ok(located)
}

/// Loads located models side by side. One model named twice (the same files under two
/// flags, as when a lesson compares a model with itself) is loaded once and shared, each
/// copy keeping the name it was asked for.
pub fn load_located(located: Vec<ModelFiles>) -> Result<Vec<Model>> {
    let first = first_of_each(&located);
    let unique: Vec<usize> = (0..located.len()).filter(|&i| first[i] == i).collect();
    // Parsing a tokenizer.json takes longer than mapping a matrix: load models side by side.
    let loaded: Vec<Model> = unique
        .par_iter()
        .map(|&i| Model::load(located[i].clone()))
        .collect::<Result<_>>()?;
    Ok(located
        .into_iter()
        .zip(first)
        .map(|(files, first)| {
            let at = unique.iter().position(|&u| u == first).unwrap_or(0);
            Model {
                files,
                ..loaded[at].clone()
            }
        })
        .collect())
}

/// `[rows, cols]` of each distinct embedding matrix among `located`, from the files'
/// headers: what loading them will hold (as f32), known before any is read.
pub fn matrix_shapes(located: &[ModelFiles]) -> Result<Vec<[usize; 2]>> {
    let first = first_of_each(located);
    located
        .iter()
        .zip(first.iter().enumerate())
        .filter(|(_, (i, first))| i == *first)
        .map(|(files, _)| files.checkpoint.matrix_shape(&files.embedding_tensor))
        .collect()
}

/// For each located model, the index of the first one with the same matrix and tokenizer
/// files (itself, if none before it has them).
fn first_of_each(located: &[ModelFiles]) -> Vec<usize> {
    let keys: Vec<Option<String>> = located.iter().map(same_files).collect();
    (0..keys.len())
        .map(|i| {
            keys[..i]
                .iter()
                .position(|k| k.is_some() && *k == keys[i])
                .unwrap_or(i)
        })
        .collect()
}

/// What makes two located models one: the file holding the embedding matrix and the
/// tokenizer's file (each by device and inode, so a hard link is the same file), and the
/// tensor's name. `None` when a file cannot be examined (then it is loaded on its own).
fn same_files(files: &ModelFiles) -> Option<String> {
    use tokenizer::TokenizerFiles;
    let tokenizer = match &files.tokenizer {
        TokenizerFiles::Json(path)
        | TokenizerFiles::BytePairs { vocab: path, .. }
        | TokenizerFiles::WordPiece { vocab: path, .. } => path.clone(),
        TokenizerFiles::Gguf(gguf) => gguf.path.clone(),
    };
    let matrix = files.checkpoint.file_of(&files.embedding_tensor).ok()?;
    Some(format!(
        "{} {} {}",
        file_identity(&matrix)?,
        file_identity(&tokenizer)?,
        files.embedding_tensor
    ))
}

#[cfg(unix)]
fn file_identity(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some(format!("{}:{}", meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_identity(path: &Path) -> Option<String> {
    Some(std::fs::canonicalize(path).ok()?.display().to_string())
}

/// The stand-in for `name`; it says it is one even when its `STANDIN.json` is gone.
fn locate_standin(name: &str) -> Result<ModelFiles> {
    let hub = standins::ensure()?;
    let repo = standins::standin_for(name);
    let mut files = locate(repo, &hub)?;
    files.standin.get_or_insert_with(|| standins::info(repo));
    Ok(files)
}
