//! What every lesson's tests share: running a lesson on the offline stand-ins, comparing
//! its report with the reviewed snapshot in `snapshots/`, and reading a one-line error.
//! A lesson's own tests live in its folder (`lessons/NN-name/tests/`) and use these.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use common::run::report::rounded;
use tempfile::TempDir;

/// Where the reviewed snapshots live: `snapshots/` at the workspace root (the nearest
/// folder with a `Cargo.lock`), found at run time from the folder of the test cargo runs
/// (`CARGO_MANIFEST_DIR` in its environment). Not from this crate's compile-time path:
/// two clones built into one target folder share this compiled crate, and one clone's
/// tests must never read or update the other's snapshots.
fn snapshot_dir() -> PathBuf {
    let test_crate = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let root = test_crate
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .unwrap_or_else(|| panic!("no workspace (Cargo.lock) above {}", test_crate.display()));
    root.join("snapshots")
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

/// Token texts a hostile vocabulary holds: every control character in one token (C0, DEL
/// and C1), a bidirectional override, line and paragraph separators, a lone line break,
/// a noncharacter, and text that looks like markup or a Markdown table cell.
pub fn hostile_tokens() -> Vec<String> {
    let controls: String = (0u32..0x20)
        .chain(0x7f..0xa0)
        .filter_map(char::from_u32)
        .collect();
    [
        controls.as_str(),
        "evil\u{202e}txt.exe",
        "line\u{2028}para\u{2029}end",
        "\n",
        "a\nb",
        "\u{feff}\u{200b}\u{fffe}",
        "<script>alert(1)</script>&amp;",
        "pipe|cell`tick*star*",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// A small model in `dir` whose vocabulary holds [`hostile_tokens`] among plain ones
/// (`tok0`, `tok1`, …): a word-level `tokenizer.json`, a GPT-2 `config.json` and a
/// `model.safetensors` of seeded random `rows × 8` embeddings, so a lesson runs on it as
/// on any local model. The hostile tokens are ids 1, 2, … (id 0 is `[UNK]`).
pub fn hostile_model(dir: &Path, rows: usize) {
    let mut vocab = vec!["[UNK]".to_string()];
    vocab.extend(hostile_tokens());
    let plain = rows.saturating_sub(vocab.len());
    vocab.extend((0..plain).map(|i| format!("tok{i}")));
    let ids: serde_json::Map<String, serde_json::Value> = vocab
        .iter()
        .enumerate()
        .map(|(id, token)| (token.clone(), id.into()))
        .collect();
    let tokenizer = serde_json::json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [],
        "normalizer": null,
        "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": null,
        "decoder": null,
        "model": {"type": "WordLevel", "vocab": ids, "unk_token": "[UNK]"}
    });
    std::fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
    std::fs::write(
        dir.join("config.json"),
        r#"{"model_type": "gpt2", "n_layer": 2, "n_head": 2, "n_embd": 8}"#,
    )
    .unwrap();
    let mut rng = common::rng::SeededRng::new(7);
    let values: Vec<u8> = (0..vocab.len() * 8)
        .flat_map(|_| (rng.normal() as f32).to_le_bytes())
        .collect();
    common::model::weights::write_safetensors(
        &dir.join("model.safetensors"),
        &[common::model::weights::SafetensorsEntry {
            name: "wte.weight".into(),
            dtype: "F32".into(),
            shape: vec![vocab.len(), 8],
            bytes: values,
        }],
    )
    .unwrap();
}

/// Whether `text` holds only what every format shows as it is: no control, format or
/// separator characters and no noncharacters, line breaks (`\n`) aside.
pub fn all_printable(text: &str) -> bool {
    text.chars()
        .all(|c| c == '\n' || !common::text::is_unprintable(c))
}

/// Parses every SVG in `dir` as XML, failing with the file and the parser's reason, and
/// returns the text of all their `<text>` elements.
pub fn svg_texts(dir: &Path) -> Vec<String> {
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the folder can be listed") {
        let path = entry.expect("the folder can be listed").path();
        if path.extension().is_none_or(|e| e != "svg") {
            continue;
        }
        let svg = std::fs::read_to_string(&path).expect("the SVG is UTF-8");
        let document = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{} is not well-formed XML: {e}", path.display()));
        texts.extend(
            document
                .descendants()
                .filter(|n| n.has_tag_name("text"))
                .filter_map(|n| n.text())
                .map(str::to_string),
        );
    }
    texts
}

/// `command` with its address space limited to `bytes` (`ulimit -v`, `RLIMIT_AS`), set in
/// the child before the program starts.
pub fn limit_address_space(command: &mut Command, bytes: u64) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec the closure only calls setrlimit, which is
    // async-signal-safe, and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        })
    }
}

/// The DOM of a lesson's `page` opened at `#fragment` in headless Chromium (`browser`),
/// in a `width × height` window, once its scripts have run. The file's path is
/// percent-encoded, so a folder named with control characters opens too.
pub fn page_dom(
    browser: &Path,
    page: &Path,
    fragment: &str,
    (width, height): (u32, u32),
) -> String {
    let path: String = page
        .to_string_lossy()
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'.' | b'-' | b'_' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("file://{path}#{fragment}"))
        .output()
        .expect("Chromium starts");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Headless Chromium for a test that opens a lesson's page: the first of `chromium`,
/// `chromium-browser`, `google-chrome` on the PATH. Without one the test is skipped (with
/// a note), unless `REQUIRE_BROWSER` is set, as CI sets it: then the test fails.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "REQUIRE_BROWSER is set but no Chromium is on the PATH: apt-get install chromium"
        );
        eprintln!("skipped: no Chromium on the PATH (apt-get install chromium)");
    }
    found
}
