//! A lesson's output folder, replaced whole or not at all.
//!
//! A run writes every file (figures, report, numbers, map) into a fresh staging folder
//! beside `--out`, and only when all of them are written is that folder swapped into
//! place. An interrupted run (Ctrl-C, a kill, a full disk, an error) therefore leaves the
//! earlier complete output as it was, never a cut `report.json` beside new figures; its
//! staging folder is removed by the next run into the same place.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

/// Staging folders are named `.<out>.staging-<pid>-<nanos>`, so a later run can tell
/// whose they were and remove those of processes that died.
const STAGING: &str = ".staging-";

/// The output of one run: written into `staging`, swapped into `target` by [`Staged::commit`].
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
    /// Files written so far, for the fault-injection hook of [`Staged::wrote`].
    written: std::cell::Cell<usize>,
    /// Their bytes, for estimates of what the rest of a run will write.
    bytes: std::cell::Cell<u64>,
}

impl Staged {
    /// Checks `target` (a folder that is new, empty, or holds an earlier output of the same
    /// `lesson`) and creates the staging folder beside it, before any work.
    pub fn begin(target: &Path, lesson: &str) -> Result<Self> {
        let target = std::path::absolute(target)
            .with_context(|| format!("cannot resolve the output directory {}", target.display()))?;
        let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
            bail!(
                "{} cannot be an output directory; choose a folder with --out",
                target.display()
            );
        };
        check_owner(&target, lesson)?;
        fs::create_dir_all(parent).with_context(|| {
            format!(
                "cannot create output directory {}; choose another with --out",
                parent.display()
            )
        })?;
        remove_abandoned(parent, &name.to_string_lossy());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let staging = parent.join(format!(
            ".{}{STAGING}{}-{nanos}",
            name.to_string_lossy(),
            std::process::id()
        ));
        fs::create_dir(&staging).with_context(|| {
            format!(
                "output directory {} is not writable; choose another with --out",
                parent.display()
            )
        })?;
        Ok(Self {
            target,
            staging,
            committed: false,
            written: std::cell::Cell::new(0),
            bytes: std::cell::Cell::new(0),
        })
    }

    /// Counts `files` as written. With `EMBEDDING_KILL_AFTER_FILES=N` set, the process
    /// kills itself (SIGKILL: no clean-up runs) once N files are written, so tests can
    /// interrupt a run at every point of its writing.
    pub fn wrote(&self, files: &[PathBuf]) {
        let bytes: u64 = files
            .iter()
            .filter_map(|f| fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        self.bytes.set(self.bytes.get() + bytes);
        let limit = std::env::var("EMBEDDING_KILL_AFTER_FILES")
            .ok()
            .and_then(|v| v.parse::<usize>().ok());
        // One file at a time, so N can fall between two files written together.
        for _ in files {
            self.written.set(self.written.get() + 1);
            if limit.is_some_and(|limit| self.written.get() >= limit) {
                kill_self();
            }
        }
    }

    /// Runs `write` on the staging folder and counts the files it added, for writers
    /// that name their files themselves (the map's page and data).
    pub fn write_with<T>(&self, write: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
        let before = self.files()?;
        let value = write(&self.staging)?;
        let added: Vec<PathBuf> = self
            .files()?
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        self.wrote(&added);
        Ok(value)
    }

    /// The staging folder's files, in name order.
    fn files(&self) -> Result<Vec<PathBuf>> {
        let mut files = fs::read_dir(&self.staging)
            .and_then(|entries| {
                entries
                    .map(|e| e.map(|e| e.path()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .with_context(|| format!("cannot list {}", self.staging.display()))?;
        files.sort();
        Ok(files)
    }

    /// Bytes of the files written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.get()
    }

    /// Where this run writes its files.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// The output directory the run will be swapped into (`--out`).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Puts every staged file on disk, then swaps the staging folder into place (one
    /// atomic exchange on Linux) and removes the earlier output.
    pub fn commit(mut self) -> Result<PathBuf> {
        sync_files(&self.staging)?;
        swap(&self.staging, &self.target)?;
        self.committed = true;
        // The staging path now holds the earlier output (or nothing).
        let _ = fs::remove_dir_all(&self.staging);
        Ok(self.target.clone())
    }
}

impl Drop for Staged {
    /// A run that ends without committing leaves no half-written files behind.
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Refuses a `target` that holds something other than an earlier output of `lesson`: the
/// swap replaces the whole folder, so another lesson's report or a student's own files
/// must not be in it.
fn check_owner(target: &Path, lesson: &str) -> Result<()> {
    let entries = match fs::read_dir(target) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => bail!(
            "cannot use {} as the output directory ({e}); choose another with --out",
            target.display()
        ),
    };
    if entries.count() == 0 {
        return Ok(());
    }
    let owner = fs::read_to_string(target.join("report.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|report| report.get("lesson")?.as_str().map(str::to_string));
    match owner {
        Some(owner) if owner == lesson => Ok(()),
        Some(owner) => bail!(
            "{} holds the output of lesson {owner}, which this run would replace; choose another folder with --out",
            target.display()
        ),
        None => bail!(
            "{} is not empty and holds no earlier output of this lesson, and a run replaces the whole folder; choose a new or empty folder with --out",
            target.display()
        ),
    }
}

/// Removes staging folders for `name` left by runs whose process is gone (killed before
/// they could clean up).
fn remove_abandoned(parent: &Path, name: &str) {
    let prefix = format!(".{name}{STAGING}");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !process_alive(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        // Without /proc, keep every staging folder rather than remove a live one.
        true
    }
}

/// Flushes every file of `dir` to disk, so the folder swapped into place is complete
/// even after a crash of the machine.
fn sync_files(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_file() {
            fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}

/// Moves `staging` to `target`. An existing `target` is exchanged with `staging` in one
/// step where the system can (Linux `renameat2(RENAME_EXCHANGE)`), else moved aside first.
fn swap(staging: &Path, target: &Path) -> Result<()> {
    let failed = |e: std::io::Error| {
        anyhow!(
            "cannot move the new output into {} ({e}); the earlier output is unchanged",
            target.display()
        )
    };
    if !target.exists() {
        match fs::rename(staging, target) {
            Ok(()) => return Ok(()),
            // Another run of the same `--out` finished in between: its output is now the
            // earlier one, exchanged below like any other.
            Err(_) if target.exists() => {}
            Err(e) => return Err(failed(e)),
        }
    }
    if exchange(staging, target).is_ok() {
        return Ok(());
    }
    // No atomic exchange here (another system, or a file system without it): move the
    // earlier output aside, the new one in, and put the earlier one back if that fails.
    let mut aside = staging.as_os_str().to_owned();
    aside.push("-old");
    let aside = PathBuf::from(aside);
    fs::rename(target, &aside).map_err(failed)?;
    if let Err(e) = fs::rename(staging, target) {
        let _ = fs::rename(&aside, target);
        return Err(failed(e));
    }
    fs::rename(&aside, staging).map_err(failed)
}

#[cfg(unix)]
fn kill_self() {
    // SAFETY: signalling our own process id has no memory effects.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_self() {
    std::process::abort();
}

/// Exchanges two paths atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::new(ErrorKind::InvalidInput, "path holds a NUL byte"))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated paths, resolved against the working directory.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        ErrorKind::Unsupported,
        "no atomic exchange",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(dir: &Path, lesson: &str) {
        fs::create_dir_all(dir).unwrap();
        fs::write(
            dir.join("report.json"),
            format!("{{\"lesson\": \"{lesson}\"}}"),
        )
        .unwrap();
    }

    #[test]
    fn a_commit_replaces_the_earlier_output_whole() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        report(&out, "01");
        fs::write(out.join("old.svg"), "old").unwrap();
        let staged = Staged::begin(&out, "01").unwrap();
        report(staged.dir(), "01");
        fs::write(staged.dir().join("new.svg"), "new").unwrap();
        staged.commit().unwrap();
        assert!(out.join("new.svg").is_file());
        assert!(
            !out.join("old.svg").exists(),
            "the earlier run's files are gone"
        );
        assert_eq!(
            fs::read_dir(root.path()).unwrap().count(),
            1,
            "no staging left"
        );
    }

    #[test]
    fn two_runs_committing_to_a_new_folder_at_once_both_succeed_whole() {
        // Both see no output yet; one moves in first, and the other must exchange with it
        // rather than fail (rename onto a folder that appeared meanwhile is ENOTEMPTY).
        for round in 0..100 {
            let root = tempfile::tempdir().unwrap();
            let out = root.path().join("out");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
            let runs: Vec<_> = ["a", "b"]
                .into_iter()
                .map(|run| {
                    let (out, barrier) = (out.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        let staged = Staged::begin(&out, "01").unwrap();
                        report(staged.dir(), "01");
                        fs::write(staged.dir().join(format!("{run}.svg")), run).unwrap();
                        barrier.wait();
                        staged.commit().map(|_| ())
                    })
                })
                .collect();
            for run in runs {
                run.join()
                    .unwrap()
                    .unwrap_or_else(|e| panic!("round {round}: {e}"));
            }
            let files: Vec<String> = fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".svg"))
                .collect();
            assert_eq!(
                files.len(),
                1,
                "round {round}: one run's output, whole: {files:?}"
            );
            assert_eq!(
                fs::read_dir(root.path()).unwrap().count(),
                1,
                "no staging left"
            );
        }
    }

    #[test]
    fn an_abandoned_run_leaves_the_earlier_output_untouched() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        report(&out, "01");
        {
            let staged = Staged::begin(&out, "01").unwrap();
            fs::write(staged.dir().join("report.json"), "{\"cut").unwrap();
        }
        assert_eq!(
            fs::read_to_string(out.join("report.json")).unwrap(),
            "{\"lesson\": \"01\"}"
        );
        assert_eq!(
            fs::read_dir(root.path()).unwrap().count(),
            1,
            "no staging left"
        );
    }

    #[test]
    fn another_lessons_output_or_foreign_files_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        report(&out, "02");
        let error = Staged::begin(&out, "01").unwrap_err().to_string();
        assert!(
            error.contains("lesson 02") && error.contains("--out"),
            "{error}"
        );
        let mine = root.path().join("documents");
        fs::create_dir(&mine).unwrap();
        fs::write(mine.join("thesis.tex"), "").unwrap();
        let error = Staged::begin(&mine, "01").unwrap_err().to_string();
        assert!(
            error.contains("not empty") && error.contains("--out"),
            "{error}"
        );
        assert!(mine.join("thesis.tex").is_file());
    }

    #[test]
    fn staging_folders_of_dead_runs_are_removed() {
        let root = tempfile::tempdir().unwrap();
        // No process has id 0 in /proc.
        let stale = root.path().join(format!(".out{STAGING}0-1"));
        fs::create_dir(&stale).unwrap();
        let staged = Staged::begin(&root.path().join("out"), "01").unwrap();
        assert!(!stale.exists() || !cfg!(target_os = "linux"));
        drop(staged);
    }
}
