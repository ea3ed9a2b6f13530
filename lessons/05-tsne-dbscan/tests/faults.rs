//! Lesson 5 killed while it writes its map: the map's page and data are files like the
//! figures, counted by the kill hook, and a run stopped between them leaves the earlier
//! complete output byte for byte.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use course_tests::{Tmpfs, contents, one_line_error, output_of, standin_lesson};

/// Lesson 5 on the stand-ins into `out`, offline, with a short optimisation.
fn lesson(out: &Path, extra: &[&str]) -> Command {
    standin_lesson(
        env!("CARGO_BIN_EXE_lesson05"),
        out,
        &[&["--iterations", "300"], extra].concat(),
    )
}

#[test]
fn a_run_killed_while_writing_its_map_leaves_the_earlier_output_intact() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let first = output_of(&mut lesson(&out, &[]));
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = contents(&out);
    // The figures come first (two files each), then the map's data and page, then the report.
    let figures = before
        .keys()
        .filter(|name| name.ends_with(".svg") || name.ends_with(".png"))
        .count();
    assert!(before.contains_key("map-data.js") && before.contains_key("map.html"));
    let killed = output_of(
        lesson(&out, &["--seed", "7"]).env("EMBEDDING_KILL_AFTER_FILES", (figures + 1).to_string()),
    );
    assert_eq!(
        killed.status.signal(),
        Some(9),
        "killed after the map's data"
    );
    assert_eq!(contents(&out), before, "the earlier output is untouched");
    // The killed run's staging folder shows where it stopped: map written, no report.
    let staging: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(".staging-"))
        })
        .collect();
    assert_eq!(staging.len(), 1, "{staging:?}");
    let left = contents(&staging[0]);
    assert!(left.contains_key("map-data.js"), "{:?}", left.keys());
    assert!(!left.contains_key("report.json"), "{:?}", left.keys());
}

#[test]
fn a_map_larger_than_the_free_disk_is_refused_before_the_work() {
    // A 6 MB disk holding 4 MB already: 4,000 tokens' output (3.3 MB measured, 6.3 MB
    // estimated) does not fit, and the run says so before t-SNE, naming the flag.
    let disk = tempfile::tempdir().unwrap();
    let Some(_tmpfs) = Tmpfs::mount(disk.path(), 6 * 1024) else {
        eprintln!("skipped: cannot mount a tmpfs here (the test needs root)");
        return;
    };
    std::fs::write(disk.path().join("earlier"), vec![7u8; 4 << 20]).unwrap();
    let out = disk.path().join("out");
    let started = std::time::Instant::now();
    let run = output_of(&mut lesson(&out, &["--n-tokens", "4000"]));
    assert_eq!(run.status.code(), Some(1));
    let error = one_line_error(&run);
    assert!(
        error.contains("on the disk holding")
            && error.contains("with --n-tokens 4000")
            && error.contains("the largest --n-tokens that fits is"),
        "{error}"
    );
    assert!(!out.exists(), "nothing written");
    // Before the work: t-SNE of 4,000 tokens alone takes about 20 s here.
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
}
