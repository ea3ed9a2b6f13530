//! The stand-ins' sha256 record: every laid-out file hashed once, and checked whenever the
//! stand-ins are used (re-hashing only a file whose size or modification time changed).

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// What [`record`] keeps of each laid-out file: its sha256, and the size and modification
/// time it had when last hashed, so an unchanged file is not hashed again.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Recorded {
    sha256: String,
    size: u64,
    modified_ns: u64,
}

const MANIFEST: &str = ".sha256.json";

type Manifest = std::collections::BTreeMap<String, Recorded>;

/// Hashes every file under `hub_dir` and records them in its manifest.
pub(super) fn record(hub_dir: &Path) -> Result<()> {
    let mut manifest = Manifest::new();
    for path in files_under(hub_dir)? {
        let relative = path
            .strip_prefix(hub_dir)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        manifest.insert(relative, hashed(&path)?);
    }
    write_manifest(hub_dir, &manifest)
}

/// Checks the laid-out files against the manifest: a file whose size or modification time
/// changed since it was hashed is hashed again (and the new time recorded when it still
/// matches); a missing file, or one whose sha256 differs, is the error.
pub(super) fn verify(hub_dir: &Path) -> Result<()> {
    let text = fs::read_to_string(hub_dir.join(MANIFEST)).with_context(|| {
        format!(
            "the stand-ins in {} have no sha256 record",
            hub_dir.display()
        )
    })?;
    let mut manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("the sha256 record of {} is damaged", hub_dir.display()))?;
    let mut changed = false;
    for (relative, recorded) in manifest.iter_mut() {
        let path = hub_dir.join(relative);
        let (size, modified_ns) = stamp(&path)
            .with_context(|| format!("the stand-in file {} is missing", path.display()))?;
        if size == recorded.size && modified_ns == recorded.modified_ns {
            continue;
        }
        let now = hashed(&path)?;
        if now.sha256 != recorded.sha256 {
            bail!(
                "the stand-in file {} is damaged (sha256 {}, recorded {})",
                path.display(),
                now.sha256,
                recorded.sha256
            );
        }
        *recorded = now;
        changed = true;
    }
    if changed {
        // Only saves hashing next time: a read-only folder is fine.
        let _ = write_manifest(hub_dir, &manifest);
    }
    Ok(())
}

fn write_manifest(hub_dir: &Path, manifest: &Manifest) -> Result<()> {
    let temporary = hub_dir.join(format!("{MANIFEST}.{}", std::process::id()));
    fs::write(&temporary, serde_json::to_string_pretty(manifest)?)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    fs::rename(&temporary, hub_dir.join(MANIFEST))
        .with_context(|| format!("cannot write the sha256 record in {}", hub_dir.display()))
}

/// A file's size and modification time in nanoseconds.
fn stamp(path: &Path) -> Result<(u64, u64)> {
    let metadata = fs::metadata(path)?;
    let modified = metadata
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    Ok((metadata.len(), modified))
}

fn hashed(path: &Path) -> Result<Recorded> {
    use sha2::{Digest, Sha256};
    let (size, modified_ns) = stamp(path)?;
    let mut hasher = Sha256::new();
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    std::io::copy(&mut file, &mut hasher)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Recorded {
        sha256,
        size,
        modified_ns,
    })
}

/// The plain files under `dir` (the layout's snapshots; `refs/main` included), the
/// manifest and markers left out.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in
            fs::read_dir(&folder).with_context(|| format!("cannot list {}", folder.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                folders.push(path);
            } else if !entry.file_name().to_string_lossy().starts_with('.') {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_finds_changed_bytes_and_forgives_a_new_time() {
        let hub = tempfile::tempdir().unwrap();
        let snapshot = hub.path().join("models--standin--x/snapshots/rev");
        fs::create_dir_all(&snapshot).unwrap();
        let weights = snapshot.join("model.safetensors");
        fs::write(&weights, [1u8, 2, 3, 4]).unwrap();
        fs::write(snapshot.join("STANDIN.json"), "{}").unwrap();
        record(hub.path()).unwrap();
        verify(hub.path()).unwrap();

        // Same bytes, new modification time: hashed again, still valid, time recorded.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        File::options()
            .write(true)
            .open(&weights)
            .unwrap()
            .set_modified(later)
            .unwrap();
        verify(hub.path()).unwrap();
        let manifest: Manifest =
            serde_json::from_str(&fs::read_to_string(hub.path().join(MANIFEST)).unwrap()).unwrap();
        let key = "models--standin--x/snapshots/rev/model.safetensors";
        assert_eq!(manifest[key].modified_ns, stamp(&weights).unwrap().1);

        // One bit flipped, same size.
        fs::write(&weights, [1u8, 2, 3, 5]).unwrap();
        let error = verify(hub.path()).unwrap_err().to_string();
        assert!(error.contains("model.safetensors is damaged"), "{error}");

        fs::write(&weights, [1u8, 2, 3, 4]).unwrap();
        verify(hub.path()).unwrap();
        fs::remove_file(snapshot.join("STANDIN.json")).unwrap();
        let error = format!("{:#}", verify(hub.path()).unwrap_err());
        assert!(error.contains("STANDIN.json is missing"), "{error}");
    }
}
