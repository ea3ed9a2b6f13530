//! What every lesson's tests share: running a lesson on the offline stand-ins, comparing
//! its report with the reviewed snapshot in `snapshots/`, and reading a one-line error.
//! A lesson's own tests live in its folder (`lessons/NN-name/tests/`) and use these.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use common::run::report::rounded;
use tempfile::TempDir;

/// Where the reviewed snapshots live: `snapshots/` at the workspace root.
fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../snapshots")
}

/// Compares `value`, floats rounded to 4 significant digits (so the last bits of
/// floating-point arithmetic cannot fail it), with the snapshot `name`. A report's memory
/// estimate is left out: it is what the run was sized by, not a result of the lesson
/// (`bench/scale.py` checks it against measured peaks).
pub fn assert_snapshot(name: &str, value: &serde_json::Value) {
    let mut value = value.clone();
    if let Some(report) = value.as_object_mut() {
        report.remove("memory");
    }
    let rounded = rounded(&value, 4);
    insta::with_settings!({ snapshot_path => snapshot_dir(), prepend_module_to_snapshot => false }, {
        insta::assert_json_snapshot!(name, rounded);
    });
}

/// A lesson's flags for a run on the stand-ins into `out`, with `extra` flags after.
pub fn standin_args<A: clap::Parser>(lesson: &str, out: &Path, extra: &[&str]) -> A {
    let out = out
        .to_str()
        .expect("temporary directories have UTF-8 paths");
    let mut args = vec![lesson, "--standin", "--out", out];
    args.extend_from_slice(extra);
    A::parse_from(args)
}

/// A fresh output directory for one run.
pub fn out_dir() -> TempDir {
    tempfile::tempdir().expect("a temporary directory can be created")
}

/// Runs a lesson binary (offline) with `args`.
pub fn run_binary(binary: &str, args: &[&str]) -> Output {
    Command::new(binary)
        .args(args)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .expect("the lesson binary runs")
}

/// A lesson binary on the stand-ins, offline, writing into `out`, with `args`; the kill
/// hook of a fault test is never inherited from the environment.
pub fn standin_lesson(binary: &str, out: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(binary);
    command
        .arg("--standin")
        .args(args)
        .arg("--out")
        .arg(out)
        .env("HF_HUB_OFFLINE", "1")
        .env_remove("EMBEDDING_KILL_AFTER_FILES");
    command
}

/// Runs a prepared lesson command to its end.
pub fn output_of(command: &mut Command) -> Output {
    command.output().expect("the lesson binary runs")
}

/// The error a user sees: exactly one line, starting `error:`, last on stderr, no panic.
pub fn one_line_error(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "stderr: {stderr}");
    assert_eq!(
        stderr.lines().last(),
        Some(errors[0]),
        "the error is the last line: {stderr}"
    );
    errors[0].to_string()
}

/// Every figure `names` exists in `dir` as SVG and PNG.
pub fn assert_figures(dir: &Path, names: &[&str]) {
    for name in names {
        for ext in ["svg", "png"] {
            let file = dir.join(format!("{name}.{ext}"));
            assert!(file.is_file(), "{} is missing", file.display());
        }
    }
}

/// `report.json` as written to `dir`.
pub fn report_on_disk(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json is written");
    serde_json::from_str(&text).expect("report.json is JSON")
}

/// Every file of `dir` with its bytes, to show an output is untouched byte for byte.
pub fn contents(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the folder can be listed")
        .map(|entry| {
            let entry = entry.expect("the folder can be listed");
            let bytes = std::fs::read(entry.path()).expect("its files can be read");
            (entry.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

/// A tmpfs of `kib` KiB mounted on `dir`, unmounted when dropped: a small disk to fill.
/// `None` where it cannot be mounted (the tests that use it need root, and skip without).
pub struct Tmpfs(PathBuf);

impl Tmpfs {
    pub fn mount(dir: &Path, kib: u64) -> Option<Self> {
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        mounted.then(|| Self(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Runs `command` to its end (its output discarded) and returns its exit status and its
/// peak resident memory in bytes (the kernel's `ru_maxrss` for the child, from `wait4`).
#[allow(clippy::zombie_processes)] // the child is reaped by wait4, not Child::wait
pub fn peak_memory(command: &mut Command) -> (std::process::ExitStatus, u64) {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the command starts");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value, which wait4 overwrites.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `child` is ours and not yet reaped; `status` and `usage` outlive the call.
    let reaped = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(reaped, child.id() as libc::pid_t, "wait4 failed");
    (
        std::process::ExitStatus::from_raw(status),
        usage.ru_maxrss as u64 * 1024,
    )
}
