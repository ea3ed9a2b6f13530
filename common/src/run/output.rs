//! A lesson's output folder: the run's own files replaced together or not at all, and
//! nothing else in it touched.
//!
//! A run writes every file (figures, report, numbers, map) into a fresh staging folder
//! beside `--out`, and only when all of them are written is that folder swapped into
//! place. An interrupted run (Ctrl-C, a kill, a full disk, an error) therefore leaves the
//! earlier complete output as it was, never a cut `report.json` beside new figures; its
//! staging folder is removed by the next run into the same place.
//!
//! Each output holds a record of the files its run wrote (`.lesson-files.json`: names,
//! sizes, sha256). The next run replaces exactly those: anything else in the folder (notes,
//! screenshots, a thesis) is carried into the new output as it is (hard links, so nothing
//! is copied or lost), and said so. A folder the run cannot vouch for is refused before
//! any work: one without a record that is not empty, another lesson's, or one where a
//! file of the record was changed since (it would be replaced). A symbolic link as
//! `--out` is followed, never replaced; two runs into one folder cannot both succeed
//! silently: the one that finishes second is refused, the first one's output kept.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

/// Staging folders are named `.<out>.staging-<pid>-<nanos>-<count>`, so a later run can tell
/// whose they were and remove those of processes that died.
const STAGING: &str = ".staging-";

/// The record of the files a run wrote, in its output folder.
pub const RECORD: &str = ".lesson-files.json";

/// What a run wrote into its output folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Record {
    lesson: String,
    /// Which run: `<pid>-<nanos>-<count in the process>`, different for every run.
    run: String,
    files: BTreeMap<String, Written>,
}

/// One written file as it was when the run finished.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Written {
    size: u64,
    modified_ns: u64,
    sha256: String,
}

/// What an output folder holds, as far as a run of the lesson may touch it.
#[derive(Debug, PartialEq)]
enum Found {
    /// No folder, or an empty one.
    Nothing,
    /// An earlier run of this lesson, and the files beside it that it did not write.
    Earlier { record: Record, others: Vec<String> },
}

/// The output of one run: written into `staging`, swapped into `target` by [`Staged::commit`].
#[derive(Debug)]
pub struct Staged {
    lesson: String,
    /// `--out` as given (absolute): what messages name.
    shown: PathBuf,
    /// The folder the output goes to: `--out`, or where it leads when it is a symbolic link.
    target: PathBuf,
    staging: PathBuf,
    run: String,
    /// What `target` held when the run began, by the run that wrote it (`None`: nothing).
    found_run: Option<String>,
    committed: bool,
    /// Files written so far, for the fault-injection hook of [`Staged::wrote`].
    written: std::cell::Cell<usize>,
    /// Their bytes, for estimates of what the rest of a run will write.
    bytes: std::cell::Cell<u64>,
}

/// A committed output: where it is, and the files in it that the run kept as they were.
#[derive(Debug)]
pub struct Committed {
    pub dir: PathBuf,
    pub kept: Vec<String>,
}

impl Staged {
    /// Checks `target` (a folder that is new, empty, or holds an earlier output of the same
    /// `lesson` whose own files are unchanged) and creates the staging folder beside it,
    /// before any work.
    pub fn begin(target: &Path, lesson: &str) -> Result<Self> {
        let shown = std::path::absolute(target)
            .with_context(|| format!("cannot resolve the output directory {}", target.display()))?;
        let target = follow_link(&shown)?;
        let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
            bail!(
                "{} cannot be an output directory; choose a folder with --out",
                shown.display()
            );
        };
        let found = examine(&target, &shown, lesson)?;
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
        // A count of this process's runs besides the clock: two threads can read the same
        // time where the clock is coarse, and their staging folders must still differ.
        static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let count = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let run = format!("{}-{nanos}-{count}", std::process::id());
        let staging = parent.join(format!(".{}{STAGING}{run}", name.to_string_lossy()));
        fs::create_dir(&staging).with_context(|| {
            format!(
                "output directory {} is not writable; choose another with --out",
                parent.display()
            )
        })?;
        Ok(Self {
            lesson: lesson.to_string(),
            shown,
            target,
            staging,
            run,
            found_run: match found {
                Found::Nothing => None,
                Found::Earlier { record, .. } => Some(record.run),
            },
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
        let value = write(&self.staging).map_err(|e| self.unstaged(e))?;
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
            .with_context(|| format!("cannot list {}", self.shown.display()))?;
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

    /// The output directory the run will be swapped into (`--out`, or the folder it leads
    /// to when it is a symbolic link).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// `error` with the hidden staging folder named as the output folder it stands for,
    /// so messages name a path the user knows.
    pub fn unstaged(&self, error: anyhow::Error) -> anyhow::Error {
        let staging = self.staging.display().to_string();
        let message = format!("{error:#}");
        if message.contains(&staging) {
            anyhow!(message.replace(&staging, &self.shown.display().to_string()))
        } else {
            error
        }
    }

    /// Puts every staged file on disk with the record of them, then, holding the lock of
    /// the folder's parent against other runs, checks the output folder again, carries the
    /// files the lesson did not write into the new output, swaps it into place (one atomic
    /// exchange on Linux), and removes the earlier run's files.
    pub fn commit(mut self) -> Result<Committed> {
        sync_files(&self.staging).map_err(|e| self.unstaged(e))?;
        let record = self.record()?;
        let parent = self.target.parent().unwrap_or(Path::new("/"));
        let lock = fs::File::open(parent)
            .and_then(|dir| dir.lock().map(|()| dir))
            .with_context(|| format!("cannot lock {}", parent.display()))?;
        let found = examine(&self.target, &self.shown, &self.lesson)?;
        let (earlier, others) = match found {
            Found::Nothing => (None, Vec::new()),
            Found::Earlier { record, others } => (Some(record), others),
        };
        if earlier.as_ref().map(|r| &r.run) != self.found_run.as_ref() {
            bail!(
                "another run of lesson {} wrote {} while this one ran; its output is kept and this run's is not written: run again to replace it",
                self.lesson,
                self.shown.display()
            );
        }
        for name in &others {
            if record.files.contains_key(name) {
                bail!(
                    "{} holds {name}, which lesson {} did not write and this run would replace; move it out of the folder and run again",
                    self.shown.display(),
                    self.lesson
                );
            }
            carry(&self.target.join(name), &self.staging.join(name)).with_context(|| {
                format!(
                    "cannot keep {name} of {} in the new output; move it out of the folder and run again",
                    self.shown.display()
                )
            })?;
        }
        if let Ok(metadata) = fs::metadata(&self.target) {
            let _ = fs::set_permissions(&self.staging, metadata.permissions());
        }
        write_record(&self.staging, &record)?;
        swap(&self.staging, &self.target)?;
        self.committed = true;
        drop(lock);
        // The staging path now holds the earlier folder (or nothing): the earlier run's
        // files and record, and the files carried over, which the new output holds too.
        clear_earlier(&self.staging, earlier.as_ref(), &others, &self.target);
        Ok(Committed {
            dir: self.shown.clone(),
            kept: others,
        })
    }

    /// The record of every file staged so far.
    fn record(&self) -> Result<Record> {
        let mut files = BTreeMap::new();
        for path in self.files()? {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name != RECORD && path.is_file() {
                files.insert(name, written(&path)?);
            }
        }
        Ok(Record {
            lesson: self.lesson.clone(),
            run: self.run.clone(),
            files,
        })
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

/// `out` itself, or, when it is a symbolic link, the folder it leads to (followed, so the
/// link is never replaced); a link that leads nowhere is refused before any work.
fn follow_link(out: &Path) -> Result<PathBuf> {
    let is_link = fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(out.to_path_buf());
    }
    match fs::canonicalize(out) {
        Ok(real) => Ok(real),
        Err(e) => bail!(
            "{} is a symbolic link to {}, which cannot be used ({e}); create that folder, or choose another with --out",
            out.display(),
            fs::read_link(out)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "?".into())
        ),
    }
}

/// What `dir` holds, refused (before any work) when a run of `lesson` could not replace
/// its own files there without touching someone else's: `shown` is how messages name it.
fn examine(dir: &Path, shown: &Path, lesson: &str) -> Result<Found> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(e) => bail!(
            "cannot use {} as the output directory ({e}); choose another with --out",
            shown.display()
        ),
    };
    let mut names: Vec<String> = entries
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot list {}", shown.display()))?;
    names.sort();
    if names.is_empty() {
        return Ok(Found::Nothing);
    }
    let Some(record) = read_record(dir, shown)? else {
        let owner = fs::read_to_string(dir.join("report.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|report| report.get("lesson")?.as_str().map(str::to_string));
        match owner {
            Some(owner) if owner != lesson => bail!(
                "{} holds the output of lesson {owner}, which this run would replace; choose another folder with --out",
                shown.display()
            ),
            _ => bail!(
                "{} is not empty and holds no record ({RECORD}) of an earlier run of this lesson, so nothing in it may be replaced; choose a new or empty folder with --out",
                shown.display()
            ),
        }
    };
    if record.lesson != lesson {
        bail!(
            "{} holds the output of lesson {}, which this run would replace; choose another folder with --out",
            shown.display(),
            record.lesson
        );
    }
    for (name, was) in &record.files {
        let path = dir.join(name);
        if fs::symlink_metadata(&path).is_err() {
            continue; // removed since: nothing to replace
        }
        if !unchanged(&path, was) {
            bail!(
                "{name} in {} was changed since lesson {lesson} wrote it, and this run would replace it; move it out of the folder (or delete it) and run again",
                shown.display()
            );
        }
    }
    let others = names
        .into_iter()
        .filter(|name| name != RECORD && !record.files.contains_key(name))
        .collect();
    Ok(Found::Earlier { record, others })
}

/// The record in `dir`, if it has one; a damaged one is refused.
fn read_record(dir: &Path, shown: &Path) -> Result<Option<Record>> {
    let text = match fs::read_to_string(dir.join(RECORD)) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => bail!("cannot read {RECORD} in {} ({e})", shown.display()),
    };
    let record: Record = serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "{RECORD} in {} is damaged ({e}), so which files a run wrote there is unknown; choose a new or empty folder with --out",
            shown.display()
        )
    })?;
    // A run writes only names directly in its folder: a record naming anything else (a
    // path into another folder, `..`, an absolute path) was not written by a run, and
    // following it would replace or delete files the user did not name.
    if let Some(name) = record.files.keys().find(|name| !is_own_name(name)) {
        bail!(
            "{RECORD} in {} names `{}`, which is not a file directly in that folder, so it was not written by a lesson; choose a new or empty folder with --out",
            shown.display(),
            name.escape_debug()
        );
    }
    Ok(Some(record))
}

/// A name a run can have written: one ordinary file name, directly in the folder.
fn is_own_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

fn write_record(dir: &Path, record: &Record) -> Result<()> {
    let path = dir.join(RECORD);
    let text = serde_json::to_string_pretty(record)? + "\n";
    fs::write(&path, text)
        .and_then(|()| fs::File::open(&path)?.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A file's record: size, modification time and sha256.
fn written(path: &Path) -> Result<Written> {
    let (size, modified_ns) = stamp(path)?;
    Ok(Written {
        size,
        modified_ns,
        sha256: sha256(path)?,
    })
}

/// Whether `path` is still what `was` records: the same size and time, or, when its time
/// changed, the same bytes.
fn unchanged(path: &Path, was: &Written) -> bool {
    match stamp(path) {
        Ok((size, _)) if size != was.size => false,
        Ok((_, modified_ns)) if modified_ns == was.modified_ns => true,
        Ok(_) => sha256(path).is_ok_and(|sha| sha == was.sha256),
        Err(_) => false,
    }
}

fn stamp(path: &Path) -> Result<(u64, u64)> {
    let metadata =
        fs::symlink_metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let modified = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    Ok((metadata.len(), modified))
}

fn sha256(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut file =
        fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    std::io::copy(&mut file, &mut hasher)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Puts `from` (a file, a folder, a symbolic link of the user's) at `to` without copying
/// where it can: files as hard links (the same file under a second name, so it survives
/// the swap whatever happens), folders made anew with their contents carried the same way,
/// links as links; a file that cannot be linked is copied.
fn carry(from: &Path, to: &Path) -> std::io::Result<()> {
    let metadata = fs::symlink_metadata(from)?;
    let kind = metadata.file_type();
    if kind.is_symlink() {
        std::os::unix::fs::symlink(fs::read_link(from)?, to)
    } else if kind.is_dir() {
        fs::create_dir(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            carry(&entry.path(), &to.join(entry.file_name()))?;
        }
        fs::set_permissions(to, metadata.permissions())
    } else if kind.is_file() {
        fs::hard_link(from, to).or_else(|_| fs::copy(from, to).map(|_| ()))
    } else {
        Err(std::io::Error::new(
            ErrorKind::Unsupported,
            "neither a file, a folder nor a link",
        ))
    }
}

/// Removes what the earlier output at `old` was made of once the new one is in place: the
/// earlier run's files (if there was one), its record, and the copies of the files
/// carried over. Anything
/// else (a file that arrived in the folder during the swap) is moved into the new output
/// at `target`, or, where a name is taken, the earlier folder stays, named in a note.
fn clear_earlier(old: &Path, earlier: Option<&Record>, carried: &[String], target: &Path) {
    if fs::symlink_metadata(old).is_err() {
        return; // there was no earlier folder: the staging folder was moved into place
    }
    if let Some(earlier) = earlier {
        for name in earlier.files.keys().map(String::as_str).chain([RECORD]) {
            let _ = fs::remove_file(old.join(name));
        }
    }
    for name in carried {
        let path = old.join(name);
        if path.is_dir() && !fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink()) {
            let _ = fs::remove_dir_all(&path);
        } else {
            let _ = fs::remove_file(&path);
        }
    }
    let Ok(left) = fs::read_dir(old) else {
        return;
    };
    let mut stayed = false;
    for entry in left.flatten() {
        let into = target.join(entry.file_name());
        if fs::symlink_metadata(&into).is_ok() || fs::rename(entry.path(), &into).is_err() {
            stayed = true;
        }
    }
    if !stayed {
        let _ = fs::remove_dir(old);
        return;
    }
    let mut kept = old.as_os_str().to_owned();
    kept.push("-kept");
    let kept = PathBuf::from(kept);
    if fs::rename(old, &kept).is_ok() {
        eprintln!(
            "note: files that appeared in the output folder while it was replaced are kept in {}",
            kept.display()
        );
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
            // A folder appeared there in between (runs of a lesson hold the lock, so not
            // one of theirs): exchanged below, and whatever it held is kept.
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

    /// A run of `lesson` into `out` writing `files` (name, text), committed.
    fn run(out: &Path, lesson: &str, files: &[(&str, &str)]) -> Result<Committed> {
        let staged = Staged::begin(out, lesson)?;
        for (name, text) in files {
            fs::write(staged.dir().join(name), text).unwrap();
        }
        staged.commit()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_commit_replaces_the_earlier_runs_files_only() {
        // What is checked: the earlier run's own files are replaced (one it no longer
        // writes is gone), and a file, a folder and a link of the user's stay as they were.
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        run(&out, "01", &[("report.json", "1"), ("old.svg", "old")]).unwrap();
        fs::write(out.join("notes.txt"), "mine").unwrap();
        fs::create_dir(out.join("shots")).unwrap();
        fs::write(out.join("shots/a.png"), "png").unwrap();
        std::os::unix::fs::symlink("notes.txt", out.join("link")).unwrap();
        let committed = run(&out, "01", &[("report.json", "2"), ("new.svg", "new")]).unwrap();
        assert_eq!(committed.kept, ["link", "notes.txt", "shots"]);
        assert_eq!(
            names(&out),
            [
                RECORD,
                "link",
                "new.svg",
                "notes.txt",
                "report.json",
                "shots"
            ]
        );
        assert_eq!(fs::read_to_string(out.join("report.json")).unwrap(), "2");
        assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
        assert_eq!(fs::read_to_string(out.join("shots/a.png")).unwrap(), "png");
        assert_eq!(fs::read_to_string(out.join("link")).unwrap(), "mine");
        assert_eq!(names(root.path()), ["out"], "no staging left");
    }

    #[test]
    fn a_record_naming_a_file_outside_the_folder_is_refused_and_the_file_kept() {
        // What is checked: a planted record whose names leave the folder (`../`, an
        // absolute path), with each file's true size and sha256, makes the run refuse
        // before it writes, and neither file is deleted.
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        run(&out, "01", &[("report.json", "1")]).unwrap();
        let victim = root.path().join("victim.txt");
        fs::write(&victim, "thesis").unwrap();
        for name in ["../victim.txt".to_string(), victim.display().to_string()] {
            let mut record: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(out.join(RECORD)).unwrap()).unwrap();
            let entry = serde_json::to_value(written(&victim).unwrap()).unwrap();
            record["files"][name.as_str()] = entry;
            fs::write(out.join(RECORD), record.to_string()).unwrap();
            let error = run(&out, "01", &[("report.json", "2")])
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("not a file directly in that folder"),
                "{error}"
            );
            assert_eq!(fs::read_to_string(&victim).unwrap(), "thesis");
        }
    }

    #[test]
    fn a_changed_file_of_the_earlier_run_is_refused_not_replaced() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        run(&out, "01", &[("numbers.md", "computed")]).unwrap();
        fs::write(out.join("numbers.md"), "my edits").unwrap();
        let error = Staged::begin(&out, "01").unwrap_err().to_string();
        assert!(
            error.contains("numbers.md") && error.contains("was changed"),
            "{error}"
        );
        // Saved again with the same bytes: only its time changed, and it is replaced.
        fs::write(out.join("numbers.md"), "computed").unwrap();
        run(&out, "01", &[("numbers.md", "new")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("numbers.md")).unwrap(), "new");
    }

    #[test]
    fn two_runs_into_one_new_folder_never_lose_a_complete_output_silently() {
        // Both see no output yet and finish at once: one moves in, and the other must not
        // replace it silently (it did: both said "written to", one output gone). It is
        // refused, and the folder holds the first one's output, whole.
        for round in 0..50 {
            let root = tempfile::tempdir().unwrap();
            let out = root.path().join("out");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
            let runs: Vec<_> = ["a", "b"]
                .into_iter()
                .map(|run| {
                    let (out, barrier) = (out.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        let staged = Staged::begin(&out, "01").unwrap();
                        fs::write(staged.dir().join(format!("{run}.svg")), run).unwrap();
                        barrier.wait();
                        staged.commit().map(|_| run)
                    })
                })
                .collect();
            let results: Vec<Result<&str>> = runs.into_iter().map(|r| r.join().unwrap()).collect();
            let done: Vec<&str> = results
                .iter()
                .filter_map(|r| r.as_ref().ok().copied())
                .collect();
            assert_eq!(done.len(), 1, "round {round}: {results:?}");
            let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
            assert!(
                refused.to_string().contains("while this one ran"),
                "{refused}"
            );
            assert_eq!(
                names(&out),
                [RECORD.to_string(), format!("{}.svg", done[0])]
            );
            assert_eq!(
                names(root.path()),
                ["out"],
                "round {round}: no staging left"
            );
        }
    }

    #[test]
    fn a_symbolic_link_is_followed_and_a_dangling_one_refused_before_any_work() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real");
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let error = Staged::begin(&link, "01").unwrap_err().to_string();
        assert!(error.contains("symbolic link"), "{error}");
        fs::create_dir(&real).unwrap();
        let committed = run(&link, "01", &[("report.json", "1")]).unwrap();
        assert_eq!(committed.dir, link);
        run(&link, "01", &[("report.json", "2")]).unwrap();
        assert!(
            fs::symlink_metadata(&link).unwrap().is_symlink(),
            "the link stays a link"
        );
        assert_eq!(fs::read_to_string(real.join("report.json")).unwrap(), "2");
        assert_eq!(names(root.path()), ["link", "real"]);
    }

    #[test]
    fn an_abandoned_run_leaves_the_earlier_output_untouched() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        run(&out, "01", &[("report.json", "{\"lesson\": \"01\"}")]).unwrap();
        {
            let staged = Staged::begin(&out, "01").unwrap();
            fs::write(staged.dir().join("report.json"), "{\"cut").unwrap();
        }
        assert_eq!(
            fs::read_to_string(out.join("report.json")).unwrap(),
            "{\"lesson\": \"01\"}"
        );
        assert_eq!(names(root.path()), ["out"], "no staging left");
    }

    #[test]
    fn another_lessons_output_or_a_folder_without_a_record_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        run(&out, "02", &[("report.json", "{}")]).unwrap();
        let error = Staged::begin(&out, "01").unwrap_err().to_string();
        assert!(
            error.contains("lesson 02") && error.contains("--out"),
            "{error}"
        );
        // A copied report.json of this very lesson beside a thesis is no earlier run.
        let mine = root.path().join("documents");
        fs::create_dir(&mine).unwrap();
        fs::write(mine.join("report.json"), "{\"lesson\": \"01\"}").unwrap();
        fs::write(mine.join("thesis.tex"), "").unwrap();
        let error = Staged::begin(&mine, "01").unwrap_err().to_string();
        assert!(
            error.contains("not empty") && error.contains("--out"),
            "{error}"
        );
        assert_eq!(names(&mine), ["report.json", "thesis.tex"]);
    }

    #[test]
    fn errors_name_the_output_folder_not_the_staging_one() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let staged = Staged::begin(&out, "01").unwrap();
        let error = anyhow!("cannot draw {}", staged.dir().join("a.svg").display());
        let shown = staged.unstaged(error).to_string();
        assert_eq!(
            shown,
            format!("cannot draw {}", out.join("a.svg").display())
        );
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
