//! Lesson 5 killed while it writes its map: the map's page and data are files like the
//! figures, counted by the kill hook, and a run stopped between them leaves the earlier
//! complete output byte for byte.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use course_tests::{contents, output_of, standin_lesson};

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
