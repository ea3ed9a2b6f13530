//! Lesson 5's interactive map, `map.html`, opened in a real browser: headless Chromium
//! loads it from `file://` with a deep link, and the DOM it renders must show the linked
//! token with the lesson's own nearest-neighbour graph, after hover and search ran
//! without an error. Tokens holding `<` and `&` are in the map, so text that looks like
//! markup must arrive as text.
//!
//! CI installs Chromium (`apt-get install chromium`) and sets `REQUIRE_BROWSER=1`;
//! elsewhere the browser test says it was skipped when no Chromium is on the PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Backend;
use common::analysis::neighbours::knn_graph;
use common::model::files::locate;
use common::model::{Model, display_text, standins, token_text};
use course_tests::{out_dir, standin_args};
use lesson05::{Args, MAP_NEIGHBOURS, run};

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The map's tokens: the GPT stand-in's first 150 text tokens and up to 40 whose text holds
/// `<` or `&`, written as an `@FILE` token list.
fn token_file(model: &Model, dir: &Path) -> (PathBuf, Vec<usize>) {
    let vocabulary = model.tokenizer.vocab_strings();
    let mut ids: Vec<usize> = (17..167).collect(); // SmolLM2's ids 0–16 are special
    ids.extend(
        (167..vocabulary.len())
            .filter(|&id| vocabulary[id].contains('<') || vocabulary[id].contains('&'))
            .take(40),
    );
    let path = dir.join("tokens.txt");
    let text: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    std::fs::write(&path, text.join("\n")).unwrap();
    (path, ids)
}

/// An attribute's value in Chromium's serialised DOM, unescaped.
fn attribute(html: &str, element_start: &str, name: &str) -> String {
    let element = &html[html.find(element_start).expect(element_start)..];
    let element = &element[..element.find('>').unwrap()];
    let key = format!("{name}=\"");
    let Some(at) = element.find(&key) else {
        return String::new();
    };
    let value = &element[at + key.len()..];
    unescape(&value[..value.find('"').unwrap()])
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[test]
fn map_data_holds_every_token_with_its_neighbours() {
    let out = out_dir();
    let report = run(&standin_args::<Args>("lesson05", out.path(), &[])).unwrap();
    let script = std::fs::read_to_string(out.path().join("map-data.js")).unwrap();
    let json = script
        .strip_prefix("window.MAP_DATA = ")
        .and_then(|s| s.trim_end().strip_suffix(';'))
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(data["tokens"].as_array().unwrap().len(), 100);
    assert_eq!(data["ids"], serde_json::json!(report.results.tokens));
    assert_eq!(
        data["clusters"],
        serde_json::json!(report.results.dbscan.labels)
    );
    assert_eq!(data["k"], MAP_NEIGHBOURS);
    let page = std::fs::read_to_string(out.path().join("map.html")).unwrap();
    assert!(page.contains("<script src=\"map-data.js\"></script>") && !page.contains("http"));
}

#[test]
fn the_map_opens_on_a_deep_link_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "REQUIRE_BROWSER is set but no Chromium is on the PATH: apt-get install chromium"
        );
        eprintln!("skipped: no Chromium on the PATH (apt-get install chromium)");
        return;
    };
    let out = out_dir();
    let model = Model::load(
        locate(
            "standin/SmolLM2-135M-Instruct",
            &standins::ensure().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    // The token list lives apart: a run replaces its whole output folder.
    let lists = out_dir();
    let (file, ids) = token_file(&model, lists.path());
    let tokens = format!("@{}", file.display());
    let report = run(&standin_args::<Args>(
        "lesson05",
        out.path(),
        &["--tokens", &tokens],
    ))
    .unwrap();

    // The linked token: the first whose text holds `<`, unique in the map.
    let vocabulary = model.tokenizer.vocab_strings();
    let texts: Vec<String> = ids
        .iter()
        .map(|&id| {
            let decoded = token_text(&model, id).unwrap();
            display_text(&decoded, vocabulary.get(id).map(String::as_str))
        })
        .collect();
    let linked = (0..ids.len())
        .find(|&i| texts[i].contains('<') && texts.iter().filter(|t| **t == texts[i]).count() == 1)
        .unwrap();
    let encoded: String = texts[linked].bytes().map(|b| format!("%{b:02X}")).collect();
    let url = format!(
        "file://{}#token={encoded}&selftest",
        out.path().join("map.html").display()
    );
    let dom = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1200,800",
            "--virtual-time-budget=5000",
            "--dump-dom",
            &url,
        ])
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&dom.stdout);
    let status = "<div id=\"status\"";
    assert_eq!(attribute(&html, status, "data-done"), "yes", "{html}");
    assert_eq!(attribute(&html, status, "data-errors"), "");
    // Hover over the linked token showed it; searching for its text found it.
    assert_eq!(attribute(&html, status, "data-hover"), texts[linked]);
    assert_eq!(
        attribute(&html, status, "data-search"),
        format!("found (id {})", ids[linked])
    );
    // Its cluster, exported: one row per member in CSV and in JSON.
    let labels = &report.results.dbscan.labels;
    let members = labels.iter().filter(|&&l| l == labels[linked]).count();
    assert_eq!(
        attribute(&html, status, "data-export-csv-rows"),
        members.to_string()
    );
    assert_eq!(
        attribute(&html, status, "data-export-json-rows"),
        members.to_string()
    );
    // The token arrived as text: its span holds the escaped characters, nothing parsed.
    let selected = &html[html.find("<p id=\"selected\">").unwrap()..];
    let span = &selected[selected.find("<span class=\"token\">").unwrap() + 20..];
    assert_eq!(
        unescape(&span[..span.find("</span>").unwrap()]),
        texts[linked]
    );

    // The neighbour list is the lesson's graph: the 15 exact nearest tokens, in order.
    let device = Backend::Flex.device().unwrap();
    let graph = knn_graph(&model.embeddings.select_rows(&ids), MAP_NEIGHBOURS, &device).unwrap();
    let list = &html[html.find("<ol id=\"neighbours\">").unwrap()..];
    let list = &list[..list.find("</ol>").unwrap()];
    let shown: Vec<(usize, f64)> = list
        .split("<li ")
        .skip(1)
        .map(|item| {
            let id = attribute(item, "data-", "data-id").parse().unwrap();
            let distance = attribute(item, "data-", "data-distance").parse().unwrap();
            (id, distance)
        })
        .collect();
    assert_eq!(shown.len(), MAP_NEIGHBOURS);
    for (&(id, distance), &(j, squared)) in shown.iter().zip(&graph[linked]) {
        assert_eq!(id, ids[j]);
        let expected = (squared as f64).sqrt();
        assert!(
            (distance - expected).abs() < 1e-3 * expected,
            "{distance} vs {expected}"
        );
    }
}
