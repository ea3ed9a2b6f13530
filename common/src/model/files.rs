//! Finding a model's files: its config, tokenizer and the checkpoint holding its
//! token-embedding tensor, in a local directory or the Hugging Face cache, downloading
//! what is missing; a damaged cached file is fetched again when the Hub can be reached.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use super::gguf::{EMBEDDING_TENSOR, Gguf};
use super::hub::{FetchError, Hub, validate_file_name, validate_repo_id};
use super::standins::StandinInfo;
use super::tokenizer::TokenizerFiles;
use super::weights::{Checkpoint, find_embedding_name, read_header};

/// The files of one model on local disk.
#[derive(Clone, Debug)]
pub struct ModelFiles {
    /// The name the user gave (repo id or directory).
    pub name: String,
    pub config: Option<PathBuf>,
    pub tokenizer: TokenizerFiles,
    pub checkpoint: Checkpoint,
    /// The embedding tensor's name in the checkpoint.
    pub embedding_tensor: String,
    /// Present when the files are an offline stand-in.
    pub standin: Option<StandinInfo>,
}

/// The hub could not be reached and the model is not cached: the one failure for which a
/// lesson may fall back to the stand-ins.
#[derive(Debug)]
pub struct HubUnreachable {
    pub model: String,
    pub detail: String,
}

impl std::fmt::Display for HubUnreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "model `{}` is not in the Hugging Face cache and the Hub is unreachable ({}); connect to the internet, or run with --standin",
            self.model, self.detail
        )
    }
}

impl std::error::Error for HubUnreachable {}

/// Where a model's files come from.
enum Source<'a> {
    Dir(&'a Path),
    /// `partial` is set when a file was missing from the cache with the Hub unreachable.
    Repo {
        hub: &'a Hub,
        id: &'a str,
        partial: std::cell::Cell<bool>,
    },
}

impl Source<'_> {
    /// `file` on disk, or `None` when the model has no such file.
    fn get(&self, file: &str) -> Result<Option<PathBuf>> {
        match self {
            Source::Dir(dir) => {
                validate_file_name(file)?;
                let path = dir.join(file);
                Ok(path.is_file().then_some(path))
            }
            Source::Repo { hub, id, partial } => match hub.fetch(id, file) {
                Ok(path) => Ok(Some(path)),
                Err(e) => absent(partial, id, file, e).map(|()| None),
            },
        }
    }

    /// `file`, checked by `validate`. A damaged copy in the cache (an interrupted or
    /// corrupted download) is fetched again when the Hub can be reached; otherwise the
    /// damage is the error.
    fn get_valid(
        &self,
        file: &str,
        validate: impl Fn(&Path) -> Result<()>,
    ) -> Result<Option<PathBuf>> {
        self.get_read(file, |path| validate(path).map(|()| path.to_path_buf()))
    }

    /// `file`, read by `read` (which fails on a damaged file), fetched again as
    /// [`Source::get_valid`] says; the reading is kept, so the file is read once.
    fn get_read<T>(&self, file: &str, read: impl Fn(&Path) -> Result<T>) -> Result<Option<T>> {
        let Some(path) = self.get(file)? else {
            return Ok(None);
        };
        let damage = match read(&path) {
            Ok(value) => return Ok(Some(value)),
            Err(damage) => damage,
        };
        let Source::Repo { hub, id, .. } = self else {
            return Err(damage);
        };
        if hub.is_offline() {
            return Err(damage);
        }
        eprintln!("note: the cached {file} of `{id}` is damaged ({damage:#}): fetching it again");
        let path = match hub.refetch(id, file) {
            Ok(path) => path,
            Err(FetchError::NotCached | FetchError::Unreachable(_)) => {
                return Err(damage.context("the Hub is unreachable, so it cannot be fetched again"));
            }
            Err(e) => return Err(fetch_failure(id, file, e)),
        };
        read(&path).map(Some)
    }

    /// The model's files (names only, nothing downloaded).
    fn list(&self) -> Result<Vec<String>> {
        match self {
            Source::Dir(dir) => {
                let mut files: Vec<String> = std::fs::read_dir(dir)
                    .with_context(|| format!("cannot list {}", dir.display()))?
                    .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                    .collect();
                files.sort();
                Ok(files)
            }
            Source::Repo { hub, id, partial } => match hub.list(id) {
                Ok(files) => Ok(files),
                Err(e) => absent(partial, id, "its file list", e).map(|()| Vec::new()),
            },
        }
    }

    /// Whether the model has `file`, without downloading it.
    fn exists(&self, file: &str) -> Result<bool> {
        match self {
            Source::Dir(dir) => {
                validate_file_name(file)?;
                Ok(dir.join(file).is_file())
            }
            Source::Repo { hub, id, partial } => match hub.exists(id, file) {
                Ok(found) => Ok(found),
                Err(e) => absent(partial, id, file, e).map(|()| false),
            },
        }
    }

    /// `file`, only if it is already on disk (never a network request).
    fn local(&self, file: &str) -> Option<PathBuf> {
        match self {
            Source::Dir(dir) => validate_file_name(file)
                .ok()
                .map(|()| dir.join(file))
                .filter(|p| p.is_file()),
            Source::Repo { hub, id, .. } => hub.cached(id, file),
        }
    }

    /// Why a required file is missing, for the error message.
    fn missing(&self, name: &str, what: &str) -> anyhow::Error {
        match self {
            Source::Repo { partial, .. } if partial.get() => anyhow!(
                "model `{name}` is only partly in the Hugging Face cache ({what} is missing) and the Hub is unreachable; connect to the internet to complete it, or run with --standin"
            ),
            _ => anyhow!("model `{name}` has no {what}"),
        }
    }
}

/// A fetch error that means the file is absent: not on the Hub, or (with the Hub
/// unreachable) not in a partly cached repo, which `partial` records. Anything else is the
/// error.
fn absent(partial: &std::cell::Cell<bool>, id: &str, file: &str, error: FetchError) -> Result<()> {
    match error {
        FetchError::NotFound => Ok(()),
        FetchError::NotCached => {
            partial.set(true);
            Ok(())
        }
        other => Err(fetch_failure(id, file, other)),
    }
}

/// A download that failed for a reason other than the file not existing.
fn fetch_failure(id: &str, file: &str, error: FetchError) -> anyhow::Error {
    match error {
        FetchError::Unreachable(detail) => HubUnreachable {
            model: id.to_string(),
            detail,
        }
        .into(),
        FetchError::Failed(e) => e.context(format!("cannot fetch {file} of `{id}`")),
        FetchError::NotFound | FetchError::NotCached => {
            anyhow!("`{id}` has no {file} on the Hugging Face Hub")
        }
    }
}

/// A safetensors file whose header and length are consistent.
fn valid_safetensors(path: &Path) -> Result<()> {
    read_header(path).map(|_| ())
}

/// A file that parses as JSON (config, tokenizer, shard index).
fn valid_json(path: &Path) -> Result<()> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice::<serde::de::IgnoredAny>(&text)
        .map(|_| ())
        .map_err(|e| {
            anyhow!(
                "{} is not valid JSON ({e}); it may be a partial download: delete it and run again to re-fetch",
                path.display()
            )
        })
}

/// [`locate_with_gguf`] with no GGUF file named.
pub fn locate(name: &str, hub: &Hub) -> Result<ModelFiles> {
    locate_with_gguf(name, hub, None)
}

/// Whether the file at `path` begins with GGUF's magic bytes: a GGUF file without the
/// extension, such as Ollama's blobs (`~/.ollama/models/blobs/sha256-…`).
fn starts_as_gguf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"GGUF")
}

/// Finds (downloading if needed) the config, tokenizer and embedding weights of `name`: a
/// Hub repo id, a local directory, or a local `.gguf` file. A repo or directory with
/// safetensors weights is read from those; one with only GGUF files from the GGUF that
/// `gguf_file` names, else from the one [`choose_gguf`] picks.
pub fn locate_with_gguf(name: &str, hub: &Hub, gguf_file: Option<&str>) -> Result<ModelFiles> {
    let path = Path::new(name);
    if path.is_file() {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
            || starts_as_gguf(path)
        {
            return Ok(gguf_model(name, Gguf::open(path)?, None));
        }
        bail!(
            "`{name}` is a file but not a .gguf; give a model directory, a Hub repo id or a GGUF file"
        );
    }
    let source = if path.is_dir() {
        Source::Dir(path)
    } else {
        validate_repo_id(name)?;
        Source::Repo {
            hub,
            id: name,
            partial: std::cell::Cell::new(false),
        }
    };
    let standin = match source.local("STANDIN.json") {
        Some(path) => Some(
            serde_json::from_str(&std::fs::read_to_string(&path)?)
                .map_err(|e| anyhow!("{} is malformed ({e})", path.display()))?,
        ),
        None => None,
    };
    if let Some(file) = gguf_file {
        let Some(gguf) = source.get_read(file, Gguf::open)? else {
            return Err(source.missing(name, file));
        };
        return Ok(gguf_model(name, gguf, standin));
    }
    let config = source.get_valid("config.json", valid_json)?;
    let checkpoint = if let Some(path) = source.get_valid("model.safetensors", valid_safetensors)? {
        Some(Checkpoint::Single(path))
    } else if let Some(index) = source.get_valid("model.safetensors.index.json", valid_json)? {
        Some(Checkpoint::sharded(index)?)
    } else {
        None
    };
    let Some(mut checkpoint) = checkpoint else {
        if let Some(file) = choose_gguf(&source.list()?) {
            let Some(gguf) = source.get_read(&file, Gguf::open)? else {
                return Err(source.missing(name, &file));
            };
            return Ok(gguf_model(name, gguf, standin));
        }
        if source.exists("pytorch_model.bin")? {
            bail!(
                "model `{name}` has only PyTorch weights (pytorch_model.bin), no model.safetensors or GGUF; choose a repo with safetensors or GGUF weights"
            );
        }
        if config.is_none() && matches!(source, Source::Repo { .. }) {
            bail!(
                "model `{name}` was not found on the Hugging Face Hub; check the spelling (private repos need a token from `huggingface-cli login`)"
            );
        }
        return Err(source.missing(name, "model.safetensors (or a .gguf file)"));
    };
    let Some(tokenizer) = locate_tokenizer(&source)? else {
        return Err(source.missing(
            name,
            "tokenizer (tokenizer.json, vocab.json + merges.txt, or vocab.txt)",
        ));
    };
    let embedding_tensor = find_embedding_name(&checkpoint.tensor_names()?)
        .with_context(|| format!("in model `{name}`"))?;
    if let Some(shard) = checkpoint.shard_of(&embedding_tensor)?.map(str::to_string) {
        let Some(path) = source.get_valid(&shard, valid_safetensors)? else {
            return Err(source.missing(
                name,
                &format!("{shard}, the shard its index names for {embedding_tensor}"),
            ));
        };
        if let Checkpoint::Sharded { local, .. } = &mut checkpoint {
            local.insert(shard, path);
        }
    }
    Ok(ModelFiles {
        name: name.to_string(),
        config,
        tokenizer,
        checkpoint,
        embedding_tensor,
        standin,
    })
}

/// A model read from one GGUF file: weights, tokenizer and description all come from it.
fn gguf_model(name: &str, gguf: Gguf, standin: Option<StandinInfo>) -> ModelFiles {
    ModelFiles {
        name: name.to_string(),
        config: None,
        tokenizer: TokenizerFiles::Gguf(gguf.clone()),
        checkpoint: Checkpoint::Gguf(gguf),
        embedding_tensor: EMBEDDING_TENSOR.to_string(),
        standin,
    }
}

/// Which of a repo's files to read when it has several GGUF files and `--gguf-file` names
/// none: the one whose name says the highest precision, so the embeddings are as close to
/// the trained values as the repo offers (F32, F16, BF16, Q8_0, Q6_K, then Q5 and Q4
/// variants), else the first in name order.
pub fn choose_gguf(files: &[String]) -> Option<String> {
    const PREFERENCE: [&str; 13] = [
        "F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0", "Q4_K_M",
        "Q4_K_S", "Q4_1", "Q4_0",
    ];
    let mut ggufs: Vec<&String> = files
        .iter()
        .filter(|f| f.to_ascii_lowercase().ends_with(".gguf"))
        .collect();
    ggufs.sort();
    let rank = |file: &str| {
        let upper = file.to_ascii_uppercase();
        PREFERENCE
            .iter()
            .position(|p| {
                upper
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .any(|part| part == *p)
            })
            .unwrap_or(PREFERENCE.len())
    };
    ggufs.into_iter().min_by_key(|f| rank(f)).cloned()
}

fn locate_tokenizer(source: &Source) -> Result<Option<TokenizerFiles>> {
    if let Some(path) = source.get_valid("tokenizer.json", valid_json)? {
        return Ok(Some(TokenizerFiles::Json(path)));
    }
    if let Some(vocab) = source.get("vocab.json")?
        && let Some(merges) = source.get("merges.txt")?
    {
        return Ok(Some(TokenizerFiles::BytePairs { vocab, merges }));
    }
    if let Some(vocab) = source.get("vocab.txt")? {
        let lowercase = match source.get("tokenizer_config.json")? {
            Some(path) => {
                let config: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path)?)
                        .map_err(|e| anyhow!("{} is malformed ({e})", path.display()))?;
                config
                    .get("do_lower_case")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(true)
            }
            None => true,
        };
        return Ok(Some(TokenizerFiles::WordPiece { vocab, lowercase }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::choose_gguf;

    #[test]
    fn the_most_precise_gguf_is_chosen() {
        let files = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let pick = |names: &[&str]| choose_gguf(&files(names));
        assert_eq!(
            pick(&["m-Q4_K_M.gguf", "m-Q8_0.gguf", "README.md"]).as_deref(),
            Some("m-Q8_0.gguf")
        );
        assert_eq!(
            pick(&["m.Q4_1.gguf", "m.f16.gguf"]).as_deref(),
            Some("m.f16.gguf")
        );
        assert_eq!(pick(&["b.gguf", "a.gguf"]).as_deref(), Some("a.gguf"));
        assert_eq!(pick(&["model.safetensors"]), None);
    }
}
