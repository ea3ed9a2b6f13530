//! The lesson as a user runs it: flags, exit codes and one-line errors.

use std::process::{Command, Output};

use course_tests::one_line_error;

fn lesson(args: &[&str]) -> Output {
    course_tests::run_binary(env!("CARGO_BIN_EXE_lesson01"), args)
}

#[test]
fn help_explains_every_flag() {
    let out = lesson(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--bert",
        "--gpt",
        "--word",
        "--seed",
        "--backend",
        "--standin",
        "--out",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn an_invalid_model_name_is_one_line_and_exit_1() {
    let out = lesson(&["--bert", "no/such/model"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_line_error(&out).contains("neither a local directory nor a Hub repo id"));
}

#[test]
fn a_model_that_is_not_cached_offline_names_the_fix() {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lesson01"))
        .args(["--bert", "someone/not-cached"])
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HUB_CACHE", cache.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let error = one_line_error(&out);
    assert!(
        error.contains("not in the Hugging Face cache") && error.contains("--standin"),
        "{error}"
    );
}

#[test]
fn a_truncated_safetensors_file_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vocab.txt"),
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n",
    )
    .unwrap();
    // A valid header promising 6×4 f32 values, followed by only a few bytes of them.
    let header = br#"{"embeddings.word_embeddings.weight":{"dtype":"F32","shape":[6,4],"data_offsets":[0,96]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(&[0u8; 10]);
    std::fs::write(dir.path().join("model.safetensors"), bytes).unwrap();
    let out = lesson(&["--standin", "--bert", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_line_error(&out).contains("not a valid safetensors file"));
}

#[test]
fn an_unknown_backend_is_rejected_by_the_parser() {
    let out = lesson(&["--backend", "cuda"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values: flex, ndarray, wgpu"));
}

#[test]
fn an_unwritable_output_directory_is_refused_before_any_work() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let inside_a_file = file.path().join("out");
    let out = lesson(&["--standin", "--out", inside_a_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_line_error(&out).contains("choose another with --out"));
}

#[test]
fn wgpu_without_a_matching_adapter_is_one_line_not_a_hang() {
    if !common::tensor::backend::WGPU_BUILT {
        eprintln!("built without the wgpu feature: see wgpu_not_built_names_the_feature");
        return;
    }
    // Ask cubecl's wgpu runtime for a discrete GPU no machine here has: the same path as a
    // machine with no adapter at all, answered at start-up.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lesson01"))
        .args([
            "--standin",
            "--backend",
            "wgpu",
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .env("CUBECL_WGPU_DEFAULT_DEVICE", "DiscreteGpu(7)")
        // Mesa complains on stderr without a runtime directory; give it one (mode 0700).
        .env("XDG_RUNTIME_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let error = one_line_error(&out);
    assert!(
        error.contains("no wgpu adapter") && error.contains("--backend flex"),
        "{error}"
    );
}

#[test]
fn wgpu_not_built_names_the_feature() {
    if common::tensor::backend::WGPU_BUILT {
        eprintln!(
            "built with the wgpu feature: see wgpu_without_a_matching_adapter_is_one_line_not_a_hang"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = lesson(&[
        "--standin",
        "--backend",
        "wgpu",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let error = one_line_error(&out);
    assert!(
        error.contains("cargo run -p lesson01 --features wgpu") && error.contains("--backend flex"),
        "{error}"
    );
}

#[test]
fn a_script_planted_above_the_working_directory_never_runs() {
    // What is checked: with the stand-ins not yet laid out, the lesson fetches them with the
    // script compiled into it, never with a `scripts/fetch-standins.sh` found above the
    // folder it was started in. The planted script would leave a marker; PATH holds only
    // bash, so the real fetch stops at once (no download) with a one-line error.
    let root = tempfile::tempdir().unwrap();
    let marker = root.path().join("MARKER");
    std::fs::create_dir_all(root.path().join("scripts")).unwrap();
    std::fs::write(
        root.path().join("scripts/fetch-standins.sh"),
        format!("echo ran > '{}'\nexit 1\n", marker.display()),
    )
    .unwrap();
    let started_in = root.path().join("project/notes");
    std::fs::create_dir_all(&started_in).unwrap();
    let bash_only = root.path().join("bin");
    std::fs::create_dir(&bash_only).unwrap();
    let bash = ["/bin/bash", "/usr/bin/bash"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("bash is installed");
    std::os::unix::fs::symlink(bash, bash_only.join("bash")).unwrap();
    let standins = root.path().join("standins");
    let out = Command::new(env!("CARGO_BIN_EXE_lesson01"))
        .args(["--standin", "--out"])
        .arg(root.path().join("out"))
        .current_dir(&started_in)
        .env("PATH", &bash_only)
        .env("EMBEDDING_STANDINS_DIR", &standins)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    one_line_error(&out);
    assert!(!marker.exists(), "the planted script ran");
}

#[test]
fn a_stand_in_folder_that_is_a_file_names_the_variable() {
    // What is checked: EMBEDDING_STANDINS_DIR naming a file is one line naming the
    // variable (it said only "File exists"), and the file is left as it was.
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("standins");
    std::fs::write(&file, "mine").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lesson01"))
        .args(["--standin", "--out"])
        .arg(root.path().join("out"))
        .env("EMBEDDING_STANDINS_DIR", &file)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let error = one_line_error(&out);
    assert!(
        error.contains("EMBEDDING_STANDINS_DIR") && error.contains("not a folder"),
        "{error}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}
