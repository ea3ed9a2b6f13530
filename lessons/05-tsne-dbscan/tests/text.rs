//! Token texts that break files and terminals: a model whose vocabulary holds every
//! control character, a bidirectional override, line separators, a line break and
//! markup, mapped by the lesson. Each format it writes must stay valid and show those
//! characters escaped (`\u{1b}`), never raw.

use std::process::Command;

use course_tests::{
    all_printable, chromium_or_skip, hostile_model, hostile_tokens, page_dom, svg_texts,
};

#[test]
fn hostile_token_texts_leave_every_output_valid_and_escaped() {
    // What is checked: the SVGs parse as XML (they held raw NUL and ESC, which XML 1.0
    // forbids), report.json parses as JSON and keeps the texts exactly, numbers.md and
    // the terminal hold no unprintable character and no table row broken by a line
    // break, and the "written to" line shows the output path's ESC and U+202E escaped.
    let root = tempfile::tempdir().unwrap();
    let model = root.path().join("model");
    std::fs::create_dir(&model).unwrap();
    hostile_model(&model, 40);
    let out = root.path().join("out\u{1b}[2J\u{202e}");
    let run = Command::new(env!("CARGO_BIN_EXE_lesson05"))
        .arg("--model")
        .arg(&model)
        .args([
            "--n-tokens",
            "30",
            "--perplexity",
            "5",
            "--iterations",
            "250",
        ])
        .arg("--out")
        .arg(&out)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8(run.stdout).unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let texts = svg_texts(&out).join("\n");
    assert!(texts.contains("\\u{0}\\u{1}\\u{2}"), "{texts}");
    assert!(texts.contains("evil\\u{202e}txt.exe"), "{texts}");
    assert!(texts.contains("<script>"), "markup is text, not elements");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let labels = report.to_string();
    for token in hostile_tokens() {
        assert!(
            labels.contains(&serde_json::Value::String(token.clone()).to_string()),
            "{token:?} is kept exactly in report.json"
        );
    }

    let numbers = std::fs::read_to_string(out.join("numbers.md")).unwrap();
    assert!(all_printable(&numbers), "{numbers:?}");
    for line in numbers.lines().filter(|l| l.starts_with('|')) {
        assert!(line.ends_with('|'), "a broken table row: {line:?}");
    }
    assert!(numbers.contains("\\u{1b}"), "{numbers}");

    assert!(all_printable(&stdout), "{stdout:?}");
    assert!(
        stdout.contains("written to") && stdout.contains("out\\u{1b}[2J\\u{202e}"),
        "{stdout}"
    );

    // map.html shows the override as its code point, so it cannot reverse the page's text
    // around it: the page's own self-test hovers over the token and records the tooltip.
    let evil = 2; // hostile_model's id of "evil\u{202e}txt.exe"
    assert!(report["tokens"].as_array().unwrap().contains(&evil.into()));
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let page = out.join("map.html");
    let html = page_dom(&browser, &page, &format!("id={evil}&selftest"), (1200, 800));
    assert!(
        html.contains("data-hover=\"evil⟨U+202E⟩txt.exe\""),
        "{html}"
    );
    assert!(
        !html.contains('\u{202e}'),
        "the raw override reached the page"
    );
}
