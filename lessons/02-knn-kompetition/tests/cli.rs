//! Lesson 2's edge cases as a user meets them: exit code and one line on stderr.

use std::process::Output;

use course_tests::one_line_error;

fn lesson(args: &[&str]) -> Output {
    let out = tempfile::tempdir().unwrap();
    lesson_into(args, out.path())
}

fn lesson_into(args: &[&str], out: &std::path::Path) -> Output {
    let mut all = args.to_vec();
    all.extend(["--standin", "--out", out.to_str().unwrap()]);
    course_tests::run_binary(env!("CARGO_BIN_EXE_lesson02"), &all)
}

/// The token ids the lesson reports for each of its words, BERT's then GPT-2's.
fn reported_ids(out: &std::path::Path) -> Vec<(Vec<u64>, Vec<u64>)> {
    let ids = |ids: &serde_json::Value| -> Vec<u64> {
        ids.as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect()
    };
    course_tests::report_on_disk(out)["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (ids(&w["ids"]["bert"]), ids(&w["ids"]["gpt"])))
        .collect()
}

#[test]
fn blank_words_are_a_usage_error() {
    for blank in ["", "  ", "\t\n", " , "] {
        let out = lesson(&["--words", blank]);
        assert_eq!(out.status.code(), Some(2), "{blank:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("at least one word"));
    }
}

#[test]
fn a_word_without_tokens_is_refused() {
    // A zero-width space is not blank to the flag parser but gives no tokens.
    let out = lesson(&["--words", "\u{200b}"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_line_error(&out).contains("gives no tokens"));
}

#[test]
fn accented_words_are_searched_as_bert_uncased_strips_them() {
    // bert-base-uncased lower-cases and strips accents: "Café" is the token "cafe"
    // (transformers' BertTokenizer gives the same), while GPT-2 keeps the bytes of "é".
    let out = tempfile::tempdir().unwrap();
    let run = lesson_into(&["--words", "Café,cafe", "--k", "3"], out.path());
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ids = reported_ids(out.path());
    assert_eq!(ids[0].0, ids[1].0, "BERT: same token");
    assert_eq!(ids[0].0.len(), 1);
    assert_ne!(ids[0].1, ids[1].1, "GPT-2: different tokens");
}

#[test]
fn a_very_long_word_is_one_short_error_line() {
    // BERT's WordPiece gives [UNK] for any word over 100 characters.
    let long = "a".repeat(5000);
    let out = lesson(&["--words", &long]);
    assert_eq!(out.status.code(), Some(1));
    let line = one_line_error(&out);
    assert!(
        line.contains("[UNK]") && line.contains("5000 characters"),
        "{line}"
    );
    assert!(line.len() < 300, "{line}");
}

#[test]
fn a_multi_token_word_is_searched_from_the_mean_of_its_tokens() {
    let out = tempfile::tempdir().unwrap();
    let run = lesson_into(&["--words", "unbelievably", "--k", "3"], out.path());
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ids = reported_ids(out.path());
    assert!(ids[0].0.len() > 1 || ids[0].1.len() > 1, "{ids:?}");
    assert!(String::from_utf8_lossy(&run.stdout).contains("mean of their vectors"));
}

#[test]
fn an_unknown_word_is_refused_not_searched_as_unk() {
    let out = lesson(&["--words", "🤗"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_line_error(&out).contains("[UNK]"));
}

#[test]
fn k_zero_is_a_usage_error() {
    let out = lesson(&["--k", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_usage_error_is_one_line_with_clap_s_tip() {
    // clap prints a usage block and a hint below its error; a lesson keeps the error
    // and any tip on one line.
    let out = lesson(&["--wrods", "ring"]);
    assert_eq!(out.status.code(), Some(2));
    let error = one_line_error(&out);
    assert_eq!(
        error,
        "error: unexpected argument '--wrods' found (a similar argument exists: '--words'); see --help"
    );
    let out = lesson(&["--k", "0"]);
    assert!(one_line_error(&out).ends_with("; see --help"));
    // --help is still clap's whole page, on stdout, with exit status 0.
    let help = lesson(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage:"));
}

#[test]
fn k_larger_than_the_vocabulary_lists_every_token() {
    let out = lesson(&["--words", "ring", "--k", "60000", "--metric", "cosine"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("more than a vocabulary holds"));
}

#[test]
fn figure_names_from_words_are_bounded_and_distinct() {
    let out = tempfile::tempdir().unwrap();
    let long = "東".repeat(90);
    let words = format!("new-york,new_york,{long}");
    let output = lesson_into(&["--words", &words], out.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = course_tests::report_on_disk(out.path());
    let figures: Vec<&str> = report["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    // Three words, a raw and a normalised figure each, as SVG and PNG: twelve files.
    assert_eq!(figures.len(), 12, "{figures:?}");
    let distinct: std::collections::BTreeSet<&&str> = figures.iter().collect();
    assert_eq!(distinct.len(), 12, "{figures:?}");
    for figure in &figures {
        assert!(figure.len() < 255, "{figure}");
        assert!(out.path().join(figure).is_file(), "{figure} is missing");
    }
}

#[test]
fn control_characters_in_words_are_shown_escaped() {
    // What is checked: a typed word holding ESC, BEL, a bidirectional override (U+202E)
    // and a line separator (U+2028) reaches no output raw: the terminal shows them
    // escaped, the figures' SVG (whose titles name the word) parses as XML (it held raw
    // ESC, which XML forbids), numbers.md holds none of them, report.json keeps the word.
    let word = "ring\u{1b}]0;retitled\u{7}\u{202e}gn\u{2028}ir";
    let out = tempfile::tempdir().unwrap();
    let output = lesson_into(&["--words", word], out.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(course_tests::all_printable(&stdout), "{stdout:?}");
    assert!(
        stdout.contains("ring\\u{1b}]0;retitled\\u{7}\\u{202e}gn\\u{2028}ir"),
        "{stdout}"
    );
    let titles = course_tests::svg_texts(out.path()).join("\n");
    assert!(titles.contains("ring\\u{1b}]0;retitled"), "{titles}");
    let numbers = std::fs::read_to_string(out.path().join("numbers.md")).unwrap();
    assert!(course_tests::all_printable(&numbers), "{numbers:?}");
    assert_eq!(
        course_tests::report_on_disk(out.path())["words"][0]["word"],
        word
    );
}

#[test]
fn an_endless_word_list_is_refused_before_it_is_read_whole() {
    let out = lesson(&["--words", "@/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never ends"));
}

#[test]
fn a_graph_larger_than_memory_names_the_largest_k_that_fits() {
    // 49,151 neighbours of each of the GPT stand-in's 49,152 tokens: about 39 GB.
    let free = common::run::resources::available_memory().unwrap_or(u64::MAX);
    if free > 38_000_000_000 {
        eprintln!("skipped: this machine has {free} bytes free, enough for the whole graph");
        return;
    }
    let out = lesson(&["--words", "ring", "--k", "1000000", "--graph"]);
    assert_eq!(out.status.code(), Some(1));
    let error = one_line_error(&out);
    assert!(error.contains("the largest --k that fits is"), "{error}");
    // Refused before the first word is searched, not after the words' work.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("Seed word"), "{stdout}");
}

#[test]
fn figures_past_max_word_figures_are_listed_as_not_drawn() {
    let out = tempfile::tempdir().unwrap();
    let output = lesson_into(
        &["--words", "ring,moon,star", "--max-word-figures", "1"],
        out.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = course_tests::report_on_disk(out.path());
    // Every word searched and reported, the first drawn: raw and normalised, SVG and PNG.
    assert_eq!(report["words"].as_array().unwrap().len(), 3);
    assert_eq!(
        report["words_not_drawn"],
        serde_json::json!(["moon", "star"])
    );
    let figures = report["figures"].as_array().unwrap();
    assert_eq!(figures.len(), 4, "{figures:?}");
    assert!(figures.iter().all(|f| f.as_str().unwrap().contains("ring")));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("2 words past --max-word-figures 1 were searched, not drawn"),
        "{stdout}"
    );
}

#[test]
fn a_word_list_larger_than_memory_names_the_largest_count_that_fits() {
    // Five million words (15 MB, under the list-file limit) at about 70 KB of results
    // each: some 350 GB, refused before the first word is searched.
    let free = common::run::resources::available_memory().unwrap_or(u64::MAX);
    if free > 300_000_000_000 {
        eprintln!("skipped: this machine has {free} bytes free, enough for every word");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("words.txt");
    std::fs::write(&list, "ab\n".repeat(5_000_000)).unwrap();
    let out = lesson(&["--words", &format!("@{}", list.display())]);
    assert_eq!(out.status.code(), Some(1));
    let error = one_line_error(&out);
    assert!(
        error.contains("--words 5000000") && error.contains("the largest --words that fits is"),
        "{error}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Seed word"));
}

#[test]
fn a_graph_past_an_address_space_limit_is_the_estimate_error_not_an_abort() {
    // What is checked: under an address-space limit (RLIMIT_AS, `ulimit -v`) of 1.2 GB,
    // which both models load in, a graph needing about 1.6 GB is refused by the estimate
    // in one line naming --k, before the words' work. The estimate read only MemAvailable
    // and cgroup v2, so the run went on and aborted ("memory allocation of … failed",
    // exit 134).
    let out = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_lesson02"));
    command
        .args([
            "--standin",
            "--words",
            "ring",
            "--graph",
            "--k",
            "2000",
            "--out",
        ])
        .arg(out.path().join("out"))
        .env("HF_HUB_OFFLINE", "1")
        .env("RAYON_NUM_THREADS", "2");
    course_tests::limit_address_space(&mut command, 1_200_000_000);
    let run = command.output().unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let error = one_line_error(&run);
    assert!(
        error.contains("--k 2000") && error.contains("the largest --k that fits is"),
        "{error}"
    );
    assert!(!String::from_utf8_lossy(&run.stdout).contains("Seed word"));
}
