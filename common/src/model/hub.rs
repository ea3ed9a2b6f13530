//! Finding model files the way the Hugging Face libraries do: in the standard HF cache
//! first, then on the Hub.
//!
//! The cache layout is shared with Python's `huggingface_hub`, so models a student has
//! already used from Python are found here without a second download. The environment
//! variables mean what they mean there: `HF_HUB_CACHE`, `HF_HOME` (cache in `$HF_HOME/hub`)
//! and `HF_HUB_OFFLINE=1` (never touch the network).

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use hf_hub::api::sync::{ApiBuilder, ApiError};
use hf_hub::{Cache, Repo, RepoType};

/// The HF cache directory, resolved as `huggingface_hub` resolves it.
pub fn default_cache_dir() -> PathBuf {
    cache_dir_from(|name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else
/// `~/.cache/huggingface/hub`, with `env` looking variables up.
fn cache_dir_from(env: impl Fn(&str) -> Option<PathBuf>) -> PathBuf {
    if let Some(dir) = env("HF_HUB_CACHE") {
        return dir;
    }
    if let Some(home) = env("HF_HOME") {
        return home.join("hub");
    }
    let cache_home = env("XDG_CACHE_HOME")
        .or_else(|| env("HOME").map(|home| home.join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache_home.join("huggingface").join("hub")
}

/// The variable that chose the cache folder, as [`cache_dir_from`] reads them.
fn cache_variable() -> &'static str {
    ["HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"]
        .into_iter()
        .find(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
        .unwrap_or("HF_HOME")
}

/// The cache's folder for model `repo`: `models--owner--name`.
pub fn repo_folder(repo: &str) -> String {
    format!("models--{}", repo.replace('/', "--"))
}

/// Whether `HF_HUB_OFFLINE` asks for no network access.
pub fn offline_from_env() -> bool {
    std::env::var("HF_HUB_OFFLINE")
        .map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
        .unwrap_or(false)
}

/// Checks a Hub repo id: `name` or `owner/name`, made of letters, digits, `-`, `_`, `.`.
pub fn validate_repo_id(id: &str) -> Result<()> {
    let parts: Vec<&str> = id.split('/').collect();
    let part_ok = |p: &&str| {
        !p.is_empty()
            && p.len() <= 96
            && !p.starts_with(['-', '.'])
            && !p.ends_with(['-', '.'])
            && !p.contains("--")
            && !p.contains("..")
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if (1..=2).contains(&parts.len()) && parts.iter().all(part_ok) {
        Ok(())
    } else {
        Err(anyhow!(
            "`{id}` is neither a local directory nor a Hub repo id (`name` or `owner/name`, e.g. `gpt2` or `google-bert/bert-base-uncased`)"
        ))
    }
}

/// Checks a file name read from a model's metadata (a shard index, a Hub listing, a
/// cache's `refs/main`): a plain relative path inside the model folder, made of ordinary
/// names (no `..`, `.`, empty parts, leading `/`, backslash or NUL), so no file outside
/// the folder (or the cache) is ever opened or requested for it.
pub fn validate_file_name(name: &str) -> Result<()> {
    let plain = !name.is_empty()
        && name.len() <= 1024
        && !name.contains(['\\', '\0'])
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if plain {
        Ok(())
    } else {
        Err(anyhow!(
            "`{}` is not a plain file name inside the model folder; the model's files name a path outside it, so they are refused",
            name.escape_debug()
        ))
    }
}

/// Why a file could not be had.
#[derive(Debug)]
pub enum FetchError {
    /// The Hub answered that the repo or the file does not exist (or is private).
    NotFound,
    /// Not in the cache, and the network is off (`HF_HUB_OFFLINE`) or unreachable.
    Unreachable(String),
    /// The repo is in the cache but this file is not, and the network is off or
    /// unreachable: the file may not exist at all, or may not have been downloaded.
    NotCached,
    /// Anything else: disk errors, a broken download.
    Failed(anyhow::Error),
}

/// Model files through the HF cache, downloading what is missing unless offline.
#[derive(Clone, Debug)]
pub struct Hub {
    cache_dir: PathBuf,
    offline: bool,
}

impl Hub {
    /// The cache and offline mode from the environment.
    pub fn from_env() -> Self {
        Self {
            cache_dir: default_cache_dir(),
            offline: offline_from_env(),
        }
    }

    pub fn new(cache_dir: impl Into<PathBuf>, offline: bool) -> Self {
        Self {
            cache_dir: cache_dir.into(),
            offline,
        }
    }

    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    pub fn is_offline(&self) -> bool {
        self.offline
    }

    /// The cached copy of `file` of model `repo`, without any network access. A file name
    /// or a cached revision (`refs/main`) that would lead outside the cache finds nothing.
    pub fn cached(&self, repo: &str, file: &str) -> Option<PathBuf> {
        validate_file_name(file).ok()?;
        self.cached_revision(repo)?;
        Cache::new(self.cache_dir.clone())
            .repo(Repo::new(repo.to_string(), RepoType::Model))
            .get(file)
    }

    /// The revision `refs/main` of `repo` names, when it is one folder name of the cache.
    fn cached_revision(&self, repo: &str) -> Option<String> {
        let path = self
            .cache_dir
            .join(repo_folder(repo))
            .join("refs")
            .join("main");
        let revision = std::fs::read_to_string(path).ok()?.trim().to_string();
        (validate_file_name(&revision).is_ok() && !revision.contains('/')).then_some(revision)
    }

    /// `file` of model `repo`: from the cache, else downloaded into it (with a progress bar).
    pub fn fetch(&self, repo: &str, file: &str) -> Result<PathBuf, FetchError> {
        validate_file_name(file).map_err(FetchError::Failed)?;
        if let Some(path) = self.cached(repo, file) {
            return Ok(path);
        }
        self.refuse_if_offline(repo)?;
        let _lock = self.lock(repo, file)?;
        // Another lesson may have finished this download while we waited for the lock.
        if let Some(path) = self.cached(repo, file) {
            return Ok(path);
        }
        self.download(repo, file)
    }

    /// Replaces a damaged cached `file` of `repo` (its snapshot entry and blob) with a
    /// fresh download. The damaged copy is moved aside, not deleted, until the new one is
    /// in hand: a failed download puts it back as it was.
    pub fn refetch(&self, repo: &str, file: &str) -> Result<PathBuf, FetchError> {
        validate_file_name(file).map_err(FetchError::Failed)?;
        self.refuse_if_offline(repo)?;
        let _lock = self.lock(repo, file)?;
        let mut aside = Vec::new();
        if let Some(entry) = self.cached(repo, file) {
            let blob = std::fs::canonicalize(&entry).map_err(|e| FetchError::Failed(e.into()))?;
            for path in [blob, entry] {
                let mut moved = path.clone().into_os_string();
                moved.push(".damaged");
                let moved = PathBuf::from(moved);
                match std::fs::rename(&path, &moved) {
                    Ok(()) => aside.push((path, moved)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        restore(&aside);
                        return Err(FetchError::Failed(anyhow!(
                            "cannot move the damaged {} aside: {e}",
                            path.display()
                        )));
                    }
                }
            }
        }
        let fetched = self.download(repo, file);
        match &fetched {
            Ok(_) => aside.iter().for_each(|(_, moved)| {
                let _ = std::fs::remove_file(moved);
            }),
            Err(_) => restore(&aside),
        }
        fetched
    }

    /// Holds a lock on one file of one repo, so lessons run at the same time on one cache
    /// wait for a single download instead of racing (hf-hub's own lock gives up after a
    /// few seconds, far less than a large download takes).
    fn lock(&self, repo: &str, file: &str) -> Result<std::fs::File, FetchError> {
        let dir = self.cache_dir.join(".locks").join(repo_folder(repo));
        let path = dir.join(format!("{}.lock", file.replace('/', "--")));
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::File::create(&path))
            .and_then(|lock| lock.lock().map(|()| lock))
            .map_err(|e| self.unusable(repo, file, e))
    }

    /// The cache folder cannot be written: with the Hub unreachable that is the same as
    /// offline (a course model falls back to its stand-in, as with `HF_HUB_OFFLINE`);
    /// with the Hub reachable, an error naming the variable that chose the folder.
    fn unusable(&self, repo: &str, file: &str, error: std::io::Error) -> FetchError {
        if let Ok(api) = self.api() {
            let url = api.model(repo.to_string()).url(file);
            if let Err(FetchError::Unreachable(detail)) = api.metadata(&url).map_err(classify) {
                return self.unreachable(repo, detail);
            }
        }
        FetchError::Failed(anyhow!(
            "the Hugging Face cache {} cannot be written ({error}); point {} at a writable folder",
            self.cache_dir.display(),
            cache_variable()
        ))
    }

    /// Whether `repo` has `file`, asked of the Hub without downloading it (a one-byte
    /// request), or answered from the cache when offline.
    pub fn exists(&self, repo: &str, file: &str) -> Result<bool, FetchError> {
        validate_file_name(file).map_err(FetchError::Failed)?;
        if self.cached(repo, file).is_some() {
            return Ok(true);
        }
        self.refuse_if_offline(repo)?;
        let api = self.api()?;
        let url = api.model(repo.to_string()).url(file);
        match api.metadata(&url).map_err(classify) {
            Ok(_) => Ok(true),
            Err(FetchError::NotFound) => Ok(false),
            Err(FetchError::Unreachable(detail)) => Err(self.unreachable(repo, detail)),
            Err(other) => Err(other),
        }
    }

    /// Downloads `file` of `repo` into the cache; the caller holds its lock.
    /// The files of `repo`: from the Hub's repo listing, or, offline (or with the Hub
    /// unreachable), from the cached snapshot's folder.
    pub fn list(&self, repo: &str) -> Result<Vec<String>, FetchError> {
        let listed = if self.offline {
            Err(FetchError::Unreachable("HF_HUB_OFFLINE is set".into()))
        } else {
            self.api()?
                .model(repo.to_string())
                .info()
                .map(|info| info.siblings.into_iter().map(|s| s.rfilename).collect())
                .map_err(classify)
        };
        match listed {
            Err(FetchError::Unreachable(detail)) => self
                .cached_files(repo)
                .ok_or_else(|| self.unreachable(repo, detail)),
            other => other,
        }
    }

    /// The files of `repo`'s cached snapshot, if it has one.
    fn cached_files(&self, repo: &str) -> Option<Vec<String>> {
        let revision = self.cached_revision(repo)?;
        let snapshot = self
            .cache_dir
            .join(repo_folder(repo))
            .join("snapshots")
            .join(revision);
        let mut files: Vec<String> = std::fs::read_dir(snapshot)
            .ok()?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect();
        files.sort();
        Some(files)
    }

    fn download(&self, repo: &str, file: &str) -> Result<PathBuf, FetchError> {
        match self
            .api()?
            .model(repo.to_string())
            .download(file)
            .map_err(classify)
        {
            Err(FetchError::Unreachable(detail)) => Err(self.unreachable(repo, detail)),
            other => other,
        }
    }

    /// An hf-hub client on this cache, honouring `HF_TOKEN` and `HF_ENDPOINT`.
    fn api(&self) -> Result<hf_hub::api::sync::Api, FetchError> {
        let cache = Cache::new(self.cache_dir.clone());
        let token = std::env::var("HF_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
            .or_else(|| cache.token());
        let mut builder = ApiBuilder::from_cache(cache).with_token(token);
        if let Ok(endpoint) = std::env::var("HF_ENDPOINT") {
            builder = builder.with_endpoint(endpoint);
        }
        builder
            .with_progress(true)
            .with_retries(1)
            .build()
            .map_err(|e| FetchError::Failed(anyhow!("cannot set up the Hub client: {e}")))
    }

    /// With `HF_HUB_OFFLINE` set, the error a network request would have given.
    fn refuse_if_offline(&self, repo: &str) -> Result<(), FetchError> {
        if self.offline {
            return Err(self.unreachable(repo, "HF_HUB_OFFLINE is set".into()));
        }
        Ok(())
    }

    /// The network failed: a repo already in the cache is used as it is.
    fn unreachable(&self, repo: &str, detail: String) -> FetchError {
        let cached_revision = self
            .cache_dir
            .join(repo_folder(repo))
            .join("refs")
            .join("main");
        if cached_revision.is_file() {
            FetchError::NotCached
        } else {
            FetchError::Unreachable(detail)
        }
    }
}

/// Puts files moved aside by [`Hub::refetch`] back where they were.
fn restore(aside: &[(PathBuf, PathBuf)]) {
    for (path, moved) in aside.iter().rev() {
        let _ = std::fs::rename(moved, path);
    }
}

fn classify(error: ApiError) -> FetchError {
    match error {
        ApiError::RequestError(e) => match *e {
            // The Hub answers 401 for repos that do not exist (or are private), 404 for files.
            ureq::Error::StatusCode(401 | 403 | 404) => FetchError::NotFound,
            ureq::Error::StatusCode(code) => {
                FetchError::Failed(anyhow!("the Hub answered HTTP {code}"))
            }
            other => FetchError::Unreachable(other.to_string()),
        },
        ApiError::TooManyRetries(inner) => classify(*inner),
        other => FetchError::Failed(anyhow!("{other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ids_are_checked() {
        for ok in [
            "gpt2",
            "bert-base-uncased",
            "google-bert/bert-base-uncased",
            "a_b.c/d-e",
        ] {
            assert!(validate_repo_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "no/such/model",
            "a//b",
            "-a",
            "a--b",
            "x/..",
            "sp ace",
            "a/",
        ] {
            assert!(validate_repo_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn file_names_leading_outside_the_model_folder_are_refused() {
        for ok in ["model.safetensors", "onnx/model.onnx", "a..b.json"] {
            assert!(validate_file_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            "./x",
            "a\\..\\x",
            "x\0",
        ] {
            assert!(validate_file_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_cached_revision_or_file_leading_outside_the_cache_finds_nothing() {
        // What is checked: `refs/main` naming `../..` and a file name with `..` are never
        // joined into a path, so nothing outside the cache is returned for them.
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let repo = cache.join("models--owner--name");
        std::fs::create_dir_all(repo.join("refs")).unwrap();
        std::fs::create_dir_all(repo.join("snapshots/abc")).unwrap();
        std::fs::write(dir.path().join("secret.json"), "{}").unwrap();
        std::fs::write(repo.join("refs/main"), "../../..").unwrap();
        let hub = Hub::new(&cache, true);
        assert_eq!(hub.cached("owner/name", "secret.json"), None);
        std::fs::write(repo.join("refs/main"), "abc").unwrap();
        assert_eq!(hub.cached("owner/name", "../../../secret.json"), None);
        assert!(matches!(
            hub.fetch("owner/name", "../../../secret.json"),
            Err(FetchError::Failed(_))
        ));
    }

    #[test]
    fn cache_dir_follows_huggingface_hub_precedence() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| PathBuf::from(v))
            }
        };
        assert_eq!(
            cache_dir_from(env(&[("HF_HUB_CACHE", "/c"), ("HF_HOME", "/h")])),
            PathBuf::from("/c")
        );
        assert_eq!(
            cache_dir_from(env(&[("HF_HOME", "/h"), ("HOME", "/u")])),
            PathBuf::from("/h/hub")
        );
        assert_eq!(
            cache_dir_from(env(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/u")])),
            PathBuf::from("/x/huggingface/hub")
        );
        assert_eq!(
            cache_dir_from(env(&[("HOME", "/u")])),
            PathBuf::from("/u/.cache/huggingface/hub")
        );
    }

    #[test]
    fn cached_files_are_found_without_network() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = dir.path().join("models--owner--name/snapshots/abc123");
        std::fs::create_dir_all(&snapshot).unwrap();
        std::fs::write(snapshot.join("config.json"), "{}").unwrap();
        std::fs::create_dir_all(dir.path().join("models--owner--name/refs")).unwrap();
        std::fs::write(dir.path().join("models--owner--name/refs/main"), "abc123").unwrap();
        let hub = Hub::new(dir.path(), true);
        assert_eq!(
            hub.fetch("owner/name", "config.json").unwrap(),
            snapshot.join("config.json")
        );
        assert!(matches!(
            hub.fetch("owner/name", "model.safetensors"),
            Err(FetchError::NotCached)
        ));
        assert!(matches!(
            hub.fetch("owner/other", "config.json"),
            Err(FetchError::Unreachable(_))
        ));
    }
}
