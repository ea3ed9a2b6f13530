//! The largest vocabularies' benchmark (`bench/scale.py`) in small: every lesson end to
//! end on a model generated here (20,000 tokens, the same GGUF Q8_0 and byte-level BPE as
//! the 256,000-token one), lesson 2's `--graph` and lesson 5's whole-vocabulary map among
//! them, each run's peak memory measured and held to the bound the large runs are held to.
//!
//! The bound: a run's peak resident memory is at most 1.5× the f32 bytes of the matrices
//! it holds, beside what the run declares it needs apart from them (the program, the
//! tokenizers and its work: the estimate in `report.json`, made before the matrix is
//! read). On the large models the matrices are most of it; here they are not, so the
//! same bound also checks that the declared estimate is not short.
//!
//! Each lesson runs as a child process (this binary again, told which lesson to be by an
//! environment variable, through the lesson's own `main`), so `wait4` reports its peak
//! alone.

use std::path::Path;
use std::process::{Command, ExitCode};

use bench::generate::{ModelSpec, generate_model};
use course_tests::peak_memory;

const CHILD: &str = "SCALE_TEST_LESSON";
const SPEC: ModelSpec = ModelSpec {
    rows: 20_000,
    cols: 512,
    seed: 3,
};

fn main() -> ExitCode {
    match std::env::var(CHILD).as_deref() {
        Ok("lesson01") => common::run::cli::main(lesson01::run),
        Ok("lesson02") => common::run::cli::main(lesson02::run),
        Ok("lesson03") => common::run::cli::main(lesson03::run),
        Ok("lesson04") => common::run::cli::main(lesson04::run),
        Ok("lesson05") => common::run::cli::main(lesson05::run),
        Ok(other) => panic!("no lesson {other}"),
        Err(_) => {
            every_lesson_runs_on_a_generated_vocabulary_within_the_memory_bound();
            ExitCode::SUCCESS
        }
    }
}

fn every_lesson_runs_on_a_generated_vocabulary_within_the_memory_bound() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let model = dir.path().join("model");
    generate_model(&model, SPEC).expect("the model is generated");
    let m = model.to_str().expect("a UTF-8 path");
    let map = format!("first:{}", SPEC.rows - 4); // every token but the 4 special ones
    let models = format!("{m},{m}");
    let pair = ["--bert", m, "--gpt", m];
    let runs: [(&str, Vec<&str>); 5] = [
        ("lesson01", pair.to_vec()),
        ("lesson02", [&pair[..], &["--graph"]].concat()),
        ("lesson03", [&pair[..], &["--models", &models]].concat()),
        ("lesson04", vec!["--model", m]),
        // The whole vocabulary, as bench/scale.py maps 256,000 tokens (a quarter of the
        // descent's iterations, the least lesson 5 takes: the same code, in seconds).
        (
            "lesson05",
            vec![
                "--model",
                m,
                "--tokens",
                &map,
                "--method",
                "fft",
                "--iterations",
                "250",
                "--eps",
                "1",
                "--min-samples",
                "10",
            ],
        ),
    ];
    let matrix = (SPEC.rows * SPEC.cols * 4) as u64;
    for (lesson, args) in runs {
        let out = dir.path().join(lesson);
        let start = std::time::Instant::now();
        let (status, peak) = peak_memory(
            Command::new(std::env::current_exe().expect("the test binary"))
                .env(CHILD, lesson)
                .env("HF_HUB_OFFLINE", "1")
                .args(&args)
                .arg("--out")
                .arg(&out),
        );
        assert!(status.success(), "{lesson} {args:?} failed ({status})");
        let estimate = &report(&out)["memory"];
        let declared = estimate["peak"].as_u64().expect("an estimated peak");
        let matrices = estimate["matrices"].as_u64().expect("the matrices' bytes");
        // One matrix, however many flags name the model: it is loaded once.
        assert_eq!(matrices, matrix, "{lesson}");
        let bound = declared + matrices / 2;
        println!(
            "{lesson}: {:.1} s, peak {:.1} MB, estimate {:.1} MB, bound {:.1} MB (matrix {:.1} MB)",
            start.elapsed().as_secs_f64(),
            peak as f64 / 1e6,
            declared as f64 / 1e6,
            bound as f64 / 1e6,
            matrix as f64 / 1e6
        );
        assert!(
            peak <= bound,
            "{lesson}: peak {peak} bytes past the bound {bound}"
        );
    }
    // What the lessons made of the whole vocabulary.
    let graph = &report(&dir.path().join("lesson02"))["graph"];
    assert_eq!(graph["bert"]["k"], 15, "{graph}");
    assert_eq!(
        graph["bert"]["hubs"].as_array().map(Vec::len),
        Some(10),
        "{graph}"
    );
    let explorer = &report(&dir.path().join("lesson05"))["explorer"];
    assert_eq!(explorer["vocabulary"], SPEC.rows - 4, "{explorer}");
    assert!(dir.path().join("lesson05/map.html").is_file());
    println!("every lesson ran within the memory bound");
}

fn report(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json is written");
    serde_json::from_str(&text).expect("report.json is JSON")
}
