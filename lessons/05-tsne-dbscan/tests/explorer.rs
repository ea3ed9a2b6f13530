//! Lesson 5's interactive map, `map.html`, opened in a real browser: headless Chromium
//! loads it from `file://` with deep links, and the DOM it renders must show the linked
//! token with its nearest neighbours in the whole vocabulary under each metric, after
//! hover, search and the "Colour by" legend ran without an error. Tokens holding `<` and `&` are in the map, so text that looks like
//! markup must arrive as text.
//!
//! CI installs Chromium (`apt-get install chromium`) and sets `REQUIRE_BROWSER=1`;
//! elsewhere the browser test says it was skipped when no Chromium is on the PATH.

use std::path::{Path, PathBuf};

use common::Backend;
use common::analysis::neighbours::{Metric, exact_distance, smallest};
use common::analysis::vocabulary::vocabulary_neighbours;
use common::model::files::locate;
use common::model::token_kinds::token_kinds;
use common::model::{Model, display_text, standins, token_text};
use course_tests::{chromium_or_skip, out_dir, page_dom, standin_args};
use lesson05::{Args, MAP_NEIGHBOURS, run};

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
    // The map's 100 tokens first, then the off-map tokens their neighbour lists name.
    assert_eq!(data["count"], 100);
    let ids = data["ids"].as_array().unwrap();
    assert_eq!(ids.len(), data["tokens"].as_array().unwrap().len());
    assert!(
        ids.len() > 100,
        "whole-vocabulary neighbours lie off a 100-token map"
    );
    assert_eq!(
        ids[..100],
        serde_json::json!(report.results.tokens).as_array().unwrap()[..]
    );
    let metrics: Vec<&str> = data["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(metrics, ["euclidean", "cosine"]);
    assert_eq!(data["kinds"].as_array().unwrap().len(), 100);
    assert_eq!(data["regions"].as_array().unwrap().len(), 100);
    assert_eq!(data["k"], MAP_NEIGHBOURS);
    let page = std::fs::read_to_string(out.path().join("map.html")).unwrap();
    assert!(page.contains("<script src=\"map-data.js\"></script>") && !page.contains("http"));
}

#[test]
fn the_map_opens_on_a_deep_link_in_chromium() {
    let Some(browser) = chromium_or_skip() else {
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
    run(&standin_args::<Args>(
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
    let page = out.path().join("map.html");
    let open = |fragment: &str| -> String {
        page_dom(
            &browser,
            &page,
            &format!("token={encoded}{fragment}"),
            (1200, 800),
        )
    };
    let html = open("&selftest");
    let status = "<div id=\"status\"";
    assert_eq!(attribute(&html, status, "data-done"), "yes", "{html}");
    assert_eq!(attribute(&html, status, "data-errors"), "");
    // Hover over the linked token showed it; searching for its text found it.
    assert_eq!(attribute(&html, status, "data-hover"), texts[linked]);
    assert_eq!(
        attribute(&html, status, "data-search"),
        format!("found (id {})", ids[linked])
    );
    // Colour by token kind: the legend counts every token once; clicking the linked
    // token's kind listed and exported as many tokens as have that kind.
    let kinds: Vec<String> = token_kinds(&model, &ids)
        .unwrap()
        .into_iter()
        .map(|kind| kind.name())
        .collect();
    assert_eq!(
        attribute(&html, status, "data-legend-total"),
        ids.len().to_string()
    );
    assert_eq!(attribute(&html, status, "data-kind"), kinds[linked]);
    let members = kinds.iter().filter(|k| **k == kinds[linked]).count();
    assert_eq!(
        attribute(&html, status, "data-kind-listed"),
        format!("token kind: {}, {members} tokens", kinds[linked])
    );
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

    // Under each metric (the default, then a deep link to each), the list is the 15
    // nearest tokens in the whole vocabulary, in order, those off the map marked: checked
    // against a brute-force f64 loop over every text token, and against the lesson's own
    // whole-vocabulary lists. (numpy, on the GGUF dequantised by the gguf package, agrees
    // on all 6,000 lists of a 3,000-token sample's map: `crosscheck_map.py`.)
    let special = model.tokenizer.special_ids();
    let vocabulary: Vec<usize> = (0..model.tokenizer.vocab_size())
        .filter(|&id| !special.contains(&(id as u32)))
        .collect();
    let device = Backend::Flex.device().unwrap();
    let lesson = vocabulary_neighbours(
        &model.embeddings,
        &vocabulary,
        &ids[linked..=linked],
        MAP_NEIGHBOURS,
        None,
        &device,
    )
    .unwrap();
    let query = model.embeddings.row(ids[linked]);
    for (fragment, metric) in [
        ("", Metric::Euclidean),
        ("&metric=euclidean", Metric::Euclidean),
        ("&metric=cosine", Metric::Cosine),
    ] {
        let html = open(fragment);
        assert_eq!(attribute(&html, status, "data-errors"), "");
        // Opening the page leaves its address as it was (a change by the reader rewrites it).
        assert_eq!(
            attribute(&html, status, "data-address"),
            format!("#token={encoded}{fragment}")
        );
        let name = if metric == Metric::Cosine {
            "cosine"
        } else {
            "euclidean"
        };
        assert_eq!(attribute(&html, status, "data-metric"), name);
        let distances: Vec<f32> = vocabulary
            .iter()
            .map(|&id| {
                if id == ids[linked] {
                    return f32::INFINITY;
                }
                let d = exact_distance(model.embeddings.row(id), query, metric, false);
                // Unit-length vectors: ‖u − v‖ = √(2 − 2 cos), the distance the page shows.
                if metric == Metric::Cosine {
                    (2.0 * d).max(0.0).sqrt()
                } else {
                    d
                }
            })
            .collect();
        let brute: Vec<(usize, f32)> = smallest(&distances, MAP_NEIGHBOURS)
            .into_iter()
            .map(|(r, d)| (vocabulary[r], d))
            .collect();
        let own = if metric == Metric::Cosine {
            &lesson.cosine[0]
        } else {
            &lesson.euclidean[0]
        };
        let list = &html[html.find("<ol id=\"neighbours\">").unwrap()..];
        let list = &list[..list.find("</ol>").unwrap()];
        let shown: Vec<(usize, f64, String)> = list
            .split("<li ")
            .skip(1)
            .map(|item| {
                let id = attribute(item, "data-", "data-id").parse().unwrap();
                let distance = attribute(item, "data-", "data-distance").parse().unwrap();
                (id, distance, attribute(item, "data-", "data-on-map"))
            })
            .collect();
        assert_eq!(shown.len(), MAP_NEIGHBOURS, "{name}");
        for ((&(id, distance, ref on_map), &(expected_id, expected)), &(own_id, _)) in
            shown.iter().zip(&brute).zip(own)
        {
            assert_eq!((id, id), (expected_id, own_id), "{name}");
            let expected = expected as f64;
            assert!(
                (distance - expected).abs() < 1e-3 * expected,
                "{name}: {distance} vs {expected}"
            );
            assert_eq!(on_map, if ids.contains(&id) { "yes" } else { "no" });
        }
        // The page counts the selected token's neighbours in view (the book's captions
        // quote the count). Centred on the token at the whole map's scale, at least half
        // the map lies around it, and this run's map keeps its on-map neighbours within
        // that reach: so the count is every on-map neighbour, never 0.
        let on_map = shown.iter().filter(|s| s.2 == "yes").count();
        assert!(on_map > 0, "{name}: some neighbours are on the map");
        assert_eq!(
            attribute(&html, status, "data-neighbours-in-view"),
            on_map.to_string(),
            "{name}"
        );
    }
}
